/* test-tool-reconstruct.c: `parallax-tool reconstruct` on frames of the
 * synthetic studio, and on broken input
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "px-tool-test.h"
#include "recon/px-pfm.h"
#include "studio/px-studio.h"

/* Microseconds a case may take on a loaded machine. */
#define DEADLINE (300 * G_USEC_PER_SEC)

/* Two frame sets of the studio's default rig, made once for all cases. */
static void
test_reconstruct_studio_frames (void)
{
  g_autofree char *frames = px_tool_test_path ("frames", NULL);

  if (g_test_subprocess ())
    exit (px_tool_test_run ("studio", "--frames", "2", "--out", frames, NULL));

  g_test_trap_subprocess (NULL, DEADLINE, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_reconstruct_writes_views (void)
{
  g_autofree char *frames = px_tool_test_path ("frames", NULL);
  g_autofree char *rig = px_tool_test_path ("frames", "rig.json", NULL);
  g_autofree char *out = px_tool_test_path ("out", NULL);
  g_autofree char *depth_path = px_tool_test_path ("out", "left", "depth-000001.pfm", NULL);
  g_autofree char *ply_path = px_tool_test_path ("out", "left", "points-000001.ply", NULL);
  g_autofree char *timings_path = px_tool_test_path ("out", "timings.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree float *depth = NULL;
  g_autofree char *ply = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *timings;
  guint width, height, valid = 0;
  const char *count;

  if (g_test_subprocess ())
    exit (px_tool_test_run ("reconstruct", "--rig", rig, "--frames", frames, "--out", out,
                            "--step", "4", "--threads", "2", NULL));

  g_test_trap_subprocess (NULL, DEADLINE, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*2 frame pairs: median per pair*stereo*");

  /* A depth map at a quarter of 640×480, mostly the person at ~1.5 m. */
  depth = px_pfm_load (depth_path, &width, &height, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (width, ==, 160);
  g_assert_cmpuint (height, ==, 120);
  for (guint i = 0; i < width * height; i++)
    if (isfinite (depth[i]))
      {
        g_assert_cmpfloat (depth[i], >, 0.3);
        g_assert_cmpfloat (depth[i], <, 3.0);
        valid++;
      }
  g_assert_cmpuint (valid, >, 1000);

  g_assert_true (g_file_get_contents (ply_path, &ply, NULL, NULL));
  g_assert_true (g_str_has_prefix (ply, "ply\nformat ascii 1.0\n"));
  count = strstr (ply, "element vertex ");
  g_assert_nonnull (count);
  g_assert_cmpuint (g_ascii_strtoull (count + strlen ("element vertex "), NULL, 10), ==, valid);

  g_assert_true (json_parser_load_from_file (parser, timings_path, &error));
  g_assert_no_error (error);
  timings = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (timings, "frame_pairs"), ==, 2);
  g_assert_cmpfloat (json_object_get_double_member (json_object_get_object_member (timings, "median_ms"),
                                                    "stereo"), >, 0);
}

/* Frames of the empty studio, as a folder per camera: the room of
 * `parallax-tool studio`'s defaults (seed 0, sensor noise 1). */
static void
write_empty_frames (void)
{
  g_autoptr(PxStudioRig) rig = px_studio_rig_new_default ();
  g_autoptr(PxStudioPerson) person = px_studio_person_new (1.75, 0);
  g_autoptr(PxStudio) studio = NULL;

  for (guint i = 0; i < px_studio_rig_get_n_cameras (rig); i++)
    px_studio_rig_get_camera (rig, i)->noise = 1.0;
  studio = px_studio_new (rig, person, 0, 2);
  px_studio_set_show_person (studio, FALSE);
  for (guint f = 0; f < 3; f++)
    {
      px_studio_render (studio, f / 30.0, 100 + f);
      for (guint camera = 0; camera < 2; camera++)
        {
          const PxStudioView *view = px_studio_get_view (studio, camera);
          g_autofree char *name = g_strdup_printf ("frame-%06u.png", f);
          g_autofree char *folder = px_tool_test_path ("empty-room", camera ? "right" : "left", NULL);
          g_autofree char *file = g_build_filename (folder, name, NULL);
          g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_data (view->rgb, GDK_COLORSPACE_RGB, FALSE, 8,
                                                                 (int) view->width, (int) view->height,
                                                                 (int) view->rgb_stride, NULL, NULL);

          g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
          g_assert_true (gdk_pixbuf_save (pixbuf, file, "png", NULL, NULL));
        }
    }
}

/* With frames of the empty room, only the person is kept, and the
 * silhouettes written match the studio's true masks. */
static void
test_reconstruct_background (void)
{
  g_autofree char *frames = px_tool_test_path ("frames", NULL);
  g_autofree char *rig = px_tool_test_path ("frames", "rig.json", NULL);
  g_autofree char *empty = px_tool_test_path ("empty-room", NULL);
  g_autofree char *out = px_tool_test_path ("out-person", NULL);
  g_autofree char *mask_path = px_tool_test_path ("out-person", "left", "mask-000001.png", NULL);
  g_autofree char *truth_path = px_tool_test_path ("frames", "left", "mask-000001.png", NULL);
  g_autoptr(GdkPixbuf) mask = NULL;
  g_autoptr(GdkPixbuf) truth = NULL;
  g_autoptr(GError) error = NULL;
  guint both = 0, either = 0;
  const guint8 *m, *t;

  if (g_test_subprocess ())
    exit (px_tool_test_run ("reconstruct", "--rig", rig, "--frames", frames, "--background", empty, "--out", out,
                            "--step", "4", "--threads", "2", NULL));

  write_empty_frames ();
  g_test_trap_subprocess (NULL, DEADLINE, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*segment*");

  mask = gdk_pixbuf_new_from_file (mask_path, &error);
  g_assert_no_error (error);
  truth = gdk_pixbuf_new_from_file (truth_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (mask), ==, 160);
  m = gdk_pixbuf_read_pixels (mask);
  t = gdk_pixbuf_read_pixels (truth);
  /* Each cell against the true mask at the cell's centre pixel. */
  for (int y = 0; y < 120; y++)
    for (int x = 0; x < 160; x++)
      {
        gboolean ours = m[y * gdk_pixbuf_get_rowstride (mask) + x * gdk_pixbuf_get_n_channels (mask)] == 255;
        gboolean real = t[(4 * y + 2) * gdk_pixbuf_get_rowstride (truth)
                          + (4 * x + 2) * gdk_pixbuf_get_n_channels (truth)] == 255;

        both += ours && real;
        either += ours || real;
      }
  g_test_message ("silhouette IoU on the 160×120 grid: %.3f", (double) both / either);
  g_assert_cmpfloat ((double) both / either, >=, 0.9);
}

typedef struct
{
  const char *rig;      /* relative to the test folder */
  const char *frames;
  const char *step;     /* or "background:DIR" */
  int status;
  const char *message;
} BadCase;

static const BadCase bad_cases[] = {
  { "missing.json", "frames", "1", 1, "*missing.json*" },
  { "broken.json", "frames", "1", 1, "*cameras[0].fx*" },
  { "unpaired.json", "frames", "1", 1, "*no stereo pairs*" },
  { "frames/rig.json", "empty", "1", 1, "*no frame pairs found under*empty*" },
  { "frames/rig.json", "nothing-here", "1", 1, "*nothing-here*" },
  { "frames/rig.json", "small", "1", 1, "*is 320*240 but camera*left*is 640*480*" },
  { "frames/rig.json", "frames", "0", 2, "*--step must be*" },
  { "frames/rig.json", "frames", "background:empty", 1, "*No frame pairs of the empty studio*" },
};

static void
test_reconstruct_bad_input (gconstpointer data)
{
  const BadCase *c = data;
  g_autofree char *rig = px_tool_test_path (c->rig, NULL);
  g_autofree char *frames = px_tool_test_path (c->frames, NULL);
  g_autofree char *out = px_tool_test_path ("bad-out", NULL);

  if (g_test_subprocess ())
    {
      int code;

      /* "background:DIR" stands for a background folder instead of a step. */
      if (g_str_has_prefix (c->step, "background:"))
        {
          g_autofree char *background = px_tool_test_path (c->step + strlen ("background:"), NULL);

          code = px_tool_test_run ("reconstruct", "--rig", rig, "--frames", frames, "--out", out,
                                   "--background", background, NULL);
        }
      else
        code = px_tool_test_run ("reconstruct", "--rig", rig, "--frames", frames, "--out", out, "--step", c->step, NULL);

      px_tool_test_exit (code);
    }

  px_tool_test_trap_failed (c->status, DEADLINE);
  g_test_trap_assert_stderr (c->message);
}

/* Inputs for the bad cases, derived from the studio's rig file. */
static void
write_bad_inputs (void)
{
  g_autofree char *rig_path = px_tool_test_path ("frames", "rig.json", NULL);
  g_autofree char *rig = NULL;
  g_autoptr(GString) broken = NULL;
  g_autoptr(GString) unpaired = NULL;
  g_autofree char *broken_path = px_tool_test_path ("broken.json", NULL);
  g_autofree char *unpaired_path = px_tool_test_path ("unpaired.json", NULL);
  g_autofree char *empty_left = px_tool_test_path ("empty", "left", NULL);
  g_autofree char *small_left = px_tool_test_path ("small", "left", NULL);
  g_autofree char *small_right = px_tool_test_path ("small", "right", NULL);
  g_autofree char *small_frame = px_tool_test_path ("small", "left", "frame-000000.png", NULL);
  g_autofree char *small_frame_right = px_tool_test_path ("small", "right", "frame-000000.png", NULL);
  g_autoptr(GdkPixbuf) small = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 320, 240);
  char *pairs;

  g_assert_true (g_file_get_contents (rig_path, &rig, NULL, NULL));
  broken = g_string_new (rig);
  g_assert_cmpuint (g_string_replace (broken, "\"fx\"", "\"focal\"", 1), ==, 1);
  g_assert_true (g_file_set_contents (broken_path, broken->str, -1, NULL));
  unpaired = g_string_new (rig);
  pairs = strstr (unpaired->str, "\"pairs\"");
  g_assert_nonnull (pairs);
  g_string_truncate (unpaired, pairs - unpaired->str);
  g_string_append (unpaired, "\"pairs\": [] }\n");
  g_assert_true (g_file_set_contents (unpaired_path, unpaired->str, -1, NULL));

  g_assert_cmpint (g_mkdir_with_parents (empty_left, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (small_left, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (small_right, 0700), ==, 0);
  gdk_pixbuf_fill (small, 0x404040ff);
  g_assert_true (gdk_pixbuf_save (small, small_frame, "png", NULL, NULL));
  g_assert_true (gdk_pixbuf_save (small, small_frame_right, "png", NULL, NULL));
}

static void
test_reconstruct_prepare_bad_inputs (void)
{
  write_bad_inputs ();
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);

  /* The parent owns the folder; its subprocesses find it through the
   * environment they inherit. Cases run in order and build on each other. */
  px_tool_test_folder_init ("PX_TEST_RECONSTRUCT_DIR", "px-tool-reconstruct-XXXXXX");

  g_test_add_func ("/recon/tool-reconstruct/studio-frames", test_reconstruct_studio_frames);
  g_test_add_func ("/recon/tool-reconstruct/writes-views", test_reconstruct_writes_views);
  g_test_add_func ("/recon/tool-reconstruct/background", test_reconstruct_background);
  g_test_add_func ("/recon/tool-reconstruct/prepare-bad-inputs", test_reconstruct_prepare_bad_inputs);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/recon/tool-reconstruct/bad-input/%" G_GSIZE_FORMAT, i);

      g_test_add_data_func (name, &bad_cases[i], test_reconstruct_bad_input);
    }

  status = g_test_run ();
  if (!g_test_subprocess ())
    px_tool_test_folder_remove ();
  return status;
}
