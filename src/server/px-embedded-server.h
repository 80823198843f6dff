/* px-embedded-server.h: a parallax-server inside the app
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * When no server is configured, the app holds meetings on a server of its
 * own: a PxServer on a thread of its own (so that forwarding never touches
 * the UI thread), listening on a random port with a random secret. The app
 * mints tokens for itself and for invite links with
 * px_embedded_server_mint_token().
 *
 *   server = px_embedded_server_new (NULL);
 *   if (!px_embedded_server_start (server, &error))
 *     …
 *   token = px_embedded_server_mint_token (server, "standup", identity, name, 86400, TRUE);
 *   session = px_session_new (px_embedded_server_get_url (server), "standup", token);
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define PX_TYPE_EMBEDDED_SERVER (px_embedded_server_get_type ())

G_DECLARE_FINAL_TYPE (PxEmbeddedServer, px_embedded_server, PX, EMBEDDED_SERVER, GObject)

/* @address: where to listen; NULL means 127.0.0.1 (this machine only).
 * "0.0.0.0" lets others on the LAN join with an invite link. */
PxEmbeddedServer *px_embedded_server_new          (const char        *address);

/* Starts the server thread and waits until it listens (or failed). */
gboolean          px_embedded_server_start        (PxEmbeddedServer  *self,
                                                   GError           **error);

/* Closes every connection and joins the thread; also done on finalize. */
void              px_embedded_server_stop         (PxEmbeddedServer  *self);

gboolean          px_embedded_server_is_running   (PxEmbeddedServer  *self);

/* "ws://127.0.0.1:PORT" (the listening address; 127.0.0.1 when it listens
 * on every interface), valid once started. */
const char       *px_embedded_server_get_url      (PxEmbeddedServer  *self);
guint             px_embedded_server_get_port     (PxEmbeddedServer  *self);

/* A token for @room signed with this server's secret, valid @ttl_seconds. */
char             *px_embedded_server_mint_token   (PxEmbeddedServer  *self,
                                                   const char        *room,
                                                   const char        *identity,
                                                   const char        *display_name,
                                                   guint              ttl_seconds,
                                                   gboolean           can_publish);

G_END_DECLS
