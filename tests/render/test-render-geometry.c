/* test-render-geometry.c: layout, projection and camera maths, no GL
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "render/px-participant.h"
#include "render/px-stage-layout.h"
#include "px-test-scene.h"

static void
test_layout_fits (void)
{
  const PxStageLayoutItem items[] = { { 0.6, 1.8 }, { 0.5, 1.6 }, { 0.2, 1.7 } };
  double centers[3];
  double scale = px_stage_layout_compute (items, 3, 3.0, 2.0, centers);
  double total = 0.6 + 0.5 + PX_STAGE_LAYOUT_MIN_WIDTH_M + 2 * PX_STAGE_LAYOUT_GAP_M;

  g_assert_cmpfloat (scale, ==, 1.0);
  /* Left to right, centred, the narrow one given its minimum width. */
  g_assert_cmpfloat_with_epsilon (centers[0], -total / 2 + 0.3, 1e-9);
  g_assert_cmpfloat_with_epsilon (centers[1], centers[0] + 0.3 + PX_STAGE_LAYOUT_GAP_M + 0.25, 1e-9);
  g_assert_cmpfloat_with_epsilon (centers[2], total / 2 - PX_STAGE_LAYOUT_MIN_WIDTH_M / 2, 1e-9);
}

static void
test_layout_scaled (void)
{
  const PxStageLayoutItem tall[] = { { 0.6, 1.75 } };
  const PxStageLayoutItem crowd[] = { { 0.6, 1.0 }, { 0.6, 1.0 }, { 0.6, 1.0 }, { 0.6, 1.0 } };
  double centers[4];
  double scale;

  /* Too tall for a monitor: the height decides. */
  scale = px_stage_layout_compute (tall, 1, 0.6, 0.35, centers);
  g_assert_cmpfloat_with_epsilon (scale, 0.2, 1e-9);
  g_assert_cmpfloat (centers[0], ==, 0.0);

  /* Four children on a wide, low screen: the width decides. */
  scale = px_stage_layout_compute (crowd, 4, 2.0, 1.2, centers);
  g_assert_cmpfloat_with_epsilon (scale, 2.0 / (4 * 0.6 + 3 * PX_STAGE_LAYOUT_GAP_M), 1e-9);

  /* Nobody: nothing to shrink. */
  g_assert_cmpfloat (px_stage_layout_compute (NULL, 0, 0.3, 0.2, centers), ==, 1.0);
}

static void
project (const float  m[16],
         const double p[3],
         double       ndc[3])
{
  double clip[4];

  for (int row = 0; row < 4; row++)
    clip[row] = m[0 * 4 + row] * p[0] + m[1 * 4 + row] * p[1] + m[2 * 4 + row] * p[2] + m[3 * 4 + row];
  for (int i = 0; i < 3; i++)
    ndc[i] = clip[i] / clip[3];
}

/* Whatever the eye's position, a point on the glass lands where it is on
 * the glass, and the glass's corners are the viewport's corners. */
static void
test_off_axis_projection (void)
{
  const double eyes[][3] = { { 0, 0.5, 0.6 }, { 0.3, 0.1, 0.8 }, { -1.2, 1.4, 3.0 } };

  for (gsize e = 0; e < G_N_ELEMENTS (eyes); e++)
    {
      float m[16];
      const double width = 0.8, height = 1.0;
      const double glass_points[][3] = {
        { -0.4, 0.0, 0.0 }, { 0.4, 1.0, 0.0 }, { 0.1, 0.25, 0.0 },
      };

      px_stage_projection (width, height, eyes[e], 0.05, 100.0, m);
      for (gsize i = 0; i < G_N_ELEMENTS (glass_points); i++)
        {
          double ndc[3];

          project (m, glass_points[i], ndc);
          g_assert_cmpfloat_with_epsilon (ndc[0], glass_points[i][0] / (width / 2), 1e-5);
          g_assert_cmpfloat_with_epsilon (ndc[1], glass_points[i][1] / (height / 2) - 1.0, 1e-5);
          g_assert_cmpfloat (fabs (ndc[2]), <, 1.0);
        }

      /* Behind the glass a point appears where the line from the eye to
       * it crosses the glass. */
      {
        const double behind[3] = { 0.4, 1.0, -2.0 };
        double along = eyes[e][2] / (eyes[e][2] - behind[2]);
        double glass_x = eyes[e][0] + (behind[0] - eyes[e][0]) * along;
        double glass_y = eyes[e][1] + (behind[1] - eyes[e][1]) * along;
        double ndc[3];

        project (m, behind, ndc);
        g_assert_cmpfloat_with_epsilon (ndc[0], glass_x / (width / 2), 1e-5);
        g_assert_cmpfloat_with_epsilon (ndc[1], glass_y / (height / 2) - 1.0, 1e-5);
      }
    }
}

static void
test_camera_model (void)
{
  const double eye[3] = { 0.5, 1.2, 2.5 };
  const double target[3] = { 0.0, 1.0, 0.0 };
  const double point[3] = { 0.1, 1.3, -0.2 };
  PxCameraModel camera;
  double center[3], back[3], u, v, depth;
  g_autoptr(GError) error = NULL;

  px_test_camera_init (&camera, 640, 480, 600.0, eye, target);
  g_assert_true (px_camera_model_validate (&camera, &error));
  px_camera_model_center (&camera, center);
  for (int i = 0; i < 3; i++)
    g_assert_cmpfloat_with_epsilon (center[i], eye[i], 1e-9);

  /* The target is on the optical axis, straight ahead. */
  g_assert_true (px_camera_model_project (&camera, target, &u, &v, &depth));
  g_assert_cmpfloat_with_epsilon (u, camera.cx, 1e-9);
  g_assert_cmpfloat_with_epsilon (v, camera.cy, 1e-9);

  /* Rig y is up, the camera's y is down. */
  g_assert_true (px_camera_model_project (&camera, point, &u, &v, &depth));
  g_assert_cmpfloat (v, <, camera.cy);
  px_camera_model_unproject (&camera, u, v, depth, back);
  for (int i = 0; i < 3; i++)
    g_assert_cmpfloat_with_epsilon (back[i], point[i], 1e-9);

  /* Behind the camera there is no pixel. */
  {
    const double behind[3] = { 1.0, 1.4, 5.0 };

    g_assert_false (px_camera_model_project (&camera, behind, &u, &v, &depth));
  }
}

static void
test_bad_input (void)
{
  g_autoptr(PxParticipant) volumetric = px_participant_new (PX_PARTICIPANT_VOLUMETRIC, "v");
  g_autoptr(PxParticipant) flat = px_participant_new (PX_PARTICIPANT_FLAT, "f");
  const double eye[3] = { 0, 1, 3 }, target[3] = { 0, 1, 0 };
  guint8 pixels[16 * 16 * 4] = { 0 };
  float depth[8 * 8];
  PxParticipantView view = {
    .color = { .format = PX_COLOR_FORMAT_RGBA, .width = 16, .height = 16,
               .planes = { pixels }, .strides = { 64 } },
    .depth = depth, .depth_width = 8, .depth_height = 8, .depth_stride = 8,
  };
  PxColorFrame odd = {
    .format = PX_COLOR_FORMAT_I420, .width = 15, .height = 16,
    .planes = { pixels, pixels, pixels }, .strides = { 15, 8, 8 },
  };
  PxParticipantView many[PX_PARTICIPANT_MAX_VIEWS + 1];
  GError *error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (depth); i++)
    depth[i] = 3.0f;
  px_test_camera_init (&view.camera, 16, 16, 20.0, eye, target);
  g_assert_true (px_participant_set_views (volumetric, &view, 1, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (px_participant_get_generation (volumetric), ==, 1);

  /* A scaled "rotation". */
  view.camera.rotation[0] *= 2;
  g_assert_false (px_participant_set_views (volumetric, &view, 1, &error));
  g_assert_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  view.camera.rotation[0] /= 2;

  /* Intrinsics that are not numbers. */
  view.camera.fx = NAN;
  g_assert_false (px_participant_set_views (volumetric, &view, 1, &error));
  g_clear_error (&error);
  view.camera.fx = 20.0;

  /* A depth map larger than the image, a stride too short, no depth. */
  view.depth_width = 32;
  g_assert_false (px_participant_set_views (volumetric, &view, 1, &error));
  g_clear_error (&error);
  view.depth_width = 8;
  view.depth_stride = 4;
  g_assert_false (px_participant_set_views (volumetric, &view, 1, &error));
  g_clear_error (&error);
  view.depth_stride = 8;

  /* A colour stride shorter than a row. */
  view.color.strides[0] = 10;
  g_assert_false (px_participant_set_views (volumetric, &view, 1, &error));
  g_clear_error (&error);
  view.color.strides[0] = 64;

  /* Too many views, none, or the wrong kind of participant. */
  for (gsize i = 0; i < G_N_ELEMENTS (many); i++)
    many[i] = view;
  g_assert_false (px_participant_set_views (volumetric, many, G_N_ELEMENTS (many), &error));
  g_clear_error (&error);
  g_assert_false (px_participant_set_views (volumetric, many, 0, &error));
  g_clear_error (&error);
  g_assert_false (px_participant_set_views (flat, &view, 1, &error));
  g_clear_error (&error);
  g_assert_false (px_participant_set_flat_frame (volumetric, &view.color, 1.0, &error));
  g_clear_error (&error);

  /* Odd I420, absurd heights. */
  g_assert_false (px_participant_set_flat_frame (flat, &odd, 1.0, &error));
  g_clear_error (&error);
  g_assert_false (px_participant_set_flat_frame (flat, &view.color, -1.0, &error));
  g_clear_error (&error);
  g_assert_false (px_participant_set_flat_frame (flat, &view.color, NAN, &error));
  g_clear_error (&error);

  /* Nothing bad was published. */
  g_assert_cmpuint (px_participant_get_generation (volumetric), ==, 1);
  g_assert_cmpuint (px_participant_get_generation (flat), ==, 0);
  g_assert_false (px_participant_get_height (flat, NULL));
}

/* The height comes from the depth, or from a rig's capture volume. */
static void
test_participant_extent (void)
{
  g_autoptr(PxParticipant) person = px_test_billboard_person (1.75, PX_COLOR_FORMAT_I420, 0.0);
  const double min[3] = { -1, 0, -1 }, max[3] = { 1, 2.2, 1 };
  double height = 0;

  g_assert_true (px_participant_get_height (person, &height));
  g_assert_cmpfloat_with_epsilon (height, 1.75, 0.01);
  g_assert_cmpuint (px_participant_get_generation (person), ==, 1);

  px_participant_set_capture_volume (person, min, max);
  /* Applies from the next frame. */
  g_assert_true (px_participant_get_height (person, &height));
  g_assert_cmpfloat_with_epsilon (height, 1.75, 0.01);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/render/layout/fits", test_layout_fits);
  g_test_add_func ("/render/layout/scaled", test_layout_scaled);
  g_test_add_func ("/render/projection/off-axis", test_off_axis_projection);
  g_test_add_func ("/render/camera-model", test_camera_model);
  g_test_add_func ("/render/participant/bad-input", test_bad_input);
  g_test_add_func ("/render/participant/extent", test_participant_extent);

  return g_test_run ();
}
