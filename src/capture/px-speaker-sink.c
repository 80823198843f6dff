/* px-speaker-sink.c: 48 kHz mono audio to a speaker
 *
 * The playback face of PxAudioStream, which does the PipeWire work and
 * carries the "state" property and the "ended" signal.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "px-speaker-sink.h"

struct _PxSpeakerSink
{
  PxAudioStream parent_instance;
};

G_DEFINE_FINAL_TYPE (PxSpeakerSink, px_speaker_sink, PX_TYPE_AUDIO_STREAM)

static void
px_speaker_sink_class_init (PxSpeakerSinkClass *klass)
{
}

static void
px_speaker_sink_init (PxSpeakerSink *self)
{
}

PxSpeakerSink *
px_speaker_sink_new (PxPipewireConnection *connection,
                     const char           *device)
{
  PxSpeakerSink *self = g_object_new (PX_TYPE_SPEAKER_SINK, NULL);

  px_audio_stream_construct (PX_AUDIO_STREAM (self), connection, FALSE, device);

  return self;
}

/* The rest keep the speaker's own names for callers; the stream does the work. */

gboolean
px_speaker_sink_start (PxSpeakerSink  *self,
                       GError        **error)
{
  g_return_val_if_fail (PX_IS_SPEAKER_SINK (self), FALSE);
  return px_audio_stream_start (PX_AUDIO_STREAM (self), error);
}

void
px_speaker_sink_stop (PxSpeakerSink *self)
{
  g_return_if_fail (PX_IS_SPEAKER_SINK (self));
  px_audio_stream_stop (PX_AUDIO_STREAM (self));
}

void
px_speaker_sink_get_level (PxSpeakerSink *self,
                           float         *rms,
                           float         *peak)
{
  g_return_if_fail (PX_IS_SPEAKER_SINK (self));
  px_audio_stream_get_level (PX_AUDIO_STREAM (self), rms, peak);
}

PxAudioStreamState
px_speaker_sink_get_state (PxSpeakerSink *self)
{
  g_return_val_if_fail (PX_IS_SPEAKER_SINK (self), PX_AUDIO_STREAM_STATE_IDLE);
  return px_audio_stream_get_state (PX_AUDIO_STREAM (self));
}

const GError *
px_speaker_sink_get_error (PxSpeakerSink *self)
{
  g_return_val_if_fail (PX_IS_SPEAKER_SINK (self), NULL);
  return px_audio_stream_get_error (PX_AUDIO_STREAM (self));
}

guint
px_speaker_sink_write (PxSpeakerSink *self,
                       const float   *samples,
                       guint          n)
{
  g_return_val_if_fail (PX_IS_SPEAKER_SINK (self), 0);
  return px_audio_stream_write (PX_AUDIO_STREAM (self), samples, n);
}

guint
px_speaker_sink_get_queued (PxSpeakerSink *self)
{
  g_return_val_if_fail (PX_IS_SPEAKER_SINK (self), 0);
  return px_audio_stream_get_queued (PX_AUDIO_STREAM (self));
}
