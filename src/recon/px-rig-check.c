/* px-rig-check.c: does a calibration fit the cameras that film the rig?
 *
 * A calibration that fits makes every scene point fall on the same row of
 * both rectified images, to the left in the right image (positive
 * disparity). So the check rectifies one frame of each camera, picks
 * distinctive patches of the left image (the corner-like ones: the
 * smaller eigenvalue of the structure tensor is large, so the patch pins
 * down both a row and a column) and looks for each one in the right image
 * over a window of rows and of columns on both sides, by normalised
 * cross-correlation (so the cameras' exposures need not agree). The
 * search runs at half resolution over the whole window and is then refined
 * at full resolution to a fraction of a pixel.
 *
 * The medians of the vertical offsets and of the disparities decide:
 * offsets near zero and positive disparities are a calibration that fits;
 * negative disparities on agreeing rows are swapped cameras; offsets of
 * more than a pixel or two are a calibration of other cameras (or of these
 * before they moved). Medians, because a moving person and a few false
 * matches must not sway the verdict.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "px-recon-error.h"
#include "px-rig-check.h"
#include "px-stereo-rectifier.h"

/* Half-resolution search. */
#define COARSE_HALF 4           /* 9×9 patches */
#define TENSOR_HALF 3           /* 7×7 structure tensor */
#define CELL 24                 /* at most one feature per cell */
/* The smaller structure-tensor eigenvalue per pixel a feature needs, in
 * (grey levels per pixel)²: sensor noise alone stays well below. */
#define MIN_TEXTURE 6.0
#define MIN_COARSE_SCORE 0.75
/* The best match must beat any other place this clearly. Repeating
 * texture (tiles, a patterned wall) still slips through now and then,
 * which the medians absorb. */
#define MIN_UNIQUENESS 0.03
/* Full-resolution refinement. */
#define FINE_HALF 5             /* 11×11 patches */
#define FINE_RADIUS 2
#define MIN_FINE_SCORE 0.6
/* A disparity this close to zero says nothing about the order. */
#define CLEAR_DISPARITY 0.5
#define MIN_FEATURES 12
#define MIN_MATCHES 8
/* Swapped when at least this share of the clear disparities is negative. */
#define SWAPPED_SHARE 0.7

struct _PxRigCheck
{
  GObject parent_instance;

  PxStereoRectifier *rectifier;
  char *left_id;
  char *right_id;
  int width;
  int height;
  /* 1 where a rectified pixel comes from inside the camera's image. */
  guint8 *valid[2];
  double max_row_offset;
};

G_DEFINE_FINAL_TYPE (PxRigCheck, px_rig_check, G_TYPE_OBJECT)

static void
px_rig_check_finalize (GObject *object)
{
  PxRigCheck *self = PX_RIG_CHECK (object);

  g_clear_object (&self->rectifier);
  g_free (self->left_id);
  g_free (self->right_id);
  g_free (self->valid[0]);
  g_free (self->valid[1]);

  G_OBJECT_CLASS (px_rig_check_parent_class)->finalize (object);
}

static void
px_rig_check_class_init (PxRigCheckClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = px_rig_check_finalize;
}

static void
px_rig_check_init (PxRigCheck *self)
{
  self->max_row_offset = PX_RIG_CHECK_DEFAULT_MAX_ROW_OFFSET;
}

PxRigCheck *
px_rig_check_new (PxRig   *rig,
                  guint    pair,
                  GError **error)
{
  g_autoptr(PxRigCheck) self = NULL;
  const PxCamera *left, *right;
  g_autofree guint8 *white = NULL;
  g_autofree guint8 *out = NULL;
  gsize n;

  g_return_val_if_fail (PX_IS_RIG (rig), NULL);

  if (!px_rig_get_pair (rig, pair, &left, &right))
    {
      g_set_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT,
                   "The rig has no stereo pair %u (it has %u)", pair, px_rig_get_n_pairs (rig));
      return NULL;
    }

  self = g_object_new (PX_TYPE_RIG_CHECK, NULL);
  self->rectifier = px_stereo_rectifier_new (left, right, error);
  if (self->rectifier == NULL)
    return NULL;
  self->left_id = g_strdup (left->id);
  self->right_id = g_strdup (right->id);
  self->width = (int) px_stereo_rectifier_get_width (self->rectifier);
  self->height = (int) px_stereo_rectifier_get_height (self->rectifier);

  /* Rectifying a white image shows where each rectified view has pixels:
   * full white inside, black or blended along the borders. */
  n = (gsize) self->width * self->height;
  white = g_malloc (n);
  memset (white, 255, n);
  out = g_malloc (n);
  for (int side = 0; side < 2; side++)
    {
      if (!px_stereo_rectifier_remap (self->rectifier, side == 0 ? PX_STEREO_LEFT : PX_STEREO_RIGHT,
                                      white, self->width, 1, out, self->width, error))
        return NULL;
      self->valid[side] = g_malloc (n);
      for (gsize i = 0; i < n; i++)
        self->valid[side][i] = out[i] == 255;
    }

  return g_steal_pointer (&self);
}

guint
px_rig_check_get_width (PxRigCheck *self)
{
  g_return_val_if_fail (PX_IS_RIG_CHECK (self), 0);
  return (guint) self->width;
}

guint
px_rig_check_get_height (PxRigCheck *self)
{
  g_return_val_if_fail (PX_IS_RIG_CHECK (self), 0);
  return (guint) self->height;
}

const char *
px_rig_check_get_left_id (PxRigCheck *self)
{
  g_return_val_if_fail (PX_IS_RIG_CHECK (self), NULL);
  return self->left_id;
}

const char *
px_rig_check_get_right_id (PxRigCheck *self)
{
  g_return_val_if_fail (PX_IS_RIG_CHECK (self), NULL);
  return self->right_id;
}

void
px_rig_check_set_max_row_offset (PxRigCheck *self,
                                 double      pixels)
{
  g_return_if_fail (PX_IS_RIG_CHECK (self));
  g_return_if_fail (pixels > 0);
  self->max_row_offset = pixels;
}

double
px_rig_check_get_max_row_offset (PxRigCheck *self)
{
  g_return_val_if_fail (PX_IS_RIG_CHECK (self), 0);
  return self->max_row_offset;
}

const char *
px_rig_check_verdict_to_string (PxRigCheckVerdict verdict)
{
  switch (verdict)
    {
    case PX_RIG_CHECK_OK:
      return "ok";
    case PX_RIG_CHECK_SWAPPED:
      return "swapped";
    case PX_RIG_CHECK_ROWS_DISAGREE:
      return "rows-disagree";
    case PX_RIG_CHECK_NO_TEXTURE:
      return "no-texture";
    case PX_RIG_CHECK_NO_MATCH:
      return "no-match";
    default:
      return "unknown";
    }
}

/* Images ------------------------------------------------------------------------------------- */

typedef struct
{
  int width;
  int height;
  guint8 *pixels;     /* rows of width bytes */
  guint8 *valid;
  /* Summed-area tables, (width + 1) × (height + 1). */
  double *sum;
  double *sum_sq;
  gint32 *n_valid;
} Image;

static void
image_clear (Image *image)
{
  g_free (image->pixels);
  g_free (image->valid);
  g_free (image->sum);
  g_free (image->sum_sq);
  g_free (image->n_valid);
  memset (image, 0, sizeof *image);
}

static void
image_integrate (Image *image)
{
  int w = image->width, h = image->height, stride = w + 1;

  image->sum = g_new0 (double, (gsize) stride * (h + 1));
  image->sum_sq = g_new0 (double, (gsize) stride * (h + 1));
  image->n_valid = g_new0 (gint32, (gsize) stride * (h + 1));
  for (int y = 0; y < h; y++)
    {
      double row_sum = 0, row_sq = 0;
      gint32 row_valid = 0;

      for (int x = 0; x < w; x++)
        {
          gsize at = (gsize) (y + 1) * stride + x + 1;
          double p = image->pixels[(gsize) y * w + x];

          row_sum += p;
          row_sq += p * p;
          row_valid += image->valid[(gsize) y * w + x];
          image->sum[at] = image->sum[at - stride] + row_sum;
          image->sum_sq[at] = image->sum_sq[at - stride] + row_sq;
          image->n_valid[at] = image->n_valid[at - stride] + row_valid;
        }
    }
}

/* Sums over the box [x0, x1) × [y0, y1). */
#define BOX(table, stride, x0, y0, x1, y1) \
  ((table)[(gsize) (y1) * (stride) + (x1)] - (table)[(gsize) (y0) * (stride) + (x1)] \
   - (table)[(gsize) (y1) * (stride) + (x0)] + (table)[(gsize) (y0) * (stride) + (x0)])

static gboolean
patch_valid (const Image *image,
             int          x,
             int          y,
             int          half)
{
  int side = 2 * half + 1;

  if (x - half < 0 || y - half < 0 || x + half >= image->width || y + half >= image->height)
    return FALSE;
  return BOX (image->n_valid, image->width + 1, x - half, y - half, x + half + 1, y + half + 1)
         == side * side;
}

static void
image_halve (const Image *full,
             Image       *half)
{
  half->width = full->width / 2;
  half->height = full->height / 2;
  half->pixels = g_malloc ((gsize) MAX (half->width, 1) * MAX (half->height, 1));
  half->valid = g_malloc ((gsize) MAX (half->width, 1) * MAX (half->height, 1));
  for (int y = 0; y < half->height; y++)
    for (int x = 0; x < half->width; x++)
      {
        gsize a = (gsize) (2 * y) * full->width + 2 * x, b = a + full->width;

        half->pixels[(gsize) y * half->width + x] =
          (guint8) ((full->pixels[a] + full->pixels[a + 1] + full->pixels[b] + full->pixels[b + 1] + 2) / 4);
        half->valid[(gsize) y * half->width + x] =
          full->valid[a] && full->valid[a + 1] && full->valid[b] && full->valid[b + 1];
      }
  image_integrate (half);
}

/* Normalised cross-correlation of a zero-mean template (norm @t_norm) at
 * (@x, @y) of @image; -1 where the image patch is flat or invalid. */
static double
correlate (const Image  *image,
           const double *template,
           double        t_norm,
           int           half,
           int           x,
           int           y)
{
  int side = 2 * half + 1, n = side * side, stride = image->width + 1;
  int x0 = x - half, y0 = y - half, x1 = x + half + 1, y1 = y + half + 1;
  double sum, sum_sq, variance, cross = 0;

  if (BOX (image->n_valid, stride, x0, y0, x1, y1) != n)
    return -1;
  sum = BOX (image->sum, stride, x0, y0, x1, y1);
  sum_sq = BOX (image->sum_sq, stride, x0, y0, x1, y1);
  variance = sum_sq - sum * sum / n;
  if (!(variance > 1e-6))
    return -1;
  for (int j = 0; j < side; j++)
    {
      const guint8 *row = image->pixels + (gsize) (y0 + j) * image->width + x0;
      const double *t = template + j * side;

      for (int i = 0; i < side; i++)
        cross += t[i] * row[i];
    }
  /* Σ t'·r = Σ t'·(r − mean r), as Σ t' = 0. */
  return cross / (t_norm * sqrt (variance));
}

/* The zero-mean template of the patch at (@x, @y); its norm, or 0 when
 * the patch is flat. */
static double
make_template (const Image *image,
               int          x,
               int          y,
               int          half,
               double      *template)
{
  int side = 2 * half + 1, n = side * side;
  double mean = 0, norm = 0;

  for (int j = 0; j < side; j++)
    for (int i = 0; i < side; i++)
      mean += template[j * side + i] = image->pixels[(gsize) (y - half + j) * image->width + x - half + i];
  mean /= n;
  for (int k = 0; k < n; k++)
    {
      template[k] -= mean;
      norm += template[k] * template[k];
    }
  return sqrt (norm);
}

/* Features ----------------------------------------------------------------------------------- */

typedef struct
{
  int x;
  int y;
} Feature;

/* One corner-like point per cell of the half-resolution left image. */
static GArray *
find_features (const Image *image)
{
  int w = image->width, h = image->height, stride = w + 1;
  int margin = MAX (COARSE_HALF, TENSOR_HALF + 1);
  int window = (2 * TENSOR_HALF + 1) * (2 * TENSOR_HALF + 1);
  g_autofree double *xx = g_new0 (double, (gsize) stride * (h + 1));
  g_autofree double *xy = g_new0 (double, (gsize) stride * (h + 1));
  g_autofree double *yy = g_new0 (double, (gsize) stride * (h + 1));
  GArray *features = g_array_new (FALSE, FALSE, sizeof (Feature));

  if (w <= 2 * margin + 2 || h <= 2 * margin + 2)
    return features;

  /* Summed-area tables of the gradient products; borders count as flat. */
  for (int y = 0; y < h; y++)
    {
      double sxx = 0, sxy = 0, syy = 0;

      for (int x = 0; x < w; x++)
        {
          gsize at = (gsize) (y + 1) * stride + x + 1;

          if (x > 0 && x < w - 1 && y > 0 && y < h - 1)
            {
              const guint8 *p = image->pixels + (gsize) y * w + x;
              double gx = (p[1] - p[-1]) * 0.5, gy = (p[w] - p[-w]) * 0.5;

              sxx += gx * gx;
              sxy += gx * gy;
              syy += gy * gy;
            }
          xx[at] = xx[at - stride] + sxx;
          xy[at] = xy[at - stride] + sxy;
          yy[at] = yy[at - stride] + syy;
        }
    }

  for (int cy = margin; cy < h - margin; cy += CELL)
    for (int cx = margin; cx < w - margin; cx += CELL)
      {
        Feature best = { -1, -1 };
        double best_score = MIN_TEXTURE * window;

        for (int y = cy; y < MIN (cy + CELL, h - margin); y++)
          for (int x = cx; x < MIN (cx + CELL, w - margin); x++)
            {
              int x0 = x - TENSOR_HALF, y0 = y - TENSOR_HALF;
              int x1 = x + TENSOR_HALF + 1, y1 = y + TENSOR_HALF + 1;
              double a = BOX (xx, stride, x0, y0, x1, y1);
              double b = BOX (xy, stride, x0, y0, x1, y1);
              double c = BOX (yy, stride, x0, y0, x1, y1);
              double smaller = (a + c) / 2 - sqrt ((a - c) * (a - c) / 4 + b * b);

              if (smaller > best_score && patch_valid (image, x, y, COARSE_HALF))
                {
                  best_score = smaller;
                  best.x = x;
                  best.y = y;
                }
            }
        if (best.x >= 0)
          g_array_append_val (features, best);
      }
  return features;
}

/* Matching ----------------------------------------------------------------------------------- */

typedef struct
{
  double disparity;   /* left column − right column */
  double row_offset;  /* right row − left row */
} Match;

/* The sub-pixel peak of a parabola through three scores. */
static double
peak_offset (double before,
             double at,
             double after)
{
  double curvature = before - 2 * at + after;

  if (!(curvature < 0))
    return 0;
  return CLAMP (0.5 * (before - after) / curvature, -0.5, 0.5);
}

static gboolean
match_feature (const Image   *left2,
               const Image   *right2,
               const Image   *left,
               const Image   *right,
               const Feature *feature,
               Match         *match)
{
  int range_x = MAX (8, right2->width / 4), range_y = MAX (4, right2->height / 8);
  int columns = 2 * range_x + 1, rows = 2 * range_y + 1;
  double template[(2 * FINE_HALF + 1) * (2 * FINE_HALF + 1)];
  g_autofree float *scores = g_new (float, (gsize) columns * rows);
  double norm, best = -2, second = -2;
  int best_i = 0, best_j = 0;
  int lx, ly, rx, ry, fine_i = 0, fine_j = 0;
  double fine[2 * FINE_RADIUS + 1][2 * FINE_RADIUS + 1];
  double fine_best = -2, sub_x = 0, sub_y = 0;

  norm = make_template (left2, feature->x, feature->y, COARSE_HALF, template);
  if (!(norm > 1e-6))
    return FALSE;

  for (int j = 0; j < rows; j++)
    for (int i = 0; i < columns; i++)
      {
        int x = feature->x + i - range_x, y = feature->y + j - range_y;
        float score = -2;

        if (x - COARSE_HALF >= 0 && y - COARSE_HALF >= 0
            && x + COARSE_HALF < right2->width && y + COARSE_HALF < right2->height)
          score = (float) correlate (right2, template, norm, COARSE_HALF, x, y);
        scores[j * columns + i] = score;
        if (score > best)
          {
            best = score;
            best_i = i;
            best_j = j;
          }
      }
  if (best < MIN_COARSE_SCORE)
    return FALSE;
  /* The best place elsewhere than next to the peak. */
  for (int j = 0; j < rows; j++)
    for (int i = 0; i < columns; i++)
      if ((abs (i - best_i) > 1 || abs (j - best_j) > 1) && scores[j * columns + i] > second)
        second = scores[j * columns + i];
  if (best - second < MIN_UNIQUENESS)
    return FALSE;

  /* Refine at full resolution around the coarse match. */
  lx = 2 * feature->x;
  ly = 2 * feature->y;
  rx = 2 * (feature->x + best_i - range_x);
  ry = 2 * (feature->y + best_j - range_y);
  if (!patch_valid (left, lx, ly, FINE_HALF))
    return FALSE;
  norm = make_template (left, lx, ly, FINE_HALF, template);
  if (!(norm > 1e-6))
    return FALSE;
  for (int j = -FINE_RADIUS; j <= FINE_RADIUS; j++)
    for (int i = -FINE_RADIUS; i <= FINE_RADIUS; i++)
      {
        int x = rx + i, y = ry + j;
        double score = -2;

        if (x - FINE_HALF >= 0 && y - FINE_HALF >= 0
            && x + FINE_HALF < right->width && y + FINE_HALF < right->height)
          score = correlate (right, template, norm, FINE_HALF, x, y);
        fine[j + FINE_RADIUS][i + FINE_RADIUS] = score;
        if (score > fine_best)
          {
            fine_best = score;
            fine_i = i;
            fine_j = j;
          }
      }
  if (fine_best < MIN_FINE_SCORE)
    return FALSE;
  if (fine_i > -FINE_RADIUS && fine_i < FINE_RADIUS)
    sub_x = peak_offset (fine[fine_j + FINE_RADIUS][fine_i + FINE_RADIUS - 1], fine_best,
                         fine[fine_j + FINE_RADIUS][fine_i + FINE_RADIUS + 1]);
  if (fine_j > -FINE_RADIUS && fine_j < FINE_RADIUS)
    sub_y = peak_offset (fine[fine_j + FINE_RADIUS - 1][fine_i + FINE_RADIUS], fine_best,
                         fine[fine_j + FINE_RADIUS + 1][fine_i + FINE_RADIUS]);

  match->disparity = lx - (rx + fine_i + sub_x);
  match->row_offset = (ry + fine_j + sub_y) - ly;
  return TRUE;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (double *values,
        guint   n)
{
  if (n == 0)
    return NAN;
  qsort (values, n, sizeof (double), compare_doubles);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static gboolean
check_size (PxRigCheck  *self,
            const char  *side,
            const char  *id,
            guint        width,
            guint        height,
            GError     **error)
{
  if (width == (guint) self->width && height == (guint) self->height)
    return TRUE;
  g_set_error (error, PX_RECON_ERROR, PX_RECON_ERROR_SIZE_MISMATCH,
               "The %s camera’s image is %u×%u but the calibration of “%s” is for %d×%d",
               side, width, height, id, self->width, self->height);
  return FALSE;
}

gboolean
px_rig_check_run (PxRigCheck       *self,
                  const guint8     *left,
                  gsize             left_stride,
                  guint             left_width,
                  guint             left_height,
                  const guint8     *right,
                  gsize             right_stride,
                  guint             right_width,
                  guint             right_height,
                  PxRigCheckResult *result,
                  GError          **error)
{
  Image images[2] = { { 0 } }, halves[2] = { { 0 } };
  g_autoptr(GArray) features = NULL;
  g_autofree double *offsets = NULL;
  g_autofree double *abs_offsets = NULL;
  g_autofree double *disparities = NULL;
  guint n = 0, positive = 0, negative = 0;
  gsize size;
  gboolean ok = FALSE;

  g_return_val_if_fail (PX_IS_RIG_CHECK (self), FALSE);
  g_return_val_if_fail (left != NULL && right != NULL && result != NULL, FALSE);

  if (!check_size (self, "left", self->left_id, left_width, left_height, error) ||
      !check_size (self, "right", self->right_id, right_width, right_height, error))
    return FALSE;

  size = (gsize) self->width * self->height;
  for (int side = 0; side < 2; side++)
    {
      images[side].width = self->width;
      images[side].height = self->height;
      images[side].pixels = g_malloc (size);
      images[side].valid = g_memdup2 (self->valid[side], size);
      if (!px_stereo_rectifier_remap (self->rectifier, side == 0 ? PX_STEREO_LEFT : PX_STEREO_RIGHT,
                                      side == 0 ? left : right,
                                      side == 0 ? left_stride : right_stride, 1,
                                      images[side].pixels, self->width, error))
        goto out;
      image_integrate (&images[side]);
      image_halve (&images[side], &halves[side]);
    }

  features = find_features (&halves[0]);
  offsets = g_new (double, MAX (features->len, 1));
  abs_offsets = g_new (double, MAX (features->len, 1));
  disparities = g_new (double, MAX (features->len, 1));
  for (guint i = 0; i < features->len; i++)
    {
      Match match;

      if (!match_feature (&halves[0], &halves[1], &images[0], &images[1],
                          &g_array_index (features, Feature, i), &match))
        continue;
      offsets[n] = match.row_offset;
      abs_offsets[n] = fabs (match.row_offset);
      disparities[n] = match.disparity;
      if (match.disparity > CLEAR_DISPARITY)
        positive++;
      else if (match.disparity < -CLEAR_DISPARITY)
        negative++;
      n++;
    }

  memset (result, 0, sizeof *result);
  result->n_features = features->len;
  result->n_matches = n;
  result->row_offset = median (abs_offsets, n);
  result->row_bias = median (offsets, n);
  result->disparity = median (disparities, n);
  result->swapped_share = positive + negative > 0 ? (double) negative / (positive + negative) : 0;

  if (features->len < MIN_FEATURES)
    result->verdict = PX_RIG_CHECK_NO_TEXTURE;
  else if (n < MIN_MATCHES || n * 5 < features->len)
    result->verdict = PX_RIG_CHECK_NO_MATCH;
  else if (negative >= MIN_MATCHES / 2 && result->swapped_share >= SWAPPED_SHARE)
    result->verdict = PX_RIG_CHECK_SWAPPED;
  else if (result->row_offset > self->max_row_offset)
    result->verdict = PX_RIG_CHECK_ROWS_DISAGREE;
  else
    result->verdict = PX_RIG_CHECK_OK;
  ok = TRUE;

out:
  for (int side = 0; side < 2; side++)
    {
      image_clear (&images[side]);
      image_clear (&halves[side]);
    }
  return ok;
}

/* Asynchronous ------------------------------------------------------------------------------- */

typedef struct
{
  guint8 *pixels[2];
  guint width[2];
  guint height[2];
} RunData;

static void
run_data_free (RunData *data)
{
  g_free (data->pixels[0]);
  g_free (data->pixels[1]);
  g_free (data);
}

static guint8 *
copy_plane (const guint8 *pixels,
            gsize         stride,
            guint         width,
            guint         height)
{
  guint8 *copy = g_malloc ((gsize) MAX (width, 1) * MAX (height, 1));

  for (guint y = 0; y < height; y++)
    memcpy (copy + (gsize) y * width, pixels + y * stride, width);
  return copy;
}

static void
run_thread_cb (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  RunData *data = task_data;
  PxRigCheckResult result;
  GError *error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;
  if (!px_rig_check_run (source_object, data->pixels[0], data->width[0], data->width[0],
                         data->height[0], data->pixels[1], data->width[1], data->width[1],
                         data->height[1], &result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_memdup2 (&result, sizeof result), g_free);
}

void
px_rig_check_run_async (PxRigCheck         *self,
                        const guint8       *left,
                        gsize               left_stride,
                        guint               left_width,
                        guint               left_height,
                        const guint8       *right,
                        gsize               right_stride,
                        guint               right_width,
                        guint               right_height,
                        GCancellable       *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  RunData *data;

  g_return_if_fail (PX_IS_RIG_CHECK (self));
  g_return_if_fail (left != NULL && right != NULL);

  data = g_new0 (RunData, 1);
  data->pixels[0] = copy_plane (left, left_stride, left_width, left_height);
  data->pixels[1] = copy_plane (right, right_stride, right_width, right_height);
  data->width[0] = left_width;
  data->height[0] = left_height;
  data->width[1] = right_width;
  data->height[1] = right_height;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, px_rig_check_run_async);
  g_task_set_task_data (task, data, (GDestroyNotify) run_data_free);
  g_task_run_in_thread (task, run_thread_cb);
}

gboolean
px_rig_check_run_finish (PxRigCheck       *self,
                         GAsyncResult     *result,
                         PxRigCheckResult *check,
                         GError          **error)
{
  g_autofree PxRigCheckResult *value = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  value = g_task_propagate_pointer (G_TASK (result), error);
  if (value == NULL)
    return FALSE;
  if (check != NULL)
    *check = *value;
  return TRUE;
}
