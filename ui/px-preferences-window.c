/* px-preferences-window.c: what the app remembers, editable
 *
 * Every row is bound to GSettings, so a change takes effect at once and
 * needs no Apply button, as the GNOME HIG asks of preferences.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "capture/px-device-monitor.h"
#include "px-device-row.h"
#include "px-preferences-window.h"
#include "px-stage.h"
#include "px-studio-setup-window.h"
#include "px-ui-resources.h"

/* The largest resolutions offered, in the order of the drop-down. */
static const int video_heights[] = { 480, 720, 1080 };

struct _PxPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  GSettings *settings;

  AdwEntryRow *server_row;
  AdwEntryRow *name_row;
  GtkSwitch *microphone_switch;
  GtkSwitch *camera_switch;
  GtkSwitch *lan_switch;
  GtkSwitch *remember_token_switch;
  AdwComboRow *camera_row;
  AdwComboRow *microphone_row;
  AdwComboRow *speaker_row;
  AdwComboRow *resolution_row;
  GtkSpinButton *bitrate_spin;
  AdwActionRow *studio_row;
  AdwPreferencesGroup *displays_group;
  GtkSpinButton *viewer_distance_spin;

  GListModel *monitors;
  GPtrArray *display_rows;

  PxDeviceMonitor *cameras;
  PxDeviceMonitor *microphones;
  PxDeviceMonitor *speakers;
  /* While a device list changes, the drop-downs move their selection by
   * themselves; that is not the user's choice and is not remembered. */
  gboolean lists_changing;
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

/* Devices ----------------------------------------------------------------------------------- */

/* Selects the device remembered under @key when the list holds it. */
static void
select_remembered (PxPreferencesWindow *self,
                   AdwComboRow         *row,
                   const char          *key)
{
  g_autofree char *wanted = g_settings_get_string (self->settings, key);

  px_device_row_select_name (row, wanted);
}

static void
px_preferences_window_lists_changing_cb (PxPreferencesWindow *self)
{
  self->lists_changing = TRUE;
}

static void
px_preferences_window_lists_changed_cb (PxPreferencesWindow *self)
{
  select_remembered (self, self->camera_row, "camera-device");
  select_remembered (self, self->microphone_row, "microphone-device");
  select_remembered (self, self->speaker_row, "speaker-device");
  self->lists_changing = FALSE;
}

static void
px_preferences_window_device_selected_cb (AdwComboRow         *row,
                                          GParamSpec          *pspec,
                                          PxPreferencesWindow *self)
{
  PxCaptureDevice *device = adw_combo_row_get_selected_item (row);
  const char *key = g_object_get_data (G_OBJECT (row), "px-settings-key");

  if (!self->lists_changing && device != NULL)
    g_settings_set_string (self->settings, key, px_capture_device_get_name (device));
}

static void
set_up_device_row (PxPreferencesWindow *self,
                   AdwComboRow         *row,
                   PxDeviceMonitor     *monitor,
                   const char          *key)
{
  g_object_set_data (G_OBJECT (row), "px-settings-key", (gpointer) key);
  /* See lists_changing. */
  px_device_row_bind (row, G_LIST_MODEL (monitor),
                      G_CALLBACK (px_preferences_window_lists_changing_cb),
                      G_CALLBACK (px_preferences_window_lists_changed_cb), self);
  g_signal_connect (row, "notify::selected",
                    G_CALLBACK (px_preferences_window_device_selected_cb), self);
}

/* Video quality ------------------------------------------------------------------------------ */

static gboolean
height_to_selected (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  int height = g_variant_get_int32 (variant);
  guint selected = G_N_ELEMENTS (video_heights) - 1;

  /* A height between two choices shows the next smaller one. */
  for (guint i = G_N_ELEMENTS (video_heights); i > 0; i--)
    if (video_heights[i - 1] <= height)
      {
        selected = i - 1;
        break;
      }
  if (height < video_heights[0])
    selected = 0;
  g_value_set_uint (value, selected);
  return TRUE;
}

static GVariant *
selected_to_height (const GValue       *value,
                    const GVariantType *expected_type,
                    gpointer            user_data)
{
  guint selected = g_value_get_uint (value);

  if (selected >= G_N_ELEMENTS (video_heights))
    return NULL;
  return g_variant_new_int32 (video_heights[selected]);
}

/* Server defaults ---------------------------------------------------------------------------- */

/* A token kept against the user's wish is a secret left lying about. */
static void
px_preferences_window_remember_token_changed_cb (PxPreferencesWindow *self)
{
  if (!g_settings_get_boolean (self->settings, "remember-token"))
    g_settings_set_string (self->settings, "last-token", "");
}

/* Studio ------------------------------------------------------------------------------------- */

static void
px_preferences_window_studio_changed_cb (PxPreferencesWindow *self)
{
  g_autofree char *rig_file = g_settings_get_string (self->settings, "studio-rig-file");
  g_auto(GStrv) cameras = g_settings_get_strv (self->settings, "studio-cameras");

  if (*rig_file == '\0')
    adw_action_row_set_subtitle (self->studio_row, _("No studio: the camera is sent as flat video"));
  else if (g_strv_length (cameras) < 2)
    adw_action_row_set_subtitle (self->studio_row, _("A calibration is imported; choose its cameras"));
  else
    {
      g_autofree char *subtitle = g_strdup_printf (_("Cameras %s and %s"), cameras[0], cameras[1]);

      adw_action_row_set_subtitle (self->studio_row, subtitle);
    }
}

static void
px_preferences_window_studio_setup_cb (GtkWidget  *widget,
                                       const char *action_name,
                                       GVariant   *parameter)
{
  PxPreferencesWindow *self = PX_PREFERENCES_WINDOW (widget);
  GtkWidget *setup = px_studio_setup_window_new (GTK_WINDOW (self), self->settings);

  gtk_window_present (GTK_WINDOW (setup));
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
  g_settings_bind (self->settings, "remember-token", self->remember_token_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "video-max-bitrate-kbps", self->bitrate_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (self->settings, "video-max-height", self->resolution_row,
                                "selected", G_SETTINGS_BIND_DEFAULT,
                                height_to_selected, selected_to_height, NULL, NULL);
  g_signal_connect_object (self->settings, "changed::remember-token",
                           G_CALLBACK (px_preferences_window_remember_token_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::studio-rig-file",
                           G_CALLBACK (px_preferences_window_studio_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::studio-cameras",
                           G_CALLBACK (px_preferences_window_studio_changed_cb), self,
                           G_CONNECT_SWAPPED);
  px_preferences_window_studio_changed_cb (self);

  /* The same live lists as the join page, remembered under the same keys. */
  self->cameras = px_camera_monitor_new ();
  self->microphones = px_device_monitor_new (PX_DEVICE_KIND_MICROPHONE, NULL);
  self->speakers = px_device_monitor_new (PX_DEVICE_KIND_SPEAKER, NULL);
  set_up_device_row (self, self->camera_row, self->cameras, "camera-device");
  set_up_device_row (self, self->microphone_row, self->microphones, "microphone-device");
  set_up_device_row (self, self->speaker_row, self->speakers, "speaker-device");
  px_preferences_window_lists_changed_cb (self);

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

  /* The drop-downs must stop following the device lists now: hotplug may
   * come after the window is gone. */
  if (self->cameras != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->cameras, self);
      g_signal_handlers_disconnect_by_data (self->microphones, self);
      g_signal_handlers_disconnect_by_data (self->speakers, self);
    }
  if (self->camera_row != NULL)
    {
      adw_combo_row_set_model (self->camera_row, NULL);
      adw_combo_row_set_model (self->microphone_row, NULL);
      adw_combo_row_set_model (self->speaker_row, NULL);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), PX_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->monitors);
  g_clear_object (&self->cameras);
  g_clear_object (&self->microphones);
  g_clear_object (&self->speakers);
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
  gtk_widget_class_bind_template_child (widget_class, PxPreferencesWindow, remember_token_switch);
  gtk_widget_class_bind_template_child (widget_class, PxPreferencesWindow, camera_row);
  gtk_widget_class_bind_template_child (widget_class, PxPreferencesWindow, microphone_row);
  gtk_widget_class_bind_template_child (widget_class, PxPreferencesWindow, speaker_row);
  gtk_widget_class_bind_template_child (widget_class, PxPreferencesWindow, resolution_row);
  gtk_widget_class_bind_template_child (widget_class, PxPreferencesWindow, bitrate_spin);
  gtk_widget_class_bind_template_child (widget_class, PxPreferencesWindow, studio_row);

  /* Opens the studio setup over the preferences. */
  gtk_widget_class_install_action (widget_class, "preferences.studio-setup", NULL,
                                   px_preferences_window_studio_setup_cb);
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

/* The rows a test drives as a user would. */
AdwComboRow *
px_preferences_window_get_resolution_row (PxPreferencesWindow *self)
{
  g_return_val_if_fail (PX_IS_PREFERENCES_WINDOW (self), NULL);
  return self->resolution_row;
}

GtkSpinButton *
px_preferences_window_get_bitrate_spin (PxPreferencesWindow *self)
{
  g_return_val_if_fail (PX_IS_PREFERENCES_WINDOW (self), NULL);
  return self->bitrate_spin;
}

GtkSwitch *
px_preferences_window_get_remember_token_switch (PxPreferencesWindow *self)
{
  g_return_val_if_fail (PX_IS_PREFERENCES_WINDOW (self), NULL);
  return self->remember_token_switch;
}

AdwComboRow *
px_preferences_window_get_camera_row (PxPreferencesWindow *self)
{
  g_return_val_if_fail (PX_IS_PREFERENCES_WINDOW (self), NULL);
  return self->camera_row;
}

/* What the Studio Setup row says about the studio now. */
const char *
px_preferences_window_get_studio_summary (PxPreferencesWindow *self)
{
  g_return_val_if_fail (PX_IS_PREFERENCES_WINDOW (self), NULL);
  return adw_action_row_get_subtitle (self->studio_row);
}
