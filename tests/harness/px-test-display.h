/* px-test-display.h: an X display (Xvfb) for tests
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

/* The display name (":N") once started, or NULL. */
const char     *px_test_harness_get_display           (PxTestHarness      *self);

/* The Xvfb process once started, or NULL. */
PxTestProcess  *px_test_harness_get_display_process   (PxTestHarness      *self);

G_END_DECLS
