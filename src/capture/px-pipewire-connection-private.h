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

/* What the camera and the audio streams do alike ------------------------------------------ */

/* Connects the three signals a stream follows ("notify::state",
 * "device-added", "device-removed") to callbacks that get @data first;
 * their ids go to @handlers, for px_pipewire_connection_unfollow(). */
void              px_pipewire_connection_follow        (PxPipewireConnection *self,
                                                        gulong                handlers[3],
                                                        GCallback             state_cb,
                                                        GCallback             added_cb,
                                                        GCallback             removed_cb,
                                                        gpointer              data);
void              px_pipewire_connection_unfollow      (PxPipewireConnection *self,
                                                        gulong                handlers[3]);

/* Replaces *@timeout with a new one of @ms on the connection's main context. */
void              px_pipewire_connection_start_timeout (PxPipewireConnection *self,
                                                        GSource             **timeout,
                                                        guint                 ms,
                                                        GSourceFunc           func,
                                                        gpointer              data);

/* Cancels *@timeout, if any. */
void              px_pipewire_clear_timeout            (GSource             **timeout);

/* Removes @listener and destroys *@stream, if any, setting it to NULL. Call
 * it holding the loop lock once, from any thread but the PipeWire one: it
 * lets go of the lock while the PipeWire thread runs what that stream still
 * has queued, so no callback of ours fires after it returns. */
void              px_pipewire_connection_destroy_stream_locked (PxPipewireConnection  *self,
                                                                struct pw_stream     **stream,
                                                                struct spa_hook       *listener);

G_END_DECLS
