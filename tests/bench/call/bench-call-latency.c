/* bench-call-latency.c: mouth-to-ear delay of a call on this machine
 *
 * Client A's microphone plays tone bursts (a recording published by
 * pw-cat); client B plays what it receives on a null sink. Both go through
 * the whole real path: PipeWire capture, Opus, PxSession, an embedded
 * parallax server over loopback, the jitter buffer, the mixer and PipeWire
 * playback. Two taps in this process, on the same PipeWire clock, hear the
 * microphone and the speaker's monitor; the delay of each burst is the time
 * between its onset on the two taps. Reported: p50 and p95 over BURSTS
 * bursts (default 40), against the 60 ms target, with 20 ms Opus frames
 * and with 10 ms ones (the default).
 *
 * The reference, measured in the same run: the same bursts through the
 * Opus encoder and the jitter buffer alone, on a simulated clock with
 * packets arriving the moment they are made (what the codec and the
 * buffer cost without any capture, network or playback).
 *
 * Run: meson test -C BUILD --benchmark --suite call -v
 *  or: BUILD/tests/bench/call/bench-call-latency [BURSTS]
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "capture/px-microphone-source.h"
#include "media/px-call-media.h"
#include "media/px-jitter-buffer.h"
#include "media/px-voice-encoder.h"
#include "px-call-test.h"

#define RATE            48000
#define LEAD_IN_MS      2000
#define PERIOD_MS       300
#define BURST_MS        60
#define BURST_HZ        1000.0
#define BURST_LEVEL     0.5
#define ONSET_LEVEL     0.1
#define QUIET_MS        100
#define ROOM            "bench"

static guint n_bursts = 40;

/* The microphone's sound: silence, then a burst every PERIOD_MS. */
static gint16 *
make_bursts (guint *n_samples)
{
  guint n = (LEAD_IN_MS + (2 * n_bursts + 40) * PERIOD_MS) * (RATE / 1000);
  gint16 *samples = g_new0 (gint16, n);

  for (guint b = 0; b < 2 * n_bursts + 40; b++)
    {
      guint start = (LEAD_IN_MS + b * PERIOD_MS) * (RATE / 1000);

      for (guint i = 0; i < BURST_MS * (RATE / 1000); i++)
        samples[start + i] = (gint16) lrint (32767 * BURST_LEVEL
                                             * sin (2 * G_PI * BURST_HZ * i / RATE));
    }

  *n_samples = n;
  return samples;
}

static gboolean
write_wav (const char   *path,
           const gint16 *samples,
           guint         n)
{
  guint32 data_bytes = n * 2;
  guint8 header[44] = { 0 };
  g_autoptr(GByteArray) file = g_byte_array_new ();

#define PUT32(off, v) do { guint32 x = GUINT32_TO_LE (v); memcpy (header + (off), &x, 4); } while (0)
#define PUT16(off, v) do { guint16 x = GUINT16_TO_LE (v); memcpy (header + (off), &x, 2); } while (0)
  memcpy (header, "RIFF", 4);
  PUT32 (4, 36 + data_bytes);
  memcpy (header + 8, "WAVEfmt ", 8);
  PUT32 (16, 16);
  PUT16 (20, 1);            /* PCM */
  PUT16 (22, 1);            /* mono */
  PUT32 (24, RATE);
  PUT32 (28, RATE * 2);
  PUT16 (32, 2);
  PUT16 (34, 16);
  memcpy (header + 36, "data", 4);
  PUT32 (40, data_bytes);
#undef PUT32
#undef PUT16

  g_byte_array_append (file, header, sizeof header);
  for (guint i = 0; i < n; i++)
    {
      guint16 le = GUINT16_TO_LE ((guint16) samples[i]);

      g_byte_array_append (file, (const guint8 *) &le, 2);
    }
  return g_file_set_contents (path, (const char *) file->data, file->len, NULL);
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
percentile (GArray *values,
            double  p)
{
  guint index;

  g_array_sort (values, compare_double);
  index = (guint) MIN (values->len - 1, floor (p * (values->len - 1) + 0.5));
  return g_array_index (values, double, index);
}

/* Onsets of bursts in one tap: the first loud sample after QUIET_MS of quiet. */
typedef struct
{
  PxMicrophoneSource *source;
  guint quiet;            /* quiet samples in a row */
  GArray *onsets;         /* gint64, local monotonic µs; under the taps' lock */
  GMutex *lock;
} Tap;

static void
tap_poll (Tap *tap)
{
  float block[4800];
  guint n = px_microphone_source_read (tap->source, block, G_N_ELEMENTS (block));
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < n; i++)
    {
      if (fabsf (block[i]) < ONSET_LEVEL)
        {
          tap->quiet++;
          continue;
        }
      if (tap->quiet >= QUIET_MS * (RATE / 1000))
        {
          /* The newest sample read is "now"; both taps share that bias. */
          gint64 onset = now - (gint64) (n - i) * G_USEC_PER_SEC / RATE;

          g_mutex_lock (tap->lock);
          g_array_append_val (tap->onsets, onset);
          g_mutex_unlock (tap->lock);
        }
      tap->quiet = 0;
    }
}

typedef struct
{
  Tap mouth;
  Tap ear;
  gint running;
} Taps;

/* The taps are read on a thread of their own, every half millisecond, so
 * that the main loop running the two clients does not blur the timing. */
static gpointer
taps_thread_func (gpointer data)
{
  Taps *taps = data;

  while (g_atomic_int_get (&taps->running))
    {
      tap_poll (&taps->mouth);
      tap_poll (&taps->ear);
      g_usleep (500);
    }
  return NULL;
}

typedef struct
{
  Taps *taps;
  GMutex *lock;
} Progress;

static gboolean
enough_cb (gpointer   data,
           GError   **error)
{
  Progress *progress = data;
  gboolean done;

  g_mutex_lock (progress->lock);
  done = progress->taps->ear.onsets->len >= n_bursts + 1;
  g_mutex_unlock (progress->lock);
  return done;
}

/* The same bursts through encoder and jitter buffer alone, on a simulated
 * clock: delay of each burst's onset, ms. */
static GArray *
codec_reference (const gint16 *samples,
                 guint         n,
                 guint         frame_ms)
{
  g_autoptr(PxVoiceEncoder) encoder = px_voice_encoder_new (frame_ms, NULL);
  g_autoptr(PxJitterBuffer) buffer = px_jitter_buffer_new ();
  GArray *delays = g_array_new (FALSE, FALSE, sizeof (double));
  guint frame = px_voice_encoder_get_frame_samples (encoder);
  const gint64 t0 = 1000000;
  gint16 block[480];
  guint next_frame = 0;
  guint quiet_in = 0, quiet_out = 0;
  GArray *in_onsets = g_array_new (FALSE, FALSE, sizeof (guint));
  guint matched = 0;

  for (guint i = 0; i < n; i++)
    {
      if (abs (samples[i]) < 32767 * ONSET_LEVEL)
        {
          quiet_in++;
          continue;
        }
      if (quiet_in >= QUIET_MS * (RATE / 1000))
        g_array_append_val (in_onsets, i);
      quiet_in = 0;
    }

  for (guint out = 0; out + 480 <= n; out += 480)
    {
      gint64 now = t0 + (gint64) out * G_USEC_PER_SEC / RATE;

      /* Every frame complete by now has been encoded and has arrived. */
      while ((next_frame + 1) * frame <= n
             && t0 + (gint64) (next_frame + 1) * frame * G_USEC_PER_SEC / RATE <= now)
        {
          g_autoptr(GBytes) packet = px_voice_encoder_encode (encoder, samples + next_frame * frame,
                                                              frame, NULL);
          gint64 capture = t0 + (gint64) next_frame * frame * G_USEC_PER_SEC / RATE;
          gsize size;
          const guint8 *data = g_bytes_get_data (packet, &size);

          if (!PX_VOICE_PACKET_IS_DTX (size))
            px_jitter_buffer_push (buffer, next_frame, capture, now, data, size);
          next_frame++;
        }

      px_jitter_buffer_pull (buffer, now, block, 480, NULL);
      for (guint i = 0; i < 480; i++)
        {
          if (abs (block[i]) < 32767 * ONSET_LEVEL)
            {
              quiet_out++;
              continue;
            }
          if (quiet_out >= QUIET_MS * (RATE / 1000) && matched < in_onsets->len)
            {
              guint in = g_array_index (in_onsets, guint, matched++);
              double delay = (double) ((gint64) (out + i) - (gint64) in) * 1000.0 / RATE;

              g_array_append_val (delays, delay);
            }
          quiet_out = 0;
        }
    }

  g_array_unref (in_onsets);
  return delays;
}

static void
bench_mouth_to_ear (gconstpointer data)
{
  guint frame_ms = GPOINTER_TO_UINT (data);
  g_autoptr(GError) error = NULL;
  g_autofree gint16 *samples = NULL;
  g_autofree char *path = NULL;
  g_autofree char *properties = NULL;
  g_autoptr(GArray) delays = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) reference = NULL;
  PxCallTestWorld world = { 0 };
  PxSession *session_a, *session_b;
  PxCallMedia *call_a, *call_b;
  PxLocalMedia *local;
  GMutex lock;
  Taps taps = { 0 };
  Progress progress = { &taps, &lock };
  GThread *thread;
  guint n_samples, m = 0;

  samples = make_bursts (&n_samples);
  reference = codec_reference (samples, n_samples, frame_ms);

  if (!px_call_test_world_start (&world, 0, 0, 0, 0))
    return;

  /* The microphone: the bursts. */
  path = g_build_filename (px_test_harness_get_tmp_dir (world.harness), "bursts.wav", NULL);
  g_assert_true (write_wav (path, samples, n_samples));
  properties = g_strdup ("{ media.class=Audio/Source node.name=px-bench-mouth "
                         "node.description=\"Bench Mouth\" }");
  {
    const char *argv[] = {
      "pw-cat", "--playback", "--target", "0", "--format", "s16", "--rate", "48000",
      "--channels", "1", "-P", properties, path, NULL
    };

    g_assert_nonnull (px_test_harness_spawn (world.harness, "mouth", argv, NULL, &error));
    g_assert_no_error (error);
  }
  g_assert_true (px_call_test_wait_device (&world, "px-bench-mouth"));

  session_a = px_call_test_join (&world, ROOM, "alice", "Alice");
  session_b = px_call_test_join (&world, ROOM, "bob", "Bob");
  call_a = px_call_media_new (session_a);
  local = px_call_media_get_local (call_a);
  px_local_media_set_microphone (local, world.connection, "px-bench-mouth");
  px_local_media_set_voice_frame_ms (local, frame_ms);
  px_call_media_set_playback_enabled (call_a, FALSE);
  g_assert_true (px_call_media_start (call_a, &error));
  g_assert_no_error (error);
  call_b = px_call_media_new (session_b);
  px_local_media_set_voice_enabled (px_call_media_get_local (call_b), FALSE);
  px_call_media_set_speaker (call_b, world.connection, PX_CALL_TEST_SPEAKER);
  g_assert_true (px_call_media_start (call_b, &error));
  g_assert_no_error (error);

  g_mutex_init (&lock);
  taps.mouth.lock = taps.ear.lock = &lock;
  taps.mouth.source = px_microphone_source_new (world.connection, "px-bench-mouth");
  taps.ear.source = px_microphone_source_new (world.connection, PX_CALL_TEST_SPEAKER);
  taps.mouth.onsets = g_array_new (FALSE, FALSE, sizeof (gint64));
  taps.ear.onsets = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_assert_true (px_microphone_source_start (taps.mouth.source, &error));
  g_assert_true (px_microphone_source_start (taps.ear.source, &error));
  g_assert_no_error (error);
  taps.running = TRUE;
  thread = g_thread_new ("taps", taps_thread_func, &taps);

  px_call_test_wait_until (enough_cb, &progress, "the bursts at the speaker", &error);
  g_atomic_int_set (&taps.running, FALSE);
  g_thread_join (thread);
  g_test_message ("onsets: %u at the microphone, %u at the speaker", taps.mouth.onsets->len,
                  taps.ear.onsets->len);
  g_assert_no_error (error);

  /* Each burst heard: the latest mouth onset before it, if recent. */
  for (guint e = 0; e < taps.ear.onsets->len; e++)
    {
      gint64 ear = g_array_index (taps.ear.onsets, gint64, e);

      while (m + 1 < taps.mouth.onsets->len
             && g_array_index (taps.mouth.onsets, gint64, m + 1) <= ear)
        m++;
      if (m < taps.mouth.onsets->len)
        {
          gint64 mouth = g_array_index (taps.mouth.onsets, gint64, m);
          double delay = (ear - mouth) / 1000.0;

          if (ear >= mouth && delay < PERIOD_MS / 2.0)
            g_array_append_val (delays, delay);
        }
    }
  /* The first burst met a jitter buffer still settling. */
  if (delays->len > 1)
    g_array_remove_index (delays, 0);

  g_assert_cmpuint (delays->len, >, 0);
  g_assert_cmpuint (reference->len, >, 0);
  printf ("mouth-to-ear with %u ms Opus frames, microphone to speaker through a server on "
          "loopback: p50 %.1f ms, p95 %.1f ms over %u bursts (target <= 60 ms)\n",
          frame_ms, percentile (delays, 0.5), percentile (delays, 0.95), delays->len);
  printf ("reference, Opus %u ms + jitter buffer alone, same bursts: "
          "p50 %.1f ms, p95 %.1f ms over %u bursts\n",
          frame_ms, percentile (reference, 0.5), percentile (reference, 0.95), reference->len);
  fflush (stdout);

  px_microphone_source_stop (taps.mouth.source);
  px_microphone_source_stop (taps.ear.source);
  g_object_unref (taps.mouth.source);
  g_object_unref (taps.ear.source);
  g_array_unref (taps.mouth.onsets);
  g_array_unref (taps.ear.onsets);
  g_mutex_clear (&lock);
  px_call_media_stop (call_a);
  px_call_media_stop (call_b);
  g_object_unref (call_a);
  g_object_unref (call_b);
  px_session_leave (session_a);
  px_session_leave (session_b);
  g_object_unref (session_a);
  g_object_unref (session_b);
  px_call_test_world_stop (&world);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  if (argc > 1)
    n_bursts = CLAMP ((guint) g_ascii_strtoull (argv[1], NULL, 10), 5, 1000);

  g_test_add_data_func ("/bench/call/mouth-to-ear/20ms", GUINT_TO_POINTER (20),
                        bench_mouth_to_ear);
  g_test_add_data_func ("/bench/call/mouth-to-ear/10ms", GUINT_TO_POINTER (10),
                        bench_mouth_to_ear);

  return g_test_run ();
}
