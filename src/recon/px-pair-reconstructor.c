/* px-pair-reconstructor.c: one stereo pair of a rig, from images to depth
 *
 * Grey conversion, rectification with the pair's precomputed tables,
 * stereo matching, then depth on a grid of the original left image (one
 * cell per step × step pixels: the mesh that receivers draw), kept only
 * where the point lies inside the rig's capture volume and, once frames
 * of the empty studio were shown, where the background model sees the
 * person. Since nothing outside the capture volume is kept, matching may
 * be cropped to where the volume is seen, or to where the previous frame
 * pair's points were (see PxReconCrop). Buffers live as long as the
 * object, so a stream of frame pairs allocates nothing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "px-background-model.h"
#include "px-pair-reconstructor.h"
#include "px-recon-error.h"
#include "px-stereo-matcher.h"
#include "px-stereo-rectifier.h"

/* The largest grid step: coarser meshes do not draw a person. */
#define MAX_STEP 64
/* Pixels of context matched around a cropped region: the census window
 * and the first stretch of every aggregation path, which would otherwise
 * start at the region's edge. */
#define CROP_MARGIN 24
/* How far (pixels) the points may move between two frame pairs when
 * tracked: a hand at 2 m/s, 1.5 m from the camera, moves about 25. */
#define TRACK_MARGIN 40
/* Tracking matches the capture volume's whole region once every so many
 * frame pairs, so that what enters the volume elsewhere is found. */
#define TRACK_REFRESH 15
/* Points this close to a face of the capture volume (a fraction of its
 * extent) are not tracked: they belong to what the volume cuts through,
 * such as the floor under the person, and would spread the region over
 * the whole picture. */
#define FACE_TOLERANCE 0.025
/* Of the connected groups of such points, those smaller than the largest
 * divided by this are stray matches (on the floor, in its texture) and
 * are not tracked either. */
#define TRACK_SMALLEST_PART 8
/* Interior holes: a gap of at most this many pixels down a column, whose
 * ends agree within HOLE_MAX_STEP_M, is a surface stereo lost (a plain
 * stripe across a shirt), not a gap between two parts of the person. */
#define HOLE_MAX_PIXELS 32
#define HOLE_MAX_STEP_M 0.10f

/* A rectangle of the rectified left image, [x0, x1) × [y0, y1). */
typedef struct
{
  int x0, y0, x1, y1;
} Region;

struct _PxPairReconstructor
{
  GObject parent_instance;

  PxCamera left;
  double volume_min[3];
  double volume_max[3];
  guint step;
  guint max_disparity;
  PxStereoRectifier *rectifier;
  PxStereoMatcher *matcher;
  guint width;
  guint height;
  guint8 *grey[2];
  guint8 *rectified[2];
  float *disparity;
  double *rays;       /* per grid cell: the left camera ray at unit depth */
  PxBackgroundModel *background;
  guint8 *mask;

  PxReconCrop crop;
  Region volume_region;  /* where the capture volume is seen */
  float *cell_position;  /* per grid cell: its centre in the rectified left image */
  Region tracked;        /* the previous frame pair's points, with the margin */
  gboolean have_tracked;
  guint since_refresh;
  guint8 *interior;      /* per grid cell: its point is inside the volume, off its faces */
  gint32 *parts;         /* per grid cell: its connected group of interior points */
  gint32 *stack;
  Region matched;        /* what the latest frame pair matched */
  float *region_disparity;
};

G_DEFINE_FINAL_TYPE (PxPairReconstructor, px_pair_reconstructor, G_TYPE_OBJECT)

static void
px_pair_reconstructor_finalize (GObject *object)
{
  PxPairReconstructor *self = PX_PAIR_RECONSTRUCTOR (object);

  g_free (self->left.id);
  g_clear_object (&self->rectifier);
  g_clear_object (&self->matcher);
  for (int i = 0; i < 2; i++)
    {
      g_free (self->grey[i]);
      g_free (self->rectified[i]);
    }
  g_free (self->disparity);
  g_free (self->rays);
  g_clear_object (&self->background);
  g_free (self->mask);
  g_free (self->cell_position);
  g_free (self->interior);
  g_free (self->parts);
  g_free (self->stack);
  g_free (self->region_disparity);

  G_OBJECT_CLASS (px_pair_reconstructor_parent_class)->finalize (object);
}

static void
px_pair_reconstructor_class_init (PxPairReconstructorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = px_pair_reconstructor_finalize;
}

static void
px_pair_reconstructor_init (PxPairReconstructor *self)
{
}

/* Where the ray from the rig-frame @origin along @direction enters the
 * capture volume, as a multiple of @direction; negative when it misses. */
static double
enter_volume (PxPairReconstructor *self,
              const double         origin[3],
              const double         direction[3])
{
  double near = 0, far = G_MAXDOUBLE;

  for (int i = 0; i < 3; i++)
    {
      double t1, t2;

      if (fabs (direction[i]) < 1e-12)
        {
          if (origin[i] < self->volume_min[i] || origin[i] > self->volume_max[i])
            return -1;
          continue;
        }
      t1 = (self->volume_min[i] - origin[i]) / direction[i];
      t2 = (self->volume_max[i] - origin[i]) / direction[i];
      near = MAX (near, MIN (t1, t2));
      far = MIN (far, MAX (t1, t2));
    }
  return near <= far ? near : -1;
}

/* The largest disparity the capture volume can produce: that of the
 * nearest point of it the rectified left camera sees. Rays through a
 * grid of its pixels enter the box; a rectified ray with z = 1 reaches
 * depth t at parameter t, so the nearest entry is the nearest depth. A
 * margin covers what falls between the rays; the range is rounded up to
 * a whole block. */
static guint
volume_disparity (PxPairReconstructor *self)
{
  const double *r = self->left.rotation, *t = self->left.translation;
  double rect[9], focal, cx, cy, origin[3];
  double nearest = G_MAXDOUBLE;
  guint limit = MIN (self->width - 1, PX_STEREO_MAX_DISPARITY);
  guint d;

  px_stereo_rectifier_get_rotation (self->rectifier, PX_STEREO_LEFT, rect);
  px_stereo_rectifier_get_intrinsics (self->rectifier, &focal, &cx, &cy);
  /* The camera centre in the rig frame, −Rᵀ·t. */
  for (int i = 0; i < 3; i++)
    origin[i] = -(r[i] * t[0] + r[3 + i] * t[1] + r[6 + i] * t[2]);

  for (guint v = 0; v < self->height + 7; v += 8)
    for (guint u = 0; u < self->width + 7; u += 8)
      {
        double ray[3] = { (MIN (u, self->width - 1) - cx) / focal, (MIN (v, self->height - 1) - cy) / focal, 1 };
        double left[3], direction[3], enter;

        /* Rectified → left camera (R1ᵀ) → rig (Rᵀ). */
        for (int i = 0; i < 3; i++)
          left[i] = rect[i] * ray[0] + rect[3 + i] * ray[1] + rect[6 + i] * ray[2];
        for (int i = 0; i < 3; i++)
          direction[i] = r[i] * left[0] + r[3 + i] * left[1] + r[6 + i] * left[2];
        enter = enter_volume (self, origin, direction);
        if (enter >= 0)
          nearest = MIN (nearest, enter);
      }
  if (nearest == G_MAXDOUBLE)
    return MIN (64, limit);
  if (!(nearest > 0))
    return limit;
  d = (guint) MIN (ceil (1.05 * focal * px_stereo_rectifier_get_baseline (self->rectifier) / nearest), limit);
  d = (d + 15) / 16 * 16;
  return CLAMP (d, 16, limit);
}

static gboolean
region_is_empty (const Region *r)
{
  return r->x1 <= r->x0 || r->y1 <= r->y0;
}

static Region
intersect (const Region *a,
           const Region *b)
{
  return (Region) { MAX (a->x0, b->x0), MAX (a->y0, b->y0), MIN (a->x1, b->x1), MIN (a->y1, b->y1) };
}

/* The bounding rectangle of the capture volume in the rectified left
 * image: its corners projected (the box is convex, so its image lies
 * within theirs), with a pixel to spare for the rounding of the cells'
 * nearest pixels. The whole image when part of the box is behind the
 * camera, nothing when all of it is. */
static Region
volume_region (PxPairReconstructor *self)
{
  const double *r = self->left.rotation, *t = self->left.translation;
  double rect[9], focal, cx, cy;
  double u_min = G_MAXDOUBLE, u_max = -G_MAXDOUBLE, v_min = G_MAXDOUBLE, v_max = -G_MAXDOUBLE;
  Region image = { 0, 0, (int) self->width, (int) self->height };
  Region region;
  int behind = 0;

  px_stereo_rectifier_get_rotation (self->rectifier, PX_STEREO_LEFT, rect);
  px_stereo_rectifier_get_intrinsics (self->rectifier, &focal, &cx, &cy);
  for (int corner = 0; corner < 8; corner++)
    {
      double rig[3], camera[3], rectified[3];

      for (int i = 0; i < 3; i++)
        rig[i] = corner & (1 << i) ? self->volume_max[i] : self->volume_min[i];
      /* Rig → left camera (R·X + t) → rectified (R1·X). */
      for (int i = 0; i < 3; i++)
        camera[i] = r[3 * i] * rig[0] + r[3 * i + 1] * rig[1] + r[3 * i + 2] * rig[2] + t[i];
      for (int i = 0; i < 3; i++)
        rectified[i] = rect[3 * i] * camera[0] + rect[3 * i + 1] * camera[1] + rect[3 * i + 2] * camera[2];
      if (!(rectified[2] > 1e-6))
        {
          behind++;
          continue;
        }
      u_min = MIN (u_min, focal * rectified[0] / rectified[2] + cx);
      u_max = MAX (u_max, focal * rectified[0] / rectified[2] + cx);
      v_min = MIN (v_min, focal * rectified[1] / rectified[2] + cy);
      v_max = MAX (v_max, focal * rectified[1] / rectified[2] + cy);
    }
  /* Wholly behind the camera: out of sight; partly: anywhere. */
  if (behind == 8)
    return (Region) { 0, 0, 0, 0 };
  if (behind > 0)
    return image;
  region.x0 = (int) CLAMP (floor (u_min) - 1, -1, self->width);
  region.y0 = (int) CLAMP (floor (v_min) - 1, -1, self->height);
  region.x1 = (int) CLAMP (ceil (u_max) + 2, 0, self->width + 1);
  region.y1 = (int) CLAMP (ceil (v_max) + 2, 0, self->height + 1);
  return intersect (&region, &image);
}

/* Reconstructs pair @pair of @rig on a grid of @step pixels, searching
 * @max_disparity disparities (0: as many as the capture volume needs)
 * with @threads threads. */
PxPairReconstructor *
px_pair_reconstructor_new (PxRig    *rig,
                           guint     pair,
                           guint     step,
                           guint     max_disparity,
                           guint     threads,
                           GError  **error)
{
  g_autoptr(PxPairReconstructor) self = NULL;
  const PxCamera *left, *right;
  guint grid_width, grid_height;

  g_return_val_if_fail (PX_IS_RIG (rig), NULL);

  if (!px_rig_get_pair (rig, pair, &left, &right))
    {
      g_set_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT,
                   "The rig has no pair %u (it has %u)", pair, px_rig_get_n_pairs (rig));
      return NULL;
    }
  if (step < 1 || step > MAX_STEP)
    {
      g_set_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT,
                   "The grid step must be 1 to %d pixels, not %u", MAX_STEP, step);
      return NULL;
    }

  self = g_object_new (PX_TYPE_PAIR_RECONSTRUCTOR, NULL);
  self->rectifier = px_stereo_rectifier_new (left, right, error);
  if (self->rectifier == NULL)
    return NULL;
  self->left = *left;
  self->left.id = g_strdup (left->id);
  px_rig_get_capture_volume (rig, self->volume_min, self->volume_max);
  self->step = step;
  self->width = left->width;
  self->height = left->height;
  self->max_disparity = max_disparity ? max_disparity : volume_disparity (self);
  if (self->max_disparity >= self->width)
    {
      g_set_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT,
                   "The disparity range (%u) must be smaller than the image width (%u)",
                   self->max_disparity, self->width);
      return NULL;
    }
  self->matcher = px_stereo_matcher_new (self->max_disparity, threads);

  for (int i = 0; i < 2; i++)
    {
      self->grey[i] = g_malloc ((gsize) self->width * self->height);
      self->rectified[i] = g_malloc ((gsize) self->width * self->height);
    }
  self->disparity = g_new (float, (gsize) self->width * self->height);

  px_stereo_rectifier_prepare_left_grid (self->rectifier, step);
  px_stereo_rectifier_get_grid_size (self->rectifier, step, &grid_width, &grid_height);
  self->rays = g_new (double, 3 * (gsize) grid_width * grid_height);
  for (guint gy = 0; gy < grid_height; gy++)
    for (guint gx = 0; gx < grid_width; gx++)
      px_stereo_rectifier_left_ray (self->rectifier,
                                    MIN (gx * step + (step - 1) / 2.0, self->width - 1),
                                    MIN (gy * step + (step - 1) / 2.0, self->height - 1),
                                    &self->rays[3 * ((gsize) gy * grid_width + gx)]);
  self->background = px_background_model_new (grid_width, grid_height);
  self->mask = g_new0 (guint8, (gsize) grid_width * grid_height);

  self->crop = PX_RECON_CROP_NONE;
  self->volume_region = volume_region (self);
  self->region_disparity = g_new (float, (gsize) self->width * self->height);
  self->cell_position = g_new (float, 2 * (gsize) grid_width * grid_height);
  self->interior = g_new0 (guint8, (gsize) grid_width * grid_height);
  self->parts = g_new (gint32, (gsize) grid_width * grid_height);
  self->stack = g_new (gint32, (gsize) grid_width * grid_height);
  for (guint gy = 0; gy < grid_height; gy++)
    for (guint gx = 0; gx < grid_width; gx++)
      {
        float *cell = &self->cell_position[2 * ((gsize) gy * grid_width + gx)];
        double ru = -1e9, rv = -1e9;

        if (!px_stereo_rectifier_rectify_point (self->rectifier, PX_STEREO_LEFT,
                                                MIN (gx * step + (step - 1) / 2.0, self->width - 1),
                                                MIN (gy * step + (step - 1) / 2.0, self->height - 1),
                                                &ru, &rv))
          ru = rv = -1e9;
        cell[0] = (float) ru;
        cell[1] = (float) rv;
      }
  return g_steal_pointer (&self);
}

guint
px_pair_reconstructor_get_max_disparity (PxPairReconstructor *self)
{
  g_return_val_if_fail (PX_IS_PAIR_RECONSTRUCTOR (self), 0);
  return self->max_disparity;
}

/* Chooses where frame pairs are matched (PX_RECON_CROP_NONE by
 * default). Frames of the empty studio are always matched whole. */
void
px_pair_reconstructor_set_crop (PxPairReconstructor *self,
                                PxReconCrop          crop)
{
  g_return_if_fail (PX_IS_PAIR_RECONSTRUCTOR (self));
  g_return_if_fail (crop <= PX_RECON_CROP_TRACK);

  self->crop = crop;
  self->have_tracked = FALSE;
}

PxReconCrop
px_pair_reconstructor_get_crop (PxPairReconstructor *self)
{
  g_return_val_if_fail (PX_IS_PAIR_RECONSTRUCTOR (self), PX_RECON_CROP_NONE);
  return self->crop;
}

/* The rectangle of the rectified left image (margins included) the
 * latest frame pair was matched in; FALSE when nothing was matched (the
 * capture volume is out of sight) or before the first frame pair. */
gboolean
px_pair_reconstructor_get_matched_region (PxPairReconstructor *self,
                                          guint               *x,
                                          guint               *y,
                                          guint               *width,
                                          guint               *height)
{
  g_return_val_if_fail (PX_IS_PAIR_RECONSTRUCTOR (self), FALSE);

  if (region_is_empty (&self->matched))
    return FALSE;
  if (x)
    *x = (guint) self->matched.x0;
  if (y)
    *y = (guint) self->matched.y0;
  if (width)
    *width = (guint) (self->matched.x1 - self->matched.x0);
  if (height)
    *height = (guint) (self->matched.y1 - self->matched.y0);
  return TRUE;
}

/* The size of the depth grid. */
void
px_pair_reconstructor_get_size (PxPairReconstructor *self,
                                guint               *width,
                                guint               *height)
{
  g_return_if_fail (PX_IS_PAIR_RECONSTRUCTOR (self));
  px_stereo_rectifier_get_grid_size (self->rectifier, self->step, width, height);
}

/* The rig-frame point of grid cell (@x, @y) at @depth. */
void
px_pair_reconstructor_get_point (PxPairReconstructor *self,
                                 guint                x,
                                 guint                y,
                                 float                depth,
                                 double               point[3])
{
  guint width, height;
  const double *ray, *r = self->left.rotation, *t = self->left.translation;
  double c[3];

  g_return_if_fail (PX_IS_PAIR_RECONSTRUCTOR (self));
  px_pair_reconstructor_get_size (self, &width, &height);
  g_return_if_fail (x < width && y < height);

  ray = &self->rays[3 * ((gsize) y * width + x)];
  /* X_rig = Rᵀ · (X_cam − t) */
  for (int i = 0; i < 3; i++)
    c[i] = ray[i] * depth - t[i];
  for (int i = 0; i < 3; i++)
    point[i] = r[i] * c[0] + r[3 + i] * c[1] + r[6 + i] * c[2];
}

static void
to_grey (const guint8 *image,
         gsize         stride,
         guint         channels,
         guint         width,
         guint         height,
         guint8       *grey)
{
  for (guint y = 0; y < height; y++)
    {
      const guint8 *row = image + (gsize) y * stride;
      guint8 *out = grey + (gsize) y * width;

      if (channels < 3)
        for (guint x = 0; x < width; x++)
          out[x] = row[(gsize) x * channels];
      else
        for (guint x = 0; x < width; x++)
          {
            const guint8 *p = row + (gsize) x * channels;

            out[x] = (guint8) ((77 * p[0] + 150 * p[1] + 29 * p[2] + 128) >> 8);
          }
    }
}

/* Drops the points outside the capture volume. The box is tested in
 * the left camera's frame, where a point is its cell's ray times depth:
 * X_rig = Rᵀ · (ray · z − t). */
static void
keep_inside_volume (PxPairReconstructor *self,
                    float               *depth,
                    gsize                cells)
{
  const double *r = self->left.rotation, *t = self->left.translation;
  double tolerance[3];

  for (int k = 0; k < 3; k++)
    tolerance[k] = FACE_TOLERANCE * (self->volume_max[k] - self->volume_min[k]);
  for (gsize i = 0; i < cells; i++)
    {
      const double *ray = &self->rays[3 * i];
      double z = depth[i], c[3];
      gboolean inside = TRUE, interior = TRUE;

      self->interior[i] = FALSE;
      if (!isfinite (z))
        continue;
      for (int k = 0; k < 3; k++)
        c[k] = ray[k] * z - t[k];
      for (int k = 0; k < 3; k++)
        {
          double p = r[k] * c[0] + r[3 + k] * c[1] + r[6 + k] * c[2];

          inside &= p >= self->volume_min[k] && p <= self->volume_max[k];
          interior &= p >= self->volume_min[k] + tolerance[k] && p <= self->volume_max[k] - tolerance[k];
        }
      if (!inside)
        depth[i] = INFINITY;
      self->interior[i] = interior;
    }
}

/* Where the points of this frame pair can be: the rectangle of the
 * rectified left image whose disparities are kept. */
static Region
needed_region (PxPairReconstructor *self,
               gboolean             learning)
{
  Region image = { 0, 0, (int) self->width, (int) self->height };

  if (learning || self->crop == PX_RECON_CROP_NONE)
    return image;
  if (self->crop == PX_RECON_CROP_TRACK && self->have_tracked && self->since_refresh < TRACK_REFRESH)
    {
      self->since_refresh++;
      return intersect (&self->tracked, &self->volume_region);
    }
  self->since_refresh = 0;
  return self->volume_region;
}

/* What is matched to know the disparities of @needed: the columns up to
 * the largest disparity to its left (where its matches in the right
 * image lie, so that its pixels search the full range; they are context
 * enough on that side), and a margin of context on the others. */
static Region
matching_region (PxPairReconstructor *self,
                 const Region        *needed)
{
  int disparities = (int) self->max_disparity;
  int width = (int) self->width, height = (int) self->height;
  Region m;

  if (region_is_empty (needed))
    return (Region) { 0, 0, 0, 0 };
  m.x0 = MAX (0, needed->x0 - MAX (disparities, CROP_MARGIN));
  m.x1 = MIN (width, needed->x1 + CROP_MARGIN);
  m.y0 = MAX (0, needed->y0 - CROP_MARGIN);
  m.y1 = MIN (height, needed->y1 + CROP_MARGIN);
  /* The matcher wants more columns than disparities. */
  if (m.x1 - m.x0 <= disparities)
    {
      m.x1 = MIN (width, m.x0 + disparities + 1);
      m.x0 = MAX (0, m.x1 - disparities - 1);
    }
  return m;
}

/* Matches @matched of the rectified pair and keeps the disparities of
 * @needed; +inf elsewhere. */
static gboolean
match_region (PxPairReconstructor  *self,
              const Region         *needed,
              const Region         *matched,
              GError              **error)
{
  gsize width = self->width;
  guint mw = (guint) (matched->x1 - matched->x0), mh = (guint) (matched->y1 - matched->y0);
  Region keep = intersect (needed, matched);
  PxGrayImage images[2];

  if (matched->x0 == 0 && matched->y0 == 0 && mw == self->width && mh == self->height
      && keep.x0 == 0 && keep.y0 == 0 && keep.x1 == (int) self->width && keep.y1 == (int) self->height)
    {
      for (int i = 0; i < 2; i++)
        images[i] = (PxGrayImage) { self->width, self->height, width, self->rectified[i] };
      return px_stereo_matcher_match (self->matcher, &images[0], &images[1], self->disparity, error);
    }

  for (gsize i = 0; i < width * self->height; i++)
    self->disparity[i] = INFINITY;
  if (region_is_empty (matched))
    return TRUE;
  for (int i = 0; i < 2; i++)
    images[i] = (PxGrayImage) { mw, mh, width,
                                self->rectified[i] + (gsize) matched->y0 * width + matched->x0 };
  if (!px_stereo_matcher_match (self->matcher, &images[0], &images[1], self->region_disparity, error))
    return FALSE;
  for (int y = keep.y0; y < keep.y1; y++)
    memcpy (self->disparity + (gsize) y * width + keep.x0,
            self->region_disparity + (gsize) (y - matched->y0) * mw + (keep.x0 - matched->x0),
            (gsize) (keep.x1 - keep.x0) * sizeof (float));
  return TRUE;
}

static gboolean
cell_in_region (const float  *position,
                const Region *region)
{
  return position[0] >= region->x0 && position[0] < region->x1
         && position[1] >= region->y0 && position[1] < region->y1;
}

typedef struct
{
  gsize size;
  float u0, v0, u1, v1;
} Part;

/* Remembers where this frame pair's points are, with room for motion,
 * and drops the points outside that region, so that a frame pair that
 * matched the whole volume gives what a tracked one would. The region
 * bounds the larger connected groups (8 neighbours) of interior points. */
static void
track_points (PxPairReconstructor *self,
              float               *depth,
              gsize                cells)
{
  g_autoptr(GArray) parts = g_array_new (FALSE, FALSE, sizeof (Part));
  float u0 = G_MAXFLOAT, v0 = G_MAXFLOAT, u1 = -G_MAXFLOAT, v1 = -G_MAXFLOAT;
  int margin = TRACK_MARGIN + (int) self->step;
  guint width, height;
  gsize largest = 0;

  px_pair_reconstructor_get_size (self, &width, &height);
  for (gsize i = 0; i < cells; i++)
    self->parts[i] = -1;
  for (gsize start = 0; start < cells; start++)
    {
      Part part = { 0, G_MAXFLOAT, G_MAXFLOAT, -G_MAXFLOAT, -G_MAXFLOAT };
      gsize top = 0;

      if (!self->interior[start] || self->parts[start] >= 0)
        continue;
      self->parts[start] = (gint32) parts->len;
      self->stack[top++] = (gint32) start;
      while (top > 0)
        {
          gint32 cell = self->stack[--top];
          int x = cell % (int) width, y = cell / (int) width;
          const float *p = &self->cell_position[2 * (gsize) cell];

          part.size++;
          part.u0 = MIN (part.u0, p[0]);
          part.u1 = MAX (part.u1, p[0]);
          part.v0 = MIN (part.v0, p[1]);
          part.v1 = MAX (part.v1, p[1]);
          for (int ny = MAX (y - 1, 0); ny <= MIN (y + 1, (int) height - 1); ny++)
            for (int nx = MAX (x - 1, 0); nx <= MIN (x + 1, (int) width - 1); nx++)
              {
                gsize n = (gsize) ny * width + nx;

                if (self->interior[n] && self->parts[n] < 0)
                  {
                    self->parts[n] = (gint32) parts->len;
                    self->stack[top++] = (gint32) n;
                  }
              }
        }
      largest = MAX (largest, part.size);
      g_array_append_val (parts, part);
    }

  self->have_tracked = FALSE;
  for (guint i = 0; i < parts->len; i++)
    {
      const Part *part = &g_array_index (parts, Part, i);

      if (part->size * TRACK_SMALLEST_PART < largest)
        continue;
      u0 = MIN (u0, part->u0);
      u1 = MAX (u1, part->u1);
      v0 = MIN (v0, part->v0);
      v1 = MAX (v1, part->v1);
      self->have_tracked = TRUE;
    }
  if (!self->have_tracked)
    return;
  self->tracked.x0 = (int) CLAMP (floorf (u0), -1.0f, self->width) - margin;
  self->tracked.y0 = (int) CLAMP (floorf (v0), -1.0f, self->height) - margin;
  self->tracked.x1 = (int) CLAMP (ceilf (u1), -1.0f, self->width) + 1 + margin;
  self->tracked.y1 = (int) CLAMP (ceilf (v1), -1.0f, self->height) + 1 + margin;
  for (gsize i = 0; i < cells; i++)
    if (isfinite (depth[i]) && !cell_in_region (&self->cell_position[2 * i], &self->tracked))
      depth[i] = INFINITY;
}

/* Fills short gaps down each column between two samples at about the
 * same depth, linearly. Only down columns: the gaps between an arm and the
 * body run down, and must stay open. */
static void
fill_column_holes (float *depth,
                   guint  width,
                   guint  height,
                   guint  step)
{
  guint max_cells = MAX (HOLE_MAX_PIXELS / MAX (step, 1), 1);

  for (guint x = 0; x < width; x++)
    {
      int last = -1;  /* the row of the last sample with depth */

      for (guint y = 0; y < height; y++)
        {
          float d = depth[(gsize) y * width + x];
          float above;

          if (!isfinite (d))
            continue;
          if (last >= 0 && y - (guint) last > 1 && y - (guint) last - 1 <= max_cells)
            {
              above = depth[(gsize) last * width + x];
              if (fabsf (above - d) <= HOLE_MAX_STEP_M)
                for (guint k = (guint) last + 1; k < y; k++)
                  {
                    float a = (float) (k - (guint) last) / (float) (y - (guint) last);

                    depth[(gsize) k * width + x] = above + a * (d - above);
                  }
            }
          last = (int) y;
        }
    }
}

static double
elapsed_ms (gint64 *since)
{
  gint64 now = g_get_monotonic_time ();
  double ms = (now - *since) / 1000.0;

  *since = now;
  return ms;
}

static gboolean
reconstruct (PxPairReconstructor  *self,
             const guint8         *left,
             gsize                 left_stride,
             const guint8         *right,
             gsize                 right_stride,
             guint                 channels,
             gboolean              learning,
             float                *depth,
             PxReconTimings       *timings,
             GError              **error)
{
  PxReconTimings t = { 0, };
  Region needed;
  const guint8 *sources[2];
  gsize strides[2];
  gint64 clock = g_get_monotonic_time ();
  gint64 start = clock;
  guint grid_width, grid_height;

  if (channels < 1 || channels > 4 || left_stride < (gsize) self->width * channels
      || right_stride < (gsize) self->width * channels)
    {
      g_set_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT,
                   "Frames of %u×%u pixels with %u channels need rows of at least %u bytes",
                   self->width, self->height, channels, self->width * channels);
      return FALSE;
    }

  needed = needed_region (self, learning);
  self->matched = matching_region (self, &needed);

  /* Grey frames are rectified as they come. */
  sources[0] = left;
  sources[1] = right;
  strides[0] = left_stride;
  strides[1] = right_stride;
  if (channels != 1)
    for (int i = 0; i < 2; i++)
      {
        to_grey (sources[i], strides[i], channels, self->width, self->height, self->grey[i]);
        sources[i] = self->grey[i];
        strides[i] = self->width;
      }
  t.grey = elapsed_ms (&clock);

  /* Only what is matched needs rectifying. */
  for (int i = 0; i < 2; i++)
    if (!px_stereo_rectifier_remap_region (self->rectifier, i, sources[i], strides[i], 1,
                                           (guint) self->matched.x0, (guint) self->matched.y0,
                                           (guint) (self->matched.x1 - self->matched.x0),
                                           (guint) (self->matched.y1 - self->matched.y0),
                                           self->rectified[i], self->width, error))
      return FALSE;
  t.rectify = elapsed_ms (&clock);

  if (!match_region (self, &needed, &self->matched, error))
    return FALSE;
  t.stereo = elapsed_ms (&clock);

  px_stereo_rectifier_left_depth (self->rectifier, self->disparity, self->step, depth);
  px_pair_reconstructor_get_size (self, &grid_width, &grid_height);
  if (learning)
    return px_background_model_learn (self->background, depth, left, self->width, self->height,
                                      left_stride, channels, self->step, error);
  keep_inside_volume (self, depth, (gsize) grid_width * grid_height);
  if (self->crop == PX_RECON_CROP_TRACK)
    track_points (self, depth, (gsize) grid_width * grid_height);
  fill_column_holes (depth, grid_width, grid_height, self->step);
  t.depth = elapsed_ms (&clock);

  if (px_background_model_get_n_frames (self->background) > 0
      && !px_background_model_segment (self->background, depth, left, self->width, self->height,
                                       left_stride, channels, self->step, self->mask, error))
    return FALSE;
  t.segment = elapsed_ms (&clock);
  t.total = (clock - start) / 1000.0;
  if (timings)
    *timings = t;
  return TRUE;
}

/* Reconstructs one frame pair: @left and @right are the original
 * (unrectified) images of the pair's cameras, @channels bytes per pixel
 * (1 grey, 3 RGB, 4 RGBA). @depth receives the grid (see get_size()):
 * metres along the left camera's optical axis, +inf where there is no
 * surface, the point lies outside the capture volume or, when the
 * background was learned, it is not the person's. */
gboolean
px_pair_reconstructor_process (PxPairReconstructor  *self,
                               const guint8         *left,
                               gsize                 left_stride,
                               const guint8         *right,
                               gsize                 right_stride,
                               guint                 channels,
                               float                *depth,
                               PxReconTimings       *timings,
                               GError              **error)
{
  g_return_val_if_fail (PX_IS_PAIR_RECONSTRUCTOR (self), FALSE);
  g_return_val_if_fail (left != NULL && right != NULL && depth != NULL, FALSE);

  return reconstruct (self, left, left_stride, right, right_stride, channels, FALSE, depth, timings, error);
}

/* Shows the reconstructor a frame pair of the empty studio; once it has
 * seen one, process() keeps only the person. More frames make a steadier
 * model of the room. */
gboolean
px_pair_reconstructor_learn_background (PxPairReconstructor  *self,
                                        const guint8         *left,
                                        gsize                 left_stride,
                                        const guint8         *right,
                                        gsize                 right_stride,
                                        guint                 channels,
                                        GError              **error)
{
  guint width, height;
  g_autofree float *depth = NULL;

  g_return_val_if_fail (PX_IS_PAIR_RECONSTRUCTOR (self), FALSE);
  g_return_val_if_fail (left != NULL && right != NULL, FALSE);

  px_pair_reconstructor_get_size (self, &width, &height);
  depth = g_new (float, (gsize) width * height);
  return reconstruct (self, left, left_stride, right, right_stride, channels, TRUE, depth, NULL, error);
}

/* The person's silhouette on the depth grid for the latest frame pair
 * (255 on the person), or NULL before the background was learned. */
const guint8 *
px_pair_reconstructor_get_mask (PxPairReconstructor *self)
{
  g_return_val_if_fail (PX_IS_PAIR_RECONSTRUCTOR (self), NULL);

  if (px_background_model_get_n_frames (self->background) == 0)
    return NULL;
  return self->mask;
}
