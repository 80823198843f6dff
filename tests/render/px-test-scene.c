/* px-test-scene.c: synthetic views with exact geometry for render tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "px-test-scene.h"

void
px_test_camera_init (PxCameraModel *camera,
                     int            width,
                     int            height,
                     double         focal,
                     const double   eye[3],
                     const double   target[3])
{
  memset (camera, 0, sizeof *camera);
  camera->width = width;
  camera->height = height;
  camera->fx = focal;
  camera->fy = focal;
  camera->cx = (width - 1) / 2.0;
  camera->cy = (height - 1) / 2.0;
  px_camera_model_look_at (camera, eye, target);
}

/* BT.601 limited range, as a camera would encode it. */
void
px_test_rgb_to_yuv (const guint8 rgb[3],
                    guint8       yuv[3])
{
  double r = rgb[0], g = rgb[1], b = rgb[2];

  yuv[0] = (guint8) CLAMP (lround (16 + 0.256788 * r + 0.504129 * g + 0.097906 * b), 0, 255);
  yuv[1] = (guint8) CLAMP (lround (128 - 0.148223 * r - 0.290993 * g + 0.439216 * b), 0, 255);
  yuv[2] = (guint8) CLAMP (lround (128 + 0.439216 * r - 0.367788 * g - 0.071427 * b), 0, 255);
}

/* The nearest rectangle along the ray through pixel (u, v); returns its
 * index or -1, with the depth along the optical axis and the hit x. */
static int
px_test_cast (const PxTestScene   *scene,
              const PxCameraModel *camera,
              double               u,
              double               v,
              double              *depth,
              double              *hit_x)
{
  double center[3], ahead[3], direction[3];
  int best = -1;
  double best_t = G_MAXDOUBLE;

  px_camera_model_center (camera, center);
  px_camera_model_unproject (camera, u, v, 1.0, ahead);
  for (int i = 0; i < 3; i++)
    direction[i] = ahead[i] - center[i];

  for (guint i = 0; i < scene->n_rects; i++)
    {
      const PxTestRect *rect = &scene->rects[i];
      double t, x, y;

      if (fabs (direction[2]) < 1e-12)
        continue;
      t = (rect->z - center[2]) / direction[2];
      if (t <= 0 || t >= best_t)
        continue;
      x = center[0] + t * direction[0];
      y = center[1] + t * direction[1];
      if (x < rect->min_x || x > rect->max_x || y < rect->min_y || y > rect->max_y)
        continue;
      best = (int) i;
      best_t = t;
      *hit_x = x;
    }

  /* The direction has unit camera z, so t is the depth. */
  *depth = best_t;
  return best;
}

void
px_test_view_render (PxTestView          *out,
                     const PxTestScene   *scene,
                     const PxCameraModel *camera,
                     PxColorFormat        format,
                     int                  depth_step)
{
  int width = camera->width, height = camera->height;
  int depth_width = width / depth_step, depth_height = height / depth_step;
  const guint8 background[3] = { 40, 40, 40 };
  guint8 *y_plane, *u_plane = NULL, *v_plane = NULL;

  memset (out, 0, sizeof *out);
  out->view.camera = *camera;
  out->view.color.format = format;
  out->view.color.width = width;
  out->view.color.height = height;

  if (format == PX_COLOR_FORMAT_RGBA)
    {
      out->pixels = g_malloc ((gsize) width * height * 4);
      out->view.color.planes[0] = out->pixels;
      out->view.color.strides[0] = width * 4;
      y_plane = out->pixels;
    }
  else
    {
      out->pixels = g_malloc ((gsize) width * height * 3 / 2);
      y_plane = out->pixels;
      u_plane = y_plane + (gsize) width * height;
      v_plane = u_plane + (gsize) width * height / 4;
      out->view.color.planes[0] = y_plane;
      out->view.color.planes[1] = u_plane;
      out->view.color.planes[2] = v_plane;
      out->view.color.strides[0] = width;
      out->view.color.strides[1] = width / 2;
      out->view.color.strides[2] = width / 2;
    }

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        double depth, hit_x;
        int hit = px_test_cast (scene, camera, x, y, &depth, &hit_x);
        const guint8 *rgb = hit >= 0 ? scene->rects[hit].rgb : background;

        if (format == PX_COLOR_FORMAT_RGBA)
          {
            guint8 *p = y_plane + ((gsize) y * width + x) * 4;

            p[0] = rgb[0];
            p[1] = rgb[1];
            p[2] = rgb[2];
            p[3] = 255;
          }
        else
          {
            guint8 yuv[3];

            px_test_rgb_to_yuv (rgb, yuv);
            y_plane[(gsize) y * width + x] = yuv[0];
            if (x % 2 == 0 && y % 2 == 0)
              {
                u_plane[(gsize) (y / 2) * (width / 2) + x / 2] = yuv[1];
                v_plane[(gsize) (y / 2) * (width / 2) + x / 2] = yuv[2];
              }
          }
      }

  out->depth = g_new (float, (gsize) depth_width * depth_height);
  out->view.depth = out->depth;
  out->view.depth_width = depth_width;
  out->view.depth_height = depth_height;
  out->view.depth_stride = depth_width;

  for (int y = 0; y < depth_height; y++)
    for (int x = 0; x < depth_width; x++)
      {
        double u = (x + 0.5) * width / depth_width - 0.5;
        double v = (y + 0.5) * height / depth_height - 0.5;
        double depth, hit_x = 0;
        int hit = px_test_cast (scene, camera, u, v, &depth, &hit_x);
        float value = hit >= 0 ? (float) depth : 0.0f;

        if (hit >= 0 && scene->gap_min_x < scene->gap_max_x &&
            hit_x >= scene->gap_min_x && hit_x <= scene->gap_max_x)
          value = scene->gap_value;
        out->depth[(gsize) y * depth_width + x] = value;
      }
}

void
px_test_view_clear (PxTestView *view)
{
  g_clear_pointer (&view->pixels, g_free);
  g_clear_pointer (&view->depth, g_free);
}

PxParticipant *
px_test_billboard_person (double        height,
                          PxColorFormat format,
                          double        x_offset)
{
  const PxTestRect person = {
    .z = 0.0, .min_x = x_offset - 0.25, .max_x = x_offset + 0.25,
    .min_y = 0.0, .max_y = height, .rgb = { 200, 120, 90 },
  };
  const PxTestScene scene = { .rects = &person, .n_rects = 1 };
  const double eye[3] = { x_offset, height * 0.55, 3.0 };
  const double target[3] = { x_offset, height * 0.55, 0.0 };
  PxCameraModel camera;
  PxTestView view;
  PxParticipant *participant = px_participant_new (PX_PARTICIPANT_VOLUMETRIC, "billboard");
  g_autoptr(GError) error = NULL;

  /* A lens wide enough to see all of a tall person from 3 m. */
  px_test_camera_init (&camera, 640, 480, 600.0 * 1.75 / MAX (height, 1.75), eye, target);
  px_test_view_render (&view, &scene, &camera, format, 2);
  if (!px_participant_set_views (participant, &view.view, 1, &error))
    g_error ("Synthetic view rejected: %s", error->message);
  px_test_view_clear (&view);

  return participant;
}
