/* test-studio.c: the synthetic studio's geometry, ground truth and images
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "recon/px-rig.h"
#include "studio/px-studio.h"
#include "studio/px-studio-image.h"

static PxStudio *
new_studio (PxStudioRig *rig,
            double       height,
            guint64      seed,
            guint        threads)
{
  g_autoptr(PxStudioPerson) person = px_studio_person_new (height, seed);

  return px_studio_new (rig, person, seed, threads);
}

/* A camera at @camera_height looking straight along -z from z = @distance. */
static PxStudioRig *
new_level_rig (double camera_height,
               double distance,
               double focal)
{
  PxStudioRig *rig = px_studio_rig_new ("Level");
  PxStudioCamera camera = {
    .id = (char *) "level", .width = 640, .height = 480,
    .fx = focal, .fy = focal, .cx = 319.5, .cy = 239.5,
    .rotation = { 1, 0, 0,  0, -1, 0,  0, 0, -1 },
    .translation = { 0, camera_height, distance },
    .exposure = 1.0,
  };

  px_studio_rig_add_camera (rig, &camera);
  return rig;
}

/* ---- the rig ---------------------------------------------------------------- */

static void
test_default_rig (void)
{
  g_autoptr(PxStudioRig) rig = px_studio_rig_new_default ();
  const PxStudioCamera *left, *right;
  double left_centre[3], right_centre[3];
  const char *pair_left, *pair_right;

  g_assert_cmpuint (px_studio_rig_get_n_cameras (rig), ==, 2);
  left = px_studio_rig_get_camera (rig, 0);
  right = px_studio_rig_get_camera (rig, 1);
  g_assert_cmpstr (left->id, ==, "left");
  g_assert_cmpstr (right->id, ==, "right");
  g_assert_cmpuint (left->width, ==, 640);
  g_assert_cmpuint (left->height, ==, 480);

  /* Parallel cameras 12 cm apart along their own x axis: rectified. */
  px_studio_camera_unproject (left, left->cx, left->cy, 0, left_centre);
  px_studio_camera_unproject (right, right->cx, right->cy, 0, right_centre);
  g_assert_cmpfloat_with_epsilon (right_centre[0] - left_centre[0], 0.12, 1e-12);
  g_assert_cmpfloat_with_epsilon (right_centre[1] - left_centre[1], 0, 1e-12);
  g_assert_cmpfloat_with_epsilon (right_centre[2] - left_centre[2], 0, 1e-12);
  g_assert_cmpmem (left->rotation, sizeof left->rotation, right->rotation,
                   sizeof right->rotation);
  /* 1.5 m in front of the person, who stands at the origin. */
  g_assert_cmpfloat_with_epsilon (left_centre[2], 1.5, 1e-12);

  g_assert_cmpuint (px_studio_rig_get_n_pairs (rig), ==, 1);
  px_studio_rig_get_pair (rig, 0, &pair_left, &pair_right);
  g_assert_cmpstr (pair_left, ==, "left");
  g_assert_cmpstr (pair_right, ==, "right");
}

/* The rig file the studio writes is what the reconstruction reads. */
static void
test_rig_file (void)
{
  g_autoptr(PxStudioRig) rig = px_studio_rig_new_line (3, 0.1, 320, 240, 2.0);
  g_autoptr(PxStudioRig) again = NULL;
  g_autoptr(PxRig) parsed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("px-studio-XXXXXX", &error);
  g_autofree char *path = NULL;

  g_assert_no_error (error);
  path = g_build_filename (dir, "rig.json", NULL);
  g_assert_true (px_studio_rig_save (rig, path, &error));
  g_assert_no_error (error);

  parsed = px_rig_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (px_rig_get_n_cameras (parsed), ==, 3);
  g_assert_cmpuint (px_rig_get_n_pairs (parsed), ==, 2);
  for (guint i = 0; i < 3; i++)
    {
      const PxStudioCamera *ours = px_studio_rig_get_camera (rig, i);
      const PxCamera *theirs = px_rig_get_camera (parsed, i);

      g_assert_cmpstr (ours->id, ==, theirs->id);
      g_assert_cmpuint (ours->width, ==, theirs->width);
      g_assert_cmpfloat_with_epsilon (ours->fx, theirs->fx, 1e-9);
      g_assert_cmpfloat_with_epsilon (ours->cy, theirs->cy, 1e-9);
      for (int k = 0; k < 9; k++)
        g_assert_cmpfloat_with_epsilon (ours->rotation[k], theirs->rotation[k], 1e-12);
      for (int k = 0; k < 3; k++)
        g_assert_cmpfloat_with_epsilon (ours->translation[k], theirs->translation[k], 1e-12);
    }

  again = px_studio_rig_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (px_studio_rig_get_n_cameras (again), ==, 3);
  g_assert_cmpstr (px_studio_rig_get_camera (again, 2)->id, ==, "cam2");

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_rig_refused (void)
{
  static const char *distorted =
    "{ \"version\": 1, \"cameras\": [ { \"id\": \"a\", \"width\": 64, \"height\": 48,"
    " \"fx\": 50, \"fy\": 50, \"cx\": 31.5, \"cy\": 23.5, \"distortion\": [0.1, 0, 0, 0, 0],"
    " \"rotation\": [1,0,0, 0,1,0, 0,0,1], \"translation\": [0, 0, 1] } ] }";
  static const char *broken = "{ \"version\": 1, \"cameras\": [ { \"id\": ";
  g_autoptr(GError) error = NULL;
  g_autoptr(PxStudioRig) rig = NULL;

  rig = px_studio_rig_new_from_data (distorted, -1, &error);
  g_assert_null (rig);
  g_assert_error (error, PX_STUDIO_RIG_ERROR, PX_STUDIO_RIG_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "distortion"));
  g_clear_error (&error);

  rig = px_studio_rig_new_from_data (broken, -1, &error);
  g_assert_null (rig);
  g_assert_nonnull (error);
  g_clear_error (&error);

  rig = px_studio_rig_new_from_file ("/nonexistent/rig.json", &error);
  g_assert_null (rig);
  g_assert_nonnull (error);
}

/* A point of the person projected with the rig's own intrinsics and pose
 * lands on the person in every camera, at the depth the renderer drew. */
static void
check_landmarks (PxStudioRig *rig)
{
  g_autoptr(PxStudio) studio = new_studio (rig, 1.75, 0, 0);
  PxStudioPerson *person = px_studio_get_person (studio);
  const double times[] = { 0.0, 0.9, 2.4 };
  const PxStudioLandmark landmarks[] = { PX_STUDIO_LANDMARK_NOSE_TIP, PX_STUDIO_LANDMARK_CHEST };

  for (guint t = 0; t < G_N_ELEMENTS (times); t++)
    {
      px_studio_render (studio, times[t], t);
      for (guint l = 0; l < G_N_ELEMENTS (landmarks); l++)
        {
          float point[3];
          double rig_point[3];

          px_studio_person_get_landmark (person, times[t], landmarks[l], point);
          for (int k = 0; k < 3; k++)
            rig_point[k] = point[k];
          for (guint c = 0; c < px_studio_rig_get_n_cameras (rig); c++)
            {
              const PxStudioView *view = px_studio_get_view (studio, c);
              double x, y, z;
              gsize index;

              px_studio_camera_project (px_studio_rig_get_camera (rig, c), rig_point, &x, &y, &z);
              g_assert_cmpfloat (x, >, 0);
              g_assert_cmpfloat (x, <, view->width - 1);
              g_assert_cmpfloat (y, >, 0);
              g_assert_cmpfloat (y, <, view->height - 1);
              index = (gsize) lround (y) * view->width + (gsize) lround (x);
              g_assert_cmpuint (view->mask[index], ==, 255);
              /* The nearest pixel centre is within half a pixel of the point: its
               * depth is within what the surface's slope changes over a pixel. */
              g_assert_cmpfloat (fabs (view->depth[index] - z), <,
                                 MAX (0.006, z / px_studio_rig_get_camera (rig, c)->fx));
              if (landmarks[l] == PX_STUDIO_LANDMARK_NOSE_TIP)
                g_assert_cmpuint (view->material[index], ==, PX_STUDIO_MATERIAL_HEAD);
            }
        }
    }
}

/* A point of the person projected with the rig's own intrinsics and pose
 * lands on the person in every camera, at the depth the renderer drew. */
static void
test_landmark_projection (void)
{
  g_autoptr(PxStudioRig) rig = px_studio_rig_new_default ();
  g_autoptr(PxStudioRig) line = px_studio_rig_new_line (3, 0.25, 320, 240, 2.0);

  check_landmarks (rig);
  check_landmarks (line);
}

/* ---- ground truth ----------------------------------------------------------- */

/* Depth along the optical axis at which pixel (x, y)'s ray meets the plane
 * normal · X = offset (rig frame). */
static double
plane_depth (const PxStudioCamera *camera,
             double                x,
             double                y,
             const double          normal[3],
             double                offset)
{
  double origin[3], at_one[3], direction[3], denominator, s;

  px_studio_camera_unproject (camera, x, y, 0, origin);
  px_studio_camera_unproject (camera, x, y, 1, at_one);
  for (int k = 0; k < 3; k++)
    direction[k] = at_one[k] - origin[k];
  denominator = normal[0] * direction[0] + normal[1] * direction[1] + normal[2] * direction[2];
  s = (offset - (normal[0] * origin[0] + normal[1] * origin[1] + normal[2] * origin[2]))
      / denominator;
  return s;  /* the direction has unit depth, so s is the depth */
}

static void
test_plane_depth (void)
{
  g_autoptr(PxStudioRig) rig = px_studio_rig_new_default ();
  g_autoptr(PxStudio) studio = new_studio (rig, 1.75, 0, 0);
  const double wall_normal[3] = { 0, 0, 1 }, floor_normal[3] = { 0, 1, 0 };

  px_studio_render (studio, 0.5, 0);
  for (guint c = 0; c < 2; c++)
    {
      const PxStudioCamera *camera = px_studio_rig_get_camera (rig, c);
      const PxStudioView *view = px_studio_get_view (studio, c);
      guint n_wall = 0, n_floor = 0;
      double worst = 0;

      for (guint y = 0; y < view->height; y++)
        for (guint x = 0; x < view->width; x++)
          {
            gsize i = (gsize) y * view->width + x;
            double expected;

            if (view->material[i] == PX_STUDIO_MATERIAL_WALL)
              {
                expected = plane_depth (camera, x, y, wall_normal, PX_STUDIO_WALL_Z);
                n_wall++;
              }
            else if (view->material[i] == PX_STUDIO_MATERIAL_FLOOR)
              {
                expected = plane_depth (camera, x, y, floor_normal, 0);
                n_floor++;
              }
            else
              continue;
            worst = MAX (worst, fabs (view->depth[i] - expected) / expected);
          }
      g_test_message ("camera %u: %u wall and %u floor pixels, worst relative error %.2g",
                      c, n_wall, n_floor, worst);
      /* The room fills most of the picture, and its depth is exact to float precision. */
      g_assert_cmpuint (n_wall, >, view->width * view->height / 3);
      g_assert_cmpuint (n_floor, >, view->width * view->height / 10);
      g_assert_cmpfloat (worst, <, 1e-5);
    }
}

/* With a level camera far enough that the crown and the soles are seen
 * nearly edge-on, the person's silhouette spans height × f / Z. */
static void
check_height (double height)
{
  const double camera_height = 0.9, distance = 8.0, focal = 1000;
  g_autoptr(PxStudioRig) rig = new_level_rig (camera_height, distance, focal);
  g_autoptr(PxStudio) studio = new_studio (rig, height, 0, 0);
  const PxStudioCamera *camera = px_studio_rig_get_camera (rig, 0);
  const PxStudioView *view;
  int top = -1, bottom = -1;
  double z_top = 0, z_bottom = 0, top_point[3], bottom_point[3];
  double expected_top, expected_bottom;

  px_studio_render (studio, 0, 0);
  view = px_studio_get_view (studio, 0);
  for (guint y = 0; y < view->height; y++)
    for (guint x = 0; x < view->width; x++)
      if (view->mask[(gsize) y * view->width + x])
        {
          double z = view->depth[(gsize) y * view->width + x];

          if (top < 0)
            {
              top = y;
              z_top = z;
            }
          if ((int) y != bottom)
            z_bottom = z;
          else
            z_bottom = MIN (z_bottom, z);
          bottom = y;
        }
  g_assert_cmpint (top, >, 0);
  g_assert_cmpint (bottom, <, (int) view->height - 1);

  expected_top = camera->cy - focal * (height - camera_height) / z_top;
  expected_bottom = camera->cy + focal * camera_height / z_bottom;
  g_test_message ("height %.2f m: rows %d to %d, expected %.1f to %.1f (depths %.3f, %.3f)",
                  height, top, bottom, expected_top, expected_bottom, z_top, z_bottom);
  g_assert_cmpfloat (fabs (top - expected_top), <=, 1.5);
  g_assert_cmpfloat (fabs (bottom - expected_bottom), <=, 1.5);
  g_assert_cmpfloat (fabs ((bottom - top) - height * focal / z_top), <=, 2.0);

  /* And the silhouette's ends, back in the rig frame, are the crown and the soles. */
  px_studio_camera_unproject (camera, camera->cx, top, z_top, top_point);
  px_studio_camera_unproject (camera, camera->cx, bottom, z_bottom, bottom_point);
  g_assert_cmpfloat (fabs (top_point[1] - height), <, 0.012);
  g_assert_cmpfloat (fabs (bottom_point[1]), <, 0.012);
}

static void
test_person_height (void)
{
  check_height (1.75);
  check_height (1.60);
  check_height (1.92);
}

/* The mask is exactly where the person is nearer than the empty room. */
static void
test_mask_matches_depth (void)
{
  g_autoptr(PxStudioRig) rig = px_studio_rig_new_default ();
  g_autoptr(PxStudio) studio = new_studio (rig, 1.75, 0, 0);
  g_autoptr(PxStudio) empty = new_studio (rig, 1.75, 0, 0);

  px_studio_set_show_person (empty, FALSE);
  px_studio_render (studio, 1.0, 0);
  px_studio_render (empty, 1.0, 0);
  for (guint c = 0; c < 2; c++)
    {
      const PxStudioView *view = px_studio_get_view (studio, c);
      const PxStudioView *room = px_studio_get_view (empty, c);
      gsize n = (gsize) view->width * view->height, on_person = 0, nearer = 0;

      for (gsize i = 0; i < n; i++)
        {
          g_assert_cmpuint (room->mask[i], ==, 0);
          if (view->mask[i])
            {
              on_person++;
              g_assert_true (isfinite (view->depth[i]));
              g_assert_cmpfloat (view->depth[i], <=, room->depth[i] + 1e-4);
              nearer += view->depth[i] < room->depth[i] - 1e-3;
            }
          else
            g_assert_cmpfloat (view->depth[i], ==, room->depth[i]);
        }
      /* A person 1.75 m tall at 1.5 m covers a good part of the picture. */
      g_assert_cmpuint (on_person, >, n / 12);
      /* Only where the soles touch the floor is the person not in front of it. */
      g_assert_cmpuint (nearer, >=, on_person - on_person / 200);
    }
}

/* ---- images ------------------------------------------------------------------- */

static gsize
count_differences (const PxStudioView *a,
                   const PxStudioView *b)
{
  gsize differ = 0;

  for (guint y = 0; y < a->height; y++)
    differ += memcmp (a->rgb + (gsize) y * a->rgb_stride, b->rgb + (gsize) y * b->rgb_stride,
                      3 * a->width) != 0 ? 1 : 0;
  return differ;
}

static void
copy_view (const PxStudioView *view,
           guint8            **rgb,
           float             **depth)
{
  gsize n = (gsize) view->width * view->height;

  *rgb = g_memdup2 (view->rgb, 3 * n);
  *depth = g_memdup2 (view->depth, n * sizeof (float));
}

static void
test_motion_and_determinism (void)
{
  g_autoptr(PxStudioRig) rig = px_studio_rig_new_default ();
  g_autoptr(PxStudio) one = NULL;
  g_autoptr(PxStudio) two = NULL;
  g_autofree guint8 *first_rgb = NULL;
  g_autofree float *first_depth = NULL;
  const PxStudioView *view;
  gsize n = 640 * 480, moved = 0;

  px_studio_rig_get_camera (rig, 0)->noise = 2.0;
  px_studio_rig_get_camera (rig, 1)->noise = 2.0;
  one = new_studio (rig, 1.75, 7, 1);
  two = new_studio (rig, 1.75, 7, 2);

  px_studio_render (one, 0.0, 0);
  copy_view (px_studio_get_view (one, 0), &first_rgb, &first_depth);

  /* The same seed, time and frame: the same bytes, whatever the threads. */
  px_studio_render (two, 0.0, 0);
  view = px_studio_get_view (two, 0);
  g_assert_cmpmem (view->rgb, 3 * n, first_rgb, 3 * n);
  g_assert_cmpmem (view->depth, n * sizeof (float), first_depth, n * sizeof (float));

  /* Half a second later the person has moved: breathing, head, hand. */
  px_studio_render (two, 0.5, 15);
  view = px_studio_get_view (two, 0);
  for (gsize i = 0; i < n; i++)
    moved += fabsf (view->depth[i] - first_depth[i]) > 0.002f;
  g_test_message ("%zu pixels changed depth by more than 2 mm in 0.5 s", moved);
  g_assert_cmpuint (moved, >, 500);

  /* Rendering t = 0 again gives the first frame back. */
  px_studio_render (two, 0.0, 0);
  g_assert_cmpmem (px_studio_get_view (two, 0)->rgb, 3 * n, first_rgb, 3 * n);
}

static double
srgb_to_linear (double value)
{
  double c = value / 255.0;

  return c <= 0.04045 ? c / 12.92 : pow ((c + 0.055) / 1.055, 2.4);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static void
test_noise_and_exposure (void)
{
  g_autoptr(PxStudioRig) rig = px_studio_rig_new_default ();
  g_autoptr(PxStudio) clean = NULL;
  g_autoptr(PxStudio) noisy = NULL;
  g_autoptr(PxStudio) dim = NULL;
  g_autofree guint8 *clean_rgb = NULL;
  g_autofree float *clean_depth = NULL;
  const PxStudioView *view;
  gsize n = 640 * 480, counted = 0;
  double sum = 0, sum_squares = 0;
  g_autoptr(GArray) ratios = g_array_new (FALSE, FALSE, sizeof (double));
  double median;

  clean = new_studio (rig, 1.75, 3, 0);
  px_studio_render (clean, 0.2, 6);
  copy_view (px_studio_get_view (clean, 0), &clean_rgb, &clean_depth);

  /* Noise of σ = 4 code values. */
  px_studio_rig_get_camera (rig, 0)->noise = 4.0;
  noisy = new_studio (rig, 1.75, 3, 0);
  px_studio_render (noisy, 0.2, 6);
  view = px_studio_get_view (noisy, 0);
  for (gsize i = 0; i < 3 * n; i++)
    if (clean_rgb[i] > 20 && clean_rgb[i] < 235)
      {
        double d = (double) view->rgb[i] - clean_rgb[i];

        sum += d;
        sum_squares += d * d;
        counted++;
      }
  g_test_message ("noise: mean %.3f, deviation %.3f over %zu samples", sum / counted,
                  sqrt (sum_squares / counted - (sum / counted) * (sum / counted)), counted);
  g_assert_cmpfloat (fabs (sum / counted), <, 0.1);
  g_assert_cmpfloat (sqrt (sum_squares / counted), >, 3.7);
  g_assert_cmpfloat (sqrt (sum_squares / counted), <, 4.3);
  /* Noise is the camera's: the other camera stays clean. */
  g_assert_cmpuint (count_differences (px_studio_get_view (noisy, 1),
                                       px_studio_get_view (clean, 1)), ==, 0);
  /* And it changes from frame to frame. */
  {
    g_autofree guint8 *first = g_memdup2 (view->rgb, 3 * n);

    px_studio_render (noisy, 0.2, 7);
    g_assert_cmpuint (count_differences (px_studio_get_view (noisy, 0),
                                         px_studio_get_view (clean, 0)), >, 400);
    g_assert_true (memcmp (first, px_studio_get_view (noisy, 0)->rgb, 3 * n) != 0);
  }

  /* Exposure 0.5 halves the light. */
  px_studio_rig_get_camera (rig, 0)->noise = 0;
  px_studio_rig_get_camera (rig, 0)->exposure = 0.5;
  dim = new_studio (rig, 1.75, 3, 0);
  px_studio_render (dim, 0.2, 6);
  view = px_studio_get_view (dim, 0);
  for (gsize i = 0; i < 3 * n; i++)
    if (clean_rgb[i] > 60 && clean_rgb[i] < 250)
      {
        double ratio = srgb_to_linear (view->rgb[i]) / srgb_to_linear (clean_rgb[i]);

        g_array_append_val (ratios, ratio);
      }
  g_array_sort (ratios, compare_doubles);
  median = g_array_index (ratios, double, ratios->len / 2);
  g_test_message ("exposure 0.5: median linear ratio %.4f", median);
  g_assert_cmpfloat (fabs (median - 0.5), <, 0.02);
}

static void
test_i420 (void)
{
  g_autoptr(PxStudioRig) rig = px_studio_rig_new_default ();
  g_autoptr(PxStudio) studio = new_studio (rig, 1.75, 0, 0);
  const PxStudioView *view;
  g_autofree guint8 *y_plane = g_malloc (640 * 480);
  g_autofree guint8 *u_plane = g_malloc (320 * 240);
  g_autofree guint8 *v_plane = g_malloc (320 * 240);
  int worst = 0;

  px_studio_render (studio, 0, 0);
  view = px_studio_get_view (studio, 0);
  px_studio_view_to_i420 (view, y_plane, 640, u_plane, 320, v_plane, 320);
  for (guint y = 0; y < 480; y++)
    for (guint x = 0; x < 640; x++)
      {
        const guint8 *p = view->rgb + (gsize) y * view->rgb_stride + 3 * x;
        double luma = 16 + (65.481 * p[0] + 128.553 * p[1] + 24.966 * p[2]) / 255.0;

        worst = MAX (worst, abs ((int) lround (luma) - y_plane[(gsize) y * 640 + x]));
        g_assert_cmpuint (y_plane[(gsize) y * 640 + x], >=, 16);
        g_assert_cmpuint (y_plane[(gsize) y * 640 + x], <=, 235);
      }
  g_assert_cmpint (worst, <=, 1);
  for (gsize i = 0; i < 320 * 240; i++)
    {
      g_assert_cmpuint (u_plane[i], >=, 16);
      g_assert_cmpuint (u_plane[i], <=, 240);
      g_assert_cmpuint (v_plane[i], >=, 16);
      g_assert_cmpuint (v_plane[i], <=, 240);
    }
}

static void
test_files (void)
{
  g_autoptr(PxStudioRig) rig = px_studio_rig_new_default ();
  g_autoptr(PxStudio) studio = new_studio (rig, 1.75, 0, 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("px-studio-XXXXXX", &error);
  g_autofree char *pfm = g_build_filename (dir, "depth.pfm", NULL);
  g_autofree char *png = g_build_filename (dir, "frame.png", NULL);
  g_autofree float *depth = NULL;
  g_autofree char *contents = NULL;
  const PxStudioView *view;
  guint width = 0, height = 0;
  gsize length;

  px_studio_render (studio, 0, 0);
  view = px_studio_get_view (studio, 0);
  g_assert_true (px_studio_save_pfm (pfm, view->depth, view->width, view->height, &error));
  g_assert_no_error (error);
  depth = px_studio_load_pfm (pfm, &width, &height, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (width, ==, 640);
  g_assert_cmpuint (height, ==, 480);
  g_assert_cmpmem (depth, 640 * 480 * sizeof (float), view->depth, 640 * 480 * sizeof (float));

  /* Rows are stored bottom to top: the file's first row is the image's last. */
  g_assert_true (g_file_get_contents (pfm, &contents, &length, &error));
  g_assert_cmpuint (length, ==, strlen ("Pf\n640 480\n-1.0\n") + 640 * 480 * 4);
  g_assert_cmpmem (contents + strlen ("Pf\n640 480\n-1.0\n"), 640 * 4,
                   view->depth + 479 * 640, 640 * 4);

  /* A truncated file is an error. */
  g_assert_true (g_file_set_contents (pfm, contents, length - 1, &error));
  g_clear_pointer (&depth, g_free);
  depth = px_studio_load_pfm (pfm, &width, &height, &error);
  g_assert_null (depth);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);

  g_assert_true (px_studio_save_rgb_png (png, view->rgb, view->width, view->height,
                                         view->rgb_stride, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (png, G_FILE_TEST_IS_REGULAR));

  g_unlink (pfm);
  g_unlink (png);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/studio/rig/default", test_default_rig);
  g_test_add_func ("/studio/rig/file", test_rig_file);
  g_test_add_func ("/studio/rig/refused", test_rig_refused);
  g_test_add_func ("/studio/rig/landmark-projection", test_landmark_projection);
  g_test_add_func ("/studio/ground-truth/plane-depth", test_plane_depth);
  g_test_add_func ("/studio/ground-truth/person-height", test_person_height);
  g_test_add_func ("/studio/ground-truth/mask-matches-depth", test_mask_matches_depth);
  g_test_add_func ("/studio/images/motion-and-determinism", test_motion_and_determinism);
  g_test_add_func ("/studio/images/noise-and-exposure", test_noise_and_exposure);
  g_test_add_func ("/studio/images/i420", test_i420);
  g_test_add_func ("/studio/images/files", test_files);

  return g_test_run ();
}
