/* px-audio-stream.c: the PipeWire side of the microphone and the speaker
 *
 * Samples cross between the PipeWire thread and the caller through a
 * lock-free single-producer single-consumer ring (px-audio-ring.c); the
 * level meter is two atomics. Opening, reopening after a daemon restart and
 * ending happen on the connection's main context, as for cameras (see
 * px-pipewire-connection.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include <pipewire/pipewire.h>
#include <spa/param/audio/format-utils.h>
#include <spa/pod/builder.h>

#include "px-audio-ring.h"
#include "px-audio-stream.h"
#include "px-capture-error.h"
#include "px-pipewire-connection-private.h"

/* Two seconds: room for a slow consumer without unbounded delay. */
#define RING_CAPACITY (PX_AUDIO_RATE * 2)
#define RETURN_TIMEOUT_MS 20000
/* The most one playback period may ask for: 100 ms. */
#define MAX_PERIOD_FRAMES (PX_AUDIO_RATE / 10)

typedef struct
{
  /* Main context. */
  PxPipewireConnection *connection;
  gboolean              capture;
  char                 *device;
  PxAudioStreamState    state;
  GError               *error;
  gulong                handlers[3];  /* px_pipewire_connection_follow() */
  GSource              *timeout;

  /* Any thread. */
  PxAudioRing          *ring;
  _Atomic guint32       rms_bits;
  _Atomic guint32       peak_bits;
  _Atomic guint64       n_periods;

  /* PipeWire thread (or under the loop lock). */
  struct pw_stream     *stream;
  struct spa_hook       stream_listener;
  guint                 stream_generation;
} PxAudioStreamPrivate;

/* Abstract: PxMicrophoneSource and PxSpeakerSink are its two faces. */
G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (PxAudioStream, px_audio_stream, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (PxAudioStreamState, px_audio_stream_state,
                    G_DEFINE_ENUM_VALUE (PX_AUDIO_STREAM_STATE_IDLE, "idle"),
                    G_DEFINE_ENUM_VALUE (PX_AUDIO_STREAM_STATE_WAITING, "waiting"),
                    G_DEFINE_ENUM_VALUE (PX_AUDIO_STREAM_STATE_RUNNING, "running"),
                    G_DEFINE_ENUM_VALUE (PX_AUDIO_STREAM_STATE_ENDED, "ended"))

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

static void try_open (PxAudioStream *self);

static guint32
float_bits (float value)
{
  guint32 bits;

  memcpy (&bits, &value, sizeof bits);
  return bits;
}

static float
bits_float (guint32 bits)
{
  float value;

  memcpy (&value, &bits, sizeof value);
  return value;
}

static void
record_level (PxAudioStream *self,
              const float   *samples,
              guint          n)
{
  PxAudioStreamPrivate *priv = px_audio_stream_get_instance_private (self);
  float rms, peak;
  guint32 peak_bits, old;

  px_audio_measure_level (samples, n, &rms, &peak);
  atomic_store_explicit (&priv->rms_bits, float_bits (rms), memory_order_relaxed);
  /* Non-negative floats order like their bit patterns: an integer max. */
  peak_bits = float_bits (peak);
  old = atomic_load_explicit (&priv->peak_bits, memory_order_relaxed);
  while (peak_bits > old &&
         !atomic_compare_exchange_weak_explicit (&priv->peak_bits, &old, peak_bits,
                                                 memory_order_relaxed, memory_order_relaxed))
    ;
  atomic_fetch_add_explicit (&priv->n_periods, 1, memory_order_relaxed);
}

/* Events from the PipeWire thread ---------------------------------------------------------- */

typedef struct
{
  PxAudioStream        *self;
  guint                 generation;
  enum pw_stream_state  state;
  char                 *message;
} Event;

static void
event_free (gpointer data)
{
  Event *event = data;

  g_object_unref (event->self);
  g_free (event->message);
  g_free (event);
}

static void
set_state (PxAudioStream      *self,
           PxAudioStreamState  state)
{
  PxAudioStreamPrivate *priv = px_audio_stream_get_instance_private (self);

  if (priv->state == state)
    return;
  priv->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
clear_timeout (PxAudioStream *self)
{
  PxAudioStreamPrivate *priv = px_audio_stream_get_instance_private (self);

  px_pipewire_clear_timeout (&priv->timeout);
}

static void
destroy_stream (PxAudioStream *self)
{
  PxAudioStreamPrivate *priv = px_audio_stream_get_instance_private (self);

  px_pipewire_connection_lock (priv->connection);
  px_pipewire_connection_destroy_stream_locked (priv->connection, &priv->stream,
                                                &priv->stream_listener);
  priv->stream_generation++;
  px_pipewire_connection_unlock (priv->connection);
}

static void
end_with_error (PxAudioStream *self,
                GError        *error)
{
  PxAudioStreamPrivate *priv = px_audio_stream_get_instance_private (self);

  if (priv->state == PX_AUDIO_STREAM_STATE_ENDED || priv->state == PX_AUDIO_STREAM_STATE_IDLE)
    {
      g_error_free (error);
      return;
    }

  g_debug ("Audio stream ended: %s", error->message);
  clear_timeout (self);
  destroy_stream (self);
  g_clear_error (&priv->error);
  priv->error = error;
  set_state (self, PX_AUDIO_STREAM_STATE_ENDED);
  g_signal_emit (self, signals[ENDED], 0, priv->error);
}

static gboolean
handle_state_cb (gpointer data)
{
  Event *event = data;
  PxAudioStream *self = event->self;
  PxAudioStreamPrivate *priv = px_audio_stream_get_instance_private (self);

  if (event->generation != priv->stream_generation)
    return G_SOURCE_REMOVE;

  g_debug ("Audio stream %s: %s%s%s", priv->device != NULL ? priv->device : "(default)",
           pw_stream_state_as_string (event->state), event->message != NULL ? ": " : "",
           event->message != NULL ? event->message : "");

  switch (event->state)
    {
    case PW_STREAM_STATE_STREAMING:
    case PW_STREAM_STATE_PAUSED:
      set_state (self, PX_AUDIO_STREAM_STATE_RUNNING);
      break;
    case PW_STREAM_STATE_ERROR:
    case PW_STREAM_STATE_UNCONNECTED:
      if (!px_pipewire_connection_is_alive (priv->connection))
        break;
      end_with_error (self, g_error_new (PX_CAPTURE_ERROR,
                                         event->state == PW_STREAM_STATE_ERROR
                                           ? PX_CAPTURE_ERROR_FAILED
                                           : PX_CAPTURE_ERROR_DISCONNECTED,
                                         "Audio device “%s” stopped: %s",
                                         priv->device != NULL ? priv->device : "default",
                                         event->message != NULL ? event->message : "closed"));
      break;
    case PW_STREAM_STATE_CONNECTING:
    default:
      break;
    }

  return G_SOURCE_REMOVE;
}

/* The PipeWire thread -------------------------------------------------------------------- */

static void
stream_state_changed_cb (void                 *data,
                         enum pw_stream_state  old,
                         enum pw_stream_state  state,
                         const char           *error)
{
  PxAudioStream *self = data;
  PxAudioStreamPrivate *priv = px_audio_stream_get_instance_private (self);
  Event *event = g_new0 (Event, 1);

  event->self = g_object_ref (self);
  event->generation = priv->stream_generation;
  event->state = state;
  event->message = g_strdup (error);
  px_pipewire_connection_post (priv->connection, handle_state_cb, event, event_free);
}

static void
stream_process_cb (void *data)
{
  PxAudioStream *self = data;
  PxAudioStreamPrivate *priv = px_audio_stream_get_instance_private (self);
  struct pw_buffer *buffer;
  struct spa_data *d;

  buffer = pw_stream_dequeue_buffer (priv->stream);
  if (buffer == NULL)
    return;
  d = &buffer->buffer->datas[0];
  if (d->data == NULL)
    {
      pw_stream_queue_buffer (priv->stream, buffer);
      return;
    }

  if (priv->capture)
    {
      guint32 offset = MIN (d->chunk->offset, d->maxsize);
      guint32 size = MIN (d->chunk->size, d->maxsize - offset);
      const float *samples = (const float *) (gpointer) ((guint8 *) d->data + offset);
      guint n = size / sizeof (float);

      record_level (self, samples, n);
      px_audio_ring_write (priv->ring, samples, n);
    }
  else
    {
      guint n = d->maxsize / sizeof (float);
      float *out = d->data;
      guint got;

      if (buffer->requested > 0)
        n = MIN (n, (guint) buffer->requested);
      n = MIN (n, MAX_PERIOD_FRAMES);
      got = px_audio_ring_read (priv->ring, out, n);
      /* An empty queue plays silence rather than stalling the graph. */
      memset (out + got, 0, (n - got) * sizeof (float));
      record_level (self, out, n);
      d->chunk->offset = 0;
      d->chunk->stride = sizeof (float);
      d->chunk->size = n * sizeof (float);
    }

  pw_stream_queue_buffer (priv->stream, buffer);
}

static const struct pw_stream_events stream_events = {
  PW_VERSION_STREAM_EVENTS,
  .state_changed = stream_state_changed_cb,
  .process = stream_process_cb,
};

/* The main context ------------------------------------------------------------------------ */

static gboolean
return_timeout_cb (gpointer data)
{
  PxAudioStream *self = data;
  PxAudioStreamPrivate *priv = px_audio_stream_get_instance_private (self);

  g_clear_pointer (&priv->timeout, g_source_unref);
  end_with_error (self, g_error_new (PX_CAPTURE_ERROR, PX_CAPTURE_ERROR_DISCONNECTED,
                                     "Audio device “%s” did not come back", priv->device));
  return G_SOURCE_REMOVE;
}

static void
open_stream (PxAudioStream *self)
{
  PxAudioStreamPrivate *priv = px_audio_stream_get_instance_private (self);
  uint8_t buffer[1024];
  struct spa_pod_builder builder = SPA_POD_BUILDER_INIT (buffer, sizeof buffer);
  struct spa_audio_info_raw info = {
    .format = SPA_AUDIO_FORMAT_F32,
    .rate = PX_AUDIO_RATE,
    .channels = 1,
    .position = { SPA_AUDIO_CHANNEL_MONO },
  };
  const struct spa_pod *params[1];
  struct pw_properties *props;
  PxCaptureDevice *target = NULL;
  struct pw_core *core;
  int result = -ENOTCONN;

  params[0] = spa_format_audio_raw_build (&builder, SPA_PARAM_EnumFormat, &info);

  /* A 5 ms quantum: the graph moves audio in 5 ms steps, which takes about
   * 10 ms off the mouth-to-ear delay against 10 ms ones (capture, and the
   * cycle the speaker's samples wait in the graph); the call's speaker
   * queue, not the quantum, guards against underruns. */
  props = pw_properties_new (PW_KEY_MEDIA_TYPE, "Audio",
                             PW_KEY_MEDIA_CATEGORY, priv->capture ? "Capture" : "Playback",
                             PW_KEY_MEDIA_ROLE, "Communication",
                             PW_KEY_NODE_NAME, priv->capture ? "parallax-microphone"
                                                             : "parallax-speaker",
                             PW_KEY_NODE_LATENCY, "240/48000",
                             NULL);
  if (priv->device != NULL)
    {
      target = px_pipewire_connection_find_device (priv->connection, priv->device);
      pw_properties_set (props, PW_KEY_TARGET_OBJECT, priv->device);
      pw_properties_set (props, PW_KEY_NODE_DONT_RECONNECT, "true");
      /* Capturing from a speaker means recording what it plays. */
      if (priv->capture && target != NULL &&
          px_capture_device_get_kind (target) == PX_DEVICE_KIND_SPEAKER)
        pw_properties_set (props, PW_KEY_STREAM_CAPTURE_SINK, "true");
    }

  px_pipewire_connection_lock (priv->connection);
  core = px_pipewire_connection_get_core (priv->connection);
  if (core != NULL && priv->stream == NULL)
    {
      priv->stream_generation++;
      priv->stream = pw_stream_new (core, priv->capture ? "parallax-microphone"
                                                        : "parallax-speaker", props);
      props = NULL;
      if (priv->stream != NULL)
        {
          pw_stream_add_listener (priv->stream, &priv->stream_listener, &stream_events, self);
          result = pw_stream_connect (priv->stream,
                                      priv->capture ? PW_DIRECTION_INPUT : PW_DIRECTION_OUTPUT,
                                      PW_ID_ANY,
                                      PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS,
                                      params, 1);
        }
    }
  px_pipewire_connection_unlock (priv->connection);
  if (props != NULL)
    pw_properties_free (props);

  if (result < 0)
    end_with_error (self, g_error_new (PX_CAPTURE_ERROR, PX_CAPTURE_ERROR_FAILED,
                                       "Cannot open the audio stream: %s",
                                       g_strerror (-result)));
}

static void
try_open (PxAudioStream *self)
{
  PxAudioStreamPrivate *priv = px_audio_stream_get_instance_private (self);

  if (priv->state != PX_AUDIO_STREAM_STATE_WAITING || priv->stream != NULL)
    return;
  if (px_pipewire_connection_get_state (priv->connection) != PX_PIPEWIRE_STATE_CONNECTED)
    return;

  if (priv->device != NULL &&
      px_pipewire_connection_find_device (priv->connection, priv->device) == NULL)
    {
      if (priv->timeout == NULL)
        px_pipewire_connection_start_timeout (priv->connection, &priv->timeout, RETURN_TIMEOUT_MS,
                                              return_timeout_cb, self);
      return;
    }
  clear_timeout (self);
  open_stream (self);
}

static void
connection_state_cb (PxAudioStream *self)
{
  PxAudioStreamPrivate *priv = px_audio_stream_get_instance_private (self);

  if (priv->state == PX_AUDIO_STREAM_STATE_IDLE || priv->state == PX_AUDIO_STREAM_STATE_ENDED)
    return;

  if (px_pipewire_connection_get_state (priv->connection) == PX_PIPEWIRE_STATE_CONNECTED)
    {
      try_open (self);
      return;
    }
  /* The old core is about to go: drop our stream first; reopen later. */
  clear_timeout (self);
  destroy_stream (self);
  set_state (self, PX_AUDIO_STREAM_STATE_WAITING);
}

static void
device_added_cb (PxAudioStream   *self,
                 PxCaptureDevice *device)
{
  PxAudioStreamPrivate *priv = px_audio_stream_get_instance_private (self);

  if (priv->device != NULL && g_str_equal (px_capture_device_get_name (device), priv->device))
    try_open (self);
}

static void
device_removed_cb (PxAudioStream   *self,
                   PxCaptureDevice *device)
{
  PxAudioStreamPrivate *priv = px_audio_stream_get_instance_private (self);

  if (priv->device == NULL || !g_str_equal (px_capture_device_get_name (device), priv->device))
    return;
  if (px_pipewire_connection_get_state (priv->connection) != PX_PIPEWIRE_STATE_CONNECTED)
    return;

  end_with_error (self, g_error_new (PX_CAPTURE_ERROR, PX_CAPTURE_ERROR_DISCONNECTED,
                                     "Audio device “%s” was unplugged",
                                     px_capture_device_get_description (device)));
}

/* GObject --------------------------------------------------------------------------------- */

static void
px_audio_stream_dispose (GObject *object)
{
  PxAudioStream *self = PX_AUDIO_STREAM (object);
  PxAudioStreamPrivate *priv = px_audio_stream_get_instance_private (self);

  if (priv->connection != NULL)
    {
      clear_timeout (self);
      destroy_stream (self);
      px_pipewire_connection_unfollow (priv->connection, priv->handlers);
      g_clear_object (&priv->connection);
    }

  G_OBJECT_CLASS (px_audio_stream_parent_class)->dispose (object);
}

static void
px_audio_stream_finalize (GObject *object)
{
  PxAudioStream *self = PX_AUDIO_STREAM (object);
  PxAudioStreamPrivate *priv = px_audio_stream_get_instance_private (self);

  px_audio_ring_free (priv->ring);
  g_clear_error (&priv->error);
  g_free (priv->device);

  G_OBJECT_CLASS (px_audio_stream_parent_class)->finalize (object);
}

static void
px_audio_stream_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  PxAudioStream *self = PX_AUDIO_STREAM (object);
  PxAudioStreamPrivate *priv = px_audio_stream_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, priv->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
px_audio_stream_class_init (PxAudioStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = px_audio_stream_dispose;
  object_class->finalize = px_audio_stream_finalize;
  object_class->get_property = px_audio_stream_get_property;

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
px_audio_stream_init (PxAudioStream *self)
{
  PxAudioStreamPrivate *priv = px_audio_stream_get_instance_private (self);

  priv->ring = px_audio_ring_new (RING_CAPACITY);
}

void
px_audio_stream_construct (PxAudioStream        *self,
                           PxPipewireConnection *connection,
                           gboolean              capture,
                           const char           *device)
{
  PxAudioStreamPrivate *priv = px_audio_stream_get_instance_private (self);

  g_return_if_fail (PX_IS_AUDIO_STREAM (self));
  g_return_if_fail (priv->connection == NULL);

  if (connection == NULL)
    connection = px_pipewire_connection_get_default ();

  priv->connection = g_object_ref (connection);
  priv->capture = capture;
  priv->device = device != NULL && *device != '\0' ? g_strdup (device) : NULL;
  px_pipewire_connection_follow (connection, priv->handlers, G_CALLBACK (connection_state_cb),
                                 G_CALLBACK (device_added_cb), G_CALLBACK (device_removed_cb), self);
}

gboolean
px_audio_stream_start (PxAudioStream  *self,
                       GError        **error)
{
  PxAudioStreamPrivate *priv = px_audio_stream_get_instance_private (self);

  g_return_val_if_fail (PX_IS_AUDIO_STREAM (self), FALSE);

  if (priv->state != PX_AUDIO_STREAM_STATE_IDLE && priv->state != PX_AUDIO_STREAM_STATE_ENDED)
    return TRUE;

  if (priv->device != NULL &&
      px_pipewire_connection_get_state (priv->connection) == PX_PIPEWIRE_STATE_CONNECTED &&
      px_pipewire_connection_find_device (priv->connection, priv->device) == NULL)
    {
      g_set_error (error, PX_CAPTURE_ERROR, PX_CAPTURE_ERROR_NOT_FOUND,
                   "No audio device “%s”", priv->device);
      return FALSE;
    }

  g_clear_error (&priv->error);
  set_state (self, PX_AUDIO_STREAM_STATE_WAITING);
  try_open (self);

  return TRUE;
}

void
px_audio_stream_stop (PxAudioStream *self)
{
  g_return_if_fail (PX_IS_AUDIO_STREAM (self));

  clear_timeout (self);
  destroy_stream (self);
  set_state (self, PX_AUDIO_STREAM_STATE_IDLE);
}

guint
px_audio_stream_read (PxAudioStream *self,
                      float         *samples,
                      guint          n)
{
  PxAudioStreamPrivate *priv = px_audio_stream_get_instance_private (self);

  g_return_val_if_fail (PX_IS_AUDIO_STREAM (self), 0);
  g_return_val_if_fail (priv->capture, 0);

  return px_audio_ring_read (priv->ring, samples, n);
}

guint
px_audio_stream_write (PxAudioStream *self,
                       const float   *samples,
                       guint          n)
{
  PxAudioStreamPrivate *priv = px_audio_stream_get_instance_private (self);

  g_return_val_if_fail (PX_IS_AUDIO_STREAM (self), 0);
  g_return_val_if_fail (!priv->capture, 0);

  return px_audio_ring_write (priv->ring, samples, n);
}

void
px_audio_stream_flush (PxAudioStream *self)
{
  PxAudioStreamPrivate *priv = px_audio_stream_get_instance_private (self);

  g_return_if_fail (PX_IS_AUDIO_STREAM (self));
  g_return_if_fail (priv->capture);

  px_audio_ring_clear (priv->ring);
}

guint
px_audio_stream_get_queued (PxAudioStream *self)
{
  PxAudioStreamPrivate *priv = px_audio_stream_get_instance_private (self);

  g_return_val_if_fail (PX_IS_AUDIO_STREAM (self), 0);
  return px_audio_ring_get_fill (priv->ring);
}

void
px_audio_stream_get_level (PxAudioStream *self,
                           float         *rms,
                           float         *peak)
{
  PxAudioStreamPrivate *priv = px_audio_stream_get_instance_private (self);

  g_return_if_fail (PX_IS_AUDIO_STREAM (self));

  if (rms != NULL)
    *rms = bits_float (atomic_load_explicit (&priv->rms_bits, memory_order_relaxed));
  if (peak != NULL)
    *peak = bits_float (atomic_exchange_explicit (&priv->peak_bits, 0, memory_order_relaxed));
}

PxAudioStreamState
px_audio_stream_get_state (PxAudioStream *self)
{
  PxAudioStreamPrivate *priv = px_audio_stream_get_instance_private (self);

  g_return_val_if_fail (PX_IS_AUDIO_STREAM (self), PX_AUDIO_STREAM_STATE_IDLE);
  return priv->state;
}

const GError *
px_audio_stream_get_error (PxAudioStream *self)
{
  PxAudioStreamPrivate *priv = px_audio_stream_get_instance_private (self);

  g_return_val_if_fail (PX_IS_AUDIO_STREAM (self), NULL);
  return priv->error;
}

const char *
px_audio_stream_get_device (PxAudioStream *self)
{
  PxAudioStreamPrivate *priv = px_audio_stream_get_instance_private (self);

  g_return_val_if_fail (PX_IS_AUDIO_STREAM (self), NULL);
  return priv->device;
}

guint64
px_audio_stream_get_n_periods (PxAudioStream *self)
{
  PxAudioStreamPrivate *priv = px_audio_stream_get_instance_private (self);

  g_return_val_if_fail (PX_IS_AUDIO_STREAM (self), 0);
  return atomic_load_explicit (&priv->n_periods, memory_order_relaxed);
}
