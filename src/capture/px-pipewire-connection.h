/* px-pipewire-connection.h: the process's connection to PipeWire
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "px-capture-device.h"

G_BEGIN_DECLS

typedef enum
{
  PX_PIPEWIRE_STATE_CONNECTING,    /* first attempt, or asking the portal */
  PX_PIPEWIRE_STATE_CONNECTED,
  PX_PIPEWIRE_STATE_RECONNECTING,  /* lost the daemon; trying again with back-off */
  PX_PIPEWIRE_STATE_NO_CAMERA,     /* the portal says there is no camera (re-checked) */
  PX_PIPEWIRE_STATE_ACCESS_DENIED, /* the portal refused; final until a retry is asked for */
} PxPipewireState;

#define PX_TYPE_PIPEWIRE_STATE (px_pipewire_state_get_type ())
GType px_pipewire_state_get_type (void) G_GNUC_CONST;

typedef enum
{
  PX_PIPEWIRE_ACCESS_AUTO,    /* the camera portal inside Flatpak or with PX_CAMERA_PORTAL=1 */
  PX_PIPEWIRE_ACCESS_DIRECT,  /* the PipeWire socket */
  PX_PIPEWIRE_ACCESS_PORTAL,  /* the camera portal (org.freedesktop.portal.Camera) */
} PxPipewireAccess;

#define PX_TYPE_PIPEWIRE_CONNECTION (px_pipewire_connection_get_type ())

G_DECLARE_FINAL_TYPE (PxPipewireConnection, px_pipewire_connection,
                      PX, PIPEWIRE_CONNECTION, GObject)

/* The shared connection for microphones and speakers: always direct. Made
 * on first use; its signals come on the thread-default main context of
 * that first caller (the main thread, in the app). */
PxPipewireConnection *px_pipewire_connection_get_default      (void);

/* The shared connection for cameras: the default one, or in a sandbox one
 * through the camera portal (whose PipeWire remote shows only cameras). */
PxPipewireConnection *px_pipewire_connection_get_for_cameras  (void);

/* A connection of one's own (tests, tools that force the portal). Signals
 * come on the thread-default main context of the caller. */
PxPipewireConnection *px_pipewire_connection_new              (PxPipewireAccess      access);

PxPipewireState       px_pipewire_connection_get_state        (PxPipewireConnection *self);

/* Whether frames come through the camera portal. */
gboolean              px_pipewire_connection_uses_portal      (PxPipewireConnection *self);

/* Why the last attempt failed, for people, or NULL. */
const char           *px_pipewire_connection_get_last_error   (PxPipewireConnection *self);

/* The devices known now, of @kind, in the order they appeared (a new
 * array of references). */
GPtrArray            *px_pipewire_connection_list_devices     (PxPipewireConnection *self,
                                                               PxDeviceKind          kind);

/* The device of that node.name (or object serial, in decimal), or NULL. */
PxCaptureDevice      *px_pipewire_connection_find_device      (PxPipewireConnection *self,
                                                               const char           *name);

/* Asks the portal again after a denial, or tries to connect now instead of
 * waiting out the back-off. */
void                  px_pipewire_connection_retry            (PxPipewireConnection *self);

/* Waits, iterating the connection's main context, until the first attempt
 * has settled (connected with its devices listed, denied, or failed once)
 * or @timeout_ms have passed. For command-line tools that need the device
 * list once. Returns whether the state is CONNECTED. */
gboolean              px_pipewire_connection_wait_ready       (PxPipewireConnection *self,
                                                               guint                 timeout_ms);

struct pw_thread_loop;

/* With @loop locked, from another thread: returns once the loop has run
 * every call already queued on it. Call it between pw_stream_disconnect()
 * and pw_stream_destroy(): libpipewire 0.3.65 queues the process callback
 * of a non-RT stream onto the loop without waiting, and does not cancel it
 * when the stream is destroyed. */
void px_pipewire_thread_loop_drain_locked (struct pw_thread_loop *loop);

G_END_DECLS
