/* px-audio-mixer.h: every remote voice into the speaker stream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "media/px-jitter-buffer.h"

G_BEGIN_DECLS

/* The speaker stream takes blocks of 10 ms. */
#define PX_AUDIO_MIXER_BLOCK_SAMPLES 480

#define PX_TYPE_AUDIO_MIXER (px_audio_mixer_get_type ())

G_DECLARE_FINAL_TYPE (PxAudioMixer, px_audio_mixer, PX, AUDIO_MIXER, GObject)

PxAudioMixer *px_audio_mixer_new            (void);

/* Adds the voice of @participant, played from @buffer (the mixer holds a
 * reference). Replaces an earlier buffer for the same participant. */
void          px_audio_mixer_add            (PxAudioMixer   *self,
                                             guint           participant,
                                             PxJitterBuffer *buffer);
void          px_audio_mixer_remove         (PxAudioMixer   *self,
                                             guint           participant);

/* Local mute: the participant's voice stays out of the mix (it is still
 * measured, so the speaking indicator keeps working). */
void          px_audio_mixer_set_muted      (PxAudioMixer   *self,
                                             guint           participant,
                                             gboolean        muted);
gboolean      px_audio_mixer_get_muted      (PxAudioMixer   *self,
                                             guint           participant);

/* Gain, 0.0 (silent) to 4.0; 1.0 leaves the voice as it came. */
void          px_audio_mixer_set_volume     (PxAudioMixer   *self,
                                             guint           participant,
                                             double          volume);
double        px_audio_mixer_get_volume     (PxAudioMixer   *self,
                                             guint           participant);

/* Pulls @n_samples from every voice for playing from @now_us (local
 * monotonic), mixes them into @samples with soft clipping, and updates the
 * levels. Call from the audio thread; the other calls are thread-safe. */
void          px_audio_mixer_mix            (PxAudioMixer   *self,
                                             gint64          now_us,
                                             gint16         *samples,
                                             guint           n_samples);

/* The participant's voice level: 0.0 (silence) to 1.0 (full scale),
 * a smoothed RMS on a -60..0 dBFS scale, for a level meter. */
double        px_audio_mixer_get_level      (PxAudioMixer   *self,
                                             guint           participant);

/* Whether the participant is speaking: the level crossed the threshold
 * for two blocks in a row, and it stays TRUE for 300 ms after the voice
 * falls quiet so the indicator does not flicker between words. */
gboolean      px_audio_mixer_get_speaking   (PxAudioMixer   *self,
                                             guint           participant);

G_END_DECLS
