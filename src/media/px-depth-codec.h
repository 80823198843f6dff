/* px-depth-codec.h: lossless depth maps at millimetre precision
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define PX_DEPTH_CODEC_ERROR (px_depth_codec_error_quark ())

typedef enum
{
  PX_DEPTH_CODEC_ERROR_INVALID_ARGUMENT,  /* a size the format cannot hold */
  PX_DEPTH_CODEC_ERROR_CORRUPT,           /* the bytes are not a valid depth stream */
  PX_DEPTH_CODEC_ERROR_FAILED,            /* zstd failed to compress */
} PxDepthCodecError;

/* Largest width or height a stream may declare. */
#define PX_DEPTH_CODEC_MAX_SIZE 8192

#define PX_TYPE_DEPTH_CODEC (px_depth_codec_get_type ())

G_DECLARE_FINAL_TYPE (PxDepthCodec, px_depth_codec, PX, DEPTH_CODEC, GObject)

GQuark        px_depth_codec_error_quark (void);

/* A coder with its compression contexts and scratch memory kept between
 * frames; use one per thread. @level is zstd's (1 is fast, 3 the default). */
PxDepthCodec *px_depth_codec_new         (int              level);

/* Codes @width × @height millimetre depths (0 = no value: background or
 * unknown), rows @stride values apart. Decoding gives back exactly these
 * values. */
GBytes       *px_depth_codec_encode      (PxDepthCodec    *self,
                                          const guint16   *depth_mm,
                                          guint            width,
                                          guint            height,
                                          gsize            stride,
                                          GError         **error);

/* Decodes a stream from px_depth_codec_encode(): a newly allocated
 * @width × @height array, rows packed. Corrupt or truncated input is an
 * error, never a crash. */
guint16      *px_depth_codec_decode      (PxDepthCodec    *self,
                                          const guint8    *data,
                                          gsize            size,
                                          guint           *width,
                                          guint           *height,
                                          GError         **error);

/* Rounds metres to millimetres: 0 where @mask (may be NULL) is 0, where the
 * depth is not finite or not positive, or beyond 65.535 m. */
void          px_depth_quantize_mm       (const float     *depth_m,
                                          const guint8    *mask,
                                          gsize            n_values,
                                          guint16         *depth_mm);

G_END_DECLS
