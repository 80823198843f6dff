/* px-preferences-window.c: what the app remembers, editable
 *
 * Every row is bound to GSettings, so a change takes effect at once and
 * needs no Apply button, as the GNOME HIG asks of preferences.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "px-preferences-window.h"
#include "px-stage.h"
#include "px-ui-resources.h"

struct _PxPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  GSettings *settings;

  AdwEntryRow *server_row;
  AdwEntryRow *name_row;
  GtkSwitch *microphone_switch;
  GtkSwitch *camera_switch;
  GtkSwitch *lan_switch;
  AdwPreferencesGroup *displays_group;
  GtkSpinButton *viewer_distance_spin;

  GListModel *monitors;
  GPtrArray *display_rows;
};

G_DEFINE_FINAL_TYPE (PxPreferencesWindow, px_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Stores the width the user entered for the display a spin button is for;
 * 0 forgets it, so the display's own report counts again. */
static void
px_preferences_window_display_width_changed_cb (GtkSpinButton       *spin,
                                                PxPreferencesWindow *self)
{
  const char *key = g_object_get_data (G_OBJECT (spin), "px-monitor-key");
  double width = gtk_spin_button_get_value (spin);
  g_autoptr(GVariant) widths = g_settings_get_value (self->settings, "display-widths");
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{sd}"));
  GVariantIter iter;
  const char *name;
  double value;

  g_variant_iter_init (&iter, widths);
  while (g_variant_iter_next (&iter, "{&sd}", &name, &value))
    if (!g_str_equal (name, key))
      g_variant_builder_add (&builder, "{sd}", name, value);
  if (width > 0)
    g_variant_builder_add (&builder, "{sd}", key, width);

  g_settings_set_value (self->settings, "display-widths", g_variant_builder_end (&builder));
}

static void
px_preferences_window_rebuild_displays (PxPreferencesWindow *self)
{
  g_autoptr(GVariant) widths = g_settings_get_value (self->settings, "display-widths");
  guint n = g_list_model_get_n_items (self->monitors);

  for (guint i = 0; i < self->display_rows->len; i++)
    adw_preferences_group_remove (self->displays_group, g_ptr_array_index (self->display_rows, i));
  g_ptr_array_set_size (self->display_rows, 0);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GdkMonitor) monitor = g_list_model_get_item (self->monitors, i);
      g_autofree char *key = px_stage_dup_monitor_key (monitor);
      g_autofree char *label = px_stage_dup_monitor_label (monitor);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *spin = gtk_spin_button_new_with_range (0, 20000, 1);
      double width = 0;

      g_variant_lookup (widths, key, "d", &width);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), label);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                   _("Picture width in millimetres (0: as the display reports)"));
      gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
      gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), width);
      gtk_accessible_update_property (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      label, -1);
      g_object_set_data_full (G_OBJECT (spin), "px-monitor-key", g_steal_pointer (&key), g_free);
      g_signal_connect (spin, "value-changed",
                        G_CALLBACK (px_preferences_window_display_width_changed_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), spin);

      adw_preferences_group_add (self->displays_group, row);
      g_ptr_array_add (self->display_rows, row);
    }
}

static void
px_preferences_window_monitors_changed_cb (PxPreferencesWindow *self)
{
  px_preferences_window_rebuild_displays (self);
}

static void
px_preferences_window_constructed (GObject *object)
{
  PxPreferencesWindow *self = PX_PREFERENCES_WINDOW (object);

  G_OBJECT_CLASS (px_preferences_window_parent_class)->constructed (object);

  g_settings_bind (self->settings, "last-server", self->server_row, "text",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "display-name", self->name_row, "text",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "microphone", self->microphone_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "embedded-server-lan", self->lan_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "camera", self->camera_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "viewer-distance-mm", self->viewer_distance_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);

  /* One row per connected display, following plugs and unplugs. */
  self->monitors = g_object_ref (gdk_display_get_monitors (gtk_widget_get_display (GTK_WIDGET (self))));
  g_signal_connect_object (self->monitors, "items-changed",
                           G_CALLBACK (px_preferences_window_monitors_changed_cb), self,
                           G_CONNECT_SWAPPED);
  px_preferences_window_rebuild_displays (self);
}

static void
px_preferences_window_dispose (GObject *object)
{
  PxPreferencesWindow *self = PX_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), PX_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->monitors);
  g_clear_pointer (&self->display_rows, g_ptr_array_unref);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (px_preferences_window_parent_class)->dispose (object);
}

static void
px_preferences_window_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  PxPreferencesWindow *self = PX_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
px_preferences_window_class_init (PxPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = px_preferences_window_constructed;
  object_class->dispose = px_preferences_window_dispose;
  object_class->set_property = px_preferences_window_set_property;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  px_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/parallax/Parallax/px-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PxPreferencesWindow, server_row);
  gtk_widget_class_bind_template_child (widget_class, PxPreferencesWindow, name_row);
  gtk_widget_class_bind_template_child (widget_class, PxPreferencesWindow, microphone_switch);
  gtk_widget_class_bind_template_child (widget_class, PxPreferencesWindow, camera_switch);
  gtk_widget_class_bind_template_child (widget_class, PxPreferencesWindow, lan_switch);
  gtk_widget_class_bind_template_child (widget_class, PxPreferencesWindow, displays_group);
  gtk_widget_class_bind_template_child (widget_class, PxPreferencesWindow, viewer_distance_spin);
}

static void
px_preferences_window_init (PxPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->display_rows = g_ptr_array_new ();
}

GtkWidget *
px_preferences_window_new (GtkWindow *parent,
                           GSettings *settings)
{
  return g_object_new (PX_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       "modal", TRUE,
                       "settings", settings,
                       NULL);
}
