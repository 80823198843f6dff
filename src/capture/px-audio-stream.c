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

struct _PxAudioStream
{
  GObject parent_instance;

  /* Main context. */
  PxPipewireConnection *connection;
  gboolean              capture;
  char                 *device;
  PxAudioStreamState    state;
  GError               *error;
  gulong                state_handler;
  gulong                added_handler;
  gulong                removed_handler;
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
};

G_DEFINE_FINAL_TYPE (PxAudioStream, px_audio_stream, G_TYPE_OBJECT)

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
  float rms, peak;
  guint32 peak_bits, old;

  px_audio_measure_level (samples, n, &rms, &peak);
  atomic_store_explicit (&self->rms_bits, float_bits (rms), memory_order_relaxed);
  /* Non-negative floats order like their bit patterns: an integer max. */
  peak_bits = float_bits (peak);
  old = atomic_load_explicit (&self->peak_bits, memory_order_relaxed);
  while (peak_bits > old &&
         !atomic_compare_exchange_weak_explicit (&self->peak_bits, &old, peak_bits,
                                                 memory_order_relaxed, memory_order_relaxed))
    ;
  atomic_fetch_add_explicit (&self->n_periods, 1, memory_order_relaxed);
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
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
clear_timeout (PxAudioStream *self)
{
  if (self->timeout != NULL)
    {
      g_source_destroy (self->timeout);
      g_clear_pointer (&self->timeout, g_source_unref);
    }
}

static void
destroy_stream (PxAudioStream *self)
{
  px_pipewire_connection_lock (self->connection);
  if (self->stream != NULL)
    {
      spa_hook_remove (&self->stream_listener);
      pw_stream_destroy (self->stream);
      self->stream = NULL;
    }
  self->stream_generation++;
  px_pipewire_connection_unlock (self->connection);
}

static void
end_with_error (PxAudioStream *self,
                GError        *error)
{
  if (self->state == PX_AUDIO_STREAM_STATE_ENDED || self->state == PX_AUDIO_STREAM_STATE_IDLE)
    {
      g_error_free (error);
      return;
    }

  g_debug ("Audio stream ended: %s", error->message);
  clear_timeout (self);
  destroy_stream (self);
  g_clear_error (&self->error);
  self->error = error;
  set_state (self, PX_AUDIO_STREAM_STATE_ENDED);
  g_signal_emit (self, signals[ENDED], 0, self->error);
}

static gboolean
handle_state_cb (gpointer data)
{
  Event *event = data;
  PxAudioStream *self = event->self;

  if (event->generation != self->stream_generation)
    return G_SOURCE_REMOVE;

  g_debug ("Audio stream %s: %s%s%s", self->device != NULL ? self->device : "(default)",
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
      if (!px_pipewire_connection_is_alive (self->connection))
        break;
      end_with_error (self, g_error_new (PX_CAPTURE_ERROR,
                                         event->state == PW_STREAM_STATE_ERROR
                                           ? PX_CAPTURE_ERROR_FAILED
                                           : PX_CAPTURE_ERROR_DISCONNECTED,
                                         "Audio device “%s” stopped: %s",
                                         self->device != NULL ? self->device : "default",
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
  Event *event = g_new0 (Event, 1);

  event->self = g_object_ref (self);
  event->generation = self->stream_generation;
  event->state = state;
  event->message = g_strdup (error);
  px_pipewire_connection_post (self->connection, handle_state_cb, event, event_free);
}

static void
stream_process_cb (void *data)
{
  PxAudioStream *self = data;
  struct pw_buffer *buffer;
  struct spa_data *d;

  buffer = pw_stream_dequeue_buffer (self->stream);
  if (buffer == NULL)
    return;
  d = &buffer->buffer->datas[0];
  if (d->data == NULL)
    {
      pw_stream_queue_buffer (self->stream, buffer);
      return;
    }

  if (self->capture)
    {
      guint32 offset = MIN (d->chunk->offset, d->maxsize);
      guint32 size = MIN (d->chunk->size, d->maxsize - offset);
      const float *samples = (const float *) (gpointer) ((guint8 *) d->data + offset);
      guint n = size / sizeof (float);

      record_level (self, samples, n);
      px_audio_ring_write (self->ring, samples, n);
    }
  else
    {
      guint n = d->maxsize / sizeof (float);
      float *out = d->data;
      guint got;

      if (buffer->requested > 0)
        n = MIN (n, (guint) buffer->requested);
      n = MIN (n, MAX_PERIOD_FRAMES);
      got = px_audio_ring_read (self->ring, out, n);
      /* An empty queue plays silence rather than stalling the graph. */
      memset (out + got, 0, (n - got) * sizeof (float));
      record_level (self, out, n);
      d->chunk->offset = 0;
      d->chunk->stride = sizeof (float);
      d->chunk->size = n * sizeof (float);
    }

  pw_stream_queue_buffer (self->stream, buffer);
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

  g_clear_pointer (&self->timeout, g_source_unref);
  end_with_error (self, g_error_new (PX_CAPTURE_ERROR, PX_CAPTURE_ERROR_DISCONNECTED,
                                     "Audio device “%s” did not come back", self->device));
  return G_SOURCE_REMOVE;
}

static void
open_stream (PxAudioStream *self)
{
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

  props = pw_properties_new (PW_KEY_MEDIA_TYPE, "Audio",
                             PW_KEY_MEDIA_CATEGORY, self->capture ? "Capture" : "Playback",
                             PW_KEY_MEDIA_ROLE, "Communication",
                             PW_KEY_NODE_NAME, self->capture ? "parallax-microphone"
                                                             : "parallax-speaker",
                             PW_KEY_NODE_LATENCY, "480/48000",
                             NULL);
  if (self->device != NULL)
    {
      target = px_pipewire_connection_find_device (self->connection, self->device);
      pw_properties_set (props, PW_KEY_TARGET_OBJECT, self->device);
      pw_properties_set (props, PW_KEY_NODE_DONT_RECONNECT, "true");
      /* Capturing from a speaker means recording what it plays. */
      if (self->capture && target != NULL &&
          px_capture_device_get_kind (target) == PX_DEVICE_KIND_SPEAKER)
        pw_properties_set (props, PW_KEY_STREAM_CAPTURE_SINK, "true");
    }

  px_pipewire_connection_lock (self->connection);
  core = px_pipewire_connection_get_core (self->connection);
  if (core != NULL && self->stream == NULL)
    {
      self->stream_generation++;
      self->stream = pw_stream_new (core, self->capture ? "parallax-microphone"
                                                        : "parallax-speaker", props);
      props = NULL;
      if (self->stream != NULL)
        {
          pw_stream_add_listener (self->stream, &self->stream_listener, &stream_events, self);
          result = pw_stream_connect (self->stream,
                                      self->capture ? PW_DIRECTION_INPUT : PW_DIRECTION_OUTPUT,
                                      PW_ID_ANY,
                                      PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS,
                                      params, 1);
        }
    }
  px_pipewire_connection_unlock (self->connection);
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
  if (self->state != PX_AUDIO_STREAM_STATE_WAITING || self->stream != NULL)
    return;
  if (px_pipewire_connection_get_state (self->connection) != PX_PIPEWIRE_STATE_CONNECTED)
    return;

  if (self->device != NULL &&
      px_pipewire_connection_find_device (self->connection, self->device) == NULL)
    {
      if (self->timeout == NULL)
        {
          self->timeout = g_timeout_source_new (RETURN_TIMEOUT_MS);
          g_source_set_callback (self->timeout, return_timeout_cb, self, NULL);
          g_source_attach (self->timeout, px_pipewire_connection_get_context (self->connection));
        }
      return;
    }
  clear_timeout (self);
  open_stream (self);
}

static void
connection_state_cb (PxAudioStream *self)
{
  if (self->state == PX_AUDIO_STREAM_STATE_IDLE || self->state == PX_AUDIO_STREAM_STATE_ENDED)
    return;

  if (px_pipewire_connection_get_state (self->connection) == PX_PIPEWIRE_STATE_CONNECTED)
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
  if (self->device != NULL && g_str_equal (px_capture_device_get_name (device), self->device))
    try_open (self);
}

static void
device_removed_cb (PxAudioStream   *self,
                   PxCaptureDevice *device)
{
  if (self->device == NULL || !g_str_equal (px_capture_device_get_name (device), self->device))
    return;
  if (px_pipewire_connection_get_state (self->connection) != PX_PIPEWIRE_STATE_CONNECTED)
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

  if (self->connection != NULL)
    {
      clear_timeout (self);
      destroy_stream (self);
      g_clear_signal_handler (&self->state_handler, self->connection);
      g_clear_signal_handler (&self->added_handler, self->connection);
      g_clear_signal_handler (&self->removed_handler, self->connection);
      g_clear_object (&self->connection);
    }

  G_OBJECT_CLASS (px_audio_stream_parent_class)->dispose (object);
}

static void
px_audio_stream_finalize (GObject *object)
{
  PxAudioStream *self = PX_AUDIO_STREAM (object);

  px_audio_ring_free (self->ring);
  g_clear_error (&self->error);
  g_free (self->device);

  G_OBJECT_CLASS (px_audio_stream_parent_class)->finalize (object);
}

static void
px_audio_stream_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  PxAudioStream *self = PX_AUDIO_STREAM (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
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

  signals[ENDED] =
    g_signal_new ("ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
px_audio_stream_init (PxAudioStream *self)
{
  self->ring = px_audio_ring_new (RING_CAPACITY);
}

PxAudioStream *
px_audio_stream_new (PxPipewireConnection *connection,
                     gboolean              capture,
                     const char           *device)
{
  PxAudioStream *self = g_object_new (PX_TYPE_AUDIO_STREAM, NULL);

  if (connection == NULL)
    connection = px_pipewire_connection_get_default ();

  self->connection = g_object_ref (connection);
  self->capture = capture;
  self->device = device != NULL && *device != '\0' ? g_strdup (device) : NULL;
  self->state_handler = g_signal_connect_swapped (connection, "notify::state",
                                                  G_CALLBACK (connection_state_cb), self);
  self->added_handler = g_signal_connect_swapped (connection, "device-added",
                                                  G_CALLBACK (device_added_cb), self);
  self->removed_handler = g_signal_connect_swapped (connection, "device-removed",
                                                    G_CALLBACK (device_removed_cb), self);

  return self;
}

gboolean
px_audio_stream_start (PxAudioStream  *self,
                       GError        **error)
{
  g_return_val_if_fail (PX_IS_AUDIO_STREAM (self), FALSE);

  if (self->state != PX_AUDIO_STREAM_STATE_IDLE && self->state != PX_AUDIO_STREAM_STATE_ENDED)
    return TRUE;

  if (self->device != NULL &&
      px_pipewire_connection_get_state (self->connection) == PX_PIPEWIRE_STATE_CONNECTED &&
      px_pipewire_connection_find_device (self->connection, self->device) == NULL)
    {
      g_set_error (error, PX_CAPTURE_ERROR, PX_CAPTURE_ERROR_NOT_FOUND,
                   "No audio device “%s”", self->device);
      return FALSE;
    }

  g_clear_error (&self->error);
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
  g_return_val_if_fail (PX_IS_AUDIO_STREAM (self), 0);
  g_return_val_if_fail (self->capture, 0);

  return px_audio_ring_read (self->ring, samples, n);
}

guint
px_audio_stream_write (PxAudioStream *self,
                       const float   *samples,
                       guint          n)
{
  g_return_val_if_fail (PX_IS_AUDIO_STREAM (self), 0);
  g_return_val_if_fail (!self->capture, 0);

  return px_audio_ring_write (self->ring, samples, n);
}

void
px_audio_stream_flush (PxAudioStream *self)
{
  g_return_if_fail (PX_IS_AUDIO_STREAM (self));
  g_return_if_fail (self->capture);

  px_audio_ring_clear (self->ring);
}

guint
px_audio_stream_get_queued (PxAudioStream *self)
{
  g_return_val_if_fail (PX_IS_AUDIO_STREAM (self), 0);
  return px_audio_ring_get_fill (self->ring);
}

void
px_audio_stream_get_level (PxAudioStream *self,
                           float         *rms,
                           float         *peak)
{
  g_return_if_fail (PX_IS_AUDIO_STREAM (self));

  if (rms != NULL)
    *rms = bits_float (atomic_load_explicit (&self->rms_bits, memory_order_relaxed));
  if (peak != NULL)
    *peak = bits_float (atomic_exchange_explicit (&self->peak_bits, 0, memory_order_relaxed));
}

PxAudioStreamState
px_audio_stream_get_state (PxAudioStream *self)
{
  g_return_val_if_fail (PX_IS_AUDIO_STREAM (self), PX_AUDIO_STREAM_STATE_IDLE);
  return self->state;
}

const GError *
px_audio_stream_get_error (PxAudioStream *self)
{
  g_return_val_if_fail (PX_IS_AUDIO_STREAM (self), NULL);
  return self->error;
}

const char *
px_audio_stream_get_device (PxAudioStream *self)
{
  g_return_val_if_fail (PX_IS_AUDIO_STREAM (self), NULL);
  return self->device;
}

guint64
px_audio_stream_get_n_periods (PxAudioStream *self)
{
  g_return_val_if_fail (PX_IS_AUDIO_STREAM (self), 0);
  return atomic_load_explicit (&self->n_periods, memory_order_relaxed);
}
