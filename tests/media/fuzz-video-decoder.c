/* fuzz-video-decoder.c: arbitrary bytes into the VP8 decoder
 *
 * The input is split into packets by a one-byte length prefix scaled by
 * 64 (so a seed can hold a keyframe and the deltas after it); each packet
 * goes to one decoder in sequence, as a stream would.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "media/px-video-decoder.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(PxVideoDecoder) decoder = px_video_decoder_new ();
  guint64 sequence = 0;

  while (size >= 2)
    {
      gsize length = (gsize) data[0] * 64 + data[1];
      g_autoptr(PxFrame) frame = NULL;
      g_autoptr(GError) error = NULL;

      data += 2;
      size -= 2;
      length = MIN (length, size);
      frame = px_video_decoder_decode (decoder, data, length, sequence++, 0, &error);
      g_assert ((frame == NULL) == (error != NULL));
      if (frame != NULL)
        g_assert (frame->width > 0 && frame->height > 0);
      data += length;
      size -= length;
    }
  return 0;
}
