/* px-render-types.c: checks and geometry of the renderer's inputs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "render/px-render-types.h"

G_DEFINE_QUARK (px-render-error-quark, px_render_error)

/* Frames beyond this are a corrupt header, not a camera. */
#define PX_MAX_FRAME_SIDE 8192

gboolean
px_color_frame_validate (const PxColorFrame  *frame,
                         GError             **error)
{
  int n_planes;

  if (frame->width <= 0 || frame->height <= 0 ||
      frame->width > PX_MAX_FRAME_SIDE || frame->height > PX_MAX_FRAME_SIDE)
    {
      g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_INVALID_INPUT,
                   "Colour frame size %dx%d is out of range", frame->width, frame->height);
      return FALSE;
    }

  switch (frame->format)
    {
    case PX_COLOR_FORMAT_I420:
      n_planes = 3;
      if (frame->width % 2 != 0 || frame->height % 2 != 0)
        {
          g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_INVALID_INPUT,
                       "An I420 frame needs an even size, not %dx%d", frame->width, frame->height);
          return FALSE;
        }
      break;
    case PX_COLOR_FORMAT_RGBA:
      n_planes = 1;
      break;
    default:
      g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_INVALID_INPUT,
                   "Unknown colour format %d", frame->format);
      return FALSE;
    }

  for (int i = 0; i < n_planes; i++)
    {
      int min_stride;

      if (frame->format == PX_COLOR_FORMAT_RGBA)
        min_stride = frame->width * 4;
      else
        min_stride = i == 0 ? frame->width : frame->width / 2;

      if (frame->planes[i] == NULL || frame->strides[i] < min_stride)
        {
          g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_INVALID_INPUT,
                       "Plane %d of the colour frame is missing or its stride %d is "
                       "below %d", i, frame->strides[i], min_stride);
          return FALSE;
        }
    }

  return TRUE;
}

gboolean
px_camera_model_validate (const PxCameraModel  *camera,
                          GError              **error)
{
  double det;
  const double *r = camera->rotation;

  if (camera->width <= 0 || camera->height <= 0 ||
      camera->width > PX_MAX_FRAME_SIDE || camera->height > PX_MAX_FRAME_SIDE)
    {
      g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_INVALID_INPUT,
                   "Camera image size %dx%d is out of range", camera->width, camera->height);
      return FALSE;
    }
  if (!(isfinite (camera->fx) && isfinite (camera->fy) && camera->fx > 0 && camera->fy > 0 &&
        isfinite (camera->cx) && isfinite (camera->cy)))
    {
      g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_INVALID_INPUT,
                   "Camera intrinsics must be finite with positive focal lengths");
      return FALSE;
    }
  for (int i = 0; i < 3; i++)
    if (!isfinite (camera->translation[i]))
      {
        g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_INVALID_INPUT,
                     "Camera translation is not finite");
        return FALSE;
      }

  /* A pose from a file may be anything; the shaders assume R⁻¹ = Rᵀ. */
  det = r[0] * (r[4] * r[8] - r[5] * r[7])
      - r[1] * (r[3] * r[8] - r[5] * r[6])
      + r[2] * (r[3] * r[7] - r[4] * r[6]);
  if (!isfinite (det) || fabs (det - 1.0) > 1e-3)
    {
      g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_INVALID_INPUT,
                   "Camera rotation is not a rotation (determinant %g)", det);
      return FALSE;
    }
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      {
        double dot = r[i * 3] * r[j * 3] + r[i * 3 + 1] * r[j * 3 + 1] + r[i * 3 + 2] * r[j * 3 + 2];

        if (fabs (dot - (i == j ? 1.0 : 0.0)) > 1e-3)
          {
            g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_INVALID_INPUT,
                         "Camera rotation is not orthonormal");
            return FALSE;
          }
      }

  return TRUE;
}

/* The camera's centre in the rig frame: C = -Rᵀ t. */
void
px_camera_model_center (const PxCameraModel *camera,
                        double               center[3])
{
  const double *r = camera->rotation;
  const double *t = camera->translation;

  for (int i = 0; i < 3; i++)
    center[i] = -(r[i] * t[0] + r[3 + i] * t[1] + r[6 + i] * t[2]);
}

/* Pixel (u, v) at @depth metres along the optical axis, in the rig frame. */
void
px_camera_model_unproject (const PxCameraModel *camera,
                           double               u,
                           double               v,
                           double               depth,
                           double               rig_point[3])
{
  const double *r = camera->rotation;
  const double *t = camera->translation;
  double cam[3];

  cam[0] = (u - camera->cx) / camera->fx * depth - t[0];
  cam[1] = (v - camera->cy) / camera->fy * depth - t[1];
  cam[2] = depth - t[2];

  for (int i = 0; i < 3; i++)
    rig_point[i] = r[i] * cam[0] + r[3 + i] * cam[1] + r[6 + i] * cam[2];
}

/* Returns FALSE for a point behind the camera. */
gboolean
px_camera_model_project (const PxCameraModel *camera,
                         const double         rig_point[3],
                         double              *u,
                         double              *v,
                         double              *depth)
{
  const double *r = camera->rotation;
  const double *t = camera->translation;
  double cam[3];

  for (int i = 0; i < 3; i++)
    cam[i] = r[i * 3] * rig_point[0] + r[i * 3 + 1] * rig_point[1] + r[i * 3 + 2] * rig_point[2] + t[i];

  if (depth != NULL)
    *depth = cam[2];
  if (cam[2] <= 1e-9)
    return FALSE;

  if (u != NULL)
    *u = camera->fx * cam[0] / cam[2] + camera->cx;
  if (v != NULL)
    *v = camera->fy * cam[1] / cam[2] + camera->cy;
  return TRUE;
}

static void
px_normalize3 (double v[3])
{
  double n = sqrt (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);

  if (n > 0)
    for (int i = 0; i < 3; i++)
      v[i] /= n;
}

static void
px_cross3 (const double a[3],
           const double b[3],
           double       out[3])
{
  out[0] = a[1] * b[2] - a[2] * b[1];
  out[1] = a[2] * b[0] - a[0] * b[2];
  out[2] = a[0] * b[1] - a[1] * b[0];
}

/* Points the camera from @eye at @target with the rig's y axis up (the
 * camera's own y points down, as OpenCV's does). */
void
px_camera_model_look_at (PxCameraModel *camera,
                         const double   eye[3],
                         const double   target[3])
{
  const double up[3] = { 0.0, 1.0, 0.0 };
  double x[3], y[3], z[3];
  double *r = camera->rotation;

  for (int i = 0; i < 3; i++)
    z[i] = target[i] - eye[i];
  px_normalize3 (z);
  px_cross3 (z, up, x);
  px_normalize3 (x);
  px_cross3 (z, x, y);

  for (int i = 0; i < 3; i++)
    {
      r[i] = x[i];
      r[3 + i] = y[i];
      r[6 + i] = z[i];
    }
  for (int i = 0; i < 3; i++)
    camera->translation[i] = -(r[i * 3] * eye[0] + r[i * 3 + 1] * eye[1] + r[i * 3 + 2] * eye[2]);
}

void
px_camera_model_from_rig_camera (const PxCamera *camera,
                                 PxCameraModel  *model)
{
  g_return_if_fail (camera != NULL && model != NULL);

  memset (model, 0, sizeof *model);
  model->width = (int) camera->width;
  model->height = (int) camera->height;
  model->fx = camera->fx;
  model->fy = camera->fy;
  model->cx = camera->cx;
  model->cy = camera->cy;
  memcpy (model->rotation, camera->rotation, sizeof model->rotation);
  memcpy (model->translation, camera->translation, sizeof model->translation);
}
