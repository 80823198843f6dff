/* px-join-page.h: server, room and name, then Join
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "net/px-join-target.h"

G_BEGIN_DECLS

#define PX_TYPE_JOIN_PAGE (px_join_page_get_type ())

G_DECLARE_FINAL_TYPE (PxJoinPage, px_join_page, PX, JOIN_PAGE, GtkWidget)

void          px_join_page_fill         (PxJoinPage   *self,
                                         PxJoinTarget *target);
PxJoinTarget *px_join_page_build_target (PxJoinPage   *self,
                                         GError      **error);
void          px_join_page_show_error   (PxJoinPage   *self,
                                         const GError *error);
const char   *px_join_page_get_error    (PxJoinPage   *self);
gboolean      px_join_page_get_this_computer (PxJoinPage *self);

/* The chosen devices' PipeWire node names (NULL: none to choose from), what
 * the preview says instead of a picture ("No camera found", "Camera access
 * denied"…, or NULL while it shows one) and the texture it shows. */
const char   *px_join_page_get_camera        (PxJoinPage *self);
const char   *px_join_page_get_microphone    (PxJoinPage *self);
const char   *px_join_page_get_speaker       (PxJoinPage *self);
const char   *px_join_page_get_camera_status (PxJoinPage *self);
GdkPaintable *px_join_page_get_preview       (PxJoinPage *self);

G_END_DECLS
