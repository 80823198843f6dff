/* px-participant-row.c: one person in the participants sidebar
 *
 * The row shows what the roster says (name, microphone and camera off,
 * whether they publish a studio rig or a webcam) and what this app
 * measures of them (speaking now, connection quality). Quality is judged
 * from loss and end-to-end latency as PxRemoteMedia measured them over
 * the last seconds; until something was measured the row says nothing
 * rather than guess.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "px-participant-row.h"

/* Beyond these a conversation starts to suffer (ITU-T G.114 puts the
 * comfortable one-way delay under 150 ms; voice codecs hide a few percent
 * of loss). */
#define GOOD_LATENCY_MS 150.0
#define FAIR_LATENCY_MS 400.0
#define GOOD_LOSS 0.02
#define FAIR_LOSS 0.10

struct _PxParticipantRow
{
  AdwActionRow parent_instance;

  PxSessionParticipant *participant;
  PxRemoteMedia *remote;

  GtkWidget *speaking_icon;
  GtkWidget *mic_icon;
  GtkWidget *camera_icon;
  GtkWidget *quality_label;
  GtkWidget *badge_label;

  PxConnectionQuality quality;
  const char *badge;
};

G_DEFINE_FINAL_TYPE (PxParticipantRow, px_participant_row, ADW_TYPE_ACTION_ROW)

PxConnectionQuality
px_connection_quality_from_stats (const PxRemoteMediaStats *stats)
{
  double loss;

  if (stats == NULL || (stats->voice_packets == 0 && stats->video_frames == 0 &&
                        stats->volumetric_frames == 0))
    return PX_CONNECTION_QUALITY_UNKNOWN;

  loss = MAX (stats->video_loss, stats->voice_loss);

  if (loss > FAIR_LOSS || stats->latency_ms > FAIR_LATENCY_MS)
    return PX_CONNECTION_QUALITY_POOR;
  if (loss > GOOD_LOSS || stats->latency_ms > GOOD_LATENCY_MS)
    return PX_CONNECTION_QUALITY_FAIR;
  return PX_CONNECTION_QUALITY_GOOD;
}

static void
update_title (PxParticipantRow *self)
{
  const char *name = px_session_participant_get_name (self->participant);
  g_autofree char *title = NULL;

  if (px_session_participant_get_local (self->participant))
    /* TRANSLATORS: the user's own row in the participants list */
    title = g_strdup_printf (_("%s (You)"), name);
  else
    title = g_strdup (name);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), title);
}

static void
update_muted (PxParticipantRow *self)
{
  gtk_widget_set_visible (self->mic_icon,
                          px_session_participant_get_audio_muted (self->participant));
  gtk_widget_set_visible (self->camera_icon,
                          px_session_participant_get_video_muted (self->participant));
}

/* What the participant publishes, from the streams they announced: a rig
 * publisher announces a depth stream (PROTOCOL.md §13). */
static void
update_badge (PxParticipantRow *self)
{
  guint n = px_session_participant_get_n_streams (self->participant);
  gboolean video = FALSE, depth = FALSE;

  for (guint i = 0; i < n; i++)
    {
      PxWireKind kind;

      if (!px_session_participant_get_stream (self->participant, i, NULL, &kind, NULL))
        continue;
      video |= kind == PX_WIRE_KIND_VIDEO;
      depth |= kind == PX_WIRE_KIND_DEPTH;
    }

  self->badge = depth ? _("Studio 3D") : video ? _("Webcam") : NULL;
  gtk_label_set_label (GTK_LABEL (self->badge_label), self->badge != NULL ? self->badge : "");
  gtk_widget_set_visible (self->badge_label, self->badge != NULL);
  gtk_widget_set_tooltip_text (self->badge_label,
                               depth ? _("Seen in 3D, reconstructed from a camera rig")
                                     : _("Seen as a life-size picture from one camera"));
}

static void
update_speaking (PxParticipantRow *self)
{
  gboolean speaking = self->remote != NULL && px_remote_media_get_speaking (self->remote);

  /* Hidden rather than removed: the name does not jump as people talk. */
  gtk_widget_set_opacity (self->speaking_icon, speaking ? 1.0 : 0.0);
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->speaking_icon),
                               GTK_ACCESSIBLE_STATE_HIDDEN, !speaking, -1);
}

void
px_participant_row_refresh (PxParticipantRow *self)
{
  PxRemoteMediaStats stats;
  g_autofree char *tooltip = NULL;
  const char *text = NULL;
  const char *css = NULL;

  g_return_if_fail (PX_IS_PARTICIPANT_ROW (self));

  if (self->remote != NULL)
    {
      px_remote_media_get_stats (self->remote, &stats);
      self->quality = px_connection_quality_from_stats (&stats);
    }
  else
    self->quality = PX_CONNECTION_QUALITY_UNKNOWN;

  switch (self->quality)
    {
    case PX_CONNECTION_QUALITY_GOOD:
      text = C_("connection quality", "Good");
      css = "success";
      break;
    case PX_CONNECTION_QUALITY_FAIR:
      text = C_("connection quality", "Fair");
      css = "warning";
      break;
    case PX_CONNECTION_QUALITY_POOR:
      text = C_("connection quality", "Poor");
      css = "error";
      break;
    case PX_CONNECTION_QUALITY_UNKNOWN:
    default:
      break;
    }

  gtk_widget_set_visible (self->quality_label, text != NULL);
  if (text == NULL)
    return;

  gtk_label_set_label (GTK_LABEL (self->quality_label), text);
  gtk_widget_remove_css_class (self->quality_label, "success");
  gtk_widget_remove_css_class (self->quality_label, "warning");
  gtk_widget_remove_css_class (self->quality_label, "error");
  gtk_widget_add_css_class (self->quality_label, css);

  if (stats.latency_ms > 0)
    /* TRANSLATORS: connection quality details: latency, then loss in percent */
    tooltip = g_strdup_printf (_("Connection: %.0f ms delay, %.1f %% voice lost"),
                               stats.latency_ms, 100.0 * stats.voice_loss);
  else
    tooltip = g_strdup_printf (_("Connection: %.1f %% voice lost"), 100.0 * stats.voice_loss);
  gtk_widget_set_tooltip_text (self->quality_label, tooltip);
}

void
px_participant_row_set_remote (PxParticipantRow *self,
                               PxRemoteMedia    *remote)
{
  g_return_if_fail (PX_IS_PARTICIPANT_ROW (self));
  g_return_if_fail (remote == NULL || PX_IS_REMOTE_MEDIA (remote));

  if (self->remote == remote)
    return;
  if (self->remote != NULL)
    g_signal_handlers_disconnect_by_data (self->remote, self);
  g_set_object (&self->remote, remote);
  if (remote != NULL)
    g_signal_connect_object (remote, "notify::speaking", G_CALLBACK (update_speaking), self,
                             G_CONNECT_SWAPPED);
  update_speaking (self);
  px_participant_row_refresh (self);
}

static GtkWidget *
status_icon (const char *icon_name,
             const char *tooltip)
{
  GtkWidget *icon = gtk_image_new_from_icon_name (icon_name);

  gtk_widget_set_tooltip_text (icon, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip, -1);
  gtk_widget_set_valign (icon, GTK_ALIGN_CENTER);
  return icon;
}

static void
px_participant_row_dispose (GObject *object)
{
  PxParticipantRow *self = PX_PARTICIPANT_ROW (object);

  if (self->remote != NULL)
    g_signal_handlers_disconnect_by_data (self->remote, self);
  g_clear_object (&self->remote);
  if (self->participant != NULL)
    g_signal_handlers_disconnect_by_data (self->participant, self);
  g_clear_object (&self->participant);

  G_OBJECT_CLASS (px_participant_row_parent_class)->dispose (object);
}

static void
px_participant_row_class_init (PxParticipantRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = px_participant_row_dispose;
}

static void
px_participant_row_init (PxParticipantRow *self)
{
  GtkWidget *row = GTK_WIDGET (self);

  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (self), FALSE);
  gtk_widget_add_css_class (row, "participant-row");

  self->speaking_icon = status_icon ("audio-volume-high-symbolic", _("Speaking"));
  gtk_widget_add_css_class (self->speaking_icon, "speaking");
  gtk_widget_set_opacity (self->speaking_icon, 0.0);
  adw_action_row_add_prefix (ADW_ACTION_ROW (self), self->speaking_icon);

  self->badge_label = gtk_label_new (NULL);
  gtk_widget_set_valign (self->badge_label, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (self->badge_label, "caption");
  gtk_widget_add_css_class (self->badge_label, "participant-badge");
  gtk_widget_set_visible (self->badge_label, FALSE);
  adw_action_row_add_suffix (ADW_ACTION_ROW (self), self->badge_label);

  self->quality_label = gtk_label_new (NULL);
  gtk_widget_set_valign (self->quality_label, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (self->quality_label, "caption");
  gtk_widget_set_visible (self->quality_label, FALSE);
  adw_action_row_add_suffix (ADW_ACTION_ROW (self), self->quality_label);

  self->mic_icon = status_icon ("microphone-disabled-symbolic", _("Microphone off"));
  adw_action_row_add_suffix (ADW_ACTION_ROW (self), self->mic_icon);
  self->camera_icon = status_icon ("camera-disabled-symbolic", _("Camera off"));
  adw_action_row_add_suffix (ADW_ACTION_ROW (self), self->camera_icon);
}

GtkWidget *
px_participant_row_new (PxSessionParticipant *participant)
{
  PxParticipantRow *self;

  g_return_val_if_fail (PX_IS_SESSION_PARTICIPANT (participant), NULL);

  self = g_object_new (PX_TYPE_PARTICIPANT_ROW, NULL);
  self->participant = g_object_ref (participant);
  g_signal_connect_object (participant, "notify::name", G_CALLBACK (update_title), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (participant, "notify::audio-muted", G_CALLBACK (update_muted), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (participant, "notify::video-muted", G_CALLBACK (update_muted), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (participant, "notify::n-streams", G_CALLBACK (update_badge), self,
                           G_CONNECT_SWAPPED);
  update_title (self);
  update_muted (self);
  update_badge (self);
  return GTK_WIDGET (self);
}

PxSessionParticipant *
px_participant_row_get_participant (PxParticipantRow *self)
{
  g_return_val_if_fail (PX_IS_PARTICIPANT_ROW (self), NULL);
  return self->participant;
}

PxRemoteMedia *
px_participant_row_get_remote (PxParticipantRow *self)
{
  g_return_val_if_fail (PX_IS_PARTICIPANT_ROW (self), NULL);
  return self->remote;
}

gboolean
px_participant_row_get_speaking (PxParticipantRow *self)
{
  g_return_val_if_fail (PX_IS_PARTICIPANT_ROW (self), FALSE);
  return gtk_widget_get_opacity (self->speaking_icon) > 0.5;
}

PxConnectionQuality
px_participant_row_get_quality (PxParticipantRow *self)
{
  g_return_val_if_fail (PX_IS_PARTICIPANT_ROW (self), PX_CONNECTION_QUALITY_UNKNOWN);
  return self->quality;
}

const char *
px_participant_row_get_badge (PxParticipantRow *self)
{
  g_return_val_if_fail (PX_IS_PARTICIPANT_ROW (self), NULL);
  return self->badge;
}

gboolean
px_participant_row_get_mic_muted_shown (PxParticipantRow *self)
{
  g_return_val_if_fail (PX_IS_PARTICIPANT_ROW (self), FALSE);
  return gtk_widget_get_visible (self->mic_icon);
}

gboolean
px_participant_row_get_camera_off_shown (PxParticipantRow *self)
{
  g_return_val_if_fail (PX_IS_PARTICIPANT_ROW (self), FALSE);
  return gtk_widget_get_visible (self->camera_icon);
}
