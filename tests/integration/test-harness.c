/* test-harness.c: the test harness against the real programs it drives
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#ifdef HAVE_X11
#include <X11/Xlib.h>
#endif

#include "px-test-harness.h"

#define ABORT_REPORT_ENV "PX_TEST_HARNESS_ABORT_REPORT"

/* Helpers ------------------------------------------------------------------------------------ */

static void
assert_all_gone (const GPid *pids,
                 guint       n_pids)
{
  g_assert_cmpuint (n_pids, >, 0);
  for (guint i = 0; i < n_pids; i++)
    {
      if (!px_test_pid_is_gone (pids[i]))
        g_error ("Process %d is still alive after the harness stopped", (int) pids[i]);
    }
}

static gboolean
is_socket (const char *path)
{
  GStatBuf info;

  return g_stat (path, &info) == 0 && S_ISSOCK (info.st_mode);
}

static char *
pw_socket_path (PxTestHarness *harness)
{
  return g_build_filename (px_test_harness_get_runtime_dir (harness), "pipewire-0", NULL);
}

/* The first EnumFormat entry of a node in a pw-dump. */
static JsonObject *
node_first_format (JsonObject *node)
{
  JsonObject *info = json_object_get_object_member (node, "info");
  JsonObject *params;
  JsonArray *formats;

  g_assert_nonnull (info);
  params = json_object_get_object_member (info, "params");
  g_assert_nonnull (params);
  g_assert_true (json_object_has_member (params, "EnumFormat"));
  formats = json_object_get_array_member (params, "EnumFormat");
  g_assert_cmpuint (json_array_get_length (formats), >, 0);

  return json_array_get_object_element (formats, 0);
}

static void
assert_prop (JsonObject *object,
             const char *key,
             const char *expected)
{
  g_autofree char *value = px_test_pipewire_dup_prop (object, key);

  g_assert_cmpstr (value, ==, expected);
}

static JsonNode *
dump_graph (PxTestHarness *harness)
{
  g_autoptr(GError) error = NULL;
  JsonNode *dump = px_test_harness_pipewire_dump (harness, &error);

  g_assert_no_error (error);
  g_assert_nonnull (dump);

  return dump;
}

/* Processes and waits ---------------------------------------------------------------------- */

static gboolean
never_cb (gpointer   user_data,
          GError   **error)
{
  guint *polls = user_data;

  (*polls)++;
  return FALSE;
}

static void
test_wait_times_out (void)
{
  g_autoptr(GError) error = NULL;
  guint timeout_ms = px_test_timeout_ms (200);
  guint polls = 0;
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed_ms;
  gboolean ok;

  ok = px_test_wait_until (never_cb, &polls, 200, "the sky to fall", &error);
  elapsed_ms = (g_get_monotonic_time () - start) / G_TIME_SPAN_MILLISECOND;

  g_assert_false (ok);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (error->message, "the sky to fall"));
  g_assert_cmpuint (polls, >, 1);
  g_assert_cmpint (elapsed_ms, >=, timeout_ms);
  /* It gave up near its deadline instead of hanging on. */
  g_assert_cmpint (elapsed_ms, <, timeout_ms + 10000);
}

static gboolean
log_says_ready_cb (gpointer   user_data,
                   GError   **error)
{
  g_autofree char *log = px_test_process_read_log_tail (user_data, 100);

  return strstr (log, "ready") != NULL;
}

static void
test_stop_escalates (void)
{
  PxTestHarness *harness = px_test_harness_new ();
  g_autoptr(GError) error = NULL;
  const char *stubborn_argv[] = { "sh", "-c", "trap '' TERM; echo ready; exec sleep 600", NULL };
  const char *polite_argv[] = { "sh", "-c", "echo ready; exec sleep 600", NULL };
  PxTestProcess *stubborn;
  PxTestProcess *polite;
  int status;

  stubborn = px_test_harness_spawn (harness, "stubborn", stubborn_argv, NULL, &error);
  g_assert_no_error (error);
  polite = px_test_harness_spawn (harness, "polite", polite_argv, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (px_test_wait_until (log_says_ready_cb, stubborn, 10000, "stubborn's trap",
                                     &error));
  g_assert_no_error (error);
  g_assert_true (px_test_wait_until (log_says_ready_cb, polite, 10000, "polite to start",
                                     &error));
  g_assert_no_error (error);

  /* SIGTERM is ignored, so the stop has to fall back to SIGKILL after the grace. */
  g_assert_true (px_test_process_is_running (stubborn));
  g_assert_false (px_test_process_stop (stubborn, 200));
  status = px_test_process_get_wait_status (stubborn);
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);
  g_assert_true (px_test_pid_is_gone (px_test_process_get_pid (stubborn)));

  g_assert_true (px_test_process_stop (polite, PX_TEST_STOP_GRACE_MS));
  status = px_test_process_get_wait_status (polite);
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGTERM);
  g_assert_true (px_test_pid_is_gone (px_test_process_get_pid (polite)));
}

static void
test_run_sync (void)
{
  const char *hello_argv[] = { "printf", "hello", NULL };
  const char *failing_argv[] = { "sh", "-c", "echo out; echo broken >&2; exit 3", NULL };
  const char *slow_argv[] = { "sleep", "600", NULL };
  const char *missing_argv[] = { "px-test-no-such-program", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  char *none;

  output = px_test_run_sync (hello_argv, NULL, 10000, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (output, ==, "hello");

  none = px_test_run_sync (failing_argv, NULL, 10000, &error);
  g_assert_null (none);
  g_assert_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "status 3"));
  g_assert_nonnull (strstr (error->message, "broken"));
  g_clear_error (&error);

  none = px_test_run_sync (slow_argv, NULL, 200, &error);
  g_assert_null (none);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&error);

  none = px_test_run_sync (missing_argv, NULL, 1000, &error);
  g_assert_null (none);
  g_assert_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT);
}

/* Display ------------------------------------------------------------------------------------ */

static void
test_display (void)
{
  PxTestHarness *harness = px_test_harness_new ();
  g_autofree char *saved_display = g_strdup (g_getenv ("DISPLAY"));
  const char *display;
  const GPid *pids;
  guint n_pids;
  GPid xvfb_pid;

  /* The harness must hide a Wayland session from the test, and give it back afterwards. */
  g_setenv ("WAYLAND_DISPLAY", "wayland-px-test", TRUE);

  display = px_test_harness_start_display (harness);
  if (display == NULL)
    {
      g_unsetenv ("WAYLAND_DISPLAY");
      return;
    }

  g_assert_true (g_str_has_prefix (display, ":"));
  g_assert_cmpstr (g_getenv ("DISPLAY"), ==, display);
  g_assert_null (g_getenv ("WAYLAND_DISPLAY"));
  g_assert_cmpstr (g_getenv ("GDK_BACKEND"), ==, "x11");
  xvfb_pid = px_test_process_get_pid (px_test_harness_get_display_process (harness));

#ifdef HAVE_X11
  {
    Display *x = XOpenDisplay (NULL);
    int opcode, event, error;

    g_assert_nonnull (x);
    g_assert_cmpint (ScreenCount (x), ==, 1);
    g_assert_cmpint (DisplayWidth (x, 0), ==, 1920);
    g_assert_cmpint (DisplayHeight (x, 0), ==, 1080);
    g_assert_cmpint (DefaultDepth (x, 0), ==, 24);
    /* 1920 pixels at 96 dpi: what GdkMonitor will report as the physical width. */
    g_assert_cmpint (DisplayWidthMM (x, 0), ==, 508);
    g_assert_true (XQueryExtension (x, "GLX", &opcode, &event, &error));
    g_assert_true (XQueryExtension (x, "RANDR", &opcode, &event, &error));
    XCloseDisplay (x);
  }
#else
  g_test_message ("Built without Xlib: the display's screen is not inspected");
#endif

  pids = px_test_harness_get_pids (harness, &n_pids);
  px_test_harness_stop_all (harness);

  assert_all_gone (pids, n_pids);
  g_assert_true (px_test_pid_is_gone (xvfb_pid));
  g_assert_cmpstr (g_getenv ("DISPLAY"), ==, saved_display);
  g_assert_cmpstr (g_getenv ("WAYLAND_DISPLAY"), ==, "wayland-px-test");
  g_unsetenv ("WAYLAND_DISPLAY");
  /* (The display number itself may already serve another test's Xvfb: not checked.) */
}

static void
test_display_two_screens (void)
{
  static const PxTestScreen screens[] = {
    { 1920, 1080, 24 },
    { 1280, 720, 24 },
  };
  PxTestHarness *harness = px_test_harness_new ();
  const char *display;

  display = px_test_harness_start_display_full (harness, screens, G_N_ELEMENTS (screens), 120);
  if (display == NULL)
    return;

#ifdef HAVE_X11
  {
    Display *x = XOpenDisplay (display);

    g_assert_nonnull (x);
    g_assert_cmpint (ScreenCount (x), ==, 2);
    g_assert_cmpint (DisplayWidth (x, 0), ==, 1920);
    g_assert_cmpint (DisplayHeight (x, 0), ==, 1080);
    g_assert_cmpint (DisplayWidth (x, 1), ==, 1280);
    g_assert_cmpint (DisplayHeight (x, 1), ==, 720);
    /* 1920 pixels at 120 dpi are 406.4 mm. */
    g_assert_cmpint (DisplayWidthMM (x, 0), >=, 405);
    g_assert_cmpint (DisplayWidthMM (x, 0), <=, 407);
    XCloseDisplay (x);
  }
#else
  g_test_skip ("Built without Xlib");
#endif
}

/* Session bus -------------------------------------------------------------------------------- */

static void
test_session_bus (void)
{
  PxTestHarness *harness = px_test_harness_new ();
  g_autofree char *saved_address = g_strdup (g_getenv ("DBUS_SESSION_BUS_ADDRESS"));
  g_autofree char *bus_address = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GDBusConnection) late = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) names = NULL;
  g_auto(GStrv) activatable = NULL;
  const char *address;
  const char *id;
  const GPid *pids;
  guint n_pids;

  address = px_test_harness_start_session_bus (harness);
  if (address == NULL)
    return;
  bus_address = g_strdup (address);

  g_assert_cmpstr (g_getenv ("DBUS_SESSION_BUS_ADDRESS"), ==, address);
  /* A private bus: its socket lives in the harness directory. */
  g_assert_nonnull (strstr (address, px_test_harness_get_tmp_dir (harness)));

  connection = g_dbus_connection_new_for_address_sync (address,
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                       G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (g_dbus_connection_get_unique_name (connection));

  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetId",
                                       NULL, G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, 5000,
                                       NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(&s)", &id);
  g_assert_cmpuint (strlen (id), ==, 32);

  /* Nothing from the system can be activated behind the test's back. */
  names = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "ListActivatableNames", NULL, G_VARIANT_TYPE ("(as)"),
                                       G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (names, "(^as)", &activatable);
  g_assert_cmpuint (g_strv_length (activatable), ==, 1);
  g_assert_cmpstr (activatable[0], ==, "org.freedesktop.DBus");

  g_dbus_connection_close_sync (connection, NULL, &error);
  g_assert_no_error (error);

  pids = px_test_harness_get_pids (harness, &n_pids);
  px_test_harness_stop_all (harness);

  assert_all_gone (pids, n_pids);
  g_assert_cmpstr (g_getenv ("DBUS_SESSION_BUS_ADDRESS"), ==, saved_address);

  late = g_dbus_connection_new_for_address_sync (bus_address,
                                                 G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                 G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                 NULL, NULL, &error);
  g_assert_null (late);
  g_assert_nonnull (error);
}

/* PipeWire ----------------------------------------------------------------------------------- */

static void
test_pipewire_graph (void)
{
  PxTestHarness *harness = px_test_harness_new ();
  g_autofree char *saved_runtime_dir = g_strdup (g_getenv ("XDG_RUNTIME_DIR"));
  g_autofree char *tmp_dir = NULL;
  g_autofree char *runtime_dir = NULL;
  g_autofree char *socket_path = NULL;
  g_autofree char *wireplumber_pid = NULL;
  g_autofree char *client_id = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) dump = NULL;
  g_autoptr(JsonNode) after = NULL;
  PxTestCameraSpec yuy2_spec = {
    .name = "px-test-yuy2",
    .description = "Studio \"Left\" Camera",
    .format = "YUY2",
    .width = 640,
    .height = 480,
    .framerate = 30,
  };
  PxTestCameraSpec mjpg_spec = {
    .format = "MJPG",
    .width = 320,
    .height = 240,
    .framerate = 15,
    .pattern = "ball",
  };
  PxTestMicrophoneSpec mic_spec = {
    .name = "px-test-mic",
    .frequency = 1000,
    .volume = 0.25,
  };
  PxTestNode *yuy2;
  PxTestNode *mjpg;
  PxTestNode *mic;
  JsonObject *object;
  JsonObject *format;
  JsonObject *size;
  PxTestProcess *wireplumber;
  const GPid *pids;
  GPid yuy2_pid;
  guint n_pids;

  if (!px_test_require_programs ("gst-launch-1.0", NULL))
    return;
  if (!px_test_harness_start_pipewire (harness))
    return;

  tmp_dir = g_strdup (px_test_harness_get_tmp_dir (harness));
  runtime_dir = g_strdup (px_test_harness_get_runtime_dir (harness));
  g_assert_true (g_str_has_prefix (runtime_dir, tmp_dir));
  g_assert_cmpstr (g_getenv ("XDG_RUNTIME_DIR"), ==, runtime_dir);
  g_assert_nonnull (g_getenv ("DBUS_SESSION_BUS_ADDRESS"));
  socket_path = pw_socket_path (harness);
  g_assert_true (is_socket (socket_path));

  /* The daemon answers a roundtrip through libpipewire. */
  g_assert_true (px_test_harness_pipewire_ping (harness, 5000, &error));
  g_assert_no_error (error);

  /* WirePlumber runs, and it published the default metadata. */
  wireplumber = px_test_harness_get_wireplumber_process (harness);
  g_assert_true (px_test_process_is_running (wireplumber));
  wireplumber_pid = g_strdup_printf ("%d", (int) px_test_process_get_pid (wireplumber));
  dump = dump_graph (harness);
  object = px_test_pipewire_find (dump, PX_TEST_PW_TYPE_CLIENT, "application.name",
                                  "WirePlumber");
  g_assert_nonnull (object);
  assert_prop (object, "application.process.id", wireplumber_pid);
  g_clear_pointer (&dump, json_node_unref);
  dump = px_test_harness_pipewire_list (harness, &error);
  g_assert_no_error (error);
  object = px_test_pipewire_find (dump, PX_TEST_PW_TYPE_CLIENT, "application.name",
                                  "WirePlumber");
  g_assert_nonnull (object);
  client_id = g_strdup_printf ("%u", px_test_pipewire_get_id (object));
  object = px_test_pipewire_find (dump, PX_TEST_PW_TYPE_METADATA, "metadata.name", "default");
  g_assert_nonnull (object);
  assert_prop (object, "client.id", client_id);
  /* The machine's own devices stay out of the graph. */
  g_assert_null (px_test_pipewire_find (dump, PX_TEST_PW_TYPE_DEVICE, NULL, NULL));
  g_clear_pointer (&dump, json_node_unref);

  yuy2 = px_test_harness_add_camera (harness, &yuy2_spec);
  if (yuy2 == NULL)
    return;
  mjpg = px_test_harness_add_camera (harness, &mjpg_spec);
  if (mjpg == NULL)
    return;
  mic = px_test_harness_add_microphone (harness, &mic_spec);
  if (mic == NULL)
    return;

  dump = dump_graph (harness);

  object = px_test_pipewire_find (dump, PX_TEST_PW_TYPE_NODE, "node.name", "px-test-yuy2");
  g_assert_nonnull (object);
  g_assert_cmpuint (px_test_pipewire_get_id (object), ==, px_test_node_get_id (yuy2));
  assert_prop (object, "media.class", "Video/Source");
  assert_prop (object, "media.role", "Camera");
  assert_prop (object, "node.description", "Studio \"Left\" Camera");
  format = node_first_format (object);
  g_assert_cmpstr (json_object_get_string_member (format, "mediaSubtype"), ==, "raw");
  g_assert_cmpstr (json_object_get_string_member (format, "format"), ==, "YUY2");
  size = json_object_get_object_member (format, "size");
  g_assert_cmpint (json_object_get_int_member (size, "width"), ==, 640);
  g_assert_cmpint (json_object_get_int_member (size, "height"), ==, 480);

  object = px_test_pipewire_find (dump, PX_TEST_PW_TYPE_NODE, "node.name",
                                  px_test_node_get_name (mjpg));
  g_assert_nonnull (object);
  assert_prop (object, "media.class", "Video/Source");
  assert_prop (object, "media.role", "Camera");
  format = node_first_format (object);
  g_assert_cmpstr (json_object_get_string_member (format, "mediaSubtype"), ==, "mjpg");
  size = json_object_get_object_member (format, "size");
  g_assert_cmpint (json_object_get_int_member (size, "width"), ==, 320);
  g_assert_cmpint (json_object_get_int_member (size, "height"), ==, 240);

  object = px_test_pipewire_find (dump, PX_TEST_PW_TYPE_NODE, "node.name", "px-test-mic");
  g_assert_nonnull (object);
  assert_prop (object, "media.class", "Audio/Source");
  g_assert_cmpstr (px_test_node_get_media_class (mic), ==, "Audio/Source");
  format = node_first_format (object);
  g_assert_cmpstr (json_object_get_string_member (format, "mediaType"), ==, "audio");

  /* Unplugging: the producer dies and its node leaves the graph; the others stay. */
  yuy2_pid = px_test_node_get_pid (yuy2);
  g_assert_true (px_test_harness_remove_node (harness, yuy2));
  g_assert_true (px_test_pid_is_gone (yuy2_pid));
  after = dump_graph (harness);
  g_assert_null (px_test_pipewire_find (after, PX_TEST_PW_TYPE_NODE, "node.name",
                                        "px-test-yuy2"));
  g_assert_nonnull (px_test_pipewire_find (after, PX_TEST_PW_TYPE_NODE, "node.name",
                                           px_test_node_get_name (mjpg)));
  g_assert_nonnull (px_test_pipewire_find (after, PX_TEST_PW_TYPE_NODE, "node.name",
                                           "px-test-mic"));

  pids = px_test_harness_get_pids (harness, &n_pids);
  px_test_harness_stop_all (harness);

  /* Xvfb is not needed here: guardian, dbus-daemon, pipewire, wireplumber, three producers. */
  g_assert_cmpuint (n_pids, ==, 7);
  assert_all_gone (pids, n_pids);
  g_assert_false (g_file_test (runtime_dir, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (tmp_dir, G_FILE_TEST_EXISTS));
  g_assert_cmpstr (g_getenv ("XDG_RUNTIME_DIR"), ==, saved_runtime_dir);
}

static void
test_pipewire_restart (void)
{
  PxTestHarness *harness = px_test_harness_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) dump = NULL;
  g_autofree char *socket_path = NULL;
  g_autofree char *wireplumber_pid = NULL;
  PxTestProcess *daemon;
  PxTestProcess *wireplumber;
  JsonObject *client;
  GPid old_daemon_pid;
  GPid old_wireplumber_pid;
  int status;

  if (!px_test_harness_start_pipewire (harness))
    return;

  socket_path = pw_socket_path (harness);
  daemon = px_test_harness_get_pipewire_process (harness);
  old_daemon_pid = px_test_process_get_pid (daemon);
  old_wireplumber_pid =
    px_test_process_get_pid (px_test_harness_get_wireplumber_process (harness));

  /* A crash: the daemon alone gets SIGKILL. */
  if (!px_test_harness_kill_pipewire (harness, SIGKILL))
    return;
  status = px_test_process_get_wait_status (daemon);
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);
  g_assert_true (px_test_pid_is_gone (old_daemon_pid));
  g_assert_false (px_test_harness_pipewire_ping (harness, 1000, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  if (!px_test_harness_restart_pipewire (harness))
    return;

  daemon = px_test_harness_get_pipewire_process (harness);
  g_assert_cmpint (px_test_process_get_pid (daemon), !=, old_daemon_pid);
  g_assert_true (px_test_process_is_running (daemon));
  g_assert_true (is_socket (socket_path));
  g_assert_true (px_test_harness_pipewire_ping (harness, 5000, &error));
  g_assert_no_error (error);

  /* A new WirePlumber serves the new daemon. */
  g_assert_true (px_test_pid_is_gone (old_wireplumber_pid));
  wireplumber = px_test_harness_get_wireplumber_process (harness);
  g_assert_true (px_test_process_is_running (wireplumber));
  wireplumber_pid = g_strdup_printf ("%d", (int) px_test_process_get_pid (wireplumber));
  dump = dump_graph (harness);
  client = px_test_pipewire_find (dump, PX_TEST_PW_TYPE_CLIENT, "application.name",
                                  "WirePlumber");
  g_assert_nonnull (client);
  assert_prop (client, "application.process.id", wireplumber_pid);
}

/* An aborted test ---------------------------------------------------------------------------- */

static void
run_and_abort (void)
{
  PxTestHarness *harness = px_test_harness_new ();
  const char *report_path = g_getenv (ABORT_REPORT_ENV);
  g_autoptr(GString) report = g_string_new (NULL);
  struct rlimit no_core = { 0, 0 };
  const GPid *pids;
  guint n_pids;

  g_assert_nonnull (report_path);

  if (px_test_harness_start_display (harness) == NULL ||
      px_test_harness_add_camera (harness, NULL) == NULL)
    exit (1);

  g_string_append_printf (report, "%s\n", px_test_harness_get_tmp_dir (harness));
  pids = px_test_harness_get_pids (harness, &n_pids);
  for (guint i = 0; i < n_pids; i++)
    g_string_append_printf (report, "%d\n", (int) pids[i]);
  g_assert_true (g_file_set_contents (report_path, report->str, -1, NULL));

  /* Die the hard way: no cleanup code of ours runs after this. */
  setrlimit (RLIMIT_CORE, &no_core);
  abort ();
}

typedef struct
{
  char   *tmp_dir;
  GArray *pids;
} AbortLeftovers;

static gboolean
leftovers_gone_cb (gpointer   user_data,
                   GError   **error)
{
  AbortLeftovers *leftovers = user_data;
  gboolean all_gone = TRUE;

  for (guint i = 0; i < leftovers->pids->len; i++)
    {
      GPid pid = g_array_index (leftovers->pids, GPid, i);

      /* Orphans of the aborted test are ours to reap (we are their subreaper). */
      waitpid (pid, NULL, WNOHANG);
      if (!px_test_pid_is_gone (pid))
        all_gone = FALSE;
    }

  return all_gone && !g_file_test (leftovers->tmp_dir, G_FILE_TEST_EXISTS);
}

static void
test_cleanup_after_abort (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *report_path = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  AbortLeftovers leftovers = { NULL, NULL };
  int fd;

  if (g_test_subprocess ())
    {
      run_and_abort ();
      return;
    }

  if (!px_test_require_programs ("Xvfb", "dbus-daemon", "pipewire", "wireplumber", "pw-dump",
                                 "gst-launch-1.0", NULL))
    return;

  fd = g_file_open_tmp ("px-test-abort-XXXXXX", &report_path, &error);
  g_assert_no_error (error);
  g_close (fd, NULL);

  /* Orphans of the subprocess get reparented to this process, so it can reap them and tell
   * a dead process from a zombie. */
  g_assert_cmpint (prctl (PR_SET_CHILD_SUBREAPER, 1), ==, 0);
  g_setenv (ABORT_REPORT_ENV, report_path, TRUE);

  g_test_trap_subprocess (NULL, 120 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_unsetenv (ABORT_REPORT_ENV);
  g_test_trap_assert_failed ();

  g_assert_true (g_file_get_contents (report_path, &contents, NULL, &error));
  g_assert_no_error (error);
  g_unlink (report_path);

  lines = g_strsplit (g_strstrip (contents), "\n", -1);
  /* The directory, the guardian, Xvfb... the subprocess got as far as its camera. */
  g_assert_cmpuint (g_strv_length (lines), >=, 6);

  leftovers.tmp_dir = g_strdup (lines[0]);
  g_assert_true (g_path_is_absolute (leftovers.tmp_dir));
  leftovers.pids = g_array_new (FALSE, FALSE, sizeof (GPid));
  for (guint i = 1; lines[i] != NULL; i++)
    {
      GPid pid = (GPid) g_ascii_strtoll (lines[i], NULL, 10);

      g_assert_cmpint (pid, >, 0);
      g_array_append_val (leftovers.pids, pid);
    }

  g_assert_true (px_test_wait_until (leftovers_gone_cb, &leftovers, 15000,
                                     "the aborted test's processes and directory to go",
                                     &error));
  g_assert_no_error (error);

  g_assert_cmpint (prctl (PR_SET_CHILD_SUBREAPER, 0), ==, 0);
  g_array_unref (leftovers.pids);
  g_free (leftovers.tmp_dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/harness/process/wait-times-out", test_wait_times_out);
  g_test_add_func ("/harness/process/stop-escalates", test_stop_escalates);
  g_test_add_func ("/harness/process/run-sync", test_run_sync);
  g_test_add_func ("/harness/display/default", test_display);
  g_test_add_func ("/harness/display/two-screens", test_display_two_screens);
  g_test_add_func ("/harness/session-bus", test_session_bus);
  g_test_add_func ("/harness/pipewire/graph", test_pipewire_graph);
  g_test_add_func ("/harness/pipewire/restart", test_pipewire_restart);
  g_test_add_func ("/harness/cleanup-after-abort", test_cleanup_after_abort);

  return g_test_run ();
}
