/* px-session.c: a client's connection to a Parallax room
 *
 * One SoupSession and, while connected, one SoupWebsocketConnection, all on
 * the thread-default main context of the creator. Connection attempts and
 * reconnections are one state machine:
 *
 *   IDLE → CONNECTING → (welcome) JOINED ⇄ RECONNECTING → … → CLOSED
 *
 * A connection that drops for a reason worth retrying moves to RECONNECTING
 * and tries again after a back-off (doubling, capped, with jitter); a drain
 * close code retries at once. The join message carries the resume secret of
 * the last welcome so that the server can give the participant its place
 * back.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>
#include <libsoup/soup.h>

#include "px-control.h"
#include "px-join-target.h"
#include "px-session-participant-private.h"
#include "px-send-queue.h"
#include "px-session.h"
#include "px-websocket-retire.h"
#include "px-token.h"

#define BACKOFF_FIRST_MS 200
#define BACKOFF_MAX_MS 5000
#define PING_INTERVAL_MS 2000
#define CLOCK_SAMPLES 8
#define ACK_STEP_BYTES (64 * 1024)
#define ACK_DELAY_MS 10
#define SEND_BUDGET_BYTES (4 * 1024 * 1024)
#define DEFAULT_WINDOW_BYTES (1024 * 1024)
/* Until the welcome says otherwise. */
#define DEFAULT_MAX_INCOMING (16 * 1024 * 1024)
#define DEFAULT_IDLE_TIMEOUT_S 30

typedef struct
{
  gint64 offset;
  gint64 round_trip;
} ClockSample;

struct _PxSession
{
  GObject parent_instance;

  char *server_url;
  char *room;
  char *token;
  GTlsDatabase *tls_database;

  SoupSession *soup;
  SoupWebsocketConnection *connection;
  GCancellable *connect_cancellable;
  PxSessionState state;

  GTask *join_task;
  char *resume_secret;
  guint reconnect_attempt;
  GSource *reconnect_source;
  gboolean reconnect_now;

  GListStore *participants;
  GHashTable *by_id;                 /* id → PxSessionParticipant (borrowed from the store) */
  PxSessionParticipant *local;
  gboolean can_publish;

  GArray *streams;                   /* PxSessionStream with owned labels */
  GPtrArray *stream_owners;          /* who announced each of @streams */
  GArray *subscriptions;             /* PxSessionSubscription with a reference */
  gboolean subscribe_all;
  gboolean audio_muted;
  gboolean video_muted;

  PxSendQueue *send_queue;
  guint64 received_bytes;
  guint64 acked_bytes;
  GSource *ack_source;

  GSource *ping_source;
  ClockSample samples[CLOCK_SAMPLES];
  guint n_samples;
  guint next_sample;
  gint64 clock_offset;
  gint64 round_trip;

  gint64 last_received;
  guint idle_timeout_s;
  gsize max_payload;

  GMainContext *context;

  /* Our own streams that lost a frame in the send queue: they need a
   * keyframe, which ::keyframe-requested asks the encoder for (from an idle
   * callback, never from inside px_session_send_frame()). */
  GHashTable *keyframes_needed;
  GSource *keyframe_source;
};

G_DEFINE_FINAL_TYPE (PxSession, px_session, G_TYPE_OBJECT)

G_DEFINE_QUARK (px-session-error-quark, px_session_error)

enum {
  PROP_0,
  PROP_STATE,
  PROP_ROOM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_MEDIA_FRAME,
  SIGNAL_KEYFRAME_REQUESTED,
  SIGNAL_RECEIVER_REPORT,
  SIGNAL_CALIBRATION,
  SIGNAL_SERVER_ERROR,
  SIGNAL_DRAINING,
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void start_connection (PxSession *self);
static void drop_connection  (PxSession *self);

/* ------------------------------------------------------------------------ */
/* Timers: on the creator's thread-default context, like libsoup's sources. */

static GSource *
add_timeout (PxSession   *self,
             guint        interval_ms,
             GSourceFunc  func)
{
  GSource *source = g_timeout_source_new (interval_ms);

  g_source_set_callback (source, func, self, NULL);
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
/* State                                                                    */

static void
set_state (PxSession      *self,
           PxSessionState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
finish_join (PxSession *self,
             GError    *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->join_task);

  if (task == NULL)
    return;
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* Ends the session for good. Takes @error (NULL after a leave). */
static void
close_for_good (PxSession *self,
                GError    *error)
{
  drop_connection (self);
  clear_source (&self->reconnect_source);
  set_state (self, PX_SESSION_STATE_CLOSED);

  if (self->join_task != NULL)
    {
      finish_join (self, error != NULL ? g_error_copy (error)
                                       : g_error_new (PX_SESSION_ERROR, PX_SESSION_ERROR_CLOSED,
                                                      "The session was closed"));
    }
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0, error);
  g_clear_error (&error);
}

static gboolean
reconnect_cb (gpointer user_data)
{
  PxSession *self = user_data;

  clear_source (&self->reconnect_source);
  start_connection (self);
  return G_SOURCE_REMOVE;
}

/* After a failure worth retrying: try again after a back-off. */
static void
schedule_reconnect (PxSession *self,
                    GError    *error)
{
  guint delay;

  drop_connection (self);

  /* A first join that fails does not retry: the caller hears why. */
  if (self->join_task != NULL && self->resume_secret == NULL)
    {
      close_for_good (self, error);
      return;
    }
  g_clear_error (&error);

  set_state (self, PX_SESSION_STATE_RECONNECTING);
  if (self->reconnect_now)
    delay = 0;
  else
    {
      guint shift = MIN (self->reconnect_attempt, 8);

      delay = MIN ((guint) BACKOFF_FIRST_MS << shift, BACKOFF_MAX_MS);
      /* Jitter spreads a room's reconnections after a server restart. */
      delay = delay / 2 + g_random_int_range (0, delay / 2 + 1);
    }
  self->reconnect_now = FALSE;
  self->reconnect_attempt++;
  g_debug ("Reconnecting to %s in %u ms (attempt %u)", self->server_url, delay,
           self->reconnect_attempt);
  clear_source (&self->reconnect_source);
  self->reconnect_source = add_timeout (self, delay, reconnect_cb);
}

/* ------------------------------------------------------------------------ */
/* Sending                                                                  */

static gboolean
is_open (PxSession *self)
{
  return self->connection != NULL &&
         soup_websocket_connection_get_state (self->connection) == SOUP_WEBSOCKET_STATE_OPEN;
}

static void
send_object (PxSession  *self,
             JsonObject *object)
{
  g_autofree char *text = NULL;

  if (!is_open (self))
    return;
  text = px_control_to_string (object);
  soup_websocket_connection_send_text (self->connection, text);
}

static void
pump (PxSession *self)
{
  GBytes *frame;

  if (!is_open (self) || self->state != PX_SESSION_STATE_JOINED)
    return;
  while ((frame = px_send_queue_pop (self->send_queue, NULL)) != NULL)
    {
      soup_websocket_connection_send_message (self->connection, SOUP_WEBSOCKET_DATA_BINARY, frame);
      g_bytes_unref (frame);
    }
}

static gboolean
keyframes_needed_cb (gpointer user_data)
{
  PxSession *self = user_data;
  g_autoptr(GList) streams = g_hash_table_get_keys (self->keyframes_needed);

  clear_source (&self->keyframe_source);
  g_hash_table_remove_all (self->keyframes_needed);
  for (GList *l = streams; l != NULL; l = l->next)
    g_signal_emit (self, signals[SIGNAL_KEYFRAME_REQUESTED], 0, GPOINTER_TO_UINT (l->data), 0);
  return G_SOURCE_REMOVE;
}

static void
send_queue_drop_cb (guint64          stream_key,
                    guint            kind,
                    PxSendDropReason reason,
                    gpointer         user_data)
{
  PxSession *self = user_data;

  if (px_wire_kind_is_audio (kind))
    return;
  g_hash_table_add (self->keyframes_needed, GUINT_TO_POINTER ((guint) stream_key));
  if (self->keyframe_source == NULL)
    self->keyframe_source = add_timeout (self, 0, keyframes_needed_cb);
}

static void
send_publish (PxSession *self)
{
  g_autoptr(JsonObject) object = px_control_object_new (PX_CONTROL_TYPE_PUBLISH);
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < self->streams->len; i++)
    {
      PxSessionStream *stream = &g_array_index (self->streams, PxSessionStream, i);
      JsonObject *description = json_object_new ();

      json_object_set_int_member (description, "stream", stream->stream);
      json_object_set_string_member (description, "kind", px_wire_kind_to_string (stream->kind));
      if (stream->label != NULL)
        json_object_set_string_member (description, "label", stream->label);
      json_array_add_object_element (array, description);
    }
  json_object_set_array_member (object, "streams", array);
  send_object (self, object);
}

static void
send_subscribe (PxSession *self)
{
  g_autoptr(JsonObject) object = px_control_object_new (PX_CONTROL_TYPE_SUBSCRIBE);
  JsonArray *array;

  if (self->subscribe_all)
    {
      json_object_set_boolean_member (object, "all", TRUE);
      send_object (self, object);
      return;
    }

  /* Forget those who left; the others go under their current ids. */
  for (guint i = self->subscriptions->len; i > 0; i--)
    {
      PxSessionSubscription *subscription = &g_array_index (self->subscriptions, PxSessionSubscription, i - 1);
      guint position;

      if (!g_list_store_find (self->participants, subscription->participant, &position))
        g_array_remove_index (self->subscriptions, i - 1);
    }

  array = json_array_new ();
  for (guint i = 0; i < self->subscriptions->len; i++)
    {
      PxSessionSubscription *subscription = &g_array_index (self->subscriptions, PxSessionSubscription, i);
      JsonObject *entry = json_object_new ();

      json_object_set_int_member (entry, "participant",
                                  px_session_participant_get_id (subscription->participant));
      json_object_set_int_member (entry, "stream", subscription->stream);
      json_array_add_object_element (array, entry);
    }
  json_object_set_array_member (object, "streams", array);
  send_object (self, object);
}

static void
send_mute (PxSession *self)
{
  g_autoptr(JsonObject) object = px_control_object_new (PX_CONTROL_TYPE_MUTE);

  json_object_set_boolean_member (object, "audio", self->audio_muted);
  json_object_set_boolean_member (object, "video", self->video_muted);
  send_object (self, object);
}

static void
send_ping (PxSession *self)
{
  g_autoptr(JsonObject) object = px_control_object_new (PX_CONTROL_TYPE_PING);

  json_object_set_int_member (object, "t0", g_get_monotonic_time ());
  send_object (self, object);
}

static gboolean
ping_cb (gpointer user_data)
{
  PxSession *self = user_data;
  gint64 silent = g_get_monotonic_time () - self->last_received;

  /* The server answers every ping: silence this long means a dead link. */
  if (silent > (gint64) self->idle_timeout_s * G_USEC_PER_SEC)
    {
      clear_source (&self->ping_source);
      schedule_reconnect (self, g_error_new (PX_SESSION_ERROR, PX_SESSION_ERROR_UNREACHABLE,
                                             "The server stopped answering"));
      return G_SOURCE_REMOVE;
    }

  send_ping (self);
  return G_SOURCE_CONTINUE;
}

static void
send_ack (PxSession *self)
{
  g_autoptr(JsonObject) object = px_control_object_new (PX_CONTROL_TYPE_ACK);

  clear_source (&self->ack_source);
  json_object_set_int_member (object, "bytes", self->received_bytes);
  self->acked_bytes = self->received_bytes;
  send_object (self, object);
}

static gboolean
ack_cb (gpointer user_data)
{
  PxSession *self = user_data;

  clear_source (&self->ack_source);
  send_ack (self);
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------------ */
/* Receiving                                                                */

static PxSessionParticipant *
add_participant (PxSession  *self,
                 JsonObject *description)
{
  guint32 id = json_object_get_int_member_with_default (description, "id", 0);
  PxSessionParticipant *participant;

  if (id == 0)
    return NULL;

  participant = g_hash_table_lookup (self->by_id, GUINT_TO_POINTER (id));
  if (participant == NULL)
    {
      g_autoptr(PxSessionParticipant) created = px_session_participant_new (id, FALSE);

      px_session_participant_update (created, description);
      g_hash_table_insert (self->by_id, GUINT_TO_POINTER (id), created);
      g_list_store_append (self->participants, created);
      return created;
    }
  px_session_participant_update (participant, description);
  return participant;
}

static void
remove_participant (PxSession *self,
                    guint32    id)
{
  PxSessionParticipant *participant = g_hash_table_lookup (self->by_id, GUINT_TO_POINTER (id));
  guint position;

  if (participant == NULL || participant == self->local)
    return;
  g_hash_table_remove (self->by_id, GUINT_TO_POINTER (id));
  if (g_list_store_find (self->participants, participant, &position))
    g_list_store_remove (self->participants, position);
}

static void
handle_welcome (PxSession        *self,
                PxControlMessage *message)
{
  JsonArray *others = json_object_get_array_member (message->object, "participants");
  gboolean resumed = px_control_get_bool (message, "resumed", FALSE);
  g_autoptr(GHashTable) present = g_hash_table_new (NULL, NULL);
  guint32 local_id = px_control_get_int (message, "participant", 0);
  gint64 max_payload = px_control_get_int (message, "max_payload_bytes", DEFAULT_MAX_INCOMING);
  gint64 window = px_control_get_int (message, "window_bytes", DEFAULT_WINDOW_BYTES);
  gint64 idle = px_control_get_int (message, "idle_timeout_seconds", DEFAULT_IDLE_TIMEOUT_S);

  g_free (self->resume_secret);
  self->resume_secret = g_strdup (px_control_get_string (message, "resume", ""));
  self->can_publish = px_control_get_bool (message, "can_publish", FALSE);
  self->idle_timeout_s = CLAMP (idle, 2, 86400);

  if (max_payload > PX_WIRE_HEADER_SIZE && max_payload <= G_MAXINT32)
    {
      soup_websocket_connection_set_max_incoming_payload_size (self->connection, max_payload);
      self->max_payload = max_payload;
    }
  px_send_queue_free (self->send_queue);
  self->send_queue = px_send_queue_new (SEND_BUDGET_BYTES, CLAMP (window, 65536, 64 * 1024 * 1024));
  px_send_queue_set_drop_func (self->send_queue, send_queue_drop_cb, self);

  /* Reconcile the roster by identity, which the server keeps unique in a
   * room: after a resume, and even after a fresh join on a restarted
   * server (new ids), the same people keep the same objects, so that
   * widgets bound to them stay. Ids are rebuilt from the welcome. */
  g_hash_table_remove_all (self->by_id);
  px_session_participant_set_id (self->local, local_id);
  px_session_participant_set_identity (self->local, px_control_get_string (message, "identity", ""));
  px_session_participant_set_name (self->local, px_control_get_string (message, "name", ""));
  px_session_participant_set_publisher (self->local, self->can_publish);
  g_hash_table_insert (self->by_id, GUINT_TO_POINTER (local_id), self->local);

  for (guint i = 0; i < json_array_get_length (others); i++)
    {
      JsonNode *node = json_array_get_element (others, i);
      JsonObject *description;
      const char *identity;
      guint32 id;
      PxSessionParticipant *participant = NULL;
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->participants));

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      description = json_node_get_object (node);
      identity = json_object_get_string_member_with_default (description, "identity", "");
      id = json_object_get_int_member_with_default (description, "id", 0);
      if (id == 0 || id == local_id)
        continue;

      for (guint j = 1; j < n && participant == NULL; j++)
        {
          g_autoptr(PxSessionParticipant) candidate = g_list_model_get_item (G_LIST_MODEL (self->participants), j);

          if (g_str_equal (px_session_participant_get_identity (candidate), identity) &&
              !g_hash_table_contains (present, candidate))
            participant = candidate;
        }
      if (participant != NULL)
        {
          px_session_participant_set_id (participant, id);
          px_session_participant_update (participant, description);
          g_hash_table_insert (self->by_id, GUINT_TO_POINTER (id), participant);
        }
      else
        participant = add_participant (self, description);
      g_hash_table_add (present, participant);
    }

  for (guint j = g_list_model_get_n_items (G_LIST_MODEL (self->participants)); j > 1; j--)
    {
      g_autoptr(PxSessionParticipant) candidate = g_list_model_get_item (G_LIST_MODEL (self->participants), j - 1);

      if (!g_hash_table_contains (present, candidate))
        g_list_store_remove (self->participants, j - 1);
    }
  self->reconnect_attempt = 0;
  set_state (self, PX_SESSION_STATE_JOINED);

  /* Ids may have changed with a fresh join: choose the streams again. */
  if (!self->subscribe_all)
    send_subscribe (self);

  /* What the server forgot with a lost place, tell it again. */
  if (!resumed)
    {
      if (self->streams->len > 0 && self->can_publish)
        send_publish (self);
      if (self->audio_muted || self->video_muted)
        send_mute (self);
    }

  /* A few pings at once give a clock estimate straight away. */
  for (guint i = 0; i < 3; i++)
    send_ping (self);
  clear_source (&self->ping_source);
  self->ping_source = add_timeout (self, PING_INTERVAL_MS, ping_cb);

  g_debug ("%s room %s as participant %u", resumed ? "Resumed" : "Joined", self->room, local_id);
  finish_join (self, NULL);
}

static void
handle_pong (PxSession        *self,
             PxControlMessage *message)
{
  gint64 t3 = g_get_monotonic_time ();
  gint64 t0 = px_control_get_int (message, "t0", 0);
  gint64 t1 = px_control_get_int (message, "t1", 0);
  gint64 t2 = px_control_get_int (message, "t2", 0);
  ClockSample sample;
  guint best = 0;

  if (t0 <= 0 || t0 > t3 || t2 < t1)
    return;

  /* NTP's estimate; the sample with the shortest round trip is the least
   * disturbed by queueing, so it wins among the recent ones. */
  sample.offset = ((t1 - t0) + (t2 - t3)) / 2;
  sample.round_trip = (t3 - t0) - (t2 - t1);
  self->samples[self->next_sample] = sample;
  self->next_sample = (self->next_sample + 1) % CLOCK_SAMPLES;
  self->n_samples = MIN (self->n_samples + 1, CLOCK_SAMPLES);

  for (guint i = 1; i < self->n_samples; i++)
    if (self->samples[i].round_trip < self->samples[best].round_trip)
      best = i;
  self->clock_offset = self->samples[best].offset;
  self->round_trip = self->samples[best].round_trip;
}

static GError *
error_from_code (const char *code,
                 const char *message)
{
  static const struct
  {
    const char *code;
    PxSessionError error;
  } codes[] = {
    { "token-missing", PX_SESSION_ERROR_UNAUTHORIZED },
    { "token-malformed", PX_SESSION_ERROR_UNAUTHORIZED },
    { "token-algorithm", PX_SESSION_ERROR_UNAUTHORIZED },
    { "token-signature", PX_SESSION_ERROR_UNAUTHORIZED },
    { "token-claims", PX_SESSION_ERROR_UNAUTHORIZED },
    { "token-expired", PX_SESSION_ERROR_TOKEN_EXPIRED },
    { "wrong-room", PX_SESSION_ERROR_WRONG_ROOM },
    { "room-full", PX_SESSION_ERROR_ROOM_FULL },
    { "too-many-connections", PX_SESSION_ERROR_RATE_LIMITED },
    { "too-many-joins", PX_SESSION_ERROR_RATE_LIMITED },
    { "server-draining", PX_SESSION_ERROR_SERVER_DRAINING },
    { "not-allowed", PX_SESSION_ERROR_NOT_ALLOWED },
    { "unknown-room-path", PX_SESSION_ERROR_INVALID_URL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    if (g_strcmp0 (code, codes[i].code) == 0)
      return g_error_new (PX_SESSION_ERROR, codes[i].error, "%s (%s)",
                          message ? message : "Refused by the server", code);
  return g_error_new (PX_SESSION_ERROR, PX_SESSION_ERROR_FAILED, "%s (%s)",
                      message ? message : "Refused by the server", code ? code : "unknown");
}

static void
handle_control (PxSession *self,
                GBytes    *bytes)
{
  g_autoptr(PxControlMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  gsize size;
  const char *text = g_bytes_get_data (bytes, &size);

  message = px_control_parse (text, size, &error);
  if (message == NULL)
    {
      g_warning ("Ignoring a malformed message from the server: %s", error->message);
      return;
    }

  switch (message->type)
    {
    case PX_CONTROL_TYPE_WELCOME:
      handle_welcome (self, message);
      break;

    case PX_CONTROL_TYPE_JOINED:
    case PX_CONTROL_TYPE_UPDATED:
      {
        JsonObject *description = json_object_get_object_member (message->object, "participant");
        guint32 id = json_object_get_int_member_with_default (description, "id", 0);

        if (id != 0 && id != px_session_participant_get_id (self->local))
          add_participant (self, description);
      }
      break;

    case PX_CONTROL_TYPE_LEFT:
      remove_participant (self, px_control_get_int (message, "participant", 0));
      break;

    case PX_CONTROL_TYPE_KEYFRAME_REQUEST:
      g_signal_emit (self, signals[SIGNAL_KEYFRAME_REQUESTED], 0,
                     (guint) px_control_get_int (message, "stream", 0),
                     (guint) px_control_get_int (message, "participant", 0));
      break;

    case PX_CONTROL_TYPE_RECEIVER_REPORT:
      {
        PxSessionParticipant *from = g_hash_table_lookup (self->by_id,
                                                          GUINT_TO_POINTER (px_control_get_int (message, "participant", 0)));

        if (from != NULL)
          g_signal_emit (self, signals[SIGNAL_RECEIVER_REPORT], 0, from,
                         (guint) px_control_get_int (message, "stream", 0),
                         px_control_get_double (message, "loss", 0.0),
                         (guint) px_control_get_int (message, "jitter_ms", 0));
      }
      break;

    case PX_CONTROL_TYPE_CALIBRATION:
      {
        PxSessionParticipant *from = g_hash_table_lookup (self->by_id,
                                                   GUINT_TO_POINTER (px_control_get_int (message, "participant", 0)));

        JsonObject *data = json_object_get_object_member (message->object, "data");

        if (from != NULL)
          {
            px_session_participant_set_calibration (from, data);
            g_signal_emit (self, signals[SIGNAL_CALIBRATION], 0, from, data);
          }
      }
      break;

    case PX_CONTROL_TYPE_PONG:
      handle_pong (self, message);
      break;

    case PX_CONTROL_TYPE_ACK:
      if (!px_send_queue_ack (self->send_queue, px_control_get_int (message, "bytes", 0)))
        g_warning ("The server acknowledged more bytes than were sent");
      pump (self);
      break;

    case PX_CONTROL_TYPE_ERROR:
      {
        g_autoptr(GError) server_error = error_from_code (px_control_get_string (message, "code", NULL),
                                                          px_control_get_string (message, "message", NULL));

        g_signal_emit (self, signals[SIGNAL_SERVER_ERROR], 0, server_error);
      }
      break;

    case PX_CONTROL_TYPE_DRAINING:
      g_signal_emit (self, signals[SIGNAL_DRAINING], 0,
                     (guint) CLAMP (px_control_get_int (message, "grace_seconds", 0), 0, G_MAXUINT));
      break;

    case PX_CONTROL_TYPE_JOIN:
    case PX_CONTROL_TYPE_PUBLISH:
    case PX_CONTROL_TYPE_MUTE:
    case PX_CONTROL_TYPE_PING:
    case PX_CONTROL_TYPE_LEAVE:
    case PX_CONTROL_TYPE_SUBSCRIBE:
    default:
      g_debug ("Ignoring a %s message from the server", px_control_type_to_string (message->type));
      break;
    }
}

static void
handle_binary (PxSession *self,
               GBytes    *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) payload = NULL;
  PxWireHeader header;
  PxSessionParticipant *from;
  gsize size;
  const guint8 *data = g_bytes_get_data (message, &size);

  self->received_bytes += size;
  if (self->received_bytes - self->acked_bytes >= ACK_STEP_BYTES)
    send_ack (self);
  else if (self->ack_source == NULL)
    self->ack_source = add_timeout (self, ACK_DELAY_MS, ack_cb);

  if (!px_wire_header_parse (data, size, &header, &error))
    {
      g_warning ("Ignoring a malformed frame from the server: %s", error->message);
      return;
    }
  from = g_hash_table_lookup (self->by_id, GUINT_TO_POINTER (header.participant));
  if (from == NULL || from == self->local)
    return;

  payload = g_bytes_new_from_bytes (message, PX_WIRE_HEADER_SIZE, header.payload_length);
  g_signal_emit (self, signals[SIGNAL_MEDIA_FRAME], 0, from, (guint) header.kind,
                 (guint) header.stream, (guint) header.flags, (guint) header.sequence,
                 px_session_to_local_time (self, header.capture_time), payload);
}

static void
message_cb (SoupWebsocketConnection *connection,
            gint                     type,
            GBytes                  *message,
            PxSession               *self)
{
  self->last_received = g_get_monotonic_time ();
  if (type == SOUP_WEBSOCKET_DATA_TEXT)
    handle_control (self, message);
  else if (self->state == PX_SESSION_STATE_JOINED)
    handle_binary (self, message);
}

static void
closed_cb (SoupWebsocketConnection *connection,
           PxSession               *self)
{
  gushort code = soup_websocket_connection_get_close_code (connection);
  const char *reason = soup_websocket_connection_get_close_data (connection);
  GError *error;

  g_debug ("Connection closed with %u: %s", code, reason ? reason : "");

  switch (code)
    {
    case 4003:
      close_for_good (self, g_error_new (PX_SESSION_ERROR, PX_SESSION_ERROR_REPLACED,
                                         "The same identity joined the room from elsewhere"));
      return;
    case 4001:
      close_for_good (self, g_error_new (PX_SESSION_ERROR, PX_SESSION_ERROR_NOT_ALLOWED,
                                         "The server refused to let this participant publish"));
      return;
    case 4000:
      close_for_good (self, g_error_new (PX_SESSION_ERROR, PX_SESSION_ERROR_PROTOCOL,
                                         "The server reported a protocol error: %s",
                                         reason ? reason : ""));
      return;
    case 4006:
      close_for_good (self, g_error_new (PX_SESSION_ERROR, PX_SESSION_ERROR_ROOM_FULL,
                                         "The room is full"));
      return;
    case 1000:
      close_for_good (self, g_error_new (PX_SESSION_ERROR, PX_SESSION_ERROR_CLOSED,
                                         "The server ended the session"));
      return;
    case 4100:
      /* Drain: move now; the back-off starts from scratch. */
      self->reconnect_now = TRUE;
      self->reconnect_attempt = 0;
      error = g_error_new (PX_SESSION_ERROR, PX_SESSION_ERROR_SERVER_DRAINING,
                           "The server is shutting down");
      break;
    default:
      error = g_error_new (PX_SESSION_ERROR, PX_SESSION_ERROR_UNREACHABLE,
                           "The connection to the server was lost (%u)", code);
      break;
    }

  schedule_reconnect (self, error);
}

/* ------------------------------------------------------------------------ */
/* Connecting                                                               */

static void
drop_connection (PxSession *self)
{
  g_cancellable_cancel (self->connect_cancellable);
  g_clear_object (&self->connect_cancellable);
  clear_source (&self->ping_source);
  clear_source (&self->ack_source);

  if (self->connection != NULL)
    {
      SoupWebsocketConnection *connection = g_steal_pointer (&self->connection);

      g_signal_handlers_disconnect_by_data (connection, self);
      if (soup_websocket_connection_get_state (connection) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (connection, 1000, NULL);
      /* What is still queued ("leave") goes out before it is freed. */
      px_websocket_retire (connection);
    }
  px_send_queue_reset (self->send_queue);
  self->received_bytes = 0;
  self->acked_bytes = 0;
}

static void
send_join (PxSession *self)
{
  g_autoptr(JsonObject) join = px_control_object_new (PX_CONTROL_TYPE_JOIN);

  if (self->resume_secret != NULL)
    json_object_set_string_member (join, "resume", self->resume_secret);
  send_object (self, join);
}

static void
connect_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(PxSession) self = user_data;
  g_autoptr(GError) error = NULL;
  SoupMessage *message = g_object_get_data (G_OBJECT (self), "px-connecting-message");
  SoupWebsocketConnection *connection;
  guint status;

  connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_object (&self->connect_cancellable);

  if (connection == NULL)
    {
      const char *code = NULL;

      status = message ? soup_message_get_status (message) : 0;
      if (message != NULL)
        code = soup_message_headers_get_one (soup_message_get_response_headers (message),
                                             "Parallax-Error");
      if (code != NULL)
        {
          GError *refused = error_from_code (code, soup_message_get_reason_phrase (message));

          /* Waiting cannot fix a token or a room; a busy or draining server can. */
          if (status == SOUP_STATUS_UNAUTHORIZED || status == SOUP_STATUS_FORBIDDEN ||
              status == SOUP_STATUS_NOT_FOUND)
            close_for_good (self, refused);
          else
            schedule_reconnect (self, refused);
        }
      else if (message != NULL && soup_message_get_tls_peer_certificate_errors (message) != 0)
        /* Trying again would meet the same certificate. */
        close_for_good (self, g_error_new (PX_SESSION_ERROR, PX_SESSION_ERROR_CERTIFICATE,
                                           "The certificate of %s is not trusted: %s",
                                           self->server_url,
                                           error ? error->message : "no reason given"));
      else
        schedule_reconnect (self, g_error_new (PX_SESSION_ERROR, PX_SESSION_ERROR_UNREACHABLE,
                                               "Cannot reach %s: %s", self->server_url,
                                               error ? error->message : "no WebSocket"));
      return;
    }

  self->connection = connection;
  self->last_received = g_get_monotonic_time ();
  soup_websocket_connection_set_max_incoming_payload_size (connection, DEFAULT_MAX_INCOMING);
  soup_websocket_connection_set_keepalive_interval (connection, 10);
  g_signal_connect (connection, "message", G_CALLBACK (message_cb), self);
  g_signal_connect (connection, "closed", G_CALLBACK (closed_cb), self);
  send_join (self);
  /* Until the welcome, the liveness check guards the join as well. */
  clear_source (&self->ping_source);
  self->ping_source = add_timeout (self, PING_INTERVAL_MS, ping_cb);
}

static char *
http_url (PxSession  *self,
          GError    **error)
{
  g_autoptr(GUri) uri = g_uri_parse (self->server_url, G_URI_FLAGS_NONE, NULL);
  const char *scheme;
  const char *http_scheme;
  int port;

  if (uri == NULL || g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    {
      g_set_error (error, PX_SESSION_ERROR, PX_SESSION_ERROR_INVALID_URL,
                   "“%s” is not a server address", self->server_url);
      return NULL;
    }
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "ws") == 0 || g_ascii_strcasecmp (scheme, "http") == 0)
    http_scheme = "http";
  else if (g_ascii_strcasecmp (scheme, "wss") == 0 || g_ascii_strcasecmp (scheme, "https") == 0)
    http_scheme = "https";
  else
    {
      g_set_error (error, PX_SESSION_ERROR, PX_SESSION_ERROR_INVALID_URL,
                   "“%s” is not a ws:// or wss:// address", self->server_url);
      return NULL;
    }

  port = g_uri_get_port (uri);
  return g_uri_join (G_URI_FLAGS_NONE, http_scheme, NULL, g_uri_get_host (uri), port,
                     "/v1/rooms/", NULL, NULL);
}

static void
start_connection (PxSession *self)
{
  g_autofree char *base = NULL;
  g_autofree char *url = NULL;
  g_autofree char *authorization = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupMessage) message = NULL;
  const char *protocols[] = { PX_WIRE_SUBPROTOCOL, NULL };

  base = http_url (self, &error);
  if (base == NULL)
    {
      close_for_good (self, g_steal_pointer (&error));
      return;
    }
  url = g_strconcat (base, self->room, NULL);
  message = soup_message_new ("GET", url);
  if (message == NULL)
    {
      close_for_good (self, g_error_new (PX_SESSION_ERROR, PX_SESSION_ERROR_INVALID_URL,
                                         "“%s” is not a valid room address", url));
      return;
    }
  authorization = g_strconcat ("Bearer ", self->token, NULL);
  soup_message_headers_replace (soup_message_get_request_headers (message),
                                "Authorization", authorization);

  if (self->state != PX_SESSION_STATE_RECONNECTING)
    set_state (self, PX_SESSION_STATE_CONNECTING);

  self->connect_cancellable = g_cancellable_new ();
  /* The callback reads a refusal's status and Parallax-Error from it. */
  g_object_set_data_full (G_OBJECT (self), "px-connecting-message", g_object_ref (message),
                          g_object_unref);
  soup_session_websocket_connect_async (self->soup, message, NULL, (char **) protocols,
                                        G_PRIORITY_DEFAULT, self->connect_cancellable,
                                        connect_cb, g_object_ref (self));
}

/* ------------------------------------------------------------------------ */
/* GObject                                                                  */

static void
px_session_dispose (GObject *object)
{
  PxSession *self = PX_SESSION (object);

  drop_connection (self);
  clear_source (&self->reconnect_source);
  clear_source (&self->keyframe_source);
  g_clear_object (&self->soup);

  G_OBJECT_CLASS (px_session_parent_class)->dispose (object);
}

static void
stream_clear (PxSessionStream *stream)
{
  g_free ((char *) stream->label);
}

static void
subscription_clear (PxSessionSubscription *subscription)
{
  g_clear_object (&subscription->participant);
}

static void
px_session_finalize (GObject *object)
{
  PxSession *self = PX_SESSION (object);

  g_free (self->server_url);
  g_free (self->room);
  if (self->token != NULL)
    explicit_bzero (self->token, strlen (self->token));
  g_free (self->token);
  g_free (self->resume_secret);
  g_clear_object (&self->tls_database);
  g_clear_object (&self->participants);
  g_clear_object (&self->local);
  g_hash_table_unref (self->by_id);
  g_array_unref (self->streams);
  g_ptr_array_unref (self->stream_owners);
  g_array_unref (self->subscriptions);
  px_send_queue_free (self->send_queue);
  g_hash_table_unref (self->keyframes_needed);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (px_session_parent_class)->finalize (object);
}

static void
px_session_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  PxSession *self = PX_SESSION (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_ROOM:
      g_value_set_string (value, self->room);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
px_session_class_init (PxSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = px_session_dispose;
  object_class->finalize = px_session_finalize;
  object_class->get_property = px_session_get_property;

  /* A PxSessionState. */
  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL,
                      PX_SESSION_STATE_IDLE, PX_SESSION_STATE_CLOSED, PX_SESSION_STATE_IDLE,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ROOM] =
    g_param_spec_string ("room", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PxSession::media-frame:
   * @participant: who published it
   * @kind: a PxWireKind
   * @stream: the publisher's stream number
   * @flags: PxWireFlags
   * @sequence: the publisher's sequence number
   * @capture_time: capture time on this machine's monotonic clock
   * @payload: the frame's bytes (header removed)
   */
  signals[SIGNAL_MEDIA_FRAME] =
    g_signal_new ("media-frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 7,
                  PX_TYPE_SESSION_PARTICIPANT, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_UINT,
                  G_TYPE_INT64, G_TYPE_BYTES);

  /**
   * PxSession::keyframe-requested:
   * @stream: the local stream that needs a keyframe
   * @requester: the participant that asked, or 0 when this session had to
   *   drop a frame of the stream itself (its send queue was congested)
   */
  signals[SIGNAL_KEYFRAME_REQUESTED] =
    g_signal_new ("keyframe-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);

  /**
   * PxSession::receiver-report:
   * @reporter: who receives the stream
   * @stream: the local stream it reports on
   * @loss: fraction of its packets lost or too late lately, 0–1
   * @jitter_ms: spread of their transit times
   */
  signals[SIGNAL_RECEIVER_REPORT] =
    g_signal_new ("receiver-report", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 4,
                  PX_TYPE_SESSION_PARTICIPANT, G_TYPE_UINT, G_TYPE_DOUBLE, G_TYPE_UINT);

  /**
   * PxSession::calibration:
   * @participant: who sent it
   * @data: the JsonObject it sent
   */
  signals[SIGNAL_CALIBRATION] =
    g_signal_new ("calibration", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, PX_TYPE_SESSION_PARTICIPANT, JSON_TYPE_OBJECT);

  /**
   * PxSession::server-error:
   * @error: a PX_SESSION_ERROR the server reported; the session goes on
   */
  signals[SIGNAL_SERVER_ERROR] =
    g_signal_new ("server-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);

  /**
   * PxSession::draining:
   * @grace_seconds: how long the server keeps the room open
   *
   * The server is shutting down; the session moves by itself when it closes.
   */
  signals[SIGNAL_DRAINING] =
    g_signal_new ("draining", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  /**
   * PxSession::closed:
   * @error: (nullable): why, or NULL after px_session_leave()
   *
   * The session is over and will not reconnect.
   */
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
px_session_init (PxSession *self)
{
  self->participants = g_list_store_new (PX_TYPE_SESSION_PARTICIPANT);
  self->by_id = g_hash_table_new (NULL, NULL);
  self->local = px_session_participant_new (0, TRUE);
  g_list_store_append (self->participants, self->local);
  self->streams = g_array_new (FALSE, TRUE, sizeof (PxSessionStream));
  g_array_set_clear_func (self->streams, (GDestroyNotify) stream_clear);
  self->stream_owners = g_ptr_array_new ();
  self->subscriptions = g_array_new (FALSE, TRUE, sizeof (PxSessionSubscription));
  g_array_set_clear_func (self->subscriptions, (GDestroyNotify) subscription_clear);
  self->subscribe_all = TRUE;
  self->send_queue = px_send_queue_new (SEND_BUDGET_BYTES, DEFAULT_WINDOW_BYTES);
  px_send_queue_set_drop_func (self->send_queue, send_queue_drop_cb, self);
  self->keyframes_needed = g_hash_table_new (NULL, NULL);
  self->idle_timeout_s = DEFAULT_IDLE_TIMEOUT_S;
  self->max_payload = 1024 * 1024;
  self->context = g_main_context_ref_thread_default ();

  /* Media is already compressed: no permessage-deflate, no extensions. */
  self->soup = soup_session_new_with_options ("user-agent", "Parallax/" PACKAGE_VERSION, NULL);
  soup_session_remove_feature_by_type (self->soup, SOUP_TYPE_WEBSOCKET_EXTENSION_MANAGER);
}

PxSession *
px_session_new (const char *server_url,
                const char *room,
                const char *token)
{
  PxSession *self;

  g_return_val_if_fail (server_url != NULL, NULL);
  g_return_val_if_fail (room != NULL, NULL);

  self = g_object_new (PX_TYPE_SESSION, NULL);
  self->server_url = g_strdup (server_url);
  self->room = g_strdup (room);
  self->token = g_strdup (token ? token : "");
  return self;
}

void
px_session_set_tls_database (PxSession    *self,
                             GTlsDatabase *database)
{
  g_return_if_fail (PX_IS_SESSION (self));

  g_set_object (&self->tls_database, database);
  g_object_set (self->soup, "tls-database", database, NULL);
}

void
px_session_join_async (PxSession           *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (PX_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, px_session_join_async);

  if (self->state != PX_SESSION_STATE_IDLE || self->join_task != NULL)
    {
      g_task_return_new_error (task, PX_SESSION_ERROR, PX_SESSION_ERROR_FAILED,
                               "This session has already joined");
      return;
    }
  if (!px_join_target_check_room (self->room, &error))
    {
      g_task_return_new_error (task, PX_SESSION_ERROR, PX_SESSION_ERROR_INVALID_ROOM,
                               "%s", error->message);
      return;
    }

  self->join_task = g_steal_pointer (&task);
  start_connection (self);
}

gboolean
px_session_join_finish (PxSession     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
px_session_leave (PxSession *self)
{
  g_autoptr(JsonObject) leave = px_control_object_new (PX_CONTROL_TYPE_LEAVE);

  g_return_if_fail (PX_IS_SESSION (self));

  if (self->state == PX_SESSION_STATE_CLOSED)
    return;
  /* The server closes with 1000 after "leave"; we do not wait for it. */
  send_object (self, leave);
  close_for_good (self, NULL);
}

PxSessionState
px_session_get_state (PxSession *self)
{
  g_return_val_if_fail (PX_IS_SESSION (self), PX_SESSION_STATE_CLOSED);
  return self->state;
}

const char *
px_session_get_room (PxSession *self)
{
  g_return_val_if_fail (PX_IS_SESSION (self), NULL);
  return self->room;
}

GListModel *
px_session_get_participants (PxSession *self)
{
  g_return_val_if_fail (PX_IS_SESSION (self), NULL);
  return G_LIST_MODEL (self->participants);
}

PxSessionParticipant *
px_session_get_local_participant (PxSession *self)
{
  g_return_val_if_fail (PX_IS_SESSION (self), NULL);
  return self->local;
}

PxSessionParticipant *
px_session_lookup_participant (PxSession *self,
                               guint32    id)
{
  g_return_val_if_fail (PX_IS_SESSION (self), NULL);
  return g_hash_table_lookup (self->by_id, GUINT_TO_POINTER (id));
}

gboolean
px_session_set_streams (PxSession              *self,
                        const PxSessionStream  *streams,
                        guint                   n_streams,
                        GError                **error)
{
  return px_session_set_streams_for (self, NULL, streams, n_streams, error);
}

gboolean
px_session_set_streams_for (PxSession              *self,
                            gconstpointer           owner,
                            const PxSessionStream  *streams,
                            guint                   n_streams,
                            GError                **error)
{
  g_return_val_if_fail (PX_IS_SESSION (self), FALSE);

  for (guint i = 0; i < n_streams; i++)
    {
      if (streams[i].kind < PX_WIRE_KIND_VIDEO || streams[i].kind > PX_WIRE_KIND_LAST)
        {
          g_set_error (error, PX_SESSION_ERROR, PX_SESSION_ERROR_FAILED,
                       "Stream %u has an unknown kind", streams[i].stream);
          return FALSE;
        }
      for (guint j = 0; j < self->streams->len; j++)
        {
          if (g_ptr_array_index (self->stream_owners, j) != owner &&
              g_array_index (self->streams, PxSessionStream, j).stream == streams[i].stream)
            {
              g_set_error (error, PX_SESSION_ERROR, PX_SESSION_ERROR_FAILED,
                           "Stream %u is announced already", streams[i].stream);
              return FALSE;
            }
        }
    }
  if (self->state == PX_SESSION_STATE_JOINED && !self->can_publish && n_streams > 0)
    {
      g_set_error (error, PX_SESSION_ERROR, PX_SESSION_ERROR_NOT_ALLOWED,
                   "This participant may not publish");
      return FALSE;
    }

  for (guint j = self->streams->len; j > 0; j--)
    {
      if (g_ptr_array_index (self->stream_owners, j - 1) == owner)
        {
          g_array_remove_index (self->streams, j - 1);
          g_ptr_array_remove_index (self->stream_owners, j - 1);
        }
    }
  for (guint i = 0; i < n_streams; i++)
    {
      PxSessionStream copy = streams[i];

      copy.label = g_strdup (streams[i].label);
      g_array_append_val (self->streams, copy);
      g_ptr_array_add (self->stream_owners, (gpointer) owner);
    }
  if (self->state == PX_SESSION_STATE_JOINED)
    send_publish (self);
  return TRUE;
}

gboolean
px_session_send_frame (PxSession  *self,
                       PxWireKind  kind,
                       guint32     stream,
                       guint16     flags,
                       guint32     sequence,
                       gint64      capture_time,
                       GBytes     *payload,
                       GError    **error)
{
  g_autoptr(GBytes) frame = NULL;
  PxWireHeader header = { 0 };
  gboolean known = FALSE;
  gsize size;
  const guint8 *data;

  g_return_val_if_fail (PX_IS_SESSION (self), FALSE);
  g_return_val_if_fail (payload != NULL, FALSE);

  if (self->state != PX_SESSION_STATE_JOINED && self->state != PX_SESSION_STATE_RECONNECTING)
    {
      g_set_error (error, PX_SESSION_ERROR, PX_SESSION_ERROR_NOT_JOINED,
                   "The session has not joined a room");
      return FALSE;
    }
  if (!self->can_publish)
    {
      g_set_error (error, PX_SESSION_ERROR, PX_SESSION_ERROR_NOT_ALLOWED,
                   "This participant may not publish");
      return FALSE;
    }
  for (guint i = 0; i < self->streams->len; i++)
    {
      PxSessionStream *known_stream = &g_array_index (self->streams, PxSessionStream, i);

      if (known_stream->stream == stream && known_stream->kind == kind)
        known = TRUE;
    }
  if (!known)
    {
      g_set_error (error, PX_SESSION_ERROR, PX_SESSION_ERROR_FAILED,
                   "Stream %u (%s) was not announced with px_session_set_streams()",
                   stream, px_wire_kind_to_string (kind));
      return FALSE;
    }

  /* While reconnecting, frames are stale by the time we are back. */
  if (self->state != PX_SESSION_STATE_JOINED)
    return TRUE;

  data = g_bytes_get_data (payload, &size);
  if (size > self->max_payload - PX_WIRE_HEADER_SIZE)
    {
      g_set_error (error, PX_SESSION_ERROR, PX_SESSION_ERROR_FAILED,
                   "A frame of %" G_GSIZE_FORMAT " bytes exceeds the server's limit of %"
                   G_GSIZE_FORMAT, size, self->max_payload - PX_WIRE_HEADER_SIZE);
      return FALSE;
    }
  header.kind = kind;
  header.flags = flags & PX_WIRE_FLAGS_KNOWN;
  header.stream = stream;
  header.sequence = sequence;
  header.capture_time = px_session_to_server_time (self, capture_time);
  frame = px_wire_frame_new (&header, data, size);
  px_send_queue_push (self->send_queue, frame, stream, kind,
                      (flags & PX_WIRE_FLAG_KEYFRAME) != 0);
  pump (self);
  return TRUE;
}

void
px_session_set_subscriptions (PxSession                   *self,
                              const PxSessionSubscription *subscriptions,
                              guint                        n_subscriptions)
{
  g_return_if_fail (PX_IS_SESSION (self));
  g_return_if_fail (subscriptions != NULL || n_subscriptions == 0);

  g_array_set_size (self->subscriptions, 0);
  for (guint i = 0; i < n_subscriptions; i++)
    {
      PxSessionSubscription copy;

      g_return_if_fail (PX_IS_SESSION_PARTICIPANT (subscriptions[i].participant));
      copy.participant = g_object_ref (subscriptions[i].participant);
      copy.stream = subscriptions[i].stream;
      g_array_append_val (self->subscriptions, copy);
    }
  self->subscribe_all = FALSE;
  if (self->state == PX_SESSION_STATE_JOINED)
    send_subscribe (self);
}

void
px_session_subscribe_all (PxSession *self)
{
  g_return_if_fail (PX_IS_SESSION (self));

  g_array_set_size (self->subscriptions, 0);
  self->subscribe_all = TRUE;
  if (self->state == PX_SESSION_STATE_JOINED)
    send_subscribe (self);
}

void
px_session_set_muted (PxSession *self,
                      gboolean   audio_muted,
                      gboolean   video_muted)
{
  g_return_if_fail (PX_IS_SESSION (self));

  self->audio_muted = !!audio_muted;
  self->video_muted = !!video_muted;
  px_session_participant_set_muted (self->local, audio_muted, video_muted);
  if (self->state == PX_SESSION_STATE_JOINED)
    send_mute (self);
}

void
px_session_request_keyframe (PxSession *self,
                             guint32    participant,
                             guint32    stream)
{
  g_autoptr(JsonObject) object = px_control_object_new (PX_CONTROL_TYPE_KEYFRAME_REQUEST);

  g_return_if_fail (PX_IS_SESSION (self));

  json_object_set_int_member (object, "participant", participant);
  json_object_set_int_member (object, "stream", stream);
  send_object (self, object);
}

void
px_session_send_receiver_report (PxSession *self,
                                 guint32    participant,
                                 guint32    stream,
                                 double     loss,
                                 guint      jitter_ms)
{
  g_autoptr(JsonObject) object = px_control_object_new (PX_CONTROL_TYPE_RECEIVER_REPORT);

  g_return_if_fail (PX_IS_SESSION (self));

  /* NaN fails both comparisons and becomes 0. */
  loss = loss >= 0.0 ? MIN (loss, 1.0) : 0.0;
  json_object_set_int_member (object, "participant", participant);
  json_object_set_int_member (object, "stream", stream);
  /* Three decimals say enough, and keep the message short. */
  json_object_set_double_member (object, "loss", round (loss * 1000.0) / 1000.0);
  json_object_set_int_member (object, "jitter_ms", MIN (jitter_ms, PX_CONTROL_MAX_JITTER_MS));
  send_object (self, object);
}

void
px_session_send_calibration (PxSession  *self,
                             JsonObject *data)
{
  g_autoptr(JsonObject) object = px_control_object_new (PX_CONTROL_TYPE_CALIBRATION);

  g_return_if_fail (PX_IS_SESSION (self));
  g_return_if_fail (data != NULL);

  json_object_set_object_member (object, "data", json_object_ref (data));
  send_object (self, object);
}

gint64
px_session_get_clock_offset (PxSession *self)
{
  g_return_val_if_fail (PX_IS_SESSION (self), 0);
  return self->clock_offset;
}

gint64
px_session_get_round_trip (PxSession *self)
{
  g_return_val_if_fail (PX_IS_SESSION (self), 0);
  return self->round_trip;
}

gint64
px_session_to_server_time (PxSession *self,
                           gint64     local_time)
{
  return local_time + self->clock_offset;
}

gint64
px_session_to_local_time (PxSession *self,
                          gint64     server_time)
{
  return server_time - self->clock_offset;
}

gsize
px_session_get_queued_bytes (PxSession *self)
{
  return px_send_queue_get_queued_bytes (self->send_queue);
}

gsize
px_session_get_in_flight_bytes (PxSession *self)
{
  return px_send_queue_get_in_flight (self->send_queue);
}

guint64
px_session_get_dropped_frames (PxSession *self)
{
  guint64 total = 0;

  for (guint i = 0; i < PX_SEND_DROP_N_REASONS; i++)
    total += px_send_queue_get_dropped (self->send_queue, i);
  return total;
}
