/* px-projection-window.c: the stage alone, full-screen on a projector
 *
 * For presenters: a borderless window, full-screen on the monitor they
 * chose, that shows only the stage, life-size for that surface (its size
 * comes from that monitor, or from the width the user entered for it). The
 * main window keeps the controls. It mirrors the main stage's people.
 * Escape or F5 closes it; so does its monitor going away (the main window
 * decides what happens next).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "px-projection-window.h"
#include "px-ui-resources.h"

struct _PxProjectionWindow
{
  GtkWindow parent_instance;

  GdkMonitor *monitor;
  PxStage *source;
  PxStage *stage;
};

G_DEFINE_FINAL_TYPE (PxProjectionWindow, px_projection_window, GTK_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_MONITOR,
  PROP_SOURCE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
px_projection_window_monitor_invalidate_cb (PxProjectionWindow *self)
{
  g_debug ("The projection monitor went away");
  gtk_window_close (GTK_WINDOW (self));
}

static void
px_projection_window_constructed (GObject *object)
{
  PxProjectionWindow *self = PX_PROJECTION_WINDOW (object);
  GdkRectangle geometry;

  G_OBJECT_CLASS (px_projection_window_parent_class)->constructed (object);

  g_assert (GDK_IS_MONITOR (self->monitor));
  g_assert (PX_IS_STAGE (self->source));

  px_stage_share_participants (self->stage, self->source);
  px_stage_set_monitor (self->stage, self->monitor);
  g_signal_connect_object (self->monitor, "invalidate",
                           G_CALLBACK (px_projection_window_monitor_invalidate_cb), self,
                           G_CONNECT_SWAPPED);

  /* Asked for before the window is shown, so that it maps full-screen
   * there; sized as the monitor too, for sessions without a window
   * manager to do it (kiosks, tests). */
  gdk_monitor_get_geometry (self->monitor, &geometry);
  gtk_window_set_default_size (GTK_WINDOW (self), geometry.width, geometry.height);
  gtk_window_fullscreen_on_monitor (GTK_WINDOW (self), self->monitor);
}

static void
px_projection_window_dispose (GObject *object)
{
  PxProjectionWindow *self = PX_PROJECTION_WINDOW (object);

  /* The stage is the window's child: GtkWindow unparents it. */
  self->stage = NULL;
  g_clear_object (&self->monitor);
  g_clear_object (&self->source);

  G_OBJECT_CLASS (px_projection_window_parent_class)->dispose (object);
}

static void
px_projection_window_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  PxProjectionWindow *self = PX_PROJECTION_WINDOW (object);

  switch (prop_id)
    {
    case PROP_MONITOR:
      g_value_set_object (value, self->monitor);
      break;
    case PROP_SOURCE:
      g_value_set_object (value, self->source);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
px_projection_window_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  PxProjectionWindow *self = PX_PROJECTION_WINDOW (object);

  switch (prop_id)
    {
    case PROP_MONITOR:
      self->monitor = g_value_dup_object (value);
      break;
    case PROP_SOURCE:
      self->source = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
px_projection_window_class_init (PxProjectionWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = px_projection_window_constructed;
  object_class->dispose = px_projection_window_dispose;
  object_class->get_property = px_projection_window_get_property;
  object_class->set_property = px_projection_window_set_property;

  properties[PROP_MONITOR] =
    g_param_spec_object ("monitor", NULL, NULL, GDK_TYPE_MONITOR,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SOURCE] =
    g_param_spec_object ("source", NULL, NULL, PX_TYPE_STAGE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (PX_TYPE_STAGE);

  px_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/parallax/Parallax/px-projection-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PxProjectionWindow, stage);
}

static void
px_projection_window_init (PxProjectionWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* A projection of @source's people onto @monitor; present it to show it. */
PxProjectionWindow *
px_projection_window_new (GtkApplication *application,
                          GdkMonitor     *monitor,
                          PxStage        *source)
{
  g_return_val_if_fail (GDK_IS_MONITOR (monitor), NULL);
  g_return_val_if_fail (PX_IS_STAGE (source), NULL);

  return g_object_new (PX_TYPE_PROJECTION_WINDOW,
                       "application", application,
                       "monitor", monitor,
                       "source", source,
                       NULL);
}

GdkMonitor *
px_projection_window_get_monitor (PxProjectionWindow *self)
{
  g_return_val_if_fail (PX_IS_PROJECTION_WINDOW (self), NULL);
  return self->monitor;
}

PxStage *
px_projection_window_get_stage (PxProjectionWindow *self)
{
  g_return_val_if_fail (PX_IS_PROJECTION_WINDOW (self), NULL);
  return self->stage;
}
