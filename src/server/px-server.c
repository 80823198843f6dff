/* px-server.c: the Parallax backend — rooms, participants and fan-out
 *
 * Threading: everything here runs on one thread, the one whose
 * thread-default GMainContext was current at px_server_new(). libsoup
 * delivers its callbacks there and is only called from there; no locks are
 * needed. parallax-server runs it on the main thread; the embedded server
 * (PxEmbeddedServer) runs it on a thread of its own.
 *
 * A connection becomes a Peer when its WebSocket handshake is accepted (the
 * token was checked by the plain handler on the same path, before the
 * upgrade). The peer joins its room with a "join" message. When the
 * connection drops without "leave", the peer stays in the room, detached,
 * for PX_SERVER_RESUME_WINDOW_SECONDS so that a reconnecting client resumes
 * its place without the others seeing it leave.
 *
 * Each subscriber has a PxSendQueue: frames are handed to libsoup only while
 * the subscriber's unacknowledged bytes stay under the flow window, so a
 * slow subscriber only ever costs its own queue budget.
 *
 * Rig publishers (PROTOCOL.md §13) are the one exception to the single
 * thread: their camera frames are decoded and reconstructed on worker
 * threads by a PxReconstructionScheduler, whose volumetric frames come back
 * to this thread as signals and go out through the same send queues.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "net/px-control.h"
#include "net/px-join-target.h"
#include "net/px-send-queue.h"
#include "net/px-token.h"
#include "net/px-websocket-retire.h"
#include "net/px-wire.h"
#include "px-reconstruction-scheduler.h"
#include "px-server.h"

/* Streams a participant may publish at once. */
#define MAX_STREAMS 16
/* Streams a participant may choose to receive. */
#define MAX_SUBSCRIPTIONS 1024
/* Acknowledge a publisher's bytes at least this often. */
#define ACK_STEP_BYTES (64 * 1024)
#define ACK_DELAY_MS 10
/* A broken stream asks its publisher for a keyframe at most this often. */
#define KEYFRAME_REQUEST_INTERVAL_US (250 * 1000)
/* One receiver's reports on one stream are forwarded at most this often. */
#define RECEIVER_REPORT_INTERVAL_US (250 * 1000)
/* Acknowledgements have their own allowance: they grow with the media rate. */
#define ACKS_PER_SECOND 2000.0

static const double delay_buckets[] = {
  0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0,
};
#define N_DELAY_BUCKETS G_N_ELEMENTS (delay_buckets)

typedef struct
{
  double tokens;
  double rate;
  double burst;
  gint64 updated;
} Bucket;

typedef struct _Room Room;
typedef struct _Peer Peer;

struct _Room
{
  char *name;
  GHashTable *peers;   /* participant id → Peer (borrowed from server->participants) */
};

struct _Peer
{
  PxServer *server;

  SoupWebsocketConnection *connection;  /* NULL while detached */
  char *remote_ip;
  PxTokenClaims *claims;
  char *room_name;

  Room *room;          /* set once joined */
  guint32 id;
  char *name;
  char *resume_secret;
  gboolean audio_muted;
  gboolean video_muted;
  JsonArray *streams;
  GSource *resume_source;
  gboolean closing;    /* the server has closed (or is closing) the connection */
  const char *leave_reason;  /* set when the place is not kept for a resume */

  PxSendQueue *queue;
  guint64 received_bytes;
  guint64 acked_to_peer;
  GSource *ack_source;
  Bucket control;
  Bucket acks;
  gint64 last_activity;
  GHashTable *keyframe_requested;  /* stream → time of the last request */
  GHashTable *reports_forwarded;   /* stream key (gint64) → time of the last report forwarded */
  GHashTable *subscriptions;       /* stream keys received; NULL: all of them */
  /* The latest rig calibration forwarded, for late joiners (PROTOCOL.md §13). */
  JsonObject *rig_calibration;
  char *rig_calibration_text;      /* its data as sent, to tell a change */
};

struct _PxServer
{
  GObject parent_instance;

  PxServerConfig *config;
  SoupServer *soup;
  GMainContext *context;
  guint port;
  gboolean tls;

  GHashTable *rooms;          /* name → Room */
  GHashTable *participants;   /* id → Peer, joined ones (attached or detached) */
  GHashTable *connections;    /* Peer set, those with an open connection */
  GHashTable *ip_connections; /* ip → count */
  GHashTable *ip_joins;       /* ip → Bucket */
  guint32 next_id;
  PxReconstructionScheduler *reconstruction;
  guint32 next_calibration_id;

  gboolean draining;
  gboolean drained;
  gboolean stopped;
  GSource *grace_source;
  GSource *tick_source;

  /* Metrics. */
  guint64 bytes_in;
  guint64 bytes_out;
  guint64 frames_in;
  guint64 frames_out;
  guint64 dropped[PX_SEND_DROP_N_REASONS];
  guint64 rejected_frames;
  guint64 keyframe_requests;
  guint64 receiver_reports;
  guint64 connections_total;
  GHashTable *rejections;     /* error code → count */
  GHashTable *closes;         /* close code → count */
  guint64 delay_counts[N_DELAY_BUCKETS + 1];
  double delay_sum;
  guint64 delay_count;
};

G_DEFINE_FINAL_TYPE (PxServer, px_server, G_TYPE_OBJECT)

enum {
  SIGNAL_DRAINED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void peer_remove_from_room (Peer       *peer,
                                   const char *reason);
static void pump (Peer *peer);

/* ------------------------------------------------------------------------ */
/* Timers: on the server's own context (the embedded server's thread), never
 * on the global default one.                                               */

static GSource *
add_timeout (PxServer    *self,
             guint        interval_ms,
             GSourceFunc  func,
             gpointer     data)
{
  GSource *source = interval_ms % 1000 == 0 ? g_timeout_source_new_seconds (interval_ms / 1000)
                                            : g_timeout_source_new (interval_ms);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, self->context);
  return source;
}

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

/* ------------------------------------------------------------------------ */
/* Rate limits                                                              */

static void
bucket_init (Bucket *bucket,
             double  rate,
             double  burst)
{
  bucket->rate = rate;
  bucket->burst = burst;
  bucket->tokens = burst;
  bucket->updated = g_get_monotonic_time ();
}

static gboolean
bucket_take (Bucket *bucket)
{
  gint64 now = g_get_monotonic_time ();

  bucket->tokens = MIN (bucket->burst,
                        bucket->tokens + (now - bucket->updated) * bucket->rate / G_USEC_PER_SEC);
  bucket->updated = now;
  if (bucket->tokens < 1.0)
    return FALSE;
  bucket->tokens -= 1.0;
  return TRUE;
}

static gboolean
bucket_is_full (Bucket *bucket)
{
  gint64 now = g_get_monotonic_time ();

  return bucket->tokens + (now - bucket->updated) * bucket->rate / G_USEC_PER_SEC >= bucket->burst;
}

/* ------------------------------------------------------------------------ */
/* Metrics helpers                                                          */

static void
count_in (GHashTable *table,
          const char *key)
{
  gpointer value = g_hash_table_lookup (table, key);

  g_hash_table_replace (table, g_strdup (key), GSIZE_TO_POINTER (GPOINTER_TO_SIZE (value) + 1));
}

static void
observe_delay (PxServer *self,
               gint64    delay_us)
{
  double seconds = delay_us / (double) G_USEC_PER_SEC;
  guint i;

  for (i = 0; i < N_DELAY_BUCKETS; i++)
    if (seconds <= delay_buckets[i])
      break;
  self->delay_counts[i]++;
  self->delay_sum += seconds;
  self->delay_count++;
}

/* ------------------------------------------------------------------------ */
/* Peers                                                                    */

static guint64
stream_key (guint32 participant,
            guint32 stream)
{
  return ((guint64) participant << 32) | stream;
}

static JsonObject *
peer_describe (Peer *peer)
{
  JsonObject *object = json_object_new ();

  json_object_set_int_member (object, "id", peer->id);
  json_object_set_string_member (object, "identity", peer->claims->identity);
  json_object_set_string_member (object, "name", peer->name);
  json_object_set_boolean_member (object, "audio_muted", peer->audio_muted);
  json_object_set_boolean_member (object, "video_muted", peer->video_muted);
  json_object_set_boolean_member (object, "publisher", peer->claims->can_publish);
  json_object_set_array_member (object, "streams", json_array_ref (peer->streams));
  return object;
}

static gboolean
peer_is_open (Peer *peer)
{
  return peer->connection != NULL && !peer->closing &&
         soup_websocket_connection_get_state (peer->connection) == SOUP_WEBSOCKET_STATE_OPEN;
}

static void
peer_send_object (Peer       *peer,
                  JsonObject *object)
{
  g_autofree char *text = NULL;

  if (!peer_is_open (peer))
    return;
  text = px_control_to_string (object);
  soup_websocket_connection_send_text (peer->connection, text);
}

static void
peer_send_error (Peer       *peer,
                 const char *code,
                 const char *message)
{
  g_autoptr(JsonObject) object = px_control_object_new (PX_CONTROL_TYPE_ERROR);

  json_object_set_string_member (object, "code", code);
  json_object_set_string_member (object, "message", message);
  peer_send_object (peer, object);
}

static void
peer_close (Peer       *peer,
            PxCloseCode code,
            const char *reason)
{
  g_autofree char *short_reason = NULL;

  if (!peer_is_open (peer))
    return;

  /* A close reason must fit a control frame (123 bytes of UTF-8). */
  short_reason = g_utf8_make_valid (reason, MIN (strlen (reason), 120));
  if (strlen (short_reason) > 120)
    short_reason[120] = '\0';
  if (!g_utf8_validate (short_reason, -1, NULL))
    {
      g_free (short_reason);
      short_reason = g_strdup ("closed");
    }

  g_log_structured (G_LOG_DOMAIN, code >= 4000 && code != PX_CLOSE_SERVER_DRAINING
                                    ? G_LOG_LEVEL_MESSAGE : G_LOG_LEVEL_INFO,
                    "MESSAGE", "Closing connection of %s (%s) with %d: %s",
                    peer->claims ? peer->claims->identity : "?", peer->remote_ip,
                    code, short_reason,
                    "PARALLAX_CLOSE_CODE", "%d", code,
                    "PARALLAX_PEER", "%s", peer->remote_ip);
  /* A peer closed for what it did keeps no place for a resume. */
  if (peer->leave_reason == NULL)
    {
      if (code == PX_CLOSE_PROTOCOL_ERROR)
        peer->leave_reason = "protocol-error";
      else if (code == PX_CLOSE_NOT_ALLOWED)
        peer->leave_reason = "not-allowed";
      else if (code == PX_CLOSE_RATE_LIMITED)
        peer->leave_reason = "rate-limited";
    }
  peer->closing = TRUE;
  soup_websocket_connection_close (peer->connection, code, short_reason);
}

static void
peer_free (Peer *peer)
{
  clear_source (&peer->resume_source);
  clear_source (&peer->ack_source);
  g_clear_object (&peer->connection);
  g_free (peer->remote_ip);
  g_free (peer->room_name);
  g_free (peer->name);
  g_free (peer->resume_secret);
  g_clear_pointer (&peer->claims, px_token_claims_free);
  g_clear_pointer (&peer->streams, json_array_unref);
  g_clear_pointer (&peer->queue, px_send_queue_free);
  g_clear_pointer (&peer->keyframe_requested, g_hash_table_unref);
  g_clear_pointer (&peer->reports_forwarded, g_hash_table_unref);
  g_clear_pointer (&peer->subscriptions, g_hash_table_unref);
  g_clear_pointer (&peer->rig_calibration, json_object_unref);
  g_free (peer->rig_calibration_text);
  g_free (peer);
}

static void
broadcast (Room       *room,
           Peer       *except,
           JsonObject *object)
{
  g_autofree char *text = px_control_to_string (object);
  GHashTableIter iter;
  Peer *other;

  g_hash_table_iter_init (&iter, room->peers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &other))
    if (other != except && peer_is_open (other))
      soup_websocket_connection_send_text (other->connection, text);
}

static void
broadcast_updated (Peer *peer)
{
  g_autoptr(JsonObject) object = px_control_object_new (PX_CONTROL_TYPE_UPDATED);

  json_object_set_object_member (object, "participant", peer_describe (peer));
  broadcast (peer->room, peer, object);
}

static void
check_drained (PxServer *self)
{
  if (self->draining && !self->drained && g_hash_table_size (self->connections) == 0)
    {
      self->drained = TRUE;
      clear_source (&self->grace_source);
      g_signal_emit (self, signals[SIGNAL_DRAINED], 0);
    }
}

/* Removes a joined peer from its room and frees it; the peer must be detached. */
static void
peer_remove_from_room (Peer       *peer,
                       const char *reason)
{
  PxServer *self = peer->server;
  Room *room = peer->room;
  g_autoptr(JsonObject) left = px_control_object_new (PX_CONTROL_TYPE_LEFT);

  g_assert (peer->connection == NULL);

  g_hash_table_remove (room->peers, GUINT_TO_POINTER (peer->id));
  g_hash_table_remove (self->participants, GUINT_TO_POINTER (peer->id));

  json_object_set_int_member (left, "participant", peer->id);
  json_object_set_string_member (left, "reason", reason);
  broadcast (room, NULL, left);

  g_message ("%s left room %s (%s)", peer->claims->identity, room->name, reason);

  if (g_hash_table_size (room->peers) == 0)
    g_hash_table_remove (self->rooms, room->name);

  px_reconstruction_scheduler_remove (self->reconstruction, peer->id);
  peer_free (peer);
}

static gboolean
resume_expired_cb (gpointer user_data)
{
  Peer *peer = user_data;

  clear_source (&peer->resume_source);
  peer_remove_from_room (peer, "timeout");
  return G_SOURCE_REMOVE;
}

static void
connection_closed_cb (SoupWebsocketConnection *connection,
                      Peer                    *peer)
{
  PxServer *self = peer->server;
  gushort code = soup_websocket_connection_get_close_code (connection);
  g_autofree char *code_text = g_strdup_printf ("%u", code);
  gpointer count;

  count_in (self->closes, code_text);

  g_signal_handlers_disconnect_by_data (connection, peer);
  g_clear_object (&peer->connection);
  clear_source (&peer->ack_source);
  g_hash_table_remove (self->connections, peer);

  count = g_hash_table_lookup (self->ip_connections, peer->remote_ip);
  if (GPOINTER_TO_UINT (count) <= 1)
    g_hash_table_remove (self->ip_connections, peer->remote_ip);
  else
    g_hash_table_replace (self->ip_connections, g_strdup (peer->remote_ip),
                          GUINT_TO_POINTER (GPOINTER_TO_UINT (count) - 1));

  if (peer->room == NULL)
    peer_free (peer);
  else if (peer->leave_reason != NULL || self->draining || self->stopped)
    peer_remove_from_room (peer, peer->leave_reason ? peer->leave_reason : "server-closing");
  else
    {
      /* Keep the place for a while: the client may be reconnecting. */
      px_send_queue_reset (peer->queue);
      peer->received_bytes = 0;
      peer->acked_to_peer = 0;
      peer->resume_source = add_timeout (self, PX_SERVER_RESUME_WINDOW_SECONDS * 1000,
                                         resume_expired_cb, peer);
      g_message ("%s lost its connection; keeping its place in room %s for %d s",
                 peer->claims->identity, peer->room->name, PX_SERVER_RESUME_WINDOW_SECONDS);
    }

  check_drained (self);
}

/* Treats the peer's connection as closed now, without waiting for the
 * closing handshake. */
static void
forget_connection (Peer *peer)
{
  SoupWebsocketConnection *connection = peer->connection;

  if (connection == NULL)
    return;
  g_object_ref (connection);
  connection_closed_cb (connection, peer);
  px_websocket_retire (connection);
}

/* ------------------------------------------------------------------------ */
/* Fan-out                                                                  */

static void
request_keyframe (PxServer *self,
                  guint32   publisher_id,
                  guint32   stream,
                  guint32   requester_id)
{
  Peer *publisher = g_hash_table_lookup (self->participants, GUINT_TO_POINTER (publisher_id));
  g_autoptr(JsonObject) object = NULL;
  gint64 now = g_get_monotonic_time ();
  gpointer last;

  if (publisher == NULL)
    return;
  /* Volumetric frames carry a camera's packets: that camera needs the keyframe. */
  stream = px_reconstruction_scheduler_map_keyframe_stream (self->reconstruction, publisher_id, stream);

  last = g_hash_table_lookup (publisher->keyframe_requested, GUINT_TO_POINTER (stream));
  if (last != NULL && now - *(gint64 *) last < KEYFRAME_REQUEST_INTERVAL_US)
    return;
  if (last == NULL)
    {
      last = g_new (gint64, 1);
      g_hash_table_insert (publisher->keyframe_requested, GUINT_TO_POINTER (stream), last);
    }
  *(gint64 *) last = now;

  self->keyframe_requests++;
  object = px_control_object_new (PX_CONTROL_TYPE_KEYFRAME_REQUEST);
  json_object_set_int_member (object, "stream", stream);
  json_object_set_int_member (object, "participant", requester_id);
  peer_send_object (publisher, object);
}

static void
queue_drop_cb (guint64          key,
               guint            kind,
               PxSendDropReason reason,
               gpointer         user_data)
{
  Peer *subscriber = user_data;
  PxServer *self = subscriber->server;

  self->dropped[reason]++;
  if (!px_wire_kind_is_audio (kind))
    request_keyframe (self, key >> 32, key & 0xffffffff, subscriber->id);
}

static void
pump (Peer *peer)
{
  PxServer *self = peer->server;
  GBytes *frame;
  gint64 queued_at;

  if (!peer_is_open (peer))
    return;

  while ((frame = px_send_queue_pop (peer->queue, &queued_at)) != NULL)
    {
      self->frames_out++;
      self->bytes_out += g_bytes_get_size (frame);
      observe_delay (self, g_get_monotonic_time () - queued_at);
      soup_websocket_connection_send_message (peer->connection, SOUP_WEBSOCKET_DATA_BINARY, frame);
      g_bytes_unref (frame);
    }
}

static void
send_ack (Peer *peer)
{
  g_autoptr(JsonObject) object = px_control_object_new (PX_CONTROL_TYPE_ACK);

  clear_source (&peer->ack_source);
  json_object_set_int_member (object, "bytes", peer->received_bytes);
  peer->acked_to_peer = peer->received_bytes;
  peer_send_object (peer, object);
}

static gboolean
ack_timeout_cb (gpointer user_data)
{
  Peer *peer = user_data;

  clear_source (&peer->ack_source);
  send_ack (peer);
  return G_SOURCE_REMOVE;
}

static gboolean
peer_publishes (Peer         *peer,
                PxWireHeader *header)
{
  for (guint i = 0; i < json_array_get_length (peer->streams); i++)
    {
      JsonObject *stream = json_array_get_object_element (peer->streams, i);
      PxWireKind kind;

      if ((guint32) json_object_get_int_member (stream, "stream") == header->stream &&
          px_wire_kind_from_string (json_object_get_string_member (stream, "kind"), &kind) &&
          kind == header->kind)
        return TRUE;
    }
  return FALSE;
}

/* Queues @stamped (participant already set) for everyone in @peer's room
 * who receives @stream of it. */
static void
fan_out (Peer    *peer,
         GBytes  *stamped,
         guint32  stream,
         guint    kind,
         gboolean keyframe)
{
  GHashTableIter iter;
  Peer *subscriber;

  g_hash_table_iter_init (&iter, peer->room->peers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &subscriber))
    {
      if (subscriber == peer || !subscriber->claims->can_subscribe || !peer_is_open (subscriber))
        continue;
      if (subscriber->subscriptions != NULL)
        {
          gint64 key = (gint64) stream_key (peer->id, stream);

          if (!g_hash_table_contains (subscriber->subscriptions, &key))
            continue;
        }
      px_send_queue_push (subscriber->queue, stamped, stream_key (peer->id, stream), kind, keyframe);
      pump (subscriber);
    }
}

static void
handle_binary (Peer   *peer,
               GBytes *message)
{
  PxServer *self = peer->server;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) stamped = NULL;
  PxWireHeader header;
  gsize size;
  const guint8 *data = g_bytes_get_data (message, &size);

  if (peer->room == NULL)
    {
      self->rejected_frames++;
      peer_close (peer, PX_CLOSE_PROTOCOL_ERROR, "join first");
      return;
    }
  if (!peer->claims->can_publish)
    {
      self->rejected_frames++;
      peer_send_error (peer, "not-allowed", "This token does not grant publishing");
      peer_close (peer, PX_CLOSE_NOT_ALLOWED, "publishing not allowed");
      return;
    }
  if (!px_wire_header_parse (data, size, &header, &error))
    {
      self->rejected_frames++;
      peer_close (peer, PX_CLOSE_PROTOCOL_ERROR, error->message);
      return;
    }
  if (!peer_publishes (peer, &header))
    {
      self->rejected_frames++;
      peer_close (peer, PX_CLOSE_PROTOCOL_ERROR, "frame for a stream not announced with publish");
      return;
    }

  self->frames_in++;
  self->bytes_in += size;

  /* Flow control towards the publisher. */
  peer->received_bytes += size;
  if (peer->received_bytes - peer->acked_to_peer >= ACK_STEP_BYTES)
    send_ack (peer);
  else if (peer->ack_source == NULL)
    peer->ack_source = add_timeout (self, ACK_DELAY_MS, ack_timeout_cb, peer);

  /* The server, not the client, says whose frame this is. */
  stamped = px_wire_frame_with_participant (message, peer->id);
  fan_out (peer, stamped, header.stream, header.kind, (header.flags & PX_WIRE_FLAG_KEYFRAME) != 0);

  /* A rig publisher's cameras also go to reconstruction. */
  if (header.kind == PX_WIRE_KIND_VIDEO)
    {
      g_autoptr(GBytes) payload = g_bytes_new_from_bytes (message, PX_WIRE_HEADER_SIZE, header.payload_length);

      px_reconstruction_scheduler_push (self->reconstruction, peer->id, &header, payload);
    }
}

static void
volumetric_frame_cb (PxReconstructionScheduler *scheduler,
                     guint                      publisher_id,
                     guint                      stream,
                     gboolean                   keyframe,
                     GBytes                    *frame,
                     gpointer                   user_data)
{
  PxServer *self = user_data;
  Peer *publisher = g_hash_table_lookup (self->participants, GUINT_TO_POINTER (publisher_id));

  if (publisher == NULL || publisher->room == NULL)
    return;
  fan_out (publisher, frame, stream, PX_WIRE_KIND_DEPTH, keyframe);
}

static void
frame_set_error_cb (PxReconstructionScheduler *scheduler,
                    guint                      publisher_id,
                    const char                *message,
                    gpointer                   user_data)
{
  PxServer *self = user_data;
  Peer *publisher = g_hash_table_lookup (self->participants, GUINT_TO_POINTER (publisher_id));

  if (publisher != NULL)
    peer_send_error (publisher, "invalid-frame-set", message);
}

static void
reconstruction_keyframe_needed_cb (PxReconstructionScheduler *scheduler,
                                   guint                      publisher_id,
                                   guint                      stream,
                                   gpointer                   user_data)
{
  /* Participant 0: the server itself needs it. */
  request_keyframe (user_data, publisher_id, stream, 0);
}

/* Sends @peer the rig calibrations of everyone else in its room. */
static void
send_rig_calibrations (Peer *peer)
{
  GHashTableIter iter;
  Peer *other;

  g_hash_table_iter_init (&iter, peer->room->peers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &other))
    if (other != peer && other->rig_calibration != NULL)
      peer_send_object (peer, other->rig_calibration);
}

/* A calibration with a rig starts (or changes) the reconstruction of the
 * publisher's frame sets; it reaches the others once per change, with the
 * calibration_id its volumetric frames refer to. Any other calibration is
 * forwarded as it is. */
static void
handle_calibration (Peer             *peer,
                    PxControlMessage *message)
{
  PxServer *self = peer->server;
  JsonObject *data = json_object_get_object_member (message->object, "data");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  guint32 id;

  if (!peer->claims->can_publish)
    {
      peer_send_error (peer, "not-allowed", "This token does not grant publishing");
      return;
    }
  if (data == NULL || !json_object_has_member (data, "rig"))
    {
      json_object_set_int_member (message->object, "participant", peer->id);
      broadcast (peer->room, peer, message->object);
      return;
    }

  if (json_object_has_member (data, "calibration_id"))
    json_object_remove_member (data, "calibration_id");
  node = json_node_init_object (json_node_alloc (), data);
  text = json_to_string (node, FALSE);
  if (g_strcmp0 (text, peer->rig_calibration_text) == 0)
    return;

  id = ++self->next_calibration_id;
  g_clear_pointer (&peer->rig_calibration, json_object_unref);
  g_clear_pointer (&peer->rig_calibration_text, g_free);
  if (!px_reconstruction_scheduler_configure (self->reconstruction, peer->id, data, peer->streams, id, &error))
    {
      peer_send_error (peer, "invalid-calibration", error->message);
      return;
    }
  json_object_set_int_member (data, "calibration_id", id);
  json_object_set_int_member (message->object, "participant", peer->id);
  peer->rig_calibration = json_object_ref (message->object);
  peer->rig_calibration_text = g_steal_pointer (&text);
  broadcast (peer->room, peer, message->object);
}

/* ------------------------------------------------------------------------ */
/* Control messages                                                         */

static Room *
room_get (PxServer   *self,
          const char *name)
{
  Room *room = g_hash_table_lookup (self->rooms, name);

  if (room == NULL)
    {
      room = g_new0 (Room, 1);
      room->name = g_strdup (name);
      room->peers = g_hash_table_new (NULL, NULL);
      g_hash_table_insert (self->rooms, room->name, room);
      g_message ("Room %s opened", name);
    }
  return room;
}

static void
room_free (Room *room)
{
  g_hash_table_unref (room->peers);
  g_free (room->name);
  g_free (room);
}

static Peer *
room_find_identity (Room       *room,
                    const char *identity)
{
  GHashTableIter iter;
  Peer *peer;

  g_hash_table_iter_init (&iter, room->peers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &peer))
    if (g_strcmp0 (peer->claims->identity, identity) == 0)
      return peer;
  return NULL;
}

static guint32
allocate_id (PxServer *self)
{
  do
    self->next_id = self->next_id == G_MAXUINT32 ? 1 : self->next_id + 1;
  while (g_hash_table_contains (self->participants, GUINT_TO_POINTER (self->next_id)));
  return self->next_id;
}

static void
send_welcome (Peer     *peer,
              gboolean  resumed)
{
  PxServer *self = peer->server;
  g_autoptr(JsonObject) welcome = px_control_object_new (PX_CONTROL_TYPE_WELCOME);
  JsonArray *participants = json_array_new ();
  GHashTableIter iter;
  Peer *other;

  g_hash_table_iter_init (&iter, peer->room->peers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &other))
    if (other != peer)
      json_array_add_object_element (participants, peer_describe (other));

  json_object_set_int_member (welcome, "participant", peer->id);
  json_object_set_string_member (welcome, "room", peer->room->name);
  json_object_set_string_member (welcome, "identity", peer->claims->identity);
  json_object_set_string_member (welcome, "name", peer->name);
  json_object_set_string_member (welcome, "resume", peer->resume_secret);
  json_object_set_boolean_member (welcome, "resumed", resumed);
  json_object_set_array_member (welcome, "participants", participants);
  json_object_set_int_member (welcome, "server_time", g_get_monotonic_time ());
  json_object_set_boolean_member (welcome, "can_publish", peer->claims->can_publish);
  json_object_set_boolean_member (welcome, "can_subscribe", peer->claims->can_subscribe);
  json_object_set_int_member (welcome, "resume_window_seconds", PX_SERVER_RESUME_WINDOW_SECONDS);
  json_object_set_int_member (welcome, "idle_timeout_seconds",
                              px_server_config_get_idle_timeout (self->config));
  json_object_set_int_member (welcome, "max_payload_bytes",
                              px_server_config_get_max_payload (self->config));
  json_object_set_int_member (welcome, "window_bytes", PX_FLOW_WINDOW_BYTES);
  peer_send_object (peer, welcome);
}

/* Moves @pending's connection onto @detached, the participant it resumes. */
static Peer *
resume (Peer *pending,
        Peer *existing)
{
  PxServer *self = pending->server;

  if (existing->connection != NULL)
    {
      /* The old connection is half-dead (the client already reconnected). */
      SoupWebsocketConnection *old = g_steal_pointer (&existing->connection);

      g_signal_handlers_disconnect_by_data (old, existing);
      g_hash_table_remove (self->connections, existing);
      if (soup_websocket_connection_get_state (old) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (old, PX_CLOSE_REPLACED, "resumed elsewhere");
      px_websocket_retire (old);
      /* The old connection's per-IP count is inherited by the pending one's
       * close; drop the old count now. */
      if (GPOINTER_TO_UINT (g_hash_table_lookup (self->ip_connections, existing->remote_ip)) <= 1)
        g_hash_table_remove (self->ip_connections, existing->remote_ip);
      else
        g_hash_table_replace (self->ip_connections, g_strdup (existing->remote_ip),
                              GUINT_TO_POINTER (GPOINTER_TO_UINT (
                                g_hash_table_lookup (self->ip_connections, existing->remote_ip)) - 1));
    }

  clear_source (&existing->resume_source);
  clear_source (&existing->ack_source);

  /* Swap the connection over; the pending peer is then freed. */
  g_signal_handlers_disconnect_by_data (pending->connection, pending);
  existing->connection = g_steal_pointer (&pending->connection);
  g_hash_table_remove (self->connections, pending);
  g_hash_table_add (self->connections, existing);
  g_free (existing->remote_ip);
  existing->remote_ip = g_steal_pointer (&pending->remote_ip);
  px_token_claims_free (existing->claims);
  existing->claims = g_steal_pointer (&pending->claims);
  existing->control = pending->control;
  existing->acks = pending->acks;
  existing->last_activity = g_get_monotonic_time ();
  existing->closing = FALSE;
  existing->received_bytes = 0;
  existing->acked_to_peer = 0;
  px_send_queue_reset (existing->queue);
  peer_free (pending);
  return existing;
}

static void connection_message_cb (SoupWebsocketConnection *connection,
                                   gint                     type,
                                   GBytes                  *message,
                                   Peer                    *peer);

/* libsoup reports a protocol violation (an oversized or malformed frame)
 * as a SOUP_WEBSOCKET_ERROR before it closes; such a peer keeps no place. */
static void
connection_error_cb (SoupWebsocketConnection *connection,
                     GError                  *error,
                     Peer                    *peer)
{
  if (error->domain == SOUP_WEBSOCKET_ERROR)
    {
      g_message ("Connection of %s (%s) broke the WebSocket protocol: %s",
                 peer->claims ? peer->claims->identity : "?", peer->remote_ip, error->message);
      peer->leave_reason = "protocol-error";
    }
}

static void
attach_signals (Peer *peer)
{
  g_signal_connect (peer->connection, "error", G_CALLBACK (connection_error_cb), peer);
  g_signal_connect (peer->connection, "message", G_CALLBACK (connection_message_cb), peer);
  g_signal_connect (peer->connection, "closed", G_CALLBACK (connection_closed_cb), peer);
}

static void
handle_join (Peer             *peer,
             PxControlMessage *message)
{
  PxServer *self = peer->server;
  const char *resume_secret = px_control_get_string (message, "resume", NULL);
  Room *room;
  Peer *existing;
  g_autoptr(JsonObject) joined = NULL;
  g_autofree char *name = NULL;

  if (peer->room != NULL)
    {
      peer_close (peer, PX_CLOSE_PROTOCOL_ERROR, "already joined");
      return;
    }
  if (self->draining)
    {
      peer_close (peer, PX_CLOSE_SERVER_DRAINING, "server draining");
      return;
    }

  room = g_hash_table_lookup (self->rooms, peer->room_name);
  existing = room ? room_find_identity (room, peer->claims->identity) : NULL;

  if (existing != NULL && resume_secret != NULL && existing->resume_secret != NULL &&
      g_str_equal (resume_secret, existing->resume_secret))
    {
      Peer *resumed = resume (peer, existing);

      attach_signals (resumed);
      g_message ("%s resumed its place in room %s", resumed->claims->identity, room->name);
      send_welcome (resumed, TRUE);
      send_rig_calibrations (resumed);
      return;
    }

  if (existing != NULL)
    {
      /* One identity, one place: the newer connection wins. */
      if (existing->connection != NULL)
        {
          existing->leave_reason = "replaced";
          peer_close (existing, PX_CLOSE_REPLACED, "replaced by a newer connection");
          forget_connection (existing);
          /* That freed it, with a "left" broadcast. */
        }
      else
        {
          clear_source (&existing->resume_source);
          peer_remove_from_room (existing, "replaced");
        }
      room = g_hash_table_lookup (self->rooms, peer->room_name);
    }

  if (room != NULL && g_hash_table_size (room->peers) >= px_server_config_get_max_participants (self->config))
    {
      peer_send_error (peer, "room-full", "The room is full");
      peer_close (peer, PX_CLOSE_ROOM_FULL, "room full");
      return;
    }

  /* The display name is the token's: whoever issued it vouches for it. */
  name = px_join_target_normalize_name (peer->claims->name, NULL);
  if (name == NULL)
    name = px_join_target_normalize_name (peer->claims->identity, NULL);
  if (name == NULL)
    name = g_strdup ("?");

  room = room_get (self, peer->room_name);
  peer->room = room;
  peer->id = allocate_id (self);
  peer->name = g_steal_pointer (&name);
  peer->resume_secret = px_random_hex (16);
  g_hash_table_insert (room->peers, GUINT_TO_POINTER (peer->id), peer);
  g_hash_table_insert (self->participants, GUINT_TO_POINTER (peer->id), peer);

  g_message ("%s joined room %s as participant %u", peer->claims->identity, room->name, peer->id);

  send_welcome (peer, FALSE);

  joined = px_control_object_new (PX_CONTROL_TYPE_JOINED);
  json_object_set_object_member (joined, "participant", peer_describe (peer));
  broadcast (room, peer, joined);
  send_rig_calibrations (peer);
}

static void
handle_publish (Peer             *peer,
                PxControlMessage *message)
{
  JsonArray *streams = json_object_get_array_member (message->object, "streams");

  if (!peer->claims->can_publish)
    {
      peer_send_error (peer, "not-allowed", "This token does not grant publishing");
      return;
    }
  if (json_array_get_length (streams) > MAX_STREAMS)
    {
      peer_close (peer, PX_CLOSE_PROTOCOL_ERROR, "too many streams");
      return;
    }

  json_array_unref (peer->streams);
  peer->streams = json_array_new ();
  for (guint i = 0; i < json_array_get_length (streams); i++)
    {
      JsonObject *in = json_array_get_object_element (streams, i);
      JsonObject *out = json_object_new ();

      json_object_set_int_member (out, "stream", json_object_get_int_member (in, "stream"));
      json_object_set_string_member (out, "kind", json_object_get_string_member (in, "kind"));
      if (json_object_has_member (in, "label") &&
          JSON_NODE_HOLDS_VALUE (json_object_get_member (in, "label")))
        json_object_set_string_member (out, "label", json_object_get_string_member (in, "label"));
      json_array_add_object_element (peer->streams, out);
    }
  broadcast_updated (peer);
}

/* Chooses what the peer receives: everything (the default) or a list of
 * streams. Streams it starts receiving ask their publisher for a keyframe,
 * since the subscriber has nothing to decode the next delta frame against. */
static void
handle_subscribe (Peer             *peer,
                  PxControlMessage *message)
{
  JsonNode *node = json_object_get_member (message->object, "streams");
  JsonArray *streams;
  GHashTable *chosen;

  if (!peer->claims->can_subscribe)
    {
      peer_send_error (peer, "not-allowed", "This token does not grant subscribing");
      return;
    }
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      GHashTableIter iter;
      Peer *publisher;

      if (peer->subscriptions == NULL)
        return;
      /* Back to everything: the video streams it did not receive need a
       * keyframe to start from. */
      g_hash_table_iter_init (&iter, peer->room->peers);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &publisher))
        for (guint i = 0; publisher != peer && i < json_array_get_length (publisher->streams); i++)
          {
            JsonObject *description = json_array_get_object_element (publisher->streams, i);
            guint32 stream = json_object_get_int_member (description, "stream");
            gint64 key = (gint64) stream_key (publisher->id, stream);

            if (!g_hash_table_contains (peer->subscriptions, &key))
              request_keyframe (peer->server, publisher->id, stream, peer->id);
          }
      g_clear_pointer (&peer->subscriptions, g_hash_table_unref);
      return;
    }

  streams = json_node_get_array (node);
  if (json_array_get_length (streams) > MAX_SUBSCRIPTIONS)
    {
      peer_close (peer, PX_CLOSE_PROTOCOL_ERROR, "too many subscriptions");
      return;
    }

  chosen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  for (guint i = 0; i < json_array_get_length (streams); i++)
    {
      JsonObject *entry = json_array_get_object_element (streams, i);
      guint32 participant = json_object_get_int_member (entry, "participant");
      guint32 stream = json_object_get_int_member (entry, "stream");
      gint64 *key = g_new (gint64, 1);

      *key = (gint64) stream_key (participant, stream);
      if (peer->subscriptions != NULL && !g_hash_table_contains (peer->subscriptions, key) &&
          g_hash_table_contains (peer->room->peers, GUINT_TO_POINTER (participant)))
        request_keyframe (peer->server, participant, stream, peer->id);
      g_hash_table_add (chosen, key);
    }
  g_clear_pointer (&peer->subscriptions, g_hash_table_unref);
  peer->subscriptions = chosen;
}

static gboolean
peer_announced (Peer    *peer,
                guint32  stream)
{
  for (guint i = 0; i < json_array_get_length (peer->streams); i++)
    if ((guint32) json_object_get_int_member (json_array_get_object_element (peer->streams, i),
                                              "stream") == stream)
      return TRUE;
  return FALSE;
}

/* Streams a peer may report on: its room's publishers' (at most 16 each). */
#define MAX_REPORTED_STREAMS 4096

/* A receiver's loss and jitter on a publisher's stream, passed on to the
 * publisher with the receiver's id. Reports on someone who is not (or no
 * longer) in the room, on a stream they do not publish, on oneself, or
 * coming too often are dropped without a word: they are advisory, and the
 * next one will do. */
static void
forward_receiver_report (Peer             *peer,
                         PxControlMessage *message)
{
  PxServer *self = peer->server;
  guint32 target = (guint32) px_control_get_int (message, "participant", 0);
  guint32 stream = (guint32) px_control_get_int (message, "stream", 0);
  gint64 key = (gint64) stream_key (target, stream);
  gint64 now = g_get_monotonic_time ();
  g_autoptr(JsonObject) object = NULL;
  Peer *publisher;
  gint64 *last;

  if (!peer->claims->can_subscribe)
    {
      peer_send_error (peer, "not-allowed", "This token does not grant subscribing");
      return;
    }
  if (target == peer->id || !g_hash_table_contains (peer->room->peers, GUINT_TO_POINTER (target)))
    return;
  publisher = g_hash_table_lookup (self->participants, GUINT_TO_POINTER (target));
  if (publisher == NULL || !peer_is_open (publisher) || !peer_announced (publisher, stream))
    return;

  /* People come and go; what is remembered of those gone stays bounded. */
  if (g_hash_table_size (peer->reports_forwarded) >= MAX_REPORTED_STREAMS)
    g_hash_table_remove_all (peer->reports_forwarded);
  last = g_hash_table_lookup (peer->reports_forwarded, &key);
  if (last != NULL && now - *last < RECEIVER_REPORT_INTERVAL_US && now >= *last)
    return;
  if (last == NULL)
    {
      gint64 *stored = g_new (gint64, 1);

      *stored = key;
      last = g_new (gint64, 1);
      g_hash_table_insert (peer->reports_forwarded, stored, last);
    }
  *last = now;

  self->receiver_reports++;
  object = px_control_object_new (PX_CONTROL_TYPE_RECEIVER_REPORT);
  json_object_set_int_member (object, "participant", peer->id);
  json_object_set_int_member (object, "stream", stream);
  json_object_set_double_member (object, "loss", px_control_get_double (message, "loss", 0.0));
  json_object_set_int_member (object, "jitter_ms", px_control_get_int (message, "jitter_ms", 0));
  peer_send_object (publisher, object);
}

static void
handle_control (Peer   *peer,
                GBytes *bytes)
{
  PxServer *self = peer->server;
  g_autoptr(PxControlMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  gsize size;
  const char *text = g_bytes_get_data (bytes, &size);

  message = px_control_parse (text, size, &error);
  if (message == NULL)
    {
      peer_close (peer, PX_CLOSE_PROTOCOL_ERROR, error->message);
      return;
    }

  /* Acknowledgements grow with the media rate and have their own allowance. */
  if (!bucket_take (message->type == PX_CONTROL_TYPE_ACK ? &peer->acks : &peer->control))
    {
      peer_close (peer, PX_CLOSE_RATE_LIMITED, "too many control messages");
      return;
    }

  if (peer->room == NULL && message->type != PX_CONTROL_TYPE_JOIN &&
      message->type != PX_CONTROL_TYPE_PING)
    {
      peer_close (peer, PX_CLOSE_PROTOCOL_ERROR, "join first");
      return;
    }

  switch (message->type)
    {
    case PX_CONTROL_TYPE_JOIN:
      handle_join (peer, message);
      break;

    case PX_CONTROL_TYPE_PUBLISH:
      handle_publish (peer, message);
      break;

    case PX_CONTROL_TYPE_MUTE:
      peer->audio_muted = px_control_get_bool (message, "audio", peer->audio_muted);
      peer->video_muted = px_control_get_bool (message, "video", peer->video_muted);
      broadcast_updated (peer);
      break;

    case PX_CONTROL_TYPE_KEYFRAME_REQUEST:
      {
        gint64 target = px_control_get_int (message, "participant", -1);
        gint64 stream = px_control_get_int (message, "stream", -1);

        if (target < 0 || target > G_MAXUINT32 || stream < 0 || stream > G_MAXUINT32)
          peer_close (peer, PX_CLOSE_PROTOCOL_ERROR, "keyframe-request needs participant and stream");
        else if (!peer->claims->can_subscribe)
          peer_send_error (peer, "not-allowed", "This token does not grant subscribing");
        else if (!g_hash_table_contains (peer->room->peers, GUINT_TO_POINTER (target)))
          peer_send_error (peer, "unknown-participant", "No such participant in this room");
        else
          request_keyframe (self, target, stream, peer->id);
      }
      break;

    case PX_CONTROL_TYPE_CALIBRATION:
      handle_calibration (peer, message);
      break;

    case PX_CONTROL_TYPE_PING:
      {
        g_autoptr(JsonObject) pong = px_control_object_new (PX_CONTROL_TYPE_PONG);
        gint64 received = g_get_monotonic_time ();

        json_object_set_int_member (pong, "t0", px_control_get_int (message, "t0", 0));
        json_object_set_int_member (pong, "t1", received);
        json_object_set_int_member (pong, "t2", g_get_monotonic_time ());
        peer_send_object (peer, pong);
      }
      break;

    case PX_CONTROL_TYPE_ACK:
      if (!px_send_queue_ack (peer->queue, px_control_get_int (message, "bytes", 0)))
        peer_close (peer, PX_CLOSE_PROTOCOL_ERROR, "acknowledged more bytes than were sent");
      else
        pump (peer);
      break;

    case PX_CONTROL_TYPE_SUBSCRIBE:
      handle_subscribe (peer, message);
      break;

    case PX_CONTROL_TYPE_RECEIVER_REPORT:
      forward_receiver_report (peer, message);
      break;

    case PX_CONTROL_TYPE_LEAVE:
      peer->leave_reason = "left";
      peer_close (peer, PX_CLOSE_NORMAL, "left");
      break;

    case PX_CONTROL_TYPE_WELCOME:
    case PX_CONTROL_TYPE_JOINED:
    case PX_CONTROL_TYPE_LEFT:
    case PX_CONTROL_TYPE_UPDATED:
    case PX_CONTROL_TYPE_PONG:
    case PX_CONTROL_TYPE_ERROR:
    case PX_CONTROL_TYPE_DRAINING:
    default:
      peer_close (peer, PX_CLOSE_PROTOCOL_ERROR, "message type not accepted from clients");
      break;
    }
}

static void
connection_message_cb (SoupWebsocketConnection *connection,
                       gint                     type,
                       GBytes                  *message,
                       Peer                    *peer)
{
  if (peer->closing)
    return;

  peer->last_activity = g_get_monotonic_time ();
  if (type == SOUP_WEBSOCKET_DATA_TEXT)
    handle_control (peer, message);
  else
    handle_binary (peer, message);
}

/* ------------------------------------------------------------------------ */
/* HTTP                                                                     */

static void
reject (PxServer          *self,
        SoupServerMessage *message,
        guint              status,
        const char        *code,
        const char        *text)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autofree char *body = NULL;

  json_object_set_string_member (object, "error", code);
  json_object_set_string_member (object, "message", text);
  body = px_control_to_string (object);

  count_in (self->rejections, code);
  soup_message_headers_replace (soup_server_message_get_response_headers (message),
                                "Parallax-Error", code);
  soup_server_message_set_status (message, status, NULL);
  soup_server_message_set_response (message, "application/json", SOUP_MEMORY_COPY,
                                    body, strlen (body));
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_INFO,
                    "MESSAGE", "Refused a connection from %s: %s",
                    soup_server_message_get_remote_host (message), code,
                    "PARALLAX_REJECT", "%s", code);
}

static const char *
room_from_path (const char *path)
{
  const char *prefix = "/v1/rooms/";

  if (!g_str_has_prefix (path, prefix))
    return NULL;
  if (!px_join_target_check_room (path + strlen (prefix), NULL))
    return NULL;
  return path + strlen (prefix);
}

/* Runs before libsoup's WebSocket handshake on the same path: a status set
 * here refuses the upgrade. */
static void
rooms_handler_cb (SoupServer        *server,
                  SoupServerMessage *message,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  PxServer *self = user_data;
  const char *room_name = room_from_path (path);
  const char *authorization;
  const char *ip = soup_server_message_get_remote_host (message);
  g_autoptr(GError) error = NULL;
  PxTokenClaims *claims;
  Bucket *bucket;
  Room *room;

  if (room_name == NULL)
    {
      reject (self, message, SOUP_STATUS_NOT_FOUND, "unknown-room-path",
              "Rooms are at /v1/rooms/NAME (letters, digits, '-', '_', '.')");
      return;
    }
  if (self->draining || self->stopped)
    {
      reject (self, message, SOUP_STATUS_SERVICE_UNAVAILABLE, "server-draining",
              "This server is shutting down; join again elsewhere or later");
      return;
    }

  if (ip == NULL)
    ip = "unknown";
  if (GPOINTER_TO_UINT (g_hash_table_lookup (self->ip_connections, ip)) >=
      px_server_config_get_max_connections_per_ip (self->config))
    {
      reject (self, message, 429, "too-many-connections",
              "Too many connections from this address");
      return;
    }

  bucket = g_hash_table_lookup (self->ip_joins, ip);
  if (bucket == NULL)
    {
      double rate = px_server_config_get_joins_per_second (self->config);

      bucket = g_new0 (Bucket, 1);
      bucket_init (bucket, rate, rate);
      g_hash_table_insert (self->ip_joins, g_strdup (ip), bucket);
    }
  if (!bucket_take (bucket))
    {
      reject (self, message, 429, "too-many-joins", "Too many join attempts; slow down");
      return;
    }

  authorization = soup_message_headers_get_one (soup_server_message_get_request_headers (message),
                                                "Authorization");
  if (authorization == NULL || !g_str_has_prefix (authorization, "Bearer ") ||
      authorization[strlen ("Bearer ")] == '\0')
    {
      reject (self, message, SOUP_STATUS_UNAUTHORIZED, "token-missing",
              "An Authorization: Bearer token is required");
      return;
    }

  claims = px_token_verify (authorization + strlen ("Bearer "),
                            px_server_config_get_secret (self->config),
                            g_get_real_time () / G_USEC_PER_SEC, &error);
  if (claims == NULL)
    {
      reject (self, message, SOUP_STATUS_UNAUTHORIZED, px_token_error_code (error),
              error->message);
      return;
    }
  if (!g_str_equal (claims->room, room_name))
    {
      px_token_claims_free (claims);
      reject (self, message, SOUP_STATUS_FORBIDDEN, "wrong-room",
              "This token is for another room");
      return;
    }

  room = g_hash_table_lookup (self->rooms, room_name);
  if (room != NULL && room_find_identity (room, claims->identity) == NULL &&
      g_hash_table_size (room->peers) >= px_server_config_get_max_participants (self->config))
    {
      px_token_claims_free (claims);
      reject (self, message, SOUP_STATUS_FORBIDDEN, "room-full", "The room is full");
      return;
    }

  g_object_set_data_full (G_OBJECT (message), "px-claims", claims,
                          (GDestroyNotify) px_token_claims_free);
}

static void
websocket_cb (SoupServer              *server,
              SoupServerMessage       *message,
              const char              *path,
              SoupWebsocketConnection *connection,
              gpointer                 user_data)
{
  PxServer *self = user_data;
  PxTokenClaims *claims = g_object_steal_data (G_OBJECT (message), "px-claims");
  const char *ip = soup_server_message_get_remote_host (message);
  double control_rate = px_server_config_get_control_per_second (self->config);
  Peer *peer;

  if (claims == NULL)
    {
      /* Cannot happen: the handler above refused such requests. */
      soup_websocket_connection_close (connection, PX_CLOSE_PROTOCOL_ERROR, "not authorised");
      return;
    }

  peer = g_new0 (Peer, 1);
  peer->server = self;
  peer->connection = g_object_ref (connection);
  peer->remote_ip = g_strdup (ip ? ip : "unknown");
  peer->claims = claims;
  peer->room_name = g_strdup (room_from_path (path));
  peer->streams = json_array_new ();
  peer->queue = px_send_queue_new (px_server_config_get_subscriber_queue_bytes (self->config),
                                   PX_FLOW_WINDOW_BYTES);
  px_send_queue_set_drop_func (peer->queue, queue_drop_cb, peer);
  peer->keyframe_requested = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  peer->reports_forwarded = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  peer->last_activity = g_get_monotonic_time ();
  bucket_init (&peer->control, control_rate, control_rate);
  bucket_init (&peer->acks, ACKS_PER_SECOND, ACKS_PER_SECOND);

  /* libsoup's 128 KiB default would cut video frames; the limit is ours. */
  soup_websocket_connection_set_max_incoming_payload_size (connection,
                                                           px_server_config_get_max_payload (self->config));
  soup_websocket_connection_set_keepalive_interval (connection,
                                                    MAX (1, px_server_config_get_idle_timeout (self->config) / 3));

  g_hash_table_add (self->connections, peer);
  g_hash_table_replace (self->ip_connections, g_strdup (peer->remote_ip),
                        GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (self->ip_connections,
                                                                                 peer->remote_ip)) + 1));
  self->connections_total++;
  attach_signals (peer);
}

static void
healthz_cb (SoupServer        *server,
            SoupServerMessage *message,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  PxServer *self = user_data;
  const char *body = self->draining ? "draining\n" : "ok\n";

  /* A draining server is alive but should get no new meetings. */
  soup_server_message_set_status (message, self->draining ? SOUP_STATUS_SERVICE_UNAVAILABLE
                                                          : SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (message, "text/plain", SOUP_MEMORY_STATIC,
                                    body, strlen (body));
}

static void
metrics_cb (SoupServer        *server,
            SoupServerMessage *message,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  PxServer *self = user_data;
  char *body = px_server_render_metrics (self);

  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (message, "text/plain; version=0.0.4", SOUP_MEMORY_TAKE,
                                    body, strlen (body));
}

/* ------------------------------------------------------------------------ */
/* Housekeeping                                                             */

static gboolean
tick_cb (gpointer user_data)
{
  PxServer *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 idle_limit = (gint64) px_server_config_get_idle_timeout (self->config) * G_USEC_PER_SEC;
  g_autoptr(GPtrArray) idle = g_ptr_array_new ();
  GHashTableIter iter;
  Peer *peer;
  Bucket *bucket;

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, (gpointer *) &peer, NULL))
    if (now - peer->last_activity > idle_limit)
      g_ptr_array_add (idle, peer);
  for (guint i = 0; i < idle->len; i++)
    peer_close (idle->pdata[i], PX_CLOSE_IDLE_TIMEOUT, "idle timeout");

  /* Forget join allowances that have refilled, so the table stays small. */
  g_hash_table_iter_init (&iter, self->ip_joins);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &bucket))
    if (bucket_is_full (bucket))
      g_hash_table_iter_remove (&iter);

  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------------ */
/* GObject                                                                  */

static void
px_server_dispose (GObject *object)
{
  PxServer *self = PX_SERVER (object);

  if (self->soup != NULL)
    px_server_stop (self);
  if (self->reconstruction != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->reconstruction, self);
      px_reconstruction_scheduler_shutdown (self->reconstruction);
    }

  G_OBJECT_CLASS (px_server_parent_class)->dispose (object);
}

static void
px_server_finalize (GObject *object)
{
  PxServer *self = PX_SERVER (object);
  GHashTableIter iter;
  Peer *peer;
  g_autoptr(GPtrArray) peers = g_ptr_array_new ();

  /* Whatever is left is detached (stop() closed the connections). */
  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, (gpointer *) &peer, NULL))
    {
      g_signal_handlers_disconnect_by_data (peer->connection, peer);
      if (peer->room == NULL)
        g_ptr_array_add (peers, peer);
    }
  g_hash_table_iter_init (&iter, self->participants);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &peer))
    g_ptr_array_add (peers, peer);
  g_ptr_array_set_free_func (peers, (GDestroyNotify) peer_free);
  g_clear_pointer (&peers, g_ptr_array_unref);

  clear_source (&self->grace_source);
  clear_source (&self->tick_source);
  g_hash_table_destroy (self->rooms);
  g_hash_table_destroy (self->participants);
  g_hash_table_destroy (self->connections);
  g_hash_table_destroy (self->ip_connections);
  g_hash_table_destroy (self->ip_joins);
  g_hash_table_destroy (self->rejections);
  g_hash_table_destroy (self->closes);
  g_clear_object (&self->config);
  g_clear_object (&self->reconstruction);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (px_server_parent_class)->finalize (object);
}

static void
px_server_class_init (PxServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = px_server_dispose;
  object_class->finalize = px_server_finalize;

  /**
   * PxServer::drained:
   *
   * Emitted once, after px_server_drain(), when no connection is left.
   */
  signals[SIGNAL_DRAINED] =
    g_signal_new ("drained", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
px_server_init (PxServer *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->rooms = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) room_free);
  self->participants = g_hash_table_new (NULL, NULL);
  self->connections = g_hash_table_new (NULL, NULL);
  self->ip_connections = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->ip_joins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->rejections = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->closes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->reconstruction = px_reconstruction_scheduler_new (0);
  g_signal_connect (self->reconstruction, "volumetric-frame", G_CALLBACK (volumetric_frame_cb), self);
  g_signal_connect (self->reconstruction, "frame-set-error", G_CALLBACK (frame_set_error_cb), self);
  g_signal_connect (self->reconstruction, "keyframe-needed",
                    G_CALLBACK (reconstruction_keyframe_needed_cb), self);
}

PxServer *
px_server_new (PxServerConfig *config)
{
  PxServer *self;

  g_return_val_if_fail (PX_IS_SERVER_CONFIG (config), NULL);
  g_return_val_if_fail (px_server_config_get_secret (config) != NULL, NULL);

  self = g_object_new (PX_TYPE_SERVER, NULL);
  self->config = g_object_ref (config);
  px_reconstruction_scheduler_set_max_frame_bytes (self->reconstruction, px_server_config_get_max_payload (config));
  return self;
}

PxServerConfig *
px_server_get_config (PxServer *self)
{
  return self->config;
}

gboolean
px_server_listen (PxServer  *self,
                  GError   **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  GTlsCertificate *certificate = px_server_config_get_tls_certificate (self->config);
  const char *protocols[] = { PX_WIRE_SUBPROTOCOL, NULL };
  GSList *uris;

  g_return_val_if_fail (self->soup == NULL, FALSE);

  self->soup = soup_server_new ("server-header", "parallax-server/" PACKAGE_VERSION,
                                "tls-certificate", certificate,
                                NULL);
  self->tls = certificate != NULL;
  /* Media is already compressed: permessage-deflate would only cost CPU. */
  soup_server_remove_websocket_extension (self->soup, SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE);

  soup_server_add_handler (self->soup, "/healthz", healthz_cb, self, NULL);
  soup_server_add_handler (self->soup, "/metrics", metrics_cb, self, NULL);
  soup_server_add_handler (self->soup, "/v1/rooms", rooms_handler_cb, self, NULL);
  soup_server_add_websocket_handler (self->soup, "/v1/rooms", NULL, (char **) protocols,
                                     websocket_cb, self, NULL);

  inet = g_inet_address_new_from_string (px_server_config_get_address (self->config));
  address = g_inet_socket_address_new (inet, px_server_config_get_port (self->config));
  if (!soup_server_listen (self->soup, address, self->tls ? SOUP_SERVER_LISTEN_HTTPS : 0, error))
    {
      g_clear_object (&self->soup);
      return FALSE;
    }

  uris = soup_server_get_uris (self->soup);
  if (uris != NULL)
    self->port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  self->tick_source = add_timeout (self, 1000, tick_cb, self);
  return TRUE;
}

guint
px_server_get_port (PxServer *self)
{
  return self->port;
}

char *
px_server_get_url (PxServer *self)
{
  const char *address = px_server_config_get_address (self->config);
  gboolean ipv6 = strchr (address, ':') != NULL;

  return g_strdup_printf ("%s://%s%s%s:%u", self->tls ? "wss" : "ws",
                          ipv6 ? "[" : "", address, ipv6 ? "]" : "", self->port);
}

static gboolean
grace_over_cb (gpointer user_data)
{
  PxServer *self = user_data;
  g_autoptr(GPtrArray) open = g_ptr_array_new ();
  GHashTableIter iter;
  Peer *peer;

  clear_source (&self->grace_source);
  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, (gpointer *) &peer, NULL))
    g_ptr_array_add (open, peer);
  for (guint i = 0; i < open->len; i++)
    peer_close (open->pdata[i], PX_CLOSE_SERVER_DRAINING, "server draining");
  return G_SOURCE_REMOVE;
}

static gboolean
check_drained_idle_cb (gpointer user_data)
{
  check_drained (user_data);
  return G_SOURCE_REMOVE;
}

void
px_server_drain (PxServer *self)
{
  g_autoptr(JsonObject) draining = px_control_object_new (PX_CONTROL_TYPE_DRAINING);
  guint grace = px_server_config_get_drain_grace (self->config);
  g_autoptr(GPtrArray) detached = g_ptr_array_new ();
  GHashTableIter iter;
  Peer *peer;

  g_return_if_fail (PX_IS_SERVER (self));

  if (self->draining)
    return;
  self->draining = TRUE;
  g_message ("Draining: no new joins; closing what is open in %u s", grace);

  /* Nobody can resume on a draining server. */
  g_hash_table_iter_init (&iter, self->participants);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &peer))
    if (peer->connection == NULL)
      g_ptr_array_add (detached, peer);
  for (guint i = 0; i < detached->len; i++)
    {
      peer = detached->pdata[i];
      clear_source (&peer->resume_source);
      peer_remove_from_room (peer, "server-closing");
    }

  json_object_set_int_member (draining, "grace_seconds", grace);
  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, (gpointer *) &peer, NULL))
    peer_send_object (peer, draining);

  self->grace_source = add_timeout (self, grace * 1000, grace_over_cb, self);
  {
    GSource *idle = g_idle_source_new ();

    g_source_set_callback (idle, check_drained_idle_cb, g_object_ref (self), g_object_unref);
    g_source_attach (idle, self->context);
    g_source_unref (idle);
  }
}

gboolean
px_server_is_draining (PxServer *self)
{
  return self->draining;
}

void
px_server_stop (PxServer *self)
{
  g_autoptr(GPtrArray) open = g_ptr_array_new ();
  GHashTableIter iter;
  Peer *peer;

  if (self->stopped)
    return;
  self->stopped = TRUE;

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, (gpointer *) &peer, NULL))
    g_ptr_array_add (open, peer);
  for (guint i = 0; i < open->len; i++)
    {
      peer = open->pdata[i];
      peer_close (peer, PX_CLOSE_GOING_AWAY, "server stopping");
      /* Do not wait for the closing handshake: forget the connection now. */
      forget_connection (peer);
    }

  clear_source (&self->tick_source);
  clear_source (&self->grace_source);
  if (self->soup != NULL)
    {
      soup_server_disconnect (self->soup);
      g_clear_object (&self->soup);
    }
}

guint
px_server_get_n_connections (PxServer *self)
{
  return g_hash_table_size (self->connections);
}

guint
px_server_get_n_rooms (PxServer *self)
{
  return g_hash_table_size (self->rooms);
}

static void
metric_header (GString    *out,
               const char *name,
               const char *type,
               const char *help)
{
  g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
metric_table (GString    *out,
              const char *name,
              const char *label,
              GHashTable *table)
{
  g_autoptr(GList) keys = g_list_sort (g_hash_table_get_keys (table), (GCompareFunc) g_strcmp0);

  for (GList *l = keys; l != NULL; l = l->next)
    g_string_append_printf (out, "%s{%s=\"%s\"} %" G_GSIZE_FORMAT "\n", name, label,
                            (const char *) l->data,
                            GPOINTER_TO_SIZE (g_hash_table_lookup (table, l->data)));
}

char *
px_server_render_metrics (PxServer *self)
{
  GString *out = g_string_new (NULL);
  GHashTableIter iter;
  Peer *peer;
  gsize queued = 0;
  gsize queued_max = 0;
  gsize in_flight = 0;
  guint detached = 0;
  guint64 cumulative = 0;

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, (gpointer *) &peer, NULL))
    {
      gsize bytes = px_send_queue_get_queued_bytes (peer->queue);

      queued += bytes;
      queued_max = MAX (queued_max, bytes);
      in_flight += px_send_queue_get_in_flight (peer->queue);
    }
  g_hash_table_iter_init (&iter, self->participants);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &peer))
    if (peer->connection == NULL)
      detached++;

  metric_header (out, "parallax_rooms", "gauge", "Rooms open now.");
  g_string_append_printf (out, "parallax_rooms %u\n", g_hash_table_size (self->rooms));
  metric_header (out, "parallax_connections", "gauge", "Open WebSocket connections.");
  g_string_append_printf (out, "parallax_connections %u\n", g_hash_table_size (self->connections));
  metric_header (out, "parallax_participants", "gauge",
                 "Participants in rooms, those waiting to resume included.");
  g_string_append_printf (out, "parallax_participants %u\n", g_hash_table_size (self->participants));
  metric_header (out, "parallax_participants_detached", "gauge",
                 "Participants whose connection dropped, within the resume window.");
  g_string_append_printf (out, "parallax_participants_detached %u\n", detached);
  metric_header (out, "parallax_connections_total", "counter", "WebSocket connections accepted.");
  g_string_append_printf (out, "parallax_connections_total %" G_GUINT64_FORMAT "\n",
                          self->connections_total);
  metric_header (out, "parallax_connections_rejected_total", "counter",
                 "Connection attempts refused, by error code.");
  metric_table (out, "parallax_connections_rejected_total", "code", self->rejections);
  metric_header (out, "parallax_connections_closed_total", "counter",
                 "Connections closed, by WebSocket close code.");
  metric_table (out, "parallax_connections_closed_total", "code", self->closes);
  metric_header (out, "parallax_bytes_in_total", "counter", "Media bytes received from publishers.");
  g_string_append_printf (out, "parallax_bytes_in_total %" G_GUINT64_FORMAT "\n", self->bytes_in);
  metric_header (out, "parallax_bytes_out_total", "counter", "Media bytes sent to subscribers.");
  g_string_append_printf (out, "parallax_bytes_out_total %" G_GUINT64_FORMAT "\n", self->bytes_out);
  metric_header (out, "parallax_frames_in_total", "counter", "Media frames received from publishers.");
  g_string_append_printf (out, "parallax_frames_in_total %" G_GUINT64_FORMAT "\n", self->frames_in);
  metric_header (out, "parallax_frames_out_total", "counter", "Media frames sent to subscribers.");
  g_string_append_printf (out, "parallax_frames_out_total %" G_GUINT64_FORMAT "\n", self->frames_out);
  metric_header (out, "parallax_frames_dropped_total", "counter", "Media frames dropped, by reason.");
  for (guint i = 0; i < PX_SEND_DROP_N_REASONS; i++)
    g_string_append_printf (out, "parallax_frames_dropped_total{reason=\"%s\"} %" G_GUINT64_FORMAT "\n",
                            px_send_drop_reason_to_string (i), self->dropped[i]);
  g_string_append_printf (out, "parallax_frames_dropped_total{reason=\"rejected\"} %" G_GUINT64_FORMAT "\n",
                          self->rejected_frames);
  metric_header (out, "parallax_keyframe_requests_total", "counter",
                 "Keyframe requests sent to publishers.");
  g_string_append_printf (out, "parallax_keyframe_requests_total %" G_GUINT64_FORMAT "\n",
                          self->keyframe_requests);
  metric_header (out, "parallax_receiver_reports_total", "counter",
                 "Receiver reports forwarded to publishers.");
  g_string_append_printf (out, "parallax_receiver_reports_total %" G_GUINT64_FORMAT "\n",
                          self->receiver_reports);
  metric_header (out, "parallax_queue_bytes", "gauge", "Bytes waiting in all subscriber queues.");
  g_string_append_printf (out, "parallax_queue_bytes %" G_GSIZE_FORMAT "\n", queued);
  metric_header (out, "parallax_queue_bytes_max", "gauge", "Bytes waiting in the fullest subscriber queue.");
  g_string_append_printf (out, "parallax_queue_bytes_max %" G_GSIZE_FORMAT "\n", queued_max);
  metric_header (out, "parallax_in_flight_bytes", "gauge",
                 "Bytes sent to subscribers and not yet acknowledged.");
  g_string_append_printf (out, "parallax_in_flight_bytes %" G_GSIZE_FORMAT "\n", in_flight);
  metric_header (out, "parallax_draining", "gauge", "1 while the server drains.");
  g_string_append_printf (out, "parallax_draining %d\n", self->draining ? 1 : 0);

  metric_header (out, "parallax_forwarding_delay_seconds", "histogram",
                 "Time a frame waited in a subscriber queue before it was sent.");
  for (guint i = 0; i < N_DELAY_BUCKETS; i++)
    {
      cumulative += self->delay_counts[i];
      g_string_append_printf (out, "parallax_forwarding_delay_seconds_bucket{le=\"%g\"} %" G_GUINT64_FORMAT "\n",
                              delay_buckets[i], cumulative);
    }
  cumulative += self->delay_counts[N_DELAY_BUCKETS];
  g_string_append_printf (out, "parallax_forwarding_delay_seconds_bucket{le=\"+Inf\"} %" G_GUINT64_FORMAT "\n",
                          cumulative);
  g_string_append_printf (out, "parallax_forwarding_delay_seconds_sum %.6f\n", self->delay_sum);
  g_string_append_printf (out, "parallax_forwarding_delay_seconds_count %" G_GUINT64_FORMAT "\n",
                          self->delay_count);
  px_reconstruction_scheduler_render_metrics (self->reconstruction, out);

  return g_string_free (out, FALSE);
}
