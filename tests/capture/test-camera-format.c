/* test-camera-format.c: which of a camera's formats and sizes a source asks for
 *
 * Made-up cameras (no PipeWire needed): the size asked for, the frame rate,
 * the cost of the format, and the height limit the preferences set.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "capture/px-camera-source.h"

static PxCameraFormat
fixed (PxPixelFormat format,
       const char   *name,
       guint         width,
       guint         height,
       double        fps)
{
  PxCameraFormat entry = { 0 };

  entry.format = format;
  g_strlcpy (entry.format_name, name, sizeof entry.format_name);
  entry.width = width;
  entry.height = height;
  entry.min_fps = fps;
  entry.max_fps = fps;
  return entry;
}

static PxCaptureDevice *
camera_with (const PxCameraFormat *formats,
             guint                 n_formats)
{
  return px_capture_device_new (PX_DEVICE_KIND_CAMERA, 1, 1, "test-camera", "Test Camera", NULL,
                                NULL, formats, n_formats);
}

static void
assert_choice (PxCaptureDevice *device,
               guint            width,
               guint            height,
               guint            max_height,
               PxPixelFormat    want_format,
               guint            want_width,
               guint            want_height)
{
  PxPixelFormat format = PX_PIXEL_FORMAT_UNKNOWN;
  guint w = 0, h = 0;

  g_assert_true (px_camera_source_choose_format (device, width, height, 30, max_height,
                                                 &format, &w, &h));
  g_test_message ("%u×%u within %u lines: %s %u×%u", width, height, max_height,
                  px_pixel_format_to_string (format), w, h);
  g_assert_cmpint (format, ==, want_format);
  g_assert_cmpuint (w, ==, want_width);
  g_assert_cmpuint (h, ==, want_height);
}

/* A webcam as they come: raw sizes up to 720p (that one too slow), MJPG up
 * to 1080p. */
static void
test_webcam (void)
{
  const PxCameraFormat formats[] = {
    fixed (PX_PIXEL_FORMAT_YUY2, "YUY2", 320, 240, 30),
    fixed (PX_PIXEL_FORMAT_YUY2, "YUY2", 640, 480, 30),
    fixed (PX_PIXEL_FORMAT_YUY2, "YUY2", 1280, 720, 10),
    fixed (PX_PIXEL_FORMAT_MJPG, "MJPG", 640, 480, 30),
    fixed (PX_PIXEL_FORMAT_MJPG, "MJPG", 1280, 720, 30),
    fixed (PX_PIXEL_FORMAT_MJPG, "MJPG", 1920, 1080, 30),
  };
  g_autoptr(PxCaptureDevice) device = camera_with (formats, G_N_ELEMENTS (formats));

  /* The default: 640×480, raw (cheaper than MJPG at the same rate). */
  assert_choice (device, 0, 0, 0, PX_PIXEL_FORMAT_YUY2, 640, 480);
  /* 720p: MJPG, the raw one does not reach 30 fps. */
  assert_choice (device, 1280, 720, 0, PX_PIXEL_FORMAT_MJPG, 1280, 720);
  assert_choice (device, 1280, 720, 720, PX_PIXEL_FORMAT_MJPG, 1280, 720);
  /* 1080p asked for, 720 lines allowed: 720p. */
  assert_choice (device, 1920, 1080, 720, PX_PIXEL_FORMAT_MJPG, 1280, 720);
  /* No limit: the smallest size at least as large as asked. */
  assert_choice (device, 1600, 900, 0, PX_PIXEL_FORMAT_MJPG, 1920, 1080);
  /* 480 lines allowed (as PxLocalMedia asks: 854×480): 640×480 rather
   * than the larger 720p that would otherwise be nearest above. */
  assert_choice (device, 854, 480, 480, PX_PIXEL_FORMAT_YUY2, 640, 480);
  /* 360 lines: the camera has nothing between, so the largest below. */
  assert_choice (device, 640, 360, 360, PX_PIXEL_FORMAT_YUY2, 320, 240);
}

/* A camera that scales to any size in a range. */
static void
test_scaling_camera (void)
{
  PxCameraFormat range = fixed (PX_PIXEL_FORMAT_NV12, "NV12", 1920, 1080, 30);
  g_autoptr(PxCaptureDevice) device = NULL;

  range.min_width = 160;
  range.min_height = 120;
  range.max_width = 1920;
  range.max_height = 1080;
  device = camera_with (&range, 1);

  assert_choice (device, 1280, 720, 0, PX_PIXEL_FORMAT_NV12, 1280, 720);
  /* The request shrinks to the limit, keeping its shape. */
  assert_choice (device, 1280, 720, 480, PX_PIXEL_FORMAT_NV12, 852, 480);
  assert_choice (device, 1280, 720, 1080, PX_PIXEL_FORMAT_NV12, 1280, 720);
}

/* Where the camera offers nothing within the limit, its smallest excess
 * is still better than no picture; nothing readable at all is FALSE. */
static void
test_nothing_within (void)
{
  const PxCameraFormat big[] = {
    fixed (PX_PIXEL_FORMAT_YUY2, "YUY2", 1920, 1080, 30),
    fixed (PX_PIXEL_FORMAT_YUY2, "YUY2", 3840, 2160, 30),
  };
  const PxCameraFormat unreadable[] = {
    fixed (PX_PIXEL_FORMAT_UNKNOWN, "Y444", 640, 480, 30),
  };
  g_autoptr(PxCaptureDevice) device = camera_with (big, G_N_ELEMENTS (big));
  g_autoptr(PxCaptureDevice) odd = camera_with (unreadable, G_N_ELEMENTS (unreadable));

  assert_choice (device, 640, 360, 360, PX_PIXEL_FORMAT_YUY2, 1920, 1080);
  g_assert_false (px_camera_source_choose_format (odd, 0, 0, 0, 0, NULL, NULL, NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/capture/camera-format/webcam", test_webcam);
  g_test_add_func ("/capture/camera-format/scaling-camera", test_scaling_camera);
  g_test_add_func ("/capture/camera-format/nothing-within", test_nothing_within);

  return g_test_run ();
}
