/* px-test-display.h: an X display (Xvfb, or Xorg for several monitors) for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "px-test-types.h"

G_BEGIN_DECLS

/* One Xvfb screen: its size in pixels and its depth in bits. */
typedef struct
{
  guint width;
  guint height;
  guint depth;
} PxTestScreen;

/* The resolution Xvfb reports when none is asked for: 1920 pixels are 508 mm wide. */
#define PX_TEST_DISPLAY_DPI 96

/* Starts Xvfb with one 1920x1080x24 screen and GLX (Mesa llvmpipe) on a free display number,
 * sets DISPLAY and GDK_BACKEND=x11, unsets WAYLAND_DISPLAY. Returns the display name. */
const char     *px_test_harness_start_display         (PxTestHarness      *self);

/* The same with @n_screens screens (-screen 0, -screen 1, …) at @dpi dots per inch (0: 96),
 * which sets the physical size RandR reports for each screen. */
const char     *px_test_harness_start_display_full    (PxTestHarness      *self,
                                                       const PxTestScreen *screens,
                                                       guint               n_screens,
                                                       guint               dpi);

/* One monitor of a display started with px_test_harness_start_display_monitors(): where it
 * sits on the X screen and its size, in pixels. */
typedef struct
{
  int   x;
  int   y;
  guint width;
  guint height;
} PxTestMonitor;

/* How many monitors such a display can have (Xorg's dummy driver has 16 outputs). */
#define PX_TEST_DISPLAY_MAX_MONITORS 16

/* TRUE when px_test_harness_start_display_monitors() can run here (Xorg and its dummy video
 * driver are installed); otherwise marks the test skipped, naming what is missing. */
gboolean        px_test_require_display_monitors      (void);

/* Starts a private Xorg server (not setuid, no VT, no input devices, its own configuration)
 * with the dummy video driver: one X screen of depth 24 whose RandR outputs DUMMY0, DUMMY1, …
 * are @n_monitors monitors placed as @monitors say, each a GdkMonitor of its own, DUMMY0 the
 * primary one. @dpi (0: 96) sets the physical size RandR reports for each. Then as
 * px_test_harness_start_display(): GLX (Mesa llvmpipe), DISPLAY, GDK_BACKEND=x11. Xvfb cannot
 * do this: its screens are separate X screens, of which GTK uses the first only. */
const char     *px_test_harness_start_display_monitors (PxTestHarness       *self,
                                                        const PxTestMonitor *monitors,
                                                        guint                n_monitors,
                                                        guint                dpi);

/* Plugs in monitor @index (output DUMMY<index>) at @monitor's place and size, or unplugs it
 * when @monitor is NULL, on a display from px_test_harness_start_display_monitors(), with
 * xrandr; any index below PX_TEST_DISPLAY_MAX_MONITORS, so a monitor the display did not
 * start with can be added. Returns once the X server has done it; clients such as GDK hear
 * of it through their event queue. */
gboolean        px_test_harness_set_monitor           (PxTestHarness       *self,
                                                       guint                index,
                                                       const PxTestMonitor *monitor);

/* The display name (":N") once started, or NULL. */
const char     *px_test_harness_get_display           (PxTestHarness      *self);

/* The X server process (Xvfb, or Xorg for several monitors) once started, or NULL. */
PxTestProcess  *px_test_harness_get_display_process   (PxTestHarness      *self);

G_END_DECLS
