/* px-speaker-sink.h: 48 kHz mono audio to a speaker
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "px-audio-stream.h"

G_BEGIN_DECLS

#define PX_TYPE_SPEAKER_SINK (px_speaker_sink_get_type ())

G_DECLARE_FINAL_TYPE (PxSpeakerSink, px_speaker_sink, PX, SPEAKER_SINK, PxAudioStream)

/* Plays 48 kHz mono float samples on the speaker whose node.name is
 * @device (NULL: the default one, followed when it changes), with
 * media.role Communication, in 10 ms periods; silence when nothing is
 * queued. @connection NULL: the shared audio connection. */
PxSpeakerSink      *px_speaker_sink_new            (PxPipewireConnection *connection,
                                                    const char           *device);

gboolean            px_speaker_sink_start          (PxSpeakerSink        *self,
                                                    GError              **error);
void                px_speaker_sink_stop           (PxSpeakerSink        *self);

/* Queues up to @n samples for playback (from one thread at a time);
 * returns how many fitted (up to two seconds may wait). */
guint               px_speaker_sink_write          (PxSpeakerSink        *self,
                                                    const float          *samples,
                                                    guint                 n);

/* Samples queued and not yet played. */
guint               px_speaker_sink_get_queued     (PxSpeakerSink        *self);

/* The level of what is being played: RMS of the latest period and the
 * peak since the last call, 0 to 1. Any thread. */
void                px_speaker_sink_get_level      (PxSpeakerSink        *self,
                                                    float                *rms,
                                                    float                *peak);

PxAudioStreamState  px_speaker_sink_get_state      (PxSpeakerSink        *self);
const GError       *px_speaker_sink_get_error      (PxSpeakerSink        *self);

G_END_DECLS
