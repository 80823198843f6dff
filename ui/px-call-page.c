/* px-call-page.c: the meeting itself: stage and controls
 *
 * The stage fills the page; a "Waiting for participants" status sits over
 * it while nobody else is in the room, and the control bar floats at the
 * bottom so the people on the stage keep as much of the glass as possible.
 * While the connection is being restored, a small notice sits at the top:
 * the stage stays as it was, since the meeting usually resumes in seconds.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>

#include "px-call-page.h"
#include "px-ui-resources.h"
#include "px-control-bar.h"

struct _PxCallPage
{
  GtkWidget parent_instance;

  GtkOverlay *overlay;
  PxStage *stage;
  AdwStatusPage *waiting_status;
  GtkWidget *reconnecting_box;
  GtkSpinner *reconnecting_spinner;
  PxControlBar *control_bar;
};

G_DEFINE_FINAL_TYPE (PxCallPage, px_call_page, GTK_TYPE_WIDGET)

static void
px_call_page_dispose (GObject *object)
{
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (object), PX_TYPE_CALL_PAGE);
  /* Template children without an id are ours to unparent. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (px_call_page_parent_class)->dispose (object);
}

static void
px_call_page_class_init (PxCallPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = px_call_page_dispose;

  g_type_ensure (PX_TYPE_STAGE);
  g_type_ensure (PX_TYPE_CONTROL_BAR);

  px_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/parallax/Parallax/px-call-page.ui");
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
