/* test-render-tool.c: `parallax-tool render` on a capture folder
 *
 * Writes a capture folder the way a rig recording looks (rig.json, colour
 * PNG, depth PFM with rows bottom to top and infinity for nothing, mask
 * PNG), runs the real tool on it and measures the picture it writes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "recon/px-pfm.h"
#include "render/px-headless-context.h"
#include "px-test-scene.h"

static char *
tool_path (void)
{
  const char *build = g_getenv ("PX_BUILD_DIR");

  return g_build_filename (build != NULL ? build : PX_TEST_BUILD_DIR, "app", "parallax-tool", NULL);
}

/* Runs the tool with a deadline; returns its exit status. */
static int
run_tool (const char * const *arguments,
          char              **output)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *err = NULL;
  guint timeout;

  g_ptr_array_add (argv, tool_path ());
  g_ptr_array_add (argv, g_strdup ("render"));
  for (gsize i = 0; arguments[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (arguments[i]));
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);

  /* Rendering on a busy machine is slow, never this slow. */
  timeout = g_timeout_add_seconds (120, (GSourceFunc) (void (*) (void)) g_cancellable_cancel,
                                   cancellable);
  if (!g_subprocess_communicate_utf8 (process, NULL, cancellable, output, &err, &error))
    {
      g_subprocess_force_exit (process);
      g_subprocess_wait (process, NULL, NULL);
      g_error ("parallax-tool render did not finish: %s", error->message);
    }
  g_source_remove (timeout);
  g_test_message ("stdout: %s\nstderr: %s", *output, err);
  return g_subprocess_get_exit_status (process);
}

static void
write_capture (const char *directory)
{
  const PxTestRect rects[] = {
    /* The person, and a wall behind them that the mask leaves out. */
    { .z = 0.0, .min_x = -0.25, .max_x = 0.25, .min_y = 0.0, .max_y = 1.75, .rgb = { 200, 120, 90 } },
    { .z = -1.5, .min_x = -5, .max_x = 5, .min_y = -1, .max_y = 5, .rgb = { 90, 90, 100 } },
  };
  const PxTestScene scene = { .rects = rects, .n_rects = G_N_ELEMENTS (rects) };
  const double eye[3] = { 0.0, 0.95, 3.0 }, target[3] = { 0.0, 0.95, 0.0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) color = NULL;
  g_autoptr(GdkPixbuf) mask = NULL;
  g_autofree char *rig = NULL;
  g_autofree char *camera_dir = g_build_filename (directory, "front", NULL);
  g_autofree char *rig_path = g_build_filename (directory, "rig.json", NULL);
  g_autofree char *color_path = g_build_filename (camera_dir, "000001.png", NULL);
  g_autofree char *depth_path = g_build_filename (camera_dir, "000001-depth.pfm", NULL);
  g_autofree char *mask_path = g_build_filename (camera_dir, "000001-mask.png", NULL);
  g_autofree float *depth = NULL;
  PxCameraModel camera;
  PxTestView view;
  const double *r;

  g_assert_cmpint (g_mkdir_with_parents (camera_dir, 0755), ==, 0);

  /* Full-resolution depth, as a capture has it. */
  px_test_camera_init (&camera, 640, 480, 600.0, eye, target);
  px_test_view_render (&view, &scene, &camera, PX_COLOR_FORMAT_RGBA, 1);
  r = camera.rotation;
  rig = g_strdup_printf ("{ \"version\": 1, \"name\": \"test\",\n"
                         "  \"capture_volume\": {\"min\": [-0.5, 0, -0.5], \"max\": [0.5, 2.0, 0.5]},\n"
                         "  \"cameras\": [ {\"id\": \"front\", \"width\": 640, \"height\": 480,\n"
                         "    \"fx\": 600.0, \"fy\": 600.0, \"cx\": %.17g, \"cy\": %.17g,\n"
                         "    \"distortion\": [0, 0, 0, 0, 0],\n"
                         "    \"rotation\": [%.17g, %.17g, %.17g, %.17g, %.17g, %.17g, %.17g, %.17g, %.17g],\n"
                         "    \"translation\": [%.17g, %.17g, %.17g] } ],\n"
                         "  \"pairs\": [] }\n",
                         camera.cx, camera.cy, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8],
                         camera.translation[0], camera.translation[1], camera.translation[2]);
  g_assert_true (g_file_set_contents (rig_path, rig, -1, &error));

  color = gdk_pixbuf_new_from_data (view.pixels, GDK_COLORSPACE_RGB, TRUE, 8, 640, 480, 640 * 4,
                                    NULL, NULL);
  g_assert_true (gdk_pixbuf_save (color, color_path, "png", &error, NULL));

  mask = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 640, 480);
  depth = g_new (float, 640 * 480);
  for (int y = 0; y < 480; y++)
    for (int x = 0; x < 640; x++)
      {
        float d = view.depth[y * 640 + x];
        /* The person is the near surface; the wall is 4.5 m away. */
        gboolean person = d > 0 && d < 4.0f;
        guint8 *m = gdk_pixbuf_get_pixels (mask) + y * gdk_pixbuf_get_rowstride (mask) + x * 3;

        depth[y * 640 + x] = d > 0 ? d : INFINITY;
        memset (m, person ? 255 : 0, 3);
      }
  g_assert_true (gdk_pixbuf_save (mask, mask_path, "png", &error, NULL));
  g_assert_true (px_pfm_save (depth_path, depth, 640, 480, &error));
  px_test_view_clear (&view);
}

static void
test_render_capture (void)
{
  g_autofree char *directory = g_dir_make_tmp ("px-render-XXXXXX", NULL);
  g_autofree char *out = g_build_filename (directory, "stage.png", NULL);
  g_autofree char *output = NULL;
  g_autoptr(GdkPixbuf) picture = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PxHeadlessContext) probe = NULL;
  const char *arguments[] = {
    "--capture", directory, "--frame", "1", "--screen-width-mm", "2000",
    "--screen-height-mm", "2000", "--size", "800x800", "--viewer-distance-mm", "2500",
    "--transparent", "--out", out, NULL,
  };
  int top = -1, bottom = -1;

  probe = px_headless_context_new (PX_HEADLESS_API_GL, 16, 16, &error);
  if (probe == NULL)
    {
      g_test_skip (error->message);
      return;
    }
  g_clear_object (&probe);

  write_capture (directory);
  g_assert_cmpint (run_tool (arguments, &output), ==, 0);
  g_assert_nonnull (strstr (output, "Life-size"));

  picture = gdk_pixbuf_new_from_file (out, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (picture), ==, 800);
  g_assert_true (gdk_pixbuf_get_has_alpha (picture));
  for (int y = 0; y < 800; y++)
    for (int x = 0; x < 800; x++)
      {
        const guint8 *p = gdk_pixbuf_read_pixels (picture) +
                          y * gdk_pixbuf_get_rowstride (picture) + x * 4;

        if (p[3] > 127)
          {
            if (top < 0)
              top = y;
            bottom = y;
          }
      }

  /* 1.75 m at 400 px per metre, the wall masked out. */
  g_assert_cmpint (top, >=, 0);
  g_test_message ("Silhouette %d px, expected 700", bottom - top + 1);
  g_assert_cmpfloat (fabs ((bottom - top + 1) - 700.0), <=, 14.0);
  {
    const guint8 *corner = gdk_pixbuf_read_pixels (picture) + 10 * gdk_pixbuf_get_rowstride (picture) + 10 * 4;

    g_assert_cmpint (corner[3], ==, 0);
  }

  /* A screen too small: the tool says so. The capture volume is 2 m
   * high, so 0.2 m of screen is 10 % of life-size. */
  arguments[5] = "300";
  arguments[7] = "200";
  g_free (output);
  g_assert_cmpint (run_tool (arguments, &output), ==, 0);
  g_assert_nonnull (strstr (output, "Not life-size (10 %)"));

  /* A frame that is not there, a folder without rig.json: failures. */
  arguments[3] = "7";
  g_free (output);
  g_assert_cmpint (run_tool (arguments, &output), ==, 1);
  arguments[3] = "1";
  arguments[1] = "/nonexistent/capture";
  g_free (output);
  g_assert_cmpint (run_tool (arguments, &output), ==, 1);

  /* Bad command lines: usage errors. */
  arguments[1] = directory;
  arguments[9] = "12by34";
  g_free (output);
  g_assert_cmpint (run_tool (arguments, &output), ==, 2);
  arguments[9] = "800x800";
  arguments[11] = "-5";
  g_free (output);
  g_assert_cmpint (run_tool (arguments, &output), ==, 2);

  {
    g_autofree char *rm_capture = g_build_filename (directory, "front", NULL);
    const char *names[] = { "front/000001.png", "front/000001-depth.pfm",
                            "front/000001-mask.png", "rig.json", "stage.png" };

    for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_autofree char *path = g_build_filename (directory, names[i], NULL);

        g_unlink (path);
      }
    g_rmdir (rm_capture);
    g_rmdir (directory);
  }
}

static char *
run_tool_command (const char * const *argv,
                  int                *status)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  char *output = NULL;
  guint timeout;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE,
                               &error);
  g_assert_no_error (error);
  timeout = g_timeout_add_seconds (120, (GSourceFunc) (void (*) (void)) g_cancellable_cancel,
                                   cancellable);
  if (!g_subprocess_communicate_utf8 (process, NULL, cancellable, &output, NULL, &error))
    {
      g_subprocess_force_exit (process);
      g_subprocess_wait (process, NULL, NULL);
      g_error ("%s did not finish: %s", argv[1], error->message);
    }
  g_source_remove (timeout);
  *status = g_subprocess_get_exit_status (process);
  return output;
}

/* The synthetic studio's own capture of its 1.75 m person, rendered on a
 * 3 m square wall at 300 px per metre: about 525 px tall. The person is
 * solid, so parts of them stand a little in front of or behind the glass
 * and perspective moves their outline by a few per cent. */
static void
test_render_studio (void)
{
  g_autofree char *tool = tool_path ();
  g_autofree char *directory = g_dir_make_tmp ("px-render-studio-XXXXXX", NULL);
  g_autofree char *capture = g_build_filename (directory, "capture", NULL);
  g_autofree char *out = g_build_filename (directory, "stage.png", NULL);
  g_autofree char *output = NULL;
  g_autoptr(GdkPixbuf) picture = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PxHeadlessContext) probe = NULL;
  const char *studio[] = { tool, "studio", "--frames", "1", "--threads", "2", "--out", capture, NULL };
  const char *render[] = {
    tool, "render", "--capture", capture, "--screen-width-mm", "3000", "--screen-height-mm", "3000",
    "--size", "900x900", "--viewer-distance-mm", "3000", "--transparent", "--out", out, NULL,
  };
  int status, top = -1, bottom = -1;

  output = run_tool_command (studio, &status);
  if (status == 2)
    {
      g_test_skip ("parallax-tool has no studio command");
      return;
    }
  g_assert_cmpint (status, ==, 0);

  probe = px_headless_context_new (PX_HEADLESS_API_GL, 16, 16, &error);
  if (probe == NULL)
    {
      g_test_skip (error->message);
      return;
    }
  g_clear_object (&probe);

  g_free (output);
  output = run_tool_command (render, &status);
  g_test_message ("%s", output);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (output, "Life-size"));

  picture = gdk_pixbuf_new_from_file (out, &error);
  g_assert_no_error (error);
  for (int y = 0; y < 900; y++)
    for (int x = 0; x < 900; x++)
      if (gdk_pixbuf_read_pixels (picture)[y * gdk_pixbuf_get_rowstride (picture) + x * 4 + 3] > 127)
        {
          if (top < 0)
            top = y;
          bottom = y;
        }
  g_test_message ("Studio person: %d px tall, 525 px expected", bottom - top + 1);
  g_assert_cmpint (top, >=, 0);
  g_assert_cmpfloat (fabs ((bottom - top + 1) - 525.0), <=, 0.05 * 525);

  {
    g_autofree char *command = g_strdup_printf ("rm -rf '%s'", directory);

    g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, &status, NULL));
  }
}

/* A rig file that lies is refused with a message, not a crash. */
static void
test_bad_rig (void)
{
  g_autofree char *directory = g_dir_make_tmp ("px-render-XXXXXX", NULL);
  g_autofree char *rig_path = g_build_filename (directory, "rig.json", NULL);
  g_autofree char *out = g_build_filename (directory, "stage.png", NULL);
  const char *rigs[] = {
    "not json",
    "[]",
    "{\"version\": 1, \"cameras\": []}",
    "{\"version\": 1, \"cameras\": [{\"id\": \"a\", \"width\": 640, \"height\": 480, \"fx\": 600, \"fy\": 600,"
    " \"cx\": 320, \"cy\": 240, \"rotation\": [2,0,0,0,1,0,0,0,1], \"translation\": [0,0,0]}]}",
    "{\"version\": 1, \"cameras\": [{\"id\": \"a\", \"width\": 640, \"height\": 480, \"fx\": \"x\"}]}",
    "{\"version\": 1, \"cameras\": [{\"id\": \"a\", \"width\": 640, \"height\": 480, \"fx\": 600, \"fy\": 600,"
    " \"cx\": 320, \"cy\": 240, \"rotation\": [1,0,0,0,1,0,0,0,1], \"translation\": [0,0,3]}]}",
  };
  const char *arguments[] = {
    "--capture", directory, "--screen-width-mm", "2000", "--screen-height-mm", "2000",
    "--size", "64x64", "--viewer-distance-mm", "2500", "--out", out, NULL,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (rigs); i++)
    {
      g_autofree char *output = NULL;

      g_assert_true (g_file_set_contents (rig_path, rigs[i], -1, NULL));
      /* The last rig is valid but has no images: still a clean failure. */
      g_assert_cmpint (run_tool (arguments, &output), ==, 1);
      g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
    }

  g_unlink (rig_path);
  g_rmdir (directory);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/render/tool/capture", test_render_capture);
  g_test_add_func ("/render/tool/bad-rig", test_bad_rig);
  g_test_add_func ("/render/tool/studio", test_render_studio);

  return g_test_run ();
}
