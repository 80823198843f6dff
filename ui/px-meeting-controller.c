/* px-meeting-controller.c: the meeting the app is in, and its own server
 *
 * The controller owns at most one PxSession at a time. Joining the app's
 * own server starts a PxEmbeddedServer (on 127.0.0.1, or on every
 * interface when LAN guests are allowed) and mints the user a token with
 * the server's secret; joining elsewhere takes the target's token, which
 * came from an invite link or the command line.
 *
 * A session that closes for good after the join (replaced, kicked, server
 * gone past the resume window) ends the meeting: ::ended carries why. A
 * session the user left or cancelled is dropped silently: its handlers are
 * disconnected before px_session_leave().
 *
 * The meeting's media (a PxCallMedia) starts once the join completes and
 * stops before the session is left. Devices that are not there are left
 * out rather than failing the meeting: someone without a camera still
 * sees and hears the others. A camera or microphone unplugged during the
 * meeting is reported (::device-lost) and the meeting goes on; when it
 * comes back the media restarts with it (::device-recovered).
 *
 * With a studio rig configured (a rig file and its cameras), the user is
 * published in 3D by a PxRigPublisher instead of the single camera (and,
 * as a participant announces one set of streams, without voice for now);
 * a rig that cannot be used is reported (::warning) and the webcam and
 * microphone stand in.
 *
 * The demo (px_meeting_controller_set_demo()) adds the synthetic studio
 * to a meeting on the embedded server: a PxDemoStudio joins the room as
 * "Demo studio" with a token the server minted, once the user is in, and
 * stops when the user leaves.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <glib/gi18n.h>

#include "capture/px-capture-device.h"
#include "media/px-rig-publisher.h"
#include "net/px-token.h"
#include "recon/px-rig.h"
#include "px-meeting-controller.h"

struct _PxMeetingController
{
  GObject parent_instance;

  PxEmbeddedServer *server;
  gboolean server_on_lan;   /* how the running server was started */
  gboolean allow_lan;
  char *host_identity;      /* the user's identity on the embedded server */

  PxJoinTarget *target;
  PxSession *session;
  GTask *join_task;
  PxMeetingState state;
  guint n_others;

  PxCallMedia *call;
  gboolean microphone_on;
  gboolean camera_on;
  char *camera_device;
  char *microphone_device;
  char *speaker_device;

  /* What the running call uses, to notice when it goes away. */
  char *used_camera;
  gboolean camera_lost;
  gboolean microphone_lost;

  char *studio_rig_file;
  char **studio_cameras;
  PxRigPublisher *rig_publisher;
  int video_max_height;
  int video_max_bitrate_kbps;

  gboolean demo;
  PxDemoStudio *demo_studio;
  GCancellable *demo_cancellable;
};

G_DEFINE_FINAL_TYPE (PxMeetingController, px_meeting_controller, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_N_OTHERS,
  PROP_ALLOW_LAN,
  PROP_MICROPHONE_ON,
  PROP_CAMERA_ON,
  PROP_CAMERA_DEVICE,
  PROP_MICROPHONE_DEVICE,
  PROP_SPEAKER_DEVICE,
  PROP_CALL_MEDIA,
  PROP_DEMO,
  PROP_STUDIO_RIG_FILE,
  PROP_STUDIO_CAMERAS,
  PROP_VIDEO_MAX_HEIGHT,
  PROP_VIDEO_MAX_BITRATE_KBPS,
  N_PROPS
};

enum {
  SIGNAL_ENDED,
  SIGNAL_DEVICE_LOST,
  SIGNAL_DEVICE_RECOVERED,
  SIGNAL_WARNING,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
set_state (PxMeetingController *self,
           PxMeetingState       state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_n_others (PxMeetingController *self,
              guint                n_others)
{
  if (self->n_others == n_others)
    return;
  self->n_others = n_others;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_OTHERS]);
}

/* The node.name of the device of @kind to open: @chosen when it is there,
 * else the first one listed (@first_by_default), else NULL meaning the
 * default one. *@available says whether there is any device of @kind. */
static char *
pick_device (PxPipewireConnection *connection,
             PxDeviceKind          kind,
             const char           *chosen,
             gboolean              first_by_default,
             gboolean             *available)
{
  g_autoptr(GPtrArray) devices = NULL;
  PxCaptureDevice *found;

  *available = FALSE;
  if (px_pipewire_connection_get_state (connection) != PX_PIPEWIRE_STATE_CONNECTED)
    return NULL;

  if (chosen != NULL && chosen[0] != '\0')
    {
      found = px_pipewire_connection_find_device (connection, chosen);
      if (found != NULL && px_capture_device_get_kind (found) == kind)
        {
          *available = TRUE;
          return g_strdup (chosen);
        }
    }

  devices = px_pipewire_connection_list_devices (connection, kind);
  if (devices->len == 0)
    return NULL;
  *available = TRUE;
  if (!first_by_default)
    return NULL;
  return g_strdup (px_capture_device_get_name (g_ptr_array_index (devices, 0)));
}

static void
warn (PxMeetingController *self,
      const char          *message)
{
  g_message ("%s", message);
  g_signal_emit (self, signals[SIGNAL_WARNING], 0, message);
}

/* The studio rig, started on the session, or NULL (with a warning when a
 * rig was configured but cannot be used). */
static PxRigPublisher *
start_rig_publisher (PxMeetingController *self)
{
  g_autoptr(PxRig) rig = NULL;
  g_autoptr(PxRigPublisher) publisher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (self->studio_rig_file == NULL || self->studio_rig_file[0] == '\0')
    return NULL;

  rig = px_rig_new_from_file (self->studio_rig_file, &error);
  if (rig == NULL)
    {
      message = g_strdup_printf (_("The studio rig could not be loaded (%s): others see you "
                                   "through your camera."), error->message);
      warn (self, message);
      return NULL;
    }
  if (px_rig_get_n_pairs (rig) == 0 || self->studio_cameras == NULL ||
      g_strv_length (self->studio_cameras) < 2)
    {
      warn (self, _("The studio rig needs a calibrated camera pair and its two cameras chosen in "
                    "Preferences: others see you through your camera."));
      return NULL;
    }

  publisher = px_rig_publisher_new (self->session, rig);
  px_rig_publisher_set_cameras (publisher, px_pipewire_connection_get_for_cameras (),
                                (const char * const *) self->studio_cameras);
  px_rig_publisher_set_camera_off (publisher, !self->camera_on);
  if (!px_rig_publisher_start (publisher, &error))
    {
      message = g_strdup_printf (_("The studio rig could not start (%s): others see you "
                                   "through your camera."), error->message);
      warn (self, message);
      return NULL;
    }
  return g_steal_pointer (&publisher);
}

static void restart_local_media (PxMeetingController *self);

/* Whether a studio rig is configured to publish the user in 3D. */
static gboolean
wants_rig (PxMeetingController *self)
{
  return self->studio_rig_file != NULL && self->studio_rig_file[0] != '\0';
}

static void
start_call_media (PxMeetingController *self)
{
  g_autoptr(PxCallMedia) call = px_call_media_new (self->session);
  PxLocalMedia *local = px_call_media_get_local (call);
  g_autoptr(GError) error = NULL;
  g_autofree char *camera = NULL;
  g_autofree char *microphone = NULL;
  g_autofree char *speaker = NULL;
  gboolean has_camera, has_microphone, has_speaker;
  gboolean rig = wants_rig (self);

  /* A camera has no "default" in PipeWire: the first one stands in. */
  camera = pick_device (px_pipewire_connection_get_for_cameras (), PX_DEVICE_KIND_CAMERA,
                        self->camera_device, TRUE, &has_camera);
  microphone = pick_device (px_pipewire_connection_get_default (), PX_DEVICE_KIND_MICROPHONE,
                            self->microphone_device, FALSE, &has_microphone);
  speaker = pick_device (px_pipewire_connection_get_default (), PX_DEVICE_KIND_SPEAKER,
                         self->speaker_device, FALSE, &has_speaker);

  g_free (self->used_camera);
  self->used_camera = has_camera ? g_strdup (camera) : NULL;
  self->camera_lost = FALSE;
  self->microphone_lost = FALSE;

  /* With a rig, the rig films the user and the call's media sends the
   * voice: each announces its own streams (px_session_set_streams_for). */
  px_local_media_set_camera (local, NULL, has_camera && !rig ? camera : NULL);
  px_local_media_set_microphone (local, NULL, microphone);
  px_local_media_set_voice_enabled (local, has_microphone);
  px_call_media_set_speaker (call, NULL, speaker);
  px_call_media_set_playback_enabled (call, has_speaker);
  px_local_media_set_microphone_muted (local, !self->microphone_on);
  px_local_media_set_camera_off (local, !self->camera_on);
  px_local_media_set_video_limits (local, MAX (self->video_max_height, 0),
                                   MAX (self->video_max_bitrate_kbps, 0));

  if (!px_call_media_start (call, &error))
    {
      /* A device listed a moment ago may be gone or busy: still show the
       * others rather than leave the meeting empty. */
      g_message ("Joining without camera, microphone and speaker: %s", error->message);
      g_clear_error (&error);
      px_local_media_set_camera (local, NULL, NULL);
      px_local_media_set_voice_enabled (local, FALSE);
      px_call_media_set_playback_enabled (call, FALSE);
      if (!px_call_media_start (call, &error))
        g_message ("The meeting's media could not start: %s", error->message);
    }

  self->call = g_steal_pointer (&call);

  /* A rig that cannot start leaves the webcam to the call's media. */
  if (rig)
    {
      self->rig_publisher = start_rig_publisher (self);
      if (self->rig_publisher != NULL)
        g_clear_pointer (&self->used_camera, g_free);
      else
        restart_local_media (self);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CALL_MEDIA]);
}

static void
stop_call_media (PxMeetingController *self)
{
  g_autoptr(PxCallMedia) call = g_steal_pointer (&self->call);

  if (self->rig_publisher != NULL)
    {
      px_rig_publisher_stop (self->rig_publisher);
      g_clear_object (&self->rig_publisher);
    }
  if (call == NULL)
    return;
  px_call_media_stop (call);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CALL_MEDIA]);
}

/* Devices ----------------------------------------------------------------- */

static gboolean
any_device (PxPipewireConnection *connection,
            PxDeviceKind          kind)
{
  g_autoptr(GPtrArray) devices = px_pipewire_connection_list_devices (connection, kind);

  return devices->len > 0;
}

/* Opens the devices again, as at the start of the meeting: the one that
 * came back is in use again (or the first of its kind stands in). */
static void
restart_local_media (PxMeetingController *self)
{
  PxLocalMedia *local = px_call_media_get_local (self->call);
  g_autofree char *camera = NULL;
  g_autofree char *microphone = NULL;
  gboolean has_camera = FALSE, has_microphone = FALSE;
  g_autoptr(GError) error = NULL;

  px_local_media_stop (local);
  /* While the rig films the user, the call's media only sends the voice. */
  if (self->rig_publisher == NULL)
    camera = pick_device (px_pipewire_connection_get_for_cameras (), PX_DEVICE_KIND_CAMERA,
                          self->camera_device, TRUE, &has_camera);
  microphone = pick_device (px_pipewire_connection_get_default (), PX_DEVICE_KIND_MICROPHONE,
                            self->microphone_device, FALSE, &has_microphone);
  px_local_media_set_camera (local, NULL, has_camera ? camera : NULL);
  px_local_media_set_microphone (local, NULL, microphone);
  px_local_media_set_voice_enabled (local, has_microphone);
  px_local_media_set_microphone_muted (local, !self->microphone_on);
  px_local_media_set_camera_off (local, !self->camera_on);
  if (has_camera)
    {
      g_free (self->used_camera);
      self->used_camera = g_strdup (camera);
    }
  if (!px_local_media_start (local, &error))
    g_message ("The camera and microphone could not restart: %s", error->message);
}

static void
device_removed_cb (PxPipewireConnection *connection,
                   PxCaptureDevice      *device,
                   PxMeetingController  *self)
{
  PxDeviceKind kind = px_capture_device_get_kind (device);

  if (self->call == NULL || self->state == PX_MEETING_STATE_CONNECTING)
    return;

  if (kind == PX_DEVICE_KIND_CAMERA && !self->camera_lost && self->used_camera != NULL &&
      g_strcmp0 (px_capture_device_get_name (device), self->used_camera) == 0)
    {
      self->camera_lost = TRUE;
      g_signal_emit (self, signals[SIGNAL_DEVICE_LOST], 0, kind,
                     px_capture_device_get_description (device));
    }
  else if (kind == PX_DEVICE_KIND_MICROPHONE && !self->microphone_lost &&
           (g_strcmp0 (px_capture_device_get_name (device), self->microphone_device) == 0 ||
            !any_device (px_pipewire_connection_get_default (), PX_DEVICE_KIND_MICROPHONE)))
    {
      self->microphone_lost = TRUE;
      g_signal_emit (self, signals[SIGNAL_DEVICE_LOST], 0, kind,
                     px_capture_device_get_description (device));
    }
}

static void
device_added_cb (PxPipewireConnection *connection,
                 PxCaptureDevice      *device,
                 PxMeetingController  *self)
{
  PxDeviceKind kind = px_capture_device_get_kind (device);

  if (self->call == NULL)
    return;

  if (kind == PX_DEVICE_KIND_CAMERA && self->camera_lost &&
      g_strcmp0 (px_capture_device_get_name (device), self->used_camera) == 0)
    {
      self->camera_lost = FALSE;
      restart_local_media (self);
      g_signal_emit (self, signals[SIGNAL_DEVICE_RECOVERED], 0, kind,
                     px_capture_device_get_description (device));
    }
  else if (kind == PX_DEVICE_KIND_MICROPHONE && self->microphone_lost)
    {
      self->microphone_lost = FALSE;
      restart_local_media (self);
      g_signal_emit (self, signals[SIGNAL_DEVICE_RECOVERED], 0, kind,
                     px_capture_device_get_description (device));
    }
}

static void
watch_devices (PxMeetingController *self,
               gboolean             watch)
{
  PxPipewireConnection *connections[] = {
    px_pipewire_connection_get_for_cameras (),
    px_pipewire_connection_get_default (),
  };

  for (guint i = 0; i < G_N_ELEMENTS (connections); i++)
    {
      g_signal_handlers_disconnect_by_data (connections[i], self);
      if (!watch)
        continue;
      g_signal_connect (connections[i], "device-removed", G_CALLBACK (device_removed_cb), self);
      g_signal_connect (connections[i], "device-added", G_CALLBACK (device_added_cb), self);
    }
}

/* The demo ------------------------------------------------------------------ */

static void
demo_started_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  PxDemoStudio *demo = PX_DEMO_STUDIO (source);
  g_autoptr(PxMeetingController) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (px_demo_studio_start_finish (demo, result, &error))
    return;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->demo_studio != demo)
    return;

  message = g_strdup_printf (_("The demo studio could not start (%s)."), error->message);
  warn (self, message);
}

static void
start_demo (PxMeetingController *self)
{
  g_autofree char *token = NULL;

  if (!self->demo || self->server == NULL || self->demo_studio != NULL)
    return;

  token = px_embedded_server_mint_token (self->server, px_join_target_get_room (self->target),
                                         PX_DEMO_STUDIO_IDENTITY, _("Demo studio"),
                                         PX_MEETING_TOKEN_TTL_S, TRUE);
  self->demo_studio = px_demo_studio_new (px_embedded_server_get_url (self->server),
                                          px_join_target_get_room (self->target), token);
  self->demo_cancellable = g_cancellable_new ();
  px_demo_studio_start_async (self->demo_studio, self->demo_cancellable, demo_started_cb,
                              g_object_ref (self));
}

static void
stop_demo (PxMeetingController *self)
{
  g_autoptr(PxDemoStudio) demo = g_steal_pointer (&self->demo_studio);

  if (self->demo_cancellable != NULL)
    g_cancellable_cancel (self->demo_cancellable);
  g_clear_object (&self->demo_cancellable);
  if (demo != NULL)
    px_demo_studio_stop (demo);
}

/* Forgets the session without a word to anyone: leaving it is the caller's
 * business. Returns it. */
static PxSession *
detach_session (PxMeetingController *self)
{
  PxSession *session;

  /* Nothing more is sent once the user is out of the meeting. */
  stop_demo (self);
  watch_devices (self, FALSE);
  stop_call_media (self);
  session = g_steal_pointer (&self->session);

  if (session != NULL)
    {
      g_signal_handlers_disconnect_by_data (session, self);
      g_signal_handlers_disconnect_by_data (px_session_get_participants (session), self);
    }
  g_clear_object (&self->target);
  set_n_others (self, 0);
  set_state (self, PX_MEETING_STATE_IDLE);
  return session;
}

static void
participants_changed_cb (GListModel          *participants,
                         guint                position,
                         guint                removed,
                         guint                added,
                         PxMeetingController *self)
{
  guint n = g_list_model_get_n_items (participants);

  /* The local participant comes first and is not "someone else". */
  set_n_others (self, n > 0 ? n - 1 : 0);
}

static void
session_state_cb (PxSession           *session,
                  GParamSpec          *pspec,
                  PxMeetingController *self)
{
  /* Until the join completes, the meeting is connecting whatever the
   * session says; after it, the session's own states show through. */
  if (self->join_task != NULL)
    return;

  switch (px_session_get_state (session))
    {
    case PX_SESSION_STATE_JOINED:
      set_state (self, PX_MEETING_STATE_JOINED);
      break;
    case PX_SESSION_STATE_RECONNECTING:
    case PX_SESSION_STATE_CONNECTING:
      set_state (self, PX_MEETING_STATE_RECONNECTING);
      break;
    case PX_SESSION_STATE_IDLE:
    case PX_SESSION_STATE_CLOSED:
    default:
      break;
    }
}

static void
session_closed_cb (PxSession           *session,
                   GError              *error,
                   PxMeetingController *self)
{
  g_autoptr(PxSession) closed = NULL;
  g_autoptr(GError) reason = NULL;

  /* A failed join is reported by its own callback. */
  if (self->join_task != NULL)
    return;

  reason = error != NULL ? g_error_copy (error)
                         : g_error_new (PX_SESSION_ERROR, PX_SESSION_ERROR_CLOSED,
                                        "The session was closed");
  closed = detach_session (self);
  g_signal_emit (self, signals[SIGNAL_ENDED], 0, reason);
}

static void
session_joined_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  PxSession *session = PX_SESSION (source);
  g_autoptr(GTask) task = user_data;
  PxMeetingController *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  /* Left while joining: px_meeting_controller_leave() answered the task. */
  if (self->session != session || self->join_task != task)
    return;

  if (!px_session_join_finish (session, result, &error))
    {
      g_autoptr(PxSession) failed = NULL;

      g_clear_object (&self->join_task);
      failed = detach_session (self);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_clear_object (&self->join_task);
  participants_changed_cb (px_session_get_participants (session), 0, 0, 0, self);
  set_state (self, PX_MEETING_STATE_JOINED);
  session_state_cb (session, NULL, self);
  start_call_media (self);
  watch_devices (self, TRUE);
  start_demo (self);
  g_task_return_boolean (task, TRUE);
}

/* Starts the embedded server, or restarts it when the LAN setting changed
 * since it started (only ever between meetings). */
static gboolean
ensure_embedded_server (PxMeetingController  *self,
                        GError              **error)
{
  g_autoptr(PxEmbeddedServer) server = NULL;

  if (self->server != NULL && self->server_on_lan == self->allow_lan &&
      px_embedded_server_is_running (self->server))
    return TRUE;

  if (self->server != NULL)
    {
      px_embedded_server_stop (self->server);
      g_clear_object (&self->server);
    }

  server = px_embedded_server_new (self->allow_lan ? "0.0.0.0" : "127.0.0.1");
  if (!px_embedded_server_start (server, error))
    return FALSE;

  self->server = g_steal_pointer (&server);
  self->server_on_lan = self->allow_lan;
  return TRUE;
}

void
px_meeting_controller_join_async (PxMeetingController *self,
                                  PxJoinTarget        *target,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *minted = NULL;
  const char *url;
  const char *token;

  g_return_if_fail (PX_IS_MEETING_CONTROLLER (self));
  g_return_if_fail (PX_IS_JOIN_TARGET (target));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, px_meeting_controller_join_async);

  if (self->session != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY,
                               _("Leave the current meeting before joining another."));
      return;
    }

  if (px_join_target_is_embedded (target))
    {
      if (!ensure_embedded_server (self, &error))
        {
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                                   _("The meeting could not be started on this computer (%s)."),
                                   error->message);
          return;
        }
      url = px_embedded_server_get_url (self->server);
      minted = px_embedded_server_mint_token (self->server, px_join_target_get_room (target),
                                              self->host_identity,
                                              px_join_target_get_display_name (target),
                                              PX_MEETING_TOKEN_TTL_S, TRUE);
      token = minted;
    }
  else
    {
      url = px_join_target_get_server_url (target);
      token = px_join_target_get_token (target);
      if (token == NULL)
        {
          g_task_return_new_error (task, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_TOKEN,
                                   _("This server only lets in people it invited. Open the "
                                     "invite link you received, or start Parallax with --token."));
          return;
        }
    }

  self->target = px_join_target_new_with_token (px_join_target_get_server_url (target),
                                                px_join_target_get_room (target),
                                                px_join_target_get_display_name (target),
                                                token);
  self->session = px_session_new (url, px_join_target_get_room (target), token);
  self->join_task = g_object_ref (task);
  g_signal_connect (self->session, "notify::state", G_CALLBACK (session_state_cb), self);
  g_signal_connect (self->session, "closed", G_CALLBACK (session_closed_cb), self);
  g_signal_connect (px_session_get_participants (self->session), "items-changed",
                    G_CALLBACK (participants_changed_cb), self);
  set_state (self, PX_MEETING_STATE_CONNECTING);

  px_session_join_async (self->session, NULL, session_joined_cb, g_steal_pointer (&task));
}

gboolean
px_meeting_controller_join_finish (PxMeetingController  *self,
                                   GAsyncResult         *result,
                                   GError              **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
px_meeting_controller_leave (PxMeetingController *self)
{
  g_autoptr(GTask) join_task = NULL;
  g_autoptr(PxSession) session = NULL;

  g_return_if_fail (PX_IS_MEETING_CONTROLLER (self));

  join_task = g_steal_pointer (&self->join_task);
  session = detach_session (self);
  if (session != NULL)
    px_session_leave (session);

  /* The session's own join callback comes later and finds itself stale. */
  if (join_task != NULL)
    g_task_return_new_error (join_task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             "Joining was cancelled");
}

void
px_meeting_controller_shutdown (PxMeetingController *self)
{
  g_return_if_fail (PX_IS_MEETING_CONTROLLER (self));

  px_meeting_controller_leave (self);
  if (self->server != NULL)
    {
      px_embedded_server_stop (self->server);
      g_clear_object (&self->server);
    }
}

PxMeetingState
px_meeting_controller_get_state (PxMeetingController *self)
{
  g_return_val_if_fail (PX_IS_MEETING_CONTROLLER (self), PX_MEETING_STATE_IDLE);
  return self->state;
}

PxJoinTarget *
px_meeting_controller_get_target (PxMeetingController *self)
{
  g_return_val_if_fail (PX_IS_MEETING_CONTROLLER (self), NULL);
  return self->target;
}

PxSession *
px_meeting_controller_get_session (PxMeetingController *self)
{
  g_return_val_if_fail (PX_IS_MEETING_CONTROLLER (self), NULL);
  return self->session;
}

guint
px_meeting_controller_get_n_others (PxMeetingController *self)
{
  g_return_val_if_fail (PX_IS_MEETING_CONTROLLER (self), 0);
  return self->n_others;
}

void
px_meeting_controller_set_allow_lan (PxMeetingController *self,
                                     gboolean             allow_lan)
{
  g_return_if_fail (PX_IS_MEETING_CONTROLLER (self));

  allow_lan = !!allow_lan;
  if (self->allow_lan == allow_lan)
    return;
  self->allow_lan = allow_lan;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ALLOW_LAN]);
}

gboolean
px_meeting_controller_get_allow_lan (PxMeetingController *self)
{
  g_return_val_if_fail (PX_IS_MEETING_CONTROLLER (self), FALSE);
  return self->allow_lan;
}

void
px_meeting_controller_set_microphone_on (PxMeetingController *self,
                                         gboolean             on)
{
  g_return_if_fail (PX_IS_MEETING_CONTROLLER (self));

  on = !!on;
  if (self->microphone_on == on)
    return;
  self->microphone_on = on;
  if (self->call != NULL)
    px_local_media_set_microphone_muted (px_call_media_get_local (self->call), !on);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MICROPHONE_ON]);
}

gboolean
px_meeting_controller_get_microphone_on (PxMeetingController *self)
{
  g_return_val_if_fail (PX_IS_MEETING_CONTROLLER (self), FALSE);
  return self->microphone_on;
}

void
px_meeting_controller_set_camera_on (PxMeetingController *self,
                                     gboolean             on)
{
  g_return_if_fail (PX_IS_MEETING_CONTROLLER (self));

  on = !!on;
  if (self->camera_on == on)
    return;
  self->camera_on = on;
  if (self->call != NULL && self->rig_publisher == NULL)
    px_local_media_set_camera_off (px_call_media_get_local (self->call), !on);
  if (self->rig_publisher != NULL)
    px_rig_publisher_set_camera_off (self->rig_publisher, !on);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAMERA_ON]);
}

gboolean
px_meeting_controller_get_camera_on (PxMeetingController *self)
{
  g_return_val_if_fail (PX_IS_MEETING_CONTROLLER (self), FALSE);
  return self->camera_on;
}

static void
set_device (PxMeetingController  *self,
            char                **field,
            const char           *name,
            guint                 prop_id)
{
  if (g_strcmp0 (*field, name) == 0)
    return;
  g_free (*field);
  *field = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

void
px_meeting_controller_set_devices (PxMeetingController *self,
                                   const char          *camera,
                                   const char          *microphone,
                                   const char          *speaker)
{
  g_return_if_fail (PX_IS_MEETING_CONTROLLER (self));

  set_device (self, &self->camera_device, camera, PROP_CAMERA_DEVICE);
  set_device (self, &self->microphone_device, microphone, PROP_MICROPHONE_DEVICE);
  set_device (self, &self->speaker_device, speaker, PROP_SPEAKER_DEVICE);
}

PxCallMedia *
px_meeting_controller_get_call_media (PxMeetingController *self)
{
  g_return_val_if_fail (PX_IS_MEETING_CONTROLLER (self), NULL);
  return self->call;
}

PxEmbeddedServer *
px_meeting_controller_get_embedded_server (PxMeetingController *self)
{
  g_return_val_if_fail (PX_IS_MEETING_CONTROLLER (self), NULL);
  return self->server;
}

static gboolean
is_private_ipv4 (guint32 address)
{
  return (address >> 24) == 10 ||
         (address >> 20) == ((172 << 4) | 1) ||
         (address >> 16) == ((192 << 8) | 168);
}

/* The address others on the LAN reach this computer at: the first private
 * IPv4 address of an interface that is up, else any non-loopback IPv4
 * address, else NULL. */
static char *
dup_lan_address (void)
{
  struct ifaddrs *interfaces = NULL;
  char *found = NULL;
  char *fallback = NULL;

  if (getifaddrs (&interfaces) != 0)
    return NULL;

  for (struct ifaddrs *i = interfaces; i != NULL && found == NULL; i = i->ifa_next)
    {
      const struct sockaddr_in *in;
      char text[INET_ADDRSTRLEN];
      guint32 address;

      if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET ||
          !(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK))
        continue;

      in = (const struct sockaddr_in *) i->ifa_addr;
      address = ntohl (in->sin_addr.s_addr);
      if (inet_ntop (AF_INET, &in->sin_addr, text, sizeof text) == NULL)
        continue;
      if (is_private_ipv4 (address))
        found = g_strdup (text);
      else if (fallback == NULL)
        fallback = g_strdup (text);
    }
  freeifaddrs (interfaces);

  if (found != NULL)
    {
      g_free (fallback);
      return found;
    }
  return fallback;
}

char *
px_meeting_controller_create_invite (PxMeetingController  *self,
                                     GError              **error)
{
  g_autofree char *host = NULL;
  g_autofree char *url = NULL;
  g_autofree char *random = px_random_hex (8);
  g_autofree char *guest = NULL;
  g_autofree char *token = NULL;
  g_autoptr(PxJoinTarget) invite = NULL;
  const char *room;

  g_return_val_if_fail (PX_IS_MEETING_CONTROLLER (self), NULL);

  if (self->target == NULL || self->state == PX_MEETING_STATE_CONNECTING)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                   _("Join a meeting before inviting people to it."));
      return NULL;
    }
  if (!px_join_target_is_embedded (self->target) || self->server == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("This meeting is on another server: ask its organizer for invite links."));
      return NULL;
    }

  if (self->server_on_lan)
    host = dup_lan_address ();
  if (host == NULL)
    host = g_strdup ("127.0.0.1");
  url = g_strdup_printf ("ws://%s:%u", host, px_embedded_server_get_port (self->server));

  /* Each guest gets an identity of their own: two guests sharing one would
   * replace each other in the room. */
  room = px_join_target_get_room (self->target);
  guest = g_strconcat ("guest-", random, NULL);
  token = px_embedded_server_mint_token (self->server, room, guest, _("Guest"),
                                         PX_MEETING_TOKEN_TTL_S, TRUE);
  invite = px_join_target_new_with_token (url, room, "", token);
  return px_join_target_to_invite (invite, error);
}

char *
px_meeting_describe_error (const GError *error,
                           gboolean      secure)
{
  g_return_val_if_fail (error != NULL, NULL);

  /* The controller's own and the join target's errors are worded for
   * people already. */
  if (error->domain == PX_JOIN_TARGET_ERROR || error->domain == G_IO_ERROR)
    return g_strdup (error->message);

  if (error->domain != PX_SESSION_ERROR)
    return g_strdup_printf (_("Joining failed (%s)."), error->message);

  switch ((PxSessionError) error->code)
    {
    case PX_SESSION_ERROR_UNREACHABLE:
      if (secure)
        return g_strdup (_("The server could not be reached securely. Check the address and "
                           "your network connection; if the server uses its own certificate, "
                           "this computer does not trust it yet."));
      return g_strdup (_("The server could not be reached. Check the address and your network "
                         "connection, and that the server is running."));
    case PX_SESSION_ERROR_CERTIFICATE:
      return g_strdup (_("The server’s certificate is not trusted by this computer, so the "
                         "connection could not be made secure. Check the address; if the server "
                         "uses a certificate of its own, ask its operator to install one from a "
                         "known authority."));
    case PX_SESSION_ERROR_INVALID_URL:
      return g_strdup (_("There is no Parallax server at this address. Check the address."));
    case PX_SESSION_ERROR_INVALID_ROOM:
      return g_strdup (_("The room name is not valid. Check the room name."));
    case PX_SESSION_ERROR_UNAUTHORIZED:
      return g_strdup (_("The server did not accept your invitation. Ask the organizer for a "
                         "new invite link."));
    case PX_SESSION_ERROR_TOKEN_EXPIRED:
      return g_strdup (_("Your invitation has expired. Ask the organizer for a new invite link."));
    case PX_SESSION_ERROR_WRONG_ROOM:
      return g_strdup (_("Your invitation is for another room. Check the room name, or ask "
                         "for an invite link to this room."));
    case PX_SESSION_ERROR_ROOM_FULL:
      return g_strdup (_("This meeting is full. Try again when someone has left."));
    case PX_SESSION_ERROR_RATE_LIMITED:
      return g_strdup (_("The server is busy. Wait a moment, then try again."));
    case PX_SESSION_ERROR_SERVER_DRAINING:
      return g_strdup (_("The server is shutting down. Try again in a few minutes."));
    case PX_SESSION_ERROR_NOT_ALLOWED:
      return g_strdup (_("Your invitation does not allow this. Ask the organizer for a new "
                         "invite link."));
    case PX_SESSION_ERROR_REPLACED:
      return g_strdup (_("You joined this meeting from somewhere else, so you left it here."));
    case PX_SESSION_ERROR_PROTOCOL:
      return g_strdup (_("The server and this app do not understand each other. Check that "
                         "both are up to date."));
    case PX_SESSION_ERROR_CLOSED:
      return g_strdup (_("The server ended the meeting."));
    case PX_SESSION_ERROR_FAILED:
    case PX_SESSION_ERROR_NOT_JOINED:
    default:
      return g_strdup_printf (_("Joining failed (%s)."), error->message);
    }
}

static void
px_meeting_controller_dispose (GObject *object)
{
  px_meeting_controller_shutdown (PX_MEETING_CONTROLLER (object));

  G_OBJECT_CLASS (px_meeting_controller_parent_class)->dispose (object);
}

static void
px_meeting_controller_finalize (GObject *object)
{
  PxMeetingController *self = PX_MEETING_CONTROLLER (object);

  g_free (self->host_identity);
  g_free (self->camera_device);
  g_free (self->microphone_device);
  g_free (self->speaker_device);
  g_free (self->used_camera);
  g_free (self->studio_rig_file);
  g_strfreev (self->studio_cameras);

  G_OBJECT_CLASS (px_meeting_controller_parent_class)->finalize (object);
}

static void
px_meeting_controller_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  PxMeetingController *self = PX_MEETING_CONTROLLER (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_N_OTHERS:
      g_value_set_uint (value, self->n_others);
      break;
    case PROP_ALLOW_LAN:
      g_value_set_boolean (value, self->allow_lan);
      break;
    case PROP_MICROPHONE_ON:
      g_value_set_boolean (value, self->microphone_on);
      break;
    case PROP_CAMERA_ON:
      g_value_set_boolean (value, self->camera_on);
      break;
    case PROP_CAMERA_DEVICE:
      g_value_set_string (value, self->camera_device);
      break;
    case PROP_MICROPHONE_DEVICE:
      g_value_set_string (value, self->microphone_device);
      break;
    case PROP_SPEAKER_DEVICE:
      g_value_set_string (value, self->speaker_device);
      break;
    case PROP_CALL_MEDIA:
      g_value_set_object (value, self->call);
      break;
    case PROP_DEMO:
      g_value_set_boolean (value, self->demo);
      break;
    case PROP_STUDIO_RIG_FILE:
      g_value_set_string (value, self->studio_rig_file);
      break;
    case PROP_STUDIO_CAMERAS:
      g_value_set_boxed (value, self->studio_cameras);
      break;
    case PROP_VIDEO_MAX_HEIGHT:
      g_value_set_int (value, self->video_max_height);
      break;
    case PROP_VIDEO_MAX_BITRATE_KBPS:
      g_value_set_int (value, self->video_max_bitrate_kbps);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
px_meeting_controller_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  PxMeetingController *self = PX_MEETING_CONTROLLER (object);

  switch (prop_id)
    {
    case PROP_ALLOW_LAN:
      px_meeting_controller_set_allow_lan (self, g_value_get_boolean (value));
      break;
    case PROP_MICROPHONE_ON:
      px_meeting_controller_set_microphone_on (self, g_value_get_boolean (value));
      break;
    case PROP_CAMERA_ON:
      px_meeting_controller_set_camera_on (self, g_value_get_boolean (value));
      break;
    case PROP_CAMERA_DEVICE:
      set_device (self, &self->camera_device, g_value_get_string (value), prop_id);
      break;
    case PROP_MICROPHONE_DEVICE:
      set_device (self, &self->microphone_device, g_value_get_string (value), prop_id);
      break;
    case PROP_SPEAKER_DEVICE:
      set_device (self, &self->speaker_device, g_value_get_string (value), prop_id);
      break;
    case PROP_DEMO:
      px_meeting_controller_set_demo (self, g_value_get_boolean (value));
      break;
    case PROP_STUDIO_RIG_FILE:
      set_device (self, &self->studio_rig_file, g_value_get_string (value), prop_id);
      break;
    case PROP_STUDIO_CAMERAS:
      g_strfreev (self->studio_cameras);
      self->studio_cameras = g_value_dup_boxed (value);
      g_object_notify_by_pspec (object, pspec);
      break;
    case PROP_VIDEO_MAX_HEIGHT:
    case PROP_VIDEO_MAX_BITRATE_KBPS:
      if (prop_id == PROP_VIDEO_MAX_HEIGHT)
        self->video_max_height = g_value_get_int (value);
      else
        self->video_max_bitrate_kbps = g_value_get_int (value);
      /* The preferences apply to the running meeting at once. */
      if (self->call != NULL)
        px_local_media_set_video_limits (px_call_media_get_local (self->call),
                                         MAX (self->video_max_height, 0),
                                         MAX (self->video_max_bitrate_kbps, 0));
      g_object_notify_by_pspec (object, pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
px_meeting_controller_class_init (PxMeetingControllerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = px_meeting_controller_dispose;
  object_class->finalize = px_meeting_controller_finalize;
  object_class->get_property = px_meeting_controller_get_property;
  object_class->set_property = px_meeting_controller_set_property;

  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL,
                      PX_MEETING_STATE_IDLE, PX_MEETING_STATE_RECONNECTING, PX_MEETING_STATE_IDLE,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_OTHERS] =
    g_param_spec_uint ("n-others", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ALLOW_LAN] =
    g_param_spec_boolean ("allow-lan", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MICROPHONE_ON] =
    g_param_spec_boolean ("microphone-on", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAMERA_ON] =
    g_param_spec_boolean ("camera-on", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAMERA_DEVICE] =
    g_param_spec_string ("camera-device", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MICROPHONE_DEVICE] =
    g_param_spec_string ("microphone-device", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SPEAKER_DEVICE] =
    g_param_spec_string ("speaker-device", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CALL_MEDIA] =
    g_param_spec_object ("call-media", NULL, NULL, PX_TYPE_CALL_MEDIA,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DEMO] =
    g_param_spec_boolean ("demo", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STUDIO_RIG_FILE] =
    g_param_spec_string ("studio-rig-file", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STUDIO_CAMERAS] =
    g_param_spec_boxed ("studio-cameras", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VIDEO_MAX_HEIGHT] =
    g_param_spec_int ("video-max-height", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VIDEO_MAX_BITRATE_KBPS] =
    g_param_spec_int ("video-max-bitrate-kbps", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The meeting ended without the user leaving it; the GError says why. */
  signals[SIGNAL_ENDED] =
    g_signal_new ("ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
  /* A device in use went away (PxDeviceKind, its description); the
   * meeting goes on without it. */
  signals[SIGNAL_DEVICE_LOST] =
    g_signal_new ("device-lost", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_STRING);
  /* A lost device came back and is in use again. */
  signals[SIGNAL_DEVICE_RECOVERED] =
    g_signal_new ("device-recovered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_STRING);
  /* Something the user should know that does not end the meeting (a
   * sentence for people). */
  signals[SIGNAL_WARNING] =
    g_signal_new ("warning", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
px_meeting_controller_init (PxMeetingController *self)
{
  g_autofree char *random = px_random_hex (8);

  self->host_identity = g_strconcat ("host-", random, NULL);
  self->microphone_on = TRUE;
  self->camera_on = TRUE;
}

PxMeetingController *
px_meeting_controller_new (void)
{
  return g_object_new (PX_TYPE_MEETING_CONTROLLER, NULL);
}

/* Whether the next meeting on this computer gets the demo studio. */
void
px_meeting_controller_set_demo (PxMeetingController *self,
                                gboolean             demo)
{
  g_return_if_fail (PX_IS_MEETING_CONTROLLER (self));

  demo = !!demo;
  if (self->demo == demo)
    return;
  self->demo = demo;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEMO]);
}

gboolean
px_meeting_controller_get_demo (PxMeetingController *self)
{
  g_return_val_if_fail (PX_IS_MEETING_CONTROLLER (self), FALSE);
  return self->demo;
}

PxDemoStudio *
px_meeting_controller_get_demo_studio (PxMeetingController *self)
{
  g_return_val_if_fail (PX_IS_MEETING_CONTROLLER (self), NULL);
  return self->demo_studio;
}

PxRigPublisher *
px_meeting_controller_get_rig_publisher (PxMeetingController *self)
{
  g_return_val_if_fail (PX_IS_MEETING_CONTROLLER (self), NULL);
  return self->rig_publisher;
}
