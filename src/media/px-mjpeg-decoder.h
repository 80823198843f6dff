/* px-mjpeg-decoder.h: motion-JPEG camera frames to I420 with libjpeg-turbo
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "px-frame.h"

G_BEGIN_DECLS

#define PX_TYPE_MJPEG_DECODER (px_mjpeg_decoder_get_type ())

G_DECLARE_FINAL_TYPE (PxMjpegDecoder, px_mjpeg_decoder, PX, MJPEG_DECODER, GObject)

/* A decoder with its libjpeg-turbo handle and scratch planes; one thread
 * at a time. */
PxMjpegDecoder *px_mjpeg_decoder_new         (void);

/* Reads the size of the JPEG image in @data. */
gboolean        px_mjpeg_decoder_read_size   (PxMjpegDecoder *self,
                                              const guint8   *data,
                                              gsize           size,
                                              guint          *width,
                                              guint          *height,
                                              GError        **error);

/* Decodes the JPEG image in @data into @dest, an I420 frame of the
 * image's size. 4:2:0 images decode straight into @dest; 4:2:2, 4:4:4 and
 * greyscale have their chroma resampled; other layouts go through RGB.
 * A corrupt or truncated image, or one of another size, is an error
 * (G_IO_ERROR_INVALID_DATA) and leaves @dest unspecified. */
gboolean        px_mjpeg_decoder_decode      (PxMjpegDecoder *self,
                                              const guint8   *data,
                                              gsize           size,
                                              PxFrame        *dest,
                                              GError        **error);

G_END_DECLS
