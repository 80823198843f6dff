/* px-call-page.c: the meeting itself: stage and controls
 *
 * The stage fills the page; a "Waiting for participants" status sits over
 * it while nobody else is in the room, and the control bar floats at the
 * bottom so the people on the stage keep as much of the glass as possible.
 * While the connection is being restored, a small notice sits at the top:
 * the stage stays as it was, since the meeting usually resumes in seconds.
 *
 * Each other participant of the meeting's PxCallMedia stands on the stage
 * as a flat panel showing their camera. A webcam frame carries no depth
 * nor scale, so the panel gets a person's height (1.75 m) and stands on
 * the floor: the face comes out near where a standing person's would be.
 * When a camera goes off the panel keeps its last picture; the roster says
 * the camera is off.
 *
 * A participant who publishes a studio rig stands on the stage in 3D
 * instead: each volumetric view (the colour picture, its depth in metres
 * and the camera's model) places them at their true size, in the rig's
 * capture volume. Someone who turns on a rig after joining moves from
 * their flat panel to a 3D figure (and back).
 *
 * A sidebar (an AdwFlap) lists everyone; a statistics overlay shows what
 * is measured of each of them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>

#include "px-call-page.h"
#include "render/px-participant.h"
#include "px-ui-resources.h"
#include "px-control-bar.h"
#include "px-participant-list.h"
#include "px-statistics-overlay.h"

struct _PxCallPage
{
  GtkWidget parent_instance;

  AdwFlap *flap;
  PxParticipantList *participant_list;
  PxStatisticsOverlay *statistics_overlay;
  GtkOverlay *overlay;
  PxStage *stage;
  AdwStatusPage *waiting_status;
  GtkWidget *reconnecting_box;
  GtkSpinner *reconnecting_spinner;
  PxControlBar *control_bar;

  PxCallMedia *call;
  GHashTable *panels;  /* PxRemoteMedia → PxParticipant */
};

G_DEFINE_FINAL_TYPE (PxCallPage, px_call_page, GTK_TYPE_WIDGET)

/* Decoding happened already: this copies one frame into the panel. */
static void
remote_frame_changed_cb (PxRemoteMedia *remote,
                         PxCallPage    *self)
{
  g_autoptr(PxFrame) frame = px_remote_media_dup_frame (remote);
  g_autoptr(GError) error = NULL;
  PxParticipant *panel = g_hash_table_lookup (self->panels, remote);
  PxColorFrame color = { PX_COLOR_FORMAT_I420 };

  if (frame == NULL || panel == NULL ||
      px_participant_get_kind (panel) != PX_PARTICIPANT_FLAT)
    return;
  if (frame->format != PX_PIXEL_FORMAT_I420)
    {
      g_debug ("A remote frame in %s cannot be shown", px_pixel_format_to_string (frame->format));
      return;
    }

  color.width = frame->width;
  color.height = frame->height;
  for (int i = 0; i < 3; i++)
    {
      color.planes[i] = frame->planes[i];
      color.strides[i] = frame->strides[i];
    }
  if (!px_participant_set_flat_frame (panel, &color, PX_CALL_PAGE_PANEL_HEIGHT_M, &error))
    g_debug ("A remote frame could not be shown: %s", error->message);
}

/* Puts a figure of the right kind for @remote on the stage, replacing the
 * one of the other kind. */
static PxParticipant *
ensure_figure (PxCallPage    *self,
               PxRemoteMedia *remote)
{
  PxSessionParticipant *participant = px_remote_media_get_participant (remote);
  PxParticipantKind kind = px_remote_media_get_volumetric (remote) ? PX_PARTICIPANT_VOLUMETRIC
                                                                   : PX_PARTICIPANT_FLAT;
  PxParticipant *figure = g_hash_table_lookup (self->panels, remote);

  if (figure != NULL && px_participant_get_kind (figure) == kind)
    return figure;
  if (figure != NULL)
    px_stage_remove_participant (self->stage, figure);

  figure = px_participant_new (kind, px_session_participant_get_name (participant));
  g_hash_table_replace (self->panels, g_object_ref (remote), figure);
  px_stage_add_participant (self->stage, figure);
  return figure;
}

/* A new 3D frame: the figure takes the view's picture and depth. */
static void
remote_volumetric_changed_cb (PxRemoteMedia *remote,
                              PxCallPage    *self)
{
  g_autoptr(PxVolumetricView) view = NULL;
  g_autoptr(GError) error = NULL;
  PxParticipantView participant_view;
  PxParticipant *figure;

  if (!g_hash_table_contains (self->panels, remote) || !px_remote_media_get_volumetric (remote))
    return;
  view = px_remote_media_dup_volumetric_view (remote);
  if (view == NULL)
    return;

  figure = ensure_figure (self, remote);
  px_volumetric_view_get_participant_view (view, &participant_view);
  px_participant_set_capture_volume (figure, view->volume_min, view->volume_max);
  if (!px_participant_set_views (figure, &participant_view, 1, &error))
    g_debug ("A 3D frame could not be shown: %s", error->message);
}

static void
remote_kind_changed_cb (PxRemoteMedia *remote,
                        GParamSpec    *pspec,
                        PxCallPage    *self)
{
  if (!g_hash_table_contains (self->panels, remote))
    return;
  ensure_figure (self, remote);
  if (px_remote_media_get_volumetric (remote))
    remote_volumetric_changed_cb (remote, self);
  else
    remote_frame_changed_cb (remote, self);
}

static void
remote_added_cb (PxCallMedia   *call,
                 PxRemoteMedia *remote,
                 PxCallPage    *self)
{
  if (g_hash_table_contains (self->panels, remote))
    return;

  ensure_figure (self, remote);
  g_signal_connect (remote, "frame-changed", G_CALLBACK (remote_frame_changed_cb), self);
  g_signal_connect (remote, "volumetric-changed", G_CALLBACK (remote_volumetric_changed_cb), self);
  g_signal_connect (remote, "notify::volumetric", G_CALLBACK (remote_kind_changed_cb), self);
  remote_kind_changed_cb (remote, NULL, self);
}

static void
remote_removed_cb (PxCallMedia   *call,
                   PxRemoteMedia *remote,
                   PxCallPage    *self)
{
  PxParticipant *panel = g_hash_table_lookup (self->panels, remote);

  if (panel == NULL)
    return;
  g_signal_handlers_disconnect_by_data (remote, self);
  px_stage_remove_participant (self->stage, panel);
  g_hash_table_remove (self->panels, remote);
}

static void
clear_panels (PxCallPage *self)
{
  GHashTableIter iter;
  gpointer remote, panel;

  g_hash_table_iter_init (&iter, self->panels);
  while (g_hash_table_iter_next (&iter, &remote, &panel))
    {
      g_signal_handlers_disconnect_by_data (remote, self);
      if (self->stage != NULL)
        px_stage_remove_participant (self->stage, panel);
      g_hash_table_iter_remove (&iter);
    }
}

/* Shows the people of @call on the stage, or nobody for NULL. */
void
px_call_page_set_call_media (PxCallPage  *self,
                             PxCallMedia *call)
{
  g_autoptr(GPtrArray) remotes = NULL;

  g_return_if_fail (PX_IS_CALL_PAGE (self));
  g_return_if_fail (call == NULL || PX_IS_CALL_MEDIA (call));

  if (self->call == call)
    return;

  if (self->call != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->call, self);
      clear_panels (self);
      g_clear_object (&self->call);
    }
  px_participant_list_set_call_media (self->participant_list, call);
  px_statistics_overlay_set_call_media (self->statistics_overlay, call);
  if (call == NULL)
    return;

  self->call = g_object_ref (call);
  g_signal_connect (call, "remote-added", G_CALLBACK (remote_added_cb), self);
  g_signal_connect (call, "remote-removed", G_CALLBACK (remote_removed_cb), self);
  remotes = px_call_media_list_remotes (call);
  for (guint i = 0; i < remotes->len; i++)
    remote_added_cb (call, g_ptr_array_index (remotes, i), self);
}

static void
px_call_page_dispose (GObject *object)
{
  PxCallPage *self = PX_CALL_PAGE (object);
  GtkWidget *child;

  px_call_page_set_call_media (self, NULL);

  gtk_widget_dispose_template (GTK_WIDGET (object), PX_TYPE_CALL_PAGE);
  /* Template children without an id are ours to unparent. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (px_call_page_parent_class)->dispose (object);
}

static void
px_call_page_finalize (GObject *object)
{
  PxCallPage *self = PX_CALL_PAGE (object);

  g_hash_table_unref (self->panels);

  G_OBJECT_CLASS (px_call_page_parent_class)->finalize (object);
}

static void
px_call_page_class_init (PxCallPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = px_call_page_dispose;
  object_class->finalize = px_call_page_finalize;

  g_type_ensure (PX_TYPE_STAGE);
  g_type_ensure (PX_TYPE_CONTROL_BAR);
  g_type_ensure (PX_TYPE_PARTICIPANT_LIST);
  g_type_ensure (PX_TYPE_STATISTICS_OVERLAY);

  px_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/parallax/Parallax/px-call-page.ui");
  gtk_widget_class_bind_template_child (widget_class, PxCallPage, flap);
  gtk_widget_class_bind_template_child (widget_class, PxCallPage, participant_list);
  gtk_widget_class_bind_template_child (widget_class, PxCallPage, statistics_overlay);
  gtk_widget_class_bind_template_child (widget_class, PxCallPage, overlay);
  gtk_widget_class_bind_template_child (widget_class, PxCallPage, stage);
  gtk_widget_class_bind_template_child (widget_class, PxCallPage, waiting_status);
  gtk_widget_class_bind_template_child (widget_class, PxCallPage, reconnecting_box);
  gtk_widget_class_bind_template_child (widget_class, PxCallPage, reconnecting_spinner);
  gtk_widget_class_bind_template_child (widget_class, PxCallPage, control_bar);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "callpage");
}

static void
px_call_page_init (PxCallPage *self)
{
  self->panels = g_hash_table_new_full (NULL, NULL, g_object_unref, g_object_unref);
  gtk_widget_init_template (GTK_WIDGET (self));
}

PxStage *
px_call_page_get_stage (PxCallPage *self)
{
  g_return_val_if_fail (PX_IS_CALL_PAGE (self), NULL);
  return self->stage;
}

/* The waiting status shows while the user is alone in the room. */
void
px_call_page_set_participants (PxCallPage *self,
                               guint       n_participants)
{
  g_return_if_fail (PX_IS_CALL_PAGE (self));
  gtk_widget_set_visible (GTK_WIDGET (self->waiting_status), n_participants == 0);
}

gboolean
px_call_page_get_waiting (PxCallPage *self)
{
  g_return_val_if_fail (PX_IS_CALL_PAGE (self), FALSE);
  return gtk_widget_get_visible (GTK_WIDGET (self->waiting_status));
}

void
px_call_page_set_reconnecting (PxCallPage *self,
                               gboolean    reconnecting)
{
  g_return_if_fail (PX_IS_CALL_PAGE (self));
  gtk_widget_set_visible (self->reconnecting_box, reconnecting);
  gtk_spinner_set_spinning (self->reconnecting_spinner, reconnecting);
}

gboolean
px_call_page_get_reconnecting (PxCallPage *self)
{
  g_return_val_if_fail (PX_IS_CALL_PAGE (self), FALSE);
  return gtk_widget_get_visible (self->reconnecting_box);
}

/* The participants sidebar (F9). */
void
px_call_page_set_participants_revealed (PxCallPage *self,
                                        gboolean    revealed)
{
  g_return_if_fail (PX_IS_CALL_PAGE (self));
  adw_flap_set_reveal_flap (self->flap, revealed);
}

gboolean
px_call_page_get_participants_revealed (PxCallPage *self)
{
  g_return_val_if_fail (PX_IS_CALL_PAGE (self), FALSE);
  return adw_flap_get_reveal_flap (self->flap);
}

AdwFlap *
px_call_page_get_flap (PxCallPage *self)
{
  g_return_val_if_fail (PX_IS_CALL_PAGE (self), NULL);
  return self->flap;
}

PxParticipantList *
px_call_page_get_participant_list (PxCallPage *self)
{
  g_return_val_if_fail (PX_IS_CALL_PAGE (self), NULL);
  return self->participant_list;
}

/* The statistics overlay (Ctrl+I). */
void
px_call_page_set_statistics_visible (PxCallPage *self,
                                     gboolean    visible)
{
  g_return_if_fail (PX_IS_CALL_PAGE (self));
  gtk_widget_set_visible (GTK_WIDGET (self->statistics_overlay), visible);
}

gboolean
px_call_page_get_statistics_visible (PxCallPage *self)
{
  g_return_val_if_fail (PX_IS_CALL_PAGE (self), FALSE);
  return gtk_widget_get_visible (GTK_WIDGET (self->statistics_overlay));
}

PxStatisticsOverlay *
px_call_page_get_statistics_overlay (PxCallPage *self)
{
  g_return_val_if_fail (PX_IS_CALL_PAGE (self), NULL);
  return self->statistics_overlay;
}

PxControlBar *
px_call_page_get_control_bar (PxCallPage *self)
{
  g_return_val_if_fail (PX_IS_CALL_PAGE (self), NULL);
  return self->control_bar;
}
