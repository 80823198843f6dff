/* test-audio-mixer.c: remote voices into one speaker stream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "media/px-audio-mixer.h"
#include "media/px-voice-encoder.h"

#define MS 1000
#define FRAME 960

typedef struct
{
  PxVoiceEncoder *encoder;
  PxJitterBuffer *buffer;
  double frequency;
  double amplitude;
  guint64 sequence;
  gboolean talking;
} Talker;

static void
talker_init (Talker *talker,
             double  frequency,
             double  amplitude)
{
  g_autoptr(GError) error = NULL;

  talker->encoder = px_voice_encoder_new (20, &error);
  g_assert_no_error (error);
  talker->buffer = px_jitter_buffer_new ();
  talker->frequency = frequency;
  talker->amplitude = amplitude;
  talker->sequence = 0;
  talker->talking = TRUE;
}

static void
talker_clear (Talker *talker)
{
  g_clear_object (&talker->encoder);
  g_clear_object (&talker->buffer);
}

/* Sends the frame captured at @capture_us; it arrives 30 ms later. */
static void
talker_send (Talker *talker,
             gint64  capture_us)
{
  gint16 pcm[FRAME];
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) packet = NULL;

  for (guint i = 0; i < FRAME; i++)
    {
      double t = (double) (talker->sequence * FRAME + i) / 48000.0;

      pcm[i] = talker->talking
               ? (gint16) lrint (talker->amplitude * 32767.0 * sin (2 * G_PI * talker->frequency * t))
               : 0;
    }
  packet = px_voice_encoder_encode (talker->encoder, pcm, FRAME, &error);
  g_assert_no_error (error);
  px_jitter_buffer_push (talker->buffer, talker->sequence++, capture_us, capture_us + 30 * MS,
                         g_bytes_get_data (packet, NULL), g_bytes_get_size (packet));
}

/* Power of @frequency in @samples (Goertzel), as an amplitude 0..1. */
static double
tone_amplitude (const gint16 *samples,
                guint         n,
                double        frequency)
{
  double coeff = 2.0 * cos (2.0 * G_PI * frequency / 48000.0);
  double s1 = 0.0, s2 = 0.0;

  for (guint i = 0; i < n; i++)
    {
      double s0 = samples[i] / 32768.0 + coeff * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
  return 2.0 * sqrt (s1 * s1 + s2 * s2 - coeff * s1 * s2) / n;
}

typedef struct
{
  double a440;
  double a1000;
  gint peak;
} Heard;

/* Runs @ms of the call from @start_us; measures the last 200 ms. */
static Heard
run (PxAudioMixer *mixer,
     Talker       *talkers,
     guint         n_talkers,
     gint64       *now_us,
     guint         ms)
{
  g_autofree gint16 *out = g_new0 (gint16, 48 * ms);
  Heard heard = { 0 };
  guint tail = 48 * 200;

  g_assert_cmpuint (ms, >=, 200);
  for (guint block = 0; block < ms / 10; block++)
    {
      if (*now_us % (20 * MS) == 0)
        for (guint t = 0; t < n_talkers; t++)
          talker_send (&talkers[t], *now_us);
      px_audio_mixer_mix (mixer, *now_us, out + block * 480, 480);
      *now_us += 10 * MS;
    }

  heard.a440 = tone_amplitude (out + 48 * ms - tail, tail, 440.0);
  heard.a1000 = tone_amplitude (out + 48 * ms - tail, tail, 1000.0);
  for (guint i = 48 * ms - tail; i < 48 * ms; i++)
    heard.peak = MAX (heard.peak, ABS ((gint) out[i]));
  return heard;
}

static void
test_mix_mute_volume (void)
{
  g_autoptr(PxAudioMixer) mixer = px_audio_mixer_new ();
  Talker talkers[2];
  gint64 now = 0;
  Heard heard;

  talker_init (&talkers[0], 440.0, 0.25);
  talker_init (&talkers[1], 1000.0, 0.25);
  px_audio_mixer_add (mixer, 1, talkers[0].buffer);
  px_audio_mixer_add (mixer, 2, talkers[1].buffer);

  heard = run (mixer, talkers, 2, &now, 1000);
  g_test_message ("both: 440 Hz %.3f, 1000 Hz %.3f", heard.a440, heard.a1000);
  g_assert_cmpfloat (heard.a440, >, 0.18);
  g_assert_cmpfloat (heard.a1000, >, 0.18);
  g_assert_true (px_audio_mixer_get_speaking (mixer, 1));
  g_assert_true (px_audio_mixer_get_speaking (mixer, 2));
  g_assert_cmpfloat (px_audio_mixer_get_level (mixer, 1), >, 0.5);

  px_audio_mixer_set_muted (mixer, 1, TRUE);
  g_assert_true (px_audio_mixer_get_muted (mixer, 1));
  heard = run (mixer, talkers, 2, &now, 300);
  g_test_message ("1 muted: 440 Hz %.3f, 1000 Hz %.3f", heard.a440, heard.a1000);
  g_assert_cmpfloat (heard.a440, <, 0.01);
  g_assert_cmpfloat (heard.a1000, >, 0.18);
  /* Muted locally, still measured. */
  g_assert_true (px_audio_mixer_get_speaking (mixer, 1));

  px_audio_mixer_set_muted (mixer, 1, FALSE);
  px_audio_mixer_set_volume (mixer, 2, 0.5);
  g_assert_cmpfloat (px_audio_mixer_get_volume (mixer, 2), ==, 0.5);
  heard = run (mixer, talkers, 2, &now, 300);
  g_test_message ("2 at half volume: 440 Hz %.3f, 1000 Hz %.3f", heard.a440, heard.a1000);
  g_assert_cmpfloat (heard.a1000 / heard.a440, >, 0.4);
  g_assert_cmpfloat (heard.a1000 / heard.a440, <, 0.6);

  /* Unknown participants and silly values are harmless. */
  px_audio_mixer_set_volume (mixer, 99, 2.0);
  px_audio_mixer_set_volume (mixer, 2, NAN);
  g_assert_cmpfloat (px_audio_mixer_get_volume (mixer, 2), ==, 1.0);
  px_audio_mixer_set_volume (mixer, 2, -3.0);
  g_assert_cmpfloat (px_audio_mixer_get_volume (mixer, 2), ==, 0.0);
  g_assert_false (px_audio_mixer_get_speaking (mixer, 99));

  px_audio_mixer_remove (mixer, 1);
  heard = run (mixer, talkers, 2, &now, 300);
  g_assert_cmpfloat (heard.a440, <, 0.01);

  talker_clear (&talkers[0]);
  talker_clear (&talkers[1]);
}

static void
test_soft_clipping (void)
{
  g_autoptr(PxAudioMixer) mixer = px_audio_mixer_new ();
  Talker talkers[3];
  gint64 now = 0;
  Heard heard;

  for (guint t = 0; t < 3; t++)
    {
      talker_init (&talkers[t], t == 0 ? 440.0 : 1000.0, 0.7);
      px_audio_mixer_add (mixer, t, talkers[t].buffer);
    }

  /* Three loud voices add up to about twice full scale: bent, not cut. */
  heard = run (mixer, talkers, 3, &now, 600);
  g_test_message ("three loud voices: peak %d, 440 Hz %.3f, 1000 Hz %.3f",
                  heard.peak, heard.a440, heard.a1000);
  g_assert_cmpint (heard.peak, <, 32767);
  g_assert_cmpint (heard.peak, >, 25000);
  g_assert_cmpfloat (heard.a440, >, 0.2);

  for (guint t = 0; t < 3; t++)
    talker_clear (&talkers[t]);
}

static void
test_speaking_indicator (void)
{
  g_autoptr(PxAudioMixer) mixer = px_audio_mixer_new ();
  Talker talkers[2];
  gint64 now = 0;

  talker_init (&talkers[0], 440.0, 0.1);
  talker_init (&talkers[1], 440.0, 0.1);
  talkers[1].talking = FALSE;
  px_audio_mixer_add (mixer, 1, talkers[0].buffer);
  px_audio_mixer_add (mixer, 2, talkers[1].buffer);

  run (mixer, talkers, 2, &now, 600);
  g_assert_true (px_audio_mixer_get_speaking (mixer, 1));
  g_assert_false (px_audio_mixer_get_speaking (mixer, 2));
  g_assert_cmpfloat (px_audio_mixer_get_level (mixer, 2), <, 0.1);

  /* A short pause keeps the indicator on (hangover)… */
  talkers[0].talking = FALSE;
  run (mixer, talkers, 2, &now, 200);
  g_assert_true (px_audio_mixer_get_speaking (mixer, 1));
  /* …a long one turns it off. */
  run (mixer, talkers, 2, &now, 600);
  g_assert_false (px_audio_mixer_get_speaking (mixer, 1));

  talker_clear (&talkers[0]);
  talker_clear (&talkers[1]);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/media/mixer/mix-mute-volume", test_mix_mute_volume);
  g_test_add_func ("/media/mixer/soft-clipping", test_soft_clipping);
  g_test_add_func ("/media/mixer/speaking-indicator", test_speaking_indicator);

  return g_test_run ();
}
