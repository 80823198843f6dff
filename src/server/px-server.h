/* px-server.h: the Parallax backend — rooms, participants and fan-out
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A PxServer serves protocol parallax.v1 (src/net/PROTOCOL.md) over a
 * SoupServer: WebSocket rooms at /v1/rooms/ROOM, /healthz and /metrics. It
 * lives on the thread whose thread-default GMainContext was current when
 * it was created, and must be used from that thread only.
 */
#pragma once

#include <gio/gio.h>

#include "px-server-config.h"

G_BEGIN_DECLS

/* WebSocket close codes of the protocol (also in PROTOCOL.md). */
typedef enum
{
  PX_CLOSE_NORMAL = 1000,
  PX_CLOSE_GOING_AWAY = 1001,
  PX_CLOSE_TOO_BIG = 1009,
  PX_CLOSE_PROTOCOL_ERROR = 4000,
  PX_CLOSE_NOT_ALLOWED = 4001,
  PX_CLOSE_RATE_LIMITED = 4002,
  PX_CLOSE_REPLACED = 4003,
  PX_CLOSE_IDLE_TIMEOUT = 4004,
  PX_CLOSE_ROOM_FULL = 4006,
  PX_CLOSE_SERVER_DRAINING = 4100,
} PxCloseCode;

/* How long a dropped participant keeps its place in the room. */
#define PX_SERVER_RESUME_WINDOW_SECONDS 10
/* Bytes either side may have unacknowledged in flight. */
#define PX_FLOW_WINDOW_BYTES (1024 * 1024)

#define PX_TYPE_SERVER (px_server_get_type ())

G_DECLARE_FINAL_TYPE (PxServer, px_server, PX, SERVER, GObject)

/* @config must have been finished (px_server_config_finish()). */
PxServer       *px_server_new                 (PxServerConfig  *config);

/* Listens on the configured address and port (port 0: any free port). */
gboolean        px_server_listen              (PxServer        *self,
                                               GError         **error);

/* The port actually bound, once listening. */
guint           px_server_get_port            (PxServer        *self);

/* "ws://ADDRESS:PORT" or "wss://…" once listening. */
char           *px_server_get_url             (PxServer        *self);

PxServerConfig *px_server_get_config          (PxServer        *self);

/* Stops taking joins, tells every client, and closes what is still open
 * after the configured grace with close code 4100. Emits ::drained once no
 * connection is left. */
void            px_server_drain               (PxServer        *self);
gboolean        px_server_is_draining         (PxServer        *self);

/* Closes every connection at once (1001) and stops listening. */
void            px_server_stop                (PxServer        *self);

/* The Prometheus text exposition served at /metrics. */
char           *px_server_render_metrics      (PxServer        *self);

guint           px_server_get_n_connections   (PxServer        *self);
guint           px_server_get_n_rooms         (PxServer        *self);

G_END_DECLS
