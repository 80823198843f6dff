/* px-window.h: the main window: join page and call page
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "net/px-join-target.h"
#include "px-call-page.h"
#include "px-join-page.h"
#include "px-meeting-controller.h"

G_BEGIN_DECLS

/* The room win.join-demo (and parallax --demo) joins on this computer. */
#define PX_WINDOW_DEMO_ROOM "demo"

#define PX_TYPE_WINDOW (px_window_get_type ())

G_DECLARE_FINAL_TYPE (PxWindow, px_window, PX, WINDOW, AdwApplicationWindow)

PxWindow     *px_window_new                  (AdwApplication      *application,
                                              GSettings           *settings,
                                              PxMeetingController *controller);
void          px_window_show_join            (PxWindow       *self,
                                              PxJoinTarget   *target);
void          px_window_show_join_error      (PxWindow       *self,
                                              const GError   *error);
const char   *px_window_get_invite_token     (PxWindow       *self);
gboolean      px_window_get_joining          (PxWindow       *self);
const char   *px_window_get_page_name        (PxWindow       *self);
PxJoinPage   *px_window_get_join_page        (PxWindow       *self);
PxCallPage   *px_window_get_call_page        (PxWindow       *self);
PxJoinTarget *px_window_get_joined_target    (PxWindow       *self);
/* The leave confirmation while it is open, else NULL. */
AdwMessageDialog *px_window_get_leave_dialog (PxWindow       *self);
/* The text of the last toast shown, or NULL. */
const char   *px_window_get_last_toast       (PxWindow       *self);
/* Whether the window keeps the session from idling and suspending. */
gboolean      px_window_get_inhibiting       (PxWindow       *self);

G_END_DECLS
