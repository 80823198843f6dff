/* test-rig-publisher.c: a calibrated rig published for reconstruction
 *
 * A real embedded server, a publisher session with a PxRigPublisher fed
 * the synthetic studio's frame sets in-process, and viewer sessions:
 * cameras that do not exist make start fail with a reason and leave
 * nothing running; with the camera off nothing more is sent and the roster
 * shows the video muted, and it comes back with a keyframe on both
 * cameras; a late viewer's keyframe request for the volumetric stream
 * reaches both encoders, so it gets a decodable volumetric frame.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "capture/px-capture-error.h"
#include "media/px-rig-publisher.h"
#include "px-rig-test.h"
#include "px-test-harness.h"
#include "server/px-embedded-server.h"
#include "studio/px-studio.h"

#define PUBLISHER "rig"
#define FPS 30
/* Leaves the clock sync of two sessions some room when capture times of
 * two viewers' clocks are compared. */
#define CLOCK_MARGIN_US (100 * 1000)

typedef struct
{
  PxEmbeddedServer *server;
  PxSession *session;
  PxRig *rig;
  PxRigPublisher *publisher;
  PxFrame *images[2];      /* the studio's frame set, rendered once */
  guint pusher;
  guint64 pushed;
  GArray *timings;         /* PxRigPublisherTimings of every set sent */
} Fixture;

static char *
mint (Fixture    *fixture,
      const char *identity,
      gboolean    can_publish)
{
  return px_embedded_server_mint_token (fixture->server, PX_RIG_TEST_ROOM, identity, identity,
                                        3600, can_publish);
}

static void
set_sent_cb (PxRigPublisher              *publisher,
             const PxRigPublisherTimings *timings,
             Fixture                     *fixture)
{
  /* Every stage happened, in order. */
  g_assert_cmpint (timings->capture_time, >, 0);
  g_assert_cmpint (timings->grouped, >=, timings->capture_time);
  g_assert_cmpint (timings->encoded, >=, timings->grouped);
  g_assert_cmpint (timings->sent, >=, timings->encoded);
  g_assert_cmpuint (timings->bytes, >, 0);
  g_array_append_val (fixture->timings, *timings);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PxStudioRig) studio_rig = px_studio_rig_new_default ();
  g_autoptr(PxStudioPerson) person = px_studio_person_new (1.75, 1);
  g_autoptr(PxStudio) studio = px_studio_new (studio_rig, person, 1, 0);
  g_autofree char *token = NULL;

  fixture->server = px_embedded_server_new (NULL);
  g_assert_true (px_embedded_server_start (fixture->server, &error));
  g_assert_no_error (error);
  token = mint (fixture, PUBLISHER, TRUE);
  fixture->session = px_session_new (px_embedded_server_get_url (fixture->server),
                                     PX_RIG_TEST_ROOM, token);
  px_rig_test_join (fixture->session, "the publisher to join");

  fixture->rig = px_studio_rig_to_rig (studio_rig);
  fixture->publisher = px_rig_publisher_new (fixture->session, fixture->rig);
  g_object_add_weak_pointer (G_OBJECT (fixture->publisher), (gpointer *) &fixture->publisher);
  fixture->timings = g_array_new (FALSE, FALSE, sizeof (PxRigPublisherTimings));
  g_signal_connect (fixture->publisher, "set-sent", G_CALLBACK (set_sent_cb), fixture);

  px_studio_render (studio, 0.5, 15);
  for (guint i = 0; i < 2; i++)
    {
      const PxStudioView *view = px_studio_get_view (studio, i);
      PxFrame *frame = px_frame_new (PX_PIXEL_FORMAT_I420, view->width, view->height);

      px_studio_view_to_i420 (view, frame->planes[0], frame->strides[0], frame->planes[1],
                              frame->strides[1], frame->planes[2], frame->strides[2]);
      fixture->images[i] = frame;
    }
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  if (fixture->pusher != 0)
    g_source_remove (fixture->pusher);
  if (fixture->publisher != NULL)
    {
      px_rig_publisher_stop (fixture->publisher);
      g_object_unref (fixture->publisher);
    }
  /* Sets still on their way held it: gone once they were dropped. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_null (fixture->publisher);
  g_assert_false (px_rig_test_has_thread ("px-rig-encode"));
  px_session_leave (fixture->session);
  g_clear_object (&fixture->session);
  g_clear_object (&fixture->rig);
  for (guint i = 0; i < 2; i++)
    g_clear_pointer (&fixture->images[i], px_frame_unref);
  g_array_unref (fixture->timings);
  px_embedded_server_stop (fixture->server);
  g_clear_object (&fixture->server);
}

static PxFrame *
copy_frame (const PxFrame *frame)
{
  PxFrame *copy = px_frame_new (frame->format, frame->width, frame->height);

  for (guint p = 0; p < frame->n_planes; p++)
    for (guint row = 0; row < px_frame_get_plane_height (frame, p); row++)
      memcpy (copy->planes[p] + (gsize) row * copy->strides[p],
              frame->planes[p] + (gsize) row * frame->strides[p],
              px_frame_get_plane_width (frame, p));
  return copy;
}

/* One frame set of this instant, as two cameras would deliver it. */
static gboolean
push_cb (gpointer data)
{
  Fixture *fixture = data;
  gint64 now = g_get_monotonic_time ();
  g_autoptr(PxFrame) left = copy_frame (fixture->images[0]);
  g_autoptr(PxFrame) right = copy_frame (fixture->images[1]);

  left->capture_time_us = right->capture_time_us = now;
  left->sequence = right->sequence = fixture->pushed++;
  px_rig_publisher_push_frame_set (fixture->publisher, left, right);
  return G_SOURCE_CONTINUE;
}

static void
start_pushing (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (px_rig_publisher_start (fixture->publisher, &error));
  g_assert_no_error (error);
  fixture->pusher = g_timeout_add (1000 / FPS, push_cb, fixture);
}

/* ---- (c) cameras that do not exist --------------------------------------- */

static gboolean
has_a_set (gpointer data)
{
  return ((Fixture *) data)->timings->len >= 1;
}

static void
test_missing_camera (Fixture       *fixture,
                     gconstpointer  data)
{
  PxTestHarness *harness = px_test_harness_new ();
  g_autoptr(PxPipewireConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  const char *cameras[] = { "parallax-no-such-left", "parallax-no-such-right", NULL };
  PxSessionParticipant *local;

  if (!px_test_harness_start_pipewire (harness))
    return;
  connection = px_pipewire_connection_new (PX_PIPEWIRE_ACCESS_DIRECT);
  g_assert_true (px_pipewire_connection_wait_ready (connection, px_test_timeout_ms (20000)));

  px_rig_publisher_set_cameras (fixture->publisher, connection, cameras);
  g_assert_false (px_rig_publisher_start (fixture->publisher, &error));
  g_assert_error (error, PX_CAPTURE_ERROR, PX_CAPTURE_ERROR_NOT_FOUND);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "parallax-no-such-left"));
  g_assert_nonnull (strstr (error->message, "left camera"));
  /* Nothing was announced and nothing runs. */
  local = px_session_get_local_participant (fixture->session);
  g_assert_cmpuint (px_session_participant_get_n_streams (local), ==, 0);
  g_assert_false (px_rig_test_has_thread ("px-rig-encode"));
  g_assert_cmpuint (px_rig_publisher_get_sets_sent (fixture->publisher), ==, 0);

  /* The same publisher works once it is given frames that exist. */
  px_rig_publisher_set_cameras (fixture->publisher, NULL, NULL);
  start_pushing (fixture);
  px_rig_test_wait (has_a_set, fixture, PX_RIG_TEST_TIMEOUT_MS, "a set sent");
}

/* ---- two independent PipeWire cameras ---------------------------------------- */

static gboolean
has_five_sets (gpointer data)
{
  return ((Fixture *) data)->timings->len >= 5;
}

/* Frames of both camera streams with one capture time: a set the server
 * can put together. */
static gboolean
has_paired_frames (gpointer data)
{
  PxRigTestViewer *viewer = data;
  g_autoptr(GHashTable) left = g_hash_table_new (g_int64_hash, g_int64_equal);

  for (guint i = 0; i < viewer->frames->len; i++)
    {
      PxRigTestFrame *frame = &g_array_index (viewer->frames, PxRigTestFrame, i);

      if (frame->kind == PX_WIRE_KIND_VIDEO && frame->stream == PX_RIG_PUBLISHER_LEFT_STREAM)
        g_hash_table_add (left, &frame->capture_time);
    }
  for (guint i = 0; i < viewer->frames->len; i++)
    {
      PxRigTestFrame *frame = &g_array_index (viewer->frames, PxRigTestFrame, i);

      if (frame->kind == PX_WIRE_KIND_VIDEO && frame->stream == PX_RIG_PUBLISHER_RIGHT_STREAM
          && g_hash_table_contains (left, &frame->capture_time))
        return TRUE;
    }
  return FALSE;
}

static void
test_pipewire_cameras (Fixture       *fixture,
                       gconstpointer  data)
{
  PxTestHarness *harness = px_test_harness_new ();
  g_autoptr(PxPipewireConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = mint (fixture, "viewer", FALSE);
  const char *cameras[] = { "px-rig-test-left", "px-rig-test-right", NULL };
  PxRigTestViewer *viewer;

  if (!px_test_harness_start_pipewire (harness))
    return;
  /* Two producers with clocks of their own, as two USB cameras have. */
  for (guint i = 0; i < 2; i++)
    if (px_test_harness_add_camera (harness, &(PxTestCameraSpec) { .name = cameras[i],
                                                                   .pattern = "ball" }) == NULL)
      return;
  connection = px_pipewire_connection_new (PX_PIPEWIRE_ACCESS_DIRECT);
  g_assert_true (px_pipewire_connection_wait_ready (connection, px_test_timeout_ms (20000)));
  viewer = px_rig_test_viewer_new (px_embedded_server_get_url (fixture->server), token, PUBLISHER);

  px_rig_publisher_set_cameras (fixture->publisher, connection, cameras);
  g_assert_true (px_rig_publisher_start (fixture->publisher, &error));
  g_assert_no_error (error);
  px_rig_test_wait (has_five_sets, fixture, PX_RIG_TEST_TIMEOUT_MS, "sets from the cameras");
  px_rig_test_wait (has_paired_frames, viewer, PX_RIG_TEST_TIMEOUT_MS, "a paired set");
  g_test_message ("%u sets sent", fixture->timings->len);

  px_rig_publisher_stop (fixture->publisher);
  px_rig_test_viewer_free (viewer);
}

static void
camera_error_cb (PxRigPublisher *publisher,
                 const GError   *error,
                 GError        **out)
{
  if (*out == NULL)
    *out = g_error_copy (error);
}

static gboolean
has_error (gpointer data)
{
  return *(GError **) data != NULL;
}

/* Cameras that film at another size than the calibration say so. */
static void
test_wrong_size (Fixture       *fixture,
                 gconstpointer  data)
{
  PxTestHarness *harness = px_test_harness_new ();
  g_autoptr(PxPipewireConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) camera_error = NULL;
  const char *cameras[] = { "px-rig-test-small-left", "px-rig-test-small-right", NULL };

  if (!px_test_harness_start_pipewire (harness))
    return;
  for (guint i = 0; i < 2; i++)
    if (px_test_harness_add_camera (harness, &(PxTestCameraSpec) { .name = cameras[i],
                                                                   .width = 320,
                                                                   .height = 240 }) == NULL)
      return;
  connection = px_pipewire_connection_new (PX_PIPEWIRE_ACCESS_DIRECT);
  g_assert_true (px_pipewire_connection_wait_ready (connection, px_test_timeout_ms (20000)));

  g_signal_connect (fixture->publisher, "camera-error", G_CALLBACK (camera_error_cb),
                    &camera_error);
  px_rig_publisher_set_cameras (fixture->publisher, connection, cameras);
  g_assert_true (px_rig_publisher_start (fixture->publisher, &error));
  g_assert_no_error (error);
  px_rig_test_wait (has_error, &camera_error, PX_RIG_TEST_TIMEOUT_MS, "the camera's error");
  g_test_message ("%s", camera_error->message);
  g_assert_nonnull (strstr (camera_error->message, "320×240"));
  g_assert_cmpuint (px_rig_publisher_get_sets_sent (fixture->publisher), ==, 0);

  px_rig_publisher_stop (fixture->publisher);
  g_signal_handlers_disconnect_by_func (fixture->publisher, camera_error_cb, &camera_error);
}

/* ---- (d) camera off ------------------------------------------------------- */

typedef struct
{
  Fixture *fixture;
  PxRigTestViewer *viewer;
  gint64 since;
  guint64 pushed;
  gboolean muted;
} OffWait;

static gboolean
has_flat_and_volumetric (gpointer data)
{
  OffWait *wait = data;
  guint flat = 0;

  for (guint i = 0; i < wait->viewer->frames->len; i++)
    flat += g_array_index (wait->viewer->frames, PxRigTestFrame, i).kind == PX_WIRE_KIND_VIDEO;
  return flat >= 6 && wait->viewer->n_volumetric >= 1;
}

static gboolean
roster_muted (gpointer data)
{
  OffWait *wait = data;
  PxSessionParticipant *participant = px_rig_test_viewer_find (wait->viewer);

  return participant != NULL
         && px_session_participant_get_video_muted (participant) == wait->muted;
}

/* Sets kept coming for a second while off, and everything the publisher
 * had queued reached the server. */
static gboolean
off_long_enough (gpointer data)
{
  OffWait *wait = data;
  PxSession *session = wait->fixture->session;

  return wait->fixture->pushed >= wait->pushed + FPS
         && g_get_monotonic_time () >= wait->since + G_USEC_PER_SEC
         && px_session_get_queued_bytes (session) == 0
         && px_session_get_in_flight_bytes (session) == 0;
}

/* Both cameras' frames with a capture time after @since. */
static gboolean
frames_after (gpointer data)
{
  OffWait *wait = data;
  gboolean seen[2] = { FALSE, FALSE };

  for (guint i = 0; i < wait->viewer->frames->len; i++)
    {
      PxRigTestFrame *frame = &g_array_index (wait->viewer->frames, PxRigTestFrame, i);

      if (frame->kind == PX_WIRE_KIND_VIDEO && frame->capture_time > wait->since - CLOCK_MARGIN_US
          && (frame->stream == PX_RIG_PUBLISHER_LEFT_STREAM
              || frame->stream == PX_RIG_PUBLISHER_RIGHT_STREAM))
        seen[frame->stream == PX_RIG_PUBLISHER_LEFT_STREAM ? 0 : 1] = TRUE;
    }
  return seen[0] && seen[1];
}

static void
test_camera_off (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *token = mint (fixture, "viewer", FALSE);
  PxRigTestViewer *viewer = px_rig_test_viewer_new (px_embedded_server_get_url (fixture->server),
                                                    token, PUBLISHER);
  OffWait wait = { fixture, viewer, 0, 0, FALSE };
  guint64 sets_off;
  gint64 off_time, latest = G_MININT64;
  gboolean first_after[2] = { FALSE, FALSE };

  start_pushing (fixture);
  px_rig_test_wait (has_flat_and_volumetric, &wait, PX_RIG_TEST_TIMEOUT_MS, "frames");
  g_assert_true (roster_muted (&wait));

  off_time = g_get_monotonic_time ();
  px_rig_publisher_set_camera_off (fixture->publisher, TRUE);
  g_assert_true (px_rig_publisher_get_camera_off (fixture->publisher));
  sets_off = px_rig_publisher_get_sets_sent (fixture->publisher);
  wait.muted = TRUE;
  px_rig_test_wait (roster_muted, &wait, PX_RIG_TEST_TIMEOUT_MS, "the roster to show it");
  wait.since = off_time;
  wait.pushed = fixture->pushed;
  px_rig_test_wait (off_long_enough, &wait, PX_RIG_TEST_TIMEOUT_MS, "a second of sets");

  /* Not one set left after the switch, though sets were pushed all along. */
  g_assert_cmpuint (px_rig_publisher_get_sets_sent (fixture->publisher), ==, sets_off);
  for (guint i = 0; i < viewer->frames->len; i++)
    latest = MAX (latest, g_array_index (viewer->frames, PxRigTestFrame, i).capture_time);
  g_assert_cmpint (latest, <, off_time + CLOCK_MARGIN_US);
  g_test_message ("%" G_GUINT64_FORMAT " sets pushed while off, none sent",
                  fixture->pushed - wait.pushed);

  /* Back on: the roster says so, and both cameras start at a keyframe. */
  wait.since = g_get_monotonic_time ();
  px_rig_publisher_set_camera_off (fixture->publisher, FALSE);
  wait.muted = FALSE;
  px_rig_test_wait (roster_muted, &wait, PX_RIG_TEST_TIMEOUT_MS, "the roster to show it");
  px_rig_test_wait (frames_after, &wait, PX_RIG_TEST_TIMEOUT_MS, "frames again");
  for (guint i = 0; i < viewer->frames->len; i++)
    {
      PxRigTestFrame *frame = &g_array_index (viewer->frames, PxRigTestFrame, i);

      /* Frames from before the switch are more than a second older. */
      guint camera = frame->stream == PX_RIG_PUBLISHER_LEFT_STREAM ? 0 : 1;

      if (frame->kind != PX_WIRE_KIND_VIDEO || frame->capture_time <= wait.since - CLOCK_MARGIN_US
          || (frame->stream != PX_RIG_PUBLISHER_LEFT_STREAM
              && frame->stream != PX_RIG_PUBLISHER_RIGHT_STREAM)
          || first_after[camera])
        continue;
      first_after[camera] = TRUE;
      g_assert_true (frame->flags & PX_WIRE_FLAG_KEYFRAME);
    }
  g_assert_true (first_after[0] && first_after[1]);

  px_rig_test_viewer_free (viewer);
}

/* ---- (e) a late viewer's keyframe request ---------------------------------- */

typedef struct
{
  Fixture *fixture;
  PxRigTestViewer *viewer;
  gint64 last_request;
  guint n_requests;
} KeyframeWait;

/* A volumetric frame without a keyframe: the server is past the
 * keyframes the cameras started with. */
static gboolean
has_steady_volumetric (gpointer data)
{
  PxRigTestViewer *viewer = data;

  for (guint i = 0; i < viewer->frames->len; i++)
    {
      PxRigTestFrame *frame = &g_array_index (viewer->frames, PxRigTestFrame, i);

      if (frame->payload != NULL && !(frame->flags & PX_WIRE_FLAG_KEYFRAME))
        return TRUE;
    }
  return FALSE;
}

static gboolean
has_volumetric_keyframe (gpointer data)
{
  KeyframeWait *wait = data;
  PxSessionParticipant *publisher = px_rig_test_viewer_find (wait->viewer);
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < wait->viewer->frames->len; i++)
    {
      PxRigTestFrame *frame = &g_array_index (wait->viewer->frames, PxRigTestFrame, i);

      if (frame->payload != NULL && (frame->flags & PX_WIRE_FLAG_KEYFRAME))
        return TRUE;
    }
  /* As a receiver that cannot decode asks, again while nothing comes (a
   * loaded machine may take a while to reconstruct the keyframe's set). */
  if (publisher != NULL && now - wait->last_request > 2 * G_USEC_PER_SEC)
    {
      px_session_request_keyframe (wait->viewer->session, px_session_participant_get_id (publisher),
                                   PX_RIG_PUBLISHER_VOLUMETRIC_STREAM);
      wait->last_request = now;
      wait->n_requests++;
    }
  return FALSE;
}

static void
test_late_keyframe (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *token = mint (fixture, "late-viewer", FALSE);
  g_autofree char *early_token = mint (fixture, "viewer", FALSE);
  PxRigTestViewer *early, *viewer;
  KeyframeWait wait = { fixture, NULL, 0, 0 };
  g_autoptr(GHashTable) left_keyframes = g_hash_table_new (g_int64_hash, g_int64_equal);
  gboolean both = FALSE;
  guint decoded, before = 0;
  int first_decodable;

  /* Only requests make keyframes: what a late viewer gets proves the
   * request went through. */
  px_rig_publisher_set_keyframe_interval (fixture->publisher, 0);
  early = px_rig_test_viewer_new (px_embedded_server_get_url (fixture->server), early_token,
                                  PUBLISHER);
  start_pushing (fixture);
  px_rig_test_wait (has_steady_volumetric, early, PX_RIG_TEST_TIMEOUT_MS,
                    "volumetric frames after the first keyframe");

  viewer = px_rig_test_viewer_new (px_embedded_server_get_url (fixture->server), token, PUBLISHER);
  wait.viewer = viewer;
  px_rig_test_wait (has_volumetric_keyframe, &wait, PX_RIG_TEST_TIMEOUT_MS,
                    "a volumetric keyframe");

  /* It decodes, and its depth holds the person. */
  decoded = px_rig_test_decode_colour (viewer, 640, 480, &first_decodable);
  g_assert_cmpuint (decoded, >=, 1);
  g_assert_cmpint (first_decodable, >=, 0);
  for (guint i = 0; i < viewer->frames->len; i++)
    {
      PxRigTestFrame *frame = &g_array_index (viewer->frames, PxRigTestFrame, i);

      if (frame->payload != NULL && (frame->flags & PX_WIRE_FLAG_KEYFRAME))
        {
          g_assert_cmpuint (px_rig_test_check_volumetric (frame->payload), >=, 160 * 120 / 50);
          break;
        }
      before += frame->payload != NULL;
    }
  g_test_message ("%u keyframe requests; %u volumetric frames came before the decodable one",
                  wait.n_requests, before);

  /* Both cameras made their keyframe at the same instant. */
  for (guint i = 0; i < viewer->frames->len; i++)
    {
      PxRigTestFrame *frame = &g_array_index (viewer->frames, PxRigTestFrame, i);

      if (frame->kind == PX_WIRE_KIND_VIDEO && frame->stream == PX_RIG_PUBLISHER_LEFT_STREAM
          && (frame->flags & PX_WIRE_FLAG_KEYFRAME))
        g_hash_table_add (left_keyframes, &frame->capture_time);
    }
  for (guint i = 0; i < viewer->frames->len && !both; i++)
    {
      PxRigTestFrame *frame = &g_array_index (viewer->frames, PxRigTestFrame, i);

      both = frame->kind == PX_WIRE_KIND_VIDEO && frame->stream == PX_RIG_PUBLISHER_RIGHT_STREAM
             && (frame->flags & PX_WIRE_FLAG_KEYFRAME)
             && g_hash_table_contains (left_keyframes, &frame->capture_time);
    }
  g_assert_true (both);

  px_rig_test_viewer_free (viewer);
  px_rig_test_viewer_free (early);
}

/* ---- the calibration --------------------------------------------------------- */

static void
test_calibration (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(JsonObject) calibration = NULL;
  JsonObject *streams;
  const PxCamera *left, *right;

  px_rig_publisher_set_grid_step (fixture->publisher, 8);
  calibration = px_rig_publisher_dup_calibration (fixture->publisher);
  g_assert_true (px_rig_get_pair (fixture->rig, 0, &left, &right));
  g_assert_true (json_object_has_member (calibration, "rig"));
  streams = json_object_get_object_member (calibration, "streams");
  g_assert_cmpint (json_object_get_int_member (streams, left->id), ==,
                   PX_RIG_PUBLISHER_LEFT_STREAM);
  g_assert_cmpint (json_object_get_int_member (streams, right->id), ==,
                   PX_RIG_PUBLISHER_RIGHT_STREAM);
  g_assert_cmpint (json_object_get_int_member (calibration, "volumetric_stream"), ==,
                   PX_RIG_PUBLISHER_VOLUMETRIC_STREAM);
  g_assert_cmpint (json_object_get_int_member (calibration, "step"), ==, 8);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/studio/rig-publisher/calibration", Fixture, NULL, fixture_setup,
              test_calibration, fixture_teardown);
  g_test_add ("/studio/rig-publisher/missing-camera", Fixture, NULL, fixture_setup,
              test_missing_camera, fixture_teardown);
  g_test_add ("/studio/rig-publisher/pipewire-cameras", Fixture, NULL, fixture_setup,
              test_pipewire_cameras, fixture_teardown);
  g_test_add ("/studio/rig-publisher/wrong-size", Fixture, NULL, fixture_setup,
              test_wrong_size, fixture_teardown);
  g_test_add ("/studio/rig-publisher/camera-off", Fixture, NULL, fixture_setup,
              test_camera_off, fixture_teardown);
  g_test_add ("/studio/rig-publisher/late-keyframe", Fixture, NULL, fixture_setup,
              test_late_keyframe, fixture_teardown);

  return g_test_run ();
}
