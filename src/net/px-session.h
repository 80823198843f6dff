/* px-session.h: a client's connection to a Parallax room
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A PxSession joins one room on one server (protocol parallax.v1, see
 * PROTOCOL.md beside this file), keeps the roster as a GListModel of
 * PxSessionParticipant, publishes the caller's media frames under flow control and
 * emits the frames others publish. It reconnects by itself after a network
 * drop or a server restart, with exponential back-off and jitter; within the
 * server's resume window the participant keeps its place (others see no
 * leave and join), after it the session joins afresh.
 *
 * All signals are emitted, and all methods must be called, on the thread
 * whose thread-default GMainContext was current at px_session_new().
 *
 *   session = px_session_new ("ws://127.0.0.1:8443", "standup", token);
 *   g_signal_connect (session, "media-frame", G_CALLBACK (frame_cb), self);
 *   px_session_join_async (session, NULL, joined_cb, self);
 *   …
 *   px_session_set_streams (session, streams, 2);
 *   px_session_send_frame (session, PX_WIRE_KIND_VIDEO, 1, PX_WIRE_FLAG_KEYFRAME,
 *                          capture_time, payload, &error);
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "px-session-participant.h"
#include "px-wire.h"

G_BEGIN_DECLS

#define PX_SESSION_ERROR (px_session_error_quark ())

/* What went wrong, in terms a user interface can word. */
typedef enum
{
  PX_SESSION_ERROR_FAILED,            /* anything else */
  PX_SESSION_ERROR_UNREACHABLE,       /* no connection to the server */
  PX_SESSION_ERROR_INVALID_URL,
  PX_SESSION_ERROR_INVALID_ROOM,
  PX_SESSION_ERROR_UNAUTHORIZED,      /* token missing, malformed or not signed by this server */
  PX_SESSION_ERROR_TOKEN_EXPIRED,
  PX_SESSION_ERROR_WRONG_ROOM,        /* the token is for another room */
  PX_SESSION_ERROR_ROOM_FULL,
  PX_SESSION_ERROR_RATE_LIMITED,
  PX_SESSION_ERROR_SERVER_DRAINING,   /* the server is shutting down */
  PX_SESSION_ERROR_NOT_ALLOWED,       /* e.g. publishing with a subscribe-only token */
  PX_SESSION_ERROR_REPLACED,          /* the same identity joined from elsewhere */
  PX_SESSION_ERROR_PROTOCOL,          /* the server or this client broke the protocol */
  PX_SESSION_ERROR_NOT_JOINED,
  PX_SESSION_ERROR_CLOSED,            /* the server closed the session */
  PX_SESSION_ERROR_CERTIFICATE,       /* wss:// to a server whose certificate is not trusted */
} PxSessionError;

typedef enum
{
  PX_SESSION_STATE_IDLE,
  PX_SESSION_STATE_CONNECTING,
  PX_SESSION_STATE_JOINED,
  PX_SESSION_STATE_RECONNECTING,
  PX_SESSION_STATE_CLOSED,
} PxSessionState;

/* A stream the local participant publishes. */
typedef struct
{
  guint32     stream;
  PxWireKind  kind;
  const char *label;
} PxSessionStream;

/* A stream of someone else that the session chooses to receive. */
typedef struct
{
  PxSessionParticipant *participant;
  guint32               stream;
} PxSessionSubscription;

#define PX_TYPE_SESSION (px_session_get_type ())

G_DECLARE_FINAL_TYPE (PxSession, px_session, PX, SESSION, GObject)

GQuark          px_session_error_quark            (void);

/* @server_url is ws://HOST[:PORT] or wss://HOST[:PORT] (http/https accepted
 * too); @token is an access token for @room. Nothing happens until
 * px_session_join_async(). */
PxSession      *px_session_new                    (const char          *server_url,
                                                   const char          *room,
                                                   const char          *token);

/* Certificates to trust for wss:// (for example a self-signed server's);
 * NULL: the system's. Call before joining. */
void            px_session_set_tls_database       (PxSession           *self,
                                                   GTlsDatabase        *database);

/* Connects and joins; completes once the server welcomed us, or fails with
 * a PX_SESSION_ERROR. The session then stays joined (reconnecting when it
 * must) until px_session_leave() or a fatal error (::closed). */
void            px_session_join_async             (PxSession           *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean        px_session_join_finish            (PxSession           *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* Leaves the room for good: others see the participant leave at once. */
void            px_session_leave                  (PxSession           *self);

PxSessionState  px_session_get_state              (PxSession           *self);
const char     *px_session_get_room               (PxSession           *self);

/* Everyone in the room, the local participant first; items are
 * PxSessionParticipant and stay the same objects across a resume. */
GListModel     *px_session_get_participants       (PxSession           *self);
PxSessionParticipant  *px_session_get_local_participant  (PxSession           *self);
PxSessionParticipant  *px_session_lookup_participant     (PxSession           *self,
                                                   guint32              id);

/* Announces the streams this participant publishes (replacing any before);
 * kept across reconnections. */
gboolean        px_session_set_streams            (PxSession           *self,
                                                   const PxSessionStream *streams,
                                                   guint                n_streams,
                                                   GError             **error);
/* The same for one of several publishers sharing the session (a rig and
 * the voice, say): replaces only the streams @owner announced before, and
 * announces them together with everyone else's. A stream number another
 * owner announced is refused. px_session_set_streams() is the NULL owner. */
gboolean        px_session_set_streams_for        (PxSession           *self,
                                                   gconstpointer        owner,
                                                   const PxSessionStream *streams,
                                                   guint                n_streams,
                                                   GError             **error);

/* Queues one frame of a published stream. @capture_time is
 * g_get_monotonic_time() at capture; it travels in server time. Frames wait
 * while the flow window is full; stale video is dropped first, audio last.
 * Fails when not joined, not allowed to publish, or the stream is unknown.
 * When a video frame has to be dropped here, ::keyframe-requested follows
 * (requester 0), as the next frames of that stream could not be decoded. */
gboolean        px_session_send_frame             (PxSession           *self,
                                                   PxWireKind           kind,
                                                   guint32              stream,
                                                   guint16              flags,
                                                   guint32              sequence,
                                                   gint64               capture_time,
                                                   GBytes              *payload,
                                                   GError             **error);

/* Receives only these streams (none when @n_subscriptions is 0), for
 * example to stop the video of someone off screen. Kept across
 * reconnections, even after a fresh join (people are matched by identity);
 * streams of people who left are forgotten. A stream received again starts
 * with a keyframe (the server asks its publisher). */
void            px_session_set_subscriptions      (PxSession           *self,
                                                   const PxSessionSubscription *subscriptions,
                                                   guint                n_subscriptions);
/* Receives every stream in the room again: the default. */
void            px_session_subscribe_all          (PxSession           *self);

void            px_session_set_muted              (PxSession           *self,
                                                   gboolean             audio_muted,
                                                   gboolean             video_muted);

/* Asks @participant to send a keyframe of @stream (after a decoding error). */
void            px_session_request_keyframe       (PxSession           *self,
                                                   guint32              participant,
                                                   guint32              stream);

/* Tells @participant how its @stream arrives here: the fraction of its
 * packets lost or too late since the last report (0–1, clamped) and the
 * jitter. The server forwards it (PxSession::receiver-report there), at
 * most four a second per stream. Nothing is sent while not joined. */
void            px_session_send_receiver_report   (PxSession           *self,
                                                   guint32              participant,
                                                   guint32              stream,
                                                   double               loss,
                                                   guint                jitter_ms);

/* Sends calibration data (a JSON object) to everyone else in the room. */
void            px_session_send_calibration       (PxSession           *self,
                                                   JsonObject          *data);

/* Clock sync: server time minus local monotonic time, and the round trip,
 * in microseconds, from the best recent ping (0 before the first pong). */
gint64          px_session_get_clock_offset       (PxSession           *self);
gint64          px_session_get_round_trip         (PxSession           *self);
gint64          px_session_to_server_time         (PxSession           *self,
                                                   gint64               local_time);
gint64          px_session_to_local_time          (PxSession           *self,
                                                   gint64               server_time);

/* Bytes queued for sending and not yet acknowledged by the server. */
gsize           px_session_get_queued_bytes       (PxSession           *self);
gsize           px_session_get_in_flight_bytes    (PxSession           *self);
/* Frames of our own dropped before sending (stale video, queue full). */
guint64         px_session_get_dropped_frames     (PxSession           *self);

G_END_DECLS
