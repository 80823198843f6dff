/* px-control-bar.h: the buttons of a call
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PX_TYPE_CONTROL_BAR (px_control_bar_get_type ())

G_DECLARE_FINAL_TYPE (PxControlBar, px_control_bar, PX, CONTROL_BAR, GtkWidget)

G_END_DECLS
