/* test-demo-studio.c: the synthetic studio joining a meeting as "Demo studio"
 *
 * A real embedded server, a viewer session and the demo, rendering
 * in-process or publishing its cameras through a private PipeWire: the
 * viewer sees the participant "Demo studio" and receives volumetric frames
 * whose colour decodes and whose depth holds the person, which only the
 * server's reconstruction makes. Stopping the demo leaves the room and
 * leaves no thread behind. The sets per second and the CPU the run took
 * are printed (measured, never asserted).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "media/px-rig-publisher.h"
#include "px-rig-test.h"
#include "px-test-harness.h"
#include "server/px-embedded-server.h"
#include "studio/px-demo-studio.h"

/* Enough volumetric frames to see reconstruction going on. */
#define MIN_VOLUMETRIC 5
/* How long the rates are measured, in seconds of media. */
#define MEASURE_S 3

static const char * const demo_threads[] = { "px-demo-studio", "px-rig-encode", NULL };

typedef struct
{
  gboolean done;
  gboolean ok;
  GError *error;
} StartWait;

static void
started_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  StartWait *wait = user_data;

  wait->ok = px_demo_studio_start_finish (PX_DEMO_STUDIO (source), result, &wait->error);
  wait->done = TRUE;
}

static gboolean
start_done (gpointer data)
{
  return ((StartWait *) data)->done;
}

static gboolean
demo_in_roster (gpointer data)
{
  return px_rig_test_viewer_find (data) != NULL;
}

static gboolean
demo_left_roster (gpointer data)
{
  return px_rig_test_viewer_find (data) == NULL;
}

static gboolean
has_volumetric (gpointer data)
{
  return ((PxRigTestViewer *) data)->n_volumetric >= MIN_VOLUMETRIC;
}

typedef struct
{
  gint64 until;
} Clock;

static gboolean
time_passed (gpointer data)
{
  return g_get_monotonic_time () >= ((Clock *) data)->until;
}

static void
run_demo (PxDemoStudioCameras cameras,
          gboolean            expect_pipewire)
{
  g_autoptr(PxEmbeddedServer) server = px_embedded_server_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *viewer_token = NULL;
  g_autofree char *demo_token = NULL;
  PxRigTestViewer *viewer;
  PxDemoStudio *demo;
  PxSessionParticipant *participant;
  StartWait start = { 0 };
  guint64 sets_before, volumetric_before;
  double cpu_before, demo_cpu_before, cpu, demo_cpu;
  gint64 measure_start;
  Clock clock;
  guint best_depth = 0, decoded, left_frames = 0, left_keyframes = 0;
  int first_decodable;

  g_assert_true (px_embedded_server_start (server, &error));
  g_assert_no_error (error);
  viewer_token = px_embedded_server_mint_token (server, PX_RIG_TEST_ROOM, "viewer", "Viewer", 3600,
                                                FALSE);
  demo_token = px_embedded_server_mint_token (server, PX_RIG_TEST_ROOM, PX_DEMO_STUDIO_IDENTITY,
                                              PX_DEMO_STUDIO_NAME, 3600, TRUE);
  viewer = px_rig_test_viewer_new (px_embedded_server_get_url (server), viewer_token,
                                   PX_DEMO_STUDIO_IDENTITY);

  demo = px_demo_studio_new (px_embedded_server_get_url (server), PX_RIG_TEST_ROOM, demo_token);
  g_object_add_weak_pointer (G_OBJECT (demo), (gpointer *) &demo);
  px_demo_studio_set_cameras (demo, cameras);
  px_demo_studio_start_async (demo, NULL, started_cb, &start);
  px_rig_test_wait (start_done, &start, PX_RIG_TEST_TIMEOUT_MS, "the demo to start");
  g_assert_no_error (start.error);
  g_assert_true (start.ok);
  g_assert_cmpint (px_demo_studio_get_uses_pipewire (demo), ==, expect_pipewire);
  g_assert_cmpuint (px_demo_studio_get_sets_sent (demo), >=, 1);

  px_rig_test_wait (demo_in_roster, viewer, PX_RIG_TEST_TIMEOUT_MS, "the demo in the roster");
  participant = px_rig_test_viewer_find (viewer);
  g_assert_cmpstr (px_session_participant_get_name (participant), ==, "Demo studio");
  g_assert_false (px_session_participant_get_video_muted (participant));

  /* Volumetric frames exist only when the server reconstructed sets. */
  px_rig_test_wait (has_volumetric, viewer, PX_RIG_TEST_TIMEOUT_MS, "volumetric frames");

  sets_before = px_demo_studio_get_sets_sent (demo);
  volumetric_before = viewer->n_volumetric;
  cpu_before = px_rig_test_cpu_seconds (NULL);
  demo_cpu_before = px_rig_test_cpu_seconds (demo_threads);
  measure_start = g_get_monotonic_time ();
  clock.until = measure_start + MEASURE_S * G_USEC_PER_SEC;
  px_rig_test_wait (time_passed, &clock, PX_RIG_TEST_TIMEOUT_MS, "the measurement");
  {
    double seconds = (g_get_monotonic_time () - measure_start) / (double) G_USEC_PER_SEC;

    cpu = px_rig_test_cpu_seconds (NULL) - cpu_before;
    demo_cpu = px_rig_test_cpu_seconds (demo_threads) - demo_cpu_before;
    g_test_message ("%s: %.1f sets/s sent, %.1f volumetric frames/s received; CPU %.0f%% "
                    "of one core for the process (server included), %.0f%% on the demo's "
                    "own and encoder threads",
                    expect_pipewire ? "PipeWire" : "in-process",
                    (px_demo_studio_get_sets_sent (demo) - sets_before) / seconds,
                    (viewer->n_volumetric - volumetric_before) / seconds,
                    100 * cpu / seconds, 100 * demo_cpu / seconds);
  }

  for (guint i = 0; i < viewer->frames->len; i++)
    {
      PxRigTestFrame *frame = &g_array_index (viewer->frames, PxRigTestFrame, i);

      if (frame->payload != NULL)
        best_depth = MAX (best_depth, px_rig_test_check_volumetric (frame->payload));
    }
  /* The person fills a good part of the 160×120 grid. */
  g_assert_cmpuint (best_depth, >=, 160 * 120 / 50);
  decoded = px_rig_test_decode_colour (viewer, 640, 480, &first_decodable);
  g_assert_cmpuint (decoded, >=, 1);
  for (guint i = 0; i < viewer->frames->len; i++)
    {
      PxRigTestFrame *frame = &g_array_index (viewer->frames, PxRigTestFrame, i);

      if (frame->kind == PX_WIRE_KIND_VIDEO && frame->stream == PX_RIG_PUBLISHER_LEFT_STREAM)
        {
          left_frames++;
          left_keyframes += (frame->flags & PX_WIRE_FLAG_KEYFRAME) != 0;
        }
    }
  g_test_message ("%u volumetric frames, the first decodable was #%d, up to %u depth samples; "
                  "%u of %u left frames were keyframes",
                  viewer->n_volumetric, first_decodable, best_depth, left_keyframes, left_frames);

  px_demo_studio_stop (demo);
  /* Its own thread, the encoders, the studio's PipeWire nodes and render
   * thread and its PipeWire connection are all gone. */
  g_assert_false (px_rig_test_has_thread ("px-demo-studio"));
  g_assert_false (px_rig_test_has_thread ("px-rig-encode"));
  g_assert_false (px_rig_test_has_thread ("px-studio"));
  g_assert_false (px_rig_test_has_thread ("px-pipewire"));
  px_rig_test_wait (demo_left_roster, viewer, PX_RIG_TEST_TIMEOUT_MS, "the demo to leave");
  g_object_unref (demo);
  g_assert_null (demo);

  px_rig_test_viewer_free (viewer);
  px_embedded_server_stop (server);
}

static void
test_in_process (void)
{
  run_demo (PX_DEMO_STUDIO_CAMERAS_IN_PROCESS, FALSE);
}

static void
test_pipewire (void)
{
  PxTestHarness *harness = px_test_harness_new ();

  if (!px_test_harness_start_pipewire (harness))
    return;
  run_demo (PX_DEMO_STUDIO_CAMERAS_PIPEWIRE, TRUE);
}

/* Without a daemon, PIPEWIRE fails with a reason and AUTO renders in-process. */
static void
test_no_daemon (void)
{
  g_autoptr(PxEmbeddedServer) server = px_embedded_server_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  const char *old_remote = g_getenv ("PIPEWIRE_REMOTE");
  g_autofree char *saved_remote = g_strdup (old_remote);
  PxDemoStudio *demo;
  StartWait start = { 0 };
  StartWait fallback = { 0 };

  g_assert_true (px_embedded_server_start (server, &error));
  g_assert_no_error (error);
  token = px_embedded_server_mint_token (server, PX_RIG_TEST_ROOM, PX_DEMO_STUDIO_IDENTITY,
                                         PX_DEMO_STUDIO_NAME, 3600, TRUE);
  /* A socket nobody listens on. */
  g_setenv ("PIPEWIRE_REMOTE", "parallax-test-no-pipewire", TRUE);

  demo = px_demo_studio_new (px_embedded_server_get_url (server), PX_RIG_TEST_ROOM, token);
  px_demo_studio_set_cameras (demo, PX_DEMO_STUDIO_CAMERAS_PIPEWIRE);
  px_demo_studio_start_async (demo, NULL, started_cb, &start);
  px_rig_test_wait (start_done, &start, PX_RIG_TEST_TIMEOUT_MS, "the demo to fail");
  g_assert_false (start.ok);
  g_assert_nonnull (start.error);
  g_test_message ("%s", start.error->message);
  g_assert_nonnull (strstr (start.error->message, "PipeWire"));
  g_clear_error (&start.error);
  px_demo_studio_stop (demo);
  g_object_unref (demo);

  demo = px_demo_studio_new (px_embedded_server_get_url (server), PX_RIG_TEST_ROOM, token);
  px_demo_studio_set_cameras (demo, PX_DEMO_STUDIO_CAMERAS_AUTO);
  px_demo_studio_start_async (demo, NULL, started_cb, &fallback);
  px_rig_test_wait (start_done, &fallback, PX_RIG_TEST_TIMEOUT_MS, "the demo to start");
  g_assert_no_error (fallback.error);
  g_assert_true (fallback.ok);
  g_assert_false (px_demo_studio_get_uses_pipewire (demo));
  px_demo_studio_stop (demo);
  g_object_unref (demo);

  if (saved_remote != NULL)
    g_setenv ("PIPEWIRE_REMOTE", saved_remote, TRUE);
  else
    g_unsetenv ("PIPEWIRE_REMOTE");
  px_embedded_server_stop (server);
}

/* A bad token: the start fails with the session's reason, nothing stays. */
static void
test_bad_token (void)
{
  g_autoptr(PxEmbeddedServer) server = px_embedded_server_new (NULL);
  g_autoptr(GError) error = NULL;
  PxDemoStudio *demo;
  StartWait start = { 0 };

  g_assert_true (px_embedded_server_start (server, &error));
  g_assert_no_error (error);
  demo = px_demo_studio_new (px_embedded_server_get_url (server), PX_RIG_TEST_ROOM, "not-a-token");
  px_demo_studio_set_cameras (demo, PX_DEMO_STUDIO_CAMERAS_IN_PROCESS);
  px_demo_studio_start_async (demo, NULL, started_cb, &start);
  px_rig_test_wait (start_done, &start, PX_RIG_TEST_TIMEOUT_MS, "the demo to fail");
  g_assert_false (start.ok);
  g_assert_error (start.error, PX_SESSION_ERROR, PX_SESSION_ERROR_UNAUTHORIZED);
  g_clear_error (&start.error);
  px_demo_studio_stop (demo);
  g_assert_false (px_rig_test_has_thread ("px-demo-studio"));
  g_object_unref (demo);
  px_embedded_server_stop (server);
}

typedef struct
{
  PxDemoStudio *demo;
  guint64 sets;
  GError *closed;
} DemoWait;

static gboolean
moved_in_process (gpointer data)
{
  DemoWait *wait = data;

  return !px_demo_studio_get_uses_pipewire (wait->demo);
}

static gboolean
sets_go_on (gpointer data)
{
  DemoWait *wait = data;

  return px_demo_studio_get_sets_sent (wait->demo) >= wait->sets + 5;
}

static void
closed_cb (PxDemoStudio *demo,
           const GError *error,
           DemoWait     *wait)
{
  g_assert_null (wait->closed);
  wait->closed = g_error_copy (error);
}

static gboolean
has_closed (gpointer data)
{
  return ((DemoWait *) data)->closed != NULL;
}

static PxDemoStudio *
start_demo (PxEmbeddedServer    *server,
            PxDemoStudioCameras  cameras)
{
  g_autofree char *token = px_embedded_server_mint_token (server, PX_RIG_TEST_ROOM,
                                                          PX_DEMO_STUDIO_IDENTITY,
                                                          PX_DEMO_STUDIO_NAME, 3600, TRUE);
  PxDemoStudio *demo = px_demo_studio_new (px_embedded_server_get_url (server), PX_RIG_TEST_ROOM,
                                           token);
  StartWait start = { 0 };

  px_demo_studio_set_cameras (demo, cameras);
  px_demo_studio_start_async (demo, NULL, started_cb, &start);
  px_rig_test_wait (start_done, &start, PX_RIG_TEST_TIMEOUT_MS, "the demo to start");
  g_assert_no_error (start.error);
  g_assert_true (start.ok);
  return demo;
}

/* The daemon dies under a running demo: AUTO goes on rendering in-process,
 * PIPEWIRE ends and says why. */
static void
test_daemon_dies (void)
{
  PxTestHarness *harness = px_test_harness_new ();
  g_autoptr(PxEmbeddedServer) server = px_embedded_server_new (NULL);
  g_autoptr(GError) error = NULL;
  DemoWait wait = { 0 };

  if (!px_test_harness_start_pipewire (harness))
    return;
  g_assert_true (px_embedded_server_start (server, &error));
  g_assert_no_error (error);

  wait.demo = start_demo (server, PX_DEMO_STUDIO_CAMERAS_AUTO);
  g_assert_true (px_demo_studio_get_uses_pipewire (wait.demo));
  g_signal_connect (wait.demo, "closed", G_CALLBACK (closed_cb), &wait);
  g_assert_true (px_test_harness_kill_pipewire (harness, SIGKILL));
  px_rig_test_wait (moved_in_process, &wait, PX_RIG_TEST_TIMEOUT_MS, "rendering in-process");
  wait.sets = px_demo_studio_get_sets_sent (wait.demo);
  px_rig_test_wait (sets_go_on, &wait, PX_RIG_TEST_TIMEOUT_MS, "sets rendered in-process");
  g_assert_null (wait.closed);
  px_demo_studio_stop (wait.demo);
  g_clear_object (&wait.demo);

  if (!px_test_harness_restart_pipewire (harness))
    return;
  wait.demo = start_demo (server, PX_DEMO_STUDIO_CAMERAS_PIPEWIRE);
  g_assert_true (px_demo_studio_get_uses_pipewire (wait.demo));
  g_signal_connect (wait.demo, "closed", G_CALLBACK (closed_cb), &wait);
  g_assert_true (px_test_harness_kill_pipewire (harness, SIGKILL));
  px_rig_test_wait (has_closed, &wait, PX_RIG_TEST_TIMEOUT_MS, "the demo to end");
  g_test_message ("%s", wait.closed->message);
  g_assert_nonnull (strstr (wait.closed->message, "PipeWire"));
  g_clear_error (&wait.closed);
  px_demo_studio_stop (wait.demo);
  g_assert_false (px_rig_test_has_thread ("px-demo-studio"));
  g_clear_object (&wait.demo);

  px_embedded_server_stop (server);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/studio/demo/in-process", test_in_process);
  g_test_add_func ("/studio/demo/pipewire", test_pipewire);
  g_test_add_func ("/studio/demo/no-daemon", test_no_daemon);
  g_test_add_func ("/studio/demo/daemon-dies", test_daemon_dies);
  g_test_add_func ("/studio/demo/bad-token", test_bad_token);

  return g_test_run ();
}
