/* px-participant-list.h: everyone in the meeting, for the sidebar
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "media/px-call-media.h"
#include "px-participant-row.h"

G_BEGIN_DECLS

#define PX_TYPE_PARTICIPANT_LIST (px_participant_list_get_type ())

G_DECLARE_FINAL_TYPE (PxParticipantList, px_participant_list, PX, PARTICIPANT_LIST, GtkWidget)

GtkWidget        *px_participant_list_new          (void);

/* Lists the roster of @call's session, or nobody for NULL. */
void              px_participant_list_set_call_media (PxParticipantList *self,
                                                      PxCallMedia       *call);

guint             px_participant_list_get_n_rows   (PxParticipantList *self);
PxParticipantRow *px_participant_list_get_row      (PxParticipantList *self,
                                                    guint              index);
/* The row of the participant named @name, or NULL. */
PxParticipantRow *px_participant_list_find_row     (PxParticipantList *self,
                                                    const char        *name);

G_END_DECLS
