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

/* Whether each frame set carries its number as a frame code on the
 * person's chest (px-frame-code.h), for measuring latency from pixels.
 * Default FALSE. Any thread. */
void               px_studio_publisher_set_frame_code (PxStudioPublisher *self,
                                                       gboolean           frame_code);

/* Frames play the pictures of the first @n_frames again (rendered the first
 * time round and kept: about 2.5 MB a frame for two 640×480 cameras), so
 * that the studio costs little CPU beside what it films for; frame codes
 * still count every frame. 0 (the default): every frame is rendered. Call
 * before start(). */
void               px_studio_publisher_set_loop       (PxStudioPublisher *self,
                                                       guint              n_frames);

/* When frame @frame was made: its pictures were complete, the instant a
 * camera would have read out its sensor (g_get_monotonic_time(), also the
 * buffers' pts in nanoseconds); 0 when it was skipped or is older than the
 * last 1024 frames made. Thread-safe. */
gint64             px_studio_publisher_get_made_time  (PxStudioPublisher *self,
                                                       guint64            frame);

/* Buffers sent so far by camera @camera. Thread-safe. */
guint64            px_studio_publisher_get_frames_sent (PxStudioPublisher *self,
                                                        guint              camera);

G_END_DECLS
