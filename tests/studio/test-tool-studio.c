/* test-tool-studio.c: `parallax-tool studio` writing frames and ground truth
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include "px-test-harness.h"
#include "recon/px-rig.h"
#include "studio/px-studio.h"
#include "studio/px-studio-image.h"

/* Runs the tool to completion (within a deadline); returns its exit status
 * and, in @output, what it printed. */
static int
run_tool (PxTestHarness      *harness,
          const char * const *args,
          char              **output)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tool = g_build_filename (PX_TEST_BUILD_DIR, "app", "parallax-tool", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  PxTestProcess *process;
  int status;

  g_ptr_array_add (argv, tool);
  g_ptr_array_add (argv, (gpointer) "studio");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  process = px_test_harness_spawn (harness, "parallax-tool-studio",
                                   (const char * const *) argv->pdata, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (px_test_process_wait (process, 60000, &error));
  g_assert_no_error (error);
  status = px_test_process_get_wait_status (process);
  g_assert_true (WIFEXITED (status));
  if (output != NULL)
    *output = px_test_process_read_log_tail (process, 4096);
  return WEXITSTATUS (status);
}

static void
test_usage_errors (void)
{
  PxTestHarness *harness = px_test_harness_new ();
  const char *out = px_test_harness_get_tmp_dir (harness);
  const char *cases[][7] = {
    { NULL },                                       /* no --out, no --pipewire */
    { "--out", out, "--frames", "0", NULL },
    { "--out", out, "--fps", "0", NULL },
    { "--out", out, "--exposure", "1,bright", NULL },
    { "--out", out, "--exposure", "-1", NULL },
    { "--out", out, "--noise", "-2", NULL },
    { "--out", out, "--height", "4", NULL },
    { "--out", out, "--seed", "-1", NULL },
    { "--out", out, "extra", NULL },
    { "--out", out, "--cameras", "0", NULL },
    { "--out", out, "--baseline", "wide", NULL },
    { "--out", out, "--size", "640", NULL },
    { "--out", out, "--size", "8x8", NULL },
    { "--out", out, "--distance", "0.1", NULL },
    { "--out", out, "--rig", "rig.json", "--cameras", "3", NULL },
    { "--no-such-option", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *output = NULL;

      g_assert_cmpint (run_tool (harness, cases[i], &output), ==, 2);
      g_assert_nonnull (strstr (output, "parallax-tool studio:"));
    }
  {
    const char *help[] = { "--help", NULL };
    g_autofree char *output = NULL;

    g_assert_cmpint (run_tool (harness, help, &output), ==, 0);
    g_assert_nonnull (strstr (output, "--pipewire"));
  }
}

static void
test_bad_rig (void)
{
  PxTestHarness *harness = px_test_harness_new ();
  const char *tmp = px_test_harness_get_tmp_dir (harness);
  g_autofree char *out = g_build_filename (tmp, "out", NULL);
  g_autofree char *rig = g_build_filename (tmp, "distorted.json", NULL);
  g_autofree char *output = NULL;
  g_autoptr(GError) error = NULL;
  const char *missing[] = { "--rig", "/nonexistent/rig.json", "--out", out, NULL };
  const char *distorted[] = { "--rig", rig, "--out", out, NULL };

  g_assert_cmpint (run_tool (harness, missing, &output), ==, 1);
  g_assert_nonnull (strstr (output, "/nonexistent/rig.json"));
  g_clear_pointer (&output, g_free);

  g_assert_true (g_file_set_contents (rig,
    "{ \"version\": 1, \"cameras\": [ { \"id\": \"a\", \"width\": 64, \"height\": 48,"
    " \"fx\": 50, \"fy\": 50, \"cx\": 31.5, \"cy\": 23.5, \"distortion\": [0.1, 0, 0, 0, 0],"
    " \"rotation\": [1,0,0, 0,1,0, 0,0,1], \"translation\": [0, 0, 1] } ] }", -1, &error));
  g_assert_cmpint (run_tool (harness, distorted, &output), ==, 1);
  g_assert_nonnull (strstr (output, "distortion"));
}

/* The files are the studio's frames and ground truth, exactly. */
static void
test_writes_frames (void)
{
  PxTestHarness *harness = px_test_harness_new ();
  const char *tmp = px_test_harness_get_tmp_dir (harness);
  g_autofree char *out = g_build_filename (tmp, "out", NULL);
  g_autofree char *again = g_build_filename (tmp, "again", NULL);
  g_autofree char *rig_path = g_build_filename (out, "rig.json", NULL);
  const char *args[] = { "--out", out, "--frames", "2", "--seed", "4", "--noise", "1.5",
                         "--exposure", "1.0,0.8", NULL };
  const char *args_again[] = { "--out", again, "--rig", rig_path, "--frames", "2", "--seed", "4",
                               "--noise", "1.5", "--exposure", "1.0,0.8", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(PxRig) rig = NULL;
  g_autoptr(PxStudioRig) studio_rig = px_studio_rig_new_default ();
  g_autoptr(PxStudioPerson) person = px_studio_person_new (1.75, 4);
  g_autoptr(PxStudio) studio = NULL;

  g_assert_cmpint (run_tool (harness, args, NULL), ==, 0);
  rig = px_rig_new_from_file (rig_path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (px_rig_get_n_cameras (rig), ==, 2);
  g_assert_cmpuint (px_rig_get_n_pairs (rig), ==, 1);

  /* Running from the rig file it wrote gives the same frames. */
  g_assert_cmpint (run_tool (harness, args_again, NULL), ==, 0);

  for (guint c = 0; c < 2; c++)
    {
      PxStudioCamera *camera = px_studio_rig_get_camera (studio_rig, c);

      camera->noise = 1.5;
      camera->exposure = c == 0 ? 1.0 : 0.8;
    }
  studio = px_studio_new (studio_rig, person, 4, 0);

  for (guint frame = 0; frame < 2; frame++)
    {
      px_studio_render (studio, frame / 30.0, frame);
      for (guint c = 0; c < 2; c++)
        {
          const char *id = c == 0 ? "left" : "right";
          const PxStudioView *view = px_studio_get_view (studio, c);
          g_autofree char *name = g_strdup_printf ("frame-%06u.png", frame);
          g_autofree char *depth_name = g_strdup_printf ("depth-%06u.pfm", frame);
          g_autofree char *mask_name = g_strdup_printf ("mask-%06u.png", frame);
          const char *dirs[] = { out, again };

          for (guint d = 0; d < 2; d++)
            {
              g_autofree char *png = g_build_filename (dirs[d], id, name, NULL);
              g_autofree char *pfm = g_build_filename (dirs[d], id, depth_name, NULL);
              g_autofree char *mask = g_build_filename (dirs[d], id, mask_name, NULL);
              g_autoptr(GdkPixbuf) image = gdk_pixbuf_new_from_file (png, &error);
              g_autoptr(GdkPixbuf) mask_image = NULL;
              g_autofree float *depth = NULL;
              guint width, height;
              const guint8 *pixels, *mask_pixels;

              g_assert_no_error (error);
              g_assert_cmpint (gdk_pixbuf_get_width (image), ==, 640);
              g_assert_cmpint (gdk_pixbuf_get_height (image), ==, 480);
              g_assert_cmpint (gdk_pixbuf_get_n_channels (image), ==, 3);
              pixels = gdk_pixbuf_read_pixels (image);
              for (guint y = 0; y < 480; y++)
                g_assert_cmpmem (pixels + y * gdk_pixbuf_get_rowstride (image), 640 * 3,
                                 view->rgb + y * view->rgb_stride, 640 * 3);

              depth = px_studio_load_pfm (pfm, &width, &height, &error);
              g_assert_no_error (error);
              g_assert_cmpmem (depth, 640 * 480 * sizeof (float), view->depth,
                               640 * 480 * sizeof (float));

              mask_image = gdk_pixbuf_new_from_file (mask, &error);
              g_assert_no_error (error);
              mask_pixels = gdk_pixbuf_read_pixels (mask_image);
              for (guint y = 0; y < 480; y++)
                for (guint x = 0; x < 640; x++)
                  g_assert_cmpuint (mask_pixels[y * gdk_pixbuf_get_rowstride (mask_image)
                                                + x * gdk_pixbuf_get_n_channels (mask_image)],
                                    ==, view->mask[y * 640 + x]);
            }
        }
    }
}

static void
test_line_rig (void)
{
  PxTestHarness *harness = px_test_harness_new ();
  g_autofree char *out = g_build_filename (px_test_harness_get_tmp_dir (harness), "out", NULL);
  g_autofree char *rig_path = g_build_filename (out, "rig.json", NULL);
  g_autofree char *png = g_build_filename (out, "cam2", "frame-000000.png", NULL);
  const char *args[] = { "--out", out, "--cameras", "3", "--baseline", "0.2", "--size", "160x120",
                         "--distance", "2.5", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(PxRig) rig = NULL;
  g_autoptr(GdkPixbuf) image = NULL;
  const PxCamera *first, *last;

  g_assert_cmpint (run_tool (harness, args, NULL), ==, 0);
  rig = px_rig_new_from_file (rig_path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (px_rig_get_n_cameras (rig), ==, 3);
  g_assert_cmpuint (px_rig_get_n_pairs (rig), ==, 2);
  first = px_rig_get_camera (rig, 0);
  last = px_rig_get_camera (rig, 2);
  g_assert_cmpuint (first->width, ==, 160);
  g_assert_cmpuint (first->height, ==, 120);
  /* Same rotation, so the centres differ by the translations: 2 × 0.2 m. */
  g_assert_cmpfloat_with_epsilon (first->translation[0] - last->translation[0], 0.4, 1e-9);

  image = gdk_pixbuf_new_from_file (png, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (image), ==, 160);
  g_assert_cmpint (gdk_pixbuf_get_height (image), ==, 120);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/studio/tool/usage-errors", test_usage_errors);
  g_test_add_func ("/studio/tool/bad-rig", test_bad_rig);
  g_test_add_func ("/studio/tool/writes-frames", test_writes_frames);
  g_test_add_func ("/studio/tool/line-rig", test_line_rig);

  return g_test_run ();
}
