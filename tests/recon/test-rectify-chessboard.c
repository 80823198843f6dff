/* test-rectify-chessboard.c: rectification of real chessboard pairs
 *
 * The pairs (../shared/data/calibration/opencv-chessboard-stereo) come
 * without a calibration, so chessboard.py derives one with OpenCV and
 * writes it as cv::FileStorage YAML and XML, as stereo_calib.cpp does.
 * Parallax imports those files, rectifies every pair, and OpenCV finds the
 * corners again: matching corners must lie on the same row, mean |dy|
 * below 0.5 px. Skips when the data or python3-opencv is absent.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "recon/px-gray-image.h"
#include "recon/px-stereo-calibration.h"
#include "recon/px-stereo-rectifier.h"

/* Seconds OpenCV may take to calibrate or measure, on a loaded machine. */
#define HELPER_DEADLINE "600"
#define PYTHON "/usr/bin/python3"

static char *
data_dir (void)
{
  const char *shared = g_getenv ("PX_SHARED_DATA");

  if (shared == NULL)
    return g_build_filename (PX_TEST_SOURCE_DIR, "..", "shared", "data",
                             "calibration", "opencv-chessboard-stereo", NULL);
  return g_build_filename (shared, "calibration", "opencv-chessboard-stereo", NULL);
}

/* Runs chessboard.py under a deadline; returns its standard output, or
 * NULL after marking the test skipped (exit 77: no OpenCV). */
static char *
run_helper (const char *command,
            const char *first,
            const char *second)
{
  g_autofree char *script = g_build_filename (PX_TEST_SOURCE_DIR, "tests", "recon", "chessboard.py", NULL);
  const char *argv[] = { "timeout", HELPER_DEADLINE, PYTHON, script, command, first, second, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &out, &err, &status, &error));
  g_assert_no_error (error);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 77)
    {
      g_test_skip ("python3-opencv is not installed");
      g_free (out);
      return NULL;
    }
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("chessboard.py %s failed: %s\n%s", command, error->message, err);
  return out;
}

static double
json_number (const char *text,
             const char *member)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *object;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_true (json_object_has_member (object, member));
  return json_object_get_double_member (object, member);
}

static void
save_gray (const guint8 *pixels,
           guint         width,
           guint         height,
           const char   *path)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, (int) width, (int) height);
  g_autoptr(GError) error = NULL;
  guint8 *out = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);

  for (guint y = 0; y < height; y++)
    for (guint x = 0; x < width; x++)
      memset (out + (gsize) y * stride + 3 * x, pixels[(gsize) y * width + x], 3);
  g_assert_true (gdk_pixbuf_save (pixbuf, path, "png", &error, NULL));
  g_assert_no_error (error);
}

static void
load_calibration (PxStereoCalibration *calibration,
                  const char          *dir,
                  const char          *first,
                  const char          *second)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, first, NULL);

  memset (calibration, 0, sizeof *calibration);
  g_assert_true (px_stereo_calibration_load_opencv (calibration, path, &error));
  g_assert_no_error (error);
  if (second)
    {
      g_autofree char *other = g_build_filename (dir, second, NULL);

      g_assert_true (px_stereo_calibration_load_opencv (calibration, other, &error));
      g_assert_no_error (error);
    }
  g_assert_true (px_stereo_calibration_check (calibration, &error));
  g_assert_no_error (error);
}

static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle && (name = g_dir_read_name (handle)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        remove_tree (path);
      else
        g_unlink (path);
    }
  g_rmdir (dir);
}

static void
test_chessboard (void)
{
  g_autofree char *data = data_dir ();
  g_autofree char *tmp = NULL;
  g_autofree char *rectified_dir = NULL;
  g_autofree char *calibrated = NULL;
  g_autofree char *measured = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PxRig) rig = NULL;
  g_autoptr(PxStereoRectifier) rectifier = NULL;
  PxStereoCalibration yaml, xml, split;
  const PxCamera *left, *right;
  int rectified = 0;
  double mean_dy;

  if (!g_file_test (data, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *message = g_strdup_printf ("%s is absent (third-party data in ../shared/data)", data);

      g_test_skip (message);
      return;
    }
  if (!g_file_test (PYTHON, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip (PYTHON " is absent");
      return;
    }

  tmp = g_dir_make_tmp ("px-chessboard-XXXXXX", &error);
  g_assert_no_error (error);
  calibrated = run_helper ("calibrate", data, tmp);
  if (calibrated == NULL)
    {
      remove_tree (tmp);
      return;
    }
  g_test_message ("OpenCV calibration: %s", calibrated);

  /* YAML, XML and the split intrinsics/extrinsics give the same numbers. */
  load_calibration (&yaml, tmp, "stereo.yml", NULL);
  load_calibration (&xml, tmp, "stereo.xml", NULL);
  load_calibration (&split, tmp, "intrinsics.yml", "extrinsics.yml");
  g_assert_cmpmem (&yaml, sizeof yaml, &xml, sizeof xml);
  g_assert_cmpmem (&yaml, sizeof yaml, &split, sizeof split);
  g_assert_cmpuint (yaml.width, ==, 640);
  g_assert_cmpuint (yaml.height, ==, 480);

  /* stereo_calib.cpp's squares; the unit does not matter for rows. */
  rig = px_stereo_calibration_to_rig (&yaml, 0.025, &error);
  g_assert_no_error (error);
  g_assert_true (px_rig_get_pair (rig, 0, &left, &right));
  rectifier = px_stereo_rectifier_new (left, right, &error);
  g_assert_no_error (error);

  rectified_dir = g_build_filename (tmp, "rectified", NULL);
  g_assert_cmpint (g_mkdir (rectified_dir, 0700), ==, 0);
  for (int i = 1; i <= 14; i++)
    for (int side = 0; side < 2; side++)
      {
        g_autofree char *name = g_strdup_printf ("%s%02d.jpg", side ? "right" : "left", i);
        g_autofree char *out_name = g_strdup_printf ("%s%02d.png", side ? "right" : "left", i);
        g_autofree char *path = g_build_filename (data, name, NULL);
        g_autofree char *out_path = g_build_filename (rectified_dir, out_name, NULL);
        g_autofree guint8 *image = NULL;
        g_autofree guint8 *out = NULL;
        guint width, height;

        if (!g_file_test (path, G_FILE_TEST_EXISTS))
          continue;
        image = px_gray_image_load (path, &width, &height, &error);
        g_assert_no_error (error);
        g_assert_cmpuint (width, ==, 640);
        out = g_malloc ((gsize) width * height);
        g_assert_true (px_stereo_rectifier_remap (rectifier, side, image, width, 1, out, width, &error));
        g_assert_no_error (error);
        save_gray (out, width, height, out_path);
        rectified += side;
      }
  g_assert_cmpint (rectified, ==, 13);

  measured = run_helper ("measure", rectified_dir, NULL);
  g_assert_nonnull (measured);
  g_test_message ("corners on the rectified pairs: %s", measured);
  g_assert_cmpfloat (json_number (measured, "pairs"), >=, 10);
  mean_dy = json_number (measured, "mean_dy");
  g_assert_cmpfloat (mean_dy, <, 0.5);

  remove_tree (tmp);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/recon/rectify-chessboard/opencv-calibration", test_chessboard);

  return g_test_run ();
}
