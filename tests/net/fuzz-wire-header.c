/* fuzz-wire-header.c: the binary frame header parser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "net/px-wire.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  PxWireHeader header;

  if (px_wire_header_parse (data, size, &header, NULL))
    {
      g_autoptr(GBytes) frame = px_wire_frame_new (&header, data + PX_WIRE_HEADER_SIZE,
                                                   header.payload_length);
      g_autoptr(GBytes) stamped = px_wire_frame_with_participant (frame, 7);
      PxWireHeader again;

      /* What parses writes back to the same bytes. */
      g_assert (g_bytes_get_size (frame) == size);
      g_assert (memcmp (g_bytes_get_data (frame, NULL), data, size) == 0);
      g_assert (px_wire_header_parse (g_bytes_get_data (stamped, NULL), size, &again, NULL));
      g_assert (again.participant == 7 && again.sequence == header.sequence);
    }
  return 0;
}
