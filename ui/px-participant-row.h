/* px-participant-row.h: one person in the participants sidebar
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "media/px-remote-media.h"
#include "net/px-session-participant.h"

G_BEGIN_DECLS

typedef enum
{
  PX_CONNECTION_QUALITY_UNKNOWN,  /* nothing measured yet, or the user themself */
  PX_CONNECTION_QUALITY_GOOD,
  PX_CONNECTION_QUALITY_FAIR,
  PX_CONNECTION_QUALITY_POOR,
} PxConnectionQuality;

#define PX_TYPE_PARTICIPANT_ROW (px_participant_row_get_type ())

G_DECLARE_FINAL_TYPE (PxParticipantRow, px_participant_row, PX, PARTICIPANT_ROW, AdwActionRow)

GtkWidget            *px_participant_row_new            (PxSessionParticipant *participant);
PxSessionParticipant *px_participant_row_get_participant (PxParticipantRow    *self);

/* What the app receives of the participant (NULL for the user, or before
 * their media is there): speaking, 3D or webcam, connection quality. */
void                  px_participant_row_set_remote     (PxParticipantRow     *self,
                                                         PxRemoteMedia        *remote);
PxRemoteMedia        *px_participant_row_get_remote     (PxParticipantRow     *self);

/* Reads the remote's figures again (the list does it every second). */
void                  px_participant_row_refresh        (PxParticipantRow     *self);

gboolean              px_participant_row_get_speaking   (PxParticipantRow     *self);
PxConnectionQuality   px_participant_row_get_quality    (PxParticipantRow     *self);
/* "Studio 3D", "Webcam" (translated), or NULL while unknown. */
const char           *px_participant_row_get_badge      (PxParticipantRow     *self);
gboolean              px_participant_row_get_mic_muted_shown    (PxParticipantRow *self);
gboolean              px_participant_row_get_camera_off_shown   (PxParticipantRow *self);

/* Judges a connection by what was measured: NULL or nothing received
 * gives UNKNOWN. */
PxConnectionQuality   px_connection_quality_from_stats  (const PxRemoteMediaStats *stats);

G_END_DECLS
