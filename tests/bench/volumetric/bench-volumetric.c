/* bench-volumetric.c: frame sets per second of a two-camera rig through the
 * server, from VP8 frames in to volumetric frames out
 *
 *   bench-volumetric [SETS] [STEP]
 *
 * A PxServer on 127.0.0.1 in this process (its reconstruction pool one
 * worker per core), a publisher PxSession sending the studio's default rig
 * (two cameras 640×480, 12 cm apart) and a subscriber PxSession receiving
 * only the volumetric stream, over real WebSockets. SETS frame sets
 * (default 60) of the moving person are rendered and VP8-encoded before
 * any timing, so the figures are the server's work plus the two sessions'.
 *
 * Three runs over the same frames:
 *  - flat out: sets sent as fast as the flow window allows; frame sets
 *    reconstructed per second (the others were replaced while waiting:
 *    latest wins) beside the 30/s goal;
 *  - live: one set every 33.3 ms, as cameras at 30 fps would send them;
 *    the share reconstructed and the latency from sending a set to
 *    receiving its volumetric frame;
 *  - bare: PxPairReconstructor alone on the studio's uncompressed frames
 *    (what tests/bench/recon measures), the peer the server is compared to.
 * Then milliseconds per stage (from the server's metrics) and the depth
 * coding ratio.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "media/px-video-encoder.h"
#include "net/px-volumetric.h"
#include "px-volumetric-test.h"
#include "recon/px-pair-reconstructor.h"
#include "server/px-reconstruction-scheduler.h"

#define BITRATE_KBPS 8000
/* Room left in the publisher's 1 MiB flow window before the next set goes:
 * a set that had to wait in the session's queue could be replaced there
 * by the next one (latest wins), and the server's decoders would then
 * need a keyframe, which pre-coded frames cannot give. */
#define SEND_ROOM_BYTES (256 * 1024)
#define FLOW_WINDOW_BYTES (1024 * 1024)
#define LIVE_INTERVAL_US 33333
#define TIMEOUT_MS 60000

typedef struct
{
  GBytes *left;
  gboolean left_keyframe;
  GBytes *right;
  gboolean right_keyframe;
} EncodedSet;

typedef struct
{
  GHashTable *sent_at;     /* left sequence → local send time */
  GArray *latencies;       /* double, milliseconds */
  guint received;
  guint32 wanted;          /* the last set's left sequence */
  gboolean done;
  gint64 last_arrival;
} Receiver;

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
  Receiver *receiver = user_data;
  PxVolumetricPayload parsed;
  gsize size;
  const guint8 *bytes = g_bytes_get_data (payload, &size);
  gint64 now = g_get_monotonic_time ();
  guint32 left;
  gpointer sent;

  if (kind != PX_WIRE_KIND_DEPTH || !px_volumetric_payload_parse (bytes, size, &parsed, NULL))
    return;
  left = parsed.packets[parsed.n_packets - 1].sequence;
  receiver->received++;
  receiver->last_arrival = now;
  if (g_hash_table_lookup_extended (receiver->sent_at, GUINT_TO_POINTER (left), NULL, &sent))
    {
      double ms = (now - *(gint64 *) sent) / 1000.0;

      g_array_append_val (receiver->latencies, ms);
    }
  if (left == receiver->wanted)
    receiver->done = TRUE;
}

static gboolean
receiver_done (gpointer data)
{
  return ((Receiver *) data)->done;
}

static gboolean
window_open (gpointer data)
{
  return px_session_get_queued_bytes (data) == 0 &&
         px_session_get_in_flight_bytes (data) + SEND_ROOM_BYTES <= FLOW_WINDOW_BYTES;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
percentile (GArray *values,
            double  fraction)
{
  if (values->len == 0)
    return 0.0;
  g_array_sort (values, compare_doubles);
  return g_array_index (values, double, MIN (values->len - 1, (guint) (fraction * values->len)));
}

static guint32
send_set (PxSession  *session,
          EncodedSet *set,
          guint32    *sequence,
          Receiver   *receiver)
{
  gint64 now = g_get_monotonic_time ();
  gint64 *stamp = g_new (gint64, 1);
  guint32 s = (*sequence)++;

  *stamp = now;
  g_hash_table_insert (receiver->sent_at, GUINT_TO_POINTER (s), stamp);
  px_session_send_frame (session, PX_WIRE_KIND_VIDEO, PX_VOLUMETRIC_TEST_LEFT_STREAM,
                         set->left_keyframe ? PX_WIRE_FLAG_KEYFRAME : 0, s, now, set->left, NULL);
  px_session_send_frame (session, PX_WIRE_KIND_VIDEO, PX_VOLUMETRIC_TEST_RIGHT_STREAM,
                         set->right_keyframe ? PX_WIRE_FLAG_KEYFRAME : 0, s, now, set->right, NULL);
  return s;
}

static void
receiver_reset (Receiver *receiver)
{
  g_hash_table_remove_all (receiver->sent_at);
  g_array_set_size (receiver->latencies, 0);
  receiver->received = 0;
  receiver->done = FALSE;
}

static void
read_stats (PxVolumetricTestServer *server,
            PxReconstructionStats  *stats)
{
  memset (stats, 0, sizeof *stats);
  for (guint i = 0; i < PX_RECONSTRUCTION_N_STAGES; i++)
    {
      g_autofree char *sum = g_strdup_printf ("parallax_volumetric_stage_seconds_sum{stage=\"%s\"}",
                                              px_reconstruction_stage_to_string (i));
      g_autofree char *count = g_strdup_printf ("parallax_volumetric_stage_seconds_count{stage=\"%s\"}",
                                                px_reconstruction_stage_to_string (i));

      stats->stage_seconds[i] = px_volumetric_test_metric (server, sum);
      stats->stage_count[i] = px_volumetric_test_metric (server, count);
    }
  stats->sets_in = px_volumetric_test_metric (server, "parallax_volumetric_frame_sets_total{state=\"in\"}");
  stats->sets_reconstructed = px_volumetric_test_metric (server, "parallax_volumetric_frame_sets_total{state=\"reconstructed\"}");
  stats->sets_stale = px_volumetric_test_metric (server, "parallax_volumetric_frame_sets_total{state=\"stale\"}");
  stats->sets_failed = px_volumetric_test_metric (server, "parallax_volumetric_frame_sets_total{state=\"failed\"}");
  stats->depth_raw_bytes = px_volumetric_test_metric (server, "parallax_volumetric_depth_bytes_total{form=\"raw\"}");
  stats->depth_coded_bytes = px_volumetric_test_metric (server, "parallax_volumetric_depth_bytes_total{form=\"coded\"}");
}

static void
print_run (PxReconstructionStats *before,
           PxReconstructionStats *after)
{
  g_print ("  complete sets at the server %" G_GUINT64_FORMAT ": reconstructed %" G_GUINT64_FORMAT
           ", replaced while waiting %" G_GUINT64_FORMAT "; camera frames decoded %" G_GUINT64_FORMAT
           ", failed %" G_GUINT64_FORMAT "\n",
           after->sets_in - before->sets_in, after->sets_reconstructed - before->sets_reconstructed,
           after->sets_stale - before->sets_stale,
           after->stage_count[PX_RECONSTRUCTION_STAGE_DECODE] - before->stage_count[PX_RECONSTRUCTION_STAGE_DECODE],
           after->sets_failed - before->sets_failed);
  g_print ("  per stage, server side:\n");
  for (guint i = 0; i < PX_RECONSTRUCTION_N_STAGES; i++)
    {
      guint64 n = after->stage_count[i] - before->stage_count[i];
      double seconds = after->stage_seconds[i] - before->stage_seconds[i];

      g_print ("    %-13s %7.2f ms%s\n", px_reconstruction_stage_to_string (i),
               n > 0 ? 1000.0 * seconds / n : 0.0,
               i == PX_RECONSTRUCTION_STAGE_DECODE ? " per camera frame (serial worker)" : " per set");
    }
}

int
main (int    argc,
      char **argv)
{
  guint n_sets = argc > 1 ? (guint) CLAMP (atoi (argv[1]), 2, 1000) : 60;
  guint step = argc > 2 ? (guint) CLAMP (atoi (argv[2]), 1, 64) : 4;
  g_autoptr(PxVolumetricTestServer) server = NULL;
  g_autoptr(PxStudioRig) studio_rig = px_studio_rig_new_default ();
  g_autoptr(PxStudioPerson) person = px_studio_person_new (1.75, 1);
  g_autoptr(PxStudio) studio = px_studio_new (studio_rig, person, 1, 2);
  g_autoptr(PxRig) rig = px_studio_rig_to_rig (studio_rig);
  g_autoptr(PxPairReconstructor) bare = NULL;
  g_autoptr(JsonObject) calibration = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) bare_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree float *depth = NULL;
  PxVideoEncoder *encoders[2] = { px_video_encoder_new (BITRATE_KBPS), px_video_encoder_new (BITRATE_KBPS) };
  PxFrame *i420[2];
  /* The first half for the flat-out run, the second for the live one: one
   * VP8 stream, in order. */
  guint n_total = 2 * n_sets;
  EncodedSet *sets = g_new0 (EncodedSet, n_total);
  PxSession *publisher, *subscriber;
  PxSessionParticipant *from;
  PxSessionSubscription subscription;
  PxReconstructionStats before, after;
  Receiver receiver = { 0 };
  guint32 sequence = 0;
  gint64 start, elapsed;
  guint width, height;
  const PxSessionStream streams[] = {
    { PX_VOLUMETRIC_TEST_LEFT_STREAM, PX_WIRE_KIND_VIDEO, "left" },
    { PX_VOLUMETRIC_TEST_RIGHT_STREAM, PX_WIRE_KIND_VIDEO, "right" },
    { PX_VOLUMETRIC_TEST_OUTPUT_STREAM, PX_WIRE_KIND_DEPTH, "volumetric" },
  };

  g_print ("Volumetric frames through the server: 2 cameras 640x480, grid step %u, %u frame sets a run, %u cores\n",
           step, n_sets, g_get_num_processors ());

  /* Frames, and the bare pipeline on them (the peer). */
  bare = px_pair_reconstructor_new (rig, 0, step, 0, g_get_num_processors (), &error);
  g_assert_no_error (error);
  px_pair_reconstructor_get_size (bare, &width, &height);
  depth = g_new (float, (gsize) width * height);
  for (int i = 0; i < 2; i++)
    i420[i] = px_frame_new (PX_PIXEL_FORMAT_I420, 640, 480);
  for (guint n = 0; n < n_total; n++)
    {
      const PxStudioView *views[2];
      PxReconTimings timings;

      px_studio_render (studio, n / 30.0, n);
      for (int i = 0; i < 2; i++)
        {
          g_autoptr(PxVideoPacket) packet = NULL;

          views[i] = px_studio_get_view (studio, i);
          px_studio_view_to_i420 (views[i], i420[i]->planes[0], i420[i]->strides[0], i420[i]->planes[1],
                                  i420[i]->strides[1], i420[i]->planes[2], i420[i]->strides[2]);
          i420[i]->capture_time_us = n * LIVE_INTERVAL_US;
          i420[i]->sequence = n;
          /* A skipped frame is coded again (capture times do not matter here). */
          while (packet == NULL)
            {
              packet = px_video_encoder_encode (encoders[i], i420[i], &error);
              g_assert_no_error (error);
              i420[i]->capture_time_us += 1000;
            }
          if (i == 0)
            {
              sets[n].left = g_bytes_ref (packet->data);
              sets[n].left_keyframe = packet->keyframe;
            }
          else
            {
              sets[n].right = g_bytes_ref (packet->data);
              sets[n].right_keyframe = packet->keyframe;
            }
        }
      g_assert_true (px_pair_reconstructor_process (bare, views[0]->rgb, views[0]->rgb_stride, views[1]->rgb,
                                                    views[1]->rgb_stride, 3, depth, &timings, &error));
      g_array_append_val (bare_ms, timings.total);
    }

  /* The server and the two sessions. */
  server = px_volumetric_test_server_new ();
  publisher = px_volumetric_test_join (server, "rig", TRUE, FALSE);
  subscriber = px_volumetric_test_session_new (server, "viewer", FALSE, TRUE);
  receiver.sent_at = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  receiver.latencies = g_array_new (FALSE, FALSE, sizeof (double));
  g_signal_connect (subscriber, "media-frame", G_CALLBACK (media_frame_cb), &receiver);
  px_volumetric_test_session_join (subscriber);
  g_assert_true (px_session_set_streams (publisher, streams, G_N_ELEMENTS (streams), &error));
  from = px_session_lookup_participant (subscriber,
                                       px_session_participant_get_id (px_session_get_local_participant (publisher)));
  subscription.participant = from;
  subscription.stream = PX_VOLUMETRIC_TEST_OUTPUT_STREAM;
  px_session_set_subscriptions (subscriber, &subscription, 1);
  calibration = px_volumetric_test_rig_calibration (rig, step);
  px_session_send_calibration (publisher, calibration);

  /* Warm up: the first set (a keyframe) through, so the decoders started. */
  receiver.wanted = send_set (publisher, &sets[0], &sequence, &receiver);
  if (!px_volumetric_test_wait (receiver_done, &receiver, TIMEOUT_MS))
    g_error ("No volumetric frame came back");

  /* Flat out. */
  receiver_reset (&receiver);
  read_stats (server, &before);
  start = g_get_monotonic_time ();
  for (guint n = 1; n < n_sets; n++)
    {
      if (!px_volumetric_test_wait (window_open, publisher, TIMEOUT_MS))
        g_error ("The server stopped taking frames");
      receiver.wanted = send_set (publisher, &sets[n], &sequence, &receiver);
    }
  if (!px_volumetric_test_wait (receiver_done, &receiver, TIMEOUT_MS))
    {
      g_autofree char *metrics = px_server_render_metrics (server->server);

      g_printerr ("The last set never came back; received %u. Server metrics:\n%s", receiver.received, metrics);
      return 1;
    }
  elapsed = receiver.last_arrival - start;
  read_stats (server, &after);
  g_print ("\nflat out: %u sets offered in %.2f s (%.1f/s offered)\n", n_sets - 1, elapsed / 1e6,
           (n_sets - 1) * 1e6 / elapsed);
  g_print ("  frame sets reconstructed per second: %.1f   (goal: 30.0)\n", receiver.received * 1e6 / elapsed);
  print_run (&before, &after);

  /* Live, 30 sets a second. */
  receiver_reset (&receiver);
  before = after;
  start = g_get_monotonic_time ();
  for (guint n = 0; n < n_sets; n++)
    {
      gint64 due = start + (gint64) n * LIVE_INTERVAL_US;

      while (g_get_monotonic_time () < due)
        if (!g_main_context_iteration (NULL, FALSE))
          g_usleep (500);
      receiver.wanted = send_set (publisher, &sets[n_sets + n], &sequence, &receiver);
    }
  if (!px_volumetric_test_wait (receiver_done, &receiver, TIMEOUT_MS))
    g_error ("The last live set never came back");
  read_stats (server, &after);
  g_print ("\nlive at 30 sets/s: %u sets sent, %.1f reconstructed per second (%.0f %%)\n", n_sets,
           (after.sets_reconstructed - before.sets_reconstructed) * 1e6 / (n_sets * LIVE_INTERVAL_US),
           100.0 * (after.sets_reconstructed - before.sets_reconstructed) / n_sets);
  print_run (&before, &after);
  g_print ("  latency, set sent to volumetric frame received: median %.1f ms, p90 %.1f ms\n",
           percentile (receiver.latencies, 0.5), percentile (receiver.latencies, 0.9));

  /* The peer. */
  g_print ("\nbare PxPairReconstructor on uncompressed RGB, same frames: median %.1f ms per set = %.1f sets/s\n",
           percentile (bare_ms, 0.5), 1000.0 / percentile (bare_ms, 0.5));

  g_print ("depth coding: %.0f bytes per grid raw (16-bit mm), %.0f coded: ratio %.1f:1\n",
           (double) after.depth_raw_bytes / after.sets_reconstructed,
           (double) after.depth_coded_bytes / after.sets_reconstructed,
           (double) after.depth_raw_bytes / after.depth_coded_bytes);

  g_print ("frames the publisher had to drop: %" G_GUINT64_FORMAT " (0: every set reached the server)\n",
           px_session_get_dropped_frames (publisher));

  px_session_leave (subscriber);
  px_session_leave (publisher);
  g_object_unref (subscriber);
  g_object_unref (publisher);
  for (guint n = 0; n < n_total; n++)
    {
      g_bytes_unref (sets[n].left);
      g_bytes_unref (sets[n].right);
    }
  g_free (sets);
  for (int i = 0; i < 2; i++)
    {
      g_object_unref (encoders[i]);
      px_frame_unref (i420[i]);
    }
  g_hash_table_unref (receiver.sent_at);
  g_array_unref (receiver.latencies);
  return 0;
}
