/* test-volumetric-receiver.c: clients decoding a studio's 3D person
 *
 * A real server on 127.0.0.1 reconstructs the studio's two-camera rig
 * (px-volumetric-test); a subscriber decodes the volumetric frames with a
 * PxVolumetricReceiver: the depth matches the studio's ground truth, the
 * colour the left camera's picture, and the view is one the stage takes.
 * The recorded frames then go through the receiver again, damaged: cut
 * short, bit-flipped, one left out, made with another calibration. Last,
 * PxCallMedia end to end: the rig's remote becomes volumetric, shows views,
 * fills in its statistics and receives no flat camera video any more.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "media/px-call-media.h"
#include "media/px-volumetric-receiver.h"
#include "render/px-participant.h"
#include "px-volumetric-test.h"

/* Generous: reconstruction on a loaded two-core machine, under sanitizers. */
#define TIMEOUT_MS 120000
/* Frames recorded before a keyframe is asked for. */
#define RECORDED_DELTAS 8

/* Committed bounds, with margin over what was measured (the run prints
 * the figures: g_test_message). */
#define MAX_MEDIAN_DEPTH_ERROR_M 0.03
#define MIN_DEPTH_SAMPLES 3000
#define MIN_LUMA_PSNR_DB 38.0

typedef struct
{
  guint32 sequence;
  guint16 flags;
  gint64 capture_time;
  GBytes *payload;
} Recorded;

static void
recorded_free (Recorded *recorded)
{
  g_bytes_unref (recorded->payload);
  g_free (recorded);
}

/* What the live part leaves for the tests of damaged input. */
typedef struct
{
  JsonObject *calibration;
  GPtrArray *frames;        /* Recorded, in arrival order */
} Recording;

static Recording *recording;

typedef struct
{
  PxSession *session;
  PxVolumetricReceiver *receiver;
  JsonObject *calibration;
  GPtrArray *frames;        /* Recorded */
  PxVolumetricView *latest;
  guint n_views;
  guint n_errors;
} Viewer;

static void
viewer_calibration_cb (PxSession            *session,
                       PxSessionParticipant *from,
                       JsonObject           *data,
                       gpointer              user_data)
{
  Viewer *viewer = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (px_volumetric_receiver_set_calibration (viewer->receiver, data, &error));
  g_assert_no_error (error);
  g_clear_pointer (&viewer->calibration, json_object_unref);
  viewer->calibration = json_object_ref (data);
}

static void
viewer_media_frame_cb (PxSession            *session,
                       PxSessionParticipant *from,
                       guint                 kind,
                       guint                 stream,
                       guint                 flags,
                       guint                 sequence,
                       gint64                capture_time,
                       GBytes               *payload,
                       gpointer              user_data)
{
  Viewer *viewer = user_data;
  g_autoptr(GError) error = NULL;
  Recorded *recorded;
  PxVolumetricView *view;

  if (kind != PX_WIRE_KIND_DEPTH || stream != px_volumetric_receiver_get_stream (viewer->receiver))
    return;

  recorded = g_new0 (Recorded, 1);
  recorded->sequence = sequence;
  recorded->flags = flags;
  recorded->capture_time = px_session_to_server_time (session, capture_time);
  recorded->payload = g_bytes_ref (payload);
  g_ptr_array_add (viewer->frames, recorded);

  view = px_volumetric_receiver_push (viewer->receiver, sequence, flags, recorded->capture_time,
                                      payload, &error);
  if (view == NULL)
    {
      if (error != NULL)
        {
          g_test_message ("frame %u dropped: %s", sequence, error->message);
          viewer->n_errors++;
        }
      return;
    }
  g_clear_pointer (&viewer->latest, px_volumetric_view_unref);
  viewer->latest = view;
  viewer->n_views++;
}

/* ------------------------------------------------------------------------ */
/* Measuring                                                                */

typedef struct
{
  Viewer *viewer;
  guint32 sequence;
} ViewWait;

static gboolean
has_view_of (gpointer data)
{
  ViewWait *wait = data;

  return wait->viewer->latest != NULL && wait->viewer->latest->color->sequence == wait->sequence;
}

/* Sends sets until the viewer decoded the view of one; the first ones may
 * go before the server's decoders got a keyframe. */
static guint32
send_until_view (PxVolumetricTestPublisher *publisher,
                 Viewer                    *viewer,
                 double                     time)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) TIMEOUT_MS * 1000;
  ViewWait wait = { viewer, 0 };

  while (g_get_monotonic_time () < deadline)
    {
      wait.sequence = px_volumetric_test_publisher_send (publisher, TRUE, time);
      if (px_volumetric_test_wait (has_view_of, &wait, 3000))
        return wait.sequence;
    }
  g_assert_not_reached ();
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Adds |depth − truth| of every sample of @view that has depth, the truth
 * being the studio's render of the same instant at the sample's pixel. */
static void
add_depth_errors (const PxVolumetricView *view,
                  const PxStudioView     *truth,
                  GArray                 *errors)
{
  guint step = view->grid_step;

  g_assert_cmpuint (view->depth_width * step, ==, truth->width);
  for (int gy = 0; gy < view->depth_height; gy++)
    for (int gx = 0; gx < view->depth_width; gx++)
      {
        float depth = view->depth[(gsize) gy * view->depth_width + gx];
        /* The sample sits between the pixels of a 2×2 block (step 4). */
        guint x = gx * step + (step - 1) / 2, y = gy * step + (step - 1) / 2;
        double sum = 0.0, error;
        gboolean finite = TRUE;

        if (depth == 0.0f)
          continue;
        g_assert_true (isfinite (depth) && depth > 0.0f);
        for (guint dy = 0; dy < 2; dy++)
          for (guint dx = 0; dx < 2; dx++)
            {
              float d = truth->depth[(gsize) (y + dy) * truth->width + x + dx];

              finite &= isfinite (d);
              sum += d / 4.0;
            }
        /* Depth where the studio saw nothing counts as an error too. */
        error = finite ? fabs (depth - sum) : 10.0;
        g_array_append_val (errors, error);
      }
}

static double
luma_psnr (const PxFrame *a,
           const PxFrame *b)
{
  double sum = 0.0, mse;

  g_assert_cmpuint (a->width, ==, b->width);
  g_assert_cmpuint (a->height, ==, b->height);
  for (guint y = 0; y < a->height; y++)
    for (guint x = 0; x < a->width; x++)
      {
        double d = (double) a->planes[0][(gsize) y * a->strides[0] + x]
                   - b->planes[0][(gsize) y * b->strides[0] + x];

        sum += d * d;
      }
  mse = sum / ((double) a->width * a->height);
  return mse > 0.0 ? 10.0 * log10 (255.0 * 255.0 / mse) : 99.0;
}

static gboolean
payload_has_keyframe (GBytes *payload)
{
  PxVolumetricPayload parsed;
  gsize size;
  const guint8 *data = g_bytes_get_data (payload, &size);

  g_assert_true (px_volumetric_payload_parse (data, size, &parsed, NULL));
  for (guint i = 0; i < parsed.n_packets; i++)
    if (parsed.packets[i].keyframe)
      return TRUE;
  return FALSE;
}

static gboolean
has_calibration (gpointer data)
{
  Viewer *viewer = data;

  return px_volumetric_receiver_get_stream (viewer->receiver) != 0;
}

/* Whether a frame from @start on carries a keyframe. */
static gboolean
has_keyframe_from (Viewer *viewer,
                   guint   start)
{
  for (guint i = start; i < viewer->frames->len; i++)
    if (payload_has_keyframe (((Recorded *) viewer->frames->pdata[i])->payload))
      return TRUE;
  return FALSE;
}

/* ------------------------------------------------------------------------ */
/* Live                                                                     */

static void
check_view (const PxVolumetricView *view)
{
  PxParticipantView pview;
  g_autoptr(PxParticipant) participant = px_participant_new (PX_PARTICIPANT_VOLUMETRIC, "studio");
  g_autoptr(GError) error = NULL;
  double step_u;

  g_assert_cmpuint (view->color->width, ==, 640);
  g_assert_cmpuint (view->color->height, ==, 480);
  g_assert_cmpint (view->depth_width, ==, 160);
  g_assert_cmpint (view->depth_height, ==, 120);
  g_assert_cmpuint (view->grid_step, ==, 4);
  g_assert_cmpint (view->camera.width, ==, 640);
  g_assert_cmpint (view->camera.height, ==, 480);
  for (int k = 0; k < 3; k++)
    g_assert_cmpfloat (view->volume_min[k], <, view->volume_max[k]);
  g_assert_cmpint (view->received_local, <=, view->decoded_local);
  g_assert_cmpint (view->color->capture_time_us, ==, view->capture_time);

  /* The stage takes it, and samples depth where the wire says it is. */
  px_volumetric_view_get_participant_view (view, &pview);
  g_assert_true (px_participant_set_views (participant, &pview, 1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pview.depth_width * (int) view->grid_step, ==, pview.camera.width);
  step_u = (double) pview.camera.width / pview.depth_width;
  for (int x = 0; x < pview.depth_width; x += 37)
    g_assert_cmpfloat_with_epsilon ((x + 0.5) * step_u - 0.5,
                                    x * view->grid_step + (view->grid_step - 1) / 2.0, 1e-9);
}

static Recording *
record (void)
{
  g_autoptr(PxVolumetricTestServer) server = px_volumetric_test_server_new ();
  g_autoptr(PxSession) rig = px_volumetric_test_join (server, "rig", TRUE, FALSE);
  g_autoptr(PxVolumetricTestPublisher) publisher = px_volumetric_test_publisher_new (rig);
  g_autoptr(JsonObject) data = px_volumetric_test_calibration (publisher, 4);
  g_autoptr(GArray) errors = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) decode_times = g_array_new (FALSE, FALSE, sizeof (double));
  Viewer viewer = { 0 };
  Recording *result;
  double median, min_psnr = G_MAXDOUBLE;
  guint n_before;
  gint64 deadline;

  viewer.session = px_volumetric_test_session_new (server, "viewer", FALSE, TRUE);
  viewer.receiver = px_volumetric_receiver_new ();
  viewer.frames = g_ptr_array_new_with_free_func ((GDestroyNotify) recorded_free);
  g_signal_connect (viewer.session, "calibration", G_CALLBACK (viewer_calibration_cb), &viewer);
  g_signal_connect (viewer.session, "media-frame", G_CALLBACK (viewer_media_frame_cb), &viewer);
  px_volumetric_test_session_join (viewer.session);

  px_session_send_calibration (rig, data);
  g_assert_true (px_volumetric_test_wait (has_calibration, &viewer, TIMEOUT_MS));
  g_assert_cmpuint (px_volumetric_receiver_get_stream (viewer.receiver), ==, PX_VOLUMETRIC_TEST_OUTPUT_STREAM);

  for (guint f = 0; f < 3; f++)
    {
      const PxStudioView *truth;
      double psnr;

      send_until_view (publisher, &viewer, f / 30.0);
      truth = px_studio_get_view (publisher->studio, 0);
      check_view (viewer.latest);
      add_depth_errors (viewer.latest, truth, errors);
      psnr = luma_psnr (viewer.latest->color, publisher->i420[0]);
      min_psnr = MIN (min_psnr, psnr);
    }

  g_assert_cmpuint (errors->len, >=, MIN_DEPTH_SAMPLES);
  g_array_sort (errors, compare_doubles);
  median = g_array_index (errors, double, errors->len / 2);
  g_test_message ("depth: %u samples, median error %.1f mm, p90 %.1f mm; colour: luma PSNR >= %.1f dB",
                  errors->len, median * 1000.0,
                  g_array_index (errors, double, errors->len * 9 / 10) * 1000.0, min_psnr);
  g_assert_cmpfloat (median, <=, MAX_MEDIAN_DEPTH_ERROR_M);
  g_assert_cmpfloat (min_psnr, >=, MIN_LUMA_PSNR_DB);
  if (viewer.latest->has_timings)
    g_test_message ("server: reconstruction %.1f ms (stereo %.1f ms)",
                    (viewer.latest->timings.built - viewer.latest->timings.received) / 1000.0,
                    viewer.latest->timings.stereo_us / 1000.0);
  g_assert_cmpuint (viewer.n_errors, ==, 0);

  /* Deltas, then a keyframe asked for: material for the damaged input. */
  n_before = viewer.frames->len;
  for (guint f = 0; f < RECORDED_DELTAS; f++)
    {
      double ms;

      send_until_view (publisher, &viewer, (3 + f) / 30.0);
      ms = (viewer.latest->decoded_local - viewer.latest->received_local) / 1000.0;
      g_array_append_val (decode_times, ms);
    }
  g_array_sort (decode_times, compare_doubles);
  g_test_message ("receiver: a 640x480 delta and its depth decoded in %.1f ms (median of %u)",
                  g_array_index (decode_times, double, decode_times->len / 2), decode_times->len);
  g_assert_cmpuint (viewer.frames->len, >=, n_before + RECORDED_DELTAS);
  deadline = g_get_monotonic_time () + (gint64) TIMEOUT_MS * 1000;
  n_before = viewer.frames->len;
  px_video_encoder_request_keyframe (publisher->encoders[0]);
  while (!has_keyframe_from (&viewer, n_before))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      send_until_view (publisher, &viewer, 0.5);
    }

  result = g_new0 (Recording, 1);
  result->calibration = json_object_ref (viewer.calibration);
  result->frames = g_ptr_array_ref (viewer.frames);

  g_signal_handlers_disconnect_by_data (viewer.session, &viewer);
  px_session_leave (viewer.session);
  px_session_leave (rig);
  g_object_unref (viewer.session);
  g_object_unref (viewer.receiver);
  g_clear_pointer (&viewer.latest, px_volumetric_view_unref);
  json_object_unref (viewer.calibration);
  g_ptr_array_unref (viewer.frames);
  return result;
}

static Recording *
get_recording (void)
{
  if (recording == NULL)
    recording = record ();
  return recording;
}

static void
test_live (void)
{
  Recording *r = get_recording ();

  g_assert_cmpuint (r->frames->len, >=, 3 + RECORDED_DELTAS + 1);
}

/* ------------------------------------------------------------------------ */
/* Damaged input                                                            */

typedef struct
{
  PxVolumetricReceiver *receiver;
  guint keyframes_needed;
} Replay;

static void
keyframe_needed_cb (PxVolumetricReceiver *receiver,
                    gpointer              user_data)
{
  ((Replay *) user_data)->keyframes_needed++;
}

static void
replay_init (Replay    *replay,
             Recording *r)
{
  g_autoptr(GError) error = NULL;

  replay->receiver = px_volumetric_receiver_new ();
  replay->keyframes_needed = 0;
  g_signal_connect (replay->receiver, "keyframe-needed", G_CALLBACK (keyframe_needed_cb), replay);
  g_assert_true (px_volumetric_receiver_set_calibration (replay->receiver, r->calibration, &error));
  g_assert_no_error (error);
}

static void
replay_clear (Replay *replay)
{
  g_clear_object (&replay->receiver);
}

static PxVolumetricView *
replay_push (Replay    *replay,
             Recorded  *recorded,
             GBytes    *payload,
             GError   **error)
{
  return px_volumetric_receiver_push (replay->receiver, recorded->sequence, recorded->flags,
                                      recorded->capture_time,
                                      payload != NULL ? payload : recorded->payload, error);
}

/* The first recorded frame with a keyframe inside, from @start. */
static guint
find_keyframe (Recording *r,
               guint      start)
{
  for (guint i = start; i < r->frames->len; i++)
    if (payload_has_keyframe (((Recorded *) r->frames->pdata[i])->payload))
      return i;
  g_assert_not_reached ();
}

static Recorded *
frame_at (Recording *r,
          guint      i)
{
  return r->frames->pdata[i];
}

static void
test_bad_input (void)
{
  Recording *r = get_recording ();
  guint first = find_keyframe (r, 0), later = find_keyframe (r, first + 1);
  Recorded *key = frame_at (r, first);
  gsize size;
  const guint8 *data = g_bytes_get_data (key->payload, &size);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261126);
  g_autoptr(PxVolumetricView) view = NULL;
  g_autoptr(PxVolumetricView) recovered = NULL;
  Replay replay;
  guint n_views = 0, n_errors = 0;

  replay_init (&replay, r);
  view = replay_push (&replay, key, NULL, NULL);
  g_assert_nonnull (view);

  /* Cut short anywhere: dropped with an error. */
  for (gsize n = 0; n < size; n += 1 + size / 97)
    {
      g_autoptr(GBytes) cut = g_bytes_new (data, n);
      GError *error = NULL;

      g_assert_null (replay_push (&replay, key, cut, &error));
      g_assert_error (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_TRUNCATED);
      g_clear_error (&error);
    }

  /* Every bit of the fixed part matters: none flips unnoticed. */
  for (gsize bit = 0; bit < 8 * PX_VOLUMETRIC_HEADER_SIZE; bit++)
    {
      g_autofree guint8 *copy = g_memdup2 (data, size);
      g_autoptr(GBytes) flipped = NULL;
      GError *error = NULL;

      copy[bit / 8] ^= 1u << (bit % 8);
      flipped = g_bytes_new (copy, size);
      g_assert_null (replay_push (&replay, key, flipped, &error));
      g_assert_nonnull (error);
      g_assert_true (error->domain == PX_VOLUMETRIC_ERROR);
      g_clear_error (&error);
    }

  /* None of that upset the receiver. */
  {
    g_autoptr(PxVolumetricView) again = NULL;
    g_autoptr(GError) error = NULL;

    again = replay_push (&replay, key, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (again);
  }

  /* Flips anywhere: an error or a picture, never a crash. */
  for (guint i = 0; i < 300; i++)
    {
      g_autofree guint8 *copy = g_memdup2 (data, size);
      g_autoptr(GBytes) flipped = NULL;
      g_autoptr(PxVolumetricView) damaged = NULL;
      g_autoptr(GError) error = NULL;
      gsize at = g_rand_int_range (rand, 0, (gint32) size);

      copy[at] ^= 1u << g_rand_int_range (rand, 0, 8);
      flipped = g_bytes_new (copy, size);
      damaged = replay_push (&replay, key, flipped, &error);
      if (damaged != NULL)
        {
          n_views++;
          g_assert_no_error (error);
          g_assert_cmpint (damaged->depth_width, ==, 160);
        }
      else if (error != NULL)
        {
          if (n_errors < 3)
            g_test_message ("flip at %" G_GSIZE_FORMAT ": %s", at, error->message);
          n_errors++;
        }
    }
  g_test_message ("300 bit flips: %u errors, %u pictures", n_errors, n_views);
  g_assert_cmpuint (n_errors, >, 0);

  /* The next keyframe brings the picture back. */
  for (guint i = first + 1; i <= later && recovered == NULL; i++)
    recovered = replay_push (&replay, frame_at (r, i), NULL, NULL);
  g_assert_nonnull (recovered);
  g_assert_cmpuint (recovered->color->sequence, >, view->color->sequence);
  replay_clear (&replay);
}

/* Whether the colour packets of frame @i follow those of frame @i − 1
 * without a gap (the encoder may have skipped a frame: a gap of its own). */
static gboolean
follows (Recording *r,
         guint      i)
{
  PxVolumetricPayload a, b;
  gsize size;
  const guint8 *data;

  data = g_bytes_get_data (frame_at (r, i - 1)->payload, &size);
  g_assert_true (px_volumetric_payload_parse (data, size, &a, NULL));
  data = g_bytes_get_data (frame_at (r, i)->payload, &size);
  g_assert_true (px_volumetric_payload_parse (data, size, &b, NULL));
  for (guint k = 1; k < b.n_packets; k++)
    if (b.packets[k].sequence != b.packets[k - 1].sequence + 1)
      return FALSE;
  return b.packets[0].sequence == a.packets[a.n_packets - 1].sequence + 1;
}

static void
test_missing_packet (void)
{
  Recording *r = get_recording ();
  guint first = find_keyframe (r, 0), later = find_keyframe (r, first + 1);
  guint skip;
  Replay replay;

  /* Joining and subscribing bring a few keyframes at the start: take two
   * keyframes with unbroken deltas between them. */
  for (;;)
    {
      gboolean unbroken = later > first + 3;

      for (guint i = first + 1; unbroken && i < later; i++)
        unbroken = follows (r, i);
      if (unbroken)
        break;
      first = later;
      later = find_keyframe (r, first + 1);
    }
  skip = first + 2;
  replay_init (&replay, r);
  for (guint i = first; i < skip; i++)
    {
      g_autoptr(PxVolumetricView) view = replay_push (&replay, frame_at (r, i), NULL, NULL);

      g_assert_nonnull (view);
    }
  g_assert_cmpuint (replay.keyframes_needed, ==, 0);

  /* One left out: nothing more to show, a keyframe is asked for. */
  for (guint i = skip + 1; i < later; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_null (replay_push (&replay, frame_at (r, i), NULL, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpuint (replay.keyframes_needed, >=, 1);

  /* The keyframe starts it again. */
  {
    g_autoptr(PxVolumetricView) view = replay_push (&replay, frame_at (r, later), NULL, NULL);

    g_assert_nonnull (view);
    g_assert_cmpuint (view->sequence, ==, frame_at (r, later)->sequence);
  }
  replay_clear (&replay);
}

static void
test_other_calibration (void)
{
  Recording *r = get_recording ();
  guint first = find_keyframe (r, 0);
  Recorded *key = frame_at (r, first);
  g_autoptr(PxVolumetricReceiver) fresh = px_volumetric_receiver_new ();
  g_autoptr(JsonObject) no_rig = json_object_new ();
  g_autoptr(GBytes) other = NULL;
  g_autoptr(PxVolumetricView) view = NULL;
  PxVolumetricPayload parsed;
  GError *error = NULL;
  gsize size;
  const guint8 *data = g_bytes_get_data (key->payload, &size);
  Replay replay;

  /* Before any calibration. */
  g_assert_null (px_volumetric_receiver_push (fresh, key->sequence, key->flags, key->capture_time,
                                              key->payload, &error));
  g_assert_error (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_CALIBRATION);
  g_clear_error (&error);

  /* A calibration without a rig changes nothing. */
  replay_init (&replay, r);
  json_object_set_int_member (no_rig, "calibration_id", 99);
  g_assert_false (px_volumetric_receiver_set_calibration (replay.receiver, no_rig, &error));
  g_assert_error (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_CALIBRATION);
  g_clear_error (&error);
  g_assert_cmpuint (px_volumetric_receiver_get_stream (replay.receiver), ==, PX_VOLUMETRIC_TEST_OUTPUT_STREAM);
  g_assert_cmpuint (px_volumetric_receiver_get_calibration_id (replay.receiver), ==,
                    json_object_get_int_member (r->calibration, "calibration_id"));

  /* The same frame, said to be made with another calibration. */
  g_assert_true (px_volumetric_payload_parse (data, size, &parsed, NULL));
  parsed.calibration_id++;
  other = px_volumetric_payload_build (&parsed);
  g_assert_null (replay_push (&replay, key, other, &error));
  g_assert_error (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_CALIBRATION);
  g_clear_error (&error);

  /* Its own calibration is still fine. */
  view = replay_push (&replay, key, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (view);
  replay_clear (&replay);
}

/* A grid whose last cells hang over the image's edge: the stage gets the
 * cells that fit, and samples them where the wire says. */
static void
test_participant_view (void)
{
  const struct { guint width, height, step; int grid_width, grid_height; } cases[] = {
    { 640, 480, 4, 160, 120 },
    { 642, 480, 4, 160, 120 },
    { 640, 480, 3, 212, 160 },
    { 646, 482, 8, 80, 60 },
  };

  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(PxParticipant) participant = px_participant_new (PX_PARTICIPANT_VOLUMETRIC, "grid");
      g_autoptr(GError) error = NULL;
      g_autofree float *depth = NULL;
      PxVolumetricView view = { 0 };
      PxParticipantView pview;
      double step_u, step_v;

      view.color = px_frame_new (PX_PIXEL_FORMAT_I420, cases[c].width, cases[c].height);
      for (guint p = 0; p < 3; p++)
        memset (view.color->planes[p], 128,
                (gsize) view.color->strides[p] * px_frame_get_plane_height (view.color, p));
      view.grid_step = cases[c].step;
      view.depth_width = (int) ((cases[c].width + cases[c].step - 1) / cases[c].step);
      view.depth_height = (int) ((cases[c].height + cases[c].step - 1) / cases[c].step);
      depth = g_new (float, (gsize) view.depth_width * view.depth_height);
      for (int i = 0; i < view.depth_width * view.depth_height; i++)
        depth[i] = 2.0f;
      view.depth = depth;
      view.camera = (PxCameraModel) { (int) cases[c].width, (int) cases[c].height, 500.0, 500.0,
                                      cases[c].width / 2.0, cases[c].height / 2.0,
                                      { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, { 0, 0, 0 } };

      px_volumetric_view_get_participant_view (&view, &pview);
      g_assert_cmpint (pview.depth_width, ==, cases[c].grid_width);
      g_assert_cmpint (pview.depth_height, ==, cases[c].grid_height);
      g_assert_cmpint (pview.depth_stride, ==, view.depth_width);
      g_assert_cmpint (pview.camera.width, ==, pview.depth_width * (int) cases[c].step);
      g_assert_cmpint (pview.camera.height, ==, pview.depth_height * (int) cases[c].step);
      g_assert_cmpint (pview.color.width, ==, pview.camera.width);
      g_assert_cmpint (pview.color.height, ==, pview.camera.height);
      g_assert_cmpfloat (pview.camera.cx, ==, view.camera.cx);
      step_u = (double) pview.camera.width / pview.depth_width;
      step_v = (double) pview.camera.height / pview.depth_height;
      for (int x = 0; x < pview.depth_width; x++)
        g_assert_cmpfloat_with_epsilon ((x + 0.5) * step_u - 0.5,
                                        x * cases[c].step + (cases[c].step - 1) / 2.0, 1e-9);
      for (int y = 0; y < pview.depth_height; y++)
        g_assert_cmpfloat_with_epsilon ((y + 0.5) * step_v - 0.5,
                                        y * cases[c].step + (cases[c].step - 1) / 2.0, 1e-9);
      g_assert_true (px_participant_set_views (participant, &pview, 1, &error));
      g_assert_no_error (error);
      px_frame_unref (view.color);
    }
}

/* ------------------------------------------------------------------------ */
/* PxCallMedia                                                              */

typedef struct
{
  PxCallMedia *call;
  PxSession *session;
  guint32 rig_id;
  guint32 flat_id;
  guint volumetric_changed;
} Watcher;

static PxRemoteMedia *
lookup_remote (Watcher *watcher,
               guint32  id)
{
  PxSessionParticipant *participant = px_session_lookup_participant (watcher->session, id);

  return participant != NULL ? px_call_media_lookup_remote (watcher->call, participant) : NULL;
}

static gboolean
rig_is_volumetric (gpointer data)
{
  Watcher *watcher = data;
  PxRemoteMedia *remote = lookup_remote (watcher, watcher->rig_id);

  return remote != NULL && px_remote_media_get_volumetric (remote);
}

typedef struct
{
  Watcher *watcher;
  guint64 frames;
} StatsWait;

static gboolean
has_volumetric_frames (gpointer data)
{
  StatsWait *wait = data;
  PxRemoteMediaStats stats;

  px_remote_media_get_stats (lookup_remote (wait->watcher, wait->watcher->rig_id), &stats);
  return stats.volumetric_frames >= wait->frames;
}

static gboolean
flat_has_video (gpointer data)
{
  StatsWait *wait = data;
  PxRemoteMedia *remote = lookup_remote (wait->watcher, wait->watcher->flat_id);
  PxRemoteMediaStats stats;

  if (remote == NULL)
    return FALSE;
  px_remote_media_get_stats (remote, &stats);
  return stats.video_packets >= wait->frames;
}

static gboolean
has_view_width (Watcher *watcher,
                int      width)
{
  g_autoptr(PxVolumetricView) view = px_remote_media_dup_volumetric_view (lookup_remote (watcher, watcher->rig_id));

  return view != NULL && view->depth_width == width;
}

static gboolean
has_view_width_cb (gpointer data)
{
  return has_view_width (data, 80);
}

static void
volumetric_changed_cb (PxRemoteMedia *remote,
                       gpointer       user_data)
{
  ((Watcher *) user_data)->volumetric_changed++;
}

static void
send_flat (PxSession *flat,
           guint32    sequence)
{
  static const guint8 bytes[] = { 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x10, 0x00, 0x10, 0x00 };
  g_autoptr(GBytes) payload = g_bytes_new_static (bytes, sizeof bytes);
  g_autoptr(GError) error = NULL;

  g_assert_true (px_session_send_frame (flat, PX_WIRE_KIND_VIDEO, 1, PX_WIRE_FLAG_KEYFRAME, sequence,
                                        g_get_monotonic_time (), payload, &error));
  g_assert_no_error (error);
}

static void
test_call_media (void)
{
  g_autoptr(PxVolumetricTestServer) server = px_volumetric_test_server_new ();
  g_autoptr(PxSession) rig = px_volumetric_test_join (server, "rig", TRUE, FALSE);
  g_autoptr(PxSession) flat = px_volumetric_test_join (server, "flat", TRUE, FALSE);
  g_autoptr(PxVolumetricTestPublisher) publisher = px_volumetric_test_publisher_new (rig);
  g_autoptr(JsonObject) data = px_volumetric_test_calibration (publisher, 4);
  g_autoptr(JsonObject) coarser = px_volumetric_test_calibration (publisher, 8);
  g_autoptr(PxSession) session = px_volumetric_test_session_new (server, "viewer", FALSE, TRUE);
  g_autoptr(PxCallMedia) call = px_call_media_new (session);
  g_autoptr(PxVolumetricView) view = NULL;
  const PxSessionStream flat_stream = { 1, PX_WIRE_KIND_VIDEO, "camera" };
  Watcher watcher = { call, session, 0, 0, 0 };
  StatsWait wait = { &watcher, 0 };
  PxRemoteMediaStats stats;
  PxRemoteMedia *remote;
  guint64 video_packets;
  g_autoptr(GError) error = NULL;

  g_assert_true (px_session_set_streams (flat, &flat_stream, 1, &error));
  g_assert_no_error (error);
  watcher.rig_id = px_session_participant_get_id (px_session_get_local_participant (rig));
  watcher.flat_id = px_session_participant_get_id (px_session_get_local_participant (flat));
  px_call_media_set_playback_enabled (call, FALSE);
  /* The call media exists before joining, as the app's does: the
   * calibration comes right after welcome. */
  px_volumetric_test_session_join (session);

  /* The flat participant's camera arrives. */
  send_flat (flat, 0);
  wait.frames = 1;
  g_assert_true (px_volumetric_test_wait (flat_has_video, &wait, TIMEOUT_MS));

  px_session_send_calibration (rig, data);
  g_assert_true (px_volumetric_test_wait (rig_is_volumetric, &watcher, TIMEOUT_MS));
  remote = lookup_remote (&watcher, watcher.rig_id);
  g_signal_connect (remote, "volumetric-changed", G_CALLBACK (volumetric_changed_cb), &watcher);
  g_assert_false (px_remote_media_get_volumetric (lookup_remote (&watcher, watcher.flat_id)));

  /* Views come, the statistics fill in. */
  for (guint f = 0; f < 5; f++)
    {
      wait.frames = f + 1;
      while (!has_volumetric_frames (&wait))
        {
          px_volumetric_test_publisher_send (publisher, TRUE, f / 30.0);
          px_volumetric_test_wait (has_volumetric_frames, &wait, 2000);
        }
    }
  px_remote_media_get_stats (remote, &stats);
  g_test_message ("volumetric: %" G_GUINT64_FORMAT " frames, %.1f kbit/s, %.1f frames/s, latency %.1f ms, "
                  "reconstruction %.1f ms, %" G_GUINT64_FORMAT " lost, %" G_GUINT64_FORMAT " flat packets",
                  stats.volumetric_frames, stats.video_kbps, stats.frame_rate, stats.latency_ms,
                  stats.reconstruction_ms, stats.video_lost, stats.video_packets);
  g_assert_cmpuint (stats.volumetric_frames, >=, 5);
  g_assert_cmpuint (stats.video_presented, >, 0);
  g_assert_cmpfloat (stats.frame_rate, >, 0.0);
  g_assert_cmpfloat (stats.latency_ms, >, 0.0);
  g_assert_cmpfloat (stats.video_kbps, >, 0.0);
  g_assert_cmpuint (stats.video_frames, ==, 0);
  g_assert_cmpuint (watcher.volumetric_changed, >, 0);
  view = px_remote_media_dup_volumetric_view (remote);
  g_assert_nonnull (view);
  g_assert_cmpint (view->depth_width, ==, 160);
  g_assert_null (px_remote_media_dup_frame (remote));
  if (view->has_timings)
    g_test_message ("last view: server %.1f ms (decode %.1f, rectify %.1f, stereo %.1f, segment %.1f, "
                    "depth %.1f, coding %.1f); capture to server %.1f ms, built to here %.1f ms, "
                    "decoded here in %.1f ms",
                    (view->timings.built - view->timings.received) / 1000.0,
                    view->timings.decode_us / 1000.0, view->timings.rectify_us / 1000.0,
                    view->timings.stereo_us / 1000.0, view->timings.segment_us / 1000.0,
                    view->timings.depth_us / 1000.0, view->timings.depth_coding_us / 1000.0,
                    (view->timings.received - view->capture_time) / 1000.0,
                    (px_session_to_server_time (session, view->received_local) - view->timings.built) / 1000.0,
                    (view->decoded_local - view->received_local) / 1000.0);

  /* Subscriptions have settled: no more of the rig's cameras arrive flat,
   * while the flat participant's camera still does. */
  video_packets = stats.video_packets;
  for (guint f = 0; f < 5; f++)
    {
      wait.frames = stats.volumetric_frames + f + 1;
      while (!has_volumetric_frames (&wait))
        {
          px_volumetric_test_publisher_send (publisher, TRUE, (5 + f) / 30.0);
          px_volumetric_test_wait (has_volumetric_frames, &wait, 2000);
        }
    }
  send_flat (flat, 1);
  wait.frames = 2;
  g_assert_true (px_volumetric_test_wait (flat_has_video, &wait, TIMEOUT_MS));
  px_remote_media_get_stats (remote, &stats);
  g_assert_cmpuint (stats.video_packets, ==, video_packets);
  g_assert_cmpuint (stats.volumetric_frames, >=, 10);

  /* A new calibration (a coarser grid): views follow it. */
  px_session_send_calibration (rig, coarser);
  {
    gint64 deadline = g_get_monotonic_time () + (gint64) TIMEOUT_MS * 1000;

    while (!has_view_width (&watcher, 80))
      {
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        px_volumetric_test_publisher_send (publisher, TRUE, 0.5);
        px_volumetric_test_wait (has_view_width_cb, &watcher, 2000);
      }
  }
  px_remote_media_get_stats (remote, &stats);
  g_assert_cmpuint (stats.video_packets, ==, video_packets);

  g_signal_handlers_disconnect_by_data (remote, &watcher);
  g_clear_object (&call);
  px_session_leave (session);
  px_session_leave (flat);
  px_session_leave (rig);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/volumetric/receiver/participant-view", test_participant_view);
  g_test_add_func ("/volumetric/receiver/live", test_live);
  g_test_add_func ("/volumetric/receiver/bad-input", test_bad_input);
  g_test_add_func ("/volumetric/receiver/missing-packet", test_missing_packet);
  g_test_add_func ("/volumetric/receiver/other-calibration", test_other_calibration);
  g_test_add_func ("/volumetric/receiver/call-media", test_call_media);

  status = g_test_run ();
  if (recording != NULL)
    {
      json_object_unref (recording->calibration);
      g_ptr_array_unref (recording->frames);
      g_free (recording);
    }
  return status;
}
