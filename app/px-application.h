/* px-application.h: the Parallax application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "net/px-join-target.h"
#include "server/px-embedded-server.h"
#include "px-meeting-controller.h"

G_BEGIN_DECLS

#define PX_TYPE_APPLICATION (px_application_get_type ())

G_DECLARE_FINAL_TYPE (PxApplication, px_application, PX, APPLICATION, AdwApplication)

PxApplication      *px_application_new                  (void);
GSettings          *px_application_get_settings         (PxApplication  *self);
const GOptionEntry *px_application_get_option_entries   (void);
PxJoinTarget       *px_application_join_target_from_options (GVariantDict *options,
                                                             GError      **error);
PxMeetingController *px_application_get_meeting_controller (PxApplication *self);
PxEmbeddedServer   *px_application_get_embedded_server  (PxApplication  *self);

G_END_DECLS
