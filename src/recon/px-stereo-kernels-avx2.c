/* px-stereo-kernels-avx2.c: the stereo kernels for AVX2, compiled for
 * that target only and chosen at run time when the processor has it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "px-stereo-kernels.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#define KERNEL_ATTR __attribute__((target ("avx2")))
#define KERNEL_NAME px_stereo_kernels_avx2
#define KERNEL_STRING "avx2"

typedef __m256i V;
#define VN 16
#define VLOAD(p) _mm256_loadu_si256 ((const __m256i *) (const void *) (p))
#define VSTORE(p, v) _mm256_storeu_si256 ((__m256i *) (void *) (p), (v))
#define VADD _mm256_add_epi16
#define VSUB _mm256_sub_epi16
#define VMIN _mm256_min_epi16
#define VSET1(x) _mm256_set1_epi16 ((short) (x))
#define VSET1_32(x) _mm256_set1_epi32 (x)
#define V_XOR _mm256_xor_si256
#define VCMPGT _mm256_cmpgt_epi16
#define VCMPEQ _mm256_cmpeq_epi16
#define VBLEND(a, b, mask) _mm256_blendv_epi8 ((a), (b), (mask))
#define VLANES _mm256_setr_epi16 (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
#define CENSUS_CHUNK 32

static inline KERNEL_ATTR gint16
v_hmin (V v)
{
  __m128i m = _mm_min_epi16 (_mm256_castsi256_si128 (v), _mm256_extracti128_si256 (v, 1));

  /* Lanes are never negative here, so the unsigned minimum is the minimum. */
  return (gint16) _mm_cvtsi128_si32 (_mm_minpos_epu16 (m));
}

static inline KERNEL_ATTR guint
v_mask (V v)
{
  guint bytes = (guint) _mm256_movemask_epi8 (_mm256_packs_epi16 (v, _mm256_setzero_si256 ()));

  return (bytes & 0xff) | ((bytes >> 8) & 0xff00);
}

static inline KERNEL_ATTR V
popcount32 (V v)
{
  const V table = _mm256_setr_epi8 (0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                    0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const V nibble = _mm256_set1_epi8 (0x0f);
  V bytes = _mm256_add_epi8 (_mm256_shuffle_epi8 (table, _mm256_and_si256 (v, nibble)),
                             _mm256_shuffle_epi8 (table, _mm256_and_si256 (_mm256_srli_epi16 (v, 4), nibble)));

  return _mm256_madd_epi16 (_mm256_maddubs_epi16 (bytes, _mm256_set1_epi8 (1)), _mm256_set1_epi16 (1));
}

static inline KERNEL_ATTR V
v_popcount_pack (V a,
                 V b)
{
  /* packs works within 128-bit halves; put the words back in order. */
  return _mm256_permute4x64_epi64 (_mm256_packs_epi32 (popcount32 (a), popcount32 (b)), 0xd8);
}

static inline KERNEL_ATTR void
census_interleave (__m128i p0, __m128i p1, __m128i p2, __m128i p3, guint32 *out)
{
  __m128i lo01 = _mm_unpacklo_epi8 (p0, p1), hi01 = _mm_unpackhi_epi8 (p0, p1);
  __m128i lo23 = _mm_unpacklo_epi8 (p2, p3), hi23 = _mm_unpackhi_epi8 (p2, p3);

  _mm_storeu_si128 ((__m128i *) (void *) out, _mm_unpacklo_epi16 (lo01, lo23));
  _mm_storeu_si128 ((__m128i *) (void *) (out + 4), _mm_unpackhi_epi16 (lo01, lo23));
  _mm_storeu_si128 ((__m128i *) (void *) (out + 8), _mm_unpacklo_epi16 (hi01, hi23));
  _mm_storeu_si128 ((__m128i *) (void *) (out + 12), _mm_unpackhi_epi16 (hi01, hi23));
}

static inline KERNEL_ATTR void
census_chunk (const guint8 *image,
              gssize        stride,
              guint32      *out)
{
  V planes[4] = { _mm256_setzero_si256 (), _mm256_setzero_si256 (),
                  _mm256_setzero_si256 (), _mm256_setzero_si256 () };
  V zero = _mm256_setzero_si256 ();
  int k = 0;

  for (int dy = -PX_CENSUS_RADIUS_Y; dy <= 0; dy++)
    for (int dx = -PX_CENSUS_RADIUS_X; dx <= PX_CENSUS_RADIUS_X; dx++)
      {
        V a, b, not_greater;

        if (dy == 0 && dx >= 0)
          break;
        a = VLOAD (image + dy * stride + dx);
        b = VLOAD (image - dy * stride - dx);
        not_greater = _mm256_cmpeq_epi8 (_mm256_subs_epu8 (a, b), zero);
        planes[k / 8] = _mm256_or_si256 (planes[k / 8],
                                         _mm256_andnot_si256 (not_greater, _mm256_set1_epi8 ((char) (1 << (k % 8)))));
        k++;
      }
  for (int half = 0; half < 2; half++)
    {
      __m128i q[4];

      for (int p = 0; p < 4; p++)
        q[p] = half ? _mm256_extracti128_si256 (planes[p], 1) : _mm256_castsi256_si128 (planes[p]);
      census_interleave (q[0], q[1], q[2], q[3], out + 16 * half);
    }
}

#include "px-stereo-kernels-simd.h"

#endif
