/* px-voice-decoder.h: Opus for one remote voice
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Most samples one Opus packet can hold (120 ms at 48 kHz). */
#define PX_VOICE_MAX_FRAME_SAMPLES 5760

#define PX_TYPE_VOICE_DECODER (px_voice_decoder_get_type ())

G_DECLARE_FINAL_TYPE (PxVoiceDecoder, px_voice_decoder, PX, VOICE_DECODER, GObject)

/* A decoder for 48 kHz mono, 16-bit samples. */
PxVoiceDecoder *px_voice_decoder_new            (GError         **error);

/* How many samples @data decodes to, or -1 when it is not an Opus packet
 * this decoder takes (empty, malformed, longer than 120 ms). */
int             px_voice_decoder_packet_samples (const guint8    *data,
                                                 gsize            size);

/* Decodes one packet into @samples (room for @max_samples). Returns the
 * samples written, or -1 with @error set; a damaged packet leaves the
 * decoder usable (conceal the frame instead). */
int             px_voice_decoder_decode         (PxVoiceDecoder  *self,
                                                 const guint8    *data,
                                                 gsize            size,
                                                 gint16          *samples,
                                                 guint            max_samples,
                                                 GError         **error);

/* Fills @n_samples (a multiple of 2.5 ms, at most 120 ms) with packet loss
 * concealment continuing the voice. Returns the samples written. */
int             px_voice_decoder_conceal        (PxVoiceDecoder  *self,
                                                 gint16          *samples,
                                                 guint            n_samples);

/* Rebuilds a lost frame of @n_samples from the in-band FEC carried by the
 * packet that followed it (@data), falling back to concealment when that
 * packet has none. Decode @data itself afterwards as usual. */
int             px_voice_decoder_recover        (PxVoiceDecoder  *self,
                                                 const guint8    *data,
                                                 gsize            size,
                                                 gint16          *samples,
                                                 guint            n_samples);

/* Whether a packet may carry in-band FEC at all: only SILK and hybrid
 * packets do (CELT-only packets never). */
gboolean        px_voice_decoder_packet_may_carry_fec (const guint8 *data,
                                                       gsize         size);

G_END_DECLS
