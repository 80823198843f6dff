/* px-stereo-rectifier.c: warps a calibrated pair so that matches share rows
 *
 * Bouguet's construction: each camera turns by half the rotation between
 * them, so that they look the same way with the least change to either,
 * then both turn together until the baseline lies along x. Both
 * rectified views share one pinhole camera: the focal length is the
 * smaller of the two cameras' vertical ones (no view is magnified, so no
 * detail is invented) and the principal point puts the middle of the two
 * images' rectified corners at the image centre, with the same cx for
 * both so that infinity has disparity 0. This is cv::stereoRectify with
 * CALIB_ZERO_DISPARITY and its default scaling (alpha -1): the whole
 * original views are kept rather than cropped to the valid area, since a
 * person near the edge of the frame matters more than black borders cost.
 *
 * Each side's remap table is computed once (per output pixel: the source
 * position in the distorted image in 1/256 pixel) and sampled bilinearly.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "px-recon-error.h"
#include "px-stereo-calibration.h"
#include "px-stereo-rectifier.h"

/* Widest angle between the optical axes that is still rectified. */
#define MAX_AXIS_ANGLE_DEGREES 60.0
/* Smallest share of the baseline that must lie along x. */
#define MIN_HORIZONTAL_SHARE 0.7071

typedef struct
{
  gint16 x;     /* source pixel, or -1 where the ray misses the image */
  gint16 y;
  guint8 ax;    /* fractional position, 1/256 pixel */
  guint8 ay;
} RemapEntry;

struct _PxStereoRectifier
{
  GObject parent_instance;

  PxCamera cameras[2];
  double rotations[2][9];   /* original camera → rectified camera */
  double focal;
  double cx;
  double cy;
  double baseline;
  guint width;
  guint height;
  RemapEntry *tables[2];
  /* Where the cells of the original left image's grid lie once
   * rectified, for the last grid step asked for. */
  guint grid_step;
  float *grid;
};

G_DEFINE_FINAL_TYPE (PxStereoRectifier, px_stereo_rectifier, G_TYPE_OBJECT)

static void
px_stereo_rectifier_finalize (GObject *object)
{
  PxStereoRectifier *self = PX_STEREO_RECTIFIER (object);

  for (int i = 0; i < 2; i++)
    {
      g_free (self->cameras[i].id);
      g_free (self->tables[i]);
    }
  g_free (self->grid);

  G_OBJECT_CLASS (px_stereo_rectifier_parent_class)->finalize (object);
}

static void
px_stereo_rectifier_class_init (PxStereoRectifierClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = px_stereo_rectifier_finalize;
}

static void
px_stereo_rectifier_init (PxStereoRectifier *self)
{
}

static void
multiply (const double a[9],
          const double b[9],
          double       out[9])
{
  double r[9];

  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      r[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j];
  memcpy (out, r, sizeof r);
}

static void
transpose (const double a[9],
           double       out[9])
{
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      out[3 * j + i] = a[3 * i + j];
}

static void
apply (const double m[9],
       const double v[3],
       double       out[3])
{
  for (int i = 0; i < 3; i++)
    out[i] = m[3 * i] * v[0] + m[3 * i + 1] * v[1] + m[3 * i + 2] * v[2];
}

/* OpenCV's lens model on normalised coordinates. */
static void
distort (const double  k[5],
         double        x,
         double        y,
         double       *xd,
         double       *yd)
{
  double r2 = x * x + y * y;
  double radial = 1 + r2 * (k[0] + r2 * (k[1] + r2 * k[4]));

  *xd = x * radial + 2 * k[2] * x * y + k[3] * (r2 + 2 * x * x);
  *yd = y * radial + k[2] * (r2 + 2 * y * y) + 2 * k[3] * x * y;
}

/* Inverts distort() by fixed-point iteration, as undistortPoints does. */
static void
undistort (const double  k[5],
           double        xd,
           double        yd,
           double       *x,
           double       *y)
{
  double ux = xd, uy = yd;

  if (k[0] == 0 && k[1] == 0 && k[2] == 0 && k[3] == 0 && k[4] == 0)
    {
      *x = xd;
      *y = yd;
      return;
    }
  for (int i = 0; i < 20; i++)
    {
      double r2 = ux * ux + uy * uy;
      double radial = 1 + r2 * (k[0] + r2 * (k[1] + r2 * k[4]));
      double dx = 2 * k[2] * ux * uy + k[3] * (r2 + 2 * ux * ux);
      double dy = k[2] * (r2 + 2 * uy * uy) + 2 * k[3] * ux * uy;

      if (!(radial > 1e-6))
        break;
      ux = (xd - dx) / radial;
      uy = (yd - dy) / radial;
    }
  *x = ux;
  *y = uy;
}

/* A pixel of the original image to the rectified one, with the
 * principal point still to add. */
static gboolean
rectify_ray (PxStereoRectifier *self,
             int                side,
             double             u,
             double             v,
             double            *ru,
             double            *rv)
{
  const PxCamera *c = &self->cameras[side];
  double ray[3], turned[3];

  undistort (c->distortion, (u - c->cx) / c->fx, (v - c->cy) / c->fy, &ray[0], &ray[1]);
  ray[2] = 1;
  apply (self->rotations[side], ray, turned);
  if (!(turned[2] > 1e-9))
    return FALSE;
  *ru = self->focal * turned[0] / turned[2];
  *rv = self->focal * turned[1] / turned[2];
  return TRUE;
}

static void
build_table (PxStereoRectifier *self,
             int                side)
{
  const PxCamera *c = &self->cameras[side];
  RemapEntry *table = g_new (RemapEntry, (gsize) self->width * self->height);
  double back[9];

  transpose (self->rotations[side], back);
  for (guint v = 0; v < self->height; v++)
    for (guint u = 0; u < self->width; u++)
      {
        RemapEntry *e = &table[(gsize) v * self->width + u];
        double ray[3] = { (u - self->cx) / self->focal, (v - self->cy) / self->focal, 1 };
        double p[3], xd, yd, sx, sy;
        int ix, iy, ax, ay;

        e->x = e->y = -1;
        e->ax = e->ay = 0;
        apply (back, ray, p);
        if (!(p[2] > 1e-9))
          continue;
        distort (c->distortion, p[0] / p[2], p[1] / p[2], &xd, &yd);
        sx = c->fx * xd + c->cx;
        sy = c->fy * yd + c->cy;
        if (!(sx >= 0 && sy >= 0 && sx <= c->width - 1 && sy <= c->height - 1))
          continue;
        ix = (int) floor (sx);
        iy = (int) floor (sy);
        ax = (int) lround ((sx - ix) * 256);
        ay = (int) lround ((sy - iy) * 256);
        if (ax == 256)
          ix++, ax = 0;
        if (ay == 256)
          iy++, ay = 0;
        e->x = (gint16) ix;
        e->y = (gint16) iy;
        e->ax = (guint8) ax;
        e->ay = (guint8) ay;
      }
  self->tables[side] = table;
}

static gboolean
not_rectifiable (GError    **error,
                 const char *format,
                 ...) G_GNUC_PRINTF (2, 3);

static gboolean
not_rectifiable (GError    **error,
                 const char *format,
                 ...)
{
  va_list args;
  char *message;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, PX_RECON_ERROR, PX_RECON_ERROR_NOT_RECTIFIABLE, "Cannot rectify this pair: %s", message);
  g_free (message);
  return FALSE;
}

/* Rectifies @left and @right (X_cam = R·X_rig + t for each), which must
 * have the same image size; fails with PX_RECON_ERROR_NOT_RECTIFIABLE
 * when they do not form a side-by-side pair. */
PxStereoRectifier *
px_stereo_rectifier_new (const PxCamera  *left,
                         const PxCamera  *right,
                         GError         **error)
{
  g_autoptr(PxStereoRectifier) self = NULL;
  double r[9], t[3], om[3], half[9], half_t[9], tt[3], wr[9];
  double length, axis_cos, ww[3], ww_norm;
  double sum_u = 0, sum_v = 0;
  double rotated_t[3];
  int corners = 0;

  g_return_val_if_fail (left != NULL && right != NULL, NULL);

  if (!px_camera_validate (left, "left", error) || !px_camera_validate (right, "right", error))
    return NULL;
  if (left->width != right->width || left->height != right->height)
    {
      g_set_error (error, PX_RECON_ERROR, PX_RECON_ERROR_SIZE_MISMATCH,
                   "The left camera is %u×%u but the right camera is %u×%u",
                   left->width, left->height, right->width, right->height);
      return NULL;
    }

  px_camera_relative_pose (left, right, r, t);
  length = sqrt (t[0] * t[0] + t[1] * t[1] + t[2] * t[2]);
  if (!(length > 1e-6))
    {
      not_rectifiable (error, "the two cameras are at the same place (zero baseline)");
      return NULL;
    }
  /* The right optical axis in the left camera's frame is Rᵀ·z. */
  axis_cos = CLAMP (r[8], -1.0, 1.0);
  if (axis_cos < cos (MAX_AXIS_ANGLE_DEGREES * G_PI / 180))
    {
      not_rectifiable (error, "the optical axes are %.0f° apart (at most %.0f° can be rectified)",
                       acos (axis_cos) * 180 / G_PI, MAX_AXIS_ANGLE_DEGREES);
      return NULL;
    }

  self = g_object_new (PX_TYPE_STEREO_RECTIFIER, NULL);
  self->cameras[0] = *left;
  self->cameras[0].id = g_strdup (left->id);
  self->cameras[1] = *right;
  self->cameras[1].id = g_strdup (right->id);
  self->width = left->width;
  self->height = left->height;

  /* Half the rotation for each camera. */
  px_rotation_to_vector (r, om);
  for (int i = 0; i < 3; i++)
    om[i] *= -0.5;
  px_rotation_from_vector (om, half);
  transpose (half, half_t);
  apply (half, t, tt);

  /* X_right' = X_left' + tt: the right camera sits at -tt. */
  if (fabs (tt[0]) < MIN_HORIZONTAL_SHARE * length)
    {
      not_rectifiable (error, "the cameras are not side by side (baseline direction %.2f %.2f %.2f "
                       "in the left camera's frame)", -t[0] / length, -t[1] / length, -t[2] / length);
      return NULL;
    }
  if (tt[0] > 0)
    {
      not_rectifiable (error, "the right camera is to the left of the left camera; swap them");
      return NULL;
    }

  /* Turn the baseline onto the x axis. */
  ww[0] = 0;
  /* The axis tt × (-1, 0, 0) turns tt towards -x. */
  ww[1] = -tt[2];
  ww[2] = tt[1];
  ww_norm = sqrt (ww[1] * ww[1] + ww[2] * ww[2]);
  if (ww_norm > 1e-12)
    {
      double angle = acos (CLAMP (fabs (tt[0]) / length, -1.0, 1.0));

      for (int i = 0; i < 3; i++)
        ww[i] *= angle / ww_norm;
    }
  px_rotation_from_vector (ww, wr);
  multiply (wr, half_t, self->rotations[0]);
  multiply (wr, half, self->rotations[1]);

  /* Shared intrinsics. */
  self->focal = MIN (left->fy, right->fy);
  self->cx = self->cy = 0;
  for (int side = 0; side < 2; side++)
    for (int corner = 0; corner < 4; corner++)
      {
        double u = (corner & 1) ? self->width - 1 : 0;
        double v = (corner & 2) ? self->height - 1 : 0;
        double ru, rv;

        if (rectify_ray (self, side, u, v, &ru, &rv))
          {
            sum_u += ru;
            sum_v += rv;
            corners++;
          }
      }
  if (corners == 0)
    {
      not_rectifiable (error, "no corner of either image is in front of the rectified cameras");
      return NULL;
    }
  self->cx = (self->width - 1) / 2.0 - sum_u / corners;
  self->cy = (self->height - 1) / 2.0 - sum_v / corners;

  apply (self->rotations[1], t, rotated_t);
  self->baseline = -rotated_t[0];

  build_table (self, 0);
  build_table (self, 1);
  return g_steal_pointer (&self);
}

guint
px_stereo_rectifier_get_width (PxStereoRectifier *self)
{
  g_return_val_if_fail (PX_IS_STEREO_RECTIFIER (self), 0);
  return self->width;
}

guint
px_stereo_rectifier_get_height (PxStereoRectifier *self)
{
  g_return_val_if_fail (PX_IS_STEREO_RECTIFIER (self), 0);
  return self->height;
}

/* The rotation from @side's original camera frame to its rectified one. */
void
px_stereo_rectifier_get_rotation (PxStereoRectifier *self,
                                  PxStereoSide       side,
                                  double             rotation[9])
{
  g_return_if_fail (PX_IS_STEREO_RECTIFIER (self));
  memcpy (rotation, self->rotations[side != PX_STEREO_LEFT], sizeof self->rotations[0]);
}

/* The pinhole both rectified views share. */
void
px_stereo_rectifier_get_intrinsics (PxStereoRectifier *self,
                                    double            *focal,
                                    double            *cx,
                                    double            *cy)
{
  g_return_if_fail (PX_IS_STEREO_RECTIFIER (self));
  *focal = self->focal;
  *cx = self->cx;
  *cy = self->cy;
}

/* The distance between the camera centres, in the rig's units (metres). */
double
px_stereo_rectifier_get_baseline (PxStereoRectifier *self)
{
  g_return_val_if_fail (PX_IS_STEREO_RECTIFIER (self), 0);
  return self->baseline;
}

/* The 3×4 projection (row-major) of @side's rectified camera from the
 * rectified left camera's frame, as cv::stereoRectify's P1 and P2: the
 * right one carries −f·B in its last column. */
void
px_stereo_rectifier_get_projection (PxStereoRectifier *self,
                                    PxStereoSide       side,
                                    double             projection[12])
{
  g_return_if_fail (PX_IS_STEREO_RECTIFIER (self));

  memset (projection, 0, 12 * sizeof (double));
  projection[0] = projection[5] = self->focal;
  projection[2] = self->cx;
  projection[6] = self->cy;
  projection[10] = 1;
  if (side != PX_STEREO_LEFT)
    projection[3] = -self->focal * self->baseline;
}

/* Where pixel (@u, @v) of @side's original image lands once rectified;
 * FALSE when its ray points behind the rectified camera. */
gboolean
px_stereo_rectifier_rectify_point (PxStereoRectifier *self,
                                   PxStereoSide       side,
                                   double             u,
                                   double             v,
                                   double            *rectified_u,
                                   double            *rectified_v)
{
  g_return_val_if_fail (PX_IS_STEREO_RECTIFIER (self), FALSE);

  if (!rectify_ray (self, side != PX_STEREO_LEFT, u, v, rectified_u, rectified_v))
    return FALSE;
  *rectified_u += self->cx;
  *rectified_v += self->cy;
  return TRUE;
}

/* Rectifies output pixels [u0, u1) × [v0, v1); @out is the whole
 * output image. */
static inline __attribute__((always_inline)) void
remap_rows (const RemapEntry *table,
            guint             width,
            guint             height,
            guint             u0,
            guint             v0,
            guint             u1,
            guint             v1,
            const guint8     *image,
            gsize             stride,
            guint             channels,
            guint8           *out,
            gsize             out_stride)
{
  guint last_x = width - 1, last_y = height - 1;

  for (guint v = v0; v < v1; v++)
    {
      guint8 *row = out + (gsize) v * out_stride;
      const RemapEntry *e = table + (gsize) v * width + u0;

      for (guint u = u0; u < u1; u++, e++)
        {
          const guint8 *p00;
          gsize dx, dy;
          guint wx, wy;

          if (e->x < 0)
            {
              memset (row + (gsize) u * channels, 0, channels);
              continue;
            }
          wx = e->ax;
          wy = e->ay;
          p00 = image + (gsize) e->y * stride + (gsize) e->x * channels;
          dx = (guint) e->x < last_x ? channels : 0;
          dy = (guint) e->y < last_y ? stride : 0;
          for (guint c = 0; c < channels; c++)
            {
              guint top = p00[c] * (256 - wx) + p00[c + dx] * wx;
              guint bottom = p00[c + dy] * (256 - wx) + p00[c + dy + dx] * wx;

              row[(gsize) u * channels + c] = (guint8) ((top * (256 - wy) + bottom * wy + 32768) >> 16);
            }
        }
    }
}

/* Rectifies an image of @side's camera (its width × height, @channels
 * bytes per pixel) into @out (the same size); pixels whose ray misses
 * the original image are black. */
gboolean
px_stereo_rectifier_remap (PxStereoRectifier  *self,
                           PxStereoSide        side,
                           const guint8       *image,
                           gsize               stride,
                           guint               channels,
                           guint8             *out,
                           gsize               out_stride,
                           GError            **error)
{
  g_return_val_if_fail (PX_IS_STEREO_RECTIFIER (self), FALSE);

  return px_stereo_rectifier_remap_region (self, side, image, stride, channels, 0, 0,
                                           self->width, self->height, out, out_stride, error);
}

/* As remap(), for the output pixels [@x, @x + @width) × [@y, @y +
 * @height) only (clipped to the image); the rest of @out is left as it
 * was. */
gboolean
px_stereo_rectifier_remap_region (PxStereoRectifier  *self,
                                  PxStereoSide        side,
                                  const guint8       *image,
                                  gsize               stride,
                                  guint               channels,
                                  guint               x,
                                  guint               y,
                                  guint               width,
                                  guint               height,
                                  guint8             *out,
                                  gsize               out_stride,
                                  GError            **error)
{
  const RemapEntry *table;
  guint u1, v1;

  g_return_val_if_fail (PX_IS_STEREO_RECTIFIER (self), FALSE);
  g_return_val_if_fail (image != NULL && out != NULL, FALSE);

  if (channels < 1 || channels > 4 || stride < (gsize) self->width * channels
      || out_stride < (gsize) self->width * channels)
    {
      g_set_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT,
                   "Cannot rectify an image of %u channels with rows of %" G_GSIZE_FORMAT " bytes "
                   "(%u pixels wide)", channels, stride, self->width);
      return FALSE;
    }

  x = MIN (x, self->width);
  y = MIN (y, self->height);
  u1 = x + MIN (width, self->width - x);
  v1 = y + MIN (height, self->height - y);
  table = self->tables[side != PX_STEREO_LEFT];
  /* A constant channel count lets the compiler unroll the inner loop. */
  switch (channels)
    {
    case 1:
      remap_rows (table, self->width, self->height, x, y, u1, v1, image, stride, 1, out, out_stride);
      break;
    case 3:
      remap_rows (table, self->width, self->height, x, y, u1, v1, image, stride, 3, out, out_stride);
      break;
    default:
      remap_rows (table, self->width, self->height, x, y, u1, v1, image, stride, channels, out, out_stride);
      break;
    }
  return TRUE;
}

/* Depth along the rectified left camera's axis, Z = f·B/d, in the rig's
 * units; +inf where the disparity has no value or is not positive. */
void
px_stereo_rectifier_depth_from_disparity (PxStereoRectifier *self,
                                          const float       *disparity,
                                          float             *depth)
{
  double fb;

  g_return_if_fail (PX_IS_STEREO_RECTIFIER (self));

  fb = self->focal * self->baseline;
  for (gsize i = 0; i < (gsize) self->width * self->height; i++)
    depth[i] = isfinite (disparity[i]) && disparity[i] > 0 ? (float) (fb / disparity[i]) : INFINITY;
}

/* The grid of a depth map at @step: one cell per @step × @step pixels of
 * the original left image, rounded up. */
void
px_stereo_rectifier_get_grid_size (PxStereoRectifier *self,
                                   guint              step,
                                   guint             *width,
                                   guint             *height)
{
  g_return_if_fail (PX_IS_STEREO_RECTIFIER (self));
  step = MAX (step, 1);
  *width = (self->width + step - 1) / step;
  *height = (self->height + step - 1) / step;
}

/* Computes where the cells of the depth grid of @step land once
 * rectified, so that the first frame costs no more than the next. */
void
px_stereo_rectifier_prepare_left_grid (PxStereoRectifier *self,
                                       guint              step)
{
  guint width, height;

  g_return_if_fail (PX_IS_STEREO_RECTIFIER (self));
  step = MAX (step, 1);
  if (self->grid != NULL && self->grid_step == step)
    return;
  px_stereo_rectifier_get_grid_size (self, step, &width, &height);
  g_free (self->grid);
  self->grid = g_new (float, 2 * (gsize) width * height);
  self->grid_step = step;
  for (guint gy = 0; gy < height; gy++)
    for (guint gx = 0; gx < width; gx++)
      {
        /* The cell's centre in original pixels. */
        double u = MIN (gx * step + (step - 1) / 2.0, self->width - 1);
        double v = MIN (gy * step + (step - 1) / 2.0, self->height - 1);
        double ru = -1, rv = -1;
        float *cell = &self->grid[2 * ((gsize) gy * width + gx)];

        if (!rectify_ray (self, 0, u, v, &ru, &rv))
          ru = rv = -1e9;
        cell[0] = (float) (ru + self->cx);
        cell[1] = (float) (rv + self->cy);
      }
}

/* The unit-depth ray (z = 1) of original left pixel (@u, @v), lens
 * distortion removed, in the left camera's frame: the point at depth Z
 * is Z · ray. */
void
px_stereo_rectifier_left_ray (PxStereoRectifier *self,
                              double             u,
                              double             v,
                              double             ray[3])
{
  const PxCamera *c;

  g_return_if_fail (PX_IS_STEREO_RECTIFIER (self));
  c = &self->cameras[0];
  undistort (c->distortion, (u - c->cx) / c->fx, (v - c->cy) / c->fy, &ray[0], &ray[1]);
  ray[2] = 1;
}

/* Depth in the original left camera's frame (metres along its optical
 * axis) on the grid of @step, from the disparity of the rectified left
 * view: each cell looks up the disparity where its centre lands once
 * rectified (the nearest pixel, so that depth never blends across an
 * edge) and turns it into the depth of the point on its own ray.
 * @depth receives the grid, row by row; +inf where there is no value. */
void
px_stereo_rectifier_left_depth (PxStereoRectifier *self,
                                const float       *disparity,
                                guint              step,
                                float             *depth)
{
  guint width, height;
  const double *r = self->rotations[0];

  g_return_if_fail (PX_IS_STEREO_RECTIFIER (self));

  step = MAX (step, 1);
  px_stereo_rectifier_prepare_left_grid (self, step);
  px_stereo_rectifier_get_grid_size (self, step, &width, &height);
  for (gsize i = 0; i < (gsize) width * height; i++)
    {
      double ru = self->grid[2 * i], rv = self->grid[2 * i + 1];
      /* The nearest pixel (cells off the image have huge negative ones). */
      long x = (long) floor (ru + 0.5), y = (long) floor (rv + 0.5);
      float d;
      double z_rect, ray[3], z;

      depth[i] = INFINITY;
      if (x < 0 || y < 0 || x >= (long) self->width || y >= (long) self->height)
        continue;
      d = disparity[(gsize) y * self->width + x];
      if (!isfinite (d) || d <= 0)
        continue;
      /* The point in the rectified frame, then back in the original one:
       * X = R1ᵀ · X_rect; its z is the third column of R1 dotted with it. */
      z_rect = self->focal * self->baseline / d;
      ray[0] = (ru - self->cx) / self->focal * z_rect;
      ray[1] = (rv - self->cy) / self->focal * z_rect;
      ray[2] = z_rect;
      z = r[2] * ray[0] + r[5] * ray[1] + r[8] * ray[2];
      depth[i] = z > 0 ? (float) z : INFINITY;
    }
}
