/* px-stereo-kernels-scalar.c: the reference kernels, plain C
 *
 * The SIMD kernels must give exactly these integers; the tests compare
 * them on every row of real and synthetic pairs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "px-stereo-kernels.h"

static void
census_row_scalar (const guint8 *image,
                   gsize         padded_stride,
                   int           width,
                   guint32      *census)
{
  gssize stride = (gssize) padded_stride;

  for (int x = 0; x < width; x++)
    {
      guint32 bits = 0;
      int k = 0;

      for (int dy = -PX_CENSUS_RADIUS_Y; dy <= 0; dy++)
        for (int dx = -PX_CENSUS_RADIUS_X; dx <= PX_CENSUS_RADIUS_X; dx++)
          {
            if (dy == 0 && dx >= 0)
              break;
            if (image[dy * stride + x + dx] > image[-dy * stride + x - dx])
              bits |= 1u << k;
            k++;
          }
      census[x] = bits;
    }
}

static void
cost_row_scalar (const PxStereoRowParams *params,
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

      for (int d = 0; d < disparities; d++)
        c[d] = (gint16) __builtin_popcount (left[x] ^ right[d]);
    }
}

/* One step of a path: the cost at d plus the cheapest way to arrive from
 * the previous pixel of the path, normalised by that pixel's minimum. */
static inline void
path_step (const PxStereoRowParams *params,
           const gint16            *cost,
           const gint16            *previous,
           gint16                   previous_min,
           gint16                   p2,
           gint16                  *out,
           gint16                  *out_min)
{
  gint16 jump = (gint16) (previous_min + p2);
  gint16 lowest = PX_STEREO_SENTINEL;

  for (int d = 0; d < params->disparities; d++)
    {
      gint16 neighbour = MIN (previous[d - 1], previous[d + 1]) + params->p1;
      gint16 best = MIN (MIN (previous[d], neighbour), jump);
      gint16 value = (gint16) (cost[d] + best - previous_min);

      out[d] = value;
      lowest = MIN (lowest, value);
    }
  *out_min = lowest;
}

static void
aggregate_row_scalar (const PxStereoRowParams *params,
                      const gint16            *cost,
                      PxStereoPaths           *paths,
                      gint16                  *sum)
{
  int width = params->width;
  int disparities = params->disparities;
  gsize lstride = PX_STEREO_LSTRIDE (disparities);
  gint16 *left_to_right[2] = { paths->horizontal[0], paths->horizontal[1] };
  gint16 *right_to_left[2] = { paths->horizontal[2], paths->horizontal[3] };
  gint16 lr_min = 0, rl_min = 0;

  /* The three paths from the row above: straight down, from the upper
   * left and from the upper right. Slot x + 1 holds pixel x. */
  for (int x = 0; x < width; x++)
    {
      const gint16 *c = cost + (gsize) x * disparities;
      gint16 *s = sum + (gsize) x * disparities;

      for (int p = 0; p < 3; p++)
        {
          int from = x + 1 + (p == 0 ? 0 : p == 1 ? -1 : 1);
          gint16 *out = paths->cur[p] + (x + 1) * lstride + PX_STEREO_LOFFSET;

          path_step (params, c, paths->prev[p] + from * lstride + PX_STEREO_LOFFSET,
                     paths->prev_min[p][from], paths->p2[p][x], out, &paths->cur_min[p][x + 1]);
          for (int d = 0; d < disparities; d++)
            s[d] = (gint16) (p == 0 ? out[d] : s[d] + out[d]);
        }
    }

  /* The horizontal paths start fresh at their first pixel. */
  memset (left_to_right[0] + PX_STEREO_LOFFSET, 0, disparities * sizeof (gint16));
  memset (right_to_left[0] + PX_STEREO_LOFFSET, 0, disparities * sizeof (gint16));
  for (int i = 0; i < width; i++)
    {
      int xs[2] = { i, width - 1 - i };
      gint16 **bufs[2] = { left_to_right, right_to_left };
      gint16 *mins[2] = { &lr_min, &rl_min };

      for (int dir = 0; dir < 2; dir++)
        {
          int x = xs[dir];
          gint16 *previous = bufs[dir][i & 1] + PX_STEREO_LOFFSET;
          gint16 *out = bufs[dir][(i + 1) & 1] + PX_STEREO_LOFFSET;
          gint16 *s = sum + (gsize) x * disparities;

          path_step (params, cost + (gsize) x * disparities, previous, *mins[dir],
                     paths->p2[3 + dir][x], out, mins[dir]);
          for (int d = 0; d < disparities; d++)
            s[d] = (gint16) (s[d] + out[d]);
        }
    }
}

static void
select_row_scalar (const PxStereoRowParams *params,
                   const gint16            *sum,
                   PxStereoWinners         *winners)
{
  int width = params->width;
  int disparities = params->disparities;

  for (int j = 0; j < width + disparities; j++)
    {
      winners->right_min[j] = G_MAXINT16;
      winners->right_best[j] = -1;
    }

  for (int x = 0; x < width; x++)
    {
      const gint16 *s = sum + (gsize) x * disparities;
      gint16 *right_min = winners->right_min + (width - 1 - x);
      gint16 *right_best = winners->right_best + (width - 1 - x);
      int best = 0;
      gint16 best_cost = s[0];
      int threshold;
      guint8 unique = 1;

      for (int d = 1; d < disparities; d++)
        if (s[d] < best_cost)
          {
            best_cost = s[d];
            best = d;
          }

      threshold = best_cost + best_cost * params->uniqueness / 100;
      for (int d = 0; d < disparities; d++)
        if ((d < best - 1 || d > best + 1) && s[d] <= threshold)
          unique = 0;

      winners->best[x] = (gint16) best;
      winners->cost_best[x] = best_cost;
      winners->cost_below[x] = best > 0 ? s[best - 1] : best_cost;
      winners->cost_above[x] = best < disparities - 1 ? s[best + 1] : best_cost;
      winners->unique[x] = unique;

      for (int d = 0; d < disparities; d++)
        if (s[d] < right_min[d])
          {
            right_min[d] = s[d];
            right_best[d] = (gint16) d;
          }
    }
}

const PxStereoKernels px_stereo_kernels_scalar = {
  "scalar",
  census_row_scalar,
  cost_row_scalar,
  aggregate_row_scalar,
  select_row_scalar,
};
