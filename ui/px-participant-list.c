/* px-participant-list.c: everyone in the meeting, for the sidebar
 *
 * A list box bound to the session's roster (a GListModel), so people come
 * and go as the server says, the user first. Each row gets the
 * participant's PxRemoteMedia once the call has one, for the speaking
 * indicator and the connection quality, which is read again every second
 * while the list is on screen.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "px-participant-list.h"

#define REFRESH_INTERVAL_S 1

struct _PxParticipantList
{
  GtkWidget parent_instance;

  GtkListBox *list_box;
  PxCallMedia *call;
  guint refresh_id;
};

G_DEFINE_FINAL_TYPE (PxParticipantList, px_participant_list, GTK_TYPE_WIDGET)

static GtkWidget *
create_row_cb (gpointer item,
               gpointer user_data)
{
  PxParticipantList *self = user_data;
  PxSessionParticipant *participant = item;
  GtkWidget *row = px_participant_row_new (participant);

  if (self->call != NULL)
    px_participant_row_set_remote (PX_PARTICIPANT_ROW (row),
                                   px_call_media_lookup_remote (self->call, participant));
  return row;
}

static PxParticipantRow *
find_row_for (PxParticipantList    *self,
              PxSessionParticipant *participant)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (PX_IS_PARTICIPANT_ROW (child) &&
        px_participant_row_get_participant (PX_PARTICIPANT_ROW (child)) == participant)
      return PX_PARTICIPANT_ROW (child);
  return NULL;
}

/* The roster may list someone before the call made their media. */
static void
remote_added_cb (PxCallMedia       *call,
                 PxRemoteMedia     *remote,
                 PxParticipantList *self)
{
  PxParticipantRow *row = find_row_for (self, px_remote_media_get_participant (remote));

  if (row != NULL)
    px_participant_row_set_remote (row, remote);
}

static void
remote_removed_cb (PxCallMedia       *call,
                   PxRemoteMedia     *remote,
                   PxParticipantList *self)
{
  PxParticipantRow *row = find_row_for (self, px_remote_media_get_participant (remote));

  if (row != NULL)
    px_participant_row_set_remote (row, NULL);
}

static gboolean
refresh_cb (gpointer user_data)
{
  PxParticipantList *self = user_data;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (PX_IS_PARTICIPANT_ROW (child))
      px_participant_row_refresh (PX_PARTICIPANT_ROW (child));
  return G_SOURCE_CONTINUE;
}

void
px_participant_list_set_call_media (PxParticipantList *self,
                                    PxCallMedia       *call)
{
  g_return_if_fail (PX_IS_PARTICIPANT_LIST (self));
  g_return_if_fail (call == NULL || PX_IS_CALL_MEDIA (call));

  if (self->call == call)
    return;
  if (self->call != NULL)
    g_signal_handlers_disconnect_by_data (self->call, self);
  g_set_object (&self->call, call);

  if (call == NULL)
    {
      gtk_list_box_bind_model (self->list_box, NULL, NULL, NULL, NULL);
      return;
    }
  g_signal_connect_object (call, "remote-added", G_CALLBACK (remote_added_cb), self, 0);
  g_signal_connect_object (call, "remote-removed", G_CALLBACK (remote_removed_cb), self, 0);
  gtk_list_box_bind_model (self->list_box,
                           px_session_get_participants (px_call_media_get_session (call)),
                           create_row_cb, self, NULL);
}

guint
px_participant_list_get_n_rows (PxParticipantList *self)
{
  guint n = 0;

  g_return_val_if_fail (PX_IS_PARTICIPANT_LIST (self), 0);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    n += PX_IS_PARTICIPANT_ROW (child);
  return n;
}

PxParticipantRow *
px_participant_list_get_row (PxParticipantList *self,
                             guint              index)
{
  GtkListBoxRow *row;

  g_return_val_if_fail (PX_IS_PARTICIPANT_LIST (self), NULL);

  row = gtk_list_box_get_row_at_index (self->list_box, (int) index);
  return PX_IS_PARTICIPANT_ROW (row) ? PX_PARTICIPANT_ROW (row) : NULL;
}

PxParticipantRow *
px_participant_list_find_row (PxParticipantList *self,
                              const char        *name)
{
  g_return_val_if_fail (PX_IS_PARTICIPANT_LIST (self), NULL);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (PX_IS_PARTICIPANT_ROW (child) &&
        g_strcmp0 (px_session_participant_get_name (
                     px_participant_row_get_participant (PX_PARTICIPANT_ROW (child))), name) == 0)
      return PX_PARTICIPANT_ROW (child);
  return NULL;
}

static void
px_participant_list_map (GtkWidget *widget)
{
  PxParticipantList *self = PX_PARTICIPANT_LIST (widget);

  GTK_WIDGET_CLASS (px_participant_list_parent_class)->map (widget);

  refresh_cb (self);
  if (self->refresh_id == 0)
    self->refresh_id = g_timeout_add_seconds (REFRESH_INTERVAL_S, refresh_cb, self);
}

static void
px_participant_list_unmap (GtkWidget *widget)
{
  PxParticipantList *self = PX_PARTICIPANT_LIST (widget);

  /* Nobody looks: no need to measure. */
  g_clear_handle_id (&self->refresh_id, g_source_remove);

  GTK_WIDGET_CLASS (px_participant_list_parent_class)->unmap (widget);
}

static void
px_participant_list_dispose (GObject *object)
{
  PxParticipantList *self = PX_PARTICIPANT_LIST (object);
  GtkWidget *child;

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  if (self->list_box != NULL)
    px_participant_list_set_call_media (self, NULL);
  self->list_box = NULL;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (px_participant_list_parent_class)->dispose (object);
}

static void
px_participant_list_class_init (PxParticipantListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = px_participant_list_dispose;
  widget_class->map = px_participant_list_map;
  widget_class->unmap = px_participant_list_unmap;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "participantlist");
}

static void
px_participant_list_init (PxParticipantList *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *title = adw_window_title_new (_("Participants"), NULL);
  GtkWidget *scrolled = gtk_scrolled_window_new ();

  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), title);
  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  gtk_widget_add_css_class (header, "flat");
  gtk_box_append (GTK_BOX (box), header);

  self->list_box = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list_box, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list_box), "boxed-list");
  gtk_widget_set_margin_start (GTK_WIDGET (self->list_box), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (self->list_box), 12);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->list_box), 12);
  gtk_widget_set_valign (GTK_WIDGET (self->list_box), GTK_ALIGN_START);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list_box),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Participants"), -1);

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (self->list_box));
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_box_append (GTK_BOX (box), scrolled);

  gtk_widget_set_size_request (GTK_WIDGET (self), 300, -1);
  gtk_widget_set_parent (box, GTK_WIDGET (self));
  gtk_widget_add_css_class (GTK_WIDGET (self), "background");
}

GtkWidget *
px_participant_list_new (void)
{
  return g_object_new (PX_TYPE_PARTICIPANT_LIST, NULL);
}
