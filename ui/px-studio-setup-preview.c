/* px-studio-setup-preview.c: the studio's own reconstruction, as the server returns it
 *
 * While the studio is set up, the person sees themself in 3D the way the
 * others in a meeting will: the frames of both cameras go through a
 * PxRigPublisher to a server, which reconstructs them, and come back to a
 * second session in the same private room, whose PxVolumetricReceiver
 * turns them into a figure on a small PxStage. The server is an embedded
 * one of the preview's own on 127.0.0.1, so the preview needs no meeting
 * and shows nothing to anybody else; it runs only while on screen.
 *
 * The frames come from the setup window's camera views (pushed in), not
 * from cameras of its own: each camera is opened once.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "media/px-rig-publisher.h"
#include "media/px-volumetric-receiver.h"
#include "net/px-session.h"
#include "server/px-embedded-server.h"
#include "px-stage.h"
#include "px-studio-setup-preview.h"

#define ROOM "studio-setup"
#define TOKEN_SECONDS (12 * 3600)

struct _PxStudioSetupPreview
{
  GtkWidget parent_instance;

  GtkWidget *overlay;
  PxStage *stage;
  GtkLabel *status_label;

  PxRig *rig;
  PxEmbeddedServer *server;
  PxSession *sender;
  PxSession *viewer;
  PxRigPublisher *publisher;
  PxVolumetricReceiver *receiver;
  guint32 rig_participant;
  PxParticipant *figure;
  GCancellable *cancellable;
  guint n_frames;
  const char *status;
  char *status_text;
};

G_DEFINE_FINAL_TYPE (PxStudioSetupPreview, px_studio_setup_preview, GTK_TYPE_WIDGET)

static void
set_status (PxStudioSetupPreview *self,
            const char           *status)
{
  g_free (self->status_text);
  self->status_text = g_strdup (status);
  self->status = self->status_text;
  gtk_label_set_text (self->status_label, status != NULL ? status : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), status != NULL);
}

static void
stop (PxStudioSetupPreview *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->publisher != NULL)
    {
      px_rig_publisher_stop (self->publisher);
      g_clear_object (&self->publisher);
    }
  for (guint i = 0; i < 2; i++)
    {
      PxSession **session = i == 0 ? &self->sender : &self->viewer;

      if (*session == NULL)
        continue;
      g_signal_handlers_disconnect_by_data (*session, self);
      px_session_leave (*session);
      g_clear_object (session);
    }
  if (self->receiver != NULL)
    g_signal_handlers_disconnect_by_data (self->receiver, self);
  g_clear_object (&self->receiver);
  if (self->figure != NULL)
    {
      px_stage_remove_participant (self->stage, self->figure);
      g_clear_object (&self->figure);
    }
  if (self->server != NULL)
    {
      px_embedded_server_stop (self->server);
      g_clear_object (&self->server);
    }
}

/* The viewer ---------------------------------------------------------------------------------- */

static void
px_studio_setup_preview_keyframe_needed_cb (PxStudioSetupPreview *self)
{
  if (self->viewer != NULL && self->receiver != NULL)
    px_session_request_keyframe (self->viewer, self->rig_participant,
                                 px_volumetric_receiver_get_stream (self->receiver));
}

static void
px_studio_setup_preview_calibration_cb (PxSession            *session,
                                        PxSessionParticipant *participant,
                                        JsonObject           *data,
                                        PxStudioSetupPreview *self)
{
  g_autoptr(GError) error = NULL;

  if (px_session_participant_get_local (participant))
    return;
  if (self->receiver == NULL)
    {
      self->receiver = px_volumetric_receiver_new ();
      g_signal_connect_swapped (self->receiver, "keyframe-needed",
                                G_CALLBACK (px_studio_setup_preview_keyframe_needed_cb), self);
    }
  if (!px_volumetric_receiver_set_calibration (self->receiver, data, &error))
    {
      g_debug ("Preview: calibration not used: %s", error->message);
      return;
    }
  self->rig_participant = px_session_participant_get_id (participant);
}

static void
px_studio_setup_preview_media_frame_cb (PxSession            *session,
                                        PxSessionParticipant *participant,
                                        guint                 kind,
                                        guint                 stream,
                                        guint                 flags,
                                        guint                 sequence,
                                        gint64                capture_time,
                                        GBytes               *payload,
                                        PxStudioSetupPreview *self)
{
  g_autoptr(PxVolumetricView) view = NULL;
  g_autoptr(GError) error = NULL;
  PxParticipantView participant_view;

  if (kind != PX_WIRE_KIND_DEPTH || self->receiver == NULL ||
      stream != px_volumetric_receiver_get_stream (self->receiver))
    return;
  view = px_volumetric_receiver_push (self->receiver, sequence, flags, capture_time, payload,
                                      &error);
  if (view == NULL)
    {
      if (error != NULL)
        g_debug ("Preview: a 3D frame was dropped: %s", error->message);
      return;
    }

  if (self->figure == NULL)
    {
      self->figure = px_participant_new (PX_PARTICIPANT_VOLUMETRIC, _("You"));
      px_stage_add_participant (self->stage, self->figure);
    }
  px_volumetric_view_get_participant_view (view, &participant_view);
  px_participant_set_capture_volume (self->figure, view->volume_min, view->volume_max);
  if (!px_participant_set_views (self->figure, &participant_view, 1, &error))
    {
      g_debug ("Preview: a 3D frame could not be shown: %s", error->message);
      return;
    }
  self->n_frames++;
  set_status (self, NULL);
}

/* Starting ------------------------------------------------------------------------------------ */

typedef struct
{
  PxStudioSetupPreview *self;
} JoinData;

static void
px_studio_setup_preview_joined_cb (GObject      *source,
                                   GAsyncResult *result,
                                   gpointer      user_data)
{
  JoinData *data = user_data;
  g_autoptr(PxStudioSetupPreview) self = data->self;
  g_autoptr(GError) error = NULL;
  gboolean joined = px_session_join_finish (PX_SESSION (source), result, &error);

  g_free (data);
  /* Stopped meanwhile, or restarted with other sessions. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      (PX_SESSION (source) != self->sender && PX_SESSION (source) != self->viewer))
    return;
  if (!joined)
    {
      g_autofree char *message = g_strdup_printf (_("The reconstruction could not start: %s"),
                                                  error->message);

      set_status (self, message);
      return;
    }
  if (PX_SESSION (source) != self->sender)
    return;

  self->publisher = px_rig_publisher_new (self->sender, self->rig);
  if (!px_rig_publisher_start (self->publisher, &error))
    {
      g_autofree char *message = g_strdup_printf (_("The reconstruction could not start: %s"),
                                                  error->message);

      g_clear_object (&self->publisher);
      set_status (self, message);
      return;
    }
  set_status (self, _("Waiting for the server’s reconstruction…"));
}

static PxSession *
join (PxStudioSetupPreview *self,
      const char           *identity,
      const char           *name,
      gboolean              publish)
{
  g_autofree char *token = px_embedded_server_mint_token (self->server, ROOM, identity, name,
                                                          TOKEN_SECONDS, publish);
  PxSession *session = px_session_new (px_embedded_server_get_url (self->server), ROOM, token);
  JoinData *data = g_new0 (JoinData, 1);

  data->self = g_object_ref (self);
  if (!publish)
    {
      g_signal_connect (session, "calibration",
                        G_CALLBACK (px_studio_setup_preview_calibration_cb), self);
      g_signal_connect (session, "media-frame",
                        G_CALLBACK (px_studio_setup_preview_media_frame_cb), self);
    }
  px_session_join_async (session, self->cancellable, px_studio_setup_preview_joined_cb, data);
  return session;
}

static void
start (PxStudioSetupPreview *self)
{
  g_autoptr(GError) error = NULL;

  stop (self);
  if (self->rig == NULL || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;

  self->cancellable = g_cancellable_new ();
  self->server = px_embedded_server_new (NULL);
  if (!px_embedded_server_start (self->server, &error))
    {
      g_autofree char *message = g_strdup_printf (_("The reconstruction could not start: %s"),
                                                  error->message);

      g_clear_object (&self->server);
      set_status (self, message);
      return;
    }
  set_status (self, _("Starting the reconstruction…"));
  self->viewer = join (self, "studio-setup-viewer", _("Preview"), FALSE);
  self->sender = join (self, "studio-setup-rig", _("You"), TRUE);
}

/* GtkWidget ----------------------------------------------------------------------------------- */

static void
px_studio_setup_preview_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (px_studio_setup_preview_parent_class)->map (widget);
  start (PX_STUDIO_SETUP_PREVIEW (widget));
}

static void
px_studio_setup_preview_unmap (GtkWidget *widget)
{
  stop (PX_STUDIO_SETUP_PREVIEW (widget));
  GTK_WIDGET_CLASS (px_studio_setup_preview_parent_class)->unmap (widget);
}

static void
px_studio_setup_preview_dispose (GObject *object)
{
  PxStudioSetupPreview *self = PX_STUDIO_SETUP_PREVIEW (object);

  stop (self);
  g_clear_pointer (&self->overlay, gtk_widget_unparent);
  g_clear_object (&self->rig);

  G_OBJECT_CLASS (px_studio_setup_preview_parent_class)->dispose (object);
}

static void
px_studio_setup_preview_finalize (GObject *object)
{
  PxStudioSetupPreview *self = PX_STUDIO_SETUP_PREVIEW (object);

  g_free (self->status_text);

  G_OBJECT_CLASS (px_studio_setup_preview_parent_class)->finalize (object);
}

static void
px_studio_setup_preview_class_init (PxStudioSetupPreviewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = px_studio_setup_preview_dispose;
  object_class->finalize = px_studio_setup_preview_finalize;
  widget_class->map = px_studio_setup_preview_map;
  widget_class->unmap = px_studio_setup_preview_unmap;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "studiopreview");
}

static void
px_studio_setup_preview_init (PxStudioSetupPreview *self)
{
  self->overlay = gtk_overlay_new ();
  gtk_widget_set_parent (self->overlay, GTK_WIDGET (self));

  self->stage = PX_STAGE (px_stage_new ());
  /* Not life-size: the whole person, head to feet, in a small room. */
  px_stage_set_fit_height (self->stage, 2.2);
  gtk_widget_set_size_request (GTK_WIDGET (self->stage), 320, 360);
  gtk_widget_set_hexpand (GTK_WIDGET (self->stage), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->stage), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Your reconstruction"), -1);
  gtk_overlay_set_child (GTK_OVERLAY (self->overlay), GTK_WIDGET (self->stage));

  self->status_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->status_label, TRUE);
  gtk_label_set_justify (self->status_label, GTK_JUSTIFY_CENTER);
  gtk_widget_set_halign (GTK_WIDGET (self->status_label), GTK_ALIGN_CENTER);
  gtk_widget_set_valign (GTK_WIDGET (self->status_label), GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "osd");
  gtk_overlay_add_overlay (GTK_OVERLAY (self->overlay), GTK_WIDGET (self->status_label));

  set_status (self, _("Import a calibration to see yourself in 3D"));
}

GtkWidget *
px_studio_setup_preview_new (void)
{
  return g_object_new (PX_TYPE_STUDIO_SETUP_PREVIEW, NULL);
}

void
px_studio_setup_preview_set_rig (PxStudioSetupPreview *self,
                                 PxRig                *rig)
{
  g_return_if_fail (PX_IS_STUDIO_SETUP_PREVIEW (self));
  g_return_if_fail (rig == NULL || PX_IS_RIG (rig));

  if (rig == self->rig)
    return;
  g_set_object (&self->rig, rig);
  self->n_frames = 0;
  if (rig == NULL)
    {
      stop (self);
      set_status (self, _("Import a calibration to see yourself in 3D"));
      return;
    }
  start (self);
}

void
px_studio_setup_preview_push (PxStudioSetupPreview *self,
                              PxFrame              *left,
                              PxFrame              *right)
{
  const PxCamera *left_camera, *right_camera;

  g_return_if_fail (PX_IS_STUDIO_SETUP_PREVIEW (self));
  g_return_if_fail (left != NULL && right != NULL);

  if (self->publisher == NULL || self->rig == NULL ||
      !px_rig_get_pair (self->rig, 0, &left_camera, &right_camera))
    return;
  /* Frames of another size than calibrated cannot be reconstructed; the
   * check says so in words. */
  if (left->format != PX_PIXEL_FORMAT_I420 || right->format != PX_PIXEL_FORMAT_I420 ||
      left->width != left_camera->width || left->height != left_camera->height ||
      right->width != right_camera->width || right->height != right_camera->height)
    return;
  px_rig_publisher_push_frame_set (self->publisher, left, right);
}

guint
px_studio_setup_preview_get_n_frames (PxStudioSetupPreview *self)
{
  g_return_val_if_fail (PX_IS_STUDIO_SETUP_PREVIEW (self), 0);
  return self->n_frames;
}

const char *
px_studio_setup_preview_get_status (PxStudioSetupPreview *self)
{
  g_return_val_if_fail (PX_IS_STUDIO_SETUP_PREVIEW (self), NULL);
  return self->status;
}
