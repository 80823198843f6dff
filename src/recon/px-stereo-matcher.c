/* px-stereo-matcher.c: dense disparity from a rectified stereo pair
 *
 * Semi-global matching on a centre-symmetric census cost (7×5 window,
 * 17 bits). The image is cut into one horizontal band per thread; each
 * band is streamed top to bottom with five aggregation paths
 * (left→right, right→left and three from the row above), so the cost
 * volume is never stored whole. The large-jump penalty P2 shrinks across
 * intensity edges, where depth edges are likely. A band starts a few rows
 * above its first output row to warm its vertical paths up; the bands
 * depend only on the thread count, so a result is the same for the same
 * thread count. Then per pixel: the winner, a uniqueness test, sub-pixel
 * refinement by an equiangular fit, and a left-right check against the
 * right view's winners. Over the whole image: small isolated regions
 * (speckles) are removed, holes are filled along the row from the farther
 * (smaller disparity) side, since most holes are occlusions next to a
 * foreground edge, and a 3×3 median removes what single outliers remain.
 *
 * Buffers are sized for the largest pair so far and reused by smaller ones.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "px-recon-error.h"
#include "px-stereo-kernels.h"
#include "px-stereo-matcher.h"

/* Rows a band matches above its first output row. */
#define WARMUP_ROWS 24
/* Border of the padded copies: the census radius, plus room on the right
 * for a full SIMD step past the last pixel. */
#define PAD_LEFT 16
#define PAD_RIGHT 64
#define PAD_ROWS PX_CENSUS_RADIUS_Y
#define ALIGNMENT 64
/* Intensity step (grey levels) that halves the large-jump penalty. */
#define EDGE_SOFTNESS 8

typedef struct
{
  int first_row;  /* first output row */
  int end_row;    /* one past the last */
  gint16 *cost;
  gint16 *sum;
  guint32 *census_left;
  guint32 *census_right;
  guint32 *right_reversed;
  gint16 *p2[5];
  PxStereoPaths paths;
  PxStereoWinners winners;
  gpointer memory;
} Band;

struct _PxStereoMatcher
{
  GObject parent_instance;

  guint max_disparity;
  guint threads;
  guint p1;
  guint p2;
  guint uniqueness;
  guint speckle_size;
  float speckle_step;
  gboolean fill_holes;
  const PxStereoKernels *kernels;
  /* P2 for each intensity step between neighbours. */
  gint16 edge_penalty[256];

  /* Workspace: sized for the largest pair so far (capacity), so that
   * pairs of varying size (cropped regions) reuse it; width and height
   * are those of the pair being matched. */
  int width;
  int height;
  int disparities;
  int capacity_width;
  int capacity_height;
  gsize padded_stride;
  guint8 *padded[2];
  Band *bands;
  guint n_bands;         /* allocated */
  guint active_bands;    /* used by the pair being matched */
  gint32 *labels;
  gint32 *stack;
  float *scratch;

  /* The pair being matched, for the workers. */
  float *output;

  GThreadPool *pool;
  GMutex mutex;
  GCond done;
  guint pending;
};

enum
{
  PROP_0,
  PROP_MAX_DISPARITY,
  PROP_THREADS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (PxStereoMatcher, px_stereo_matcher, G_TYPE_OBJECT)

static const PxStereoKernels *
best_kernels (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init ();
  if (__builtin_cpu_supports ("avx2"))
    return &px_stereo_kernels_avx2;
  if (__builtin_cpu_supports ("sse2"))
    return &px_stereo_kernels_sse2;
#endif
  return &px_stereo_kernels_scalar;
}

static void
free_workspace (PxStereoMatcher *self)
{
  for (guint i = 0; i < self->n_bands; i++)
    g_aligned_free (self->bands[i].memory);
  g_clear_pointer (&self->bands, g_free);
  self->n_bands = 0;
  g_clear_pointer (&self->padded[0], g_aligned_free);
  g_clear_pointer (&self->padded[1], g_aligned_free);
  g_clear_pointer (&self->labels, g_free);
  g_clear_pointer (&self->stack, g_free);
  g_clear_pointer (&self->scratch, g_free);
  self->width = self->height = 0;
  self->capacity_width = self->capacity_height = 0;
}

static void
px_stereo_matcher_finalize (GObject *object)
{
  PxStereoMatcher *self = PX_STEREO_MATCHER (object);

  if (self->pool)
    g_thread_pool_free (self->pool, FALSE, TRUE);
  free_workspace (self);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->done);

  G_OBJECT_CLASS (px_stereo_matcher_parent_class)->finalize (object);
}

static void
px_stereo_matcher_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  PxStereoMatcher *self = PX_STEREO_MATCHER (object);

  switch (prop_id)
    {
    case PROP_MAX_DISPARITY:
      g_value_set_uint (value, self->max_disparity);
      break;
    case PROP_THREADS:
      g_value_set_uint (value, self->threads);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
px_stereo_matcher_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  PxStereoMatcher *self = PX_STEREO_MATCHER (object);

  switch (prop_id)
    {
    case PROP_MAX_DISPARITY:
      self->max_disparity = g_value_get_uint (value);
      break;
    case PROP_THREADS:
      self->threads = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
px_stereo_matcher_class_init (PxStereoMatcherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = px_stereo_matcher_finalize;
  object_class->get_property = px_stereo_matcher_get_property;
  object_class->set_property = px_stereo_matcher_set_property;

  /* 0 means "not set" and is refused when matching, with an error. */
  properties[PROP_MAX_DISPARITY] =
    g_param_spec_uint ("max-disparity", NULL, NULL, 0, G_MAXUINT, 64,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_THREADS] =
    g_param_spec_uint ("threads", NULL, NULL, 1, PX_STEREO_MAX_THREADS, 1,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
update_edge_penalties (PxStereoMatcher *self)
{
  for (int step = 0; step < 256; step++)
    self->edge_penalty[step] = (gint16) MAX ((int) self->p1,
                                             (int) self->p2 * EDGE_SOFTNESS / (EDGE_SOFTNESS + step));
}

static void
px_stereo_matcher_init (PxStereoMatcher *self)
{
  self->threads = 1;
  self->max_disparity = 64;
  self->p1 = 3;
  self->p2 = 24;
  self->uniqueness = 5;
  self->speckle_size = 100;
  self->speckle_step = 2.0f;
  self->fill_holes = TRUE;
  self->kernels = best_kernels ();
  update_edge_penalties (self);
  g_mutex_init (&self->mutex);
  g_cond_init (&self->done);
}

/* @max_disparity: disparities 0 … max_disparity - 1 are searched.
 * @threads: worker threads (bands); the result depends on it, nothing else. */
PxStereoMatcher *
px_stereo_matcher_new (guint max_disparity,
                       guint threads)
{
  return g_object_new (PX_TYPE_STEREO_MATCHER,
                       "max-disparity", max_disparity,
                       "threads", CLAMP (threads, 1, PX_STEREO_MAX_THREADS),
                       NULL);
}

guint
px_stereo_matcher_get_max_disparity (PxStereoMatcher *self)
{
  g_return_val_if_fail (PX_IS_STEREO_MATCHER (self), 0);
  return self->max_disparity;
}

guint
px_stereo_matcher_get_threads (PxStereoMatcher *self)
{
  g_return_val_if_fail (PX_IS_STEREO_MATCHER (self), 0);
  return self->threads;
}

/* The smoothness penalties: @p1 for a change of one disparity between
 * neighbours, @p2 for a larger jump (in census bits). */
gboolean
px_stereo_matcher_set_penalties (PxStereoMatcher  *self,
                                 guint             p1,
                                 guint             p2,
                                 GError          **error)
{
  g_return_val_if_fail (PX_IS_STEREO_MATCHER (self), FALSE);

  if (p1 == 0 || p2 < p1 || p2 > PX_STEREO_MAX_P2)
    {
      g_set_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT,
                   "Stereo penalties must satisfy 0 < P1 ≤ P2 ≤ %d (got P1 %u, P2 %u)",
                   PX_STEREO_MAX_P2, p1, p2);
      return FALSE;
    }
  self->p1 = p1;
  self->p2 = p2;
  update_edge_penalties (self);
  return TRUE;
}

/* A match is kept only when no disparity other than its neighbours costs
 * less than @percent more than it. */
void
px_stereo_matcher_set_uniqueness (PxStereoMatcher *self,
                                  guint            percent)
{
  g_return_if_fail (PX_IS_STEREO_MATCHER (self));
  self->uniqueness = MIN (percent, 100);
}

/* Connected regions (neighbours within @max_step) of at most @max_size
 * pixels are dropped; 0 turns this off. */
void
px_stereo_matcher_set_speckle (PxStereoMatcher *self,
                               guint            max_size,
                               float            max_step)
{
  g_return_if_fail (PX_IS_STEREO_MATCHER (self));
  self->speckle_size = max_size;
  self->speckle_step = isfinite (max_step) && max_step > 0 ? max_step : 1.0f;
}

void
px_stereo_matcher_set_fill_holes (PxStereoMatcher *self,
                                  gboolean         fill_holes)
{
  g_return_if_fail (PX_IS_STEREO_MATCHER (self));
  self->fill_holes = !!fill_holes;
}

/* Chooses the kernels; FALSE when this processor (or build) lacks them.
 * The disparities do not depend on the choice. */
gboolean
px_stereo_matcher_set_instructions (PxStereoMatcher      *self,
                                    PxStereoInstructions  instructions)
{
  g_return_val_if_fail (PX_IS_STEREO_MATCHER (self), FALSE);

  switch (instructions)
    {
    case PX_STEREO_INSTRUCTIONS_AUTO:
      self->kernels = best_kernels ();
      return TRUE;
    case PX_STEREO_INSTRUCTIONS_SCALAR:
      self->kernels = &px_stereo_kernels_scalar;
      return TRUE;
#if defined(__x86_64__) || defined(__i386__)
    case PX_STEREO_INSTRUCTIONS_SSE2:
      __builtin_cpu_init ();
      if (!__builtin_cpu_supports ("sse2"))
        return FALSE;
      self->kernels = &px_stereo_kernels_sse2;
      return TRUE;
    case PX_STEREO_INSTRUCTIONS_AVX2:
      __builtin_cpu_init ();
      if (!__builtin_cpu_supports ("avx2"))
        return FALSE;
      self->kernels = &px_stereo_kernels_avx2;
      return TRUE;
#endif
    default:
      return FALSE;
    }
}

const char *
px_stereo_matcher_get_instructions_name (PxStereoMatcher *self)
{
  g_return_val_if_fail (PX_IS_STEREO_MATCHER (self), NULL);
  return self->kernels->name;
}

static gsize
round_up (gsize value,
          gsize multiple)
{
  return (value + multiple - 1) / multiple * multiple;
}

/* Carves one band's buffers out of a single allocation. */
static void
allocate_band (PxStereoMatcher *self,
               Band            *band)
{
  gsize width = self->capacity_width, disparities = self->disparities;
  gsize lstride = PX_STEREO_LSTRIDE (disparities);
  gsize volume = round_up (width * disparities * sizeof (gint16), ALIGNMENT);
  gsize path = round_up ((width + 2) * lstride * sizeof (gint16), ALIGNMENT);
  gsize path_min = round_up ((width + 2) * sizeof (gint16), ALIGNMENT);
  gsize horizontal = round_up (lstride * sizeof (gint16), ALIGNMENT);
  gsize census = round_up ((width + 64) * sizeof (guint32), ALIGNMENT);
  gsize reversed = round_up ((width + disparities + 64) * sizeof (guint32), ALIGNMENT);
  gsize row16 = round_up ((width + 64) * sizeof (gint16), ALIGNMENT);
  gsize right16 = round_up ((width + disparities + 64) * sizeof (gint16), ALIGNMENT);
  gsize total = 2 * volume + 6 * path + 6 * path_min + 4 * horizontal + 2 * census
                + reversed + 9 * row16 + round_up (width + 64, ALIGNMENT) + 2 * right16;
  guint8 *p;

  band->memory = g_aligned_alloc0 (1, total, ALIGNMENT);
  p = band->memory;
#define TAKE(type, size) ((type *) (void *) ((p += (size)) - (size)))
  band->cost = TAKE (gint16, volume);
  band->sum = TAKE (gint16, volume);
  for (int i = 0; i < 3; i++)
    {
      band->paths.prev[i] = TAKE (gint16, path);
      band->paths.cur[i] = TAKE (gint16, path);
      band->paths.prev_min[i] = TAKE (gint16, path_min);
      band->paths.cur_min[i] = TAKE (gint16, path_min);
    }
  for (int i = 0; i < 4; i++)
    band->paths.horizontal[i] = TAKE (gint16, horizontal);
  band->census_left = TAKE (guint32, census);
  band->census_right = TAKE (guint32, census);
  band->right_reversed = TAKE (guint32, reversed);
  for (int i = 0; i < 5; i++)
    band->paths.p2[i] = band->p2[i] = TAKE (gint16, row16);
  band->winners.best = TAKE (gint16, row16);
  band->winners.cost_below = TAKE (gint16, row16);
  band->winners.cost_best = TAKE (gint16, row16);
  band->winners.cost_above = TAKE (gint16, row16);
  band->winners.unique = TAKE (guint8, round_up (width + 64, ALIGNMENT));
  band->winners.right_min = TAKE (gint16, right16);
  band->winners.right_best = TAKE (gint16, right16);
#undef TAKE
}

static void
ensure_workspace (PxStereoMatcher *self,
                  int              width,
                  int              height)
{
  int disparities = (int) round_up (self->max_disparity, PX_STEREO_DISPARITY_BLOCK);
  guint n_bands;
  gsize padded_size;

  if (width > self->capacity_width || height > self->capacity_height
      || self->disparities != disparities)
    {
      int capacity_width = MAX (width, self->capacity_width);
      int capacity_height = MAX (height, self->capacity_height);

      free_workspace (self);
      self->capacity_width = capacity_width;
      self->capacity_height = capacity_height;
      self->disparities = disparities;

      self->padded_stride = round_up (PAD_LEFT + capacity_width + PAD_RIGHT, ALIGNMENT);
      padded_size = self->padded_stride * (capacity_height + 2 * PAD_ROWS);
      self->padded[0] = g_aligned_alloc0 (1, padded_size, ALIGNMENT);
      self->padded[1] = g_aligned_alloc0 (1, padded_size, ALIGNMENT);

      /* Every band a pair may need: one per thread. */
      self->n_bands = MIN (self->threads, (guint) MAX (1, capacity_height / WARMUP_ROWS));
      self->bands = g_new0 (Band, self->n_bands);
      for (guint i = 0; i < self->n_bands; i++)
        allocate_band (self, &self->bands[i]);

      self->labels = g_new (gint32, (gsize) capacity_width * capacity_height);
      self->stack = g_new (gint32, (gsize) capacity_width * capacity_height);
      self->scratch = g_new (float, (gsize) capacity_width * capacity_height);
    }
  self->width = width;
  self->height = height;

  /* No band thinner than its warm-up, so that small images stay whole;
   * the bands depend on the height and thread count only. */
  n_bands = MIN (self->threads, (guint) MAX (1, height / WARMUP_ROWS));
  for (guint i = 0; i < self->n_bands; i++)
    {
      self->bands[i].first_row = i < n_bands ? (int) ((gint64) height * i / n_bands) : height;
      self->bands[i].end_row = i < n_bands ? (int) ((gint64) height * (i + 1) / n_bands) : height;
    }
  self->active_bands = n_bands;
}

/* Copies an image into its padded buffer, repeating the edge pixels. */
static void
pad_image (PxStereoMatcher   *self,
           const PxGrayImage *image,
           guint8            *padded)
{
  int width = self->width, height = self->height;

  for (int y = -PAD_ROWS; y < height + PAD_ROWS; y++)
    {
      const guint8 *src = image->pixels + (gsize) CLAMP (y, 0, height - 1) * image->stride;
      guint8 *dst = padded + (gsize) (y + PAD_ROWS) * self->padded_stride + PAD_LEFT;

      memcpy (dst, src, width);
      memset (dst - PAD_LEFT, src[0], PAD_LEFT);
      memset (dst + width, src[width - 1], PAD_RIGHT);
    }
}

static const guint8 *
padded_row (PxStereoMatcher *self,
            int              which,
            int              y)
{
  return self->padded[which] + (gsize) (y + PAD_ROWS) * self->padded_stride + PAD_LEFT;
}

static void
reset_paths (PxStereoMatcher *self,
             Band            *band)
{
  gsize lstride = PX_STEREO_LSTRIDE (self->disparities);
  gsize slots = self->width + 2;

  for (int p = 0; p < 3; p++)
    {
      memset (band->paths.prev[p], 0, slots * lstride * sizeof (gint16));
      memset (band->paths.cur[p], 0, slots * lstride * sizeof (gint16));
      memset (band->paths.prev_min[p], 0, slots * sizeof (gint16));
      memset (band->paths.cur_min[p], 0, slots * sizeof (gint16));
      for (gsize x = 0; x < slots; x++)
        {
          gint16 *prev = band->paths.prev[p] + x * lstride + PX_STEREO_LOFFSET;
          gint16 *cur = band->paths.cur[p] + x * lstride + PX_STEREO_LOFFSET;

          prev[-1] = prev[self->disparities] = PX_STEREO_SENTINEL;
          cur[-1] = cur[self->disparities] = PX_STEREO_SENTINEL;
        }
    }
  for (int i = 0; i < 4; i++)
    {
      gint16 *h = band->paths.horizontal[i] + PX_STEREO_LOFFSET;

      h[-1] = h[self->disparities] = PX_STEREO_SENTINEL;
    }
}

/* Disparities the geometry rules out (the match would lie left of the
 * right image) and those beyond the requested range never win. */
static void
exclude_impossible (PxStereoMatcher *self,
                    gint16          *cost)
{
  int width = self->width, disparities = self->disparities;
  int requested = (int) self->max_disparity;

  for (int x = 0; x < width; x++)
    {
      gint16 *c = cost + (gsize) x * disparities;
      int first = MIN (x + 1, requested);

      if (first >= disparities)
        break;
      for (int d = first; d < disparities; d++)
        c[d] = PX_STEREO_EXCLUDED_COST;
    }
}

/* Turns one row's winners into disparities: uniqueness, left-right check
 * and sub-pixel position. */
static void
finish_row (PxStereoMatcher *self,
            Band            *band,
            float           *out)
{
  const PxStereoWinners *w = &band->winners;
  int width = self->width;

  for (int x = 0; x < width; x++)
    {
      int d = w->best[x];
      int right_x = x - d;
      int right_d;
      float below, best, above, offset = 0.0f;

      out[x] = INFINITY;
      if (!w->unique[x] || d >= (int) self->max_disparity || right_x < 0)
        continue;
      right_d = w->right_best[width - 1 - right_x];
      if (right_d < 0 || ABS (right_d - d) > 1)
        continue;

      below = w->cost_below[x];
      best = w->cost_best[x];
      above = w->cost_above[x];
      /* Equiangular fit: two lines of opposite slope through the three
       * costs; it suits census costs better than a parabola. */
      if (d > 0 && d < (int) self->max_disparity - 1)
        {
          if (above < below)
            offset = 0.5f * (below - above) / (below - best);
          else if (above > below)
            offset = 0.5f * (below - above) / (above - best);
        }
      out[x] = (float) d + offset;
    }
}

/* P2 divided down by the intensity step along each path, so that depth
 * may jump more freely across an edge of the left image. */
static void
edge_penalties (PxStereoMatcher *self,
                Band            *band,
                int              y)
{
  const guint8 *row = padded_row (self, 0, y);
  const guint8 *above = padded_row (self, 0, y - 1);
  const gint16 *penalty = self->edge_penalty;
  /* Local pointers: the stores could alias band's fields otherwise. */
  gint16 *restrict down = band->p2[0];
  gint16 *restrict from_left = band->p2[1];
  gint16 *restrict from_right = band->p2[2];
  gint16 *restrict along = band->p2[3];
  gint16 *restrict back = band->p2[4];
  int x = 0;

#ifdef __SSE2__
  /* Sixteen pixels at a time, the penalty computed rather than looked up:
   * P2·s/(s + step) in floats truncates to the table's integer quotient
   * (the quotient is never within 1/263 below an integer, far more than
   * the rounding error of a division of numbers below 2^13). */
  {
    const __m128 numerator = _mm_set1_ps ((float) (self->p2 * EDGE_SOFTNESS));
    const __m128 softness = _mm_set1_ps ((float) EDGE_SOFTNESS);
    const __m128i p1 = _mm_set1_epi16 ((gint16) self->p1);
    const __m128i zero = _mm_setzero_si128 ();
    gint16 *outs[5] = { down, from_left, from_right, along, back };
    const guint8 *others[5] = { above, above - 1, above + 1, row - 1, row + 1 };

    for (; x + 16 <= self->width; x += 16)
      {
        __m128i centre = _mm_loadu_si128 ((const __m128i *) (row + x));

        for (int k = 0; k < 5; k++)
          {
            __m128i other = _mm_loadu_si128 ((const __m128i *) (others[k] + x));
            __m128i step = _mm_or_si128 (_mm_subs_epu8 (centre, other), _mm_subs_epu8 (other, centre));
            __m128i halves[2] = { _mm_unpacklo_epi8 (step, zero), _mm_unpackhi_epi8 (step, zero) };

            for (int h = 0; h < 2; h++)
              {
                __m128i q[2];

                for (int j = 0; j < 2; j++)
                  {
                    __m128i wide = j == 0 ? _mm_unpacklo_epi16 (halves[h], zero)
                                          : _mm_unpackhi_epi16 (halves[h], zero);
                    __m128 divisor = _mm_add_ps (_mm_cvtepi32_ps (wide), softness);

                    q[j] = _mm_cvttps_epi32 (_mm_div_ps (numerator, divisor));
                  }
                _mm_storeu_si128 ((__m128i *) (outs[k] + x + 8 * h),
                                  _mm_max_epi16 (_mm_packs_epi32 (q[0], q[1]), p1));
              }
          }
      }
  }
#endif
  for (; x < self->width; x++)
    {
      int centre = row[x];

      down[x] = penalty[ABS (centre - above[x])];
      from_left[x] = penalty[ABS (centre - above[x - 1])];
      from_right[x] = penalty[ABS (centre - above[x + 1])];
      along[x] = penalty[ABS (centre - row[x - 1])];
      back[x] = penalty[ABS (centre - row[x + 1])];
    }
}

static void
match_band (PxStereoMatcher *self,
            Band            *band)
{
  const PxStereoKernels *k = self->kernels;
  PxStereoRowParams params = {
    self->width, self->disparities, (gint16) self->p1, (int) self->uniqueness,
  };
  int width = self->width;

  reset_paths (self, band);
  for (int y = MAX (0, band->first_row - WARMUP_ROWS); y < band->end_row; y++)
    {
      k->census_row (padded_row (self, 0, y), self->padded_stride, width, band->census_left);
      k->census_row (padded_row (self, 1, y), self->padded_stride, width, band->census_right);
      for (int i = 0; i < width; i++)
        band->right_reversed[i] = band->census_right[width - 1 - i];
      k->cost_row (&params, band->census_left, band->right_reversed, band->cost);
      edge_penalties (self, band, y);
      exclude_impossible (self, band->cost);
      k->aggregate_row (&params, band->cost, &band->paths, band->sum);
      for (int p = 0; p < 3; p++)
        {
          gint16 *t = band->paths.prev[p];

          band->paths.prev[p] = band->paths.cur[p];
          band->paths.cur[p] = t;
          t = band->paths.prev_min[p];
          band->paths.prev_min[p] = band->paths.cur_min[p];
          band->paths.cur_min[p] = t;
        }
      if (y < band->first_row)
        continue;
      k->select_row (&params, band->sum, &band->winners);
      finish_row (self, band, self->output + (gsize) y * width);
    }
}

static void
band_worker_cb (gpointer data,
                gpointer user_data)
{
  PxStereoMatcher *self = user_data;

  match_band (self, &self->bands[GPOINTER_TO_UINT (data) - 1]);

  g_mutex_lock (&self->mutex);
  if (--self->pending == 0)
    g_cond_signal (&self->done);
  g_mutex_unlock (&self->mutex);
}

/* Drops connected regions of at most speckle_size pixels. */
static void
remove_speckles (PxStereoMatcher *self,
                 float           *disparity)
{
  int width = self->width, height = self->height;
  gsize n = (gsize) width * height;
  gint32 *labels = self->labels;
  gint32 *stack = self->stack;
  float step = self->speckle_step;

  if (self->speckle_size == 0)
    return;

  memset (labels, 0, n * sizeof (gint32));
  for (gsize start = 0; start < n; start++)
    {
      gsize top = 0, count = 0;

      if (labels[start] != 0 || !isfinite (disparity[start]))
        continue;

      /* Flood the region, remembering every pixel on the stack array:
       * pixels [0, count) are the region, [popped, count) still to visit. */
      labels[start] = 1;
      stack[count++] = (gint32) start;
      while (top < count)
        {
          gint32 p = stack[top++];
          int x = p % width, y = p / width;
          float d = disparity[p];
          gint32 neighbours[4] = { x > 0 ? p - 1 : -1, x < width - 1 ? p + 1 : -1,
                                   y > 0 ? p - width : -1, y < height - 1 ? p + width : -1 };

          for (int i = 0; i < 4; i++)
            {
              gint32 q = neighbours[i];

              if (q < 0 || labels[q] != 0 || !isfinite (disparity[q]) || fabsf (disparity[q] - d) > step)
                continue;
              labels[q] = 1;
              stack[count++] = q;
            }
        }
      if (count <= self->speckle_size)
        for (gsize i = 0; i < count; i++)
          {
            disparity[stack[i]] = INFINITY;
            labels[stack[i]] = 2;
          }
    }
}

/* Fills each run of missing pixels with the smaller of the disparities on
 * either end: the background, which is what an occlusion hides. */
static void
fill_holes (PxStereoMatcher *self,
            float           *disparity)
{
  int width = self->width;

  for (int y = 0; y < self->height; y++)
    {
      float *row = disparity + (gsize) y * width;
      int x = 0;

      while (x < width)
        {
          int start, end;
          float fill;

          if (isfinite (row[x]))
            {
              x++;
              continue;
            }
          start = x;
          while (x < width && !isfinite (row[x]))
            x++;
          end = x;
          if (start == 0 && end == width)
            break;
          if (start == 0)
            fill = row[end];
          else if (end == width)
            fill = row[start - 1];
          else
            fill = MIN (row[start - 1], row[end]);
          for (int i = start; i < end; i++)
            row[i] = fill;
        }
    }
}

#define SORT2(a, b) G_STMT_START { float lo_ = MIN (a, b); (b) = MAX (a, b); (a) = lo_; } G_STMT_END

/* Median of nine values, by a fixed exchange network. */
static float
median9 (float v[9])
{
  SORT2 (v[1], v[2]); SORT2 (v[4], v[5]); SORT2 (v[7], v[8]);
  SORT2 (v[0], v[1]); SORT2 (v[3], v[4]); SORT2 (v[6], v[7]);
  SORT2 (v[1], v[2]); SORT2 (v[4], v[5]); SORT2 (v[7], v[8]);
  SORT2 (v[0], v[3]); SORT2 (v[5], v[8]); SORT2 (v[4], v[7]);
  SORT2 (v[3], v[6]); SORT2 (v[1], v[4]); SORT2 (v[2], v[5]);
  SORT2 (v[4], v[7]); SORT2 (v[4], v[2]); SORT2 (v[6], v[4]);
  SORT2 (v[4], v[2]);
  return v[4];
}

/* A 3×3 median over pixels whose whole neighbourhood has values: it
 * removes single-pixel outliers and straightens edges. */
static void
median_filter (PxStereoMatcher *self,
               float           *disparity)
{
  int width = self->width, height = self->height;
  float *copy = self->scratch;

  memcpy (copy, disparity, (gsize) width * height * sizeof (float));
  for (int y = 1; y < height - 1; y++)
    {
      const float *rows[3] = { copy + (gsize) (y - 1) * width, copy + (gsize) y * width,
                               copy + (gsize) (y + 1) * width };
      float *out = disparity + (gsize) y * width;
      int x = 1;

#ifdef __SSE2__
      /* Four pixels at a time; min and max are exact, so this gives the
       * same floats as the loop below. */
      for (; x + 4 <= width - 1; x += 4)
        {
          __m128 v[9];
          __m128 finite = _mm_castsi128_ps (_mm_set1_epi32 (-1));
          const __m128 limit = _mm_set1_ps (G_MAXFLOAT);
          int n = 0;

          for (int dy = 0; dy < 3; dy++)
            for (int dx = -1; dx <= 1; dx++)
              {
                v[n] = _mm_loadu_ps (rows[dy] + x + dx);
                finite = _mm_and_ps (finite, _mm_cmple_ps (v[n], limit));
                n++;
              }
#define SORT2_PS(a, b) G_STMT_START { __m128 lo_ = _mm_min_ps (v[a], v[b]); v[b] = _mm_max_ps (v[a], v[b]); v[a] = lo_; } G_STMT_END
          SORT2_PS (1, 2); SORT2_PS (4, 5); SORT2_PS (7, 8);
          SORT2_PS (0, 1); SORT2_PS (3, 4); SORT2_PS (6, 7);
          SORT2_PS (1, 2); SORT2_PS (4, 5); SORT2_PS (7, 8);
          SORT2_PS (0, 3); SORT2_PS (5, 8); SORT2_PS (4, 7);
          SORT2_PS (3, 6); SORT2_PS (1, 4); SORT2_PS (2, 5);
          SORT2_PS (4, 7); SORT2_PS (4, 2); SORT2_PS (6, 4);
          SORT2_PS (4, 2);
#undef SORT2_PS
          _mm_storeu_ps (out + x, _mm_or_ps (_mm_and_ps (finite, v[4]),
                                             _mm_andnot_ps (finite, _mm_loadu_ps (rows[1] + x))));
        }
#endif
      for (; x < width - 1; x++)
        {
          float v[9];
          int n = 0;
          gboolean complete = TRUE;

          for (int dy = 0; dy < 3; dy++)
            for (int dx = -1; dx <= 1; dx++)
              {
                v[n] = rows[dy][x + dx];
                complete &= isfinite (v[n]);
                n++;
              }
          if (complete)
            out[x] = median9 (v);
        }
    }
}

static gboolean
check_image (const PxGrayImage  *image,
             const char         *which,
             GError            **error)
{
  if (image == NULL || image->pixels == NULL || image->width == 0 || image->height == 0)
    {
      g_set_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT,
                   "The %s image is empty", which);
      return FALSE;
    }
  if (image->width > PX_STEREO_MAX_SIZE || image->height > PX_STEREO_MAX_SIZE)
    {
      g_set_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT,
                   "The %s image is %u×%u, larger than %u×%u", which,
                   image->width, image->height, PX_STEREO_MAX_SIZE, PX_STEREO_MAX_SIZE);
      return FALSE;
    }
  if (image->stride < image->width)
    {
      g_set_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT,
                   "The %s image's stride %" G_GSIZE_FORMAT " is shorter than its width %u",
                   which, image->stride, image->width);
      return FALSE;
    }
  return TRUE;
}

/* Matches a rectified pair; one call at a time per matcher (it owns the
 * buffers and threads). @disparity receives left->width × left->height
 * floats, row by row: the disparity of each left pixel in pixels (the
 * match is at x - d in the right image), or +inf where there is none. */
gboolean
px_stereo_matcher_match (PxStereoMatcher    *self,
                         const PxGrayImage  *left,
                         const PxGrayImage  *right,
                         float              *disparity,
                         GError            **error)
{
  g_return_val_if_fail (PX_IS_STEREO_MATCHER (self), FALSE);
  g_return_val_if_fail (disparity != NULL, FALSE);

  if (!check_image (left, "left", error) || !check_image (right, "right", error))
    return FALSE;
  if (left->width != right->width || left->height != right->height)
    {
      g_set_error (error, PX_RECON_ERROR, PX_RECON_ERROR_SIZE_MISMATCH,
                   "The left image is %u×%u but the right image is %u×%u",
                   left->width, left->height, right->width, right->height);
      return FALSE;
    }
  if (self->max_disparity == 0 || self->max_disparity > PX_STEREO_MAX_DISPARITY)
    {
      g_set_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT,
                   "The disparity range must be 1 to %d pixels, not %u",
                   PX_STEREO_MAX_DISPARITY, self->max_disparity);
      return FALSE;
    }
  if (self->max_disparity >= left->width)
    {
      g_set_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT,
                   "The disparity range (%u) must be smaller than the image width (%u)",
                   self->max_disparity, left->width);
      return FALSE;
    }

  ensure_workspace (self, (int) left->width, (int) left->height);
  pad_image (self, left, self->padded[0]);
  pad_image (self, right, self->padded[1]);
  self->output = disparity;

  if (self->active_bands > 1 && self->pool == NULL)
    {
      g_autoptr(GError) pool_error = NULL;

      self->pool = g_thread_pool_new (band_worker_cb, self, (int) self->threads - 1, TRUE, &pool_error);
      if (self->pool == NULL)
        g_warning ("Stereo matching runs on one thread: %s", pool_error->message);
    }
  if (self->active_bands > 1 && self->pool == NULL)
    {
      /* The same bands one after the other: the same result, slower. */
      for (guint i = 0; i < self->active_bands; i++)
        match_band (self, &self->bands[i]);
    }
  else if (self->active_bands > 1)
    {
      self->pending = self->active_bands - 1;
      for (guint i = 1; i < self->active_bands; i++)
        g_thread_pool_push (self->pool, GUINT_TO_POINTER (i + 1), NULL);
      match_band (self, &self->bands[0]);
      g_mutex_lock (&self->mutex);
      while (self->pending > 0)
        g_cond_wait (&self->done, &self->mutex);
      g_mutex_unlock (&self->mutex);
    }
  else
    match_band (self, &self->bands[0]);

  remove_speckles (self, disparity);
  if (self->fill_holes)
    fill_holes (self, disparity);
  median_filter (self, disparity);
  self->output = NULL;
  return TRUE;
}
