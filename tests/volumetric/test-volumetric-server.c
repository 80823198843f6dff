/* test-volumetric-server.c: rig publishers reconstructed by the server
 *
 * A real server on 127.0.0.1, a publisher sending the studio's two-camera
 * rig as VP8 and subscribers receiving volumetric frames (PROTOCOL.md §13):
 * the colour is the publisher's own bitstream, the depth matches the
 * studio's ground truth on the person, calibrations arrive once per change
 * and again for late joiners, a busy pool skips stale sets without losing
 * colour, and bad calibrations or frame sets get their error codes while
 * everyone else is still served.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "media/px-depth-codec.h"
#include "media/px-video-decoder.h"
#include "px-volumetric-test.h"

/* Generous: reconstruction on a loaded two-core machine, under sanitizers. */
#define TIMEOUT_MS 120000

/* Committed bounds (mm), looser than tests/recon's studio test since the
 * images went through VP8 and the grid is 160×120. Measured: see the
 * report of the run (g_test_message). */
#define MAX_MEDIAN_ERROR_MM 15.0
#define MAX_P95_ERROR_MM 75.0
#define MIN_COVERAGE 0.90

typedef struct
{
  PxSession *session;
  guint n_calibrations;
  JsonObject *calibration;   /* the latest calibration data */
  GPtrArray *frames;         /* GBytes: volumetric payloads, in arrival order */
  guint n_flat[3];           /* flat video frames per stream number */
  guint n_from_camera;       /* frames of the participant "camera" */
  GQueue errors;             /* char *: server errors, for publishers */
} Peer;

static void
calibration_cb (PxSession            *session,
                PxSessionParticipant *from,
                JsonObject           *data,
                gpointer              user_data)
{
  Peer *peer = user_data;

  peer->n_calibrations++;
  g_clear_pointer (&peer->calibration, json_object_unref);
  peer->calibration = json_object_ref (data);
}

static void
media_frame_cb (PxSession            *session,
                PxSessionParticipant *from,
                guint                 kind,
                guint                 stream,
                guint                 flags,
                guint                 sequence,
                gint64                capture_time,
                GBytes               *payload,
                gpointer              user_data)
{
  Peer *peer = user_data;

  if (g_str_equal (px_session_participant_get_identity (from), "camera"))
    peer->n_from_camera++;
  else if (kind == PX_WIRE_KIND_DEPTH && stream == PX_VOLUMETRIC_TEST_OUTPUT_STREAM)
    g_ptr_array_add (peer->frames, g_bytes_ref (payload));
  else if (kind == PX_WIRE_KIND_VIDEO && stream < G_N_ELEMENTS (peer->n_flat))
    peer->n_flat[stream]++;
}

static void
server_error_cb (PxSession    *session,
                 const GError *error,
                 gpointer      user_data)
{
  Peer *peer = user_data;

  g_test_message ("server error: %s", error->message);
  g_queue_push_tail (&peer->errors, g_strdup (error->message));
}

static Peer *
peer_new (PxVolumetricTestServer *server,
          const char             *identity,
          gboolean                can_publish)
{
  Peer *peer = g_new0 (Peer, 1);

  peer->session = px_volumetric_test_session_new (server, identity, can_publish, !can_publish);
  peer->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  /* Before joining: a late joiner's calibration comes right after welcome. */
  g_signal_connect (peer->session, "calibration", G_CALLBACK (calibration_cb), peer);
  g_signal_connect (peer->session, "media-frame", G_CALLBACK (media_frame_cb), peer);
  g_signal_connect (peer->session, "server-error", G_CALLBACK (server_error_cb), peer);
  px_volumetric_test_session_join (peer->session);
  return peer;
}

static void
peer_free (Peer *peer)
{
  g_signal_handlers_disconnect_by_data (peer->session, peer);
  px_session_leave (peer->session);
  g_object_unref (peer->session);
  g_clear_pointer (&peer->calibration, json_object_unref);
  g_ptr_array_unref (peer->frames);
  g_queue_clear_full (&peer->errors, g_free);
  g_free (peer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Peer, peer_free)

/* ------------------------------------------------------------------------ */
/* Waiting                                                                  */

typedef struct
{
  Peer *peer;
  guint count;
  guint32 sequence;
  const char *suffix;
} Condition;

static gboolean
has_calibrations (gpointer data)
{
  Condition *c = data;

  return c->peer->n_calibrations >= c->count;
}

static guint32
last_sequence (GBytes *payload)
{
  PxVolumetricPayload parsed;
  gsize size;
  const guint8 *bytes = g_bytes_get_data (payload, &size);

  g_assert_true (px_volumetric_payload_parse (bytes, size, &parsed, NULL));
  return parsed.packets[parsed.n_packets - 1].sequence;
}

/* A volumetric frame whose depth belongs to the left frame @sequence. */
static gboolean
has_frame_for (gpointer data)
{
  Condition *c = data;

  for (guint i = 0; i < c->peer->frames->len; i++)
    if (last_sequence (c->peer->frames->pdata[i]) == c->sequence)
      return TRUE;
  return FALSE;
}

static gboolean
has_frames (gpointer data)
{
  Condition *c = data;

  return c->peer->frames->len >= c->count;
}

static gboolean
has_error (gpointer data)
{
  Condition *c = data;

  for (GList *l = c->peer->errors.head; l != NULL; l = l->next)
    if (g_str_has_suffix (l->data, c->suffix))
      return TRUE;
  return FALSE;
}

static void
wait_error (Peer       *peer,
            const char *code)
{
  g_autofree char *suffix = g_strdup_printf ("(%s)", code);
  Condition c = { .peer = peer, .suffix = suffix };

  g_assert_true (px_volumetric_test_wait (has_error, &c, TIMEOUT_MS));
  g_queue_clear_full (&peer->errors, g_free);
}

/* Sends sets until @peer receives the volumetric frame of one of them: the
 * first ones may go before the server's decoders got a keyframe. Returns
 * that frame's left sequence. */
static guint32
send_until_frame (PxVolumetricTestPublisher *publisher,
                  Peer                      *peer,
                  double                     time)
{
  Condition c = { .peer = peer };
  gint64 deadline = g_get_monotonic_time () + (gint64) TIMEOUT_MS * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      c.sequence = px_volumetric_test_publisher_send (publisher, TRUE, time);
      if (px_volumetric_test_wait (has_frame_for, &c, 3000))
        return c.sequence;
    }
  g_assert_not_reached ();
}

static void
send_calibration (Peer       *peer,
                  JsonObject *data)
{
  px_session_send_calibration (peer->session, data);
}

/* ------------------------------------------------------------------------ */
/* Checks                                                                   */

static int
compare_floats (const void *a,
                const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;

  return (x > y) - (x < y);
}

/* Each packet is byte for byte one the publisher sent on the left stream,
 * in order, with gaps only before a keyframe, so a receiver decodes every
 * one; returns how many were carried. */
static guint
check_colour (PxVolumetricTestPublisher *publisher,
              GPtrArray                 *frames)
{
  g_autoptr(PxVideoDecoder) decoder = px_video_decoder_new ();
  gint64 previous = -1;
  guint n = 0;

  for (guint f = 0; f < frames->len; f++)
    {
      PxVolumetricPayload payload;
      gsize size;
      const guint8 *bytes = g_bytes_get_data (frames->pdata[f], &size);

      g_assert_true (px_volumetric_payload_parse (bytes, size, &payload, NULL));
      g_assert_cmpuint (payload.colour_stream, ==, PX_VOLUMETRIC_TEST_LEFT_STREAM);
      for (guint i = 0; i < payload.n_packets; i++)
        {
          const PxVolumetricPacket *packet = &payload.packets[i];
          g_autoptr(GError) error = NULL;
          g_autoptr(PxFrame) frame = NULL;
          GBytes *sent;

          g_assert_cmpuint (packet->sequence, <, publisher->left_packets->len);
          sent = publisher->left_packets->pdata[packet->sequence];
          g_assert_nonnull (sent);
          g_assert_cmpmem (packet->data, packet->size, g_bytes_get_data (sent, NULL), g_bytes_get_size (sent));
          g_assert_cmpint (packet->keyframe, ==, g_array_index (publisher->left_keyframes, gboolean, packet->sequence));
          g_assert_cmpint (packet->sequence, >, previous);
          /* Skipped left packets are ones the encoder skipped, or ones
           * before a keyframe. */
          if (!packet->keyframe)
            for (gint64 s = previous + 1; s < packet->sequence; s++)
              g_assert_null (publisher->left_packets->pdata[s]);
          previous = packet->sequence;

          frame = px_video_decoder_decode (decoder, packet->data, packet->size, n, 0, &error);
          g_assert_no_error (error);
          g_assert_nonnull (frame);
          g_assert_cmpuint (frame->width, ==, 640);
          n++;
        }
    }
  return n;
}

typedef struct
{
  guint on_person;
  guint measured;
  float *errors;
} DepthErrors;

/* Adds the errors of @payload's depth against the studio's latest render. */
static void
add_depth_errors (PxVolumetricTestPublisher *publisher,
                  GBytes                    *frame,
                  DepthErrors               *errors)
{
  g_autoptr(PxDepthCodec) codec = px_depth_codec_new (1);
  g_autoptr(GError) error = NULL;
  g_autofree guint16 *depth = NULL;
  const PxStudioView *view = px_studio_get_view (publisher->studio, 0);
  PxVolumetricPayload payload;
  guint width, height, step;
  gsize size;
  const guint8 *bytes = g_bytes_get_data (frame, &size);

  g_assert_true (px_volumetric_payload_parse (bytes, size, &payload, &error));
  g_assert_no_error (error);
  depth = px_depth_codec_decode (codec, payload.depth, payload.depth_size, &width, &height, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (width, ==, payload.grid_width);
  g_assert_cmpuint (height, ==, payload.grid_height);
  step = payload.grid_step;
  g_assert_cmpuint (width * step, ==, view->width);

  errors->errors = g_renew (float, errors->errors, errors->measured + (gsize) width * height);
  for (guint gy = 0; gy < height; gy++)
    for (guint gx = 0; gx < width; gx++)
      {
        /* The cell's centre lies between the pixels of a 2×2 block. */
        guint x = gx * step + (step - 1) / 2, y = gy * step + (step - 1) / 2;
        double truth = 0.0;
        gboolean person = TRUE;

        for (guint dy = 0; dy < 2; dy++)
          for (guint dx = 0; dx < 2; dx++)
            {
              gsize i = (gsize) (y + dy) * view->width + x + dx;

              person &= view->mask[i] == 255 && isfinite (view->depth[i]);
              truth += view->depth[i] / 4.0;
            }
        if (!person)
          continue;
        errors->on_person++;
        if (depth[(gsize) gy * width + gx] == 0)
          continue;
        errors->errors[errors->measured++] = fabs (depth[(gsize) gy * width + gx] - truth * 1000.0);
      }
}

/* ------------------------------------------------------------------------ */
/* Tests                                                                    */

static void
test_depth_and_calibration (void)
{
  g_autoptr(PxVolumetricTestServer) server = px_volumetric_test_server_new ();
  g_autoptr(Peer) rig = peer_new (server, "rig", TRUE);
  g_autoptr(Peer) viewer = peer_new (server, "viewer", FALSE);
  g_autoptr(Peer) late = NULL;
  g_autoptr(PxVolumetricTestPublisher) publisher = px_volumetric_test_publisher_new (rig->session);
  g_autoptr(JsonObject) data = px_volumetric_test_calibration (publisher, 4);
  g_autoptr(JsonObject) coarser = px_volumetric_test_calibration (publisher, 8);
  DepthErrors errors = { 0 };
  gint64 calibration_id, new_id;
  Condition c = { 0 };
  double median, p95, coverage;
  PxVolumetricPayload payload;
  guint n_frames;

  /* The same calibration twice reaches the viewer once. */
  send_calibration (rig, data);
  send_calibration (rig, data);
  c.peer = viewer;
  c.count = 1;
  g_assert_true (px_volumetric_test_wait (has_calibrations, &c, TIMEOUT_MS));
  g_assert_true (json_object_has_member (viewer->calibration, "calibration_id"));
  g_assert_true (json_object_has_member (viewer->calibration, "rig"));
  calibration_id = json_object_get_int_member (viewer->calibration, "calibration_id");

  for (guint f = 0; f < 3; f++)
    {
      send_until_frame (publisher, viewer, f / 30.0);
      add_depth_errors (publisher, viewer->frames->pdata[viewer->frames->len - 1], &errors);
    }
  g_assert_cmpuint (viewer->n_calibrations, ==, 1);

  /* The colour is the publisher's own bitstream. */
  g_assert_cmpuint (check_colour (publisher, viewer->frames), >=, 3);
  for (guint i = 0; i < viewer->frames->len; i++)
    {
      gsize size;
      const guint8 *bytes = g_bytes_get_data (viewer->frames->pdata[i], &size);

      g_assert_true (px_volumetric_payload_parse (bytes, size, &payload, NULL));
      g_assert_cmpuint (payload.calibration_id, ==, calibration_id);
      g_assert_cmpuint (payload.grid_width, ==, 160);
      g_assert_cmpuint (payload.grid_height, ==, 120);
      g_assert_cmpuint (payload.grid_step, ==, 4);
    }
  /* One-camera receivers still get the cameras flat. */
  g_assert_cmpuint (viewer->n_flat[PX_VOLUMETRIC_TEST_LEFT_STREAM], >=, 3);
  g_assert_cmpuint (viewer->n_flat[PX_VOLUMETRIC_TEST_RIGHT_STREAM], >=, 3);

  /* Depth against the ground truth on the person. */
  g_assert_cmpuint (errors.on_person, >, 3 * 1000);
  qsort (errors.errors, errors.measured, sizeof (float), compare_floats);
  median = errors.errors[errors.measured / 2];
  p95 = errors.errors[(gsize) (errors.measured * 0.95)];
  coverage = (double) errors.measured / errors.on_person;
  g_test_message ("person: %u grid cells, %.1f %% with depth; error median %.1f mm, p95 %.1f mm",
                  errors.on_person, 100.0 * coverage, median, p95);
  g_assert_cmpfloat (coverage, >=, MIN_COVERAGE);
  g_assert_cmpfloat (median, <=, MAX_MEDIAN_ERROR_MM);
  g_assert_cmpfloat (p95, <=, MAX_P95_ERROR_MM);
  g_free (errors.errors);

  /* A late joiner gets the calibration once, at once. */
  late = peer_new (server, "late-viewer", FALSE);
  c.peer = late;
  c.count = 1;
  g_assert_true (px_volumetric_test_wait (has_calibrations, &c, TIMEOUT_MS));
  g_assert_cmpint (json_object_get_int_member (late->calibration, "calibration_id"), ==, calibration_id);
  send_until_frame (publisher, late, 3 / 30.0);
  g_assert_cmpuint (late->n_calibrations, ==, 1);
  g_assert_cmpuint (viewer->n_calibrations, ==, 1);

  /* A change reaches everyone, with a new id that the frames then carry. */
  send_calibration (rig, coarser);
  c.count = 2;
  g_assert_true (px_volumetric_test_wait (has_calibrations, &c, TIMEOUT_MS));
  c.peer = viewer;
  g_assert_true (px_volumetric_test_wait (has_calibrations, &c, TIMEOUT_MS));
  new_id = json_object_get_int_member (viewer->calibration, "calibration_id");
  g_assert_cmpint (new_id, !=, calibration_id);
  g_assert_cmpint (json_object_get_int_member (late->calibration, "calibration_id"), ==, new_id);
  n_frames = viewer->frames->len;
  send_until_frame (publisher, viewer, 4 / 30.0);
  g_assert_cmpuint (viewer->frames->len, >, n_frames);
  {
    gsize size;
    const guint8 *bytes = g_bytes_get_data (viewer->frames->pdata[viewer->frames->len - 1], &size);

    g_assert_true (px_volumetric_payload_parse (bytes, size, &payload, NULL));
    g_assert_cmpuint (payload.calibration_id, ==, new_id);
    g_assert_cmpuint (payload.grid_width, ==, 80);
    g_assert_cmpuint (payload.grid_height, ==, 60);
  }
  g_assert_cmpuint (viewer->n_calibrations, ==, 2);
  g_assert_cmpuint (check_colour (publisher, viewer->frames), >=, 5);

  g_assert_cmpfloat (px_volumetric_test_metric (server, "parallax_volumetric_frame_sets_total{state=\"reconstructed\"}"),
                     >=, 5);
  g_assert_cmpfloat (px_volumetric_test_metric (server, "parallax_volumetric_depth_bytes_total{form=\"coded\"}"),
                     >, 0);
}

/* Sets sent as fast as the connection takes them, each reconstructed at
 * full resolution: waiting sets are replaced by newer ones, the newest is
 * always reconstructed, and the colour packets of skipped sets still reach
 * the subscriber. */
static void
test_latest_wins (void)
{
  g_autoptr(PxVolumetricTestServer) server = px_volumetric_test_server_new ();
  g_autoptr(Peer) rig = peer_new (server, "rig", TRUE);
  g_autoptr(Peer) viewer = peer_new (server, "viewer", FALSE);
  g_autoptr(PxVolumetricTestPublisher) publisher = px_volumetric_test_publisher_new (rig->session);
  g_autoptr(JsonObject) data = px_volumetric_test_calibration (publisher, 1);
  PxSessionParticipant *from;
  PxSessionSubscription subscription;
  Condition c = { .peer = viewer, .count = 1 };
  const guint n_sets = 24;
  double in, reconstructed, stale, failed;
  guint n_packets;

  from = px_session_lookup_participant (viewer->session,
                                       px_session_participant_get_id (px_session_get_local_participant (rig->session)));
  g_assert_nonnull (from);
  subscription.participant = from;
  subscription.stream = PX_VOLUMETRIC_TEST_OUTPUT_STREAM;
  px_session_set_subscriptions (viewer->session, &subscription, 1);

  send_calibration (rig, data);
  g_assert_true (px_volumetric_test_wait (has_calibrations, &c, TIMEOUT_MS));

  /* One burst: a still scene codes to small deltas, so the whole burst
   * fits the flow window and reaches the server at once, while each set
   * takes the pool a full-resolution reconstruction. */
  for (guint i = 0; i < n_sets; i++)
    c.sequence = px_volumetric_test_publisher_send (publisher, FALSE, 0.0);
  g_assert_true (px_volumetric_test_publisher_flush (publisher, TIMEOUT_MS));
  g_assert_cmpuint (px_session_get_dropped_frames (rig->session), ==, 0);
  g_assert_true (px_volumetric_test_wait (has_frame_for, &c, TIMEOUT_MS));

  in = px_volumetric_test_metric (server, "parallax_volumetric_frame_sets_total{state=\"in\"}");
  reconstructed = px_volumetric_test_metric (server, "parallax_volumetric_frame_sets_total{state=\"reconstructed\"}");
  stale = px_volumetric_test_metric (server, "parallax_volumetric_frame_sets_total{state=\"stale\"}");
  failed = px_volumetric_test_metric (server, "parallax_volumetric_frame_sets_total{state=\"failed\"}");
  g_test_message ("%u sets sent: %.0f in, %.0f reconstructed, %.0f stale, %u received",
                  n_sets, in, reconstructed, stale, viewer->frames->len);
  g_assert_cmpfloat (in, ==, n_sets);
  g_assert_cmpfloat (failed, ==, 0);
  /* Nothing queues behind: each set was reconstructed or replaced (how
   * many of each depends on the machine; test-reconstruction-scheduler
   * holds the pool to make it certain). */
  g_assert_cmpfloat (reconstructed + stale, ==, in);
  g_assert_cmpuint (viewer->frames->len, <=, reconstructed);

  /* Every left packet reached the viewer inside the frames it got (or a
   * keyframe made the earlier ones unnecessary), and all decode. */
  n_packets = check_colour (publisher, viewer->frames);
  g_assert_cmpuint (n_packets, >=, viewer->frames->len);
  g_assert_cmpuint (last_sequence (viewer->frames->pdata[viewer->frames->len - 1]), ==, c.sequence);
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_true (json_parser_load_from_data (parser, text, -1, NULL));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
test_bad_input (void)
{
  g_autoptr(PxVolumetricTestServer) server = px_volumetric_test_server_new ();
  g_autoptr(Peer) rig = peer_new (server, "rig", TRUE);
  g_autoptr(Peer) other_rig = peer_new (server, "other-rig", TRUE);
  g_autoptr(Peer) camera = peer_new (server, "camera", TRUE);
  g_autoptr(Peer) viewer = peer_new (server, "viewer", FALSE);
  g_autoptr(PxVolumetricTestPublisher) publisher = px_volumetric_test_publisher_new (rig->session);
  g_autoptr(PxVolumetricTestPublisher) other = px_volumetric_test_publisher_new (other_rig->session);
  g_autoptr(JsonObject) data = px_volumetric_test_calibration (publisher, 4);
  g_autoptr(JsonObject) other_data = px_volumetric_test_calibration (other, 4);
  g_autoptr(JsonObject) bad = NULL;
  g_autoptr(GBytes) garbage = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PxVideoEncoder) small_encoder = px_video_encoder_new (500);
  g_autoptr(PxFrame) small = px_frame_new (PX_PIXEL_FORMAT_I420, 320, 240);
  const PxSessionStream camera_stream = { 1, PX_WIRE_KIND_VIDEO, "camera" };
  guint8 noise[600];
  Condition c = { .peer = viewer, .count = 1 };
  guint n_frames;

  /* Calibrations that cannot be reconstructed. */
  bad = parse_object ("{\"rig\": \"not a rig\", \"streams\": {}, \"volumetric_stream\": 3}");
  send_calibration (rig, bad);
  wait_error (rig, "invalid-calibration");
  g_clear_pointer (&bad, json_object_unref);
  bad = parse_object ("{\"rig\": {\"version\": 1, \"cameras\": [{\"id\": \"a\"}]}, \"streams\": {\"a\": 1},"
                      " \"volumetric_stream\": 3}");
  send_calibration (rig, bad);
  wait_error (rig, "invalid-calibration");
  g_clear_pointer (&bad, json_object_unref);
  bad = px_volumetric_test_calibration (publisher, 4);
  json_object_set_int_member (json_object_get_object_member (bad, "streams"),
                              px_rig_get_camera (publisher->rig, 1)->id, 9);
  send_calibration (rig, bad);
  wait_error (rig, "invalid-calibration");
  json_object_set_int_member (bad, "step", 1000);
  send_calibration (rig, bad);
  wait_error (rig, "invalid-calibration");
  g_assert_cmpint (px_session_get_state (rig->session), ==, PX_SESSION_STATE_JOINED);

  /* The valid one is the only one the viewer sees. */
  send_calibration (rig, data);
  g_assert_true (px_volumetric_test_wait (has_calibrations, &c, TIMEOUT_MS));
  g_assert_cmpint (json_object_get_int_member (viewer->calibration, "step"), ==, 4);

  /* A frame set that is not VP8. */
  for (gsize i = 0; i < sizeof noise; i++)
    noise[i] = (i * 7919 + 13) & 0xff;
  garbage = g_bytes_new (noise, sizeof noise);
  for (guint32 stream = PX_VOLUMETRIC_TEST_LEFT_STREAM; stream <= PX_VOLUMETRIC_TEST_RIGHT_STREAM; stream++)
    g_assert_true (px_session_send_frame (rig->session, PX_WIRE_KIND_VIDEO, stream, PX_WIRE_FLAG_KEYFRAME,
                                          1000, g_get_monotonic_time (), garbage, NULL));
  wait_error (rig, "invalid-frame-set");

  /* Frames of another size than the rig's cameras. */
  send_calibration (other_rig, other_data);
  c.count = 2;
  g_assert_true (px_volumetric_test_wait (has_calibrations, &c, TIMEOUT_MS));
  memset (small->planes[0], 90, (gsize) small->strides[0] * 240);
  memset (small->planes[1], 128, (gsize) small->strides[1] * 120);
  memset (small->planes[2], 128, (gsize) small->strides[2] * 120);
  {
    gint64 now = g_get_monotonic_time ();
    g_autoptr(PxVideoPacket) packet = NULL;

    small->capture_time_us = now;
    packet = px_video_encoder_encode (small_encoder, small, &error);
    g_assert_no_error (error);
    g_assert_nonnull (packet);
    for (guint32 stream = PX_VOLUMETRIC_TEST_LEFT_STREAM; stream <= PX_VOLUMETRIC_TEST_RIGHT_STREAM; stream++)
      g_assert_true (px_session_send_frame (other_rig->session, PX_WIRE_KIND_VIDEO, stream, PX_WIRE_FLAG_KEYFRAME,
                                            0, now, packet->data, NULL));
  }
  wait_error (other_rig, "invalid-frame-set");
  g_assert_cmpfloat (px_volumetric_test_metric (server, "parallax_volumetric_frame_sets_total{state=\"failed\"}"),
                     >=, 2);

  /* Everyone is still served: a one-camera publisher is forwarded flat… */
  g_assert_true (px_session_set_streams (camera->session, &camera_stream, 1, &error));
  g_assert_no_error (error);
  g_assert_true (px_session_send_frame (camera->session, PX_WIRE_KIND_VIDEO, 1, PX_WIRE_FLAG_KEYFRAME, 0,
                                        g_get_monotonic_time (), garbage, &error));
  {
    gint64 deadline = g_get_monotonic_time () + (gint64) TIMEOUT_MS * 1000;

    while (viewer->n_from_camera == 0 && g_get_monotonic_time () < deadline)
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
  }
  g_assert_cmpuint (viewer->n_from_camera, ==, 1);

  /* …and the rig that sent garbage is reconstructed again once its frames
   * are good (the server asks it for a keyframe). */
  n_frames = viewer->frames->len;
  c.count = n_frames + 1;
  {
    gint64 deadline = g_get_monotonic_time () + (gint64) TIMEOUT_MS * 1000;

    while (viewer->frames->len == n_frames && g_get_monotonic_time () < deadline)
      {
        px_volumetric_test_publisher_send (publisher, FALSE, 0.0);
        px_volumetric_test_wait (has_frames, &c, 200);
      }
  }
  g_assert_cmpuint (viewer->frames->len, >, n_frames);
  g_assert_cmpint (px_session_get_state (rig->session), ==, PX_SESSION_STATE_JOINED);
  g_assert_cmpint (px_session_get_state (other_rig->session), ==, PX_SESSION_STATE_JOINED);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/volumetric/server/depth-and-calibration", test_depth_and_calibration);
  g_test_add_func ("/volumetric/server/latest-wins", test_latest_wins);
  g_test_add_func ("/volumetric/server/bad-input", test_bad_input);

  return g_test_run ();
}
