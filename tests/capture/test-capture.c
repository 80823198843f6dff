/* test-capture.c: cameras, microphones and speakers on a real private PipeWire
 *
 * Fake devices are GStreamer pipelines (videotestsrc, audiotestsrc) that
 * the harness publishes into a PipeWire + WirePlumber of the test's own.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <signal.h>
#include <string.h>

#include "capture/px-capture-error.h"
#include "media/px-pixel-convert.h"
#include "studio/px-studio-publisher.h"
#include "px-capture-test.h"

/* SMPTE bars as videotestsrc draws them: seven bars at full intensity across the top
 * two thirds, left to right. */
static const guint8 smpte_bars[7][3] = {
  { 255, 255, 255 }, /* white */
  { 255, 255, 0 },   /* yellow */
  { 0, 255, 255 },   /* cyan */
  { 0, 255, 0 },     /* green */
  { 255, 0, 255 },   /* magenta */
  { 255, 0, 0 },     /* red */
  { 0, 0, 255 },     /* blue */
};

typedef struct
{
  PxTestHarness        *harness;
  PxPipewireConnection *connection;
} Fixture;

static gboolean
fixture_start (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  fixture->harness = px_capture_test_harness_new ();
  if (!px_test_harness_start_pipewire (fixture->harness))
    return FALSE;

  fixture->connection = px_pipewire_connection_new (PX_PIPEWIRE_ACCESS_DIRECT);
  if (!px_capture_test_wait_state (fixture->connection, PX_PIPEWIRE_STATE_CONNECTED, &error))
    {
      g_test_fail_printf ("%s", error->message);
      return FALSE;
    }
  return TRUE;
}

static void
fixture_stop (Fixture *fixture)
{
  g_clear_object (&fixture->connection);
  px_capture_test_drain ();
}

static void
assert_smpte_bars (const PxFrame *frame,
                   int            tolerance)
{
  guint y = frame->height / 3;

  for (guint bar = 0; bar < 7; bar++)
    {
      guint x = (2 * bar + 1) * frame->width / 14;
      guint8 r, g, b;

      px_pixel_yuv_to_rgb (frame->planes[0][y * frame->strides[0] + x],
                           frame->planes[1][(y / 2) * frame->strides[1] + x / 2],
                           frame->planes[2][(y / 2) * frame->strides[2] + x / 2],
                           &r, &g, &b);
      if (ABS ((int) r - smpte_bars[bar][0]) > tolerance ||
          ABS ((int) g - smpte_bars[bar][1]) > tolerance ||
          ABS ((int) b - smpte_bars[bar][2]) > tolerance)
        g_error ("Bar %u at (%u, %u) is %u,%u,%u; the producer drew %u,%u,%u", bar, x, y,
                 r, g, b, smpte_bars[bar][0], smpte_bars[bar][1], smpte_bars[bar][2]);
    }
}

static PxCameraSource *
open_camera (Fixture    *fixture,
             const char *name,
             guint       width,
             guint       height)
{
  g_autoptr(GError) error = NULL;
  PxCameraSource *source;

  g_assert_nonnull (px_capture_test_wait_device (fixture->connection, name, &error));
  g_assert_no_error (error);

  source = px_camera_source_new (fixture->connection, name, width, height, 30);
  g_assert_true (px_camera_source_start (source, &error));
  g_assert_no_error (error);

  return source;
}

/* The next frame; when none comes, the producer's fate goes into the log. */
static PxFrame *
wait_frame_from (PxCameraSource *source,
                 PxTestNode     *camera)
{
  g_autoptr(GError) error = NULL;
  PxFrame *frame = px_capture_test_wait_frame (source, &error);

  if (error != NULL)
    {
      PxTestProcess *producer = px_test_node_get_process (camera);
      g_autofree char *status = px_test_process_describe_status (producer);
      g_autofree char *log = px_test_process_read_log_tail (producer, 2000);

      g_test_message ("The producer (pid %d) %s; its log ends: %s",
                      (int) px_test_process_get_pid (producer), status, log);
    }
  g_assert_no_error (error);
  return frame;
}

/* Each format --------------------------------------------------------------------------- */

static void
test_format (gconstpointer data)
{
  const char *format = data;
  gboolean mjpg = g_str_equal (format, "MJPG");
  PxTestCameraSpec spec = { .format = format, .width = 320, .height = 240 };
  g_autoptr(PxCameraSource) source = NULL;
  g_autoptr(PxFrame) first = NULL;
  g_autoptr(PxFrame) second = NULL;
  g_autoptr(GError) error = NULL;
  Fixture fixture = { 0 };
  PxCaptureDevice *device;
  PxTestNode *camera;
  const PxCameraFormat *formats;
  guint n_formats;
  gint64 before;

  if (!fixture_start (&fixture))
    return;
  camera = px_test_harness_add_camera (fixture.harness, &spec);
  if (camera == NULL)
    return;

  device = px_capture_test_wait_device (fixture.connection, px_test_node_get_name (camera),
                                        &error);
  g_assert_no_error (error);
  g_assert_cmpint (px_capture_device_get_kind (device), ==, PX_DEVICE_KIND_CAMERA);
  g_assert_cmpstr (px_capture_device_get_description (device), ==,
                   px_test_node_get_description (camera));
  formats = px_capture_device_get_formats (device, &n_formats);
  g_assert_cmpuint (n_formats, >=, 1);
  g_assert_cmpstr (formats[0].format_name, ==, format);
  g_assert_cmpuint (formats[0].width, ==, 320);
  g_assert_cmpuint (formats[0].height, ==, 240);

  before = g_get_monotonic_time ();
  source = open_camera (&fixture, px_test_node_get_name (camera), 320, 240);
  first = wait_frame_from (source, camera);

  g_assert_cmpstr (px_pixel_format_to_string (px_camera_source_get_format (source)), ==,
                   format);
  g_assert_cmpint (first->format, ==, PX_PIXEL_FORMAT_I420);
  g_assert_cmpuint (first->width, ==, 320);
  g_assert_cmpuint (first->height, ==, 240);
  g_assert_cmpint (first->capture_time_us, >=, before);
  g_assert_cmpint (first->capture_time_us, <=, g_get_monotonic_time ());
  assert_smpte_bars (first, mjpg ? 24 : 8);

  /* Frames keep coming, in order, stamped later. */
  second = wait_frame_from (source, camera);
  g_assert_cmpuint (second->sequence, >, first->sequence);
  g_assert_cmpint (second->capture_time_us, >, first->capture_time_us);
  assert_smpte_bars (second, mjpg ? 24 : 8);

  px_camera_source_stop (source);
  g_assert_cmpint (px_camera_source_get_state (source), ==, PX_CAMERA_SOURCE_STATE_IDLE);
  fixture_stop (&fixture);
}

/* The camera offers one size; a different request still gets frames, at its size. */
static void
test_size_fallback (void)
{
  PxTestCameraSpec spec = { .format = "YUY2", .width = 320, .height = 240 };
  g_autoptr(PxCameraSource) source = NULL;
  g_autoptr(PxFrame) frame = NULL;
  g_autoptr(GError) error = NULL;
  Fixture fixture = { 0 };
  PxTestNode *camera;

  if (!fixture_start (&fixture))
    return;
  camera = px_test_harness_add_camera (fixture.harness, &spec);
  if (camera == NULL)
    return;

  source = open_camera (&fixture, px_test_node_get_name (camera), 1280, 720);
  frame = wait_frame_from (source, camera);
  g_assert_cmpuint (frame->width, ==, 320);
  g_assert_cmpuint (frame->height, ==, 240);
  assert_smpte_bars (frame, 8);

  fixture_stop (&fixture);
}

static void
test_unsupported_format (void)
{
  PxTestCameraSpec spec = { .format = "Y444", .width = 320, .height = 240 };
  g_autoptr(PxCameraSource) source = NULL;
  g_autoptr(GError) error = NULL;
  Fixture fixture = { 0 };
  PxTestNode *camera;

  if (!fixture_start (&fixture))
    return;
  camera = px_test_harness_add_camera (fixture.harness, &spec);
  if (camera == NULL)
    return;

  g_assert_nonnull (px_capture_test_wait_device (fixture.connection,
                                                 px_test_node_get_name (camera), &error));
  source = px_camera_source_new (fixture.connection, px_test_node_get_name (camera),
                                 320, 240, 30);
  g_assert_false (px_camera_source_start (source, &error));
  g_assert_error (error, PX_CAPTURE_ERROR, PX_CAPTURE_ERROR_UNSUPPORTED_FORMAT);
  g_assert_nonnull (strstr (error->message, "Y444"));
  g_assert_nonnull (strstr (error->message, px_test_node_get_description (camera)));
  g_assert_cmpint (px_camera_source_get_state (source), ==, PX_CAMERA_SOURCE_STATE_IDLE);
  g_clear_error (&error);

  /* An unknown camera is as clear. */
  g_clear_object (&source);
  source = px_camera_source_new (fixture.connection, "no-such-camera", 0, 0, 0);
  g_assert_false (px_camera_source_start (source, &error));
  g_assert_error (error, PX_CAPTURE_ERROR, PX_CAPTURE_ERROR_NOT_FOUND);

  fixture_stop (&fixture);
}

/* Camera off and on as a meeting does it: stopped for a while, then
 * started again, twice; frames come back each time, and while stopped our
 * stream is gone from the graph (the camera is released). The camera is
 * the synthetic studio's, a PipeWire node of our own that streams again
 * to a consumer that comes back, as a V4L2 camera does. (GStreamer's
 * pipewiresink, the other tests' fake camera, sends nothing more once its
 * consumer has been away for a second or so: a fault of that producer,
 * not of the stream here, which reconnects alike to both.) */
static void
test_stop_wait_start (void)
{
  g_autoptr(PxStudioRig) rig = px_studio_rig_new_line (1, 0.12, 320, 240, 1.5);
  g_autoptr(PxStudioPerson) person = px_studio_person_new (1.75, 1);
  g_autoptr(PxStudio) studio = NULL;
  g_autoptr(PxStudioPublisher) publisher = NULL;
  g_autoptr(PxCameraSource) source = NULL;
  g_autoptr(GError) error = NULL;
  Fixture fixture = { 0 };
  const char *name;
  guint64 last_sequence = 0;

  if (!fixture_start (&fixture))
    return;
  studio = px_studio_new (rig, person, 1, 1);
  publisher = px_studio_publisher_new (studio, 15, 0);
  g_assert_true (px_studio_publisher_start (publisher, &error));
  g_assert_no_error (error);
  name = px_studio_rig_get_camera (rig, 0)->id;
  g_assert_nonnull (px_capture_test_wait_device (fixture.connection, name, &error));
  g_assert_no_error (error);

  source = px_camera_source_new (fixture.connection, name, 320, 240, 15);
  for (guint round = 0; round < 3; round++)
    {
      g_autoptr(PxFrame) first = NULL;
      g_autoptr(PxFrame) second = NULL;

      g_assert_true (px_camera_source_start (source, &error));
      g_assert_no_error (error);
      first = px_capture_test_wait_frame (source, &error);
      g_assert_no_error (error);
      second = px_capture_test_wait_frame (source, &error);
      g_assert_no_error (error);
      g_test_message ("round %u: frames %" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT,
                      round, first->sequence, second->sequence);
      g_assert_cmpuint (first->width, ==, 320);
      g_assert_cmpuint (second->sequence, >, first->sequence);
      if (round > 0)
        g_assert_cmpuint (first->sequence, >, last_sequence);
      last_sequence = second->sequence;

      px_camera_source_stop (source);
      g_assert_cmpint (px_camera_source_get_state (source), ==, PX_CAMERA_SOURCE_STATE_IDLE);
      g_assert_null (px_camera_source_take_frame (source));
      /* Our stream left the graph: the camera is released. */
      g_assert_true (px_test_harness_wait_for_object_gone (fixture.harness, "PipeWire:Interface:Node",
                                                           "node.name", "parallax-camera",
                                                           PX_CAPTURE_TEST_WAIT_MS, &error));
      g_assert_no_error (error);
      /* Off for a moment, the main loop running as in an application. */
      {
        gint64 until = g_get_monotonic_time () + 1500 * 1000;

        while (g_get_monotonic_time () < until)
          {
            px_capture_test_drain ();
            g_usleep (10 * 1000);
          }
      }
    }

  px_studio_publisher_stop (publisher);
  fixture_stop (&fixture);
}

/* Hotplug ---------------------------------------------------------------------------------- */

typedef struct
{
  GPtrArray *added;
  GPtrArray *removed;
  GThread   *thread;
  gboolean   wrong_thread;
} MonitorLog;

static void
monitor_added_cb (PxDeviceMonitor *monitor,
                  PxCaptureDevice *device,
                  MonitorLog      *log)
{
  if (g_thread_self () != log->thread)
    log->wrong_thread = TRUE;
  g_ptr_array_add (log->added, g_strdup (px_capture_device_get_name (device)));
}

static void
monitor_removed_cb (PxDeviceMonitor *monitor,
                    PxCaptureDevice *device,
                    MonitorLog      *log)
{
  if (g_thread_self () != log->thread)
    log->wrong_thread = TRUE;
  g_ptr_array_add (log->removed, g_strdup (px_capture_device_get_name (device)));
}

typedef struct
{
  GPtrArray  *names;
  const char *name;
} NameWait;

static gboolean
name_logged_cb (gpointer   data,
                GError   **error)
{
  NameWait *wait = data;

  for (guint i = 0; i < wait->names->len; i++)
    {
      if (g_str_equal (g_ptr_array_index (wait->names, i), wait->name))
        return TRUE;
    }
  return FALSE;
}

static void
test_hotplug (void)
{
  g_autoptr(PxDeviceMonitor) monitor = NULL;
  g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  MonitorLog log = { added, removed, g_thread_self (), FALSE };
  Fixture fixture = { 0 };
  PxTestNode *camera, *microphone;
  NameWait wait;

  if (!fixture_start (&fixture))
    return;

  monitor = px_device_monitor_new (PX_DEVICE_KIND_CAMERA, fixture.connection);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (monitor)), ==, 0);
  g_signal_connect (monitor, "added", G_CALLBACK (monitor_added_cb), &log);
  g_signal_connect (monitor, "removed", G_CALLBACK (monitor_removed_cb), &log);

  camera = px_test_harness_add_camera (fixture.harness, NULL);
  if (camera == NULL)
    return;
  name = g_strdup (px_test_node_get_name (camera));
  wait.names = added;
  wait.name = name;
  g_assert_true (px_test_wait_until (name_logged_cb, &wait, PX_CAPTURE_TEST_WAIT_MS,
                                     "the camera's added signal", &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (monitor)), ==, 1);
  g_assert_nonnull (px_device_monitor_find (monitor, name));

  /* A microphone is not a camera. */
  microphone = px_test_harness_add_microphone (fixture.harness, NULL);
  if (microphone == NULL)
    return;
  g_assert_nonnull (px_capture_test_wait_device (fixture.connection,
                                                 px_test_node_get_name (microphone), &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (monitor)), ==, 1);

  g_assert_true (px_test_harness_remove_node (fixture.harness, camera));
  wait.names = removed;
  g_assert_true (px_test_wait_until (name_logged_cb, &wait, PX_CAPTURE_TEST_WAIT_MS,
                                     "the camera's removed signal", &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (monitor)), ==, 0);
  g_assert_cmpuint (added->len, ==, 1);
  g_assert_cmpuint (removed->len, ==, 1);
  g_assert_false (log.wrong_thread);

  g_signal_handlers_disconnect_by_data (monitor, &log);
  g_clear_object (&monitor);
  fixture_stop (&fixture);
}

static void
ended_cb (PxCameraSource *source,
          const GError   *error,
          GError        **out)
{
  g_clear_error (out);
  *out = g_error_copy (error);
}

static gboolean
error_set_cb (gpointer   data,
              GError   **error)
{
  GError **out = data;

  return *out != NULL;
}

static void
test_unplug_while_streaming (void)
{
  PxTestCameraSpec spec = { .name = "px-test-unplugged", .format = "NV12",
                            .width = 320, .height = 240 };
  g_autoptr(PxCameraSource) source = NULL;
  g_autoptr(PxFrame) frame = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) ended = NULL;
  Fixture fixture = { 0 };
  PxTestNode *camera;

  if (!fixture_start (&fixture))
    return;
  camera = px_test_harness_add_camera (fixture.harness, &spec);
  if (camera == NULL)
    return;

  source = open_camera (&fixture, spec.name, 320, 240);
  g_signal_connect (source, "ended", G_CALLBACK (ended_cb), &ended);
  frame = wait_frame_from (source, camera);
  g_clear_pointer (&frame, px_frame_unref);

  g_assert_true (px_test_harness_remove_node (fixture.harness, camera));
  g_assert_true (px_test_wait_until (error_set_cb, &ended, PX_CAPTURE_TEST_WAIT_MS,
                                     "the source to end", &error));
  g_assert_error (ended, PX_CAPTURE_ERROR, PX_CAPTURE_ERROR_DISCONNECTED);
  g_assert_cmpint (px_camera_source_get_state (source), ==, PX_CAMERA_SOURCE_STATE_ENDED);
  g_assert_nonnull (px_camera_source_get_error (source));

  /* The camera comes back: the same source opens it again. */
  camera = px_test_harness_add_camera (fixture.harness, &spec);
  if (camera == NULL)
    return;
  g_assert_nonnull (px_capture_test_wait_device (fixture.connection, spec.name, &error));
  g_assert_true (px_camera_source_start (source, &error));
  g_assert_no_error (error);
  frame = wait_frame_from (source, camera);
  g_assert_cmpuint (frame->width, ==, 320);
  assert_smpte_bars (frame, 8);

  g_signal_handlers_disconnect_by_data (source, &ended);
  fixture_stop (&fixture);
}

/* The daemon dies ------------------------------------------------------------------------- */

static void
state_log_cb (PxPipewireConnection *connection,
              GParamSpec           *pspec,
              GArray               *states)
{
  PxPipewireState state = px_pipewire_connection_get_state (connection);

  g_array_append_val (states, state);
}

static void
test_daemon_restart (void)
{
  PxTestCameraSpec spec = { .name = "px-test-survivor", .format = "YUY2",
                            .width = 320, .height = 240 };
  g_autoptr(PxCameraSource) source = NULL;
  g_autoptr(PxFrame) frame = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) states = g_array_new (FALSE, FALSE, sizeof (PxPipewireState));
  Fixture fixture = { 0 };
  PxTestNode *camera;
  gboolean saw_reconnecting = FALSE;

  if (!fixture_start (&fixture))
    return;
  camera = px_test_harness_add_camera (fixture.harness, &spec);
  if (camera == NULL)
    return;

  source = open_camera (&fixture, spec.name, 320, 240);
  frame = wait_frame_from (source, camera);
  g_clear_pointer (&frame, px_frame_unref);
  g_signal_connect (fixture.connection, "notify::state", G_CALLBACK (state_log_cb), states);

  /* A crash, and a service manager starting it again; the camera's own
   * process went down with the daemon and is started again, as a device
   * monitor would publish the camera again. */
  g_assert_true (px_test_harness_kill_pipewire (fixture.harness, SIGKILL));
  px_test_harness_stop_process (fixture.harness, px_test_node_get_process (camera));
  g_assert_true (px_test_harness_restart_pipewire (fixture.harness));
  camera = px_test_harness_add_camera (fixture.harness, &spec);
  if (camera == NULL)
    return;

  /* Nothing is called on the source: frames simply come again. */
  frame = wait_frame_from (source, camera);
  g_assert_cmpuint (frame->width, ==, 320);
  assert_smpte_bars (frame, 8);
  g_assert_cmpint (px_camera_source_get_state (source), !=, PX_CAMERA_SOURCE_STATE_ENDED);
  g_assert_cmpint (px_pipewire_connection_get_state (fixture.connection), ==,
                   PX_PIPEWIRE_STATE_CONNECTED);
  for (guint i = 0; i < states->len; i++)
    saw_reconnecting |= g_array_index (states, PxPipewireState, i) == PX_PIPEWIRE_STATE_RECONNECTING;
  g_assert_true (saw_reconnecting);

  g_signal_handlers_disconnect_by_data (fixture.connection, states);
  fixture_stop (&fixture);
}

/* Audio --------------------------------------------------------------------------------- */

typedef struct
{
  PxMicrophoneSource *microphone;
  float              *samples;
  guint               wanted;
  guint               got;
  gboolean            skip_silence;
  guint               warm_up;     /* samples dropped after the first sound */
  gboolean            heard;
} Recording;

static gboolean
recorded_cb (gpointer   data,
             GError   **error)
{
  Recording *recording = data;
  float block[PX_AUDIO_PERIOD_FRAMES];
  guint n;

  while ((n = px_microphone_source_read (recording->microphone, block, G_N_ELEMENTS (block))) > 0)
    {
      guint start = 0;

      /* Before a link exists, streams deliver silence; the first moments of
       * sound may still stutter while the graph settles. */
      if (recording->skip_silence && recording->got == 0)
        {
          while (start < n && fabsf (block[start]) < 1e-3f && !recording->heard)
            start++;
          if (start < n)
            recording->heard = TRUE;
          while (start < n && recording->warm_up > 0)
            {
              start++;
              recording->warm_up--;
            }
        }
      n = MIN (n - start, recording->wanted - recording->got);
      memcpy (recording->samples + recording->got, block + start, n * sizeof (float));
      recording->got += n;
    }
  if (px_microphone_source_get_state (recording->microphone) == PX_AUDIO_STREAM_STATE_ENDED)
    {
      g_set_error (error, PX_CAPTURE_ERROR, PX_CAPTURE_ERROR_FAILED, "the microphone ended");
      return FALSE;
    }
  return recording->got >= recording->wanted;
}

/* The tone must hold the energy at the level the producer was asked for, in
 * at least one 100 ms window: on a loaded machine a producer may stutter
 * once, which says nothing about our capture. */
static void
assert_tone (const float *samples,
             guint        n,
             double       frequency,
             double       amplitude)
{
  const guint window = PX_AUDIO_RATE / 10;
  double expected = amplitude * amplitude / 2;
  double best = -1, below = 0, above = 0, mean_square = 0;

  g_assert_cmpuint (n, >=, window);
  for (guint start = 0; start + window <= n; start += window / 2)
    {
      double power = px_capture_test_tone_power (samples + start, window, frequency,
                                                 PX_AUDIO_RATE);

      if (power > best)
        {
          best = power;
          below = px_capture_test_tone_power (samples + start, window, frequency * 0.7,
                                              PX_AUDIO_RATE);
          above = px_capture_test_tone_power (samples + start, window, frequency * 1.5,
                                              PX_AUDIO_RATE);
          mean_square = 0;
          for (guint i = start; i < start + window; i++)
            mean_square += (double) samples[i] * samples[i];
          mean_square /= window;
        }
    }

  g_test_message ("tone %.0f Hz: power %.4f (expected %.4f), neighbours %.5f %.5f, "
                  "mean square %.4f", frequency, best, expected, below, above, mean_square);
  g_assert_cmpfloat (best, >, expected * 0.8);
  g_assert_cmpfloat (best, <, expected * 1.2);
  g_assert_cmpfloat (below, <, expected * 0.01);
  g_assert_cmpfloat (above, <, expected * 0.01);
  g_assert_cmpfloat (fabs (mean_square - expected), <, expected * 0.2);
}

/* A microphone playing a tone that audiotestsrc made: GStreamer's
 * pipewiresink stalls after a few audio buffers in this PipeWire version, so
 * pw-cat publishes the recorded tone as an Audio/Source node instead. */
static PxTestProcess *
add_tone_microphone (PxTestHarness *harness,
                     const char    *name,
                     double         frequency,
                     double         volume)
{
  PxTestProcess *process;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (px_test_harness_get_tmp_dir (harness), "tone.wav", NULL);
  g_autofree char *location = g_strdup_printf ("location=%s", path);
  g_autofree char *freq = g_strdup_printf ("freq=%g", frequency);
  g_autofree char *vol = g_strdup_printf ("volume=%g", volume);
  g_autofree char *properties = g_strdup_printf ("{ media.class=Audio/Source node.name=%s "
                                                 "node.description=\"Tone Microphone\" }", name);
  g_autofree char *output = NULL;
  /* 60 s of tone: longer than any wait below. */
  const char *generate[] = {
    "gst-launch-1.0", "-q", "audiotestsrc", "wave=sine", freq, vol, "num-buffers=6000",
    "samplesperbuffer=480", "!", "audio/x-raw,format=F32LE,rate=48000,channels=1", "!",
    "wavenc", "!", "filesink", location, NULL
  };
  const char *play[] = {
    "pw-cat", "--playback", "--target", "0", "--format", "f32", "--rate", "48000",
    "--channels", "1", "-P", properties, path, NULL
  };

  if (!px_test_require_programs ("gst-launch-1.0", "pw-cat", NULL))
    return NULL;
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      output = px_test_run_sync (generate, NULL, PX_CAPTURE_TEST_WAIT_MS, &error);
      g_assert_no_error (error);
    }
  process = px_test_harness_spawn (harness, "tone-microphone", play, NULL, &error);
  g_assert_no_error (error);
  return process;
}

static void
test_microphone_tone (void)
{
  g_autoptr(PxMicrophoneSource) microphone = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree float *samples = NULL;
  Fixture fixture = { 0 };
  Recording recording = { 0 };
  PxCaptureDevice *device;
  float rms, peak;

  if (!fixture_start (&fixture))
    return;
  if (add_tone_microphone (fixture.harness, "px-test-tone", 1000, 0.5) == NULL)
    return;
  device = px_capture_test_wait_device (fixture.connection, "px-test-tone", &error);
  g_assert_no_error (error);
  g_assert_cmpint (px_capture_device_get_kind (device), ==, PX_DEVICE_KIND_MICROPHONE);

  microphone = px_microphone_source_new (fixture.connection, "px-test-tone");
  g_assert_true (px_microphone_source_start (microphone, &error));
  g_assert_no_error (error);

  /* Half a second of 48 kHz: 500 cycles of 1 kHz, exact for Goertzel. */
  samples = g_new0 (float, PX_AUDIO_RATE / 2);
  recording.microphone = microphone;
  recording.samples = samples;
  recording.wanted = PX_AUDIO_RATE / 2;
  recording.skip_silence = TRUE;
  recording.warm_up = PX_AUDIO_RATE / 10;
  px_test_wait_until (recorded_cb, &recording, PX_CAPTURE_TEST_WAIT_MS,
                      "half a second from the microphone", &error);
  g_assert_no_error (error);
  assert_tone (samples, recording.wanted, 1000, 0.5);

  px_microphone_source_get_level (microphone, &rms, &peak);
  g_test_message ("level: rms %.3f peak %.3f", rms, peak);
  g_assert_cmpfloat (fabs (rms - 0.5 / G_SQRT2), <, 0.05);
  g_assert_cmpfloat (peak, >, 0.45);
  g_assert_cmpfloat (peak, <, 0.55);

  px_microphone_source_stop (microphone);
  fixture_stop (&fixture);
}

/* The daemon dies under a running microphone: the same source records again. */
static void
test_microphone_daemon_restart (void)
{
  g_autoptr(PxMicrophoneSource) microphone = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree float *samples = g_new0 (float, PX_AUDIO_RATE / 4);
  Fixture fixture = { 0 };
  Recording recording = { 0 };
  PxTestProcess *tone;

  if (!fixture_start (&fixture))
    return;
  tone = add_tone_microphone (fixture.harness, "px-test-tone", 1000, 0.5);
  if (tone == NULL)
    return;
  g_assert_nonnull (px_capture_test_wait_device (fixture.connection, "px-test-tone", &error));
  microphone = px_microphone_source_new (fixture.connection, "px-test-tone");
  g_assert_true (px_microphone_source_start (microphone, &error));
  g_assert_no_error (error);

  recording.microphone = microphone;
  recording.samples = samples;
  recording.wanted = PX_AUDIO_RATE / 4;
  recording.skip_silence = TRUE;
  recording.warm_up = PX_AUDIO_RATE / 10;
  px_test_wait_until (recorded_cb, &recording, PX_CAPTURE_TEST_WAIT_MS,
                      "the microphone before the crash", &error);
  g_assert_no_error (error);

  g_assert_true (px_test_harness_kill_pipewire (fixture.harness, SIGKILL));
  px_test_harness_stop_process (fixture.harness, tone);
  g_assert_true (px_test_harness_restart_pipewire (fixture.harness));
  g_assert_nonnull (add_tone_microphone (fixture.harness, "px-test-tone", 1000, 0.5));

  /* Nothing is called on the microphone: the tone simply comes again. */
  px_microphone_source_flush (microphone);
  memset (samples, 0, recording.wanted * sizeof (float));
  recording.got = 0;
  recording.heard = FALSE;
  recording.warm_up = PX_AUDIO_RATE / 10;
  px_test_wait_until (recorded_cb, &recording, PX_CAPTURE_TEST_WAIT_MS,
                      "the microphone after the restart", &error);
  g_assert_no_error (error);
  assert_tone (samples, recording.wanted, 1000, 0.5);
  g_assert_cmpint (px_microphone_source_get_state (microphone), ==,
                   PX_AUDIO_STREAM_STATE_RUNNING);

  px_microphone_source_stop (microphone);
  fixture_stop (&fixture);
}

typedef struct
{
  PxSpeakerSink *speaker;
  Recording     *recording;
  guint64        phase;
} Playback;

static gboolean
play_and_record_cb (gpointer   data,
                    GError   **error)
{
  Playback *playback = data;
  float block[PX_AUDIO_PERIOD_FRAMES];

  /* Keep plenty queued: a gap of silence would break the tone. */
  while (px_speaker_sink_get_queued (playback->speaker) < PX_AUDIO_RATE / 2)
    {
      for (guint i = 0; i < G_N_ELEMENTS (block); i++)
        block[i] = (float) (0.25 * sin (2 * G_PI * 440.0 * (double) playback->phase++ /
                                        PX_AUDIO_RATE));
      px_speaker_sink_write (playback->speaker, block, G_N_ELEMENTS (block));
    }
  return recorded_cb (playback->recording, error);
}

static void
test_speaker_reaches_pipewire (void)
{
  const char *create[] = {
    "pw-cli", "create-node", "adapter",
    "{ factory.name=support.null-audio-sink node.name=px-test-speaker "
    "node.description=\"Test Speaker\" media.class=Audio/Sink object.linger=true "
    "audio.channels=1 audio.position=[ MONO ] audio.rate=48000 }",
    NULL
  };
  g_autoptr(PxSpeakerSink) speaker = NULL;
  g_autoptr(PxMicrophoneSource) monitor = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_autofree float *samples = NULL;
  Fixture fixture = { 0 };
  Recording recording = { 0 };
  Playback playback = { 0 };
  PxCaptureDevice *device;
  float rms, peak;

  if (!px_test_require_programs ("pw-cli", NULL))
    return;
  if (!fixture_start (&fixture))
    return;

  /* A speaker of our own: PipeWire's null sink. */
  output = px_test_run_sync (create, NULL, PX_CAPTURE_TEST_WAIT_MS, &error);
  g_assert_no_error (error);
  device = px_capture_test_wait_device (fixture.connection, "px-test-speaker", &error);
  g_assert_no_error (error);
  g_assert_cmpint (px_capture_device_get_kind (device), ==, PX_DEVICE_KIND_SPEAKER);

  speaker = px_speaker_sink_new (fixture.connection, "px-test-speaker");
  g_assert_true (px_speaker_sink_start (speaker, &error));
  g_assert_no_error (error);

  /* What the speaker plays, recorded from its monitor. */
  monitor = px_microphone_source_new (fixture.connection, "px-test-speaker");
  g_assert_true (px_microphone_source_start (monitor, &error));
  g_assert_no_error (error);

  samples = g_new0 (float, PX_AUDIO_RATE / 4);
  recording.microphone = monitor;
  recording.samples = samples;
  recording.wanted = PX_AUDIO_RATE / 4;
  recording.skip_silence = TRUE;
  recording.warm_up = PX_AUDIO_RATE / 10;
  playback.speaker = speaker;
  playback.recording = &recording;
  px_test_wait_until (play_and_record_cb, &playback, PX_CAPTURE_TEST_WAIT_MS,
                      "the speaker's tone on its monitor", &error);
  g_assert_no_error (error);
  /* 110 cycles of 440 Hz in 0.25 s: exact for Goertzel. */
  assert_tone (samples, recording.wanted, 440, 0.25);

  px_speaker_sink_get_level (speaker, &rms, &peak);
  g_assert_cmpfloat (peak, >, 0.2);

  px_microphone_source_stop (monitor);
  px_speaker_sink_stop (speaker);
  fixture_stop (&fixture);
}

int
main (int    argc,
      char **argv)
{
  static const char *formats[] = {
    "I420", "NV12", "YUY2", "UYVY", "RGBx", "BGRx", "RGB", "BGR", "MJPG",
  };

  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autofree char *path = g_strdup_printf ("/capture/camera/format/%s", formats[i]);

      g_test_add_data_func (path, formats[i], test_format);
    }
  g_test_add_func ("/capture/camera/size-fallback", test_size_fallback);
  g_test_add_func ("/capture/camera/unsupported-format", test_unsupported_format);
  g_test_add_func ("/capture/camera/stop-wait-start", test_stop_wait_start);
  g_test_add_func ("/capture/camera/hotplug", test_hotplug);
  g_test_add_func ("/capture/camera/unplug-while-streaming", test_unplug_while_streaming);
  g_test_add_func ("/capture/camera/daemon-restart", test_daemon_restart);
  g_test_add_func ("/capture/audio/microphone-tone", test_microphone_tone);
  g_test_add_func ("/capture/audio/microphone-daemon-restart", test_microphone_daemon_restart);
  g_test_add_func ("/capture/audio/speaker-reaches-pipewire", test_speaker_reaches_pipewire);

  return g_test_run ();
}
