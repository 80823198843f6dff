/* px-join-page.c: server, room and name, then Join
 *
 * The page collects a join target and shows why it cannot be used. The
 * Join button and Enter in any field trigger win.join; the window decides
 * what joining means.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "px-join-page.h"
#include "px-ui-resources.h"

struct _PxJoinPage
{
  GtkWidget parent_instance;

  AdwEntryRow *server_row;
  AdwEntryRow *room_row;
  AdwEntryRow *name_row;
  GtkLabel *error_label;
  GtkButton *join_button;
};

G_DEFINE_FINAL_TYPE (PxJoinPage, px_join_page, GTK_TYPE_WIDGET)

static void
px_join_page_entry_activated_cb (PxJoinPage *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "win.join", NULL);
}

static void
px_join_page_changed_cb (PxJoinPage *self)
{
  /* An error refers to what was typed before; once the user edits, it is
   * stale and only gets in the way. */
  px_join_page_show_error (self, NULL);
}

static void
px_join_page_dispose (GObject *object)
{
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (object), PX_TYPE_JOIN_PAGE);
  /* Template children without an id are ours to unparent. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (px_join_page_parent_class)->dispose (object);
}

static void
px_join_page_class_init (PxJoinPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = px_join_page_dispose;

  px_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/parallax/Parallax/px-join-page.ui");
  gtk_widget_class_bind_template_child (widget_class, PxJoinPage, server_row);
  gtk_widget_class_bind_template_child (widget_class, PxJoinPage, room_row);
  gtk_widget_class_bind_template_child (widget_class, PxJoinPage, name_row);
  gtk_widget_class_bind_template_child (widget_class, PxJoinPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, PxJoinPage, join_button);
  gtk_widget_class_bind_template_callback (widget_class, px_join_page_entry_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, px_join_page_changed_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "joinpage");
}

static void
px_join_page_init (PxJoinPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

void
px_join_page_fill (PxJoinPage   *self,
                   PxJoinTarget *target)
{
  g_return_if_fail (PX_IS_JOIN_PAGE (self));
  g_return_if_fail (PX_IS_JOIN_TARGET (target));

  gtk_editable_set_text (GTK_EDITABLE (self->server_row), px_join_target_get_server_url (target));
  gtk_editable_set_text (GTK_EDITABLE (self->room_row), px_join_target_get_room (target));
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), px_join_target_get_display_name (target));
  px_join_page_show_error (self, NULL);
}

/* Returns a validated, normalized target, or NULL with the error that the
 * page also shows (and focus moved to the field at fault). */
PxJoinTarget *
px_join_page_build_target (PxJoinPage  *self,
                           GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *server = NULL;
  g_autofree char *name = NULL;
  const char *room;

  g_return_val_if_fail (PX_IS_JOIN_PAGE (self), NULL);

  server = px_join_target_normalize_server (gtk_editable_get_text (GTK_EDITABLE (self->server_row)),
                                            &local_error);
  if (server == NULL)
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->server_row));
      goto failed;
    }

  room = gtk_editable_get_text (GTK_EDITABLE (self->room_row));
  if (!px_join_target_check_room (room, &local_error))
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->room_row));
      goto failed;
    }

  name = px_join_target_normalize_name (gtk_editable_get_text (GTK_EDITABLE (self->name_row)),
                                        &local_error);
  if (name == NULL)
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
      goto failed;
    }

  px_join_page_show_error (self, NULL);
  return px_join_target_new (server, room, name);

failed:
  px_join_page_show_error (self, local_error);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

void
px_join_page_show_error (PxJoinPage   *self,
                         const GError *error)
{
  g_return_if_fail (PX_IS_JOIN_PAGE (self));

  gtk_label_set_text (self->error_label, error ? error->message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), error != NULL);
}

const char *
px_join_page_get_error (PxJoinPage *self)
{
  g_return_val_if_fail (PX_IS_JOIN_PAGE (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->error_label)))
    return NULL;
  return gtk_label_get_text (self->error_label);
}
