/* px-speaker-sink.c: 48 kHz mono audio to a speaker
 *
 * A face on PxAudioStream, which does the PipeWire work.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "px-speaker-sink.h"

struct _PxSpeakerSink
{
  GObject parent_instance;

  PxAudioStream *stream;
};

G_DEFINE_FINAL_TYPE (PxSpeakerSink, px_speaker_sink, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  N_PROPS
};

enum {
  ENDED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
stream_state_cb (PxSpeakerSink *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
stream_ended_cb (PxSpeakerSink     *self,
                 const GError *error)
{
  g_signal_emit (self, signals[ENDED], 0, error);
}

static void
px_speaker_sink_dispose (GObject *object)
{
  PxSpeakerSink *self = (PxSpeakerSink *) object;

  if (self->stream != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->stream, self);
      px_audio_stream_stop (self->stream);
      g_clear_object (&self->stream);
    }

  G_OBJECT_CLASS (px_speaker_sink_parent_class)->dispose (object);
}

static void
px_speaker_sink_get_property (GObject    *object,
                    guint       prop_id,
                    GValue     *value,
                    GParamSpec *pspec)
{
  PxSpeakerSink *self = (PxSpeakerSink *) object;

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, px_audio_stream_get_state (self->stream));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
px_speaker_sink_class_init (PxSpeakerSinkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = px_speaker_sink_dispose;
  object_class->get_property = px_speaker_sink_get_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       PX_TYPE_AUDIO_STREAM_STATE, PX_AUDIO_STREAM_STATE_IDLE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The chosen device went away or failed; the GError says why. */
  signals[ENDED] =
    g_signal_new ("ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
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

  self->stream = px_audio_stream_new (connection, FALSE, device);
  g_signal_connect_swapped (self->stream, "notify::state", G_CALLBACK (stream_state_cb), self);
  g_signal_connect_swapped (self->stream, "ended", G_CALLBACK (stream_ended_cb), self);

  return self;
}

gboolean
px_speaker_sink_start (PxSpeakerSink  *self,
             GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return px_audio_stream_start (self->stream, error);
}

void
px_speaker_sink_stop (PxSpeakerSink *self)
{
  g_return_if_fail (self != NULL);
  px_audio_stream_stop (self->stream);
}

void
px_speaker_sink_get_level (PxSpeakerSink *self,
                 float *rms,
                 float *peak)
{
  g_return_if_fail (self != NULL);
  px_audio_stream_get_level (self->stream, rms, peak);
}

PxAudioStreamState
px_speaker_sink_get_state (PxSpeakerSink *self)
{
  g_return_val_if_fail (self != NULL, PX_AUDIO_STREAM_STATE_IDLE);
  return px_audio_stream_get_state (self->stream);
}

const GError *
px_speaker_sink_get_error (PxSpeakerSink *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return px_audio_stream_get_error (self->stream);
}

guint
px_speaker_sink_write (PxSpeakerSink *self,
                       const float   *samples,
                       guint          n)
{
  g_return_val_if_fail (PX_IS_SPEAKER_SINK (self), 0);
  return px_audio_stream_write (self->stream, samples, n);
}

guint
px_speaker_sink_get_queued (PxSpeakerSink *self)
{
  g_return_val_if_fail (PX_IS_SPEAKER_SINK (self), 0);
  return px_audio_stream_get_queued (self->stream);
}
