/* test-studio-setup.c: setting up a studio with the synthetic studio's cameras
 *
 * A private X server, PipeWire and WirePlumber; the synthetic studio
 * publishes its two calibrated cameras ("left" and "right") as PipeWire
 * camera nodes. The studio setup window picks them, shows their live
 * images, imports the studio's own rig (exported to a file with the
 * studio's API) and must call it a match; with the cameras swapped it must
 * say so, and Swap must set it right; a calibration that is a few pixels
 * off must be called one that does not match; a file that is no
 * calibration must give an error and change nothing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <adwaita.h>

#include "px-studio-setup-window.h"
#include "px-test-harness.h"
#include "px-ui-test.h"
#include "recon/px-rig-check.h"
#include "studio/px-studio-publisher.h"

/* Generous: the machine may be loaded, and the first frames of a camera
 * take a while to negotiate. */
#define WAIT_SECONDS 60
#define FPS 10

typedef struct
{
  PxTestHarness *harness;
  GSettings *settings;
  PxStudioRig *studio_rig;
  PxStudio *studio;
  PxStudioPublisher *publisher;
  PxStudioSetupWindow *window;
  char *rig_file;
} Fixture;

static Fixture fixture;

#define wait_for(condition, data, what) \
  px_ui_test_wait_for ((condition), (data), WAIT_SECONDS, (what))

static gboolean
window_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (fixture.window));
}

static gboolean
cameras_selected (gpointer data)
{
  return px_studio_setup_window_select_cameras (fixture.window, "left", "right");
}

static gboolean
live_images (gpointer data)
{
  for (guint side = 0; side < 2; side++)
    {
      PxStudioSetupCameraView *view = px_studio_setup_window_get_camera_view (fixture.window, side);
      GdkPaintable *paintable = px_studio_setup_camera_view_get_paintable (view);

      if (paintable == NULL || !GDK_IS_TEXTURE (paintable))
        return FALSE;
    }
  return TRUE;
}

static gboolean
preview_frames (gpointer data)
{
  return px_studio_setup_preview_get_n_frames (px_studio_setup_window_get_preview (fixture.window)) >= 3;
}

static gboolean
n_imports_is (gpointer data)
{
  return px_studio_setup_window_get_n_imports (fixture.window) == GPOINTER_TO_UINT (data);
}

typedef struct
{
  int verdict;
  guint after;    /* a check finished after this many */
} VerdictWait;

static gboolean
verdict_is (gpointer data)
{
  VerdictWait *wait = data;

  return px_studio_setup_window_get_n_checks (fixture.window) > wait->after &&
         px_studio_setup_window_get_verdict (fixture.window) == wait->verdict;
}

static void
wait_for_verdict (int         verdict,
                  const char *what)
{
  VerdictWait wait = { verdict, px_studio_setup_window_get_n_checks (fixture.window) };

  wait_for (verdict_is, &wait, what);
  g_test_message ("The window says: %s", px_studio_setup_window_get_verdict_text (fixture.window));
}

static void
import (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  guint before = px_studio_setup_window_get_n_imports (fixture.window);

  px_studio_setup_window_import (fixture.window, file);
  wait_for (n_imports_is, GUINT_TO_POINTER (before + 1), "the import to finish");
}

static void
assert_cameras_setting (const char *left,
                        const char *right)
{
  g_auto(GStrv) cameras = g_settings_get_strv (fixture.settings, "studio-cameras");

  g_assert_cmpuint (g_strv_length (cameras), ==, 2);
  g_assert_cmpstr (cameras[0], ==, left);
  g_assert_cmpstr (cameras[1], ==, right);
}

static void
screenshot (const char *name,
            gboolean    publish)
{
  g_autoptr(GdkTexture) texture = px_ui_test_screenshot (GTK_WIDGET (fixture.window), name,
                                                         publish);

  g_assert_nonnull (texture);
}

/* Tests ------------------------------------------------------------------------------------- */

static void
test_cameras (void)
{
  /* Before a calibration, the window asks for one. */
  g_assert_cmpint (px_studio_setup_window_get_verdict (fixture.window), ==, -1);
  g_assert_null (px_studio_setup_window_get_rig (fixture.window));

  wait_for (cameras_selected, NULL, "the studio's cameras in the drop-downs");
  assert_cameras_setting ("left", "right");
  g_assert_cmpstr (px_studio_setup_camera_view_get_camera (px_studio_setup_window_get_camera_view (fixture.window, 0)),
                   ==, "left");

  wait_for (live_images, NULL, "both cameras' live images");
  for (guint side = 0; side < 2; side++)
    {
      PxStudioSetupCameraView *view = px_studio_setup_window_get_camera_view (fixture.window, side);
      GdkTexture *texture = GDK_TEXTURE (px_studio_setup_camera_view_get_paintable (view));

      g_assert_cmpint (gdk_texture_get_width (texture), ==, 640);
      g_assert_cmpint (gdk_texture_get_height (texture), ==, 480);
      g_assert_null (px_studio_setup_camera_view_get_status (view));
    }
}

static void
test_import_rig (void)
{
  g_autofree char *expected = g_build_filename (g_get_user_data_dir (), "parallax",
                                                "studio-rig.json", NULL);
  g_autofree char *rig_setting = NULL;
  PxRig *rig;

  import (fixture.rig_file);
  g_assert_null (px_studio_setup_window_get_error (fixture.window));
  rig = px_studio_setup_window_get_rig (fixture.window);
  g_assert_nonnull (rig);
  g_assert_cmpuint (px_rig_get_n_pairs (rig), ==, 1);

  /* Saved where the meetings find it. */
  rig_setting = g_settings_get_string (fixture.settings, "studio-rig-file");
  g_assert_cmpstr (rig_setting, ==, expected);
  g_assert_true (g_file_test (expected, G_FILE_TEST_IS_REGULAR));
  assert_cameras_setting ("left", "right");

  wait_for_verdict (PX_RIG_CHECK_OK, "the verdict that calibration and cameras match");
  g_assert_nonnull (strstr (px_studio_setup_window_get_verdict_text (fixture.window), "match"));

  /* The server reconstructs the pair and the preview shows it. */
  wait_for (preview_frames, NULL, "the reconstruction to come back");
  g_assert_null (px_studio_setup_preview_get_status (px_studio_setup_window_get_preview (fixture.window)));
  px_ui_test_spin (300);
  screenshot ("studio-setup.png", TRUE);
  {
    g_autoptr(GdkTexture) preview = px_ui_test_screenshot (GTK_WIDGET (px_studio_setup_window_get_preview (fixture.window)),
                                                           "studio-setup-preview.png", FALSE);

    g_assert_nonnull (preview);
  }
}

static void
test_swapped (void)
{
  g_assert_true (px_studio_setup_window_select_cameras (fixture.window, "right", "left"));
  assert_cameras_setting ("right", "left");
  wait_for_verdict (PX_RIG_CHECK_SWAPPED, "the verdict that the cameras are swapped");
  g_assert_nonnull (strstr (px_studio_setup_window_get_verdict_text (fixture.window), "swapped"));
  screenshot ("studio-setup-swapped.png", FALSE);

  /* Swap sets it right. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture.window), "studio.swap", NULL));
  assert_cameras_setting ("left", "right");
  wait_for_verdict (PX_RIG_CHECK_OK, "the verdict after Swap");
}

static void
test_wrong_calibration (void)
{
  g_autofree char *path = g_build_filename (px_test_harness_get_tmp_dir (fixture.harness),
                                            "off-by-some-pixels.json", NULL);
  g_autoptr(PxRig) true_rig = px_studio_rig_to_rig (fixture.studio_rig);
  g_autoptr(PxRig) wrong = px_rig_new ("Another studio");
  g_autoptr(GError) error = NULL;
  const PxCamera *left, *right;

  /* The same rig but for a principal point 6 pixels off. */
  for (guint i = 0; i < px_rig_get_n_cameras (true_rig); i++)
    {
      PxCamera camera = *px_rig_get_camera (true_rig, i);

      if (i == 0)
        camera.cy += 6;
      g_assert_true (px_rig_add_camera (wrong, &camera, &error));
    }
  g_assert_true (px_rig_get_pair (true_rig, 0, &left, &right));
  g_assert_true (px_rig_add_pair (wrong, left->id, right->id, &error));
  g_assert_true (px_rig_save (wrong, path, &error));
  g_assert_no_error (error);

  import (path);
  g_assert_null (px_studio_setup_window_get_error (fixture.window));
  wait_for_verdict (PX_RIG_CHECK_ROWS_DISAGREE, "the verdict that the calibration is off");
  g_assert_nonnull (strstr (px_studio_setup_window_get_verdict_text (fixture.window),
                            "does not match"));

  /* The right one again. */
  import (fixture.rig_file);
  wait_for_verdict (PX_RIG_CHECK_OK, "the verdict with the right calibration again");
}

static void
test_bad_file (void)
{
  g_autofree char *path = g_build_filename (px_test_harness_get_tmp_dir (fixture.harness),
                                            "not-a-calibration.yml", NULL);
  g_autofree char *missing = g_build_filename (px_test_harness_get_tmp_dir (fixture.harness),
                                               "missing.yml", NULL);
  g_autofree char *saved_path = g_settings_get_string (fixture.settings, "studio-rig-file");
  g_autofree char *saved_before = NULL;
  g_autofree char *saved_after = NULL;
  g_autofree char *setting_after = NULL;
  PxRig *rig = px_studio_setup_window_get_rig (fixture.window);
  const char *message;

  g_assert_true (g_file_get_contents (saved_path, &saved_before, NULL, NULL));
  g_assert_true (g_file_set_contents (path, "%YAML:1.0\nM1: [ 1, 2, 3 ]\nR: hello\n", -1, NULL));

  import (path);
  message = px_studio_setup_window_get_error (fixture.window);
  g_assert_nonnull (message);
  g_test_message ("The window says: %s", message);
  g_assert_nonnull (strstr (message, "Could not import"));
  g_assert_nonnull (strstr (message, "not-a-calibration.yml"));

  /* Nothing changed: the rig, the saved file, the settings. */
  g_assert_true (px_studio_setup_window_get_rig (fixture.window) == rig);
  setting_after = g_settings_get_string (fixture.settings, "studio-rig-file");
  g_assert_cmpstr (setting_after, ==, saved_path);
  g_assert_true (g_file_get_contents (saved_path, &saved_after, NULL, NULL));
  g_assert_cmpstr (saved_after, ==, saved_before);
  assert_cameras_setting ("left", "right");
  px_ui_test_spin (200);
  screenshot ("studio-setup-error.png", FALSE);

  /* A file that is not there either. */
  import (missing);
  g_assert_nonnull (px_studio_setup_window_get_error (fixture.window));
  g_test_message ("The window says: %s", px_studio_setup_window_get_error (fixture.window));
  g_assert_true (px_studio_setup_window_get_rig (fixture.window) == rig);

  /* A good import clears the error. */
  import (fixture.rig_file);
  g_assert_null (px_studio_setup_window_get_error (fixture.window));
}

static void
skip_without_programs (void)
{
  g_test_skip ("Xvfb, dbus-daemon, PipeWire or WirePlumber could not be started");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(PxStudioPerson) person = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data_home = NULL;
  int status;

  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  fixture.harness = px_test_harness_new ();
  /* The rig is saved under the user's data folder: a private one. GLib
   * reads it once, so before anything asks. */
  data_home = g_build_filename (px_test_harness_get_tmp_dir (fixture.harness), "data", NULL);
  px_test_harness_setenv (fixture.harness, "XDG_DATA_HOME", data_home);
  /* This process keeps fatal criticals; the daemons run as on a desktop. */
  px_test_harness_setenv (fixture.harness, "G_DEBUG", NULL);
  if (!px_test_require_programs ("Xvfb", "dbus-daemon", "pipewire", "wireplumber", NULL) ||
      px_test_harness_start_display (fixture.harness) == NULL ||
      !px_test_harness_start_pipewire (fixture.harness))
    {
      px_test_harness_free (fixture.harness);
      g_test_add_func ("/ui/studio-setup/no-programs", skip_without_programs);
      return g_test_run ();
    }
  g_assert_cmpstr (g_get_user_data_dir (), ==, data_home);

  /* The bus goes away before this process does: that must not end it. */
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_set_exit_on_close (bus, FALSE);

  /* The synthetic studio's calibrated cameras as PipeWire nodes, and its
   * rig exported as a user would have it. */
  fixture.studio_rig = px_studio_rig_new_default ();
  person = px_studio_person_new (1.75, 1);
  fixture.studio = px_studio_new (fixture.studio_rig, person, 1, 1);
  fixture.publisher = px_studio_publisher_new (fixture.studio, FPS, 0);
  g_assert_true (px_studio_publisher_start (fixture.publisher, &error));
  g_assert_no_error (error);
  fixture.rig_file = g_build_filename (px_test_harness_get_tmp_dir (fixture.harness),
                                       "studio.json", NULL);
  g_assert_true (px_studio_rig_save (fixture.studio_rig, fixture.rig_file, &error));
  g_assert_no_error (error);

  if (!gtk_init_check () || gdk_display_get_default () == NULL)
    g_error ("GTK cannot open the display %s", g_getenv ("DISPLAY"));
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  fixture.settings = g_settings_new (APPLICATION_ID);
  fixture.window = PX_STUDIO_SETUP_WINDOW (px_studio_setup_window_new (NULL, fixture.settings));
  /* Tall enough for the screenshot to show the reconstruction too. */
  gtk_window_set_default_size (GTK_WINDOW (fixture.window), 900, 1060);
  gtk_window_present (GTK_WINDOW (fixture.window));
  wait_for (window_mapped, NULL, "the studio setup to map");

  g_test_add_func ("/ui/studio-setup/cameras", test_cameras);
  g_test_add_func ("/ui/studio-setup/import-rig", test_import_rig);
  g_test_add_func ("/ui/studio-setup/swapped", test_swapped);
  g_test_add_func ("/ui/studio-setup/wrong-calibration", test_wrong_calibration);
  g_test_add_func ("/ui/studio-setup/bad-file", test_bad_file);
  status = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (fixture.window));
  px_ui_test_spin (200);
  px_studio_publisher_stop (fixture.publisher);
  g_clear_object (&fixture.publisher);
  g_clear_object (&fixture.studio);
  g_clear_object (&fixture.studio_rig);
  g_clear_object (&fixture.settings);
  g_free (fixture.rig_file);
  gdk_display_close (gdk_display_get_default ());
  px_test_harness_free (fixture.harness);
  return status;
}
