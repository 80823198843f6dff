/* px-stereo-kernels-simd.h: the SIMD kernels, written once
 *
 * Included by px-stereo-kernels-sse2.c and px-stereo-kernels-avx2.c after
 * they define the vector primitives below for their instruction set:
 *   V, VN (16-bit lanes), VLOAD, VSTORE, VADD, VSUB, VMIN, VSET1, VSET1_32,
 *   V_XOR, VCMPGT, VCMPEQ, VBLEND (a where mask is clear, b where set),
 *   VLANES (0..VN-1),
 *   v_hmin (), v_mask () (one bit per 16-bit lane), v_popcount_pack ()
 *   (two vectors of VN/2 32-bit words to VN 16-bit counts), census_chunk ()
 *   and CENSUS_CHUNK (pixels per census step), and KERNEL_ATTR, KERNEL_NAME,
 *   KERNEL_STRING.
 * Every operation is on exact integers, so the result equals the scalar
 * reference bit for bit.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <string.h>

static KERNEL_ATTR void
census_row_simd (const guint8 *image,
                 gsize         padded_stride,
                 int           width,
                 guint32      *census)
{
  for (int x = 0; x < width; x += CENSUS_CHUNK)
    census_chunk (image + x, (gssize) padded_stride, census + x);
}

static KERNEL_ATTR void
cost_row_simd (const PxStereoRowParams *params,
               const guint32           *left,
               const guint32           *right_reversed,
               gint16                  *cost)
{
  int width = params->width;
  int disparities = params->disparities;

  for (int x = 0; x < width; x++)
    {
      const guint32 *right = right_reversed + (width - 1 - x);
      gint16 *c = cost + (gsize) x * disparities;
      V l = VSET1_32 ((int) left[x]);

      for (int d = 0; d < disparities; d += VN)
        {
          V a = V_XOR (VLOAD (right + d), l);
          V b = V_XOR (VLOAD (right + d + VN / 2), l);

          VSTORE (c + d, v_popcount_pack (a, b));
        }
    }
}

/* One block of VN disparities of one path step. */
#define PATH_STEP(previous, d, jump, previous_min, cost_vector, out_value) \
  G_STMT_START {                                                         \
    V n_ = VMIN (VLOAD ((previous) + (d) - 1), VLOAD ((previous) + (d) + 1)); \
    V b_ = VMIN (VMIN (VLOAD ((previous) + (d)), VADD (n_, p1)), (jump)); \
    (out_value) = VSUB (VADD ((cost_vector), b_), (previous_min));        \
  } G_STMT_END

static KERNEL_ATTR void
aggregate_row_simd (const PxStereoRowParams *params,
                    const gint16            *cost,
                    PxStereoPaths           *paths,
                    gint16                  *sum)
{
  int width = params->width;
  int disparities = params->disparities;
  gsize lstride = PX_STEREO_LSTRIDE (disparities);
  V p1 = VSET1 (params->p1);
  V sentinel = VSET1 (PX_STEREO_SENTINEL);
  gint16 *lr[2] = { paths->horizontal[0], paths->horizontal[1] };
  gint16 *rl[2] = { paths->horizontal[2], paths->horizontal[3] };
  gint16 lr_min = 0, rl_min = 0;

  for (int x = 0; x < width; x++)
    {
      const gint16 *c = cost + (gsize) x * disparities;
      gint16 *s = sum + (gsize) x * disparities;
      const gint16 *prev_down = paths->prev[0] + (x + 1) * lstride + PX_STEREO_LOFFSET;
      const gint16 *prev_ul = paths->prev[1] + x * lstride + PX_STEREO_LOFFSET;
      const gint16 *prev_ur = paths->prev[2] + (x + 2) * lstride + PX_STEREO_LOFFSET;
      gint16 *out_down = paths->cur[0] + (x + 1) * lstride + PX_STEREO_LOFFSET;
      gint16 *out_ul = paths->cur[1] + (x + 1) * lstride + PX_STEREO_LOFFSET;
      gint16 *out_ur = paths->cur[2] + (x + 1) * lstride + PX_STEREO_LOFFSET;
      V min_down = VSET1 (paths->prev_min[0][x + 1]);
      V min_ul = VSET1 (paths->prev_min[1][x]);
      V min_ur = VSET1 (paths->prev_min[2][x + 2]);
      V jump_down = VADD (min_down, VSET1 (paths->p2[0][x]));
      V jump_ul = VADD (min_ul, VSET1 (paths->p2[1][x]));
      V jump_ur = VADD (min_ur, VSET1 (paths->p2[2][x]));
      V low_down = sentinel, low_ul = sentinel, low_ur = sentinel;

      for (int d = 0; d < disparities; d += VN)
        {
          V cv = VLOAD (c + d);
          V a, b, e;

          PATH_STEP (prev_down, d, jump_down, min_down, cv, a);
          PATH_STEP (prev_ul, d, jump_ul, min_ul, cv, b);
          PATH_STEP (prev_ur, d, jump_ur, min_ur, cv, e);
          VSTORE (out_down + d, a);
          VSTORE (out_ul + d, b);
          VSTORE (out_ur + d, e);
          low_down = VMIN (low_down, a);
          low_ul = VMIN (low_ul, b);
          low_ur = VMIN (low_ur, e);
          VSTORE (s + d, VADD (VADD (a, b), e));
        }
      paths->cur_min[0][x + 1] = v_hmin (low_down);
      paths->cur_min[1][x + 1] = v_hmin (low_ul);
      paths->cur_min[2][x + 1] = v_hmin (low_ur);
    }

  /* Left→right and right→left interleaved: two independent chains. */
  memset (lr[0] + PX_STEREO_LOFFSET, 0, disparities * sizeof (gint16));
  memset (rl[0] + PX_STEREO_LOFFSET, 0, disparities * sizeof (gint16));
  for (int i = 0; i < width; i++)
    {
      int xa = i, xb = width - 1 - i;
      const gint16 *prev_a = lr[i & 1] + PX_STEREO_LOFFSET;
      const gint16 *prev_b = rl[i & 1] + PX_STEREO_LOFFSET;
      gint16 *out_a = lr[(i + 1) & 1] + PX_STEREO_LOFFSET;
      gint16 *out_b = rl[(i + 1) & 1] + PX_STEREO_LOFFSET;
      const gint16 *ca = cost + (gsize) xa * disparities;
      const gint16 *cb = cost + (gsize) xb * disparities;
      gint16 *sa = sum + (gsize) xa * disparities;
      gint16 *sb = sum + (gsize) xb * disparities;
      V min_a = VSET1 (lr_min), min_b = VSET1 (rl_min);
      V jump_a = VADD (min_a, VSET1 (paths->p2[3][xa]));
      V jump_b = VADD (min_b, VSET1 (paths->p2[4][xb]));
      V low_a = sentinel, low_b = sentinel;

      for (int d = 0; d < disparities; d += VN)
        {
          V a, b;

          PATH_STEP (prev_a, d, jump_a, min_a, VLOAD (ca + d), a);
          PATH_STEP (prev_b, d, jump_b, min_b, VLOAD (cb + d), b);
          VSTORE (out_a + d, a);
          VSTORE (out_b + d, b);
          low_a = VMIN (low_a, a);
          low_b = VMIN (low_b, b);
          VSTORE (sa + d, VADD (VLOAD (sa + d), a));
          VSTORE (sb + d, VADD (VLOAD (sb + d), b));
        }
      lr_min = v_hmin (low_a);
      rl_min = v_hmin (low_b);
    }
}

static KERNEL_ATTR void
select_row_simd (const PxStereoRowParams *params,
                 const gint16            *sum,
                 PxStereoWinners         *winners)
{
  int width = params->width;
  int disparities = params->disparities;
  V lanes = VLANES;

  for (int j = 0; j < width + disparities; j += VN)
    {
      VSTORE (winners->right_min + j, VSET1 (G_MAXINT16));
      VSTORE (winners->right_best + j, VSET1 (-1));
    }

  for (int x = 0; x < width; x++)
    {
      const gint16 *s = sum + (gsize) x * disparities;
      gint16 *right_min = winners->right_min + (width - 1 - x);
      gint16 *right_best = winners->right_best + (width - 1 - x);
      V low = VLOAD (s);
      V best_vector, threshold_vector;
      int best = -1;
      gint16 best_cost;
      int threshold;
      guint8 unique = 1;

      for (int d = VN; d < disparities; d += VN)
        low = VMIN (low, VLOAD (s + d));
      best_cost = v_hmin (low);
      best_vector = VSET1 (best_cost);
      threshold = best_cost + best_cost * params->uniqueness / 100;
      threshold_vector = VSET1 ((gint16) MIN (threshold + 1, G_MAXINT16));

      for (int d = 0; best < 0; d += VN)
        {
          guint equal = v_mask (VCMPEQ (VLOAD (s + d), best_vector));

          if (equal)
            best = d + __builtin_ctz (equal);
        }

      for (int d = 0; d < disparities; d += VN)
        {
          V v = VLOAD (s + d);
          V rm = VLOAD (right_min + d);
          V lt = VCMPGT (rm, v);
          guint close = v_mask (VCMPGT (threshold_vector, v));

          int near = best - 1 - d;  /* the lane of best - 1 */

          /* A disparity next to the winner is the same match, not a rival. */
          if (near > -3 && near < VN)
            close &= ~(near >= 0 ? 7u << near : 7u >> -near);
          if (close)
            unique = 0;
          VSTORE (right_min + d, VMIN (rm, v));
          VSTORE (right_best + d, VBLEND (VLOAD (right_best + d),
                                          VADD (lanes, VSET1 ((gint16) d)), lt));
        }

      winners->best[x] = (gint16) best;
      winners->cost_best[x] = best_cost;
      winners->cost_below[x] = best > 0 ? s[best - 1] : best_cost;
      winners->cost_above[x] = best < disparities - 1 ? s[best + 1] : best_cost;
      winners->unique[x] = unique;
    }
}

const PxStereoKernels KERNEL_NAME = {
  KERNEL_STRING,
  census_row_simd,
  cost_row_simd,
  aggregate_row_simd,
  select_row_simd,
};
