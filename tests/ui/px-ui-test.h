/* px-ui-test.h: what the app's UI tests share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef gboolean (*PxUiTestCondition) (gpointer data);

/* Iterates the default main context until @condition holds; aborts the
 * test, naming @what, when it does not within @seconds. */
void        px_ui_test_wait_for   (PxUiTestCondition  condition,
                                   gpointer           data,
                                   guint              seconds,
                                   const char        *what);

/* Runs the default main context for @ms (an observation window, never a
 * synchronisation). */
void        px_ui_test_spin       (guint              ms);

/* Renders @widget as GTK draws it (GL areas included), saves it as @name
 * in PX_TEST_OUTPUT and, with @publish, in the source tree's
 * data/screenshots (the README shows those). Returns the picture. */
GdkTexture *px_ui_test_screenshot (GtkWidget         *widget,
                                   const char        *name,
                                   gboolean           publish);

/* The widget's pixels as B, G, R, A bytes (Cairo's ARGB32 on
 * little-endian machines), rows of width × 4 bytes. */
guint8     *px_ui_test_download   (GdkTexture        *texture);

/* Quits the app the test started and closes the display, in the order that
 * lets the test end by itself: the shared session bus connection raises
 * SIGTERM when its bus goes away, and GDK exits when its X server does, so
 * both are detached first. Clears @app; the caller then stops the harness. */
void        px_ui_test_quit_app   (GApplication     **app);

G_END_DECLS
