/* test-rectify.c: rectification of a rig the test makes itself
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "recon/px-recon-error.h"
#include "recon/px-stereo-calibration.h"
#include "recon/px-stereo-rectifier.h"

#define WIDTH 640
#define HEIGHT 480

/* A camera at @centre (in the left camera's frame) turned by @turn
 * (a rotation vector), with a mildly distorting lens. */
static PxCamera
make_camera (const char   *id,
             const double  turn[3],
             const double  centre[3],
             double        focal)
{
  PxCamera camera = { (char *) id, WIDTH, HEIGHT, focal, focal * 1.002, 321.0, 238.0,
                      { -0.12, 0.03, 0.0008, -0.0005, 0.0 }, { 0, }, { 0, } };

  px_rotation_from_vector (turn, camera.rotation);
  for (int i = 0; i < 3; i++)
    camera.translation[i] = -(camera.rotation[3 * i] * centre[0] + camera.rotation[3 * i + 1] * centre[1]
                              + camera.rotation[3 * i + 2] * centre[2]);
  return camera;
}

/* Pixel of a world point seen by @camera, with its lens distortion. */
static gboolean
project (const PxCamera *camera,
         const double    point[3],
         double         *u,
         double         *v)
{
  const double *r = camera->rotation, *k = camera->distortion;
  double p[3], x, y, r2, radial, xd, yd;

  for (int i = 0; i < 3; i++)
    p[i] = r[3 * i] * point[0] + r[3 * i + 1] * point[1] + r[3 * i + 2] * point[2] + camera->translation[i];
  if (p[2] <= 0.1)
    return FALSE;
  x = p[0] / p[2];
  y = p[1] / p[2];
  r2 = x * x + y * y;
  radial = 1 + k[0] * r2 + k[1] * r2 * r2 + k[4] * r2 * r2 * r2;
  xd = x * radial + 2 * k[2] * x * y + k[3] * (r2 + 2 * x * x);
  yd = y * radial + k[2] * (r2 + 2 * y * y) + 2 * k[3] * x * y;
  *u = camera->fx * xd + camera->cx;
  *v = camera->fy * yd + camera->cy;
  return *u >= 0 && *v >= 0 && *u <= WIDTH - 1 && *v <= HEIGHT - 1;
}

static void
make_rig (PxCamera *left,
          PxCamera *right)
{
  const double none[3] = { 0, 0, 0 };
  const double turn[3] = { 0.02, -0.09, 0.03 };
  const double centre[3] = { 0.12, 0.01, 0.006 };

  *left = make_camera ("left", none, none, 600);
  *right = make_camera ("right", turn, centre, 590);
}

/* Projected points share rows once rectified, and their disparity gives
 * back their depth. */
static void
test_rectify_points (void)
{
  PxCamera left, right;
  g_autoptr(GError) error = NULL;
  g_autoptr(PxStereoRectifier) rectifier = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  double focal, cx, cy, r1[9], baseline, worst_dy = 0, projections[2][12];
  int seen = 0;

  make_rig (&left, &right);
  rectifier = px_stereo_rectifier_new (&left, &right, &error);
  g_assert_no_error (error);
  px_stereo_rectifier_get_intrinsics (rectifier, &focal, &cx, &cy);
  px_stereo_rectifier_get_rotation (rectifier, PX_STEREO_LEFT, r1);
  baseline = px_stereo_rectifier_get_baseline (rectifier);
  px_stereo_rectifier_get_projection (rectifier, PX_STEREO_LEFT, projections[0]);
  px_stereo_rectifier_get_projection (rectifier, PX_STEREO_RIGHT, projections[1]);
  g_assert_cmpfloat_with_epsilon (baseline, sqrt (0.12 * 0.12 + 0.01 * 0.01 + 0.006 * 0.006), 1e-9);
  g_assert_cmpfloat (focal, ==, 590 * 1.002);

  for (int i = 0; i < 2000; i++)
    {
      double point[3] = { g_rand_double_range (rand, -1.5, 1.5), g_rand_double_range (rand, -1, 1),
                          g_rand_double_range (rand, 0.8, 4.0) };
      double ul, vl, ur, vr, rul, rvl, rur, rvr, z;

      if (!project (&left, point, &ul, &vl) || !project (&right, point, &ur, &vr))
        continue;
      g_assert_true (px_stereo_rectifier_rectify_point (rectifier, PX_STEREO_LEFT, ul, vl, &rul, &rvl));
      g_assert_true (px_stereo_rectifier_rectify_point (rectifier, PX_STEREO_RIGHT, ur, vr, &rur, &rvr));
      worst_dy = MAX (worst_dy, fabs (rvl - rvr));
      g_assert_cmpfloat (rul - rur, >, 0);
      /* P1 and P2 project the point, in the rectified left frame, where
       * the rectified pixels are. */
      {
        double rect[3], p[2][3];

        for (int k = 0; k < 3; k++)
          rect[k] = r1[3 * k] * point[0] + r1[3 * k + 1] * point[1] + r1[3 * k + 2] * point[2];
        for (int side = 0; side < 2; side++)
          for (int k = 0; k < 3; k++)
            p[side][k] = projections[side][4 * k] * rect[0] + projections[side][4 * k + 1] * rect[1]
                         + projections[side][4 * k + 2] * rect[2] + projections[side][4 * k + 3];
        g_assert_cmpfloat_with_epsilon (p[0][0] / p[0][2], rul, 1e-6);
        g_assert_cmpfloat_with_epsilon (p[0][1] / p[0][2], rvl, 1e-6);
        g_assert_cmpfloat_with_epsilon (p[1][0] / p[1][2], rur, 1e-6);
        g_assert_cmpfloat_with_epsilon (p[1][1] / p[1][2], rvr, 1e-6);
      }
      /* Depth along the rectified left axis. */
      z = r1[6] * point[0] + r1[7] * point[1] + r1[8] * point[2];
      g_assert_cmpfloat_with_epsilon (focal * baseline / (rul - rur), z, 1e-6 * z);
      seen++;
    }
  g_test_message ("%d points, worst |dy| %.2g px", seen, worst_dy);
  g_assert_cmpint (seen, >, 500);
  g_assert_cmpfloat (worst_dy, <, 1e-6);
}

/* The remap tables agree with the point mapping: bright dots drawn where
 * points project land where rectify_point() says, on the same rows. */
static void
test_rectify_images (void)
{
  PxCamera cameras[2];
  g_autoptr(GError) error = NULL;
  g_autoptr(PxStereoRectifier) rectifier = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  g_autofree guint8 *images = g_new0 (guint8, 2 * WIDTH * HEIGHT);
  g_autofree guint8 *rectified = g_new0 (guint8, 2 * WIDTH * HEIGHT);
  double points[12][3];
  double worst = 0, worst_rows = 0;
  int checked = 0;

  make_rig (&cameras[0], &cameras[1]);
  rectifier = px_stereo_rectifier_new (&cameras[0], &cameras[1], &error);
  g_assert_no_error (error);

  for (int i = 0; i < 12; i++)
    {
      points[i][0] = g_rand_double_range (rand, -0.5, 0.5);
      points[i][1] = g_rand_double_range (rand, -0.4, 0.4);
      points[i][2] = g_rand_double_range (rand, 1.5, 3.0);
    }
  /* Gaussian dots of 2 px radius around each projection. */
  for (int side = 0; side < 2; side++)
    for (int i = 0; i < 12; i++)
      {
        double u, v;

        if (!project (&cameras[side], points[i], &u, &v))
          continue;
        for (int y = (int) v - 8; y <= (int) v + 8; y++)
          for (int x = (int) u - 8; x <= (int) u + 8; x++)
            if (x >= 0 && y >= 0 && x < WIDTH && y < HEIGHT)
              {
                double d2 = (x - u) * (x - u) + (y - v) * (y - v);
                int value = images[side * WIDTH * HEIGHT + y * WIDTH + x] + (int) (250 * exp (-d2 / 8));

                images[side * WIDTH * HEIGHT + y * WIDTH + x] = (guint8) MIN (value, 255);
              }
      }
  for (int side = 0; side < 2; side++)
    g_assert_true (px_stereo_rectifier_remap (rectifier, side, images + side * WIDTH * HEIGHT, WIDTH, 1,
                                              rectified + side * WIDTH * HEIGHT, WIDTH, &error));

  for (int i = 0; i < 12; i++)
    {
      double centroid_y[2];
      gboolean ok = TRUE;

      for (int side = 0; side < 2 && ok; side++)
        {
          double u, v, ru, rv, sum = 0, sx = 0, sy = 0;

          if (!project (&cameras[side], points[i], &u, &v)
              || !px_stereo_rectifier_rectify_point (rectifier, side, u, v, &ru, &rv)
              || ru < 10 || rv < 10 || ru > WIDTH - 11 || rv > HEIGHT - 11)
            {
              ok = FALSE;
              break;
            }
          for (int y = (int) rv - 6; y <= (int) rv + 6; y++)
            for (int x = (int) ru - 6; x <= (int) ru + 6; x++)
              {
                double w = rectified[side * WIDTH * HEIGHT + y * WIDTH + x];

                sum += w;
                sx += w * x;
                sy += w * y;
              }
          g_assert_cmpfloat (sum, >, 0);
          worst = MAX (worst, hypot (sx / sum - ru, sy / sum - rv));
          centroid_y[side] = sy / sum;
        }
      if (!ok)
        continue;
      worst_rows = MAX (worst_rows, fabs (centroid_y[0] - centroid_y[1]));
      checked++;
    }
  g_test_message ("%d dots, worst offset %.3f px, worst row difference %.3f px", checked, worst, worst_rows);
  g_assert_cmpint (checked, >=, 6);
  g_assert_cmpfloat (worst, <, 0.3);
  g_assert_cmpfloat (worst_rows, <, 0.3);

  /* A bad stride is refused. */
  g_assert_false (px_stereo_rectifier_remap (rectifier, PX_STEREO_LEFT, images, WIDTH / 2, 1, rectified, WIDTH, &error));
  g_assert_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT);
}

static void
expect_not_rectifiable (const double  turn[3],
                        const double  centre[3],
                        const char   *what)
{
  const double none[3] = { 0, 0, 0 };
  PxCamera left = make_camera ("left", none, none, 600);
  PxCamera right = make_camera ("right", turn, centre, 600);
  g_autoptr(GError) error = NULL;
  g_autoptr(PxStereoRectifier) rectifier = px_stereo_rectifier_new (&left, &right, &error);

  g_assert_null (rectifier);
  g_assert_error (error, PX_RECON_ERROR, PX_RECON_ERROR_NOT_RECTIFIABLE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, what));
}

static void
test_rectify_impossible (void)
{
  const double none[3] = { 0, 0, 0 };
  const double half_turn[3] = { 0, G_PI, 0 };
  const double quarter_turn[3] = { 0, G_PI / 2, 0 };
  const double side[3] = { 0.12, 0, 0 };
  const double above[3] = { 0, -0.12, 0 };
  const double behind[3] = { 0.01, 0, -0.3 };
  const double left_of[3] = { -0.12, 0, 0 };
  PxCamera a = make_camera ("left", none, none, 600);
  PxCamera b = make_camera ("right", none, side, 600);
  g_autoptr(GError) error = NULL;

  expect_not_rectifiable (none, none, "zero baseline");
  expect_not_rectifiable (none, above, "not side by side");
  expect_not_rectifiable (none, behind, "not side by side");
  expect_not_rectifiable (half_turn, side, "optical axes are 180°");
  expect_not_rectifiable (quarter_turn, side, "optical axes");
  /* Cameras on top of each other looking in opposite directions. */
  expect_not_rectifiable (half_turn, above, "optical axes");
  expect_not_rectifiable (none, left_of, "swap");

  b.width = 320;
  g_assert_null (px_stereo_rectifier_new (&a, &b, &error));
  g_assert_error (error, PX_RECON_ERROR, PX_RECON_ERROR_SIZE_MISMATCH);
  g_clear_error (&error);

  b.width = WIDTH;
  b.fx = 0;
  g_assert_null (px_stereo_rectifier_new (&a, &b, &error));
  g_assert_error (error, PX_RECON_ERROR, PX_RECON_ERROR_PARSE);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/recon/rectify/points", test_rectify_points);
  g_test_add_func ("/recon/rectify/images", test_rectify_images);
  g_test_add_func ("/recon/rectify/impossible", test_rectify_impossible);

  return g_test_run ();
}
