/* test-capture-tool.c: `parallax-tool devices` and `parallax-tool capture` on a private PipeWire
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <json-glib/json-glib.h>

#include "px-capture-test.h"

#define TOOL_MS 60000

static char *
tool_path (void)
{
  return g_build_filename (PX_TEST_BUILD_DIR, "app", "parallax-tool", NULL);
}

static JsonObject *
find_named (JsonArray  *devices,
            const char *name)
{
  for (guint i = 0; i < json_array_get_length (devices); i++)
    {
      JsonObject *device = json_array_get_object_element (devices, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (device, "name", NULL),
                     name) == 0)
        return device;
    }
  return NULL;
}

static void
test_devices_json (void)
{
  PxTestHarness *harness = px_capture_test_harness_new ();
  PxTestCameraSpec camera_spec = { .name = "px-tool-camera", .description = "Tool Camera",
                                   .format = "MJPG", .width = 320, .height = 240 };
  PxTestMicrophoneSpec microphone_spec = { .name = "px-tool-microphone" };
  g_autofree char *tool = tool_path ();
  g_auto(GStrv) strict = NULL;
  const char *argv[] = { tool, "devices", "--json", NULL };
  const char *text_argv[] = { tool, "devices", NULL };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_autofree char *text = NULL;
  JsonObject *root, *camera, *format;
  JsonArray *formats;

  if (px_test_harness_add_camera (harness, &camera_spec) == NULL ||
      px_test_harness_add_microphone (harness, &microphone_spec) == NULL)
    return;

  /* Taken now: the harness has set up PipeWire's environment. */
  strict = px_capture_test_strict_environ ();
  output = px_test_run_sync (argv, (const char * const *) strict, TOOL_MS, &error);
  g_assert_no_error (error);
  g_assert_true (json_parser_load_from_data (parser, output, -1, &error));
  g_assert_no_error (error);

  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "camera_access"), ==, "connected");
  camera = find_named (json_object_get_array_member (root, "cameras"), "px-tool-camera");
  g_assert_nonnull (camera);
  g_assert_cmpstr (json_object_get_string_member (camera, "description"), ==, "Tool Camera");
  formats = json_object_get_array_member (camera, "formats");
  g_assert_cmpuint (json_array_get_length (formats), >=, 1);
  format = json_array_get_object_element (formats, 0);
  g_assert_cmpstr (json_object_get_string_member (format, "format"), ==, "MJPG");
  g_assert_true (json_object_get_boolean_member (format, "supported"));
  g_assert_cmpint (json_object_get_int_member (format, "width"), ==, 320);
  g_assert_cmpint (json_object_get_int_member (format, "height"), ==, 240);
  g_assert_nonnull (find_named (json_object_get_array_member (root, "microphones"),
                                "px-tool-microphone"));
  g_assert_null (find_named (json_object_get_array_member (root, "cameras"),
                             "px-tool-microphone"));

  text = px_test_run_sync (text_argv, (const char * const *) strict, TOOL_MS, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (text, "px-tool-camera"));
  g_assert_nonnull (strstr (text, "MJPG"));
}

static void
test_capture_png (void)
{
  PxTestHarness *harness = px_capture_test_harness_new ();
  PxTestCameraSpec spec = { .name = "px-tool-camera", .format = "NV12",
                            .width = 320, .height = 240 };
  g_autofree char *tool = tool_path ();
  g_auto(GStrv) strict = NULL;
  g_autofree char *out = NULL;
  g_autofree char *output = NULL;
  g_autofree char *first = NULL;
  g_autofree char *last = NULL;
  g_autoptr(GdkPixbuf) picture = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *pixels;
  int stride;

  if (px_test_harness_add_camera (harness, &spec) == NULL)
    return;
  out = g_build_filename (px_test_harness_get_tmp_dir (harness), "frames", NULL);
  strict = px_capture_test_strict_environ ();

  {
    const char *argv[] = { tool, "capture", "--camera", "px-tool-camera", "--size", "320x240",
                           "--fps", "30", "--frames", "5", "--out", out, NULL };

    output = px_test_run_sync (argv, (const char * const *) strict, TOOL_MS, &error);
    g_assert_no_error (error);
  }
  g_test_message ("%s", output);
  g_assert_nonnull (strstr (output, "Format: NV12 320×240 at 30 fps"));
  g_assert_nonnull (strstr (output, "Measured: "));
  g_assert_nonnull (strstr (output, "Wrote 5 frames"));

  first = g_build_filename (out, "frame-0000.png", NULL);
  last = g_build_filename (out, "frame-0004.png", NULL);
  g_assert_true (g_file_test (last, G_FILE_TEST_IS_REGULAR));
  picture = gdk_pixbuf_new_from_file (first, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (picture), ==, 320);
  g_assert_cmpint (gdk_pixbuf_get_height (picture), ==, 240);

  /* The first SMPTE bar is white, the last blue. */
  pixels = gdk_pixbuf_get_pixels (picture);
  stride = gdk_pixbuf_get_rowstride (picture);
  g_assert_cmpint (pixels[80 * stride + 22 * 3 + 0], >, 240);
  g_assert_cmpint (pixels[80 * stride + 22 * 3 + 2], >, 240);
  g_assert_cmpint (pixels[80 * stride + 297 * 3 + 0], <, 15);
  g_assert_cmpint (pixels[80 * stride + 297 * 3 + 2], >, 240);
}

static void
test_capture_bad_input (void)
{
  PxTestHarness *harness = px_capture_test_harness_new ();
  g_autofree char *tool = tool_path ();
  g_auto(GStrv) strict = NULL;
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;

  if (!px_test_harness_start_pipewire (harness))
    return;
  out = g_build_filename (px_test_harness_get_tmp_dir (harness), "frames", NULL);
  strict = px_capture_test_strict_environ ();

  {
    const char *argv[] = { tool, "capture", "--frames", "1", "--out", out, NULL };

    output = px_test_run_sync (argv, (const char * const *) strict, TOOL_MS, &error);
    g_assert_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED);
    g_assert_nonnull (strstr (error->message, "status 2"));
    g_assert_nonnull (strstr (error->message, "--camera"));
    g_clear_error (&error);
  }
  {
    const char *argv[] = { tool, "capture", "--camera", "x", "--size", "big", "--frames", "1",
                           "--out", out, NULL };

    output = px_test_run_sync (argv, (const char * const *) strict, TOOL_MS, &error);
    g_assert_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED);
    g_assert_nonnull (strstr (error->message, "status 2"));
    g_assert_nonnull (strstr (error->message, "big"));
    g_clear_error (&error);
  }
  {
    const char *argv[] = { tool, "capture", "--camera", "no-such-camera", "--frames", "1",
                           "--out", out, NULL };

    output = px_test_run_sync (argv, (const char * const *) strict, TOOL_MS, &error);
    g_assert_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED);
    g_assert_nonnull (strstr (error->message, "status 1"));
    g_assert_nonnull (strstr (error->message, "No camera “no-such-camera”"));
    g_clear_error (&error);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/capture/tool/devices-json", test_devices_json);
  g_test_add_func ("/capture/tool/capture-png", test_capture_png);
  g_test_add_func ("/capture/tool/bad-input", test_capture_bad_input);

  return g_test_run ();
}
