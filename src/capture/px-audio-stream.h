/* px-audio-stream.h: the PipeWire side of the microphone and the speaker
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "px-pipewire-connection.h"

G_BEGIN_DECLS

/* Everything is 48 kHz, mono, 32-bit float, in 10 ms periods. */
#define PX_AUDIO_RATE 48000
#define PX_AUDIO_PERIOD_FRAMES 480

typedef enum
{
  PX_AUDIO_STREAM_STATE_IDLE,     /* not started, or stopped */
  PX_AUDIO_STREAM_STATE_WAITING,  /* started; waiting for PipeWire or the device */
  PX_AUDIO_STREAM_STATE_RUNNING,
  PX_AUDIO_STREAM_STATE_ENDED,    /* the chosen device went away or failed */
} PxAudioStreamState;

#define PX_TYPE_AUDIO_STREAM_STATE (px_audio_stream_state_get_type ())
GType px_audio_stream_state_get_type (void) G_GNUC_CONST;

#define PX_TYPE_AUDIO_STREAM (px_audio_stream_get_type ())

/* The base of PxMicrophoneSource and PxSpeakerSink, which hold no state of
 * their own. Properties: "state" (PxAudioStreamState). Signals: "ended"
 * (const GError *), when the chosen device went away or failed. */
G_DECLARE_DERIVABLE_TYPE (PxAudioStream, px_audio_stream, PX, AUDIO_STREAM, GObject)

struct _PxAudioStreamClass
{
  GObjectClass parent_class;
};

/* For subclasses, once, right after g_object_new(). @capture TRUE: from a
 * microphone (or a speaker's monitor) into the ring; FALSE: from the ring
 * to a speaker. @device NULL: the default device, followed when the
 * default changes. A named device that goes away ends the stream.
 * @connection NULL: the shared audio connection. */
void                px_audio_stream_construct  (PxAudioStream        *self,
                                                PxPipewireConnection *connection,
                                                gboolean              capture,
                                                const char           *device);

gboolean            px_audio_stream_start      (PxAudioStream        *self,
                                                GError              **error);
void                px_audio_stream_stop       (PxAudioStream        *self);

/* Capture: takes up to @n samples; playback: queues up to @n samples.
 * Returns how many. One thread at a time on this side. */
guint               px_audio_stream_read       (PxAudioStream        *self,
                                                float                *samples,
                                                guint                 n);
guint               px_audio_stream_write      (PxAudioStream        *self,
                                                const float          *samples,
                                                guint                 n);

/* Capture: drops what waits; playback: how many samples are queued. */
void                px_audio_stream_flush      (PxAudioStream        *self);
guint               px_audio_stream_get_queued (PxAudioStream        *self);

/* The RMS of the latest period and the peak since the previous call, 0–1. */
void                px_audio_stream_get_level  (PxAudioStream        *self,
                                                float                *rms,
                                                float                *peak);

PxAudioStreamState  px_audio_stream_get_state  (PxAudioStream        *self);
const GError       *px_audio_stream_get_error  (PxAudioStream        *self);
const char         *px_audio_stream_get_device (PxAudioStream        *self);

/* Periods handled on the PipeWire thread so far. */
guint64             px_audio_stream_get_n_periods (PxAudioStream     *self);

G_END_DECLS
