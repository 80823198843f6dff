/* px-stereo-kernels.h: the inner loops of the stereo matcher, per instruction set
 *
 * The matcher streams an image band top to bottom, one row at a time:
 * centre-symmetric census of both rows, the matching cost of every
 * disparity, semi-global aggregation along five paths (left→right,
 * right→left, and the three coming from the row above), then the
 * winner per pixel. Each kernel set computes exactly the same integers;
 * the scalar set is the reference the SIMD sets are tested against.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Census window: 7 columns by 5 rows, compared in centre-symmetric pairs,
 * which gives 17 bits per pixel. */
#define PX_CENSUS_RADIUS_X 3
#define PX_CENSUS_RADIUS_Y 2
#define PX_CENSUS_BITS 17

/* Disparities are processed in blocks of this many 16-bit lanes. */
#define PX_STEREO_DISPARITY_BLOCK 16

/* A path cost vector is stored with one sentinel element on either side
 * so that d-1 and d+1 can be loaded without a branch; vectors are
 * PX_STEREO_LSTRIDE (D) elements apart and start at PX_STEREO_LOFFSET. */
#define PX_STEREO_LOFFSET 8
#define PX_STEREO_LSTRIDE(d) ((d) + 16)
/* Sentinel and "impossible disparity" costs. Every sum stays below
 * 32767 for penalties up to PX_STEREO_MAX_P2. */
#define PX_STEREO_SENTINEL 0x3fff
#define PX_STEREO_EXCLUDED_COST 0x0fff
#define PX_STEREO_MAX_P2 1000

typedef struct
{
  int width;
  int disparities;      /* D: searched range rounded up to the block */
  gint16 p1;
  int uniqueness;       /* percent */
} PxStereoRowParams;

/* State of the three top paths, two rows of (width + 2) vectors each; the
 * vectors at x = -1 and x = width are zero and stay zero. */
typedef struct
{
  gint16 *prev[3];
  gint16 *cur[3];
  gint16 *prev_min[3];
  gint16 *cur_min[3];
  gint16 *horizontal[4]; /* two vectors per horizontal direction */
  /* The large-jump penalty per pixel and path (down, from upper left,
   * from upper right, left→right, right→left): lower across an
   * intensity edge, where depth edges are likely. */
  const gint16 *p2[5];
} PxStereoPaths;

/* What the winner search yields per pixel. */
typedef struct
{
  gint16 *best;          /* [width] disparity of minimal aggregated cost */
  gint16 *cost_below;    /* [width] cost at best - 1 (or at best) */
  gint16 *cost_best;     /* [width] */
  gint16 *cost_above;    /* [width] cost at best + 1 (or at best) */
  guint8 *unique;        /* [width] 1 when no far disparity comes close */
  gint16 *right_min;     /* [width + D] by reversed right x, scratch */
  gint16 *right_best;    /* [width + D] by reversed right x */
} PxStereoWinners;

typedef struct
{
  const char *name;
  /* Census of row y of an image padded by the census radius on all
   * sides (padded_stride bytes per padded row, pointer at pixel (0, 0)). */
  void (*census_row) (const guint8 *image,
                      gsize         padded_stride,
                      int           width,
                      guint32      *census);
  /* cost[x * D + d] = popcount (left[x] ^ right[x - d]), with right_reversed
   * holding right[width - 1 - i] at i and D zero entries after it. */
  void (*cost_row) (const PxStereoRowParams *params,
                    const guint32           *left,
                    const guint32           *right_reversed,
                    gint16                  *cost);
  /* Aggregates one row: updates the paths, writes sum[x * D + d]. */
  void (*aggregate_row) (const PxStereoRowParams *params,
                         const gint16            *cost,
                         PxStereoPaths           *paths,
                         gint16                  *sum);
  void (*select_row) (const PxStereoRowParams *params,
                      const gint16            *sum,
                      PxStereoWinners         *winners);
} PxStereoKernels;

extern const PxStereoKernels px_stereo_kernels_scalar;
extern const PxStereoKernels px_stereo_kernels_sse2;
extern const PxStereoKernels px_stereo_kernels_avx2;

G_END_DECLS
