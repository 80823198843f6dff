/* px-device-monitor.c: the cameras, microphones or speakers there are now
 *
 * A filter over the connection's device signals. It lives on the
 * connection's main context, like those signals.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "px-device-monitor.h"

struct _PxDeviceMonitor
{
  GObject parent_instance;

  PxDeviceKind          kind;
  PxPipewireConnection *connection;
  GPtrArray            *devices;
  gulong                added_id;
  gulong                removed_id;
};

static void px_device_monitor_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PxDeviceMonitor, px_device_monitor, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      px_device_monitor_list_model_init))

enum {
  ADDED,
  REMOVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static GType
px_device_monitor_get_item_type (GListModel *model)
{
  return PX_TYPE_CAPTURE_DEVICE;
}

static guint
px_device_monitor_get_n_items (GListModel *model)
{
  return PX_DEVICE_MONITOR (model)->devices->len;
}

static gpointer
px_device_monitor_get_item (GListModel *model,
                            guint       position)
{
  PxDeviceMonitor *self = PX_DEVICE_MONITOR (model);

  if (position >= self->devices->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->devices, position));
}

static void
px_device_monitor_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = px_device_monitor_get_item_type;
  iface->get_n_items = px_device_monitor_get_n_items;
  iface->get_item = px_device_monitor_get_item;
}

static void
device_added_cb (PxDeviceMonitor *self,
                 PxCaptureDevice *device)
{
  if (px_capture_device_get_kind (device) != self->kind)
    return;

  g_ptr_array_add (self->devices, g_object_ref (device));
  g_list_model_items_changed (G_LIST_MODEL (self), self->devices->len - 1, 0, 1);
  g_signal_emit (self, signals[ADDED], 0, device);
}

static void
device_removed_cb (PxDeviceMonitor *self,
                   PxCaptureDevice *device)
{
  guint position;

  if (!g_ptr_array_find (self->devices, device, &position))
    return;

  g_object_ref (device);
  g_ptr_array_remove_index (self->devices, position);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
  g_signal_emit (self, signals[REMOVED], 0, device);
  g_object_unref (device);
}

static void
px_device_monitor_dispose (GObject *object)
{
  PxDeviceMonitor *self = PX_DEVICE_MONITOR (object);

  g_clear_signal_handler (&self->added_id, self->connection);
  g_clear_signal_handler (&self->removed_id, self->connection);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (px_device_monitor_parent_class)->dispose (object);
}

static void
px_device_monitor_finalize (GObject *object)
{
  PxDeviceMonitor *self = PX_DEVICE_MONITOR (object);

  g_ptr_array_unref (self->devices);

  G_OBJECT_CLASS (px_device_monitor_parent_class)->finalize (object);
}

static void
px_device_monitor_class_init (PxDeviceMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = px_device_monitor_dispose;
  object_class->finalize = px_device_monitor_finalize;

  signals[ADDED] =
    g_signal_new ("added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, PX_TYPE_CAPTURE_DEVICE);
  signals[REMOVED] =
    g_signal_new ("removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, PX_TYPE_CAPTURE_DEVICE);
}

static void
px_device_monitor_init (PxDeviceMonitor *self)
{
  self->devices = g_ptr_array_new_with_free_func (g_object_unref);
}

PxDeviceMonitor *
px_device_monitor_new (PxDeviceKind          kind,
                       PxPipewireConnection *connection)
{
  PxDeviceMonitor *self = g_object_new (PX_TYPE_DEVICE_MONITOR, NULL);

  if (connection == NULL)
    connection = kind == PX_DEVICE_KIND_CAMERA ? px_pipewire_connection_get_for_cameras ()
                                               : px_pipewire_connection_get_default ();

  self->kind = kind;
  self->connection = g_object_ref (connection);
  g_ptr_array_extend_and_steal (self->devices,
                                px_pipewire_connection_list_devices (connection, kind));
  self->added_id = g_signal_connect_swapped (connection, "device-added",
                                             G_CALLBACK (device_added_cb), self);
  self->removed_id = g_signal_connect_swapped (connection, "device-removed",
                                               G_CALLBACK (device_removed_cb), self);

  return self;
}

PxDeviceMonitor *
px_camera_monitor_new (void)
{
  return px_device_monitor_new (PX_DEVICE_KIND_CAMERA, NULL);
}

PxDeviceKind
px_device_monitor_get_kind (PxDeviceMonitor *self)
{
  g_return_val_if_fail (PX_IS_DEVICE_MONITOR (self), PX_DEVICE_KIND_CAMERA);
  return self->kind;
}

PxPipewireConnection *
px_device_monitor_get_connection (PxDeviceMonitor *self)
{
  g_return_val_if_fail (PX_IS_DEVICE_MONITOR (self), NULL);
  return self->connection;
}

PxCaptureDevice *
px_device_monitor_find (PxDeviceMonitor *self,
                        const char      *name)
{
  g_return_val_if_fail (PX_IS_DEVICE_MONITOR (self), NULL);

  for (guint i = 0; i < self->devices->len; i++)
    {
      PxCaptureDevice *device = g_ptr_array_index (self->devices, i);

      if (g_strcmp0 (px_capture_device_get_name (device), name) == 0)
        return device;
    }
  return NULL;
}
