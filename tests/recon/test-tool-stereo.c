/* test-tool-stereo.c: `parallax-tool stereo` as a shell sees it
 *
 * Each case runs px_tool_main() in a subprocess (with a deadline) and
 * checks its exit code, what it printed and the PFM it wrote.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "px-tool-test.h"
#include "recon/px-pfm.h"

#define WIDTH 160
#define HEIGHT 100
#define DISPARITY 9
/* Microseconds a case may take on a loaded machine. */
#define DEADLINE (120 * G_USEC_PER_SEC)

/* A textured plane at one disparity, as PNG files. */
static void
write_inputs (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (4);
  g_autofree guint8 *texture = g_new (guint8, (WIDTH + DISPARITY) * HEIGHT);
  g_autoptr(GdkPixbuf) left = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, WIDTH, HEIGHT);
  g_autoptr(GdkPixbuf) right = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, WIDTH, HEIGHT);
  g_autoptr(GdkPixbuf) small = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, WIDTH - 8, HEIGHT);
  g_autofree char *left_path = px_tool_test_path ("left.png", NULL);
  g_autofree char *right_path = px_tool_test_path ("right.png", NULL);
  g_autofree char *small_path = px_tool_test_path ("small.png", NULL);
  g_autofree char *garbage_path = px_tool_test_path ("garbage.png", NULL);
  g_autofree char *truncated_path = px_tool_test_path ("truncated.png", NULL);
  g_autofree char *contents = NULL;
  gsize length;

  for (int i = 0; i < (WIDTH + DISPARITY) * HEIGHT; i++)
    texture[i] = (guint8) g_rand_int_range (rand, 0, 256);
  for (int y = 0; y < HEIGHT; y++)
    for (int x = 0; x < WIDTH; x++)
      {
        guint8 *l = gdk_pixbuf_get_pixels (left) + y * gdk_pixbuf_get_rowstride (left) + 3 * x;
        guint8 *r = gdk_pixbuf_get_pixels (right) + y * gdk_pixbuf_get_rowstride (right) + 3 * x;

        memset (l, texture[y * (WIDTH + DISPARITY) + x], 3);
        memset (r, texture[y * (WIDTH + DISPARITY) + x + DISPARITY], 3);
      }
  gdk_pixbuf_fill (small, 0x808080ff);
  g_assert_true (gdk_pixbuf_save (left, left_path, "png", NULL, NULL));
  g_assert_true (gdk_pixbuf_save (right, right_path, "png", NULL, NULL));
  g_assert_true (gdk_pixbuf_save (small, small_path, "png", NULL, NULL));
  g_assert_true (g_file_set_contents (garbage_path, "this is not a picture", -1, NULL));
  g_assert_true (g_file_get_contents (left_path, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (truncated_path, contents, (gssize) length / 2, NULL));
}

static void
test_stereo_help (void)
{
  if (g_test_subprocess ())
    exit (px_tool_test_run ("stereo", "--help", NULL));

  g_test_trap_subprocess (NULL, DEADLINE, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*parallax-tool stereo*LEFT RIGHT*--max-disparity*--threads*--repeat*--out*");
}

static void
test_stereo_matches (void)
{
  g_autofree char *left = px_tool_test_path ("left.png", NULL);
  g_autofree char *right = px_tool_test_path ("right.png", NULL);
  g_autofree char *out = px_tool_test_path ("out.pfm", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree float *disparity = NULL;
  guint width, height;
  int good = 0;

  if (g_test_subprocess ())
    exit (px_tool_test_run ("stereo", left, right, "--max-disparity", "32", "--threads", "2",
                            "--repeat", "3", "--out", out, NULL));

  g_test_trap_subprocess (NULL, DEADLINE, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*160*100, 32 disparities, 2 threads*median*ms over 3 runs*");

  disparity = px_pfm_load (out, &width, &height, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (width, ==, WIDTH);
  g_assert_cmpuint (height, ==, HEIGHT);
  for (guint i = 0; i < width * height; i++)
    if (fabsf (disparity[i] - DISPARITY) <= 0.5f)
      good++;
  g_assert_cmpint (good, >=, 0.9 * width * height);
  g_unlink (out);
}

typedef struct
{
  const char *left;
  const char *right;
  const char *max_disparity;
  int status;
  const char *message;
} BadCase;

static const BadCase bad_cases[] = {
  { "left.png", "small.png", "32", 1, "*left image is 160*100 but the right image is 152*100*" },
  { "left.png", "garbage.png", "32", 1, "*garbage.png*" },
  { "truncated.png", "right.png", "32", 1, "*truncated.png*" },
  { "left.png", "missing.png", "32", 1, "*missing.png*" },
  { "left.png", "right.png", "0", 2, "*--max-disparity must be*" },
  { "left.png", "right.png", "100000", 2, "*--max-disparity must be*" },
  { "left.png", "right.png", "160", 1, "*smaller than the image width*" },
  { "left.png", "right.png", "many", 2, "*Cannot parse integer*" },
};

static void
test_stereo_bad_input (gconstpointer data)
{
  const BadCase *c = data;
  g_autofree char *left = px_tool_test_path (c->left, NULL);
  g_autofree char *right = px_tool_test_path (c->right, NULL);
  g_autofree char *out = px_tool_test_path ("bad.pfm", NULL);

  if (g_test_subprocess ())
    px_tool_test_exit (px_tool_test_run ("stereo", left, right, "--max-disparity", c->max_disparity,
                                         "--out", out, NULL));

  px_tool_test_trap_failed (c->status, DEADLINE);
  g_test_trap_assert_stderr (c->message);
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
}

static void
test_stereo_usage (void)
{
  if (g_test_subprocess ())
    exit (px_tool_test_run ("stereo", "only-one.png", "--max-disparity", "16", "--out", "x.pfm", NULL));

  g_test_trap_subprocess (NULL, DEADLINE, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*expected two images*");
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);

  /* The parent makes the inputs; the subprocesses it starts find them
   * through the environment they inherit. */
  px_tool_test_folder_init ("PX_TEST_STEREO_DIR", "px-tool-stereo-XXXXXX");
  if (!g_test_subprocess ())
    write_inputs ();

  g_test_add_func ("/recon/tool-stereo/help", test_stereo_help);
  g_test_add_func ("/recon/tool-stereo/matches", test_stereo_matches);
  g_test_add_func ("/recon/tool-stereo/usage", test_stereo_usage);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/recon/tool-stereo/bad-input/%" G_GSIZE_FORMAT, i);

      g_test_add_data_func (path, &bad_cases[i], test_stereo_bad_input);
    }

  status = g_test_run ();
  if (!g_test_subprocess ())
    px_tool_test_folder_remove ();
  return status;
}
