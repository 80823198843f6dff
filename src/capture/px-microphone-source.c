/* px-microphone-source.c: 48 kHz mono audio from a microphone
 *
 * The capture face of PxAudioStream, which does the PipeWire work and
 * carries the "state" property and the "ended" signal.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "px-microphone-source.h"

struct _PxMicrophoneSource
{
  PxAudioStream parent_instance;
};

G_DEFINE_FINAL_TYPE (PxMicrophoneSource, px_microphone_source, PX_TYPE_AUDIO_STREAM)

static void
px_microphone_source_class_init (PxMicrophoneSourceClass *klass)
{
}

static void
px_microphone_source_init (PxMicrophoneSource *self)
{
}

PxMicrophoneSource *
px_microphone_source_new (PxPipewireConnection *connection,
                          const char           *device)
{
  PxMicrophoneSource *self = g_object_new (PX_TYPE_MICROPHONE_SOURCE, NULL);

  px_audio_stream_construct (PX_AUDIO_STREAM (self), connection, TRUE, device);

  return self;
}

/* The rest keep the microphone's own names for callers; the stream does the work. */

gboolean
px_microphone_source_start (PxMicrophoneSource  *self,
                            GError             **error)
{
  g_return_val_if_fail (PX_IS_MICROPHONE_SOURCE (self), FALSE);
  return px_audio_stream_start (PX_AUDIO_STREAM (self), error);
}

void
px_microphone_source_stop (PxMicrophoneSource *self)
{
  g_return_if_fail (PX_IS_MICROPHONE_SOURCE (self));
  px_audio_stream_stop (PX_AUDIO_STREAM (self));
}

void
px_microphone_source_get_level (PxMicrophoneSource *self,
                                float              *rms,
                                float              *peak)
{
  g_return_if_fail (PX_IS_MICROPHONE_SOURCE (self));
  px_audio_stream_get_level (PX_AUDIO_STREAM (self), rms, peak);
}

PxAudioStreamState
px_microphone_source_get_state (PxMicrophoneSource *self)
{
  g_return_val_if_fail (PX_IS_MICROPHONE_SOURCE (self), PX_AUDIO_STREAM_STATE_IDLE);
  return px_audio_stream_get_state (PX_AUDIO_STREAM (self));
}

const GError *
px_microphone_source_get_error (PxMicrophoneSource *self)
{
  g_return_val_if_fail (PX_IS_MICROPHONE_SOURCE (self), NULL);
  return px_audio_stream_get_error (PX_AUDIO_STREAM (self));
}

guint
px_microphone_source_read (PxMicrophoneSource *self,
                           float              *samples,
                           guint               n)
{
  g_return_val_if_fail (PX_IS_MICROPHONE_SOURCE (self), 0);
  return px_audio_stream_read (PX_AUDIO_STREAM (self), samples, n);
}

void
px_microphone_source_flush (PxMicrophoneSource *self)
{
  g_return_if_fail (PX_IS_MICROPHONE_SOURCE (self));
  px_audio_stream_flush (PX_AUDIO_STREAM (self));
}
