/* fuzz-volumetric-payload.c: the volumetric frame payload parser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "media/px-depth-codec.h"
#include "net/px-volumetric.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  PxVolumetricPayload payload;

  if (px_volumetric_payload_parse (data, size, &payload, NULL))
    {
      static PxDepthCodec *codec;
      g_autoptr(GBytes) again = px_volumetric_payload_build (&payload);
      g_autofree guint16 *depth = NULL;
      guint width, height;

      /* What parses writes back to the same bytes. */
      g_assert (g_bytes_get_size (again) == size);
      g_assert (memcmp (g_bytes_get_data (again, NULL), data, size) == 0);
      g_assert (payload.n_packets >= 1 && payload.n_packets <= PX_VOLUMETRIC_MAX_PACKETS);
      for (guint i = 0; i < payload.n_packets; i++)
        g_assert (payload.packets[i].data >= data && payload.packets[i].data + payload.packets[i].size <= data + size);

      /* What a receiver does next with the depth. */
      if (codec == NULL)
        codec = px_depth_codec_new (1);
      depth = px_depth_codec_decode (codec, payload.depth, payload.depth_size, &width, &height, NULL);
    }
  return 0;
}
