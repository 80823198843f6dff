/* px-studio-publisher.h: the studio's cameras as PipeWire camera nodes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "studio/px-studio.h"

G_BEGIN_DECLS

#define PX_TYPE_STUDIO_PUBLISHER (px_studio_publisher_get_type ())

G_DECLARE_FINAL_TYPE (PxStudioPublisher, px_studio_publisher, PX, STUDIO_PUBLISHER, GObject)

/* Publishes every camera of @studio as a Video/Source node (media.role
 * Camera, node.name and node.description the camera's id) offering I420 or
 * YUY2 at the camera's size and @fps. Each buffer carries a header whose
 * seq is the frame number: frame n is px_studio_render (studio, n / fps, n).
 * With @max_frames > 0, ::finished is emitted once every camera has sent
 * that many buffers and a further graph cycle has passed, so that linked
 * consumers have received the last one. Signals are emitted in the thread-default main context
 * of the caller of px_studio_publisher_new(). */
PxStudioPublisher *px_studio_publisher_new        (PxStudio           *studio,
                                                   guint               fps,
                                                   guint64             max_frames);

/* Connects to the PipeWire daemon (PIPEWIRE_REMOTE or the default socket)
 * and creates the nodes. Frames are rendered while a consumer is linked. */
gboolean           px_studio_publisher_start      (PxStudioPublisher  *self,
                                                   GError            **error);

/* Destroys the nodes and disconnects; also done on finalize. */
void               px_studio_publisher_stop       (PxStudioPublisher  *self);

/* Buffers sent so far by camera @camera. Thread-safe. */
guint64            px_studio_publisher_get_frames_sent (PxStudioPublisher *self,
                                                        guint              camera);

G_END_DECLS
