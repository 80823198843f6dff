/* test-jitter-buffer.c: the voice jitter buffer under jitter, loss and drift
 *
 * A simulated network between a real Opus encoder and the buffer: each
 * packet is delayed by a base plus uniform jitter and maybe lost, and the
 * receiver pulls 10 ms blocks on its own clock, as the speaker stream does.
 * Time is simulated, so the test measures behaviour, not speed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "media/px-jitter-buffer.h"
#include "media/px-voice-decoder.h"
#include "media/px-voice-encoder.h"

#include "media-test-util.h"

#define MS           1000
#define FRAME        960
#define BLOCK        480
#define BASE_DELAY   (50 * MS)

typedef enum
{
  LOSS_RANDOM,
  LOSS_BURSTS,
} LossKind;

typedef struct
{
  const char *name;
  gint64 jitter_us;      /* delay uniform in base ± this */
  double loss;           /* average loss, 0..1 */
  LossKind kind;
  double drift;          /* sender clock rate minus one */
  guint seconds;         /* of speech; 0: all the speech there is */
  guint frame_ms;        /* 20, or 10 */
  gboolean bursty;       /* the network holds packets back and lets them go
                          * together every 50 to 100 ms */
} Scenario;

typedef struct
{
  double correlation;
  double snr_db;
  guint max_delay_ms;
  guint max_jump_us;
  guint silent_blocks;
  guint first_target_ms;
  guint last_delay_ms;
  double mean_delay_first_ms;
  double mean_delay_last_ms;
  PxJitterBufferStats stats;
} Outcome;

static gint16 *speech;
static gsize n_speech;

static void
ensure_speech (void)
{
  const char *root = g_getenv ("PX_SHARED_DATA");
  const char *files[] = {
    "audio/codec2-examples/speech_orig_16k.wav",
    "audio/pocketsphinx-testdata/sense_and_sensibility_01_austen_64kb-0880.wav",
    "audio/pocketsphinx-testdata/sense_and_sensibility_01_austen_64kb-0890.wav",
    "audio/pocketsphinx-testdata/sense_and_sensibility_01_austen_64kb-0920.wav",
    "audio/codec2-examples/wia_16kHz.wav",
  };
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (gint16));

  if (speech != NULL)
    return;
  if (root == NULL)
    root = PX_TEST_SOURCE_DIR "/../shared/data";

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (root, files[i], NULL);
      g_autofree gint16 *raw = NULL;
      g_autofree gint16 *resampled = NULL;
      guint rate = 0;
      gsize n_raw = 0, n = 0;

      raw = test_read_wav (path, &rate, &n_raw);
      if (raw == NULL)
        continue;
      resampled = test_resample (raw, n_raw, rate, 48000, &n);
      g_array_append_vals (all, resampled, n);
    }

  if (all->len < 48000 * 10)
    {
      g_autofree gint16 *voice = test_synthetic_voice (48000 * 20);

      g_test_message ("speech recordings missing: using a synthetic voice");
      g_array_append_vals (all, voice, 48000 * 20);
    }

  n_speech = all->len;
  speech = (gint16 *) g_array_free (g_steal_pointer (&all), FALSE);
}

typedef struct
{
  gint64 arrival_us;
  guint64 sequence;
} Arrival;

static int
compare_arrivals (gconstpointer a,
                  gconstpointer b)
{
  const Arrival *x = a, *y = b;

  if (x->arrival_us != y->arrival_us)
    return x->arrival_us < y->arrival_us ? -1 : 1;
  return x->sequence < y->sequence ? -1 : 1;
}

static Outcome
simulate (const Scenario *scenario,
          guint64         seed)
{
  g_autoptr(GError) error = NULL;
  guint frame_ms = scenario->frame_ms ? scenario->frame_ms : 20;
  guint frame = 48 * frame_ms;
  g_autoptr(PxVoiceEncoder) encoder = px_voice_encoder_new (frame_ms, &error);
  g_autoptr(PxVoiceDecoder) clean = px_voice_decoder_new (&error);
  g_autoptr(PxJitterBuffer) buffer = px_jitter_buffer_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed ((guint32) seed);
  g_autoptr(GPtrArray) packets = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GArray) arrivals = g_array_new (FALSE, FALSE, sizeof (Arrival));
  g_autofree gint16 *reference = NULL;
  gsize n_frames = (scenario->seconds > 0 ? MIN (n_speech, (gsize) scenario->seconds * 48000)
                                         : n_speech) / frame;
  gint16 block[BLOCK];
  gboolean bad_state = FALSE;
  guint burst = 0;
  double xy = 0, xx = 0, yy = 0, noise = 0;
  gboolean started = FALSE;
  gint64 last_capture = 0;
  gint64 end_us;
  guint next_arrival = 0;
  double first_sum = 0, last_sum = 0;
  guint first_n = 0, last_n = 0;
  gint64 release_us = 0;
  Outcome outcome = { 0 };

  g_assert_no_error (error);
  /* The receivers have told the sender how much they lose. */
  px_voice_encoder_set_packet_loss (encoder, (guint) (scenario->loss * 100 + 0.5));

  reference = g_new0 (gint16, n_frames * frame);
  for (gsize f = 0; f < n_frames; f++)
    {
      GBytes *packet = px_voice_encoder_encode (encoder, speech + f * frame, frame, &error);
      gboolean lost;

      g_assert_no_error (error);
      g_ptr_array_add (packets, packet);
      g_assert_cmpint (px_voice_decoder_decode (clean, g_bytes_get_data (packet, NULL),
                                                g_bytes_get_size (packet),
                                                reference + f * frame, frame, &error), ==, (int) frame);

      if (scenario->kind == LOSS_RANDOM)
        {
          lost = g_rand_double (rand) < scenario->loss;
        }
      else
        {
          /* Gilbert model: bursts of four packets on average (at most
           * eight), as often as the average loss asks. */
          double leave_bad = 0.25;
          double enter_bad = leave_bad * scenario->loss / (1.0 - scenario->loss);

          if (bad_state)
            bad_state = g_rand_double (rand) >= leave_bad && burst < 8;
          else
            bad_state = g_rand_double (rand) < enter_bad;
          burst = bad_state ? burst + 1 : 0;
          lost = bad_state;
        }

      if (!lost)
        {
          /* Sent when the sender's clock says f frames; that clock runs
           * at 1 + drift against the receiver's. */
          gint64 sent = (gint64) (f * frame_ms * MS / (1.0 + scenario->drift));
          gint64 delay = BASE_DELAY + g_rand_int_range (rand, (gint32) -scenario->jitter_us,
                                                        (gint32) scenario->jitter_us + 1);
          Arrival arrival = { sent + delay, f };

          g_array_append_val (arrivals, arrival);
        }
    }
  g_array_sort (arrivals, compare_arrivals);

  /* Bursts: whatever arrived since the last release waits for the next
   * one, 50 to 100 ms later, and then comes all at once. */
  if (scenario->bursty)
    for (guint i = 0; i < arrivals->len; i++)
      {
        Arrival *a = &g_array_index (arrivals, Arrival, i);

        while (release_us < a->arrival_us)
          release_us += g_rand_int_range (rand, 50 * MS, 100 * MS + 1);
        a->arrival_us = release_us;
      }

  end_us = (gint64) (n_frames * frame_ms * MS / (1.0 + scenario->drift)) + BASE_DELAY
           + scenario->jitter_us;

  for (gint64 now = 0; now < end_us + 300 * MS; now += 10 * MS)
    {
      gint64 capture = 0;
      gboolean voice;
      PxJitterBufferStats stats;

      while (next_arrival < arrivals->len
             && g_array_index (arrivals, Arrival, next_arrival).arrival_us <= now)
        {
          Arrival *a = &g_array_index (arrivals, Arrival, next_arrival++);
          GBytes *packet = packets->pdata[a->sequence];

          px_jitter_buffer_push (buffer, a->sequence, (gint64) a->sequence * frame_ms * MS,
                                 a->arrival_us, g_bytes_get_data (packet, NULL),
                                 g_bytes_get_size (packet));
        }

      voice = px_jitter_buffer_pull (buffer, now, block, BLOCK, &capture);
      px_jitter_buffer_get_stats (buffer, &stats);

      /* Until the last packet has had its turn, the voice must not stop. */
      if (started && !voice && now < end_us - scenario->jitter_us)
        outcome.silent_blocks++;
      if (!voice)
        continue;

      if (!started)
        outcome.first_target_ms = stats.target_delay_ms;
      outcome.max_delay_ms = MAX (outcome.max_delay_ms, stats.current_delay_ms);
      if (started)
        {
          gint64 jump = ABS (capture - last_capture - 10 * MS);

          outcome.max_jump_us = MAX (outcome.max_jump_us, (guint) jump);
        }
      started = TRUE;
      last_capture = capture;
      outcome.last_delay_ms = stats.current_delay_ms;

      /* Delay over the first and the last ten seconds, to see drift. */
      if (now < 10 * G_USEC_PER_SEC)
        {
          first_sum += stats.current_delay_ms;
          first_n++;
        }
      else if (now > end_us - 10 * G_USEC_PER_SEC)
        {
          last_sum += stats.current_delay_ms;
          last_n++;
        }

      /* Compared with the clean decode of the same capture time. */
      if (capture >= 0 && (gsize) (capture / 10 / MS + 1) * BLOCK <= n_frames * frame)
        {
          const gint16 *ref = reference + capture / 10 / MS * BLOCK;

          g_assert_cmpint (capture % (10 * MS), ==, 0);
          for (guint i = 0; i < BLOCK; i++)
            {
              double d = (double) block[i] - ref[i];

              xy += (double) block[i] * ref[i];
              xx += (double) block[i] * block[i];
              yy += (double) ref[i] * ref[i];
              noise += d * d;
            }
        }
    }

  px_jitter_buffer_get_stats (buffer, &outcome.stats);
  outcome.correlation = xx > 0 && yy > 0 ? xy / sqrt (xx * yy) : 0.0;
  outcome.snr_db = noise > 0 ? 10.0 * log10 (yy / noise) : 99.0;
  outcome.mean_delay_first_ms = first_n ? first_sum / first_n : 0;
  outcome.mean_delay_last_ms = last_n ? last_sum / last_n : 0;
  return outcome;
}

static void
report (const Scenario *scenario,
        const Outcome  *o)
{
  g_test_message ("%-28s corr %.3f  SNR %5.1f dB | delay target %3u ms, now %3u ms, max %3u ms"
                  " | lost %4" G_GUINT64_FORMAT " (FEC %4" G_GUINT64_FORMAT ") late %3"
                  G_GUINT64_FORMAT " concealed %4" G_GUINT64_FORMAT " dropped %3"
                  G_GUINT64_FORMAT " stretched %3" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                  " | jumps <= %.0f ms, silent blocks %u",
                  scenario->name, o->correlation, o->snr_db, o->stats.target_delay_ms,
                  o->last_delay_ms, o->max_delay_ms, o->stats.lost, o->stats.recovered,
                  o->stats.late, o->stats.concealed, o->stats.dropped, o->stats.stretched,
                  o->stats.received, o->max_jump_us / 1000.0, o->silent_blocks);
}

static void
check_common (const Scenario *scenario,
              const Outcome  *o)
{
  gint64 frame_us = (scenario->frame_ms ? scenario->frame_ms : 20) * MS;

  /* Continuous: no silence while the stream lasts, and the capture time
   * of successive blocks never skips or repeats more than one frame. */
  g_assert_cmpuint (o->silent_blocks, ==, 0);
  g_assert_cmpuint (o->max_jump_us, <=, frame_us);
  /* Within bounds: the target, and the delay at most a frame beyond. */
  g_assert_cmpuint (o->stats.target_delay_ms, >=, PX_JITTER_BUFFER_DEFAULT_MIN_DELAY_MS);
  g_assert_cmpuint (o->stats.target_delay_ms, <=, PX_JITTER_BUFFER_DEFAULT_MAX_DELAY_MS);
  g_assert_cmpuint (o->max_delay_ms, <=, PX_JITTER_BUFFER_DEFAULT_MAX_DELAY_MS + frame_us / MS);
  g_assert_cmpuint (o->stats.invalid, ==, 0);
}

static void
test_clean_network (void)
{
  Scenario scenario = { "no jitter, no loss", 0, 0.0, LOSS_RANDOM, 0.0, 20 };
  Outcome o;

  ensure_speech ();
  o = simulate (&scenario, 1);
  report (&scenario, &o);
  check_common (&scenario, &o);
  g_assert_cmpfloat (o.correlation, >=, 0.999);
  g_assert_cmpuint (o.stats.lost, ==, 0);
  g_assert_cmpuint (o.stats.late, ==, 0);
  /* Without jitter the delay settles at the minimum. */
  g_assert_cmpuint (o.stats.target_delay_ms, <=, 30);
  g_assert_cmpuint (o.last_delay_ms, <=, 60);
}

static void
test_jitter_and_loss (void)
{
  const Scenario scenarios[] = {
    { "+-40 ms, no loss", 40 * MS, 0.00, LOSS_RANDOM, 0.0, 0 },
    { "+-40 ms, 5 % random", 40 * MS, 0.05, LOSS_RANDOM, 0.0, 0 },
    { "+-40 ms, 10 % random", 40 * MS, 0.10, LOSS_RANDOM, 0.0, 0 },
    { "+-40 ms, 20 % random", 40 * MS, 0.20, LOSS_RANDOM, 0.0, 0 },
    { "+-40 ms, 10 % bursts", 40 * MS, 0.10, LOSS_BURSTS, 0.0, 0 },
    { "+-40 ms, 20 % bursts", 40 * MS, 0.20, LOSS_BURSTS, 0.0, 0 },
    { "+-40 ms, 10 %, 10 ms frames", 40 * MS, 0.10, LOSS_RANDOM, 0.0, 0, 10 },
  };
  double previous = 1.0;

  ensure_speech ();
  for (guint i = 0; i < G_N_ELEMENTS (scenarios); i++)
    {
      Outcome o = simulate (&scenarios[i], 100 + i);
      guint64 sent = o.stats.received + o.stats.lost;

      report (&scenarios[i], &o);
      check_common (&scenarios[i], &o);
      /* The target covers the jitter: few packets come too late. */
      g_assert_cmpuint (o.stats.target_delay_ms, >=, 60);
      g_assert_cmpuint (o.stats.late * 100, <=, sent * 4);

      /* Quality falls gently with loss, never off a cliff. */
      if (scenarios[i].frame_ms == 10)
        {
          g_assert_cmpfloat (o.correlation, >=, 0.97 - 2.0 * scenarios[i].loss);
        }
      else if (scenarios[i].kind == LOSS_RANDOM)
        {
          double floor = 0.97 - 2.0 * scenarios[i].loss;

          g_assert_cmpfloat (o.correlation, >=, floor);
          g_assert_cmpfloat (o.correlation, <=, previous + 0.02);
          previous = o.correlation;
        }
      else
        {
          g_assert_cmpfloat (o.correlation, >=, 0.97 - 2.5 * scenarios[i].loss);
        }
    }
}

/* Packets held back and let go in bursts every 50 to 100 ms, on top of
 * the jitter and loss: the voice goes on without a gap, later. */
static void
test_bursts (void)
{
  const Scenario scenarios[] = {
    { "bursts, no loss", 0, 0.00, LOSS_RANDOM, 0.0, 0, 20, TRUE },
    { "bursts, +-40 ms, no loss", 40 * MS, 0.00, LOSS_RANDOM, 0.0, 0, 20, TRUE },
    { "bursts, +-40 ms, 5 % random", 40 * MS, 0.05, LOSS_RANDOM, 0.0, 0, 20, TRUE },
    { "bursts, +-40 ms, 10 % random", 40 * MS, 0.10, LOSS_RANDOM, 0.0, 0, 20, TRUE },
    { "bursts, +-40 ms, 20 % random", 40 * MS, 0.20, LOSS_RANDOM, 0.0, 0, 20, TRUE },
    { "bursts, +-40 ms, 10 % bursts", 40 * MS, 0.10, LOSS_BURSTS, 0.0, 0, 20, TRUE },
    { "bursts, +-40 ms, 10 %, 10 ms", 40 * MS, 0.10, LOSS_RANDOM, 0.0, 0, 10, TRUE },
  };

  ensure_speech ();
  for (guint i = 0; i < G_N_ELEMENTS (scenarios); i++)
    {
      Outcome o = simulate (&scenarios[i], 300 + i);
      guint64 sent = o.stats.received + o.stats.lost;

      report (&scenarios[i], &o);
      check_common (&scenarios[i], &o);
      /* The target covers the bursts too: few packets come too late. */
      g_assert_cmpuint (o.stats.target_delay_ms, >=, scenarios[i].jitter_us > 0 ? 100 : 50);
      g_assert_cmpuint (o.stats.late * 100, <=, sent * 4);
      g_assert_cmpfloat (o.correlation, >=, 0.93 - 2.5 * scenarios[i].loss);
    }
}

static void
test_clock_drift (void)
{
  const Scenario scenarios[] = {
    { "sender 0.5 % fast", 20 * MS, 0.0, LOSS_RANDOM, 0.005, 0 },
    { "sender 0.5 % slow", 20 * MS, 0.0, LOSS_RANDOM, -0.005, 0 },
  };

  ensure_speech ();
  for (guint i = 0; i < G_N_ELEMENTS (scenarios); i++)
    {
      Outcome o = simulate (&scenarios[i], 200 + i);

      report (&scenarios[i], &o);
      g_test_message ("  mean delay first 10 s %.1f ms, last 10 s %.1f ms",
                      o.mean_delay_first_ms, o.mean_delay_last_ms);
      check_common (&scenarios[i], &o);
      /* 0.5 % over the clip is hundreds of milliseconds: absorbed, the
       * delay ends where it started. */
      g_assert_cmpfloat (o.mean_delay_last_ms, <=, o.mean_delay_first_ms + 20.0);
      g_assert_cmpfloat (o.mean_delay_last_ms, >=, o.mean_delay_first_ms - 20.0);
      if (scenarios[i].drift > 0)
        g_assert_cmpuint (o.stats.dropped, >, 0);
      else
        g_assert_cmpuint (o.stats.stretched, >, 0);
      g_assert_cmpfloat (o.correlation, >=, 0.8);
    }
}

static GBytes *
encode_tone (PxVoiceEncoder *encoder,
             guint64         index)
{
  gint16 pcm[FRAME];
  g_autoptr(GError) error = NULL;
  GBytes *packet;

  for (guint i = 0; i < FRAME; i++)
    pcm[i] = (gint16) (8000 * sin (2 * G_PI * 300.0 * (index * FRAME + i) / 48000.0));
  packet = px_voice_encoder_encode (encoder, pcm, FRAME, &error);
  g_assert_no_error (error);
  return packet;
}

static void
test_bad_input_and_restarts (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PxVoiceEncoder) encoder = px_voice_encoder_new (20, &error);
  g_autoptr(PxJitterBuffer) buffer = px_jitter_buffer_new ();
  const guint8 junk[] = { 0xff, 0xff, 0xff, 0xff, 0x00 };
  gint16 block[BLOCK];
  PxJitterBufferStats stats;
  guint voiced = 0;
  gint64 now = 0;

  g_assert_no_error (error);

  /* Nothing yet: silence, no clock. */
  g_assert_false (px_jitter_buffer_pull (buffer, 0, block, BLOCK, NULL));
  for (guint i = 0; i < BLOCK; i++)
    g_assert_cmpint (block[i], ==, 0);
  g_assert_false (px_jitter_buffer_get_playout_clock (buffer, NULL, NULL));

  /* Garbage and empty packets are counted and ignored. */
  px_jitter_buffer_push (buffer, 0, 0, 0, NULL, 0);
  px_jitter_buffer_push (buffer, 0, 0, 0, junk, sizeof junk);
  px_jitter_buffer_get_stats (buffer, &stats);
  g_assert_cmpuint (stats.invalid, ==, 2);
  g_assert_cmpuint (stats.received, ==, 0);

  /* Two seconds of a tone, every packet pushed twice, then the sender goes
   * quiet for two seconds, then comes back with a sequence far ahead, then
   * restarts from zero (a new sender). */
  for (guint phase = 0; phase < 4; phase++)
    {
      guint64 first = phase == 2 ? 100000 : 0;
      guint frames = phase == 1 ? 0 : 100;

      for (guint f = 0; f < 200; f++, now += 10 * MS)
        {
          gint64 capture_base = phase * 2 * G_USEC_PER_SEC + 5 * G_USEC_PER_SEC;

          if (f % 2 == 0 && f / 2 < frames)
            {
              g_autoptr(GBytes) packet = encode_tone (encoder, f / 2);
              guint64 sequence = first + f / 2;
              gint64 capture = capture_base + (gint64) (f / 2) * 20 * MS;

              px_jitter_buffer_push (buffer, sequence, capture, now, g_bytes_get_data (packet, NULL),
                                     g_bytes_get_size (packet));
              px_jitter_buffer_push (buffer, sequence, capture, now, g_bytes_get_data (packet, NULL),
                                     g_bytes_get_size (packet));
            }
          if (px_jitter_buffer_pull (buffer, now, block, BLOCK, NULL))
            {
              gint64 local, capture;

              voiced++;
              g_assert_true (px_jitter_buffer_get_playout_clock (buffer, &local, &capture));
              g_assert_cmpint (local, ==, now);
            }
        }

      px_jitter_buffer_get_stats (buffer, &stats);
      g_test_message ("phase %u: %u voiced blocks so far, %" G_GUINT64_FORMAT " duplicates, "
                      "%" G_GUINT64_FORMAT " lost, %" G_GUINT64_FORMAT " late",
                      phase, voiced, stats.duplicate, stats.lost, stats.late);
      if (phase == 1)
        /* Quiet: the buffer went idle instead of concealing forever. */
        g_assert_false (px_jitter_buffer_get_playout_clock (buffer, NULL, NULL));
    }

  px_jitter_buffer_get_stats (buffer, &stats);
  g_assert_cmpuint (stats.duplicate, ==, 300);
  /* Three talk spurts of two seconds each were heard (less the start-up
   * delay of each, plus the concealment tail after the first). */
  g_assert_cmpuint (voiced, >=, 3 * 150);
  g_assert_cmpuint (voiced, <=, 3 * 200 + 40);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/media/jitter-buffer/clean-network", test_clean_network);
  g_test_add_func ("/media/jitter-buffer/jitter-and-loss", test_jitter_and_loss);
  g_test_add_func ("/media/jitter-buffer/bursts", test_bursts);
  g_test_add_func ("/media/jitter-buffer/clock-drift", test_clock_drift);
  g_test_add_func ("/media/jitter-buffer/bad-input-and-restarts", test_bad_input_and_restarts);

  status = g_test_run ();
  g_free (speech);
  return status;
}
