/* px-control-bar.c: the buttons of a call
 *
 * The bar only shows and triggers the window's actions (win.microphone,
 * win.camera, win.projection, win.participants, win.statistics,
 * win.leave): what a button means lives in the action, so a shortcut, the
 * bar and an assistive technology all do the same thing. Each tooltip
 * names the button's shortcut.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "px-control-bar.h"
#include "px-ui-resources.h"

struct _PxControlBar
{
  GtkWidget parent_instance;

  GtkToggleButton *microphone_button;
  GtkToggleButton *camera_button;
  GtkToggleButton *projection_button;
  GtkToggleButton *participants_button;
  GtkToggleButton *statistics_button;
  GtkButton *leave_button;
};

G_DEFINE_FINAL_TYPE (PxControlBar, px_control_bar, GTK_TYPE_WIDGET)

/* The icon and the words follow the state, so that the button says what is
 * true now ("Microphone on"), as GNOME's call apps do. */
static void
px_control_bar_update_microphone (PxControlBar *self)
{
  gboolean on;

  /* Actions may still change state while the template is torn down. */
  if (self->microphone_button == NULL)
    return;

  on = gtk_toggle_button_get_active (self->microphone_button);

  gtk_button_set_icon_name (GTK_BUTTON (self->microphone_button),
                            on ? "microphone-sensitivity-high-symbolic"
                               : "microphone-disabled-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->microphone_button),
                               on ? _("Turn Microphone Off (Ctrl+D)") : _("Turn Microphone On (Ctrl+D)"));
}

static void
px_control_bar_update_camera (PxControlBar *self)
{
  gboolean on;

  if (self->camera_button == NULL)
    return;

  on = gtk_toggle_button_get_active (self->camera_button);

  gtk_button_set_icon_name (GTK_BUTTON (self->camera_button),
                            on ? "camera-web-symbolic" : "camera-disabled-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->camera_button),
                               on ? _("Turn Camera Off (Ctrl+E)") : _("Turn Camera On (Ctrl+E)"));
}

static void
px_control_bar_microphone_toggled_cb (PxControlBar *self)
{
  px_control_bar_update_microphone (self);
}

static void
px_control_bar_camera_toggled_cb (PxControlBar *self)
{
  px_control_bar_update_camera (self);
}

static void
px_control_bar_dispose (GObject *object)
{
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (object), PX_TYPE_CONTROL_BAR);
  /* Template children without an id are ours to unparent. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (px_control_bar_parent_class)->dispose (object);
}

static void
px_control_bar_class_init (PxControlBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = px_control_bar_dispose;

  px_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/parallax/Parallax/px-control-bar.ui");
  gtk_widget_class_bind_template_child (widget_class, PxControlBar, microphone_button);
  gtk_widget_class_bind_template_child (widget_class, PxControlBar, camera_button);
  gtk_widget_class_bind_template_child (widget_class, PxControlBar, projection_button);
  gtk_widget_class_bind_template_child (widget_class, PxControlBar, participants_button);
  gtk_widget_class_bind_template_child (widget_class, PxControlBar, statistics_button);
  gtk_widget_class_bind_template_child (widget_class, PxControlBar, leave_button);
  gtk_widget_class_bind_template_callback (widget_class, px_control_bar_microphone_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, px_control_bar_camera_toggled_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "controlbar");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_TOOLBAR);
}

static void
px_control_bar_init (PxControlBar *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  px_control_bar_update_microphone (self);
  px_control_bar_update_camera (self);
}
