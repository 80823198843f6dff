/* px-device-monitor.h: the cameras, microphones or speakers there are now
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "px-capture-device.h"
#include "px-pipewire-connection.h"

G_BEGIN_DECLS

#define PX_TYPE_DEVICE_MONITOR (px_device_monitor_get_type ())

G_DECLARE_FINAL_TYPE (PxDeviceMonitor, px_device_monitor, PX, DEVICE_MONITOR, GObject)

/* A live list (a GListModel of PxCaptureDevice) of the devices of @kind,
 * kept up to date as they are plugged and unplugged, with "added" and
 * "removed" signals. Both come on the main context of @connection, never on
 * the PipeWire thread. @connection NULL: the shared connection for @kind. */
PxDeviceMonitor      *px_device_monitor_new             (PxDeviceKind          kind,
                                                         PxPipewireConnection *connection);

/* A monitor of cameras on the shared camera connection. */
PxDeviceMonitor      *px_camera_monitor_new             (void);

PxDeviceKind          px_device_monitor_get_kind        (PxDeviceMonitor      *self);
PxPipewireConnection *px_device_monitor_get_connection  (PxDeviceMonitor      *self);

/* The device of that node.name in the list, or NULL. */
PxCaptureDevice      *px_device_monitor_find            (PxDeviceMonitor      *self,
                                                         const char           *name);

G_END_DECLS
