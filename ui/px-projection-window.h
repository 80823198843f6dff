/* px-projection-window.h: the stage alone, full-screen on a projector
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "px-stage.h"

G_BEGIN_DECLS

#define PX_TYPE_PROJECTION_WINDOW (px_projection_window_get_type ())

G_DECLARE_FINAL_TYPE (PxProjectionWindow, px_projection_window, PX, PROJECTION_WINDOW, GtkWindow)

PxProjectionWindow *px_projection_window_new         (GtkApplication     *application,
                                                      GdkMonitor         *monitor,
                                                      PxStage            *source);
GdkMonitor         *px_projection_window_get_monitor (PxProjectionWindow *self);
PxStage            *px_projection_window_get_stage   (PxProjectionWindow *self);

G_END_DECLS
