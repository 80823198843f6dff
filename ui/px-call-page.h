/* px-call-page.h: the meeting itself: stage and controls
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "media/px-call-media.h"
#include "px-control-bar.h"
#include "px-participant-list.h"
#include "px-stage.h"
#include "px-statistics-overlay.h"

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

void      px_call_page_set_participants_revealed (PxCallPage *self,
                                                  gboolean    revealed);
gboolean  px_call_page_get_participants_revealed (PxCallPage *self);
AdwFlap  *px_call_page_get_flap          (PxCallPage *self);
PxParticipantList   *px_call_page_get_participant_list   (PxCallPage *self);

void      px_call_page_set_statistics_visible (PxCallPage *self,
                                               gboolean    visible);
gboolean  px_call_page_get_statistics_visible (PxCallPage *self);
PxStatisticsOverlay *px_call_page_get_statistics_overlay (PxCallPage *self);
PxControlBar        *px_call_page_get_control_bar        (PxCallPage *self);

G_END_DECLS
