/* px-meeting-controller.h: the meeting the app is in, and its own server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One per application. It joins a PxJoinTarget with a PxSession: a target
 * without a server joins the server embedded in the app, started on first
 * use and kept until px_meeting_controller_shutdown(). The window shows
 * what the controller says (state, people, errors) and holds no engine
 * logic itself. GTK-free; call it from the main thread.
 *
 *   px_meeting_controller_join_async (controller, target, joined_cb, self);
 *   …
 *   message = px_meeting_describe_error (error, secure);
 */
#pragma once

#include <gio/gio.h>

#include "media/px-call-media.h"
#include "media/px-rig-publisher.h"
#include "net/px-join-target.h"
#include "net/px-session.h"
#include "server/px-embedded-server.h"
#include "studio/px-demo-studio.h"

G_BEGIN_DECLS

typedef enum
{
  PX_MEETING_STATE_IDLE,
  PX_MEETING_STATE_CONNECTING,
  PX_MEETING_STATE_JOINED,
  PX_MEETING_STATE_RECONNECTING,
} PxMeetingState;

/* How long the tokens the app mints for its own server stay valid. */
#define PX_MEETING_TOKEN_TTL_S (24 * 60 * 60)

#define PX_TYPE_MEETING_CONTROLLER (px_meeting_controller_get_type ())

G_DECLARE_FINAL_TYPE (PxMeetingController, px_meeting_controller, PX, MEETING_CONTROLLER, GObject)

PxMeetingController *px_meeting_controller_new          (void);

/* Joins @target (validated already); completes once in the room, or with a
 * PX_SESSION_ERROR, a PX_JOIN_TARGET_ERROR (a server without a token) or,
 * when px_meeting_controller_leave() cancelled it, G_IO_ERROR_CANCELLED. */
void              px_meeting_controller_join_async      (PxMeetingController *self,
                                                         PxJoinTarget        *target,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean          px_meeting_controller_join_finish     (PxMeetingController *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

/* Leaves the meeting, or gives up joining; the state goes back to IDLE. */
void              px_meeting_controller_leave           (PxMeetingController *self);

/* Leaves and stops the embedded server: the application is quitting. */
void              px_meeting_controller_shutdown        (PxMeetingController *self);

PxMeetingState    px_meeting_controller_get_state       (PxMeetingController *self);
/* The target being joined or joined (with the token used), or NULL. */
PxJoinTarget     *px_meeting_controller_get_target      (PxMeetingController *self);
PxSession        *px_meeting_controller_get_session     (PxMeetingController *self);
/* How many people are in the room besides the user. */
guint             px_meeting_controller_get_n_others    (PxMeetingController *self);

/* Whether the embedded server listens on every interface, so that people
 * on the LAN can join with an invite link; it takes effect at the next
 * join that starts the server. */
void              px_meeting_controller_set_allow_lan   (PxMeetingController *self,
                                                         gboolean             allow_lan);
gboolean          px_meeting_controller_get_allow_lan   (PxMeetingController *self);
/* Microphone and camera on or off (default on): while off nothing of it
 * is sent and the roster shows it muted. Follows in a running meeting. */
void              px_meeting_controller_set_microphone_on (PxMeetingController *self,
                                                           gboolean             on);
gboolean          px_meeting_controller_get_microphone_on (PxMeetingController *self);
void              px_meeting_controller_set_camera_on   (PxMeetingController *self,
                                                         gboolean             on);
gboolean          px_meeting_controller_get_camera_on   (PxMeetingController *self);

/* The devices by PipeWire node.name ("" or NULL: the first camera, the
 * default microphone and speaker), as properties "camera-device",
 * "microphone-device" and "speaker-device". They apply at the next join.
 * A device that is missing is left out: the meeting goes on without it. */
void              px_meeting_controller_set_devices     (PxMeetingController *self,
                                                         const char          *camera,
                                                         const char          *microphone,
                                                         const char          *speaker);

/* The media of the meeting joined, or NULL. */
PxCallMedia      *px_meeting_controller_get_call_media  (PxMeetingController *self);

/* The demo: the next meeting on this computer (a target without server)
 * gets the synthetic studio as a participant, once the user is in. */
void              px_meeting_controller_set_demo        (PxMeetingController *self,
                                                         gboolean             demo);
gboolean          px_meeting_controller_get_demo        (PxMeetingController *self);
/* The demo studio of the meeting, or NULL. */
PxDemoStudio     *px_meeting_controller_get_demo_studio (PxMeetingController *self);

/* The studio rig publishing the user in 3D (properties "studio-rig-file"
 * and "studio-cameras" set), or NULL: the single camera is used. */
PxRigPublisher   *px_meeting_controller_get_rig_publisher (PxMeetingController *self);

/* The embedded server, or NULL until a meeting on this computer started it. */
PxEmbeddedServer *px_meeting_controller_get_embedded_server (PxMeetingController *self);

/* A parallax:// link that lets one more person into the current meeting
 * (each link carries a token for a guest identity of its own). Only for a
 * meeting on the embedded server: others hand out their own links. */
char             *px_meeting_controller_create_invite   (PxMeetingController *self,
                                                         GError             **error);

/* A sentence for the user saying what went wrong and what to do. @secure:
 * the server was reached over TLS (certificate problems are possible). */
char             *px_meeting_describe_error             (const GError        *error,
                                                         gboolean             secure);

G_END_DECLS
