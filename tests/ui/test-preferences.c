/* test-preferences.c: the preferences window and GSettings agree both ways
 *
 * Drives the rows a user changes (the largest resolution, the bitrate, the
 * remember-token switch) and reads GSettings back, then changes GSettings
 * and reads the rows; checks that turning off "Remember the Token" forgets
 * the token, that the Studio Setup row summarises the studio, and that it
 * opens the studio setup window. Runs on a private X server.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <adwaita.h>

#include "capture/px-capture-device.h"
#include "px-preferences-window.h"
#include "px-studio-setup-window.h"
#include "px-test-harness.h"
#include "px-ui-test.h"

#define WAIT_SECONDS 30

typedef struct
{
  PxTestHarness *harness;
  gboolean have_pipewire;
  GSettings *settings;
  PxPreferencesWindow *window;
} Fixture;

static Fixture fixture;

static gboolean
window_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data));
}

static void
test_resolution (void)
{
  AdwComboRow *row = px_preferences_window_get_resolution_row (fixture.window);

  /* The default, 720 lines, is the middle choice. */
  g_assert_cmpint (g_settings_get_int (fixture.settings, "video-max-height"), ==, 720);
  g_assert_cmpuint (adw_combo_row_get_selected (row), ==, 1);

  adw_combo_row_set_selected (row, 0);
  g_assert_cmpint (g_settings_get_int (fixture.settings, "video-max-height"), ==, 480);
  adw_combo_row_set_selected (row, 2);
  g_assert_cmpint (g_settings_get_int (fixture.settings, "video-max-height"), ==, 1080);

  /* And back: a height set elsewhere shows in the row. */
  g_settings_set_int (fixture.settings, "video-max-height", 720);
  g_assert_cmpuint (adw_combo_row_get_selected (row), ==, 1);
  /* A height between two choices shows the smaller one. */
  g_settings_set_int (fixture.settings, "video-max-height", 600);
  g_assert_cmpuint (adw_combo_row_get_selected (row), ==, 0);
  g_settings_reset (fixture.settings, "video-max-height");
  g_assert_cmpuint (adw_combo_row_get_selected (row), ==, 1);
}

static void
test_bitrate (void)
{
  GtkSpinButton *spin = px_preferences_window_get_bitrate_spin (fixture.window);

  g_assert_cmpint ((int) gtk_spin_button_get_value (spin), ==,
                   g_settings_get_int (fixture.settings, "video-max-bitrate-kbps"));
  gtk_spin_button_set_value (spin, 1000);
  g_assert_cmpint (g_settings_get_int (fixture.settings, "video-max-bitrate-kbps"), ==, 1000);
  g_settings_set_int (fixture.settings, "video-max-bitrate-kbps", 3000);
  g_assert_cmpint ((int) gtk_spin_button_get_value (spin), ==, 3000);
  /* The range is the schema's: a typo of 80000 is held at 8000. */
  gtk_spin_button_set_value (spin, 80000);
  g_assert_cmpint (g_settings_get_int (fixture.settings, "video-max-bitrate-kbps"), ==, 8000);
  g_settings_reset (fixture.settings, "video-max-bitrate-kbps");
}

static void
test_remember_token (void)
{
  GtkSwitch *toggle = px_preferences_window_get_remember_token_switch (fixture.window);
  g_autofree char *token = NULL;

  g_assert_false (gtk_switch_get_active (toggle));
  g_assert_false (g_settings_get_boolean (fixture.settings, "remember-token"));

  gtk_switch_set_active (toggle, TRUE);
  g_assert_true (g_settings_get_boolean (fixture.settings, "remember-token"));
  /* A join remembers its token while the switch is on… */
  g_settings_set_string (fixture.settings, "last-token", "header.claims.signature");

  /* …and turning it off forgets it. */
  gtk_switch_set_active (toggle, FALSE);
  g_assert_false (g_settings_get_boolean (fixture.settings, "remember-token"));
  token = g_settings_get_string (fixture.settings, "last-token");
  g_assert_cmpstr (token, ==, "");

  g_settings_set_boolean (fixture.settings, "remember-token", TRUE);
  g_assert_true (gtk_switch_get_active (toggle));
  g_settings_reset (fixture.settings, "remember-token");
  g_assert_false (gtk_switch_get_active (toggle));
}

static void
test_studio_summary (void)
{
  const char *summary = px_preferences_window_get_studio_summary (fixture.window);

  g_test_message ("Without a studio: %s", summary);
  g_assert_nonnull (strstr (summary, "No studio"));

  g_settings_set_string (fixture.settings, "studio-rig-file", "/nonexistent/rig.json");
  g_settings_set_strv (fixture.settings, "studio-cameras",
                       (const char *[]) { "cam-left", "cam-right", NULL });
  summary = px_preferences_window_get_studio_summary (fixture.window);
  g_test_message ("With one: %s", summary);
  g_assert_nonnull (strstr (summary, "cam-left"));
  g_assert_nonnull (strstr (summary, "cam-right"));
  g_settings_reset (fixture.settings, "studio-rig-file");
  g_settings_reset (fixture.settings, "studio-cameras");
}

static gboolean
cameras_listed (gpointer data)
{
  AdwComboRow *row = data;

  return g_list_model_get_n_items (adw_combo_row_get_model (row)) == 2;
}

static guint
camera_position (AdwComboRow *row,
                 const char  *name)
{
  GListModel *model = adw_combo_row_get_model (row);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(PxCaptureDevice) device = g_list_model_get_item (model, i);

      if (g_str_equal (px_capture_device_get_name (device), name))
        return i;
    }
  g_error ("No camera %s in the drop-down", name);
}

/* The same live device list as the join page, remembered by node name. */
static void
test_devices (void)
{
  PxTestCameraSpec desk = { .name = "px-prefs-desk", .description = "Desk Camera",
                            .width = 320, .height = 240 };
  PxTestCameraSpec room = { .name = "px-prefs-room", .description = "Room Camera",
                            .width = 320, .height = 240 };
  AdwComboRow *row = px_preferences_window_get_camera_row (fixture.window);
  g_autofree char *chosen = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  PxPreferencesWindow *second;

  if (!fixture.have_pipewire)
    {
      g_test_skip ("PipeWire and WirePlumber could not be started");
      return;
    }
  if (px_test_harness_add_camera (fixture.harness, &desk) == NULL ||
      px_test_harness_add_camera (fixture.harness, &room) == NULL)
    return;
  px_ui_test_wait_for (cameras_listed, row, WAIT_SECONDS, "both cameras in the drop-down");

  adw_combo_row_set_selected (row, camera_position (row, "px-prefs-room"));
  chosen = g_settings_get_string (fixture.settings, "camera-device");
  g_assert_cmpstr (chosen, ==, "px-prefs-room");
  adw_combo_row_set_selected (row, camera_position (row, "px-prefs-desk"));
  g_free (chosen);
  chosen = g_settings_get_string (fixture.settings, "camera-device");
  g_assert_cmpstr (chosen, ==, "px-prefs-desk");

  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (fixture.window), "devices");
  px_ui_test_spin (200);
  texture = px_ui_test_screenshot (GTK_WIDGET (fixture.window), "preferences-devices.png", FALSE);
  g_assert_nonnull (texture);

  /* Preferences opened again show the camera chosen last. */
  g_settings_set_string (fixture.settings, "camera-device", "px-prefs-room");
  second = PX_PREFERENCES_WINDOW (px_preferences_window_new (NULL, fixture.settings));
  row = px_preferences_window_get_camera_row (second);
  px_ui_test_wait_for (cameras_listed, row, WAIT_SECONDS, "the cameras in a new window");
  g_assert_cmpuint (adw_combo_row_get_selected (row), ==, camera_position (row, "px-prefs-room"));
  gtk_window_destroy (GTK_WINDOW (second));
  g_settings_reset (fixture.settings, "camera-device");
}

static GtkWindow *
find_setup_window (void)
{
  g_autoptr(GListModel) toplevels = g_object_ref (gtk_window_get_toplevels ());

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (PX_IS_STUDIO_SETUP_WINDOW (window))
        return window;
    }
  return NULL;
}

static gboolean
setup_window_mapped (gpointer data)
{
  GtkWindow *window = find_setup_window ();

  return window != NULL && gtk_widget_get_mapped (GTK_WIDGET (window));
}

static void
test_studio_setup_opens (void)
{
  GtkWindow *setup;

  g_assert_null (find_setup_window ());
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture.window),
                                             "preferences.studio-setup", NULL));
  px_ui_test_wait_for (setup_window_mapped, NULL, WAIT_SECONDS, "the studio setup to open");
  setup = find_setup_window ();
  g_assert_true (gtk_window_get_transient_for (setup) == GTK_WINDOW (fixture.window));
  /* No calibration yet: the window says what to do first. */
  g_assert_cmpint (px_studio_setup_window_get_verdict (PX_STUDIO_SETUP_WINDOW (setup)), ==, -1);
  g_assert_nonnull (strstr (px_studio_setup_window_get_verdict_text (PX_STUDIO_SETUP_WINDOW (setup)),
                            "Import"));
  gtk_window_destroy (setup);
  g_assert_null (find_setup_window ());

  /* A studio whose rig file went missing: the window says so. */
  g_settings_set_string (fixture.settings, "studio-rig-file", "/nonexistent/studio-rig.json");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture.window),
                                             "preferences.studio-setup", NULL));
  px_ui_test_wait_for (setup_window_mapped, NULL, WAIT_SECONDS, "the studio setup to open again");
  setup = find_setup_window ();
  g_assert_nonnull (px_studio_setup_window_get_error (PX_STUDIO_SETUP_WINDOW (setup)));
  g_test_message ("The studio setup says: %s",
                  px_studio_setup_window_get_error (PX_STUDIO_SETUP_WINDOW (setup)));
  g_assert_nonnull (strstr (px_studio_setup_window_get_error (PX_STUDIO_SETUP_WINDOW (setup)),
                            "cannot be used"));
  g_assert_null (px_studio_setup_window_get_rig (PX_STUDIO_SETUP_WINDOW (setup)));
  gtk_window_destroy (setup);
  g_settings_reset (fixture.settings, "studio-rig-file");
}

static gboolean
have_program (const char *name)
{
  g_autofree char *path = g_find_program_in_path (name);

  return path != NULL;
}

static void
skip_without_display (void)
{
  g_test_skip ("No X server could be started");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GDBusConnection) bus = NULL;
  int status;

  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  fixture.harness = px_test_harness_new ();
  /* This process keeps fatal criticals; the daemons run as on a desktop. */
  px_test_harness_setenv (fixture.harness, "G_DEBUG", NULL);
  if (!px_test_require_programs ("Xvfb", "dbus-daemon", NULL) ||
      px_test_harness_start_display (fixture.harness) == NULL ||
      px_test_harness_start_session_bus (fixture.harness) == NULL)
    {
      px_test_harness_free (fixture.harness);
      g_test_add_func ("/ui/preferences/no-display", skip_without_display);
      return g_test_run ();
    }

  /* Cameras to choose from, when PipeWire is there. */
  fixture.have_pipewire = have_program ("pipewire") && have_program ("wireplumber") &&
                          px_test_harness_start_pipewire (fixture.harness);

  /* The bus goes away before this process does: that must not end it. */
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  if (bus != NULL)
    g_dbus_connection_set_exit_on_close (bus, FALSE);

  if (!gtk_init_check () || gdk_display_get_default () == NULL)
    g_error ("GTK cannot open the display %s", g_getenv ("DISPLAY"));
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  fixture.settings = g_settings_new (APPLICATION_ID);
  fixture.window = PX_PREFERENCES_WINDOW (px_preferences_window_new (NULL, fixture.settings));
  gtk_window_present (GTK_WINDOW (fixture.window));
  px_ui_test_wait_for (window_mapped, fixture.window, WAIT_SECONDS, "the preferences to map");

  g_test_add_func ("/ui/preferences/resolution", test_resolution);
  g_test_add_func ("/ui/preferences/bitrate", test_bitrate);
  g_test_add_func ("/ui/preferences/remember-token", test_remember_token);
  g_test_add_func ("/ui/preferences/devices", test_devices);
  g_test_add_func ("/ui/preferences/studio-summary", test_studio_summary);
  g_test_add_func ("/ui/preferences/studio-setup-opens", test_studio_setup_opens);
  status = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (fixture.window));
  g_clear_object (&fixture.settings);
  gdk_display_close (gdk_display_get_default ());
  px_test_harness_free (fixture.harness);
  return status;
}
