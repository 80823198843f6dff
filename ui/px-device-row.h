/* px-device-row.h: a drop-down row listing cameras, microphones or speakers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The join page, Preferences and the studio setup all offer devices in an
 * AdwComboRow. When the device list changes the row moves its selection by
 * itself; the callers tell that apart from a choice of the user with the
 * two callbacks, which run before and after the row follows the change.
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* Shows @devices (PxCaptureDevice items) in @row by their description.
 * @changing and @changed are connected swapped, with @data, to the list's
 * "items-changed" before and after the row's own handler; @data must
 * outlive the list or be a GObject (the handlers are then disconnected
 * with it). */
void     px_device_row_bind        (AdwComboRow *row,
                                    GListModel  *devices,
                                    GCallback    changing,
                                    GCallback    changed,
                                    gpointer     data);

/* Selects the device whose node.name is @name; FALSE when the list does
 * not hold it (or @name is empty), and the selection stays. */
gboolean px_device_row_select_name (AdwComboRow *row,
                                    const char  *name);

G_END_DECLS
