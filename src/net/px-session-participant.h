/* px-session-participant.h: one person in a room, as a session sees them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The session keeps one PxSessionParticipant per person in its roster (a
 * GListModel) and updates its properties as the server reports changes, so
 * that widgets can bind to them.
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "px-wire.h"

G_BEGIN_DECLS

#define PX_TYPE_SESSION_PARTICIPANT (px_session_participant_get_type ())

G_DECLARE_FINAL_TYPE (PxSessionParticipant, px_session_participant, PX, SESSION_PARTICIPANT, GObject)

/* The server-assigned number that binary frames carry. */
guint32      px_session_participant_get_id           (PxSessionParticipant  *self);
/* The token's subject: stable across connections. */
const char  *px_session_participant_get_identity     (PxSessionParticipant  *self);
const char  *px_session_participant_get_name         (PxSessionParticipant  *self);
gboolean     px_session_participant_get_audio_muted  (PxSessionParticipant  *self);
gboolean     px_session_participant_get_video_muted  (PxSessionParticipant  *self);
/* Whether this is the session's own participant. */
gboolean     px_session_participant_get_local        (PxSessionParticipant  *self);
/* Whether the participant may publish media. */
gboolean     px_session_participant_get_publisher    (PxSessionParticipant  *self);

/* The streams the participant publishes. */
guint        px_session_participant_get_n_streams    (PxSessionParticipant  *self);
gboolean     px_session_participant_get_stream       (PxSessionParticipant  *self,
                                              guint           index,
                                              guint32        *stream,
                                              PxWireKind     *kind,
                                              const char    **label);

/* The last calibration the participant sent (a new reference), or NULL. */
JsonObject  *px_session_participant_dup_calibration  (PxSessionParticipant  *self);

G_END_DECLS
