/* px-call-page.h: the meeting itself: stage and controls
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "media/px-call-media.h"
#include "px-stage.h"

G_BEGIN_DECLS

#define PX_TYPE_CALL_PAGE (px_call_page_get_type ())

G_DECLARE_FINAL_TYPE (PxCallPage, px_call_page, PX, CALL_PAGE, GtkWidget)

PxStage  *px_call_page_get_stage         (PxCallPage *self);
void      px_call_page_set_participants  (PxCallPage *self,
                                          guint       n_participants);
gboolean  px_call_page_get_waiting       (PxCallPage *self);
void      px_call_page_set_reconnecting  (PxCallPage *self,
                                          gboolean    reconnecting);
gboolean  px_call_page_get_reconnecting  (PxCallPage *self);

/* Every person on the webcam stands on the stage as a flat panel this
 * tall, in metres. */
#define PX_CALL_PAGE_PANEL_HEIGHT_M 1.75

void      px_call_page_set_call_media    (PxCallPage  *self,
                                          PxCallMedia *call);

G_END_DECLS
