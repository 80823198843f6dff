/* px-pixel-convert.c: camera pixel layouts to I420 and I420 to RGB
 *
 * Plain row loops over restrict pointers with 8.8 fixed-point arithmetic,
 * which compilers vectorise at -O3. I420 to RGBA, which the UI runs for
 * every preview frame on the main thread, also has an SSE2 version giving
 * bit-identical results (the same products, summed with pmaddwd).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "px-pixel-convert.h"

static inline guint8
clamp_u8 (int value)
{
  return (guint8) (value < 0 ? 0 : value > 255 ? 255 : value);
}

/* BT.601 limited range, coefficients scaled by 256. */
static inline int
luma (int r,
      int g,
      int b)
{
  return ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16;
}

static inline int
chroma_u (int r,
          int g,
          int b)
{
  return ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128;
}

static inline int
chroma_v (int r,
          int g,
          int b)
{
  return ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128;
}

void
px_pixel_rgb_to_yuv (guint8  r,
                     guint8  g,
                     guint8  b,
                     guint8 *y,
                     guint8 *u,
                     guint8 *v)
{
  *y = clamp_u8 (luma (r, g, b));
  *u = clamp_u8 (chroma_u (r, g, b));
  *v = clamp_u8 (chroma_v (r, g, b));
}

void
px_pixel_yuv_to_rgb (guint8  y,
                     guint8  u,
                     guint8  v,
                     guint8 *r,
                     guint8 *g,
                     guint8 *b)
{
  int c = 298 * (y - 16) + 128;
  int d = u - 128;
  int e = v - 128;

  *r = clamp_u8 ((c + 409 * e) >> 8);
  *g = clamp_u8 ((c - 100 * d - 208 * e) >> 8);
  *b = clamp_u8 ((c + 516 * d) >> 8);
}

gboolean
px_pixel_convert_can_read (PxPixelFormat format)
{
  switch (format)
    {
    case PX_PIXEL_FORMAT_I420:
    case PX_PIXEL_FORMAT_NV12:
    case PX_PIXEL_FORMAT_YUY2:
    case PX_PIXEL_FORMAT_UYVY:
    case PX_PIXEL_FORMAT_RGBX:
    case PX_PIXEL_FORMAT_BGRX:
    case PX_PIXEL_FORMAT_RGBA:
    case PX_PIXEL_FORMAT_RGB:
    case PX_PIXEL_FORMAT_BGR:
      return TRUE;
    case PX_PIXEL_FORMAT_MJPG:
    case PX_PIXEL_FORMAT_UNKNOWN:
    default:
      return FALSE;
    }
}

static void
copy_plane (const guint8 *src,
            int           src_stride,
            guint8       *dest,
            int           dest_stride,
            guint         width,
            guint         height)
{
  for (guint y = 0; y < height; y++)
    memcpy (dest + (gsize) y * dest_stride, src + (gsize) y * src_stride, width);
}

/* Packed 4:2:2: @y_offset is where the first luma byte sits (0 for YUY2,
 * 1 for UYVY); chroma of two rows is averaged into one. */
static void
packed_422_rows (const guint8 * restrict row0,
                 const guint8 * restrict row1,
                 guint8                  *y0,
                 guint8                  *y1,
                 guint8 * restrict        u,
                 guint8 * restrict        v,
                 guint                    width,
                 guint                    y_offset)
{
  guint pairs = width / 2;
  guint u_offset = y_offset == 0 ? 1 : 0;
  guint v_offset = u_offset + 2;

  for (guint i = 0; i < pairs; i++)
    {
      y0[2 * i] = row0[4 * i + y_offset];
      y0[2 * i + 1] = row0[4 * i + y_offset + 2];
      y1[2 * i] = row1[4 * i + y_offset];
      y1[2 * i + 1] = row1[4 * i + y_offset + 2];
      u[i] = (guint8) ((row0[4 * i + u_offset] + row1[4 * i + u_offset] + 1) >> 1);
      v[i] = (guint8) ((row0[4 * i + v_offset] + row1[4 * i + v_offset] + 1) >> 1);
    }
  if (width & 1)
    {
      y0[width - 1] = row0[4 * pairs + y_offset];
      y1[width - 1] = row1[4 * pairs + y_offset];
      u[pairs] = (guint8) ((row0[4 * pairs + u_offset] + row1[4 * pairs + u_offset] + 1) >> 1);
      v[pairs] = (guint8) ((row0[4 * pairs + v_offset] + row1[4 * pairs + v_offset] + 1) >> 1);
    }
}

static void
packed_422_to_i420 (const guint8 *src,
                    int           stride,
                    guint         width,
                    guint         height,
                    guint         y_offset,
                    PxFrame      *dest)
{
  for (guint y = 0; y < height; y += 2)
    {
      /* An odd last row pairs with itself. */
      gboolean last = y + 1 >= height;
      const guint8 *row0 = src + (gsize) y * stride;
      const guint8 *row1 = last ? row0 : row0 + stride;
      guint8 *y0 = dest->planes[0] + (gsize) y * dest->strides[0];
      guint8 *y1 = last ? y0 : y0 + dest->strides[0];

      packed_422_rows (row0, row1, y0, y1,
                       dest->planes[1] + (gsize) (y / 2) * dest->strides[1],
                       dest->planes[2] + (gsize) (y / 2) * dest->strides[2],
                       width, y_offset);
    }
}

static void
nv12_to_i420 (const guint8 * const planes[],
              const int            strides[],
              guint                width,
              guint                height,
              PxFrame             *dest)
{
  guint chroma_w = (width + 1) / 2;
  guint chroma_h = (height + 1) / 2;

  copy_plane (planes[0], strides[0], dest->planes[0], dest->strides[0], width, height);
  for (guint y = 0; y < chroma_h; y++)
    {
      const guint8 * restrict uv = planes[1] + (gsize) y * strides[1];
      guint8 * restrict u = dest->planes[1] + (gsize) y * dest->strides[1];
      guint8 * restrict v = dest->planes[2] + (gsize) y * dest->strides[2];

      for (guint x = 0; x < chroma_w; x++)
        {
          u[x] = uv[2 * x];
          v[x] = uv[2 * x + 1];
        }
    }
}

/* RGB-like input: @bpp bytes per pixel, red at @r, green at @g, blue at @b. */
static void
rgb_rows (const guint8 * restrict row0,
          const guint8 * restrict row1,
          guint8                  *y0,
          guint8                  *y1,
          guint8 * restrict        u,
          guint8 * restrict        v,
          guint                    width,
          guint                    bpp,
          guint                    r,
          guint                    g,
          guint                    b)
{
  for (guint x = 0; x < width; x++)
    {
      const guint8 *p0 = row0 + x * bpp;
      const guint8 *p1 = row1 + x * bpp;

      y0[x] = (guint8) luma (p0[r], p0[g], p0[b]);
      y1[x] = (guint8) luma (p1[r], p1[g], p1[b]);
    }

  for (guint x = 0; x < (width + 1) / 2; x++)
    {
      guint x1 = MIN (2 * x + 1, width - 1);
      const guint8 *a = row0 + 2 * x * bpp;
      const guint8 *c = row0 + x1 * bpp;
      const guint8 *d = row1 + 2 * x * bpp;
      const guint8 *e = row1 + x1 * bpp;
      int sr = (a[r] + c[r] + d[r] + e[r] + 2) >> 2;
      int sg = (a[g] + c[g] + d[g] + e[g] + 2) >> 2;
      int sb = (a[b] + c[b] + d[b] + e[b] + 2) >> 2;

      u[x] = (guint8) chroma_u (sr, sg, sb);
      v[x] = (guint8) chroma_v (sr, sg, sb);
    }
}

static void
rgb_planes_to_i420 (const guint8 *src,
                    gsize         stride,
                    guint         width,
                    guint         height,
                    guint         bpp,
                    guint         r,
                    guint         g,
                    guint         b,
                    guint8 * const planes[3],
                    const int     strides[3])
{
  for (guint y = 0; y < height; y += 2)
    {
      gboolean last = y + 1 >= height;
      const guint8 *row0 = src + (gsize) y * stride;
      const guint8 *row1 = last ? row0 : row0 + stride;
      guint8 *y0 = planes[0] + (gsize) y * strides[0];
      guint8 *y1 = last ? y0 : y0 + strides[0];

      rgb_rows (row0, row1, y0, y1,
                planes[1] + (gsize) (y / 2) * strides[1],
                planes[2] + (gsize) (y / 2) * strides[2],
                width, bpp, r, g, b);
    }
}

static void
rgb_to_i420 (const guint8 *src,
             int           stride,
             guint         width,
             guint         height,
             guint         bpp,
             guint         r,
             guint         g,
             guint         b,
             PxFrame      *dest)
{
  rgb_planes_to_i420 (src, stride, width, height, bpp, r, g, b, dest->planes, dest->strides);
}

void
px_pixel_convert_rgb_to_i420 (const guint8 *rgb,
                              gsize         rgb_stride,
                              guint         width,
                              guint         height,
                              guint8 * const planes[3],
                              const int     strides[3])
{
  g_return_if_fail (rgb != NULL && planes != NULL && strides != NULL);

  rgb_planes_to_i420 (rgb, rgb_stride, width, height, 3, 0, 1, 2, planes, strides);
}

gboolean
px_pixel_convert_to_i420 (PxPixelFormat        format,
                          const guint8 * const planes[],
                          const int            strides[],
                          guint                width,
                          guint                height,
                          PxFrame             *dest)
{
  g_return_val_if_fail (planes != NULL && strides != NULL, FALSE);
  g_return_val_if_fail (dest != NULL, FALSE);

  if (dest->format != PX_PIXEL_FORMAT_I420 || dest->width != width || dest->height != height)
    return FALSE;

  switch (format)
    {
    case PX_PIXEL_FORMAT_I420:
      copy_plane (planes[0], strides[0], dest->planes[0], dest->strides[0], width, height);
      copy_plane (planes[1], strides[1], dest->planes[1], dest->strides[1],
                  (width + 1) / 2, (height + 1) / 2);
      copy_plane (planes[2], strides[2], dest->planes[2], dest->strides[2],
                  (width + 1) / 2, (height + 1) / 2);
      return TRUE;
    case PX_PIXEL_FORMAT_NV12:
      nv12_to_i420 (planes, strides, width, height, dest);
      return TRUE;
    case PX_PIXEL_FORMAT_YUY2:
      packed_422_to_i420 (planes[0], strides[0], width, height, 0, dest);
      return TRUE;
    case PX_PIXEL_FORMAT_UYVY:
      packed_422_to_i420 (planes[0], strides[0], width, height, 1, dest);
      return TRUE;
    case PX_PIXEL_FORMAT_RGBX:
    case PX_PIXEL_FORMAT_RGBA:
      rgb_to_i420 (planes[0], strides[0], width, height, 4, 0, 1, 2, dest);
      return TRUE;
    case PX_PIXEL_FORMAT_BGRX:
      rgb_to_i420 (planes[0], strides[0], width, height, 4, 2, 1, 0, dest);
      return TRUE;
    case PX_PIXEL_FORMAT_RGB:
      rgb_to_i420 (planes[0], strides[0], width, height, 3, 0, 1, 2, dest);
      return TRUE;
    case PX_PIXEL_FORMAT_BGR:
      rgb_to_i420 (planes[0], strides[0], width, height, 3, 2, 1, 0, dest);
      return TRUE;
    case PX_PIXEL_FORMAT_MJPG:
    case PX_PIXEL_FORMAT_UNKNOWN:
    default:
      return FALSE;
    }
}

#if defined(__SSE2__)
/* (x + rounding) >> 8 on four 32-bit lanes. */
static inline __m128i
scale_down (__m128i x,
            __m128i rounding)
{
  return _mm_srai_epi32 (_mm_add_epi32 (x, rounding), 8);
}

/* Eight pixels at a time into 4-byte pixels; returns how many it did. */
static guint
i420_row_to_rgba_sse2 (const guint8 *y_row,
                       const guint8 *u_row,
                       const guint8 *v_row,
                       guint8       *out,
                       guint         width,
                       gboolean      bgr)
{
  const __m128i zero = _mm_setzero_si128 ();
  const __m128i luma_offset = _mm_set1_epi16 (16);
  const __m128i chroma_offset = _mm_set1_epi16 (128);
  const __m128i rounding = _mm_set1_epi32 (128);
  const __m128i alpha = _mm_set1_epi8 ((char) 0xff);
  /* Pairs for pmaddwd: (luma, v) → R, (luma, u) and (v, 0) → G, (luma, u) → B. */
  const __m128i k_r = _mm_set_epi16 (409, 298, 409, 298, 409, 298, 409, 298);
  const __m128i k_g = _mm_set_epi16 (-100, 298, -100, 298, -100, 298, -100, 298);
  const __m128i k_g_v = _mm_set_epi16 (0, -208, 0, -208, 0, -208, 0, -208);
  const __m128i k_b = _mm_set_epi16 (516, 298, 516, 298, 516, 298, 516, 298);
  guint x = 0;

  for (; x + 8 <= width; x += 8)
    {
      guint32 u_bits, v_bits;
      __m128i c, d, e, cd_lo, cd_hi, ce_lo, ce_hi, e_lo, e_hi;
      __m128i r, g, b, rg, ba, luma;

      memcpy (&u_bits, u_row + x / 2, 4);
      memcpy (&v_bits, v_row + x / 2, 4);
      luma = _mm_loadl_epi64 ((const __m128i *) (gconstpointer) (y_row + x));
      c = _mm_sub_epi16 (_mm_unpacklo_epi8 (luma, zero), luma_offset);
      d = _mm_sub_epi16 (_mm_unpacklo_epi8 (_mm_cvtsi32_si128 ((int) u_bits), zero),
                         chroma_offset);
      e = _mm_sub_epi16 (_mm_unpacklo_epi8 (_mm_cvtsi32_si128 ((int) v_bits), zero),
                         chroma_offset);
      /* Each chroma sample serves two pixels. */
      d = _mm_unpacklo_epi16 (d, d);
      e = _mm_unpacklo_epi16 (e, e);

      cd_lo = _mm_unpacklo_epi16 (c, d);
      cd_hi = _mm_unpackhi_epi16 (c, d);
      ce_lo = _mm_unpacklo_epi16 (c, e);
      ce_hi = _mm_unpackhi_epi16 (c, e);
      e_lo = _mm_unpacklo_epi16 (e, zero);
      e_hi = _mm_unpackhi_epi16 (e, zero);

      r = _mm_packs_epi32 (scale_down (_mm_madd_epi16 (ce_lo, k_r), rounding),
                           scale_down (_mm_madd_epi16 (ce_hi, k_r), rounding));
      g = _mm_packs_epi32 (scale_down (_mm_add_epi32 (_mm_madd_epi16 (cd_lo, k_g),
                                                      _mm_madd_epi16 (e_lo, k_g_v)), rounding),
                           scale_down (_mm_add_epi32 (_mm_madd_epi16 (cd_hi, k_g),
                                                      _mm_madd_epi16 (e_hi, k_g_v)), rounding));
      b = _mm_packs_epi32 (scale_down (_mm_madd_epi16 (cd_lo, k_b), rounding),
                           scale_down (_mm_madd_epi16 (cd_hi, k_b), rounding));
      r = _mm_packus_epi16 (r, r);
      g = _mm_packus_epi16 (g, g);
      b = _mm_packus_epi16 (b, b);
      if (bgr)
        {
          __m128i swap = r;

          r = b;
          b = swap;
        }

      rg = _mm_unpacklo_epi8 (r, g);
      ba = _mm_unpacklo_epi8 (b, alpha);
      _mm_storeu_si128 ((__m128i *) (gpointer) (out + 4 * x), _mm_unpacklo_epi16 (rg, ba));
      _mm_storeu_si128 ((__m128i *) (gpointer) (out + 4 * x + 16), _mm_unpackhi_epi16 (rg, ba));
    }

  return x;
}
#endif

static void
i420_row_to_rgb (const guint8 * restrict y_row,
                 const guint8 * restrict u_row,
                 const guint8 * restrict v_row,
                 guint8 * restrict       out,
                 guint                   width,
                 guint                   bpp,
                 guint                   r,
                 guint                   g,
                 guint                   b)
{
  for (guint x = 0; x < width; x++)
    {
      int c = 298 * (y_row[x] - 16) + 128;
      int d = u_row[x / 2] - 128;
      int e = v_row[x / 2] - 128;
      guint8 *p = out + x * bpp;

      p[r] = clamp_u8 ((c + 409 * e) >> 8);
      p[g] = clamp_u8 ((c - 100 * d - 208 * e) >> 8);
      p[b] = clamp_u8 ((c + 516 * d) >> 8);
      if (bpp == 4)
        p[3] = 255;
    }
}

gboolean
px_pixel_convert_i420_to_rgb (const PxFrame *src,
                              PxPixelFormat  dest_format,
                              guint8        *dest,
                              gsize          dest_stride)
{
  guint bpp, r, g, b;

  g_return_val_if_fail (src != NULL && dest != NULL, FALSE);

  if (src->format != PX_PIXEL_FORMAT_I420)
    return FALSE;

  switch (dest_format)
    {
    case PX_PIXEL_FORMAT_RGB:
      bpp = 3, r = 0, g = 1, b = 2;
      break;
    case PX_PIXEL_FORMAT_RGBA:
    case PX_PIXEL_FORMAT_RGBX:
      bpp = 4, r = 0, g = 1, b = 2;
      break;
    case PX_PIXEL_FORMAT_BGRX:
      bpp = 4, r = 2, g = 1, b = 0;
      break;
    default:
      return FALSE;
    }

  for (guint y = 0; y < src->height; y++)
    {
      const guint8 *y_row = src->planes[0] + (gsize) y * src->strides[0];
      const guint8 *u_row = src->planes[1] + (gsize) (y / 2) * src->strides[1];
      const guint8 *v_row = src->planes[2] + (gsize) (y / 2) * src->strides[2];
      guint8 *out = dest + y * dest_stride;
      guint done = 0;

#if defined(__SSE2__)
      if (bpp == 4)
        done = i420_row_to_rgba_sse2 (y_row, u_row, v_row, out, src->width, r == 2);
#endif
      /* The tail (and 3-byte pixels) one by one; @done is even. */
      i420_row_to_rgb (y_row + done, u_row + done / 2, v_row + done / 2, out + done * bpp,
                       src->width - done, bpp, r, g, b);
    }

  return TRUE;
}
