/* fuzz-mjpeg-decoder.c: camera MJPEG frames, whatever bytes they hold
 *
 * A camera (or a process posing as one in the PipeWire graph) hands us
 * arbitrary bytes as a JPEG frame. Decoding must fail cleanly or produce a
 * frame, and the decoder must keep working afterwards.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdint.h>

#include "media/px-mjpeg-decoder.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static PxMjpegDecoder *decoder;
  g_autoptr(PxFrame) frame = NULL;
  g_autoptr(GError) error = NULL;
  guint width, height;

  if (decoder == NULL)
    decoder = px_mjpeg_decoder_new ();

  if (!px_mjpeg_decoder_read_size (decoder, data, size, &width, &height, &error))
    return 0;
  /* Keep memory bounded: cameras do not send more than 4K. */
  if ((guint64) width * height > 4096 * 2160)
    return 0;

  frame = px_frame_new (PX_PIXEL_FORMAT_I420, width, height);
  if (frame == NULL)
    return 0;
  px_mjpeg_decoder_decode (decoder, data, size, frame, NULL);

  return 0;
}
