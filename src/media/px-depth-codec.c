/* px-depth-codec.c: lossless depth maps at millimetre precision
 *
 * A stream is a 16-byte little-endian header followed by one zstd frame:
 *
 *   "PXD1"  u16 width  u16 height  u8 version (1)  u8 flags (0)  u16 zero
 *   u32 size of the decompressed body
 *
 * (the zstd frame records the same size and a checksum of the body)
 *
 * The body walks the pixels in row order as alternating runs, in the manner
 * of RVL: a run of empty pixels (0), then a run of pixels with a value, then
 * the values of that run. Counts are unsigned LEB128 varints. Each value is
 * coded as the zigzagged difference from a prediction: the median edge
 * detector of LOCO-I when left, above and above-left all have values, else
 * the left or the above neighbour, else the previous value coded. On a person
 * the residuals are mostly a few millimetres, one byte each, which zstd then
 * squeezes further; the masked background costs a couple of bytes a row.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <zstd.h>

#include "media/px-depth-codec.h"

#define HEADER_SIZE 16
#define VERSION     1

struct _PxDepthCodec
{
  GObject parent_instance;

  int level;
  ZSTD_CCtx *cctx;
  ZSTD_DCtx *dctx;
  GByteArray *body;
};

G_DEFINE_FINAL_TYPE (PxDepthCodec, px_depth_codec, G_TYPE_OBJECT)
G_DEFINE_QUARK (px-depth-codec-error-quark, px_depth_codec_error)

static void
px_depth_codec_finalize (GObject *object)
{
  PxDepthCodec *self = PX_DEPTH_CODEC (object);

  ZSTD_freeCCtx (self->cctx);
  ZSTD_freeDCtx (self->dctx);
  g_byte_array_unref (self->body);

  G_OBJECT_CLASS (px_depth_codec_parent_class)->finalize (object);
}

static void
px_depth_codec_class_init (PxDepthCodecClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = px_depth_codec_finalize;
}

static void
px_depth_codec_init (PxDepthCodec *self)
{
  self->cctx = ZSTD_createCCtx ();
  self->dctx = ZSTD_createDCtx ();
  self->body = g_byte_array_new ();
  self->level = 3;
}

PxDepthCodec *
px_depth_codec_new (int level)
{
  PxDepthCodec *self = g_object_new (PX_TYPE_DEPTH_CODEC, NULL);

  self->level = CLAMP (level, 1, ZSTD_maxCLevel ());
  return self;
}

void
px_depth_quantize_mm (const float  *depth_m,
                      const guint8 *mask,
                      gsize         n_values,
                      guint16      *depth_mm)
{
  for (gsize i = 0; i < n_values; i++)
    {
      float z = depth_m[i];

      /* NaN fails every comparison, so it lands on 0 too. */
      if ((mask != NULL && mask[i] == 0) || !(z >= 0.0005f && z < 65.5355f))
        depth_mm[i] = 0;
      else
        depth_mm[i] = (guint16) (z * 1000.0f + 0.5f);
    }
}

/* ---- the body ---------------------------------------------------------------- */

static inline guint8 *
put_varint (guint8  *out,
            guint32  value)
{
  while (value >= 0x80)
    {
      *out++ = (guint8) (value | 0x80);
      value >>= 7;
    }
  *out++ = (guint8) value;
  return out;
}

static inline int
predict (const guint16 *row,
         const guint16 *above,
         guint          x,
         int            last)
{
  int left = x > 0 ? row[x - 1] : 0;
  int up = above != NULL ? above[x] : 0;
  int up_left = (above != NULL && x > 0) ? above[x - 1] : 0;

  if (left && up && up_left)
    {
      /* LOCO-I's median edge detector. */
      int lo = MIN (left, up), hi = MAX (left, up);

      if (up_left >= hi)
        return lo;
      if (up_left <= lo)
        return hi;
      return left + up - up_left;
    }
  if (left)
    return left;
  if (up)
    return up;
  return last;
}

static inline guint32
zigzag (int value)
{
  return value >= 0 ? (guint32) value << 1 : ((guint32) (-value) << 1) - 1;
}

static inline int
unzigzag (guint32 value)
{
  return (value & 1) ? -(int) ((value + 1) >> 1) : (int) (value >> 1);
}

/* The most bytes a body of @n pixels can take: 3 a value (a 17-bit zigzag),
 * plus the run counts: fewer than n / 2 + 1 pairs of mostly one-byte
 * varints, a few bytes more for each count of 128 or more. */
static inline gsize
body_bound (gsize n)
{
  return 4 * n + 16;
}

static inline guint8 *
flush_runs (guint8       *out,
            guint32       zeros,
            guint32       values,
            const guint8 *residuals,
            gsize         residual_bytes)
{
  out = put_varint (out, zeros);
  out = put_varint (out, values);
  memcpy (out, residuals, residual_bytes);
  return out + residual_bytes;
}

/* Encodes the pixels as runs into @out, which holds body_bound() bytes; a
 * run's values wait in @residuals (3 bytes a pixel) until its length is
 * known. */
static gsize
encode_body (const guint16 *depth,
             guint          width,
             guint          height,
             gsize          stride,
             guint8        *out,
             guint8        *residuals)
{
  guint8 *cursor = out, *pending = residuals;
  guint32 zeros = 0, values = 0;
  int last = 0;

  for (guint y = 0; y < height; y++)
    {
      const guint16 *row = depth + y * stride;
      const guint16 *above = y > 0 ? row - stride : NULL;

      for (guint x = 0; x < width; x++)
        {
          int value = row[x];

          if (value == 0)
            {
              if (values > 0)
                {
                  cursor = flush_runs (cursor, zeros, values, residuals, pending - residuals);
                  pending = residuals;
                  zeros = values = 0;
                }
              zeros++;
              continue;
            }
          pending = put_varint (pending, zigzag (value - predict (row, above, x, last)));
          values++;
          last = value;
        }
    }
  if (zeros > 0 || values > 0)
    cursor = flush_runs (cursor, zeros, values, residuals, pending - residuals);
  return cursor - out;
}

GBytes *
px_depth_codec_encode (PxDepthCodec   *self,
                       const guint16  *depth_mm,
                       guint           width,
                       guint           height,
                       gsize           stride,
                       GError        **error)
{
  gsize n = (gsize) width * height, body_size, bound, written;
  guint8 *stream;

  g_return_val_if_fail (PX_IS_DEPTH_CODEC (self), NULL);
  g_return_val_if_fail (depth_mm != NULL, NULL);

  if (width == 0 || height == 0 || width > PX_DEPTH_CODEC_MAX_SIZE
      || height > PX_DEPTH_CODEC_MAX_SIZE || stride < width)
    {
      g_set_error (error, PX_DEPTH_CODEC_ERROR, PX_DEPTH_CODEC_ERROR_INVALID_ARGUMENT,
                   "A depth map must be 1 to %u pixels wide and high (got %u×%u, stride %zu)",
                   PX_DEPTH_CODEC_MAX_SIZE, width, height, stride);
      return NULL;
    }

  g_byte_array_set_size (self->body, body_bound (n) + 3 * n);
  body_size = encode_body (depth_mm, width, height, stride, self->body->data,
                           self->body->data + body_bound (n));

  bound = ZSTD_compressBound (body_size);
  stream = g_malloc (HEADER_SIZE + bound);
  memcpy (stream, "PXD1", 4);
  stream[4] = width & 0xff;
  stream[5] = width >> 8;
  stream[6] = height & 0xff;
  stream[7] = height >> 8;
  stream[8] = VERSION;
  stream[9] = 0;
  stream[10] = stream[11] = 0;
  stream[12] = body_size & 0xff;
  stream[13] = (body_size >> 8) & 0xff;
  stream[14] = (body_size >> 16) & 0xff;
  stream[15] = (body_size >> 24) & 0xff;

  /* The frame's checksum catches corruption of the body before decoding. */
  ZSTD_CCtx_reset (self->cctx, ZSTD_reset_session_and_parameters);
  ZSTD_CCtx_setParameter (self->cctx, ZSTD_c_compressionLevel, self->level);
  ZSTD_CCtx_setParameter (self->cctx, ZSTD_c_checksumFlag, 1);
  written = ZSTD_compress2 (self->cctx, stream + HEADER_SIZE, bound, self->body->data,
                            body_size);
  if (ZSTD_isError (written))
    {
      g_set_error (error, PX_DEPTH_CODEC_ERROR, PX_DEPTH_CODEC_ERROR_FAILED,
                   "Could not compress a depth map: %s", ZSTD_getErrorName (written));
      g_free (stream);
      return NULL;
    }
  return g_bytes_new_take (g_realloc (stream, HEADER_SIZE + written), HEADER_SIZE + written);
}

static gboolean
corrupt (GError     **error,
         const char  *what)
{
  g_set_error (error, PX_DEPTH_CODEC_ERROR, PX_DEPTH_CODEC_ERROR_CORRUPT,
               "Corrupt depth stream: %s", what);
  return FALSE;
}

static inline gboolean
get_varint (const guint8 **cursor,
            const guint8  *end,
            guint32       *value)
{
  guint32 result = 0;

  for (guint shift = 0; shift < 35; shift += 7)
    {
      guint8 byte;

      if (*cursor >= end)
        return FALSE;
      byte = *(*cursor)++;
      if (shift == 28 && byte > 0x0f)
        return FALSE;
      result |= (guint32) (byte & 0x7f) << shift;
      if (!(byte & 0x80))
        {
          *value = result;
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean
decode_body (const guint8  *body,
             gsize          size,
             guint          width,
             guint          height,
             guint16       *depth,
             GError       **error)
{
  const guint8 *cursor = body, *end = body + size;
  gsize n = (gsize) width * height, i = 0;
  int last = 0;

  while (i < n)
    {
      guint32 zeros, values;

      if (!get_varint (&cursor, end, &zeros) || !get_varint (&cursor, end, &values))
        return corrupt (error, "a run is cut short or malformed");
      if (zeros > n - i || values > n - i - zeros)
        return corrupt (error, "a run goes past the end of the image");
      if (zeros == 0 && values == 0)
        return corrupt (error, "an empty run");
      memset (depth + i, 0, zeros * sizeof (guint16));
      i += zeros;
      for (guint32 k = 0; k < values; k++, i++)
        {
          gsize y = i / width;
          guint x = (guint) (i - y * width);
          guint16 *row = depth + y * width;
          guint32 residual;
          int value;

          if (!get_varint (&cursor, end, &residual))
            return corrupt (error, "a value is cut short or malformed");
          /* Differences of 16-bit values zigzag to at most 17 bits. */
          if (residual > 2 * G_MAXUINT16)
            return corrupt (error, "a value is out of range");
          value = predict (row, y > 0 ? row - width : NULL, x, last) + unzigzag (residual);
          if (value <= 0 || value > G_MAXUINT16)
            return corrupt (error, "a value is out of range");
          row[x] = (guint16) value;
          last = value;
        }
    }
  if (cursor != end)
    return corrupt (error, "bytes after the last pixel");
  return TRUE;
}

guint16 *
px_depth_codec_decode (PxDepthCodec  *self,
                       const guint8  *data,
                       gsize          size,
                       guint         *width,
                       guint         *height,
                       GError       **error)
{
  g_autofree guint16 *depth = NULL;
  guint w, h;
  gsize body_size, n, got;
  unsigned long long content_size;

  g_return_val_if_fail (PX_IS_DEPTH_CODEC (self), NULL);
  g_return_val_if_fail (data != NULL || size == 0, NULL);

  if (size < HEADER_SIZE)
    {
      corrupt (error, "shorter than its header");
      return NULL;
    }
  if (memcmp (data, "PXD1", 4) != 0)
    {
      corrupt (error, "not a depth stream");
      return NULL;
    }
  if (data[8] != VERSION || data[9] != 0 || data[10] != 0 || data[11] != 0)
    {
      corrupt (error, "unknown version or flags");
      return NULL;
    }
  w = data[4] | data[5] << 8;
  h = data[6] | data[7] << 8;
  body_size = (gsize) data[12] | (gsize) data[13] << 8 | (gsize) data[14] << 16
              | (gsize) data[15] << 24;
  n = (gsize) w * h;
  if (w == 0 || h == 0 || w > PX_DEPTH_CODEC_MAX_SIZE || h > PX_DEPTH_CODEC_MAX_SIZE)
    {
      corrupt (error, "impossible image size");
      return NULL;
    }
  /* A body outside these bounds cannot be valid, so nothing larger is
   * allocated whatever the header claims. */
  if (body_size < 2 || body_size > body_bound (n))
    {
      corrupt (error, "impossible body size");
      return NULL;
    }
  content_size = ZSTD_getFrameContentSize (data + HEADER_SIZE, size - HEADER_SIZE);
  if (content_size == ZSTD_CONTENTSIZE_ERROR || content_size != body_size)
    {
      corrupt (error, "the compressed body does not match the header");
      return NULL;
    }
  if (ZSTD_findFrameCompressedSize (data + HEADER_SIZE, size - HEADER_SIZE)
      != size - HEADER_SIZE)
    {
      corrupt (error, "the compressed body is truncated or followed by garbage");
      return NULL;
    }

  g_byte_array_set_size (self->body, body_size);
  got = ZSTD_decompressDCtx (self->dctx, self->body->data, body_size, data + HEADER_SIZE,
                             size - HEADER_SIZE);
  if (ZSTD_isError (got) || got != body_size)
    {
      corrupt (error, "the compressed body does not decompress");
      return NULL;
    }

  depth = g_new (guint16, n);
  if (!decode_body (self->body->data, body_size, w, h, depth, error))
    return NULL;
  *width = w;
  *height = h;
  return g_steal_pointer (&depth);
}
