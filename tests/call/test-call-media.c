/* test-call-media.c: two clients in a room, through a real server and PipeWire
 *
 * Client A publishes a fake camera (SMPTE bars) and a fake microphone
 * playing 440 Hz; client B plays what it receives on a null sink whose
 * monitor the test records. B must hear the tone and see the bars; when A
 * mutes the microphone or turns the camera off, nothing more arrives and
 * B's roster says so; when A turns them back on, both return. The camera
 * test uses the synthetic studio's camera: GStreamer's pipewiresink (the
 * bars) streams nothing more once its consumer left for a second and came
 * back, which a real camera does. B reports A's voice back to A, and loss
 * reports switch A's voice FEC on and off.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "capture/px-microphone-source.h"
#include "capture/px-pipewire-connection.h"
#include "media/px-call-media.h"
#include "net/px-session.h"
#include "server/px-embedded-server.h"
#include "px-call-test.h"

#define ROOM "call"
#define TONE_HZ 440.0
#define TONE_VOLUME 0.5
#define CAMERA_WIDTH 320
#define CAMERA_HEIGHT 240
/* 0.25 s at 48 kHz, heard in five pieces. */
#define WINDOW (PX_CALL_TEST_RATE / 4)

/* 50 ms: 22 whole cycles of 440 Hz. */
#define SUB_WINDOW (PX_CALL_TEST_RATE / 20)

/* Goertzel power averaged over 50 ms pieces: the jitter buffer may drop or
 * stretch a frame to steer its delay, and one such phase jump would make a
 * single long window cancel itself out. */
static double
tone_power (const float *samples,
            guint        n,
            double       frequency)
{
  double sum = 0;
  guint pieces = n / SUB_WINDOW;

  for (guint i = 0; i < pieces; i++)
    sum += px_call_test_tone_power (samples + i * SUB_WINDOW, SUB_WINDOW, frequency);
  return sum / pieces;
}

typedef struct
{
  PxCallTestWorld world;
  PxSession *session_a;
  PxSession *session_b;
  PxCallMedia *call_a;
  PxCallMedia *call_b;
  PxMicrophoneSource *monitor;   /* what B's speaker plays */
  guint frames_changed;
  guint voice_reports;           /* receiver reports of A's voice that reached A */
  double last_report_loss;
} Fixture;

static void
receiver_report_cb (PxSession            *session,
                    PxSessionParticipant *reporter,
                    guint                 stream,
                    double                loss,
                    guint                 jitter_ms,
                    Fixture              *fixture)
{
  if (stream != PX_LOCAL_MEDIA_VOICE_STREAM)
    return;
  fixture->voice_reports++;
  fixture->last_report_loss = loss;
}

/* With @studio_camera, A's camera is the synthetic studio's instead of
 * the GStreamer bars. */
static gboolean
fixture_start_with (Fixture  *fixture,
                    gboolean  studio_camera)
{
  g_autoptr(GError) error = NULL;
  PxLocalMedia *local;
  const char *camera;

  if (!px_call_test_world_start (&fixture->world, studio_camera ? 0 : CAMERA_WIDTH,
                                 CAMERA_HEIGHT, TONE_HZ, TONE_VOLUME))
    return FALSE;
  if (studio_camera)
    camera = px_call_test_world_add_studio_camera (&fixture->world, CAMERA_WIDTH, CAMERA_HEIGHT);
  else
    camera = px_test_node_get_name (fixture->world.camera);
  if (camera == NULL)
    return FALSE;

  fixture->session_a = px_call_test_join (&fixture->world, ROOM, "alice", "Alice");
  fixture->session_b = px_call_test_join (&fixture->world, ROOM, "bob", "Bob");
  g_signal_connect (fixture->session_a, "receiver-report", G_CALLBACK (receiver_report_cb), fixture);

  fixture->call_a = px_call_media_new (fixture->session_a);
  local = px_call_media_get_local (fixture->call_a);
  px_local_media_set_camera (local, fixture->world.connection, camera);
  px_local_media_set_microphone (local, fixture->world.connection,
                                 px_test_node_get_name (fixture->world.microphone));
  px_call_media_set_playback_enabled (fixture->call_a, FALSE);
  g_assert_true (px_call_media_start (fixture->call_a, &error));
  g_assert_no_error (error);

  fixture->call_b = px_call_media_new (fixture->session_b);
  local = px_call_media_get_local (fixture->call_b);
  px_local_media_set_camera (local, NULL, NULL);
  px_local_media_set_voice_enabled (local, FALSE);
  px_call_media_set_speaker (fixture->call_b, fixture->world.connection,
                             PX_CALL_TEST_SPEAKER);
  g_assert_true (px_call_media_start (fixture->call_b, &error));
  g_assert_no_error (error);

  fixture->monitor = px_microphone_source_new (fixture->world.connection, PX_CALL_TEST_SPEAKER);
  g_assert_true (px_microphone_source_start (fixture->monitor, &error));
  g_assert_no_error (error);

  return TRUE;
}

static gboolean
fixture_start (Fixture *fixture)
{
  return fixture_start_with (fixture, FALSE);
}

static void
fixture_stop (Fixture *fixture)
{
  if (fixture->monitor != NULL)
    px_microphone_source_stop (fixture->monitor);
  g_clear_object (&fixture->monitor);
  if (fixture->call_a != NULL)
    px_call_media_stop (fixture->call_a);
  if (fixture->call_b != NULL)
    px_call_media_stop (fixture->call_b);
  g_clear_object (&fixture->call_a);
  g_clear_object (&fixture->call_b);
  if (fixture->session_a != NULL)
    {
      g_signal_handlers_disconnect_by_data (fixture->session_a, fixture);
      px_session_leave (fixture->session_a);
    }
  if (fixture->session_b != NULL)
    px_session_leave (fixture->session_b);
  g_clear_object (&fixture->session_a);
  g_clear_object (&fixture->session_b);
  px_call_test_world_stop (&fixture->world);
}

/* A's participant as B's roster has it. */
static PxSessionParticipant *
alice_seen_by_bob (Fixture *fixture)
{
  guint32 id = px_session_participant_get_id (px_session_get_local_participant (fixture->session_a));

  return px_session_lookup_participant (fixture->session_b, id);
}

static PxRemoteMedia *
alice_media_at_bob (Fixture *fixture)
{
  PxSessionParticipant *alice = alice_seen_by_bob (fixture);

  return alice != NULL ? px_call_media_lookup_remote (fixture->call_b, alice) : NULL;
}

typedef struct
{
  Fixture *fixture;
  gboolean want_muted;
  gboolean video;
} MuteWait;

static gboolean
roster_mute_cb (gpointer   data,
                GError   **error)
{
  MuteWait *wait = data;
  PxSessionParticipant *alice = alice_seen_by_bob (wait->fixture);

  if (alice == NULL)
    return FALSE;
  if (wait->video)
    return px_session_participant_get_video_muted (alice) == wait->want_muted;
  return px_session_participant_get_audio_muted (alice) == wait->want_muted;
}

static void
wait_roster_mute (Fixture  *fixture,
                  gboolean  video,
                  gboolean  muted)
{
  g_autoptr(GError) error = NULL;
  MuteWait wait = { fixture, muted, video };

  px_call_test_wait_until (roster_mute_cb, &wait, "Alice's mute state in Bob's roster", &error);
  g_assert_no_error (error);
}

static gboolean
has_frame_cb (gpointer   data,
              GError   **error)
{
  Fixture *fixture = data;
  PxRemoteMedia *remote = alice_media_at_bob (fixture);
  g_autoptr(PxFrame) frame = NULL;

  if (remote == NULL)
    return FALSE;
  frame = px_remote_media_dup_frame (remote);
  return frame != NULL;
}

static void
log_video_figures (Fixture *fixture)
{
  PxRemoteMedia *remote = alice_media_at_bob (fixture);
  PxRemoteMediaStats stats = { 0 };

  if (remote != NULL)
    px_remote_media_get_stats (remote, &stats);
  g_test_message ("video: %" G_GUINT64_FORMAT " packets sent at %u kbit/s; %" G_GUINT64_FORMAT
                  " received, %" G_GUINT64_FORMAT " decoded, %" G_GUINT64_FORMAT " presented, %"
                  G_GUINT64_FORMAT " skipped",
                  px_local_media_get_video_packets (px_call_media_get_local (fixture->call_a)),
                  px_local_media_get_video_bitrate (px_call_media_get_local (fixture->call_a)),
                  stats.video_packets, stats.video_frames, stats.video_presented,
                  stats.video_skipped);
}

/* Alice's video as Bob shows it: the camera's size and its SMPTE bars. */
static void
assert_bars_at_bob (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PxFrame) frame = NULL;
  PxRemoteMedia *remote;

  px_call_test_wait_until (has_frame_cb, fixture, "Alice's video at Bob", &error);
  log_video_figures (fixture);
  g_assert_no_error (error);
  remote = alice_media_at_bob (fixture);
  frame = px_remote_media_dup_frame (remote);
  g_assert_nonnull (frame);
  g_assert_cmpint (frame->format, ==, PX_PIXEL_FORMAT_I420);
  g_assert_cmpuint (frame->width, ==, CAMERA_WIDTH);
  g_assert_cmpuint (frame->height, ==, CAMERA_HEIGHT);
  g_assert_cmpint (frame->capture_time_us, >, 0);
  px_call_test_assert_smpte_bars (frame);
}

typedef struct
{
  PxMicrophoneSource *monitor;
  float *samples;
  guint got;
  guint wanted;
  gboolean loud;        /* TRUE: skip until the tone starts; FALSE: until it stops */
  gboolean started;
  guint settle;         /* blocks to let pass after the edge */
  guint in_a_row;       /* blocks past the edge so far */
} Recording;

static gboolean
record_cb (gpointer   data,
           GError   **error)
{
  Recording *recording = data;
  float block[480];
  guint n;

  while ((n = px_microphone_source_read (recording->monitor, block, G_N_ELEMENTS (block))) > 0)
    {
      double mean_square = 0;

      for (guint i = 0; i < n; i++)
        mean_square += (double) block[i] * block[i];
      mean_square /= n;

      /* The first block past the edge (tone heard, or silence reached)
       * starts the recording. */
      if (!recording->started)
        {
          gboolean past = recording->loud ? mean_square >= 0.01 : mean_square <= 1e-5;

          /* Silence counts after 100 ms of it: a short dropout is not the end
           * of the voice. */
          recording->in_a_row = past ? recording->in_a_row + 1 : 0;
          if (recording->in_a_row < (recording->loud ? 1 : 10))
            continue;
          recording->started = TRUE;
        }
      /* The onset after a gap is concealment fading into voice. */
      if (recording->settle > 0)
        {
          recording->settle--;
          continue;
        }
      n = MIN (n, recording->wanted - recording->got);
      memcpy (recording->samples + recording->got, block, n * sizeof (float));
      recording->got += n;
      if (recording->got == recording->wanted)
        return TRUE;
    }

  return FALSE;
}

static void
record (Fixture    *fixture,
        float      *samples,
        gboolean    loud,
        const char *what)
{
  g_autoptr(GError) error = NULL;
  Recording recording = { fixture->monitor, samples, 0, WINDOW, loud, FALSE, 5, 0 };

  px_microphone_source_flush (fixture->monitor);
  px_call_test_wait_until (record_cb, &recording, what, &error);
  g_assert_no_error (error);
}

/* Keeps what was heard under $PX_TEST_OUTPUT, to listen to after a failure. */
static void
save_recording (const char  *name,
                const float *samples,
                guint        n)
{
  const char *output = g_getenv ("PX_TEST_OUTPUT");
  g_autofree char *path = NULL;

  if (output == NULL || g_mkdir_with_parents (output, 0755) != 0)
    return;
  path = g_build_filename (output, name, NULL);
  g_file_set_contents (path, (const char *) samples, n * sizeof (float), NULL);
}

static void
log_voice_figures (Fixture *fixture)
{
  PxRemoteMedia *remote = alice_media_at_bob (fixture);
  PxRemoteMediaStats stats;
  PxJitterBufferStats voice;

  px_remote_media_get_stats (remote, &stats);
  px_remote_media_get_voice_stats (remote, &voice);
  g_test_message ("voice: %" G_GUINT64_FORMAT " packets sent, %" G_GUINT64_FORMAT " received; "
                  "jitter buffer: target %u ms, delay %u ms, jitter %u ms, %" G_GUINT64_FORMAT
                  " kept, %" G_GUINT64_FORMAT " late, %" G_GUINT64_FORMAT " lost, %"
                  G_GUINT64_FORMAT " concealed, %" G_GUINT64_FORMAT " dropped, %"
                  G_GUINT64_FORMAT " stretched; speaker queue %u",
                  px_local_media_get_voice_packets (px_call_media_get_local (fixture->call_a)),
                  stats.voice_packets, voice.target_delay_ms, voice.current_delay_ms,
                  voice.jitter_ms, voice.received, voice.late, voice.lost, voice.concealed,
                  voice.dropped, voice.stretched, px_call_media_get_speaker_queued (fixture->call_b));
}

static void
assert_tone_at_bob (Fixture *fixture)
{
  g_autofree float *samples = g_new0 (float, WINDOW);
  double power, below, above;
  /* Mean square of a sine of that amplitude. */
  double expected = TONE_VOLUME * TONE_VOLUME / 2;

  record (fixture, samples, TRUE, "Alice's tone from Bob's speaker");
  save_recording ("call-tone.f32", samples, WINDOW);
  power = tone_power (samples, WINDOW, TONE_HZ);
  below = tone_power (samples, WINDOW, TONE_HZ * 0.7);
  above = tone_power (samples, WINDOW, TONE_HZ * 1.5);
  log_voice_figures (fixture);
  g_test_message ("440 Hz at Bob: power %.4f (sent %.4f), at 308 Hz %.5f, at 660 Hz %.5f",
                  power, expected, below, above);
  /* Opus, the jitter buffer and the mixer keep the tone's pitch and most
   * of its power; little leaks to other frequencies. */
  g_assert_cmpfloat (power, >, expected * 0.5);
  g_assert_cmpfloat (power, <, expected * 1.5);
  g_assert_cmpfloat (below, <, power * 0.02);
  g_assert_cmpfloat (above, <, power * 0.02);
}

static void
assert_silence_at_bob (Fixture *fixture)
{
  g_autofree float *samples = g_new0 (float, WINDOW);
  double power;

  record (fixture, samples, FALSE, "silence from Bob's speaker");
  power = tone_power (samples, WINDOW, TONE_HZ);
  g_test_message ("440 Hz at Bob while muted: power %.6f", power);
  g_assert_cmpfloat (power, <, 1e-4);
}

typedef struct
{
  guint64 video_sent;
  guint64 voice_sent;
  PxRemoteMediaStats received;
} Counters;

static void
read_counters (Fixture  *fixture,
               Counters *counters)
{
  PxLocalMedia *local = px_call_media_get_local (fixture->call_a);

  counters->video_sent = px_local_media_get_video_packets (local);
  counters->voice_sent = px_local_media_get_voice_packets (local);
  px_remote_media_get_stats (alice_media_at_bob (fixture), &counters->received);
}

static gboolean
voice_reported_cb (gpointer   data,
                   GError   **error)
{
  return ((Fixture *) data)->voice_reports > 0;
}

static void
test_call_tone_and_video (void)
{
  Fixture fixture = { 0 };
  Counters before, after;
  PxLocalMedia *local;
  PxRemoteMedia *remote;

  if (!fixture_start (&fixture))
    return;
  local = px_call_media_get_local (fixture.call_a);

  /* Both directions of the roster, and media flowing. */
  assert_bars_at_bob (&fixture);
  assert_tone_at_bob (&fixture);
  g_assert_false (px_session_participant_get_audio_muted (alice_seen_by_bob (&fixture)));
  g_assert_false (px_session_participant_get_video_muted (alice_seen_by_bob (&fixture)));
  remote = alice_media_at_bob (&fixture);
  g_assert_true (px_call_test_wait_property (G_OBJECT (remote), "speaking", TRUE));
  g_assert_cmpfloat (px_remote_media_get_level (remote), >, 0.5);
  g_assert_null (px_call_media_lookup_remote (fixture.call_b,
                                              px_session_get_local_participant (fixture.session_b)));

  /* Mute: the roster says so, the tone stops and no voice packet leaves. */
  px_local_media_set_microphone_muted (local, TRUE);
  wait_roster_mute (&fixture, FALSE, TRUE);
  assert_silence_at_bob (&fixture);
  g_assert_true (px_call_test_wait_property (G_OBJECT (remote), "speaking", FALSE));
  read_counters (&fixture, &before);
  px_call_test_spin (500);
  read_counters (&fixture, &after);
  g_assert_cmpuint (after.voice_sent, ==, before.voice_sent);
  g_assert_cmpuint (after.received.voice_packets, ==, before.received.voice_packets);
  /* Video went on meanwhile. */
  g_assert_cmpuint (after.received.video_frames, >, before.received.video_frames);

  /* Unmute: the tone is back. */
  px_local_media_set_microphone_muted (local, FALSE);
  wait_roster_mute (&fixture, FALSE, FALSE);
  assert_tone_at_bob (&fixture);

  /* Bob's call reported Alice's voice back to her by itself. */
  {
    g_autoptr(GError) error = NULL;

    px_call_test_wait_until (voice_reported_cb, &fixture, "a receiver report of Alice's voice",
                             &error);
    g_assert_no_error (error);
    g_test_message ("%u receiver reports so far, the latest loss %.3f", fixture.voice_reports,
                    fixture.last_report_loss);
    g_assert_cmpfloat (fixture.last_report_loss, >=, 0.0);
    g_assert_cmpfloat (fixture.last_report_loss, <=, 1.0);
  }


  fixture_stop (&fixture);
}

/* Alice's video as Bob shows it, from the studio camera: its size, and a
 * picture (a person before a wall), not a flat field. */
static void
assert_studio_at_bob (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PxFrame) frame = NULL;
  guint lo = 255, hi = 0;

  px_call_test_wait_until (has_frame_cb, fixture, "Alice's video at Bob", &error);
  log_video_figures (fixture);
  g_assert_no_error (error);
  frame = px_remote_media_dup_frame (alice_media_at_bob (fixture));
  g_assert_nonnull (frame);
  g_assert_cmpuint (frame->width, ==, CAMERA_WIDTH);
  g_assert_cmpuint (frame->height, ==, CAMERA_HEIGHT);
  for (guint y = 0; y < frame->height; y += 8)
    for (guint x = 0; x < frame->width; x += 8)
      {
        guint8 luma = frame->planes[0][y * frame->strides[0] + x];

        lo = MIN (lo, luma);
        hi = MAX (hi, luma);
      }
  g_assert_cmpuint (hi - lo, >, 40);
}

typedef struct
{
  Fixture *fixture;
  guint64 frames;
} FramesWait;

static gboolean
more_frames_cb (gpointer   data,
                GError   **error)
{
  FramesWait *wait = data;
  Counters counters;

  read_counters (wait->fixture, &counters);
  return counters.received.video_frames >= wait->frames;
}

/* Camera off, twice over: the roster says so, the picture goes, no video
 * arrives, and the camera is closed (its stream leaves PipeWire's graph).
 * Camera on: it opens again and the picture is back. */
static void
test_call_camera_off_and_on (void)
{
  Fixture fixture = { 0 };
  Counters before, after;
  PxLocalMedia *local;
  PxRemoteMedia *remote;

  if (!fixture_start_with (&fixture, TRUE))
    return;
  local = px_call_media_get_local (fixture.call_a);
  assert_studio_at_bob (&fixture);
  g_assert_true (px_local_media_get_camera_open (local));
  remote = alice_media_at_bob (&fixture);

  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(GError) error = NULL;

      px_local_media_set_camera_off (local, TRUE);
      g_assert_false (px_local_media_get_camera_open (local));
      wait_roster_mute (&fixture, TRUE, TRUE);
      g_assert_true (px_test_harness_wait_for_object_gone (fixture.world.harness,
                                                           "PipeWire:Interface:Node", "node.name",
                                                           "parallax-camera",
                                                           PX_CALL_TEST_WAIT_MS, &error));
      g_assert_no_error (error);
      g_assert_null (px_remote_media_dup_frame (remote));
      read_counters (&fixture, &before);
      px_call_test_spin (1500);
      read_counters (&fixture, &after);
      g_assert_cmpuint (after.video_sent, ==, before.video_sent);
      g_assert_cmpuint (after.received.video_packets, ==, before.received.video_packets);
      g_assert_null (px_remote_media_dup_frame (remote));
      /* Voice went on meanwhile. */
      g_assert_cmpuint (after.received.voice_packets, >, before.received.voice_packets);

      px_local_media_set_camera_off (local, FALSE);
      g_assert_true (px_local_media_get_camera_open (local));
      wait_roster_mute (&fixture, TRUE, FALSE);
      assert_studio_at_bob (&fixture);
      g_test_message ("camera off and on again, round %u: video is back", round + 1);
    }

  /* The preferences' limits apply at once: the bitrate drops to the
   * ceiling, the camera reopens within the height (this camera offers one
   * size only, 240 lines, within it), and the video goes on. */
  px_local_media_set_video_limits (local, 240, 300);
  g_assert_cmpuint (px_local_media_get_video_max_height (local), ==, 240);
  g_assert_cmpuint (px_local_media_get_video_max_kbps (local), ==, 300);
  g_assert_cmpuint (px_local_media_get_video_bitrate (local), <=, 300);
  g_assert_true (px_local_media_get_camera_open (local));
  {
    g_autoptr(GError) error = NULL;
    FramesWait wait = { &fixture, 0 };

    read_counters (&fixture, &before);
    wait.frames = before.received.video_frames + 5;
    px_call_test_wait_until (more_frames_cb, &wait, "video after the new limits", &error);
    g_assert_no_error (error);
    assert_studio_at_bob (&fixture);
  }
  g_assert_cmpuint (px_local_media_get_camera_height (local), <=, 240);
  g_assert_cmpuint (px_local_media_get_video_bitrate (local), <=, 300);

  /* Back to the defaults. */
  px_local_media_set_video_limits (local, 0, 0);
  g_assert_cmpuint (px_local_media_get_video_max_kbps (local), ==, 2500);

  fixture_stop (&fixture);
}

typedef struct
{
  PxSession *reporter;
  guint32 publisher;
  double loss;
  PxLocalMedia *local;
  gboolean want_fec;
} FecWait;

static gboolean
send_report_cb (gpointer data)
{
  FecWait *wait = data;

  px_session_send_receiver_report (wait->reporter, wait->publisher, PX_LOCAL_MEDIA_VOICE_STREAM,
                                   wait->loss, 20);
  return G_SOURCE_CONTINUE;
}

static gboolean
fec_is_cb (gpointer   data,
           GError   **error)
{
  FecWait *wait = data;

  return px_local_media_get_voice_fec (wait->local) == wait->want_fec;
}

/* A receiver that loses packets tells the publisher, whose voice encoder
 * switches in-band FEC on; clean reports switch it off again a few
 * seconds later. The receiver here is a bare session reporting by hand, so
 * that nothing else reports meanwhile. */
static void
test_call_voice_fec (void)
{
  PxCallTestWorld world = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(PxSession) session_a = NULL;
  g_autoptr(PxSession) session_b = NULL;
  g_autoptr(PxCallMedia) call_a = NULL;
  FecWait wait = { 0 };
  PxLocalMedia *local;
  guint timer;
  gint64 clean_since;

  if (!px_call_test_world_start (&world, 0, 0, TONE_HZ, TONE_VOLUME))
    return;
  session_a = px_call_test_join (&world, ROOM, "alice", "Alice");
  session_b = px_call_test_join (&world, ROOM, "bob", "Bob");

  call_a = px_call_media_new (session_a);
  local = px_call_media_get_local (call_a);
  px_local_media_set_camera (local, NULL, NULL);
  px_local_media_set_microphone (local, world.connection, px_test_node_get_name (world.microphone));
  px_call_media_set_playback_enabled (call_a, FALSE);
  g_assert_true (px_call_media_start (call_a, &error));
  g_assert_no_error (error);

  /* Nobody reported anything: no FEC. */
  g_assert_false (px_local_media_get_voice_fec (local));
  g_assert_cmpuint (px_local_media_get_voice_packet_loss (local), ==, 0);

  wait.reporter = session_b;
  wait.publisher = px_session_participant_get_id (px_session_get_local_participant (session_a));
  wait.local = local;
  wait.loss = 0.08;
  wait.want_fec = TRUE;
  timer = g_timeout_add (500, send_report_cb, &wait);
  px_call_test_wait_until (fec_is_cb, &wait, "FEC on after a report of 8 % loss", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (px_local_media_get_voice_packet_loss (local), ==, 8);

  wait.loss = 0.0;
  wait.want_fec = FALSE;
  clean_since = g_get_monotonic_time ();
  px_call_test_wait_until (fec_is_cb, &wait, "FEC off after clean reports", &error);
  g_assert_no_error (error);
  g_test_message ("FEC off %.1f s after the reports turned clean",
                  (g_get_monotonic_time () - clean_since) / 1e6);
  g_assert_cmpuint (px_local_media_get_voice_packet_loss (local), ==, 0);
  g_source_remove (timer);

  px_call_media_stop (call_a);
  px_session_leave (session_a);
  px_session_leave (session_b);
  g_clear_object (&call_a);
  g_clear_object (&session_a);
  g_clear_object (&session_b);
  px_call_test_world_stop (&world);
}

/* Bob turns Alice down to nothing locally: her voice leaves his speaker, but
 * she is not muted for anyone else, and the indicator still works. */
static void
test_call_local_mute_and_leave (void)
{
  g_autofree float *samples = g_new0 (float, WINDOW);
  g_autoptr(GError) error = NULL;
  Fixture fixture = { 0 };
  PxRemoteMedia *remote;
  guint32 alice_id;

  if (!fixture_start (&fixture))
    return;

  assert_tone_at_bob (&fixture);
  remote = alice_media_at_bob (&fixture);
  px_remote_media_set_muted (remote, TRUE);
  g_assert_true (px_remote_media_get_muted (remote));
  assert_silence_at_bob (&fixture);
  g_assert_false (px_session_participant_get_audio_muted (alice_seen_by_bob (&fixture)));
  g_assert_true (px_remote_media_get_speaking (remote));

  px_remote_media_set_muted (remote, FALSE);
  px_remote_media_set_volume (remote, 0.5);
  g_assert_cmpfloat (px_remote_media_get_volume (remote), ==, 0.5);
  record (&fixture, samples, TRUE, "Alice's quieter tone");
  g_assert_cmpfloat (tone_power (samples, WINDOW, TONE_HZ), <,
                     TONE_VOLUME * TONE_VOLUME / 2 * 0.5);

  /* Alice leaves: Bob's call forgets her. */
  alice_id = px_session_participant_get_id (px_session_get_local_participant (fixture.session_a));
  g_object_ref (remote);
  px_call_media_stop (fixture.call_a);
  px_session_leave (fixture.session_a);
  g_assert_true (px_call_test_wait_gone (fixture.session_b, alice_id));
  g_assert_cmpuint (px_call_test_count_remotes (fixture.call_b), ==, 0);
  g_assert_null (px_remote_media_dup_frame (remote));
  g_object_unref (remote);
  g_assert_no_error (error);

  fixture_stop (&fixture);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/call/tone-video-and-mute", test_call_tone_and_video);
  g_test_add_func ("/call/local-mute-and-leave", test_call_local_mute_and_leave);
  g_test_add_func ("/call/camera-off-and-on", test_call_camera_off_and_on);
  g_test_add_func ("/call/voice-fec", test_call_voice_fec);

  return g_test_run ();
}
