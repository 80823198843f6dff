/* fuzz-control-message.c: the JSON control message parser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "net/px-control.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(PxControlMessage) message = NULL;

  message = px_control_parse ((const char *) data, size, NULL);
  if (message != NULL)
    {
      g_autofree char *text = px_control_to_string (message->object);
      g_autoptr(PxControlMessage) again = px_control_parse (text, strlen (text), NULL);

      /* A message that parses survives a round trip. */
      g_assert (again != NULL && again->type == message->type);
      (void) px_control_get_int (message, "participant", 0);
      (void) px_control_get_string (message, "resume", NULL);
      (void) px_control_get_bool (message, "audio", FALSE);
    }
  return 0;
}
