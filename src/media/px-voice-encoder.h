/* px-voice-encoder.h: Opus for the microphone
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Voice runs at 48 kHz, mono, signed 16-bit samples. */
#define PX_VOICE_SAMPLE_RATE 48000
#define PX_VOICE_MIN_BITRATE 16
#define PX_VOICE_MAX_BITRATE 48
#define PX_VOICE_DEFAULT_BITRATE 32
/* Largest packet the encoder makes (Opus's own bound for one frame). */
#define PX_VOICE_MAX_PACKET 1275

#define PX_TYPE_VOICE_ENCODER (px_voice_encoder_get_type ())

G_DECLARE_FINAL_TYPE (PxVoiceEncoder, px_voice_encoder, PX, VOICE_ENCODER, GObject)

/* An encoder of @frame_ms frames (10 or 20) at the default bitrate, with
 * discontinuous transmission on and in-band FEC off until loss is
 * reported. */
PxVoiceEncoder *px_voice_encoder_new                (guint            frame_ms,
                                                     GError         **error);

guint           px_voice_encoder_get_frame_ms       (PxVoiceEncoder  *self);
/* Samples in one frame: 480 or 960. */
guint           px_voice_encoder_get_frame_samples  (PxVoiceEncoder  *self);

/* Clamped to 16–48 kbit/s. */
void            px_voice_encoder_set_bitrate        (PxVoiceEncoder  *self,
                                                     guint            bitrate_kbps);
guint           px_voice_encoder_get_bitrate        (PxVoiceEncoder  *self);

/* The loss receivers report, in percent (0–100). Above zero it switches
 * in-band FEC on and tells Opus how much to protect; zero switches it off. */
void            px_voice_encoder_set_packet_loss    (PxVoiceEncoder  *self,
                                                     guint            percent);
gboolean        px_voice_encoder_get_fec            (PxVoiceEncoder  *self);

/* Encodes exactly one frame of samples. Returns the packet, or NULL with
 * @error set. A packet of one or two bytes is discontinuous transmission
 * (silence): the sender may leave it unsent; receivers conceal the gap. */
GBytes         *px_voice_encoder_encode             (PxVoiceEncoder  *self,
                                                     const gint16    *samples,
                                                     guint            n_samples,
                                                     GError         **error);

/* Whether a packet is only a discontinuous-transmission marker. */
#define PX_VOICE_PACKET_IS_DTX(size) ((size) <= 2)

G_END_DECLS
