/* px-stereo-kernels-sse2.c: the stereo kernels for SSE2, which every
 * x86-64 processor has
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "px-stereo-kernels.h"

#if defined(__x86_64__) || defined(__i386__)

#include <emmintrin.h>

#define KERNEL_ATTR __attribute__((target ("sse2")))
#define KERNEL_NAME px_stereo_kernels_sse2
#define KERNEL_STRING "sse2"

typedef __m128i V;
#define VN 8
#define VLOAD(p) _mm_loadu_si128 ((const __m128i *) (const void *) (p))
#define VSTORE(p, v) _mm_storeu_si128 ((__m128i *) (void *) (p), (v))
#define VADD _mm_add_epi16
#define VSUB _mm_sub_epi16
#define VMIN _mm_min_epi16
#define VSET1(x) _mm_set1_epi16 ((short) (x))
#define VSET1_32(x) _mm_set1_epi32 (x)
#define V_XOR _mm_xor_si128
#define VCMPGT _mm_cmpgt_epi16
#define VCMPEQ _mm_cmpeq_epi16
#define VBLEND(a, b, mask) _mm_or_si128 (_mm_and_si128 ((mask), (b)), _mm_andnot_si128 ((mask), (a)))
#define VLANES _mm_setr_epi16 (0, 1, 2, 3, 4, 5, 6, 7)
#define CENSUS_CHUNK 16

static inline KERNEL_ATTR gint16
v_hmin (V v)
{
  v = _mm_min_epi16 (v, _mm_shuffle_epi32 (v, 0x4e));
  v = _mm_min_epi16 (v, _mm_shuffle_epi32 (v, 0xb1));
  v = _mm_min_epi16 (v, _mm_shufflelo_epi16 (v, 0xb1));
  return (gint16) _mm_cvtsi128_si32 (v);
}

static inline KERNEL_ATTR guint
v_mask (V v)
{
  return (guint) _mm_movemask_epi8 (_mm_packs_epi16 (v, _mm_setzero_si128 ())) & 0xff;
}

static inline KERNEL_ATTR V
popcount32 (V v)
{
  v = _mm_sub_epi32 (v, _mm_and_si128 (_mm_srli_epi32 (v, 1), _mm_set1_epi32 (0x55555555)));
  v = _mm_add_epi32 (_mm_and_si128 (v, _mm_set1_epi32 (0x33333333)),
                     _mm_and_si128 (_mm_srli_epi32 (v, 2), _mm_set1_epi32 (0x33333333)));
  v = _mm_and_si128 (_mm_add_epi32 (v, _mm_srli_epi32 (v, 4)), _mm_set1_epi32 (0x0f0f0f0f));
  v = _mm_add_epi32 (v, _mm_srli_epi32 (v, 8));
  v = _mm_add_epi32 (v, _mm_srli_epi32 (v, 16));
  return _mm_and_si128 (v, _mm_set1_epi32 (0x3f));
}

static inline KERNEL_ATTR V
v_popcount_pack (V a,
                 V b)
{
  return _mm_packs_epi32 (popcount32 (a), popcount32 (b));
}

/* Four byte planes of census bits (pairs 8p..8p+7 in plane p) for 16
 * pixels, interleaved into one 32-bit word per pixel. */
static inline KERNEL_ATTR void
census_interleave (V p0, V p1, V p2, V p3, guint32 *out)
{
  V lo01 = _mm_unpacklo_epi8 (p0, p1), hi01 = _mm_unpackhi_epi8 (p0, p1);
  V lo23 = _mm_unpacklo_epi8 (p2, p3), hi23 = _mm_unpackhi_epi8 (p2, p3);

  VSTORE (out, _mm_unpacklo_epi16 (lo01, lo23));
  VSTORE (out + 4, _mm_unpackhi_epi16 (lo01, lo23));
  VSTORE (out + 8, _mm_unpacklo_epi16 (hi01, hi23));
  VSTORE (out + 12, _mm_unpackhi_epi16 (hi01, hi23));
}

static inline KERNEL_ATTR void
census_chunk (const guint8 *image,
              gssize        stride,
              guint32      *out)
{
  V planes[4] = { _mm_setzero_si128 (), _mm_setzero_si128 (),
                  _mm_setzero_si128 (), _mm_setzero_si128 () };
  V zero = _mm_setzero_si128 ();
  int k = 0;

  for (int dy = -PX_CENSUS_RADIUS_Y; dy <= 0; dy++)
    for (int dx = -PX_CENSUS_RADIUS_X; dx <= PX_CENSUS_RADIUS_X; dx++)
      {
        V a, b, not_greater;

        if (dy == 0 && dx >= 0)
          break;
        a = VLOAD (image + dy * stride + dx);
        b = VLOAD (image - dy * stride - dx);
        not_greater = _mm_cmpeq_epi8 (_mm_subs_epu8 (a, b), zero);
        planes[k / 8] = _mm_or_si128 (planes[k / 8],
                                      _mm_andnot_si128 (not_greater, _mm_set1_epi8 ((char) (1 << (k % 8)))));
        k++;
      }
  census_interleave (planes[0], planes[1], planes[2], planes[3], out);
}

#include "px-stereo-kernels-simd.h"

#endif
