/* px-test-display.c: an X display (Xvfb) for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "px-test-harness.h"
#include "px-test-private.h"

#include <glib-unix.h>
#include <glib/gstdio.h>

#define DISPLAY_START_MS 15000

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

const char *
px_test_harness_start_display_full (PxTestHarness      *self,
                                    const PxTestScreen *screens,
                                    guint               n_screens,
                                    guint               dpi)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = NULL;
  g_autofree char *displayfd = NULL;
  g_autofree char *dpi_arg = NULL;
  g_autofree char *line = NULL;
  const int target_fd = DISPLAYFD_TARGET;
  guint64 number;
  int fds[2];

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (screens != NULL && n_screens > 0, NULL);
  g_return_val_if_fail (self->xvfb == NULL, NULL);

  if (!px_test_harness_check_usable (self))
    return NULL;
  if (!px_test_require_programs ("Xvfb", NULL))
    return NULL;

  if (!g_unix_open_pipe (fds, FD_CLOEXEC, &error))
    {
      px_test_harness_fail (self, NULL, "Cannot create a pipe for Xvfb: %s", error->message);
      return NULL;
    }

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

  self->xvfb = px_test_harness_spawn_with_fds (self, "Xvfb", (const char * const *) argv->pdata,
                                               NULL, &fds[1], &target_fd, 1, &error);
  g_close (fds[1], NULL);
  if (self->xvfb == NULL)
    {
      g_close (fds[0], NULL);
      px_test_harness_fail (self, NULL, "%s", error->message);
      return NULL;
    }

  line = px_test_read_line (fds[0], self->xvfb, DISPLAY_START_MS,
                            "Xvfb to report its display number", &error);
  g_close (fds[0], NULL);
  if (line == NULL)
    {
      px_test_harness_fail (self, self->xvfb, "%s", error->message);
      return NULL;
    }

  if (!g_ascii_string_to_unsigned (line, 10, 0, G_MAXINT, &number, &error))
    {
      px_test_harness_fail (self, self->xvfb, "Xvfb reported \"%s\" as its display: %s", line,
                            error->message);
      return NULL;
    }

  self->display = g_strdup_printf (":%" G_GUINT64_FORMAT, number);
  use_display (self, self->display);

  return self->display;
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
