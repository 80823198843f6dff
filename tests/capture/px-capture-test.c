/* px-capture-test.c: helpers shared by the capture tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gio/gunixfdlist.h>

#include "capture/px-capture-error.h"
#include "px-capture-test.h"

PxTestHarness *
px_capture_test_harness_new (void)
{
  PxTestHarness *harness = px_test_harness_new ();

  /* This process keeps fatal criticals (GLib read G_DEBUG at start-up); the
   * daemons and fake devices run as on a desktop, where GStreamer's
   * pipewiresink lives through its occasional critical warning (it has one
   * in gst_buffer_peek_memory under load). */
  px_test_harness_setenv (harness, "G_DEBUG", NULL);

  return harness;
}

char **
px_capture_test_strict_environ (void)
{
  return g_environ_setenv (g_get_environ (), "G_DEBUG", "fatal-criticals", TRUE);
}

typedef struct
{
  PxPipewireConnection *connection;
  PxPipewireState       state;
} StateWait;

static gboolean
state_reached_cb (gpointer   data,
                  GError   **error)
{
  StateWait *wait = data;

  return px_pipewire_connection_get_state (wait->connection) == wait->state;
}

gboolean
px_capture_test_wait_state (PxPipewireConnection *connection,
                            PxPipewireState       state,
                            GError              **error)
{
  StateWait wait = { connection, state };
  g_autoptr(GEnumClass) klass = g_type_class_ref (PX_TYPE_PIPEWIRE_STATE);
  g_autofree char *what = g_strdup_printf ("the PipeWire connection to be %s",
                                           g_enum_get_value (klass, (int) state)->value_nick);

  return px_test_wait_until (state_reached_cb, &wait, PX_CAPTURE_TEST_WAIT_MS, what, error);
}

typedef struct
{
  PxPipewireConnection *connection;
  const char           *name;
} DeviceWait;

static gboolean
device_listed_cb (gpointer   data,
                  GError   **error)
{
  DeviceWait *wait = data;

  return px_pipewire_connection_find_device (wait->connection, wait->name) != NULL;
}

PxCaptureDevice *
px_capture_test_wait_device (PxPipewireConnection *connection,
                             const char           *name,
                             GError              **error)
{
  DeviceWait wait = { connection, name };
  g_autofree char *what = g_strdup_printf ("the device %s to be listed", name);

  if (!px_test_wait_until (device_listed_cb, &wait, PX_CAPTURE_TEST_WAIT_MS, what, error))
    return NULL;
  return px_pipewire_connection_find_device (connection, name);
}

typedef struct
{
  PxCameraSource *source;
  PxFrame        *frame;
} FrameWait;

static gboolean
frame_arrived_cb (gpointer   data,
                  GError   **error)
{
  FrameWait *wait = data;

  wait->frame = px_camera_source_take_frame (wait->source);
  if (wait->frame != NULL)
    return TRUE;
  if (px_camera_source_get_state (wait->source) == PX_CAMERA_SOURCE_STATE_ENDED)
    {
      const GError *ended = px_camera_source_get_error (wait->source);

      g_set_error (error, PX_CAPTURE_ERROR, PX_CAPTURE_ERROR_FAILED, "the source ended: %s",
                   ended != NULL ? ended->message : "no reason");
    }
  return FALSE;
}

PxFrame *
px_capture_test_wait_frame (PxCameraSource  *source,
                            GError         **error)
{
  FrameWait wait = { source, NULL };

  if (!px_test_wait_until (frame_arrived_cb, &wait, PX_CAPTURE_TEST_WAIT_MS,
                           "a camera frame", error))
    return NULL;
  return wait.frame;
}

void
px_capture_test_drain (void)
{
  for (int i = 0; i < 1000 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);
}

double
px_capture_test_tone_power (const float *samples,
                            guint        n,
                            double       frequency,
                            double       rate)
{
  double coefficient = 2 * cos (2 * G_PI * frequency / rate);
  double s1 = 0, s2 = 0;

  for (guint i = 0; i < n; i++)
    {
      double s0 = samples[i] + coefficient * s1 - s2;

      s2 = s1;
      s1 = s0;
    }

  /* |X(k)|² scaled to the mean square of the matching sine. */
  return 2 * (s1 * s1 + s2 * s2 - coefficient * s1 * s2) / ((double) n * n);
}

/* A camera portal of the test's own --------------------------------------------------------
 *
 * It owns org.freedesktop.portal.Desktop on the harness's private session
 * bus from a thread of its own (libportal asks some questions synchronously,
 * so the answers cannot come from the thread that waits), implementing
 * org.freedesktop.portal.Camera: IsCameraPresent, AccessCamera answered
 * through the request's Response signal, and OpenPipeWireRemote handing out
 * a socket connected to the private PipeWire. */

#define PORTAL_NAME "org.freedesktop.portal.Desktop"
#define PORTAL_PATH "/org/freedesktop/portal/desktop"

static const char portal_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.portal.Camera'>"
  "    <method name='AccessCamera'>"
  "      <arg type='a{sv}' name='options' direction='in'/>"
  "      <arg type='o' name='handle' direction='out'/>"
  "    </method>"
  "    <method name='OpenPipeWireRemote'>"
  "      <arg type='a{sv}' name='options' direction='in'/>"
  "      <arg type='h' name='fd' direction='out'/>"
  "    </method>"
  "    <property name='IsCameraPresent' type='b' access='read'/>"
  "    <property name='version' type='u' access='read'/>"
  "  </interface>"
  "</node>";

struct _PxCaptureTestPortal
{
  GThread         *thread;
  GMainContext    *context;
  GMainLoop       *loop;
  GMutex           mutex;
  GCond            cond;
  gboolean         ready;
  char            *failure;
  char            *address;
  char            *pipewire_socket;
  gint             present;
  gint             grant;
  gint             access_calls;
  gint             remote_calls;
};


static void
portal_method_call_cb (GDBusConnection       *bus,
                       const char            *sender,
                       const char            *object_path,
                       const char            *interface_name,
                       const char            *method_name,
                       GVariant              *parameters,
                       GDBusMethodInvocation *invocation,
                       gpointer               user_data)
{
  PxCaptureTestPortal *portal = user_data;

  if (g_str_equal (method_name, "AccessCamera"))
    {
      g_autoptr(GVariant) options = g_variant_get_child_value (parameters, 0);
      g_autofree char *token = NULL;
      g_autofree char *sender_part = g_strdup (sender + 1);
      g_autofree char *path = NULL;

      g_atomic_int_inc (&portal->access_calls);
      if (!g_variant_lookup (options, "handle_token", "s", &token))
        token = g_strdup ("t");
      g_strdelimit (sender_part, ".", '_');
      path = g_strdup_printf ("/org/freedesktop/portal/desktop/request/%s/%s", sender_part, token);

      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", path));
      /* 0 granted, 1 the user said no. */
      g_dbus_connection_emit_signal (bus, sender, path, "org.freedesktop.portal.Request",
                                     "Response",
                                     g_variant_new ("(u@a{sv})",
                                                    g_atomic_int_get (&portal->grant) ? 0u : 1u,
                                                    g_variant_new_array (G_VARIANT_TYPE ("{sv}"),
                                                                         NULL, 0)),
                                     NULL);
    }
  else if (g_str_equal (method_name, "OpenPipeWireRemote"))
    {
      g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
      struct sockaddr_un address = { .sun_family = AF_UNIX };
      int fd, index;

      g_atomic_int_inc (&portal->remote_calls);
      g_strlcpy (address.sun_path, portal->pipewire_socket, sizeof address.sun_path);
      fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0 || connect (fd, (struct sockaddr *) &address, sizeof address) != 0)
        {
          if (fd >= 0)
            close (fd);
          g_dbus_method_invocation_return_error (invocation, G_IO_ERROR, G_IO_ERROR_FAILED,
                                                 "Cannot reach PipeWire");
          return;
        }
      index = g_unix_fd_list_append (fds, fd, NULL);
      close (fd);
      g_dbus_method_invocation_return_value_with_unix_fd_list (invocation,
                                                               g_variant_new ("(h)", index),
                                                               fds);
    }
  else
    {
      g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR,
                                             G_DBUS_ERROR_UNKNOWN_METHOD, "No %s", method_name);
    }
}

static GVariant *
portal_get_property_cb (GDBusConnection  *bus,
                        const char       *sender,
                        const char       *object_path,
                        const char       *interface_name,
                        const char       *property_name,
                        GError          **error,
                        gpointer          user_data)
{
  PxCaptureTestPortal *portal = user_data;

  if (g_str_equal (property_name, "IsCameraPresent"))
    return g_variant_new_boolean (g_atomic_int_get (&portal->present));
  return g_variant_new_uint32 (1);
}

static const GDBusInterfaceVTable portal_vtable = {
  .method_call = portal_method_call_cb,
  .get_property = portal_get_property_cb,
};

static void
portal_ready (PxCaptureTestPortal *portal,
              const char *failure)
{
  g_mutex_lock (&portal->mutex);
  portal->failure = g_strdup (failure);
  portal->ready = TRUE;
  g_cond_signal (&portal->cond);
  g_mutex_unlock (&portal->mutex);
}

static gpointer
portal_thread (gpointer data)
{
  PxCaptureTestPortal *portal = data;
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (portal_xml, NULL);
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint registration;

  g_main_context_push_thread_default (portal->context);

  bus = g_dbus_connection_new_for_address_sync (portal->address,
                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                NULL, NULL, &error);
  if (bus == NULL)
    {
      portal_ready (portal, error->message);
      g_main_context_pop_thread_default (portal->context);
      return NULL;
    }
  g_dbus_connection_set_exit_on_close (bus, FALSE);

  registration = g_dbus_connection_register_object (bus, PORTAL_PATH, info->interfaces[0],
                                                    &portal_vtable, portal, NULL, &error);
  /* 4: DBUS_NAME_FLAG_DO_NOT_QUEUE. */
  if (registration != 0)
    reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                         "org.freedesktop.DBus", "RequestName",
                                         g_variant_new ("(su)", PORTAL_NAME, 4u),
                                         G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE,
                                         10000, NULL, &error);
  portal_ready (portal, reply == NULL ? error->message : NULL);

  if (reply != NULL)
    g_main_loop_run (portal->loop);

  if (registration != 0)
    g_dbus_connection_unregister_object (bus, registration);
  g_dbus_connection_close_sync (bus, NULL, NULL);
  g_main_context_pop_thread_default (portal->context);

  return NULL;
}

PxCaptureTestPortal *
px_capture_test_portal_start (PxTestHarness *harness)
{
  PxCaptureTestPortal *portal = g_new0 (PxCaptureTestPortal, 1);

  portal->context = g_main_context_new ();
  portal->loop = g_main_loop_new (portal->context, FALSE);
  g_mutex_init (&portal->mutex);
  g_cond_init (&portal->cond);
  portal->address = g_strdup (px_test_harness_get_session_bus_address (harness));
  portal->pipewire_socket = g_build_filename (px_test_harness_get_runtime_dir (harness),
                                              "pipewire-0", NULL);
  portal->present = TRUE;
  portal->grant = TRUE;
  portal->thread = g_thread_new ("fake-portal", portal_thread, portal);

  g_mutex_lock (&portal->mutex);
  while (!portal->ready)
    g_cond_wait (&portal->cond, &portal->mutex);
  g_mutex_unlock (&portal->mutex);
  g_assert_null (portal->failure);

  return portal;
}

void
px_capture_test_portal_stop (PxCaptureTestPortal *portal)
{
  g_main_loop_quit (portal->loop);
  g_thread_join (portal->thread);
  g_main_loop_unref (portal->loop);
  g_main_context_unref (portal->context);
  g_mutex_clear (&portal->mutex);
  g_cond_clear (&portal->cond);
  g_free (portal->failure);
  g_free (portal->address);
  g_free (portal->pipewire_socket);
  g_free (portal);
}


void
px_capture_test_portal_set (PxCaptureTestPortal *portal,
                            gboolean             present,
                            gboolean             grant)
{
  g_atomic_int_set (&portal->present, present);
  g_atomic_int_set (&portal->grant, grant);
}

int
px_capture_test_portal_get_access_calls (PxCaptureTestPortal *portal)
{
  return g_atomic_int_get (&portal->access_calls);
}

int
px_capture_test_portal_get_remote_calls (PxCaptureTestPortal *portal)
{
  return g_atomic_int_get (&portal->remote_calls);
}
