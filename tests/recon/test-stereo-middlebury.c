/* test-stereo-middlebury.c: bad-2.0 on the Middlebury scenes, at or below
 * the OpenCV StereoSGBM figures committed in middlebury-thresholds.txt
 *
 * The scenes are third-party data read from $PX_SHARED_DATA/stereo; the
 * test skips when they are absent. Scoring is that of
 * tests/bench/recon/middlebury.py.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <math.h>
#include <stdlib.h>

#include "recon/px-gray-image.h"
#include "recon/px-pfm.h"
#include "recon/px-stereo-matcher.h"

typedef struct
{
  const char *name;
  const char *left;
  const char *right;
  const char *truth;
  float scale;          /* ground-truth value per pixel of disparity */
  const char *mask;     /* non-occluded pixels are 255, or NULL */
} Scene;

static const Scene scenes[] = {
  { "2003_cones", "im2.png", "im6.png", "disp2.png", 4, NULL },
  { "2003_teddy", "im2.png", "im6.png", "disp2.png", 4, NULL },
  { "mev2_Tsukuba", "imL.png", "imR.png", "truedisp.pgm", 16, "nonocc.png" },
  { "mev2_Venus", "imL.png", "imR.png", "disp2.pgm", 8, NULL },
  { "2014_Q_Teddy", "im0.png", "im1.png", "disp0GT.pfm", 1, "mask0nocc.png" },
  { "2014_Q_ArtL", "im0.png", "im1.png", "disp0GT.pfm", 1, "mask0nocc.png" },
  { "2014_Q_Motorcycle", "im0.png", "im1.png", "disp0GT.pfm", 1, "mask0nocc.png" },
};

/* Bad-2.0 per scene, ours and OpenCV's, for the mean over all scenes;
 * negative until measured. */
static double ours[G_N_ELEMENTS (scenes)];
static double theirs[G_N_ELEMENTS (scenes)];

/* The mean bad-2.0 over the scenes must be at most this share of OpenCV's. */
#define MAX_MEAN_RATIO 0.7

static char *
data_dir (void)
{
  const char *shared = g_getenv ("PX_SHARED_DATA");

  if (shared == NULL)
    return g_build_filename (PX_TEST_SOURCE_DIR, "..", "shared", "data", "stereo", NULL);
  return g_build_filename (shared, "stereo", NULL);
}

/* First channel of an 8-bit image file. */
static guint8 *
load_channel (const char *path,
              guint      *width,
              guint      *height)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_file (path, &error);
  const guint8 *pixels;
  guint8 *out;
  int channels, stride;

  g_assert_no_error (error);
  *width = gdk_pixbuf_get_width (pixbuf);
  *height = gdk_pixbuf_get_height (pixbuf);
  channels = gdk_pixbuf_get_n_channels (pixbuf);
  stride = gdk_pixbuf_get_rowstride (pixbuf);
  pixels = gdk_pixbuf_read_pixels (pixbuf);
  out = g_new (guint8, (gsize) *width * *height);
  for (guint y = 0; y < *height; y++)
    for (guint x = 0; x < *width; x++)
      out[(gsize) y * *width + x] = pixels[(gsize) y * stride + (gsize) x * channels];
  return out;
}

/* Ground truth in pixels, NAN where unknown or not scored. */
static float *
load_truth (const char  *folder,
            const Scene *scene,
            guint        width,
            guint        height)
{
  g_autofree char *path = g_build_filename (folder, scene->truth, NULL);
  float *truth;
  guint w, h;

  if (g_str_has_suffix (path, ".pfm"))
    {
      g_autoptr(GError) error = NULL;

      truth = px_pfm_load (path, &w, &h, &error);
      g_assert_no_error (error);
      for (gsize i = 0; i < (gsize) w * h; i++)
        if (!isfinite (truth[i]))
          truth[i] = NAN;
    }
  else
    {
      g_autofree guint8 *raw = load_channel (path, &w, &h);

      truth = g_new (float, (gsize) w * h);
      for (gsize i = 0; i < (gsize) w * h; i++)
        truth[i] = raw[i] ? raw[i] / scene->scale : NAN;
    }
  g_assert_cmpuint (w, ==, width);
  g_assert_cmpuint (h, ==, height);

  if (scene->mask)
    {
      g_autofree char *mask_path = g_build_filename (folder, scene->mask, NULL);
      g_autofree guint8 *mask = load_channel (mask_path, &w, &h);

      g_assert_cmpuint (w, ==, width);
      for (gsize i = 0; i < (gsize) w * h; i++)
        if (mask[i] != 255)
          truth[i] = NAN;
    }
  return truth;
}

static GHashTable *
load_thresholds (void)
{
  g_autofree char *path = g_build_filename (PX_TEST_SOURCE_DIR, "tests", "recon",
                                            "middlebury-thresholds.txt", NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (char **line = lines; *line; line++)
    {
      g_auto(GStrv) fields = NULL;
      double *values;

      if (**line == '#' || **line == '\0')
        continue;
      fields = g_strsplit_set (*line, " \t", -1);
      values = g_new (double, 2);
      {
        int n = 0;

        for (char **f = fields + 1; *f && n < 2; f++)
          if (**f)
            values[n++] = g_ascii_strtod (*f, NULL);
        g_assert_cmpint (n, ==, 2);
      }
      g_hash_table_insert (table, g_strdup (fields[0]), values);
    }
  return table;
}

static void
test_scene (gconstpointer data)
{
  const Scene *scene = data;
  g_autofree char *root = data_dir ();
  g_autofree char *folder = g_build_filename (root, scene->name, NULL);
  g_autofree char *left_path = g_build_filename (folder, scene->left, NULL);
  g_autofree char *right_path = g_build_filename (folder, scene->right, NULL);
  g_autoptr(GHashTable) thresholds = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PxStereoMatcher) matcher = NULL;
  g_autofree guint8 *left = NULL;
  g_autofree guint8 *right = NULL;
  g_autofree float *truth = NULL;
  g_autofree float *disparity = NULL;
  const double *expected;
  guint width, height, rw, rh;
  gsize scored = 0, bad = 0;
  double percent;

  if (!g_file_test (folder, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *message = g_strdup_printf ("%s is absent (third-party data in ../shared/data)", folder);

      g_test_skip (message);
      return;
    }
  thresholds = load_thresholds ();
  expected = g_hash_table_lookup (thresholds, scene->name);
  g_assert_nonnull (expected);

  left = px_gray_image_load (left_path, &width, &height, &error);
  g_assert_no_error (error);
  right = px_gray_image_load (right_path, &rw, &rh, &error);
  g_assert_no_error (error);
  truth = load_truth (folder, scene, width, height);

  matcher = px_stereo_matcher_new ((guint) expected[0], 2);
  disparity = g_new (float, (gsize) width * height);
  g_assert_true (px_stereo_matcher_match (matcher,
                                          &(PxGrayImage) { width, height, width, left },
                                          &(PxGrayImage) { rw, rh, rw, right },
                                          disparity, &error));
  g_assert_no_error (error);

  for (gsize i = 0; i < (gsize) width * height; i++)
    {
      if (isnan (truth[i]))
        continue;
      scored++;
      if (!isfinite (disparity[i]) || fabsf (disparity[i] - truth[i]) > 2.0f)
        bad++;
    }
  g_assert_cmpuint (scored, >, 0);
  percent = 100.0 * bad / scored;
  g_test_message ("%s: bad-2.0 %.2f %% (OpenCV StereoSGBM: %.2f %%)", scene->name, percent, expected[1]);
  g_assert_cmpfloat (percent, <=, expected[1]);
  ours[scene - scenes] = percent;
  theirs[scene - scenes] = expected[1];
}

static void
test_mean (void)
{
  double sum_ours = 0, sum_theirs = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (scenes); i++)
    {
      if (ours[i] < 0)
        {
          g_test_skip ("not every scene was measured");
          return;
        }
      sum_ours += ours[i];
      sum_theirs += theirs[i];
    }
  g_test_message ("mean bad-2.0 %.2f %% against OpenCV's %.2f %%: ratio %.2f",
                  sum_ours / G_N_ELEMENTS (scenes), sum_theirs / G_N_ELEMENTS (scenes), sum_ours / sum_theirs);
  g_assert_cmpfloat (sum_ours / sum_theirs, <=, MAX_MEAN_RATIO);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (scenes); i++)
    {
      g_autofree char *path = g_strdup_printf ("/recon/stereo-middlebury/%s", scenes[i].name);

      ours[i] = -1;
      g_test_add_data_func (path, &scenes[i], test_scene);
    }
  g_test_add_func ("/recon/stereo-middlebury/mean", test_mean);

  return g_test_run ();
}
