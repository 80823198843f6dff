/* px-test-dbus.c: a private D-Bus session bus for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "px-test-harness.h"
#include "px-test-private.h"

#include <errno.h>

#include <glib-unix.h>
#include <glib/gstdio.h>

#define BUS_START_MS 10000

/* The descriptor number dbus-daemon prints its address to. */
#define ADDRESS_FD_TARGET 3

/* Like the system's session.conf, without its service directories and includes. */
static const char bus_config_template[] =
  "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
  " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
  "<busconfig>\n"
  "  <type>session</type>\n"
  "  <keep_umask/>\n"
  "  <listen>unix:path=%s</listen>\n"
  "  <auth>EXTERNAL</auth>\n"
  "  <servicedir>%s</servicedir>\n"
  "  <policy context=\"default\">\n"
  "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
  "    <allow eavesdrop=\"true\"/>\n"
  "    <allow own=\"*\"/>\n"
  "  </policy>\n"
  "</busconfig>\n";

const char *
px_test_harness_start_session_bus (PxTestHarness *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *socket_path = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *config = NULL;
  g_autofree char *escaped_socket = NULL;
  g_autofree char *escaped_services = NULL;
  g_autofree char *config_arg = NULL;
  g_autofree char *print_address_arg = NULL;
  g_autofree char *address = NULL;
  const int target_fd = ADDRESS_FD_TARGET;
  int fds[2];

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (self->bus == NULL, NULL);

  if (!px_test_harness_check_usable (self))
    return NULL;
  if (!px_test_require_programs ("dbus-daemon", NULL))
    return NULL;

  self->bus_dir = g_build_filename (self->tmp_dir, "dbus", NULL);
  self->bus_service_dir = g_build_filename (self->bus_dir, "services", NULL);
  if (g_mkdir_with_parents (self->bus_service_dir, 0700) != 0)
    {
      px_test_harness_fail (self, NULL, "Cannot create %s: %s", self->bus_service_dir,
                            g_strerror (errno));
      return NULL;
    }

  socket_path = g_build_filename (self->bus_dir, "bus", NULL);
  escaped_socket = g_markup_escape_text (socket_path, -1);
  escaped_services = g_markup_escape_text (self->bus_service_dir, -1);
  config = g_strdup_printf (bus_config_template, escaped_socket, escaped_services);
  config_path = g_build_filename (self->bus_dir, "session.conf", NULL);
  if (!g_file_set_contents (config_path, config, -1, &error))
    {
      px_test_harness_fail (self, NULL, "%s", error->message);
      return NULL;
    }

  if (!g_unix_open_pipe (fds, FD_CLOEXEC, &error))
    {
      px_test_harness_fail (self, NULL, "Cannot create a pipe for dbus-daemon: %s",
                            error->message);
      return NULL;
    }

  config_arg = g_strdup_printf ("--config-file=%s", config_path);
  print_address_arg = g_strdup_printf ("--print-address=%d", ADDRESS_FD_TARGET);

  {
    const char *argv[] = {
      "dbus-daemon", config_arg, "--nofork", "--nopidfile", "--nosyslog", print_address_arg,
      NULL
    };

    self->bus = px_test_harness_spawn_with_fds (self, "dbus-daemon", argv, NULL,
                                                &fds[1], &target_fd, 1, &error);
  }
  g_close (fds[1], NULL);
  if (self->bus == NULL)
    {
      g_close (fds[0], NULL);
      px_test_harness_fail (self, NULL, "%s", error->message);
      return NULL;
    }

  /* dbus-daemon prints its address once it accepts connections. */
  address = px_test_read_line (fds[0], self->bus, BUS_START_MS,
                               "dbus-daemon to print its address", &error);
  g_close (fds[0], NULL);
  if (address == NULL)
    {
      px_test_harness_fail (self, self->bus, "%s", error->message);
      return NULL;
    }

  self->bus_address = g_steal_pointer (&address);
  px_test_harness_setenv (self, "DBUS_SESSION_BUS_ADDRESS", self->bus_address);
  px_test_harness_setenv (self, "DBUS_STARTER_ADDRESS", NULL);
  px_test_harness_setenv (self, "DBUS_STARTER_BUS_TYPE", NULL);

  return self->bus_address;
}

const char *
px_test_harness_get_session_bus_address (PxTestHarness *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->bus_address;
}

const char *
px_test_harness_get_dbus_service_dir (PxTestHarness *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->bus_service_dir;
}

PxTestProcess *
px_test_harness_get_session_bus_process (PxTestHarness *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->bus;
}
