/* px-demo-studio.h: the synthetic studio as a participant of a meeting
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The demo: a PxStudio (the animated person and its calibrated two-camera
 * rig) joins a room as the participant "Demo studio" with a session of its
 * own and publishes through the same path as a real studio: when a
 * PipeWire daemon runs, its cameras become PipeWire camera nodes
 * (PxStudioPublisher) that a PxRigPublisher captures; otherwise the frames
 * are rendered in-process and pushed to the PxRigPublisher. Either way the
 * server reconstructs the person and everyone in the room sees them in 3D.
 *
 *   demo = px_demo_studio_new (url, "demo", token);
 *   px_demo_studio_start_async (demo, cancellable, started_cb, self);
 *   …
 *   px_demo_studio_stop (demo);
 *
 * Threading: it runs on a thread of its own (session, capture, rendering,
 * encoding), so the caller's main loop never waits for it. Create, start,
 * stop and receive the callback on the caller's thread.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The name it joins with (untranslated; translate with _() to show it). */
#define PX_DEMO_STUDIO_NAME "Demo studio"
#define PX_DEMO_STUDIO_IDENTITY "demo-studio"

typedef enum
{
  PX_DEMO_STUDIO_CAMERAS_AUTO,       /* PipeWire nodes when a daemon answers */
  PX_DEMO_STUDIO_CAMERAS_PIPEWIRE,   /* PipeWire nodes or fail */
  PX_DEMO_STUDIO_CAMERAS_IN_PROCESS, /* rendered and pushed in-process */
} PxDemoStudioCameras;

#define PX_TYPE_DEMO_STUDIO (px_demo_studio_get_type ())

G_DECLARE_FINAL_TYPE (PxDemoStudio, px_demo_studio, PX, DEMO_STUDIO, GObject)

/* @token: a token for PX_DEMO_STUDIO_IDENTITY with the publish grant. */
PxDemoStudio *px_demo_studio_new                (const char          *server_url,
                                                 const char          *room,
                                                 const char          *token);
void          px_demo_studio_set_cameras        (PxDemoStudio        *self,
                                                 PxDemoStudioCameras  cameras);
/* Frames per second (default 30). */
void          px_demo_studio_set_fps            (PxDemoStudio        *self,
                                                 guint                fps);

/* Joins and starts publishing; completes once the first frame set was
 * sent, or with the error that stopped it. */
void          px_demo_studio_start_async        (PxDemoStudio        *self,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean      px_demo_studio_start_finish       (PxDemoStudio        *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);

/* Signal "closed" (const GError *): the demo ended by itself after it had
 * started (its session closed for good, or with PX_DEMO_STUDIO_CAMERAS_PIPEWIRE
 * the PipeWire daemon went away); emitted in the context the demo was
 * started from. With AUTO cameras a lost daemon only moves the cameras
 * in-process. */

/* Leaves the room and stops the thread; also done when the last
 * reference goes. */
void          px_demo_studio_stop               (PxDemoStudio        *self);

/* Whether its cameras are PipeWire nodes (valid once started). */
gboolean      px_demo_studio_get_uses_pipewire  (PxDemoStudio        *self);
guint64       px_demo_studio_get_sets_sent      (PxDemoStudio        *self);

G_END_DECLS
