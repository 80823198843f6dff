/* px-session-participant-private.h: what PxSession uses to fill participants in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "px-session-participant.h"

G_BEGIN_DECLS

PxSessionParticipant *px_session_participant_new            (guint32         id,
                                              gboolean        local);
/* Applies a participant description from the server (PROTOCOL.md). */
void           px_session_participant_update         (PxSessionParticipant  *self,
                                              JsonObject     *description);
void           px_session_participant_set_id         (PxSessionParticipant  *self,
                                              guint32         id);
void           px_session_participant_set_identity   (PxSessionParticipant  *self,
                                              const char     *identity);
void           px_session_participant_set_name       (PxSessionParticipant  *self,
                                              const char     *name);
void           px_session_participant_set_muted      (PxSessionParticipant  *self,
                                              gboolean        audio_muted,
                                              gboolean        video_muted);
void           px_session_participant_set_publisher  (PxSessionParticipant  *self,
                                              gboolean        publisher);
void           px_session_participant_set_calibration (PxSessionParticipant *self,
                                              JsonObject     *data);
void           px_session_participant_set_streams    (PxSessionParticipant  *self,
                                              JsonArray      *streams);

G_END_DECLS
