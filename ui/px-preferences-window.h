/* px-preferences-window.h: what the app remembers, editable
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PX_TYPE_PREFERENCES_WINDOW (px_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (PxPreferencesWindow, px_preferences_window, PX, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

GtkWidget     *px_preferences_window_new                       (GtkWindow           *parent,
                                                                GSettings           *settings);

AdwComboRow   *px_preferences_window_get_resolution_row        (PxPreferencesWindow *self);
GtkSpinButton *px_preferences_window_get_bitrate_spin          (PxPreferencesWindow *self);
GtkSwitch     *px_preferences_window_get_remember_token_switch (PxPreferencesWindow *self);
AdwComboRow   *px_preferences_window_get_camera_row            (PxPreferencesWindow *self);
const char    *px_preferences_window_get_studio_summary        (PxPreferencesWindow *self);

G_END_DECLS
