/* fuzz-rig.c: the rig file reader on any bytes; what it accepts it must
 * write back in a form it accepts again
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdint.h>
#include <stdlib.h>

#include "recon/px-rig.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  GError *error = NULL;
  PxRig *rig = px_rig_new_from_data ((const char *) data, (gssize) size, &error);
  char *text;
  PxRig *again;

  if (rig == NULL)
    {
      if (error == NULL)
        abort ();
      g_error_free (error);
      return 0;
    }
  text = px_rig_to_data (rig, NULL);
  again = px_rig_new_from_data (text, -1, NULL);
  if (again == NULL || px_rig_get_n_cameras (again) != px_rig_get_n_cameras (rig))
    abort ();
  g_object_unref (again);
  g_free (text);
  g_object_unref (rig);
  return 0;
}
