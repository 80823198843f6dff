/* test-voice-codec.c: Opus on real speech
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "media/px-codec-error.h"
#include "media/px-voice-decoder.h"
#include "media/px-voice-encoder.h"

#include "media-test-util.h"

/* Opus's own delay is 6.5 ms; look a little wider. */
#define MAX_LAG 960

/* Speech at 48 kHz from a WAV file of any rate. */
static gint16 *
load_speech (const char *path,
             gsize      *n_samples)
{
  g_autofree gint16 *raw = NULL;
  guint rate = 0;
  gsize n_raw = 0;

  raw = test_read_wav (path, &rate, &n_raw);
  if (raw == NULL || rate == 0)
    return NULL;
  if (rate == 48000)
    {
      *n_samples = n_raw;
      return g_steal_pointer (&raw);
    }
  return test_resample (raw, n_raw, rate, 48000, n_samples);
}

/* Encodes and decodes @speech whole; every @drop_every-th packet (0: none)
 * is lost and rebuilt by FEC (@use_fec) or concealment. */
static gint16 *
round_trip (const gint16 *speech,
            gsize         n_samples,
            guint         frame_ms,
            guint         bitrate,
            guint         loss_percent,
            guint         drop_every,
            gboolean      use_fec,
            gsize        *n_out,
            gsize        *bytes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PxVoiceEncoder) encoder = px_voice_encoder_new (frame_ms, &error);
  g_autoptr(PxVoiceDecoder) decoder = px_voice_decoder_new (&error);
  g_autoptr(GPtrArray) packets = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  guint frame;
  gsize n_frames;
  gint16 *out;

  g_assert_no_error (error);
  px_voice_encoder_set_bitrate (encoder, bitrate);
  px_voice_encoder_set_packet_loss (encoder, loss_percent);
  frame = px_voice_encoder_get_frame_samples (encoder);
  g_assert_cmpuint (frame, ==, 48 * frame_ms);
  n_frames = n_samples / frame;
  out = g_new0 (gint16, n_frames * frame);
  *bytes = 0;

  for (gsize f = 0; f < n_frames; f++)
    {
      GBytes *packet = px_voice_encoder_encode (encoder, speech + f * frame, frame, &error);

      g_assert_no_error (error);
      g_assert_nonnull (packet);
      g_assert_cmpuint (g_bytes_get_size (packet), <=, PX_VOICE_MAX_PACKET);
      *bytes += g_bytes_get_size (packet);
      g_ptr_array_add (packets, packet);
    }

  for (gsize f = 0; f < n_frames; f++)
    {
      GBytes *packet = packets->pdata[f];
      int n;

      if (drop_every > 0 && f % drop_every == drop_every - 1 && f + 1 < n_frames)
        {
          GBytes *next = packets->pdata[f + 1];

          n = use_fec
              ? px_voice_decoder_recover (decoder, g_bytes_get_data (next, NULL),
                                          g_bytes_get_size (next), out + f * frame, frame)
              : px_voice_decoder_conceal (decoder, out + f * frame, frame);
        }
      else
        {
          n = px_voice_decoder_decode (decoder, g_bytes_get_data (packet, NULL),
                                       g_bytes_get_size (packet), out + f * frame, frame, &error);
          g_assert_no_error (error);
        }
      g_assert_cmpint (n, ==, frame);
    }

  *n_out = n_frames * frame;
  return out;
}

/* Codes @path both ways (20 ms at 32 kbit/s, 10 ms at 32 kbit/s) and
 * returns the lower of the two correlations with the input. They are
 * compared in the speech band, above 100 Hz: the VOIP mode high-passes its
 * input on purpose, so the rumble and hum below that in some recordings
 * are not meant to come through. */
static double
measure_speech (const char *name,
                const char *path)
{
  g_autofree gint16 *speech = NULL;
  g_autofree gint16 *band = NULL;
  gsize n_speech = 0;
  double lowest = 1.0;

  speech = load_speech (path, &n_speech);
  g_assert_nonnull (speech);
  g_assert_cmpuint (n_speech, >=, 24000);
  band = g_memdup2 (speech, n_speech * sizeof *speech);
  test_high_pass (band, n_speech, 100.0);

  for (guint variant = 0; variant < 2; variant++)
    {
      guint frame_ms = variant == 0 ? 20 : 10;
      guint bitrate = 32;
      g_autofree gint16 *decoded = NULL;
      gsize n_decoded, bytes;
      long lag = 0;
      double correlation;

      decoded = round_trip (speech, n_speech, frame_ms, bitrate, 0, 0, FALSE, &n_decoded, &bytes);
      test_high_pass (decoded, n_decoded, 100.0);
      test_best_correlation (band, n_speech - MAX_LAG, decoded, n_decoded, MAX_LAG, &lag);
      correlation = test_refine_correlation (band, n_speech - MAX_LAG, decoded, n_decoded, lag);
      g_test_message ("%s, %.1f s, %u ms frames at %u kbit/s: correlation %.4f at %.2f ms, "
                      "%.1f kbit/s out", name, n_speech / 48000.0, frame_ms, bitrate,
                      correlation, lag / 48.0, bytes * 8.0 / (n_speech / 48000.0) / 1000.0);
      /* Opus's delay is 6.5 ms: a lag far off means a broken stream. */
      g_assert_cmpint (lag, >, 240);
      g_assert_cmpint (lag, <, 400);
      lowest = MIN (lowest, correlation);
    }
  return lowest;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static void
test_shared_speech (void)
{
  const char *root = g_getenv ("PX_SHARED_DATA");
  const char *folders[] = { "audio/codec2-examples", "audio/pocketsphinx-testdata" };
  double sum = 0.0, lowest = 1.0;
  guint found = 0;

  if (root == NULL)
    root = PX_TEST_SOURCE_DIR "/../shared/data";

  /* Every recording there is: clean studio speech and noisier LibriVox
   * readings decoded from MP3. */
  for (guint f = 0; f < G_N_ELEMENTS (folders); f++)
    {
      g_autofree char *folder = g_build_filename (root, folders[f], NULL);
      g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      if (dir == NULL)
        continue;
      while ((name = g_dir_read_name (dir)) != NULL)
        if (g_str_has_suffix (name, ".wav"))
          g_ptr_array_add (names, g_strdup (name));
      g_ptr_array_sort (names, compare_names);

      for (guint i = 0; i < names->len; i++)
        {
          g_autofree char *path = g_build_filename (folder, names->pdata[i], NULL);
          double correlation = measure_speech (names->pdata[i], path);

          sum += correlation;
          lowest = MIN (lowest, correlation);
          found++;
        }
    }

  if (found == 0)
    {
      g_test_skip ("no speech recordings under PX_SHARED_DATA/audio");
      return;
    }

  g_test_message ("%u recordings: mean correlation %.4f, lowest %.4f", found, sum / found, lowest);
  g_assert_cmpfloat (sum / found, >=, 0.9);
  /* The noisiest reading still comes through recognisably. */
  g_assert_cmpfloat (lowest, >=, 0.8);
}

static void
test_espeak_speech (void)
{
  g_autofree char *espeak = g_find_program_in_path ("espeak-ng");
  g_autofree char *timeout = g_find_program_in_path ("timeout");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  int status = 0;

  if (espeak == NULL || timeout == NULL)
    {
      g_test_skip ("espeak-ng is not installed");
      return;
    }

  dir = g_dir_make_tmp ("px-voice-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "speech.wav", NULL);

  {
    /* timeout(1) bounds the wait. */
    const char *argv[] = {
      timeout, "60", espeak, "-v", "en", "-s", "150", "-w", path,
      "The quick brown fox jumps over the lazy dog. Parallax carries every voice "
      "in the room, clearly and on time.", NULL
    };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                  NULL, NULL, NULL, NULL, &status, &error);
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }

  g_assert_cmpfloat (measure_speech ("espeak-ng", path), >=, 0.9);

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_fec_and_concealment (void)
{
  const char *root = g_getenv ("PX_SHARED_DATA");
  g_autofree char *path = g_build_filename (root ? root : PX_TEST_SOURCE_DIR "/../shared/data",
                                            "audio/codec2-examples/speech_orig_16k.wav", NULL);
  g_autofree gint16 *speech = NULL;
  g_autofree gint16 *with_fec = NULL;
  g_autofree gint16 *with_plc = NULL;
  gsize n_speech = 0, n_fec, n_plc, bytes_fec, bytes_plc;
  double c_fec, c_plc;
  long lag;

  speech = load_speech (path, &n_speech);
  if (speech == NULL)
    {
      n_speech = 48000 * 4;
      speech = test_synthetic_voice (n_speech);
    }

  /* One packet in five lost; the sender was told of 20 % loss. With 20 ms
   * frames and with 10 ms ones (the calls' default). */
  for (guint frame_ms = 20; frame_ms >= 10; frame_ms -= 10)
    {
      g_clear_pointer (&with_fec, g_free);
      g_clear_pointer (&with_plc, g_free);
      with_fec = round_trip (speech, n_speech, frame_ms, 32, 20, 5, TRUE, &n_fec, &bytes_fec);
      with_plc = round_trip (speech, n_speech, frame_ms, 32, 0, 5, FALSE, &n_plc, &bytes_plc);
      c_fec = test_best_correlation (speech, n_speech - MAX_LAG, with_fec, n_fec, MAX_LAG, &lag);
      c_plc = test_best_correlation (speech, n_speech - MAX_LAG, with_plc, n_plc, MAX_LAG, &lag);
      g_test_message ("%u ms frames, 20 %% loss: FEC correlation %.4f (%.1f kbit/s), "
                      "concealment only %.4f (%.1f kbit/s)", frame_ms,
                      c_fec, bytes_fec * 8.0 / (n_speech / 48000.0) / 1000.0,
                      c_plc, bytes_plc * 8.0 / (n_speech / 48000.0) / 1000.0);
      g_assert_cmpfloat (c_fec, >, c_plc);
      g_assert_cmpfloat (c_fec, >=, 0.7);
    }
}

static void
test_dtx (void)
{
  gint16 silence[960] = { 0 };

  /* Two seconds of silence, in 20 ms and in 10 ms frames. */
  for (guint frame_ms = 20; frame_ms >= 10; frame_ms -= 10)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PxVoiceEncoder) encoder = px_voice_encoder_new (frame_ms, &error);
      guint frames = 2000 / frame_ms;
      guint dtx = 0;

      g_assert_no_error (error);
      for (guint i = 0; i < frames; i++)
        {
          g_autoptr(GBytes) packet = px_voice_encoder_encode (encoder, silence, 48 * frame_ms,
                                                              &error);

          g_assert_no_error (error);
          if (PX_VOICE_PACKET_IS_DTX (g_bytes_get_size (packet)))
            dtx++;
        }
      g_test_message ("2 s of silence in %u ms frames: %u of %u packets are DTX", frame_ms, dtx,
                      frames);
      g_assert_cmpuint (dtx, >, frames / 2);
    }
}

static void
test_controls_and_bad_input (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PxVoiceEncoder) encoder = NULL;
  g_autoptr(PxVoiceDecoder) decoder = px_voice_decoder_new (&error);
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  gint16 pcm[PX_VOICE_MAX_FRAME_SAMPLES] = { 0 };
  guint8 junk[200];
  guint rejected = 0;

  g_assert_no_error (error);

  encoder = px_voice_encoder_new (15, &error);
  g_assert_null (encoder);
  g_assert_error (error, PX_CODEC_ERROR, PX_CODEC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  encoder = px_voice_encoder_new (10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (px_voice_encoder_get_frame_ms (encoder), ==, 10);
  g_assert_cmpuint (px_voice_encoder_get_frame_samples (encoder), ==, 480);
  g_assert_cmpuint (px_voice_encoder_get_bitrate (encoder), ==, PX_VOICE_DEFAULT_BITRATE);
  px_voice_encoder_set_bitrate (encoder, 6);
  g_assert_cmpuint (px_voice_encoder_get_bitrate (encoder), ==, 16);
  px_voice_encoder_set_bitrate (encoder, 500);
  g_assert_cmpuint (px_voice_encoder_get_bitrate (encoder), ==, 48);
  g_assert_false (px_voice_encoder_get_fec (encoder));
  px_voice_encoder_set_packet_loss (encoder, 5);
  g_assert_true (px_voice_encoder_get_fec (encoder));
  px_voice_encoder_set_packet_loss (encoder, 0);
  g_assert_false (px_voice_encoder_get_fec (encoder));

  g_assert_null (px_voice_encoder_encode (encoder, pcm, 960, &error));
  g_assert_error (error, PX_CODEC_ERROR, PX_CODEC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* Empty, then random bytes: refused or decoded, never a crash. */
  g_assert_cmpint (px_voice_decoder_packet_samples (NULL, 0), ==, -1);
  g_assert_cmpint (px_voice_decoder_decode (decoder, junk, 0, pcm, G_N_ELEMENTS (pcm), &error), ==, -1);
  g_assert_error (error, PX_CODEC_ERROR, PX_CODEC_ERROR_CORRUPT);
  g_clear_error (&error);

  for (guint i = 0; i < 2000; i++)
    {
      gsize size = g_rand_int_range (rand, 1, sizeof junk);
      int n;

      for (gsize b = 0; b < size; b++)
        junk[b] = g_rand_int_range (rand, 0, 256);
      n = px_voice_decoder_decode (decoder, junk, size, pcm, G_N_ELEMENTS (pcm), &error);
      if (n < 0)
        {
          g_assert_nonnull (error);
          g_clear_error (&error);
          rejected++;
        }
      else
        {
          g_assert_no_error (error);
          g_assert_cmpint (n, <=, PX_VOICE_MAX_FRAME_SAMPLES);
        }
      /* Recovery from junk falls back to concealment. */
      g_assert_cmpint (px_voice_decoder_recover (decoder, junk, size, pcm, 960), ==, 960);
    }
  g_test_message ("2000 random packets: %u refused", rejected);
  g_assert_cmpuint (rejected, >, 0);

  /* A packet too long for the room given. */
  {
    g_autoptr(PxVoiceEncoder) twenty = px_voice_encoder_new (20, &error);
    g_autoptr(GBytes) packet = px_voice_encoder_encode (twenty, pcm, 960, &error);

    g_assert_no_error (error);
    g_assert_cmpint (px_voice_decoder_decode (decoder, g_bytes_get_data (packet, NULL),
                                              g_bytes_get_size (packet), pcm, 480, &error), ==, -1);
    g_assert_error (error, PX_CODEC_ERROR, PX_CODEC_ERROR_INVALID_ARGUMENT);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/media/voice/shared-speech", test_shared_speech);
  g_test_add_func ("/media/voice/espeak-speech", test_espeak_speech);
  g_test_add_func ("/media/voice/fec-and-concealment", test_fec_and_concealment);
  g_test_add_func ("/media/voice/dtx", test_dtx);
  g_test_add_func ("/media/voice/controls-and-bad-input", test_controls_and_bad_input);

  return g_test_run ();
}
