/* px-audio-mixer.c: every remote voice into the speaker stream
 *
 * Voices are summed in floating point. A sum within ±0.5 of full scale
 * passes untouched; above that a tanh knee bends it smoothly towards full
 * scale, so two loud talkers at once come out loud, not clipped square.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "media/px-audio-mixer.h"

#define MAX_BLOCK          4800
#define KNEE               0.5
#define SPEAKING_DBFS      (-45.0)
#define ATTACK_BLOCKS      2
#define HANGOVER_US        (300 * 1000)
#define LEVEL_FLOOR_DBFS   (-60.0)

typedef struct
{
  PxJitterBuffer *buffer;
  gboolean muted;
  double volume;
  double level;            /* smoothed, 0..1 */
  guint loud_blocks;
  gboolean speaking;
  gint64 last_loud_us;
} Voice;

struct _PxAudioMixer
{
  GObject parent_instance;

  GMutex lock;
  GHashTable *voices;      /* participant → Voice */
  float sum[MAX_BLOCK];
  gint16 block[MAX_BLOCK];
};

G_DEFINE_FINAL_TYPE (PxAudioMixer, px_audio_mixer, G_TYPE_OBJECT)

static void
voice_free (gpointer data)
{
  Voice *voice = data;

  g_clear_object (&voice->buffer);
  g_free (voice);
}

static void
px_audio_mixer_finalize (GObject *object)
{
  PxAudioMixer *self = PX_AUDIO_MIXER (object);

  g_clear_pointer (&self->voices, g_hash_table_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (px_audio_mixer_parent_class)->finalize (object);
}

static void
px_audio_mixer_class_init (PxAudioMixerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = px_audio_mixer_finalize;
}

static void
px_audio_mixer_init (PxAudioMixer *self)
{
  g_mutex_init (&self->lock);
  self->voices = g_hash_table_new_full (NULL, NULL, NULL, voice_free);
}

PxAudioMixer *
px_audio_mixer_new (void)
{
  return g_object_new (PX_TYPE_AUDIO_MIXER, NULL);
}

void
px_audio_mixer_add (PxAudioMixer   *self,
                    guint           participant,
                    PxJitterBuffer *buffer)
{
  Voice *voice;

  g_return_if_fail (PX_IS_AUDIO_MIXER (self));
  g_return_if_fail (PX_IS_JITTER_BUFFER (buffer));

  voice = g_new0 (Voice, 1);
  voice->buffer = g_object_ref (buffer);
  voice->volume = 1.0;

  g_mutex_lock (&self->lock);
  g_hash_table_replace (self->voices, GUINT_TO_POINTER (participant), voice);
  g_mutex_unlock (&self->lock);
}

void
px_audio_mixer_remove (PxAudioMixer *self,
                       guint         participant)
{
  g_return_if_fail (PX_IS_AUDIO_MIXER (self));

  g_mutex_lock (&self->lock);
  g_hash_table_remove (self->voices, GUINT_TO_POINTER (participant));
  g_mutex_unlock (&self->lock);
}

void
px_audio_mixer_set_muted (PxAudioMixer *self,
                          guint         participant,
                          gboolean      muted)
{
  Voice *voice;

  g_return_if_fail (PX_IS_AUDIO_MIXER (self));

  g_mutex_lock (&self->lock);
  voice = g_hash_table_lookup (self->voices, GUINT_TO_POINTER (participant));
  if (voice != NULL)
    voice->muted = !!muted;
  g_mutex_unlock (&self->lock);
}

gboolean
px_audio_mixer_get_muted (PxAudioMixer *self,
                          guint         participant)
{
  Voice *voice;
  gboolean muted = FALSE;

  g_return_val_if_fail (PX_IS_AUDIO_MIXER (self), FALSE);

  g_mutex_lock (&self->lock);
  voice = g_hash_table_lookup (self->voices, GUINT_TO_POINTER (participant));
  if (voice != NULL)
    muted = voice->muted;
  g_mutex_unlock (&self->lock);
  return muted;
}

void
px_audio_mixer_set_volume (PxAudioMixer *self,
                           guint         participant,
                           double        volume)
{
  Voice *voice;

  g_return_if_fail (PX_IS_AUDIO_MIXER (self));

  if (isnan (volume))
    volume = 1.0;

  g_mutex_lock (&self->lock);
  voice = g_hash_table_lookup (self->voices, GUINT_TO_POINTER (participant));
  if (voice != NULL)
    voice->volume = CLAMP (volume, 0.0, 4.0);
  g_mutex_unlock (&self->lock);
}

double
px_audio_mixer_get_volume (PxAudioMixer *self,
                           guint         participant)
{
  Voice *voice;
  double volume = 1.0;

  g_return_val_if_fail (PX_IS_AUDIO_MIXER (self), 1.0);

  g_mutex_lock (&self->lock);
  voice = g_hash_table_lookup (self->voices, GUINT_TO_POINTER (participant));
  if (voice != NULL)
    volume = voice->volume;
  g_mutex_unlock (&self->lock);
  return volume;
}

static float
soft_clip (float x)
{
  float magnitude = fabsf (x);

  if (magnitude <= KNEE)
    return x;
  /* tanh continues the line with slope 1 at the knee and never passes 1. */
  magnitude = KNEE + (1.0f - KNEE) * tanhf ((magnitude - KNEE) / (1.0f - KNEE));
  return x < 0 ? -magnitude : magnitude;
}

static void
measure (Voice        *voice,
         gint64        now_us,
         const gint16 *samples,
         guint         n_samples,
         gboolean      playing)
{
  double sum = 0.0;
  double dbfs;
  double scaled;

  if (playing)
    for (guint i = 0; i < n_samples; i++)
      sum += (double) samples[i] * samples[i];

  dbfs = sum > 0.0 ? 10.0 * log10 (sum / n_samples / (32768.0 * 32768.0)) : -120.0;
  scaled = CLAMP ((dbfs - LEVEL_FLOOR_DBFS) / -LEVEL_FLOOR_DBFS, 0.0, 1.0);
  /* Fast up, slow down, as a meter's needle. */
  voice->level = scaled > voice->level ? scaled : 0.8 * voice->level + 0.2 * scaled;

  if (dbfs > SPEAKING_DBFS)
    {
      voice->loud_blocks++;
      if (voice->loud_blocks >= ATTACK_BLOCKS)
        {
          voice->speaking = TRUE;
          voice->last_loud_us = now_us;
        }
    }
  else
    {
      voice->loud_blocks = 0;
      if (voice->speaking && now_us - voice->last_loud_us > HANGOVER_US)
        voice->speaking = FALSE;
    }
}

void
px_audio_mixer_mix (PxAudioMixer *self,
                    gint64        now_us,
                    gint16       *samples,
                    guint         n_samples)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (PX_IS_AUDIO_MIXER (self));
  g_return_if_fail (samples != NULL || n_samples == 0);

  /* Longer blocks than the buffers hold are mixed piece by piece. */
  while (n_samples > MAX_BLOCK)
    {
      px_audio_mixer_mix (self, now_us, samples, MAX_BLOCK);
      samples += MAX_BLOCK;
      n_samples -= MAX_BLOCK;
      now_us += (gint64) MAX_BLOCK * G_USEC_PER_SEC / 48000;
    }

  g_mutex_lock (&self->lock);

  memset (self->sum, 0, n_samples * sizeof *self->sum);
  g_hash_table_iter_init (&iter, self->voices);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Voice *voice = value;
      gboolean playing;
      float gain;

      playing = px_jitter_buffer_pull (voice->buffer, now_us, self->block, n_samples, NULL);
      measure (voice, now_us, self->block, n_samples, playing);
      if (!playing || voice->muted || voice->volume <= 0.0)
        continue;

      gain = (float) voice->volume / 32768.0f;
      for (guint i = 0; i < n_samples; i++)
        self->sum[i] += self->block[i] * gain;
    }

  for (guint i = 0; i < n_samples; i++)
    samples[i] = (gint16) lrintf (soft_clip (self->sum[i]) * 32767.0f);

  g_mutex_unlock (&self->lock);
}

static Voice *
lookup (PxAudioMixer *self,
        guint         participant)
{
  return g_hash_table_lookup (self->voices, GUINT_TO_POINTER (participant));
}

double
px_audio_mixer_get_level (PxAudioMixer *self,
                          guint         participant)
{
  Voice *voice;
  double level = 0.0;

  g_return_val_if_fail (PX_IS_AUDIO_MIXER (self), 0.0);

  g_mutex_lock (&self->lock);
  voice = lookup (self, participant);
  if (voice != NULL)
    level = voice->level;
  g_mutex_unlock (&self->lock);
  return level;
}

gboolean
px_audio_mixer_get_speaking (PxAudioMixer *self,
                             guint         participant)
{
  Voice *voice;
  gboolean speaking = FALSE;

  g_return_val_if_fail (PX_IS_AUDIO_MIXER (self), FALSE);

  g_mutex_lock (&self->lock);
  voice = lookup (self, participant);
  if (voice != NULL)
    speaking = voice->speaking;
  g_mutex_unlock (&self->lock);
  return speaking;
}
