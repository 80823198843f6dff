/* px-mjpeg-decoder.c: motion-JPEG camera frames to I420 with libjpeg-turbo
 *
 * libjpeg-turbo decodes to planar YUV without a colour conversion, so a
 * 4:2:0 frame lands in the I420 frame as it is; webcams' usual 4:2:2 only
 * needs its chroma rows averaged in pairs. JPEG's YCbCr is full range
 * (JFIF) while our I420 is limited range, so the planes then go through a
 * lookup table each.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <turbojpeg.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "px-mjpeg-decoder.h"
#include "px-pixel-convert.h"

struct _PxMjpegDecoder
{
  GObject parent_instance;

  tjhandle  handle;
  guint8   *scratch;        /* chroma planes or RGB pixels of layouts I420 cannot take */
  gsize     scratch_size;
};

G_DEFINE_FINAL_TYPE (PxMjpegDecoder, px_mjpeg_decoder, G_TYPE_OBJECT)

/* Full range (0–255) to limited range: luma 16–235, chroma 16–240. */
static guint8 luma_to_limited[256];
static guint8 chroma_to_limited[256];

static void
build_range_tables (void)
{
  for (int i = 0; i < 256; i++)
    {
      luma_to_limited[i] = (guint8) (16 + (i * 219 + 127) / 255);
      chroma_to_limited[i] = (guint8) (128 + ((i - 128) * 224 + (i >= 128 ? 127 : -127)) / 255);
    }
}

#if defined(__SSE2__)
/* x / 255 for 0 ≤ x < 65535, exactly: (x + 1 + (x >> 8)) >> 8. */
static inline __m128i
divide_by_255 (__m128i x)
{
  return _mm_srli_epi16 (_mm_add_epi16 (_mm_add_epi16 (x, _mm_set1_epi16 (1)),
                                        _mm_srli_epi16 (x, 8)), 8);
}

/* Sixteen samples at a time, the same numbers as the tables; returns how many. */
static guint
limit_row_sse2 (guint8   *row,
                guint     width,
                gboolean  chroma)
{
  const __m128i zero = _mm_setzero_si128 ();
  guint x = 0;

  for (; x + 16 <= width; x += 16)
    {
      __m128i in = _mm_loadu_si128 ((const __m128i *) (gconstpointer) (row + x));
      __m128i halves[2] = { _mm_unpacklo_epi8 (in, zero), _mm_unpackhi_epi8 (in, zero) };

      for (guint h = 0; h < 2; h++)
        {
          __m128i v = halves[h];

          if (!chroma)
            {
              /* 16 + (v × 219 + 127) / 255 */
              v = _mm_mullo_epi16 (v, _mm_set1_epi16 (219));
              v = divide_by_255 (_mm_add_epi16 (v, _mm_set1_epi16 (127)));
              halves[h] = _mm_add_epi16 (v, _mm_set1_epi16 (16));
            }
          else
            {
              /* 128 ± (|v − 128| × 224 + 127) / 255 */
              const __m128i mid = _mm_set1_epi16 (128);
              __m128i below = _mm_cmplt_epi16 (v, mid);
              __m128i magnitude = _mm_or_si128 (_mm_and_si128 (below, _mm_sub_epi16 (mid, v)),
                                                _mm_andnot_si128 (below, _mm_sub_epi16 (v, mid)));
              __m128i q = _mm_mullo_epi16 (magnitude, _mm_set1_epi16 (224));

              q = divide_by_255 (_mm_add_epi16 (q, _mm_set1_epi16 (127)));
              halves[h] = _mm_or_si128 (_mm_and_si128 (below, _mm_sub_epi16 (mid, q)),
                                        _mm_andnot_si128 (below, _mm_add_epi16 (mid, q)));
            }
        }
      _mm_storeu_si128 ((__m128i *) (gpointer) (row + x), _mm_packus_epi16 (halves[0], halves[1]));
    }

  return x;
}
#endif

static void
limit_plane (guint8       *plane,
             int           stride,
             guint         width,
             guint         height,
             const guint8 *table)
{
  for (guint y = 0; y < height; y++)
    {
      guint8 *row = plane + (gsize) y * stride;
      guint x = 0;

#if defined(__SSE2__)
      x = limit_row_sse2 (row, width, table == chroma_to_limited);
#endif
      for (; x < width; x++)
        row[x] = table[row[x]];
    }
}

static void
limit_frame (PxFrame *frame,
             gboolean grey)
{
  guint cw = (frame->width + 1) / 2, ch = (frame->height + 1) / 2;

  limit_plane (frame->planes[0], frame->strides[0], frame->width, frame->height,
               luma_to_limited);
  if (grey)
    return;
  limit_plane (frame->planes[1], frame->strides[1], cw, ch, chroma_to_limited);
  limit_plane (frame->planes[2], frame->strides[2], cw, ch, chroma_to_limited);
}

static void
px_mjpeg_decoder_finalize (GObject *object)
{
  PxMjpegDecoder *self = PX_MJPEG_DECODER (object);

  if (self->handle != NULL)
    tjDestroy (self->handle);
  g_free (self->scratch);

  G_OBJECT_CLASS (px_mjpeg_decoder_parent_class)->finalize (object);
}

static void
px_mjpeg_decoder_class_init (PxMjpegDecoderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = px_mjpeg_decoder_finalize;

  build_range_tables ();
}

static void
px_mjpeg_decoder_init (PxMjpegDecoder *self)
{
  self->handle = tjInitDecompress ();
}

PxMjpegDecoder *
px_mjpeg_decoder_new (void)
{
  return g_object_new (PX_TYPE_MJPEG_DECODER, NULL);
}

static guint8 *
ensure_scratch (PxMjpegDecoder *self,
                gsize           size)
{
  if (self->scratch_size < size)
    {
      g_free (self->scratch);
      self->scratch = g_malloc (size);
      self->scratch_size = size;
    }
  return self->scratch;
}

/* After a failed decode libjpeg-turbo's handle can keep stale state that
 * spoils the next image: start from a fresh one (errors are rare). */
static void
reset_handle (PxMjpegDecoder *self)
{
  if (self->handle != NULL)
    tjDestroy (self->handle);
  self->handle = tjInitDecompress ();
}

static gboolean
read_header (PxMjpegDecoder  *self,
             const guint8    *data,
             gsize            size,
             int             *width,
             int             *height,
             int             *subsampling,
             GError         **error)
{
  int colorspace;

  if (self->handle == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "libjpeg-turbo could not set up a decoder");
      return FALSE;
    }
  if (data == NULL || size < 4 || size > G_MAXULONG || data[0] != 0xff || data[1] != 0xd8)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "Not a JPEG image (%" G_GSIZE_FORMAT " bytes)", size);
      return FALSE;
    }
  if (tjDecompressHeader3 (self->handle, data, (unsigned long) size, width, height,
                           subsampling, &colorspace) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "Cannot read the JPEG header: %s", tjGetErrorStr2 (self->handle));
      reset_handle (self);
      return FALSE;
    }
  if (*width <= 0 || *height <= 0 || *width > PX_FRAME_MAX_SIZE || *height > PX_FRAME_MAX_SIZE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "JPEG image of impossible size %d×%d", *width, *height);
      return FALSE;
    }

  return TRUE;
}

gboolean
px_mjpeg_decoder_read_size (PxMjpegDecoder *self,
                            const guint8   *data,
                            gsize           size,
                            guint          *width,
                            guint          *height,
                            GError        **error)
{
  int w, h, subsampling;

  g_return_val_if_fail (PX_IS_MJPEG_DECODER (self), FALSE);

  if (!read_header (self, data, size, &w, &h, &subsampling, error))
    return FALSE;
  *width = (guint) w;
  *height = (guint) h;
  return TRUE;
}

/* A decode warning (a damaged but usable image, as cameras send) is
 * accepted; an error is not. */
static gboolean
check_decode (PxMjpegDecoder  *self,
              int              result,
              GError         **error)
{
  if (result == 0 || tjGetErrorCode (self->handle) == TJERR_WARNING)
    return TRUE;

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               "Cannot decode the JPEG image: %s", tjGetErrorStr2 (self->handle));
  reset_handle (self);
  return FALSE;
}

/* Full-height chroma (4:2:2 or 4:4:4 scratch planes, @src_w wide) to the
 * frame's quarter-size chroma. */
static void
downsample_chroma (const guint8 *src,
                   guint         src_w,
                   guint         src_h,
                   gboolean      halve_width,
                   guint8       *dest,
                   int           dest_stride,
                   guint         dest_w,
                   guint         dest_h)
{
  for (guint y = 0; y < dest_h; y++)
    {
      const guint8 *row0 = src + (gsize) (2 * y) * src_w;
      const guint8 *row1 = 2 * y + 1 < src_h ? row0 + src_w : row0;
      guint8 *out = dest + (gsize) y * dest_stride;

      if (halve_width)
        {
          for (guint x = 0; x < dest_w; x++)
            {
              guint x1 = MIN (2 * x + 1, src_w - 1);

              out[x] = (guint8) ((row0[2 * x] + row0[x1] + row1[2 * x] + row1[x1] + 2) >> 2);
            }
        }
      else
        {
          for (guint x = 0; x < dest_w; x++)
            out[x] = (guint8) ((row0[x] + row1[x] + 1) >> 1);
        }
    }
}

gboolean
px_mjpeg_decoder_decode (PxMjpegDecoder *self,
                         const guint8   *data,
                         gsize           size,
                         PxFrame        *dest,
                         GError        **error)
{
  int width, height, subsampling;
  guint chroma_w, chroma_h;

  g_return_val_if_fail (PX_IS_MJPEG_DECODER (self), FALSE);
  g_return_val_if_fail (dest != NULL && dest->format == PX_PIXEL_FORMAT_I420, FALSE);

  if (!read_header (self, data, size, &width, &height, &subsampling, error))
    return FALSE;
  if ((guint) width != dest->width || (guint) height != dest->height)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "JPEG image is %d×%d, expected %u×%u", width, height,
                   dest->width, dest->height);
      return FALSE;
    }

  chroma_w = (dest->width + 1) / 2;
  chroma_h = (dest->height + 1) / 2;

  switch (subsampling)
    {
    case TJSAMP_420:
      {
        unsigned char *planes[3] = { dest->planes[0], dest->planes[1], dest->planes[2] };
        int strides[3] = { dest->strides[0], dest->strides[1], dest->strides[2] };

        if (!check_decode (self,
                           tjDecompressToYUVPlanes (self->handle, data, (unsigned long) size,
                                                    planes, width, strides, height,
                                                    TJFLAG_FASTDCT), error))
          return FALSE;
        limit_frame (dest, FALSE);
        return TRUE;
      }
    case TJSAMP_422:
    case TJSAMP_444:
      {
        guint plane_w = subsampling == TJSAMP_422 ? chroma_w : (guint) width;
        gsize plane_size = (gsize) plane_w * height;
        guint8 *scratch = ensure_scratch (self, 2 * plane_size);
        unsigned char *planes[3] = { dest->planes[0], scratch, scratch + plane_size };
        int strides[3] = { dest->strides[0], (int) plane_w, (int) plane_w };

        if (!check_decode (self,
                           tjDecompressToYUVPlanes (self->handle, data, (unsigned long) size,
                                                    planes, width, strides, height,
                                                    TJFLAG_FASTDCT), error))
          return FALSE;
        for (guint i = 1; i <= 2; i++)
          downsample_chroma (planes[i], plane_w, (guint) height, subsampling == TJSAMP_444,
                             dest->planes[i], dest->strides[i], chroma_w, chroma_h);
        limit_frame (dest, FALSE);
        return TRUE;
      }
    case TJSAMP_GRAY:
      {
        unsigned char *planes[3] = { dest->planes[0], NULL, NULL };
        int strides[3] = { dest->strides[0], 0, 0 };

        if (!check_decode (self,
                           tjDecompressToYUVPlanes (self->handle, data, (unsigned long) size,
                                                    planes, width, strides, height,
                                                    TJFLAG_FASTDCT), error))
          return FALSE;
        for (guint y = 0; y < chroma_h; y++)
          {
            memset (dest->planes[1] + (gsize) y * dest->strides[1], 128, chroma_w);
            memset (dest->planes[2] + (gsize) y * dest->strides[2], 128, chroma_w);
          }
        limit_frame (dest, TRUE);
        return TRUE;
      }
    default:
      {
        /* 4:4:0 and 4:1:1 are rare: let libjpeg-turbo produce RGB. */
        gsize stride = (gsize) width * 3;
        guint8 *rgb = ensure_scratch (self, stride * height);
        const guint8 *planes[1] = { rgb };
        int strides[1] = { (int) stride };

        if (!check_decode (self,
                           tjDecompress2 (self->handle, data, (unsigned long) size, rgb, width,
                                          (int) stride, height, TJPF_RGB, TJFLAG_FASTDCT),
                           error))
          return FALSE;
        return px_pixel_convert_to_i420 (PX_PIXEL_FORMAT_RGB, planes, strides,
                                         dest->width, dest->height, dest);
      }
    }
}
