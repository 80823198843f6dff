/* test-capture-join-page.c: the join page's camera, microphone and speaker choice, live
 *
 * A real X server (Xvfb), PipeWire with WirePlumber and GStreamer cameras
 * from the harness; the page is driven through its widgets. The camera
 * connection is shared by the process, so meson runs each case in a
 * process of its own (-p).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "net/px-join-target.h"
#include "px-capture-test.h"
#include "px-join-page.h"

static AdwComboRow *
find_combo_row (GtkWidget  *widget,
                const char *title)
{
  if (ADW_IS_COMBO_ROW (widget) &&
      g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0)
    return ADW_COMBO_ROW (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      AdwComboRow *found = find_combo_row (child, title);

      if (found != NULL)
        return found;
    }
  return NULL;
}

typedef struct
{
  PxJoinPage *page;
  const char *camera;
} CameraWait;

static gboolean
camera_chosen_cb (gpointer   data,
                  GError   **error)
{
  CameraWait *wait = data;

  return g_strcmp0 (px_join_page_get_camera (wait->page), wait->camera) == 0;
}

static gboolean
preview_shown_cb (gpointer   data,
                  GError   **error)
{
  CameraWait *wait = data;
  GdkPaintable *preview = px_join_page_get_preview (wait->page);

  return preview != NULL && GDK_IS_TEXTURE (preview) &&
         px_join_page_get_camera_status (wait->page) == NULL;
}

static gboolean
no_camera_cb (gpointer   data,
              GError   **error)
{
  CameraWait *wait = data;

  return px_join_page_get_camera (wait->page) == NULL &&
         g_strcmp0 (px_join_page_get_camera_status (wait->page), "No camera found") == 0;
}

static gboolean
microphone_listed_cb (gpointer   data,
                      GError   **error)
{
  CameraWait *wait = data;

  return px_join_page_get_microphone (wait->page) != NULL;
}

static void
test_join_page_devices (void)
{
  PxTestHarness *harness = px_capture_test_harness_new ();
  PxTestCameraSpec first_spec = { .name = "px-ui-camera", .description = "Desk Camera",
                                  .format = "YUY2", .width = 320, .height = 240 };
  PxTestCameraSpec second_spec = { .name = "px-ui-camera-2", .description = "Room Camera",
                                   .format = "MJPG", .width = 320, .height = 240 };
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GDBusConnection) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guchar *pixels = NULL;
  PxTestNode *first, *second;
  GtkWidget *window;
  PxJoinPage *page;
  AdwComboRow *camera_row;
  GdkTexture *texture;
  CameraWait wait;
  gsize stride;

  if (!px_test_require_programs ("Xvfb", NULL) ||
      px_test_harness_start_display (harness) == NULL ||
      !px_test_harness_start_pipewire (harness))
    return;
  first = px_test_harness_add_camera (harness, &first_spec);
  if (first == NULL || px_test_harness_add_microphone (harness, NULL) == NULL)
    return;

  /* GTK and libadwaita talk to the harness's session bus, which goes away
   * at the end of the test: that must not end this process. */
  session = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_set_exit_on_close (session, FALSE);

  gtk_init ();
  adw_init ();
  settings = g_settings_new (APPLICATION_ID);

  window = gtk_window_new ();
  page = g_object_new (PX_TYPE_JOIN_PAGE, NULL);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (page));
  gtk_window_set_default_size (GTK_WINDOW (window), 600, 900);
  gtk_window_present (GTK_WINDOW (window));

  /* The camera is listed and previewed: the first SMPTE bar is white, the last blue. */
  wait.page = page;
  wait.camera = "px-ui-camera";
  g_assert_true (px_test_wait_until (camera_chosen_cb, &wait, PX_CAPTURE_TEST_WAIT_MS,
                                     "the camera in the drop-down", &error));
  g_assert_true (px_test_wait_until (preview_shown_cb, &wait, PX_CAPTURE_TEST_WAIT_MS,
                                     "the camera preview", &error));
  texture = GDK_TEXTURE (px_join_page_get_preview (page));
  g_assert_cmpint (gdk_texture_get_width (texture), ==, 320);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, 240);
  stride = 320 * 4;
  pixels = g_malloc (stride * 240);
  gdk_texture_download (texture, pixels, stride);
  /* Downloads are B, G, R, A. */
  g_assert_cmpuint (pixels[80 * stride + 22 * 4 + 2], >, 240);
  g_assert_cmpuint (pixels[80 * stride + 297 * 4 + 2], <, 15);
  g_assert_cmpuint (pixels[80 * stride + 297 * 4 + 0], >, 240);

  g_assert_true (px_test_wait_until (microphone_listed_cb, &wait, PX_CAPTURE_TEST_WAIT_MS,
                                     "the microphone in the drop-down", &error));

  /* A second camera is plugged in and the user picks it: remembered. */
  second = px_test_harness_add_camera (harness, &second_spec);
  if (second == NULL)
    return;
  camera_row = find_combo_row (GTK_WIDGET (page), "Camera");
  g_assert_nonnull (camera_row);
  {
    GListModel *model = adw_combo_row_get_model (camera_row);
    gint64 deadline = g_get_monotonic_time () + PX_CAPTURE_TEST_WAIT_MS * G_TIME_SPAN_MILLISECOND;

    while (g_list_model_get_n_items (model) < 2 && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpuint (g_list_model_get_n_items (model), ==, 2);
    adw_combo_row_set_selected (camera_row, 1);
  }
  wait.camera = "px-ui-camera-2";
  g_assert_true (px_test_wait_until (camera_chosen_cb, &wait, PX_CAPTURE_TEST_WAIT_MS,
                                     "the second camera chosen", &error));
  g_assert_true (px_test_wait_until (preview_shown_cb, &wait, PX_CAPTURE_TEST_WAIT_MS,
                                     "the second camera's preview", &error));
  {
    g_autofree char *remembered = g_settings_get_string (settings, "camera-device");

    g_assert_cmpstr (remembered, ==, "px-ui-camera-2");
  }

  /* Unplugged: the drop-down follows and falls back to the other camera. */
  g_assert_true (px_test_harness_remove_node (harness, second));
  wait.camera = "px-ui-camera";
  g_assert_true (px_test_wait_until (camera_chosen_cb, &wait, PX_CAPTURE_TEST_WAIT_MS,
                                     "the first camera again", &error));

  /* No camera at all: said so, and joining stays possible. */
  g_assert_true (px_test_harness_remove_node (harness, first));
  g_assert_true (px_test_wait_until (no_camera_cb, &wait, PX_CAPTURE_TEST_WAIT_MS,
                                     "“No camera found”", &error));
  g_assert_null (px_join_page_get_preview (page));
  g_assert_null (px_join_page_get_error (page));

  gtk_window_destroy (GTK_WINDOW (window));
  px_capture_test_drain ();
  /* GDK exits when its X server goes away: leave it first. */
  gdk_display_close (gdk_display_get_default ());
}

static gboolean
access_denied_shown_cb (gpointer   data,
                        GError   **error)
{
  PxJoinPage *page = data;

  return g_strcmp0 (px_join_page_get_camera_status (page), "Camera access denied") == 0;
}

/* Inside a sandbox the portal says no: the page says so, and joining works. */
static void
test_join_page_access_denied (void)
{
  PxTestHarness *harness = px_capture_test_harness_new ();
  PxTestCameraSpec spec = { .name = "px-ui-camera", .width = 320, .height = 240 };
  g_autoptr(GDBusConnection) session = NULL;
  g_autoptr(PxJoinTarget) target = NULL;
  g_autoptr(PxJoinTarget) built = NULL;
  g_autoptr(GError) error = NULL;
  PxCaptureTestPortal *portal;
  GtkWidget *window;
  PxJoinPage *page;

  if (!px_test_require_programs ("Xvfb", NULL) ||
      px_test_harness_start_display (harness) == NULL ||
      !px_test_harness_start_pipewire (harness) ||
      px_test_harness_add_camera (harness, &spec) == NULL)
    return;

  session = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_set_exit_on_close (session, FALSE);
  portal = px_capture_test_portal_start (harness);
  px_capture_test_portal_set (portal, TRUE, FALSE);
  px_test_harness_setenv (harness, "PX_CAMERA_PORTAL", "1");

  gtk_init ();
  adw_init ();
  window = gtk_window_new ();
  page = g_object_new (PX_TYPE_JOIN_PAGE, NULL);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (page));
  gtk_window_present (GTK_WINDOW (window));

  g_assert_true (px_test_wait_until (access_denied_shown_cb, page, PX_CAPTURE_TEST_WAIT_MS,
                                     "“Camera access denied”", &error));
  g_assert_null (px_join_page_get_camera (page));
  g_assert_null (px_join_page_get_preview (page));
  g_assert_cmpint (px_capture_test_portal_get_access_calls (portal), ==, 1);

  target = px_join_target_new ("", "design-review", "Tester");
  px_join_page_fill (page, target);
  built = px_join_page_build_target (page, &error);
  g_assert_no_error (error);
  g_assert_nonnull (built);

  gtk_window_destroy (GTK_WINDOW (window));
  px_capture_test_drain ();
  px_capture_test_portal_stop (portal);
  gdk_display_close (gdk_display_get_default ());
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/capture/join-page/devices", test_join_page_devices);
  g_test_add_func ("/capture/join-page/access-denied", test_join_page_access_denied);

  return g_test_run ();
}
