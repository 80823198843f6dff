/* px-test-display.c: an X display (Xvfb, or Xorg for several monitors) for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "px-test-harness.h"
#include "px-test-private.h"

#include <errno.h>
#include <stdarg.h>

#include <glib-unix.h>
#include <glib/gstdio.h>

#define DISPLAY_START_MS 15000

/* How long one xrandr call may take. */
#define XRANDR_MS 10000

/* Where Debian's Mesa registers itself with libglvnd's EGL loader. */
#define MESA_EGL_VENDOR "/usr/share/glvnd/egl_vendor.d/50_mesa.json"

/* The descriptor number Xvfb writes its display number to. */
#define DISPLAYFD_TARGET 3

const char *
px_test_harness_start_display (PxTestHarness *self)
{
  static const PxTestScreen full_hd = { 1920, 1080, 24 };

  return px_test_harness_start_display_full (self, &full_hd, 1, 0);
}

static void
use_display (PxTestHarness *self,
             const char    *display)
{
  px_test_harness_setenv (self, "DISPLAY", display);
  px_test_harness_setenv (self, "WAYLAND_DISPLAY", NULL);
  /* GDK would otherwise try Wayland first, and find the user's session if there is one. */
  px_test_harness_setenv (self, "GDK_BACKEND", "x11");
  /* Xvfb has no DRI: make every GL and EGL client pick Mesa's llvmpipe, whatever other
   * vendor libraries (a GPU driver) are installed. */
  px_test_harness_setenv (self, "LIBGL_ALWAYS_SOFTWARE", "1");
  px_test_harness_setenv (self, "__GLX_VENDOR_LIBRARY_NAME", "mesa");
  if (g_file_test (MESA_EGL_VENDOR, G_FILE_TEST_EXISTS))
    px_test_harness_setenv (self, "__EGL_VENDOR_LIBRARY_FILENAMES", MESA_EGL_VENDOR);
}

/* Starts the X server @argv (which has "-displayfd DISPLAYFD_TARGET") and waits for it to
 * report its display number; then points DISPLAY and the GL libraries at it. */
static const char *
start_x_server (PxTestHarness      *self,
                const char         *name,
                const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *what = NULL;
  g_autofree char *line = NULL;
  const int target_fd = DISPLAYFD_TARGET;
  guint64 number;
  int fds[2];

  if (!g_unix_open_pipe (fds, FD_CLOEXEC, &error))
    {
      px_test_harness_fail (self, NULL, "Cannot create a pipe for %s: %s", name, error->message);
      return NULL;
    }

  self->xvfb = px_test_harness_spawn_with_fds (self, name, argv, NULL, &fds[1], &target_fd, 1,
                                               &error);
  g_close (fds[1], NULL);
  if (self->xvfb == NULL)
    {
      g_close (fds[0], NULL);
      px_test_harness_fail (self, NULL, "%s", error->message);
      return NULL;
    }

  what = g_strdup_printf ("%s to report its display number", name);
  line = px_test_read_line (fds[0], self->xvfb, DISPLAY_START_MS, what, &error);
  g_close (fds[0], NULL);
  if (line == NULL)
    {
      px_test_harness_fail (self, self->xvfb, "%s", error->message);
      return NULL;
    }

  if (!g_ascii_string_to_unsigned (line, 10, 0, G_MAXINT, &number, &error))
    {
      px_test_harness_fail (self, self->xvfb, "%s reported \"%s\" as its display: %s", name,
                            line, error->message);
      return NULL;
    }

  self->display = g_strdup_printf (":%" G_GUINT64_FORMAT, number);
  use_display (self, self->display);

  return self->display;
}

const char *
px_test_harness_start_display_full (PxTestHarness      *self,
                                    const PxTestScreen *screens,
                                    guint               n_screens,
                                    guint               dpi)
{
  g_autoptr(GPtrArray) argv = NULL;
  g_autofree char *displayfd = NULL;
  g_autofree char *dpi_arg = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (screens != NULL && n_screens > 0, NULL);
  g_return_val_if_fail (self->xvfb == NULL, NULL);

  if (!px_test_harness_check_usable (self))
    return NULL;
  if (!px_test_require_programs ("Xvfb", NULL))
    return NULL;

  displayfd = g_strdup_printf ("%d", DISPLAYFD_TARGET);
  dpi_arg = g_strdup_printf ("%u", dpi > 0 ? dpi : PX_TEST_DISPLAY_DPI);

  argv = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (argv, g_strdup ("Xvfb"));
  /* -displayfd: Xvfb picks the first free display number and writes it once it listens. */
  g_ptr_array_add (argv, g_strdup ("-displayfd"));
  g_ptr_array_add (argv, g_strdup (displayfd));
  g_ptr_array_add (argv, g_strdup ("-nolisten"));
  g_ptr_array_add (argv, g_strdup ("tcp"));
  g_ptr_array_add (argv, g_strdup ("-noreset"));
  g_ptr_array_add (argv, g_strdup ("+extension"));
  g_ptr_array_add (argv, g_strdup ("GLX"));
  g_ptr_array_add (argv, g_strdup ("+extension"));
  g_ptr_array_add (argv, g_strdup ("RANDR"));
  g_ptr_array_add (argv, g_strdup ("-dpi"));
  g_ptr_array_add (argv, g_strdup (dpi_arg));
  for (guint i = 0; i < n_screens; i++)
    {
      g_ptr_array_add (argv, g_strdup ("-screen"));
      g_ptr_array_add (argv, g_strdup_printf ("%u", i));
      g_ptr_array_add (argv, g_strdup_printf ("%ux%ux%u", screens[i].width, screens[i].height,
                                              screens[i].depth > 0 ? screens[i].depth : 24));
    }
  g_ptr_array_add (argv, NULL);

  return start_x_server (self, "Xvfb", (const char * const *) argv->pdata);
}

/* -- Several monitors: Xorg with the dummy video driver ------------------------------------ */

/* The server itself, not the setuid wrapper that /usr/bin/Xorg may run (Xorg.wrap refuses
 * users who are not on a console); then whatever PATH has. */
static const char * const xorg_candidates[] = {
  "/usr/lib/xorg/Xorg",
  "/usr/libexec/Xorg",
};

/* Where distributions put Xorg's video drivers. */
static const char * const dummy_driver_candidates[] = {
  "/usr/lib/xorg/modules/drivers/dummy_drv.so",
  "/usr/lib64/xorg/modules/drivers/dummy_drv.so",
  "/usr/lib/x86_64-linux-gnu/xorg/modules/drivers/dummy_drv.so",
  "/usr/lib/aarch64-linux-gnu/xorg/modules/drivers/dummy_drv.so",
};

static char *
find_xorg (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (xorg_candidates); i++)
    {
      if (g_file_test (xorg_candidates[i], G_FILE_TEST_IS_EXECUTABLE))
        return g_strdup (xorg_candidates[i]);
    }
  return g_find_program_in_path ("Xorg");
}

static gboolean
have_dummy_driver (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (dummy_driver_candidates); i++)
    {
      if (g_file_test (dummy_driver_candidates[i], G_FILE_TEST_EXISTS))
        return TRUE;
    }
  return FALSE;
}

gboolean
px_test_require_display_monitors (void)
{
  g_autofree char *xorg = find_xorg ();

  if (xorg == NULL)
    {
      px_test_report_skip ("Xorg is not installed");
      return FALSE;
    }
  if (!have_dummy_driver ())
    {
      px_test_report_skip ("Xorg's dummy video driver (dummy_drv.so, Debian's "
                           "xserver-xorg-video-dummy) is not installed");
      return FALSE;
    }
  return TRUE;
}

/* A mode of @width × @height at 60 Hz with reduced blanking, as "CLOCK H1 H2 H3 H4 V1 V2 V3 V4",
 * the arguments of both a Modeline and xrandr --newmode. */
static char *
modeline_timings (guint width,
                  guint height)
{
  char clock[G_ASCII_DTOSTR_BUF_SIZE];
  guint htotal = width + 160;
  guint vtotal = height + 31;

  g_ascii_formatd (clock, sizeof clock, "%.2f", (double) htotal * vtotal * 60 / 1e6);

  return g_strdup_printf ("%s %u %u %u %u %u %u %u %u", clock,
                          width, width + 48, width + 80, htotal,
                          height, height + 3, height + 8, vtotal);
}

static char *
mode_name (guint width,
           guint height)
{
  return g_strdup_printf ("px-%ux%u", width, height);
}

static char *
xorg_config (const PxTestMonitor *monitors,
             guint                n_monitors)
{
  GString *config = g_string_new (NULL);
  guint virtual_width = 0;
  guint virtual_height = 0;
  guint64 video_ram_kb;

  for (guint i = 0; i < n_monitors; i++)
    {
      virtual_width = MAX (virtual_width, (guint) monitors[i].x + monitors[i].width);
      virtual_height = MAX (virtual_height, (guint) monitors[i].y + monitors[i].height);
    }
  /* The frame buffer is allocated once, this big: room to add monitors later. */
  video_ram_kb = MAX ((guint64) 256 * 1024,
                      (guint64) virtual_width * virtual_height * 4 * 4 / 1024);

  g_string_append (config,
                   "# Written by the Parallax test harness: a private server, no devices.\n"
                   "Section \"ServerFlags\"\n"
                   "  Option \"AutoAddDevices\" \"false\"\n"
                   "  Option \"AutoEnableDevices\" \"false\"\n"
                   "  Option \"AutoAddGPU\" \"false\"\n"
                   "  Option \"AutoBindGPU\" \"false\"\n"
                   "  Option \"DontVTSwitch\" \"true\"\n"
                   "  Option \"DontZap\" \"true\"\n"
                   "  Option \"BlankTime\" \"0\"\n"
                   "  Option \"StandbyTime\" \"0\"\n"
                   "  Option \"SuspendTime\" \"0\"\n"
                   "  Option \"OffTime\" \"0\"\n"
                   "EndSection\n\n"
                   "Section \"Device\"\n"
                   "  Identifier \"px-device\"\n"
                   "  Driver \"dummy\"\n");
  g_string_append_printf (config, "  VideoRam %" G_GUINT64_FORMAT "\n", video_ram_kb);
  /* The dummy driver's default pixel clock limit (300 MHz) would refuse 4K modes. */
  g_string_append (config, "  DacSpeed 100000\n");
  for (guint i = 0; i < n_monitors; i++)
    g_string_append_printf (config, "  Option \"Monitor-DUMMY%u\" \"px-monitor-%u\"\n", i, i);
  g_string_append (config, "EndSection\n\n");

  for (guint i = 0; i < n_monitors; i++)
    {
      g_autofree char *name = mode_name (monitors[i].width, monitors[i].height);
      g_autofree char *timings = modeline_timings (monitors[i].width, monitors[i].height);

      g_string_append_printf (config,
                              "Section \"Monitor\"\n"
                              "  Identifier \"px-monitor-%u\"\n"
                              "  HorizSync 1.0 - 10000.0\n"
                              "  VertRefresh 1.0 - 1000.0\n"
                              "  Modeline \"%s\" %s +hsync +vsync\n"
                              "  Option \"PreferredMode\" \"%s\"\n"
                              "  Option \"Position\" \"%d %d\"\n"
                              "  Option \"Enable\" \"true\"\n"
                              "%s"
                              "EndSection\n\n",
                              i, name, timings, name, monitors[i].x, monitors[i].y,
                              i == 0 ? "  Option \"Primary\" \"true\"\n" : "");
    }

  g_string_append_printf (config,
                          "Section \"Screen\"\n"
                          "  Identifier \"px-screen\"\n"
                          "  Device \"px-device\"\n"
                          "  Monitor \"px-monitor-0\"\n"
                          "  DefaultDepth 24\n"
                          "  SubSection \"Display\"\n"
                          "    Depth 24\n"
                          "    Virtual %u %u\n"
                          "  EndSubSection\n"
                          "EndSection\n",
                          virtual_width, virtual_height);

  return g_string_free (config, FALSE);
}

const char *
px_test_harness_start_display_monitors (PxTestHarness       *self,
                                        const PxTestMonitor *monitors,
                                        guint                n_monitors,
                                        guint                dpi)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = NULL;
  g_autofree char *xorg = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *config_dir = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *config = NULL;
  g_autofree char *placeholder = NULL;
  g_autofree char *log_path = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (monitors != NULL, NULL);
  g_return_val_if_fail (n_monitors > 0 && n_monitors <= PX_TEST_DISPLAY_MAX_MONITORS, NULL);
  g_return_val_if_fail (self->xvfb == NULL, NULL);

  for (guint i = 0; i < n_monitors; i++)
    {
      g_return_val_if_fail (monitors[i].x >= 0 && monitors[i].y >= 0, NULL);
      g_return_val_if_fail (monitors[i].width >= 64 && monitors[i].height >= 64, NULL);
    }

  if (!px_test_harness_check_usable (self))
    return NULL;
  if (!px_test_require_display_monitors ())
    return NULL;
  xorg = find_xorg ();

  /* Its own configuration and an empty configuration directory, so that nothing of the
   * machine's (/etc/X11/xorg.conf, /etc/X11/xorg.conf.d) is read. */
  dir = g_build_filename (self->tmp_dir, "xorg", NULL);
  config_dir = g_build_filename (dir, "xorg.conf.d", NULL);
  config_path = g_build_filename (dir, "xorg.conf", NULL);
  placeholder = g_build_filename (config_dir, "00-empty.conf", NULL);
  config = xorg_config (monitors, n_monitors);
  if (g_mkdir_with_parents (config_dir, 0700) != 0 ||
      !g_file_set_contents (placeholder, "# Nothing: the server's configuration is xorg.conf.\n",
                            -1, &error) ||
      !g_file_set_contents (config_path, config, -1, &error))
    {
      px_test_harness_fail (self, NULL, "Cannot write the Xorg configuration in %s: %s", dir,
                            error != NULL ? error->message : g_strerror (errno));
      return NULL;
    }

  log_path = g_strdup_printf ("%s/Xorg-%u.server.log", self->log_dir,
                              px_test_harness_next_serial (self));

  argv = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (argv, g_strdup (xorg));
  g_ptr_array_add (argv, g_strdup ("-displayfd"));
  g_ptr_array_add (argv, g_strdup_printf ("%d", DISPLAYFD_TARGET));
  g_ptr_array_add (argv, g_strdup ("-config"));
  g_ptr_array_add (argv, g_strdup (config_path));
  g_ptr_array_add (argv, g_strdup ("-configdir"));
  g_ptr_array_add (argv, g_strdup (config_dir));
  g_ptr_array_add (argv, g_strdup ("-logfile"));
  g_ptr_array_add (argv, g_strdup (log_path));
  g_ptr_array_add (argv, g_strdup ("-nolisten"));
  g_ptr_array_add (argv, g_strdup ("tcp"));
  g_ptr_array_add (argv, g_strdup ("-noreset"));
  g_ptr_array_add (argv, g_strdup ("-novtswitch"));
  g_ptr_array_add (argv, g_strdup ("+extension"));
  g_ptr_array_add (argv, g_strdup ("GLX"));
  g_ptr_array_add (argv, g_strdup ("+extension"));
  g_ptr_array_add (argv, g_strdup ("RANDR"));
  g_ptr_array_add (argv, g_strdup ("-dpi"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", dpi > 0 ? dpi : PX_TEST_DISPLAY_DPI));
  g_ptr_array_add (argv, NULL);

  return start_x_server (self, "Xorg", (const char * const *) argv->pdata);
}

static gboolean
run_xrandr (PxTestHarness  *self,
            GError        **error,
            ...) G_GNUC_NULL_TERMINATED;

static gboolean
run_xrandr (PxTestHarness  *self,
            GError        **error,
            ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, (gpointer) "xrandr");
  g_ptr_array_add (argv, (gpointer) "-d");
  g_ptr_array_add (argv, self->display);
  va_start (args, error);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  out = px_test_run_sync ((const char * const *) argv->pdata, NULL, XRANDR_MS, error);
  return out != NULL;
}

gboolean
px_test_harness_set_monitor (PxTestHarness       *self,
                             guint                index,
                             const PxTestMonitor *monitor)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_autofree char *name = NULL;
  g_autofree char *timings = NULL;
  g_autofree char *position = NULL;
  g_auto(GStrv) newmode = NULL;
  g_autoptr(GPtrArray) argv = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (index < PX_TEST_DISPLAY_MAX_MONITORS, FALSE);
  g_return_val_if_fail (monitor == NULL || (monitor->x >= 0 && monitor->y >= 0 &&
                                            monitor->width >= 64 && monitor->height >= 64),
                        FALSE);

  if (!px_test_harness_check_usable (self))
    return FALSE;
  if (self->xvfb == NULL ||
      !g_str_equal (px_test_process_get_name (self->xvfb), "Xorg"))
    {
      px_test_harness_fail (self, NULL, "Monitors can only be plugged in and out on a display "
                            "from px_test_harness_start_display_monitors()");
      return FALSE;
    }
  if (!px_test_require_programs ("xrandr", NULL))
    return FALSE;

  output = g_strdup_printf ("DUMMY%u", index);

  if (monitor == NULL)
    {
      if (!run_xrandr (self, &error, "--output", output, "--off", NULL))
        {
          px_test_harness_fail (self, self->xvfb, "Cannot unplug monitor %s: %s", output,
                                error->message);
          return FALSE;
        }
      return TRUE;
    }

  name = mode_name (monitor->width, monitor->height);
  timings = modeline_timings (monitor->width, monitor->height);
  position = g_strdup_printf ("%dx%d", monitor->x, monitor->y);

  /* The mode may exist already (the server's configuration, an earlier call): then xrandr
   * fails with BadName, and the mode is there all the same. */
  argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (gpointer) "xrandr");
  g_ptr_array_add (argv, (gpointer) "-d");
  g_ptr_array_add (argv, self->display);
  g_ptr_array_add (argv, (gpointer) "--newmode");
  g_ptr_array_add (argv, name);
  newmode = g_strsplit (timings, " ", -1);
  for (guint i = 0; newmode[i] != NULL; i++)
    g_ptr_array_add (argv, newmode[i]);
  g_ptr_array_add (argv, (gpointer) "+hsync");
  g_ptr_array_add (argv, (gpointer) "+vsync");
  g_ptr_array_add (argv, NULL);
  g_free (px_test_run_sync ((const char * const *) argv->pdata, NULL, XRANDR_MS, NULL));

  /* The dummy driver reports an output connected once a mode was set on it, but RandR
   * learns that only when it next probes the outputs, and clients that read the current
   * state without probing (GDK) would skip a monitor still marked disconnected: set the
   * mode, switch it off, probe (xrandr --query), and set it again. */
  if (!run_xrandr (self, &error, "--addmode", output, name, NULL) ||
      !run_xrandr (self, &error, "--output", output, "--mode", name, "--pos", position, NULL) ||
      !run_xrandr (self, &error, "--output", output, "--off", NULL) ||
      !run_xrandr (self, &error, "--query", NULL) ||
      !run_xrandr (self, &error, "--output", output, "--mode", name, "--pos", position, NULL))
    {
      px_test_harness_fail (self, self->xvfb, "Cannot plug in monitor %s (%u × %u at %s): %s",
                            output, monitor->width, monitor->height, position, error->message);
      return FALSE;
    }
  return TRUE;
}

const char *
px_test_harness_get_display (PxTestHarness *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->display;
}

PxTestProcess *
px_test_harness_get_display_process (PxTestHarness *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->xvfb;
}
