/* px-pipewire-connection-private.h: what the capture streams need from the connection
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <pipewire/pipewire.h>

#include "px-pipewire-connection.h"

G_BEGIN_DECLS

/* The PipeWire thread loop's lock: take it around every pw_stream call made
 * from another thread. Callbacks on the PipeWire thread already hold it. */
void              px_pipewire_connection_lock        (PxPipewireConnection *self);
void              px_pipewire_connection_unlock      (PxPipewireConnection *self);

/* The current core (lock held), or NULL while disconnected. */
struct pw_core   *px_pipewire_connection_get_core    (PxPipewireConnection *self);

/* FALSE from the moment the PipeWire thread saw the daemon go away until
 * the connection is back: stream errors meanwhile are not the stream's
 * fault. Any thread. */
gboolean          px_pipewire_connection_is_alive    (PxPipewireConnection *self);

/* The main context signals come on. */
GMainContext     *px_pipewire_connection_get_context (PxPipewireConnection *self);

/* Runs @func on the connection's main context soon (from any thread). */
void              px_pipewire_connection_post        (PxPipewireConnection *self,
                                                      GSourceFunc           func,
                                                      gpointer              data,
                                                      GDestroyNotify        destroy);

G_END_DECLS
