/* px-pipewire-connection.c: the process's connection to PipeWire
 *
 * Threading. PipeWire runs on its own thread (a pw_thread_loop) and calls
 * every callback there with the loop's lock held. Code on any other thread
 * takes that lock (px_pipewire_connection_lock) around each pw_* call and
 * never waits for the PipeWire thread while holding it. Nothing on the
 * PipeWire thread touches GObject signals, GTK or GL: it records what
 * happened and posts it to the main context the connection was made on
 * (px_pipewire_connection_post), where the state machine lives: device
 * lists, signals, reconnection and the portal. Every posted event carries
 * the connection generation it belongs to, so news from a core that has
 * since been torn down is dropped.
 *
 * Streams (camera, microphone, speaker) follow the "state" property: they
 * make their pw_stream when it becomes CONNECTED and destroy it when it
 * leaves CONNECTED, which happens before the old core is disconnected. A
 * daemon restart thus costs them nothing but a gap. Destroying a stream
 * waits, the lock let go, until the PipeWire thread has run what that
 * stream still had queued there (px_pipewire_connection_destroy_stream_locked).
 * Frames cross from the PipeWire thread to consumers through a mutex-guarded
 * latest-frame slot (px-camera-source.c), audio through single-producer
 * single-consumer rings (px-audio-ring.c).
 *
 * Reconnection: a core error -EPIPE means the daemon went away. The core is
 * torn down and connecting is tried again after 100 ms, doubling up to 5 s,
 * for as long as it takes; the back-off restarts after each success.
 *
 * The portal: inside Flatpak (or with PX_CAMERA_PORTAL=1, or when asked)
 * camera access goes through org.freedesktop.portal.Camera: is a camera
 * present, may we use it (asked once; a refusal is the ACCESS_DENIED state,
 * not retried unless px_pipewire_connection_retry() is called), then a
 * PipeWire remote fd for pw_context_connect_fd(). After a daemon restart
 * only the remote is asked for again.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <libportal/portal.h>
#include <pipewire/pipewire.h>
#include <spa/debug/types.h>
#include <spa/param/format-utils.h>
#include <spa/param/video/format-utils.h>
#include <spa/param/video/type-info.h>
#include <spa/pod/iter.h>

#include "px-capture-error.h"
#include "px-pipewire-connection-private.h"

#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 5000
#define CAMERA_PRESENT_RECHECK_MS 3000
#define MAX_FORMATS_PER_DEVICE 256

struct _PxPipewireConnection
{
  GObject parent_instance;

  /* Main context side. */
  GMainContext          *context;
  gboolean               use_portal;
  PxPipewireState        state;
  char                  *last_error;
  GPtrArray             *devices;
  guint                  retry_source_id;
  guint                  backoff_ms;
  gboolean               first_attempt_done;
  XdpPortal             *portal;
  gboolean               camera_access_granted;
  GCancellable          *cancellable;

  /* Shared: written under the loop lock, or atomically. */
  struct pw_thread_loop *loop;
  struct pw_context     *pw_context;
  struct pw_core        *core;
  struct spa_hook        core_listener;
  struct pw_registry    *registry;
  struct spa_hook        registry_listener;
  int                    connect_seq;
  guint                  generation;
  gint                   alive;
  gint                   pending_probes;

  /* PipeWire thread side (under the lock). */
  GHashTable            *probes;       /* global id → Probe */
};

G_DEFINE_FINAL_TYPE (PxPipewireConnection, px_pipewire_connection, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (PxPipewireState, px_pipewire_state,
                    G_DEFINE_ENUM_VALUE (PX_PIPEWIRE_STATE_CONNECTING, "connecting"),
                    G_DEFINE_ENUM_VALUE (PX_PIPEWIRE_STATE_CONNECTED, "connected"),
                    G_DEFINE_ENUM_VALUE (PX_PIPEWIRE_STATE_RECONNECTING, "reconnecting"),
                    G_DEFINE_ENUM_VALUE (PX_PIPEWIRE_STATE_NO_CAMERA, "no-camera"),
                    G_DEFINE_ENUM_VALUE (PX_PIPEWIRE_STATE_ACCESS_DENIED, "access-denied"))

enum {
  PROP_0,
  PROP_STATE,
  N_PROPS
};

enum {
  DEVICE_ADDED,
  DEVICE_REMOVED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void attempt_connect (PxPipewireConnection *self);

/* A node seen in the registry, being described (PipeWire thread). */
typedef struct
{
  PxPipewireConnection *connection;
  guint32               id;
  PxDeviceKind          kind;
  struct pw_properties *props;
  struct pw_proxy      *proxy;
  struct spa_hook       node_listener;
  GArray               *formats;
  int                   sync_seq;
  gboolean              announced;
} Probe;

/* Posting to the main context ------------------------------------------------------------- */

typedef struct
{
  PxPipewireConnection *self;
  guint                 generation;
  guint32               id;
  PxCaptureDevice      *device;
} Event;

static Event *
event_new (PxPipewireConnection *self,
           guint32               id,
           PxCaptureDevice      *device)
{
  Event *event = g_new0 (Event, 1);

  event->self = g_object_ref (self);
  event->generation = self->generation;
  event->id = id;
  event->device = device;

  return event;
}

static void
event_free (gpointer data)
{
  Event *event = data;

  g_object_unref (event->self);
  g_clear_object (&event->device);
  g_free (event);
}

void
px_pipewire_connection_post (PxPipewireConnection *self,
                             GSourceFunc           func,
                             gpointer              data,
                             GDestroyNotify        destroy)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, destroy);
  g_source_set_static_name (source, "[parallax] pipewire event");
  g_source_attach (source, self->context);
  g_source_unref (source);
}

static void
set_state (PxPipewireConnection *self,
           PxPipewireState       state)
{
  if (self->state == state)
    return;
  g_debug ("PipeWire connection %p: %s", self,
           g_enum_get_value (g_type_class_peek (PX_TYPE_PIPEWIRE_STATE), (int) state)->value_nick);
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_last_error (PxPipewireConnection *self,
                const char           *message)
{
  g_free (self->last_error);
  self->last_error = g_strdup (message);
}

/* Formats from EnumFormat (PipeWire thread) ----------------------------------------------- */

static PxPixelFormat
pixel_format_from_spa (uint32_t format)
{
  switch (format)
    {
    case SPA_VIDEO_FORMAT_I420: return PX_PIXEL_FORMAT_I420;
    case SPA_VIDEO_FORMAT_NV12: return PX_PIXEL_FORMAT_NV12;
    case SPA_VIDEO_FORMAT_YUY2: return PX_PIXEL_FORMAT_YUY2;
    case SPA_VIDEO_FORMAT_UYVY: return PX_PIXEL_FORMAT_UYVY;
    case SPA_VIDEO_FORMAT_RGBx: return PX_PIXEL_FORMAT_RGBX;
    case SPA_VIDEO_FORMAT_BGRx: return PX_PIXEL_FORMAT_BGRX;
    case SPA_VIDEO_FORMAT_RGBA: return PX_PIXEL_FORMAT_RGBA;
    case SPA_VIDEO_FORMAT_RGB: return PX_PIXEL_FORMAT_RGB;
    case SPA_VIDEO_FORMAT_BGR: return PX_PIXEL_FORMAT_BGR;
    default: return PX_PIXEL_FORMAT_UNKNOWN;
    }
}

/* The values of a property that may be a choice: for an enum, the
 * alternatives; for a range, min and max; otherwise the one value. */
static const void *
pod_values (const struct spa_pod *pod,
            uint32_t              type,
            uint32_t             *n_values,
            uint32_t             *choice)
{
  const struct spa_pod *value = spa_pod_get_values (pod, n_values, choice);
  const uint8_t *body;

  if (value == NULL || value->type != type || *n_values == 0)
    return NULL;
  body = SPA_POD_BODY_CONST (value);

  if (*choice == SPA_CHOICE_Enum && *n_values > 1)
    {
      *n_values -= 1;
      return body + value->size;
    }
  if (*choice == SPA_CHOICE_Range || *choice == SPA_CHOICE_Step)
    {
      if (*n_values < 3)
        return NULL;
      *n_values = 2;
      return body + value->size;
    }
  *n_values = 1;
  *choice = SPA_CHOICE_None;
  return body;
}

static void
probe_add_format_param (Probe                *probe,
                        const struct spa_pod *param)
{
  uint32_t media_type, media_subtype;
  const struct spa_pod_prop *format_prop, *size_prop, *rate_prop;
  const struct spa_pod_object *object = (const struct spa_pod_object *) param;
  const uint32_t *formats = NULL;
  uint32_t n_formats = 1, format_choice = SPA_CHOICE_None;
  const struct spa_rectangle *sizes = NULL;
  uint32_t n_sizes = 0, size_choice = SPA_CHOICE_None;
  const struct spa_fraction *rates = NULL;
  uint32_t n_rates = 0, rate_choice = SPA_CHOICE_None;
  uint32_t mjpg_format = 0;

  if (!spa_pod_is_object_type (param, SPA_TYPE_OBJECT_Format) ||
      spa_format_parse (param, &media_type, &media_subtype) < 0 ||
      media_type != SPA_MEDIA_TYPE_video)
    return;

  if (media_subtype == SPA_MEDIA_SUBTYPE_raw)
    {
      format_prop = spa_pod_object_find_prop (object, NULL, SPA_FORMAT_VIDEO_format);
      if (format_prop == NULL)
        return;
      formats = pod_values (&format_prop->value, SPA_TYPE_Id, &n_formats, &format_choice);
      if (formats == NULL || format_choice == SPA_CHOICE_Range)
        return;
    }
  else if (media_subtype == SPA_MEDIA_SUBTYPE_mjpg)
    {
      formats = &mjpg_format;
    }
  else
    {
      /* H.264 and friends: list them as formats we cannot read. */
      formats = &mjpg_format;
    }

  size_prop = spa_pod_object_find_prop (object, NULL, SPA_FORMAT_VIDEO_size);
  if (size_prop != NULL)
    sizes = pod_values (&size_prop->value, SPA_TYPE_Rectangle, &n_sizes, &size_choice);
  rate_prop = spa_pod_object_find_prop (object, NULL, SPA_FORMAT_VIDEO_framerate);
  if (rate_prop != NULL)
    rates = pod_values (&rate_prop->value, SPA_TYPE_Fraction, &n_rates, &rate_choice);

  for (uint32_t f = 0; f < n_formats; f++)
    {
      guint size_entries = sizes == NULL ? 1 : (size_choice == SPA_CHOICE_None ||
                                                size_choice == SPA_CHOICE_Enum) ? n_sizes : 1;

      for (guint s = 0; s < size_entries; s++)
        {
          PxCameraFormat entry = { 0 };

          if (probe->formats->len >= MAX_FORMATS_PER_DEVICE)
            return;

          if (media_subtype == SPA_MEDIA_SUBTYPE_raw)
            {
              const char *name = spa_debug_type_find_short_name (spa_type_video_format,
                                                                 formats[f]);

              entry.format = pixel_format_from_spa (formats[f]);
              g_strlcpy (entry.format_name, name != NULL ? name : "unknown",
                         sizeof entry.format_name);
            }
          else if (media_subtype == SPA_MEDIA_SUBTYPE_mjpg)
            {
              entry.format = PX_PIXEL_FORMAT_MJPG;
              g_strlcpy (entry.format_name, "MJPG", sizeof entry.format_name);
            }
          else
            {
              const char *name = spa_debug_type_find_short_name (spa_type_media_subtype,
                                                                 media_subtype);

              entry.format = PX_PIXEL_FORMAT_UNKNOWN;
              g_strlcpy (entry.format_name, name != NULL ? name : "unknown",
                         sizeof entry.format_name);
            }

          if (sizes != NULL && (size_choice == SPA_CHOICE_Range || size_choice == SPA_CHOICE_Step))
            {
              entry.min_width = sizes[0].width;
              entry.min_height = sizes[0].height;
              entry.width = entry.max_width = sizes[1].width;
              entry.height = entry.max_height = sizes[1].height;
            }
          else if (sizes != NULL)
            {
              entry.width = entry.min_width = entry.max_width = sizes[s].width;
              entry.height = entry.min_height = entry.max_height = sizes[s].height;
            }

          if (rates != NULL && (rate_choice == SPA_CHOICE_Range || rate_choice == SPA_CHOICE_Step))
            {
              entry.min_fps = rates[0].denom ? (double) rates[0].num / rates[0].denom : 0;
              entry.max_fps = rates[1].denom ? (double) rates[1].num / rates[1].denom : 0;
            }
          else if (rates != NULL)
            {
              for (uint32_t r = 0; r < n_rates; r++)
                {
                  double fps = rates[r].denom ? (double) rates[r].num / rates[r].denom : 0;

                  if (entry.n_rates < G_N_ELEMENTS (entry.rates))
                    entry.rates[entry.n_rates++] = fps;
                  entry.max_fps = r == 0 ? fps : MAX (entry.max_fps, fps);
                  entry.min_fps = r == 0 ? fps : MIN (entry.min_fps, fps);
                }
            }

          g_array_append_val (probe->formats, entry);
        }
    }
}

/* Probes (PipeWire thread) ---------------------------------------------------------------- */

static void
probe_free (gpointer data)
{
  Probe *probe = data;

  if (probe->proxy != NULL)
    {
      spa_hook_remove (&probe->node_listener);
      pw_proxy_destroy (probe->proxy);
    }
  if (!probe->announced)
    g_atomic_int_add (&probe->connection->pending_probes, -1);
  pw_properties_free (probe->props);
  g_array_unref (probe->formats);
  g_free (probe);
}

static gboolean
device_added_cb (gpointer data)
{
  Event *event = data;
  PxPipewireConnection *self = event->self;

  if (event->generation != self->generation)
    return G_SOURCE_REMOVE;

  g_ptr_array_add (self->devices, g_object_ref (event->device));
  g_signal_emit (self, signals[DEVICE_ADDED], 0, event->device);

  return G_SOURCE_REMOVE;
}

static gboolean
device_removed_cb (gpointer data)
{
  Event *event = data;
  PxPipewireConnection *self = event->self;

  if (event->generation != self->generation)
    return G_SOURCE_REMOVE;

  for (guint i = 0; i < self->devices->len; i++)
    {
      PxCaptureDevice *device = g_ptr_array_index (self->devices, i);

      if (px_capture_device_get_id (device) == event->id)
        {
          g_autoptr(PxCaptureDevice) removed = g_ptr_array_steal_index (self->devices, i);

          g_signal_emit (self, signals[DEVICE_REMOVED], 0, removed);
          break;
        }
    }

  return G_SOURCE_REMOVE;
}

static void
probe_announce (Probe *probe)
{
  PxPipewireConnection *self = probe->connection;
  const struct spa_dict *dict = &probe->props->dict;
  const char *name = spa_dict_lookup (dict, PW_KEY_NODE_NAME);
  const char *description = spa_dict_lookup (dict, PW_KEY_NODE_DESCRIPTION);
  const char *path = spa_dict_lookup (dict, "api.v4l2.path");
  const char *serial_number = spa_dict_lookup (dict, PW_KEY_DEVICE_SERIAL);
  const char *object_serial = spa_dict_lookup (dict, PW_KEY_OBJECT_SERIAL);
  guint64 serial = object_serial != NULL ? g_ascii_strtoull (object_serial, NULL, 10) : 0;
  PxCaptureDevice *device;

  if (description == NULL)
    description = spa_dict_lookup (dict, PW_KEY_NODE_NICK);
  if (path == NULL)
    path = spa_dict_lookup (dict, PW_KEY_OBJECT_PATH);
  if (path == NULL)
    path = spa_dict_lookup (dict, PW_KEY_DEVICE_BUS_PATH);

  probe->announced = TRUE;
  g_atomic_int_add (&self->pending_probes, -1);

  if (name == NULL)
    return;

  device = px_capture_device_new (probe->kind, probe->id, serial,
                                  name, description, path, serial_number,
                                  (const PxCameraFormat *) (gpointer) probe->formats->data,
                                  probe->formats->len);
  px_pipewire_connection_post (self, device_added_cb, event_new (self, probe->id, device),
                               event_free);
}

static void
node_param_cb (void                 *data,
               int                   seq,
               uint32_t              id,
               uint32_t              index,
               uint32_t              next,
               const struct spa_pod *param)
{
  Probe *probe = data;

  if (id == SPA_PARAM_EnumFormat && param != NULL && !probe->announced)
    probe_add_format_param (probe, param);
}

static const struct pw_node_events node_events = {
  PW_VERSION_NODE_EVENTS,
  .param = node_param_cb,
};

static gboolean
classify_node (const struct spa_dict *props,
               PxDeviceKind          *kind)
{
  const char *media_class = spa_dict_lookup (props, PW_KEY_MEDIA_CLASS);
  const char *role = spa_dict_lookup (props, PW_KEY_MEDIA_ROLE);
  const char *api = spa_dict_lookup (props, PW_KEY_DEVICE_API);

  if (media_class == NULL)
    return FALSE;

  if (g_str_equal (media_class, "Video/Source"))
    {
      /* Screen casts are Video/Source too; cameras say so or come from a camera API. */
      if (g_strcmp0 (role, "Camera") == 0 ||
          g_strcmp0 (api, "v4l2") == 0 || g_strcmp0 (api, "libcamera") == 0)
        {
          *kind = PX_DEVICE_KIND_CAMERA;
          return TRUE;
        }
      return FALSE;
    }
  if (g_str_equal (media_class, "Audio/Source") ||
      g_str_equal (media_class, "Audio/Source/Virtual"))
    {
      *kind = PX_DEVICE_KIND_MICROPHONE;
      return TRUE;
    }
  if (g_str_equal (media_class, "Audio/Sink"))
    {
      *kind = PX_DEVICE_KIND_SPEAKER;
      return TRUE;
    }
  return FALSE;
}

static void
registry_global_cb (void                  *data,
                    uint32_t               id,
                    uint32_t               permissions,
                    const char            *type,
                    uint32_t               version,
                    const struct spa_dict *props)
{
  PxPipewireConnection *self = data;
  PxDeviceKind kind;
  Probe *probe;

  if (props == NULL || !g_str_equal (type, PW_TYPE_INTERFACE_Node) || !classify_node (props, &kind))
    return;

  probe = g_new0 (Probe, 1);
  probe->connection = self;
  probe->id = id;
  probe->kind = kind;
  probe->props = pw_properties_new_dict (props);
  probe->formats = g_array_new (FALSE, TRUE, sizeof (PxCameraFormat));
  probe->sync_seq = -1;
  g_atomic_int_inc (&self->pending_probes);
  g_hash_table_replace (self->probes, GUINT_TO_POINTER (id), probe);

  if (kind != PX_DEVICE_KIND_CAMERA)
    {
      probe_announce (probe);
      return;
    }

  /* A camera's formats come from its EnumFormat params; the sync after the
   * request says when all of them have arrived. */
  probe->proxy = pw_registry_bind (self->registry, id, PW_TYPE_INTERFACE_Node,
                                   PW_VERSION_NODE, 0);
  if (probe->proxy == NULL)
    {
      probe_announce (probe);
      return;
    }
  pw_node_add_listener ((struct pw_node *) probe->proxy, &probe->node_listener,
                        &node_events, probe);
  pw_node_enum_params ((struct pw_node *) probe->proxy, 0, SPA_PARAM_EnumFormat, 0,
                       UINT32_MAX, NULL);
  probe->sync_seq = pw_core_sync (self->core, PW_ID_CORE, 0);
}

static void
registry_global_remove_cb (void     *data,
                           uint32_t  id)
{
  PxPipewireConnection *self = data;
  Probe *probe = g_hash_table_lookup (self->probes, GUINT_TO_POINTER (id));

  if (probe == NULL)
    return;
  if (probe->announced)
    px_pipewire_connection_post (self, device_removed_cb, event_new (self, id, NULL), event_free);
  g_hash_table_remove (self->probes, GUINT_TO_POINTER (id));
}

static const struct pw_registry_events registry_events = {
  PW_VERSION_REGISTRY_EVENTS,
  .global = registry_global_cb,
  .global_remove = registry_global_remove_cb,
};

/* Core events (PipeWire thread) ----------------------------------------------------------- */

static gboolean
connected_cb (gpointer data)
{
  Event *event = data;
  PxPipewireConnection *self = event->self;

  if (event->generation != self->generation)
    return G_SOURCE_REMOVE;

  self->backoff_ms = 0;
  self->first_attempt_done = TRUE;
  set_last_error (self, NULL);
  set_state (self, PX_PIPEWIRE_STATE_CONNECTED);

  return G_SOURCE_REMOVE;
}

static void
teardown_core_locked (PxPipewireConnection *self)
{
  g_hash_table_remove_all (self->probes);
  if (self->registry != NULL)
    {
      spa_hook_remove (&self->registry_listener);
      pw_proxy_destroy ((struct pw_proxy *) self->registry);
      self->registry = NULL;
    }
  if (self->core != NULL)
    {
      spa_hook_remove (&self->core_listener);
      pw_core_disconnect (self->core);
      self->core = NULL;
    }
  g_atomic_int_set (&self->alive, FALSE);
}

static gboolean
retry_timeout_cb (gpointer data)
{
  PxPipewireConnection *self = data;

  self->retry_source_id = 0;
  attempt_connect (self);

  return G_SOURCE_REMOVE;
}

static void
schedule_retry (PxPipewireConnection *self,
                guint                 delay_ms)
{
  GSource *source;

  if (self->retry_source_id != 0)
    return;

  source = g_timeout_source_new (delay_ms);
  g_source_set_callback (source, retry_timeout_cb, self, NULL);
  g_source_set_static_name (source, "[parallax] pipewire reconnect");
  self->retry_source_id = g_source_attach (source, self->context);
  g_source_unref (source);
}

static void
schedule_backoff (PxPipewireConnection *self)
{
  self->backoff_ms = self->backoff_ms == 0 ? BACKOFF_FIRST_MS
                                           : MIN (self->backoff_ms * 2, BACKOFF_MAX_MS);
  schedule_retry (self, self->backoff_ms);
}

static void
forget_devices (PxPipewireConnection *self)
{
  g_autoptr(GPtrArray) devices = g_steal_pointer (&self->devices);

  self->devices = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = devices->len; i > 0; i--)
    g_signal_emit (self, signals[DEVICE_REMOVED], 0, g_ptr_array_index (devices, i - 1));
}

static gboolean
lost_cb (gpointer data)
{
  Event *event = data;
  PxPipewireConnection *self = event->self;

  if (event->generation != self->generation)
    return G_SOURCE_REMOVE;

  g_debug ("Lost the PipeWire daemon; reconnecting");
  self->first_attempt_done = TRUE;
  set_last_error (self, "The PipeWire daemon went away");
  /* Streams drop their pw_stream on this notification, before the core goes. */
  set_state (self, PX_PIPEWIRE_STATE_RECONNECTING);

  pw_thread_loop_lock (self->loop);
  /* Anything the old core still posts is stale from here on. */
  self->generation++;
  teardown_core_locked (self);
  pw_thread_loop_unlock (self->loop);

  forget_devices (self);
  schedule_backoff (self);

  return G_SOURCE_REMOVE;
}

static void
core_done_cb (void     *data,
              uint32_t  id,
              int       seq)
{
  PxPipewireConnection *self = data;
  GHashTableIter iter;
  Probe *probe;

  if (id != PW_ID_CORE)
    return;

  if (seq == self->connect_seq)
    {
      self->connect_seq = -1;
      px_pipewire_connection_post (self, connected_cb, event_new (self, 0, NULL), event_free);
      return;
    }

  g_hash_table_iter_init (&iter, self->probes);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &probe))
    {
      if (probe->sync_seq == seq && !probe->announced)
        {
          probe_announce (probe);
          break;
        }
    }
}

static void
core_error_cb (void       *data,
               uint32_t    id,
               int         seq,
               int         res,
               const char *message)
{
  PxPipewireConnection *self = data;

  if (id == PW_ID_CORE && res == -EPIPE)
    {
      if (g_atomic_int_compare_and_exchange (&self->alive, TRUE, FALSE))
        px_pipewire_connection_post (self, lost_cb, event_new (self, 0, NULL), event_free);
      return;
    }

  /* Errors about single objects (a node gone while we asked it something)
   * are routine while devices come and go. */
  g_debug ("PipeWire error on object %u: %s (%s)", id, message, g_strerror (-res));
}

static const struct pw_core_events core_events = {
  PW_VERSION_CORE_EVENTS,
  .done = core_done_cb,
  .error = core_error_cb,
};

/* Connecting (main context) --------------------------------------------------------------- */

static void
connect_core (PxPipewireConnection *self,
              int                   fd)
{
  struct pw_properties *props = pw_properties_new (PW_KEY_CLIENT_NAME, "Parallax", NULL);
  int saved_errno;

  pw_thread_loop_lock (self->loop);
  teardown_core_locked (self);
  if (fd >= 0)
    self->core = pw_context_connect_fd (self->pw_context, fd, props, 0);
  else
    self->core = pw_context_connect (self->pw_context, props, 0);
  saved_errno = errno;

  if (self->core != NULL)
    {
      self->generation++;
      g_atomic_int_set (&self->alive, TRUE);
      pw_core_add_listener (self->core, &self->core_listener, &core_events, self);
      self->registry = pw_core_get_registry (self->core, PW_VERSION_REGISTRY, 0);
      pw_registry_add_listener (self->registry, &self->registry_listener,
                                &registry_events, self);
      self->connect_seq = pw_core_sync (self->core, PW_ID_CORE, 0);
    }
  pw_thread_loop_unlock (self->loop);

  if (self->core == NULL)
    {
      g_autofree char *message = NULL;

      /* libpipewire says EHOSTDOWN when there is no socket to connect to. */
      if (saved_errno == EHOSTDOWN || saved_errno == ENOENT || saved_errno == ECONNREFUSED)
        message = g_strdup_printf ("PipeWire is not running (no socket in %s)",
                                   g_getenv ("PIPEWIRE_RUNTIME_DIR") != NULL
                                     ? g_getenv ("PIPEWIRE_RUNTIME_DIR")
                                     : g_getenv ("XDG_RUNTIME_DIR") != NULL
                                       ? g_getenv ("XDG_RUNTIME_DIR") : "the runtime directory");
      else
        message = g_strdup_printf ("Cannot connect to PipeWire: %s", g_strerror (saved_errno));

      g_debug ("%s", message);
      set_last_error (self, message);
      self->first_attempt_done = TRUE;
      schedule_backoff (self);
    }
}

static void
open_camera_remote (PxPipewireConnection *self)
{
  int fd = xdp_portal_open_pipewire_remote_for_camera (self->portal);

  if (fd < 0)
    {
      set_last_error (self, "The camera portal gave no PipeWire remote");
      self->first_attempt_done = TRUE;
      schedule_backoff (self);
      return;
    }
  connect_core (self, fd);
}

static void
access_camera_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(PxPipewireConnection) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!xdp_portal_access_camera_finish (XDP_PORTAL (object), result, &error))
    {
      if (g_cancellable_is_cancelled (self->cancellable))
        return;
      g_debug ("Camera access refused: %s", error->message);
      set_last_error (self, error->message);
      self->first_attempt_done = TRUE;
      set_state (self, PX_PIPEWIRE_STATE_ACCESS_DENIED);
      return;
    }

  self->camera_access_granted = TRUE;
  open_camera_remote (self);
}

static void
attempt_portal (PxPipewireConnection *self)
{
  if (self->portal == NULL)
    {
      g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);

      /* libportal needs a session bus and does not say when it has none. */
      if (bus == NULL)
        {
          set_last_error (self, "No session bus to reach the camera portal");
          self->first_attempt_done = TRUE;
          schedule_backoff (self);
          return;
        }
      self->portal = xdp_portal_new ();
    }

  if (self->camera_access_granted)
    {
      open_camera_remote (self);
      return;
    }

  if (!xdp_portal_is_camera_present (self->portal))
    {
      set_last_error (self, "The camera portal reports no camera");
      self->first_attempt_done = TRUE;
      set_state (self, PX_PIPEWIRE_STATE_NO_CAMERA);
      schedule_retry (self, CAMERA_PRESENT_RECHECK_MS);
      return;
    }

  xdp_portal_access_camera (self->portal, NULL, XDP_CAMERA_FLAG_NONE, self->cancellable,
                            access_camera_cb, g_object_ref (self));
}

static void
attempt_connect (PxPipewireConnection *self)
{
  if (self->state == PX_PIPEWIRE_STATE_CONNECTED)
    return;
  if (self->use_portal)
    attempt_portal (self);
  else
    connect_core (self, -1);
}

/* GObject --------------------------------------------------------------------------------- */

static void
px_pipewire_connection_dispose (GObject *object)
{
  PxPipewireConnection *self = PX_PIPEWIRE_CONNECTION (object);

  g_cancellable_cancel (self->cancellable);
  if (self->retry_source_id != 0)
    {
      GSource *source = g_main_context_find_source_by_id (self->context, self->retry_source_id);

      if (source != NULL)
        g_source_destroy (source);
      self->retry_source_id = 0;
    }

  if (self->loop != NULL)
    {
      pw_thread_loop_lock (self->loop);
      teardown_core_locked (self);
      pw_thread_loop_unlock (self->loop);
      pw_thread_loop_stop (self->loop);
      pw_context_destroy (self->pw_context);
      pw_thread_loop_destroy (self->loop);
      self->loop = NULL;
      self->pw_context = NULL;
    }
  g_clear_object (&self->portal);

  G_OBJECT_CLASS (px_pipewire_connection_parent_class)->dispose (object);
}

static void
px_pipewire_connection_finalize (GObject *object)
{
  PxPipewireConnection *self = PX_PIPEWIRE_CONNECTION (object);

  g_hash_table_unref (self->probes);
  g_ptr_array_unref (self->devices);
  g_free (self->last_error);
  g_object_unref (self->cancellable);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (px_pipewire_connection_parent_class)->finalize (object);
}

static void
px_pipewire_connection_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  PxPipewireConnection *self = PX_PIPEWIRE_CONNECTION (object);

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
px_pipewire_connection_class_init (PxPipewireConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = px_pipewire_connection_dispose;
  object_class->finalize = px_pipewire_connection_finalize;
  object_class->get_property = px_pipewire_connection_get_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       PX_TYPE_PIPEWIRE_STATE, PX_PIPEWIRE_STATE_CONNECTING,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A device appeared (or was found after connecting). */
  signals[DEVICE_ADDED] =
    g_signal_new ("device-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, PX_TYPE_CAPTURE_DEVICE);
  /* A device went away; also emitted for every device when the daemon is lost. */
  signals[DEVICE_REMOVED] =
    g_signal_new ("device-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, PX_TYPE_CAPTURE_DEVICE);
}

static void
px_pipewire_connection_init (PxPipewireConnection *self)
{
  self->devices = g_ptr_array_new_with_free_func (g_object_unref);
  self->probes = g_hash_table_new_full (NULL, NULL, NULL, probe_free);
  self->cancellable = g_cancellable_new ();
  self->connect_seq = -1;
  self->state = PX_PIPEWIRE_STATE_CONNECTING;
}

static gpointer
init_pipewire_cb (gpointer data)
{
  pw_init (NULL, NULL);
  return NULL;
}

static gboolean
portal_wanted (PxPipewireAccess access)
{
  const char *forced = g_getenv ("PX_CAMERA_PORTAL");

  if (access != PX_PIPEWIRE_ACCESS_AUTO)
    return access == PX_PIPEWIRE_ACCESS_PORTAL;
  if (forced != NULL && *forced != '\0')
    return g_str_equal (forced, "1");
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}

PxPipewireConnection *
px_pipewire_connection_new (PxPipewireAccess access)
{
  static GOnce pipewire_once = G_ONCE_INIT;
  PxPipewireConnection *self;

  g_once (&pipewire_once, init_pipewire_cb, NULL);

  self = g_object_new (PX_TYPE_PIPEWIRE_CONNECTION, NULL);
  self->context = g_main_context_ref_thread_default ();
  self->use_portal = portal_wanted (access);
  self->loop = pw_thread_loop_new ("px-pipewire", NULL);
  self->pw_context = pw_context_new (pw_thread_loop_get_loop (self->loop), NULL, 0);
  if (self->pw_context == NULL || pw_thread_loop_start (self->loop) < 0)
    {
      /* Out of memory or threads: stay CONNECTING with a message. */
      set_last_error (self, "Cannot start the PipeWire thread");
      self->first_attempt_done = TRUE;
      return self;
    }

  attempt_connect (self);

  return self;
}

G_LOCK_DEFINE_STATIC (shared_connections);
static PxPipewireConnection *default_connection;
static PxPipewireConnection *camera_connection;

PxPipewireConnection *
px_pipewire_connection_get_default (void)
{
  PxPipewireConnection *connection;

  G_LOCK (shared_connections);
  if (default_connection == NULL)
    default_connection = px_pipewire_connection_new (PX_PIPEWIRE_ACCESS_DIRECT);
  connection = default_connection;
  G_UNLOCK (shared_connections);

  return connection;
}

PxPipewireConnection *
px_pipewire_connection_get_for_cameras (void)
{
  PxPipewireConnection *connection;

  if (!portal_wanted (PX_PIPEWIRE_ACCESS_AUTO))
    return px_pipewire_connection_get_default ();

  G_LOCK (shared_connections);
  if (camera_connection == NULL)
    camera_connection = px_pipewire_connection_new (PX_PIPEWIRE_ACCESS_PORTAL);
  connection = camera_connection;
  G_UNLOCK (shared_connections);

  return connection;
}

PxPipewireState
px_pipewire_connection_get_state (PxPipewireConnection *self)
{
  g_return_val_if_fail (PX_IS_PIPEWIRE_CONNECTION (self), PX_PIPEWIRE_STATE_CONNECTING);
  return self->state;
}

gboolean
px_pipewire_connection_uses_portal (PxPipewireConnection *self)
{
  g_return_val_if_fail (PX_IS_PIPEWIRE_CONNECTION (self), FALSE);
  return self->use_portal;
}

const char *
px_pipewire_connection_get_last_error (PxPipewireConnection *self)
{
  g_return_val_if_fail (PX_IS_PIPEWIRE_CONNECTION (self), NULL);
  return self->last_error;
}

GPtrArray *
px_pipewire_connection_list_devices (PxPipewireConnection *self,
                                     PxDeviceKind          kind)
{
  GPtrArray *result = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_val_if_fail (PX_IS_PIPEWIRE_CONNECTION (self), result);

  for (guint i = 0; i < self->devices->len; i++)
    {
      PxCaptureDevice *device = g_ptr_array_index (self->devices, i);

      if (px_capture_device_get_kind (device) == kind)
        g_ptr_array_add (result, g_object_ref (device));
    }
  return result;
}

PxCaptureDevice *
px_pipewire_connection_find_device (PxPipewireConnection *self,
                                    const char           *name)
{
  g_return_val_if_fail (PX_IS_PIPEWIRE_CONNECTION (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < self->devices->len; i++)
    {
      PxCaptureDevice *device = g_ptr_array_index (self->devices, i);
      g_autofree char *serial = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                                 px_capture_device_get_serial (device));

      if (g_str_equal (px_capture_device_get_name (device), name) || g_str_equal (serial, name))
        return device;
    }
  return NULL;
}

void
px_pipewire_connection_retry (PxPipewireConnection *self)
{
  g_return_if_fail (PX_IS_PIPEWIRE_CONNECTION (self));

  if (self->state == PX_PIPEWIRE_STATE_CONNECTED)
    return;
  if (self->retry_source_id != 0)
    {
      GSource *source = g_main_context_find_source_by_id (self->context, self->retry_source_id);

      if (source != NULL)
        g_source_destroy (source);
      self->retry_source_id = 0;
    }
  if (self->state == PX_PIPEWIRE_STATE_ACCESS_DENIED)
    set_state (self, PX_PIPEWIRE_STATE_CONNECTING);
  attempt_connect (self);
}

static gboolean
ready_timeout_cb (gpointer data)
{
  gboolean *timed_out = data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
px_pipewire_connection_wait_ready (PxPipewireConnection *self,
                                   guint                 timeout_ms)
{
  gboolean timed_out = FALSE;
  GSource *timeout;

  g_return_val_if_fail (PX_IS_PIPEWIRE_CONNECTION (self), FALSE);

  timeout = g_timeout_source_new (timeout_ms);
  g_source_set_callback (timeout, ready_timeout_cb, &timed_out, NULL);
  g_source_attach (timeout, self->context);

  while (!timed_out)
    {
      gboolean settled = self->state == PX_PIPEWIRE_STATE_CONNECTED
                         ? g_atomic_int_get (&self->pending_probes) == 0
                         : self->first_attempt_done;

      /* Devices announced on the PipeWire thread may still sit in the queue. */
      if (settled && !g_main_context_pending (self->context))
        break;
      g_main_context_iteration (self->context, TRUE);
    }

  g_source_destroy (timeout);
  g_source_unref (timeout);

  return self->state == PX_PIPEWIRE_STATE_CONNECTED;
}

void
px_pipewire_connection_lock (PxPipewireConnection *self)
{
  pw_thread_loop_lock (self->loop);
}

void
px_pipewire_connection_unlock (PxPipewireConnection *self)
{
  pw_thread_loop_unlock (self->loop);
}

struct pw_core *
px_pipewire_connection_get_core (PxPipewireConnection *self)
{
  return self->core;
}

gboolean
px_pipewire_connection_is_alive (PxPipewireConnection *self)
{
  return g_atomic_int_get (&self->alive);
}

GMainContext *
px_pipewire_connection_get_context (PxPipewireConnection *self)
{
  return self->context;
}

void
px_pipewire_connection_follow (PxPipewireConnection *self,
                               gulong                handlers[3],
                               GCallback             state_cb,
                               GCallback             added_cb,
                               GCallback             removed_cb,
                               gpointer              data)
{
  handlers[0] = g_signal_connect_swapped (self, "notify::state", state_cb, data);
  handlers[1] = g_signal_connect_swapped (self, "device-added", added_cb, data);
  handlers[2] = g_signal_connect_swapped (self, "device-removed", removed_cb, data);
}

void
px_pipewire_connection_unfollow (PxPipewireConnection *self,
                                 gulong                handlers[3])
{
  for (guint i = 0; i < 3; i++)
    g_clear_signal_handler (&handlers[i], self);
}

void
px_pipewire_connection_start_timeout (PxPipewireConnection  *self,
                                      GSource              **timeout,
                                      guint                  ms,
                                      GSourceFunc            func,
                                      gpointer               data)
{
  px_pipewire_clear_timeout (timeout);
  *timeout = g_timeout_source_new (ms);
  g_source_set_callback (*timeout, func, data, NULL);
  g_source_attach (*timeout, self->context);
}

void
px_pipewire_clear_timeout (GSource **timeout)
{
  if (*timeout != NULL)
    {
      g_source_destroy (*timeout);
      g_clear_pointer (timeout, g_source_unref);
    }
}

typedef struct
{
  struct pw_thread_loop *loop;
  gboolean               reached;
} Drain;

static int
drain_reached_cb (struct spa_loop *loop,
                  bool             async,
                  uint32_t         seq,
                  const void      *data,
                  size_t           size,
                  void            *user_data)
{
  Drain *drain = user_data;

  drain->reached = TRUE;
  pw_thread_loop_signal (drain->loop, false);
  return 0;
}

void
px_pipewire_thread_loop_drain_locked (struct pw_thread_loop *loop)
{
  Drain drain = { loop, FALSE };

  g_assert (!pw_thread_loop_in_thread (loop));

  /* The loop runs its queue in order: once this marker ran, so did
   * everything queued before it. */
  pw_loop_invoke (pw_thread_loop_get_loop (loop), drain_reached_cb, 0, NULL, 0, false, &drain);
  while (!drain.reached)
    pw_thread_loop_wait (loop);
}

void
px_pipewire_connection_destroy_stream_locked (PxPipewireConnection  *self,
                                              struct pw_stream     **stream,
                                              struct spa_hook       *listener)
{
  struct pw_stream *doomed = g_steal_pointer (stream);

  if (doomed == NULL)
    return;

  /* A stream without PW_STREAM_FLAG_RT_PROCESS has its process callback
   * queued from the data thread onto our loop (pw_loop_invoke, not
   * waiting), and libpipewire 0.3.65 neither cancels nor checks that call
   * in pw_stream_destroy(): freeing the stream while one is queued makes
   * the PipeWire thread run it on freed memory. So: stop listening,
   * disconnect (the node leaves the data thread, nothing new gets queued),
   * let the loop run what is already queued, and only then free it. */
  spa_hook_remove (listener);
  pw_stream_disconnect (doomed);
  px_pipewire_thread_loop_drain_locked (self->loop);
  pw_stream_destroy (doomed);
}
