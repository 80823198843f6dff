/* test-capture-portal.c: cameras through the camera portal, granted and denied
 *
 * The test's own org.freedesktop.portal.Camera (px-capture-test.c) answers
 * on the harness's private session bus; libportal's real code path runs
 * against it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>

#include "capture/px-capture-error.h"
#include "px-capture-test.h"

static gboolean
deadline_cb (gpointer data)
{
  gboolean *passed = data;

  *passed = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main context for @ms, for checking that nothing more happens. */
static void
run_for (guint ms)
{
  gboolean passed = FALSE;
  guint id = g_timeout_add (ms, deadline_cb, &passed);

  while (!passed)
    g_main_context_iteration (NULL, TRUE);
  (void) id;
}

static void
test_portal (void)
{
  g_autoptr(GDBusConnection) session = NULL;
  g_autoptr(PxPipewireConnection) connection = NULL;
  g_autoptr(PxCameraSource) source = NULL;
  g_autoptr(PxFrame) frame = NULL;
  g_autoptr(GError) error = NULL;
  PxTestHarness *harness = px_capture_test_harness_new ();
  PxTestCameraSpec spec = { .name = "px-test-portal-camera", .width = 320, .height = 240 };
  PxCaptureTestPortal *portal;

  if (!px_test_harness_start_pipewire (harness))
    return;
  if (px_test_harness_add_camera (harness, &spec) == NULL)
    return;

  /* libportal uses the shared session bus connection; the harness's bus
   * goes away at the end of the test, which must not end this process. */
  session = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_set_exit_on_close (session, FALSE);

  portal = px_capture_test_portal_start (harness);

  /* Granted: the camera comes through the portal's PipeWire remote. */
  connection = px_pipewire_connection_new (PX_PIPEWIRE_ACCESS_PORTAL);
  g_assert_true (px_pipewire_connection_uses_portal (connection));
  g_assert_true (px_capture_test_wait_state (connection, PX_PIPEWIRE_STATE_CONNECTED, &error));
  g_assert_no_error (error);
  g_assert_cmpint (px_capture_test_portal_get_access_calls (portal), ==, 1);
  g_assert_cmpint (px_capture_test_portal_get_remote_calls (portal), ==, 1);
  g_assert_nonnull (px_capture_test_wait_device (connection, spec.name, &error));
  source = px_camera_source_new (connection, spec.name, 320, 240, 30);
  g_assert_true (px_camera_source_start (source, &error));
  g_assert_no_error (error);
  frame = px_capture_test_wait_frame (source, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (frame->width, ==, 320);
  g_clear_pointer (&frame, px_frame_unref);
  g_clear_object (&source);
  g_clear_object (&connection);
  px_capture_test_drain ();

  /* Denied: a state, reported once, not retried behind the user's back. */
  px_capture_test_portal_set (portal, TRUE, FALSE);
  connection = px_pipewire_connection_new (PX_PIPEWIRE_ACCESS_PORTAL);
  g_assert_true (px_capture_test_wait_state (connection, PX_PIPEWIRE_STATE_ACCESS_DENIED,
                                             &error));
  g_assert_no_error (error);
  g_assert_cmpint (px_capture_test_portal_get_access_calls (portal), ==, 2);
  source = px_camera_source_new (connection, spec.name, 320, 240, 30);
  g_assert_false (px_camera_source_start (source, &error));
  g_assert_error (error, PX_CAPTURE_ERROR, PX_CAPTURE_ERROR_ACCESS_DENIED);
  g_clear_error (&error);
  run_for (1500);
  g_assert_cmpint (px_pipewire_connection_get_state (connection), ==,
                   PX_PIPEWIRE_STATE_ACCESS_DENIED);
  g_assert_cmpint (px_capture_test_portal_get_access_calls (portal), ==, 2);
  g_assert_cmpint (px_capture_test_portal_get_remote_calls (portal), ==, 1);

  /* Asking again is the user's choice; this time the answer is yes. */
  px_capture_test_portal_set (portal, TRUE, TRUE);
  px_pipewire_connection_retry (connection);
  g_assert_true (px_capture_test_wait_state (connection, PX_PIPEWIRE_STATE_CONNECTED, &error));
  g_assert_no_error (error);
  g_assert_cmpint (px_capture_test_portal_get_access_calls (portal), ==, 3);
  g_clear_object (&source);
  g_clear_object (&connection);
  px_capture_test_drain ();

  /* No camera at all: said so, without asking for access. */
  px_capture_test_portal_set (portal, FALSE, TRUE);
  connection = px_pipewire_connection_new (PX_PIPEWIRE_ACCESS_PORTAL);
  g_assert_true (px_capture_test_wait_state (connection, PX_PIPEWIRE_STATE_NO_CAMERA, &error));
  g_assert_no_error (error);
  g_assert_cmpint (px_capture_test_portal_get_access_calls (portal), ==, 3);
  g_clear_object (&connection);
  px_capture_test_drain ();

  px_capture_test_portal_stop (portal);
  g_dbus_connection_close_sync (session, NULL, NULL);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/capture/portal/grant-deny-absent", test_portal);

  return g_test_run ();
}
