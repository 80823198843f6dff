/* test-session.c: PxSession against the embedded server, in one process
 *
 * The server runs on its own thread (PxEmbeddedServer, as in the app); the
 * sessions run on the test's main context. Network drops go through a TCP
 * relay whose connections the test cuts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "net/px-session.h"
#include "server/px-embedded-server.h"
#include "px-net-test.h"

typedef struct
{
  PxSessionParticipant *from;
  guint kind;
  guint stream;
  guint flags;
  guint sequence;
  gint64 capture_time;
  GBytes *payload;
} Received;

typedef struct
{
  PxSession *session;
  GPtrArray *frames;          /* Received */
  guint removals;             /* roster rows removed while we watched */
  guint additions;
  gboolean joined;
  GError *join_error;
  gboolean closed;
  GError *closed_error;
  guint keyframe_stream;
  guint keyframe_requester;
  JsonObject *calibration;
  gboolean draining;
  guint reports;              /* receiver reports received */
  guint32 report_from;
  guint report_stream;
  double report_loss;
  guint report_jitter_ms;
} Client;

static void
received_free (Received *received)
{
  g_object_unref (received->from);
  g_bytes_unref (received->payload);
  g_free (received);
}

static void
media_frame_cb (PxSession            *session,
                PxSessionParticipant *from,
                guint                 kind,
                guint                 stream,
                guint                 flags,
                guint                 sequence,
                gint64                capture_time,
                GBytes               *payload,
                Client               *client)
{
  Received *received = g_new0 (Received, 1);

  received->from = g_object_ref (from);
  received->kind = kind;
  received->stream = stream;
  received->flags = flags;
  received->sequence = sequence;
  received->capture_time = capture_time;
  received->payload = g_bytes_ref (payload);
  g_ptr_array_add (client->frames, received);
}

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Client     *client)
{
  client->removals += removed;
  client->additions += added;
}

static void
closed_cb (PxSession    *session,
           const GError *error,
           Client       *client)
{
  client->closed = TRUE;
  g_clear_error (&client->closed_error);
  client->closed_error = error ? g_error_copy (error) : NULL;
}

static void
keyframe_cb (PxSession *session,
             guint      stream,
             guint      requester,
             Client    *client)
{
  client->keyframe_stream = stream;
  client->keyframe_requester = requester;
}

static void
receiver_report_cb (PxSession            *session,
                    PxSessionParticipant *from,
                    guint                 stream,
                    double                loss,
                    guint                 jitter_ms,
                    Client               *client)
{
  client->reports++;
  client->report_from = px_session_participant_get_id (from);
  client->report_stream = stream;
  client->report_loss = loss;
  client->report_jitter_ms = jitter_ms;
}

static void
calibration_cb (PxSession            *session,
                PxSessionParticipant *from,
                JsonObject           *data,
                Client               *client)
{
  g_clear_pointer (&client->calibration, json_object_unref);
  client->calibration = json_object_ref (data);
}

static void
joined_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Client *client = user_data;

  px_session_join_finish (PX_SESSION (source), result, &client->join_error);
  client->joined = TRUE;
}

static Client *
client_new (const char *url,
            const char *room,
            const char *token)
{
  Client *client = g_new0 (Client, 1);

  client->session = px_session_new (url, room, token);
  client->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) received_free);
  g_signal_connect (client->session, "media-frame", G_CALLBACK (media_frame_cb), client);
  g_signal_connect (client->session, "closed", G_CALLBACK (closed_cb), client);
  g_signal_connect (client->session, "keyframe-requested", G_CALLBACK (keyframe_cb), client);
  g_signal_connect (client->session, "calibration", G_CALLBACK (calibration_cb), client);
  g_signal_connect (client->session, "receiver-report", G_CALLBACK (receiver_report_cb), client);
  g_signal_connect (px_session_get_participants (client->session), "items-changed",
                    G_CALLBACK (items_changed_cb), client);
  return client;
}

/* Joins and waits for the outcome; returns the join error (NULL: joined). */
static GError *
client_join (Client *client)
{
  px_session_join_async (client->session, NULL, joined_cb, client);
  g_assert_true (px_net_test_wait_flag (&client->joined, PX_NET_TEST_TIMEOUT_MS, "the join to finish"));
  return g_steal_pointer (&client->join_error);
}

static void
client_free (Client *client)
{
  g_signal_handlers_disconnect_by_data (px_session_get_participants (client->session), client);
  g_signal_handlers_disconnect_by_data (client->session, client);
  px_session_leave (client->session);
  g_object_unref (client->session);
  g_ptr_array_unref (client->frames);
  g_clear_error (&client->join_error);
  g_clear_error (&client->closed_error);
  g_clear_pointer (&client->calibration, json_object_unref);
  g_free (client);
}

static guint
n_participants (Client *client)
{
  return g_list_model_get_n_items (px_session_get_participants (client->session));
}

typedef gboolean (*Condition) (gpointer data);

typedef struct
{
  Condition condition;
  gpointer data;
} ConditionWait;

static gboolean
condition_cb (gpointer   user_data,
              GError   **error)
{
  ConditionWait *wait = user_data;

  return wait->condition (wait->data);
}

static gboolean
wait_for (Condition   condition,
          gpointer    data,
          const char *what)
{
  g_autoptr(GError) error = NULL;
  ConditionWait wait = { condition, data };

  if (px_test_wait_until (condition_cb, &wait, PX_NET_TEST_TIMEOUT_MS, what, &error))
    return TRUE;
  g_test_message ("%s", error->message);
  return FALSE;
}

typedef struct
{
  Client **clients;
  guint n_clients;
  guint expected;
} RosterWait;

static gboolean
rosters_are (gpointer data)
{
  RosterWait *wait = data;

  for (guint i = 0; i < wait->n_clients; i++)
    if (n_participants (wait->clients[i]) != wait->expected)
      return FALSE;
  return TRUE;
}

static gboolean
frames_at_least (gpointer data)
{
  gpointer *args = data;
  Client *client = args[0];

  return client->frames->len >= GPOINTER_TO_UINT (args[1]);
}

static gboolean
wait_frames (Client *client,
             guint   count)
{
  gpointer args[2] = { client, GUINT_TO_POINTER (count) };

  return wait_for (frames_at_least, args, "media frames");
}

static gboolean
state_is (gpointer data)
{
  gpointer *args = data;

  return px_session_get_state (args[0]) == (PxSessionState) GPOINTER_TO_INT (args[1]);
}

static gboolean
wait_state (Client         *client,
            PxSessionState  state)
{
  gpointer args[2] = { client->session, GINT_TO_POINTER (state) };

  return wait_for (state_is, args, "a session state");
}

static gboolean
audio_muted (gpointer data)
{
  return data != NULL && px_session_participant_get_audio_muted (data);
}

static gboolean
keyframe_requested_locally (gpointer data)
{
  Client *client = data;

  return client->keyframe_stream != 0 && client->keyframe_requester == 0;
}

static gboolean
frame_20_arrived (gpointer data)
{
  Client *client = data;

  for (guint i = 0; i < client->frames->len; i++)
    if (((Received *) client->frames->pdata[i])->sequence == 20)
      return TRUE;
  return FALSE;
}

static gboolean
keyframe_requested (gpointer data)
{
  return ((Client *) data)->keyframe_requester != 0;
}

static gboolean
calibration_received (gpointer data)
{
  return ((Client *) data)->calibration != NULL;
}

static gboolean
report_received (gpointer data)
{
  return ((Client *) data)->reports > 0;
}

static gboolean
has_round_trip (gpointer data)
{
  return px_session_get_round_trip (data) > 0;
}

static gboolean
alone_in_roster (gpointer data)
{
  return n_participants (data) == 1;
}

static PxEmbeddedServer *
start_server (void)
{
  g_autoptr(GError) error = NULL;
  PxEmbeddedServer *server = px_embedded_server_new (NULL);

  g_assert_true (px_embedded_server_start (server, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (px_embedded_server_get_url (server), "ws://127.0.0.1:"));
  g_assert_cmpuint (px_embedded_server_get_port (server), >, 0);
  return server;
}

static Client *
join_embedded (PxEmbeddedServer *server,
               const char       *url,
               const char       *room,
               const char       *identity,
               gboolean          can_publish)
{
  g_autofree char *token = px_embedded_server_mint_token (server, room, identity, identity,
                                                          600, can_publish);
  Client *client = client_new (url ? url : px_embedded_server_get_url (server), room, token);
  g_autoptr(GError) error = client_join (client);

  g_assert_no_error (error);
  g_assert_cmpint (px_session_get_state (client->session), ==, PX_SESSION_STATE_JOINED);
  return client;
}

static void
publish_av (Client *client)
{
  const PxSessionStream streams[] = {
    { 1, PX_WIRE_KIND_VIDEO, "camera" },
    { 2, PX_WIRE_KIND_AUDIO, "microphone" },
  };
  g_autoptr(GError) error = NULL;

  g_assert_true (px_session_set_streams (client->session, streams, G_N_ELEMENTS (streams), &error));
  g_assert_no_error (error);
}

static gboolean
participant_has_streams (gpointer data)
{
  gpointer *args = data;
  PxSessionParticipant *participant = px_session_lookup_participant (args[0], GPOINTER_TO_UINT (args[1]));

  return participant != NULL &&
         px_session_participant_get_n_streams (participant) == GPOINTER_TO_UINT (args[2]);
}

static void
wait_streams_seen (Client *observer,
                   Client *publisher,
                   guint   n_streams)
{
  guint32 id = px_session_participant_get_id (px_session_get_local_participant (publisher->session));
  gpointer args[3] = { observer->session, GUINT_TO_POINTER (id), GUINT_TO_POINTER (n_streams) };

  g_assert_true (wait_for (participant_has_streams, args, "the publisher's streams"));
}

static GBytes *
payload_for (guint sequence,
             gsize size)
{
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) (sequence * 31 + i);
  return g_bytes_new_take (data, size);
}

static void
test_loopback (void)
{
  g_autoptr(PxEmbeddedServer) server = start_server ();
  Client *clients[3];
  RosterWait roster = { clients, 3, 3 };
  PxSessionParticipant *a_local;
  gint64 sent_at[10];

  clients[0] = join_embedded (server, NULL, "loopback", "alice", TRUE);
  clients[1] = join_embedded (server, NULL, "loopback", "bob", TRUE);
  clients[2] = join_embedded (server, NULL, "loopback", "carol", FALSE);
  g_assert_true (wait_for (rosters_are, &roster, "everyone in every roster"));

  /* The local participant comes first and knows it is local. */
  a_local = px_session_get_local_participant (clients[0]->session);
  g_assert_true (g_list_model_get_item (px_session_get_participants (clients[0]->session), 0) == (gpointer) a_local);
  g_object_unref (a_local);
  g_assert_true (px_session_participant_get_local (a_local));
  g_assert_cmpstr (px_session_participant_get_identity (a_local), ==, "alice");
  g_assert_true (px_session_participant_get_publisher (a_local));
  g_assert_false (px_session_participant_get_publisher (px_session_get_local_participant (clients[2]->session)));

  publish_av (clients[0]);
  wait_streams_seen (clients[1], clients[0], 2);
  wait_streams_seen (clients[2], clients[0], 2);

  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(GBytes) video = payload_for (i, 60000);
      g_autoptr(GBytes) audio = payload_for (i, 120);
      g_autoptr(GError) error = NULL;

      sent_at[i] = g_get_monotonic_time ();
      g_assert_true (px_session_send_frame (clients[0]->session, PX_WIRE_KIND_VIDEO, 1,
                                            i == 0 ? PX_WIRE_FLAG_KEYFRAME : 0, i, sent_at[i],
                                            video, &error));
      g_assert_no_error (error);
      g_assert_true (px_session_send_frame (clients[0]->session, PX_WIRE_KIND_AUDIO, 2, 0, i,
                                            sent_at[i], audio, &error));
      g_assert_no_error (error);
    }

  /* A stream that was not announced is refused locally. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) bytes = payload_for (0, 10);

    g_assert_false (px_session_send_frame (clients[0]->session, PX_WIRE_KIND_VIDEO, 9, 0, 0, 0,
                                           bytes, &error));
    g_assert_error (error, PX_SESSION_ERROR, PX_SESSION_ERROR_FAILED);
  }

  for (guint c = 1; c < 3; c++)
    {
      Client *receiver = clients[c];
      guint next_video = 0;
      guint next_audio = 0;
      gint64 tolerance;

      g_assert_true (wait_frames (receiver, 20));
      g_assert_cmpuint (receiver->frames->len, ==, 20);
      tolerance = px_session_get_round_trip (clients[0]->session) +
                  px_session_get_round_trip (receiver->session) + 1000;

      for (guint i = 0; i < receiver->frames->len; i++)
        {
          Received *frame = receiver->frames->pdata[i];
          g_autoptr(GBytes) expected = NULL;
          guint *next = frame->kind == PX_WIRE_KIND_VIDEO ? &next_video : &next_audio;

          /* The server stamped the right participant: the roster object. */
          g_assert_cmpuint (px_session_participant_get_id (frame->from), ==,
                            px_session_participant_get_id (a_local));
          g_assert_true (frame->from == px_session_lookup_participant (receiver->session,
                                                                       px_session_participant_get_id (a_local)));
          g_assert_cmpuint (frame->stream, ==, frame->kind == PX_WIRE_KIND_VIDEO ? 1 : 2);
          g_assert_cmpuint (frame->sequence, ==, *next);
          expected = payload_for (frame->sequence, frame->kind == PX_WIRE_KIND_VIDEO ? 60000 : 120);
          g_assert_true (g_bytes_equal (frame->payload, expected));
          g_assert_cmpuint (frame->flags, ==,
                            frame->kind == PX_WIRE_KIND_VIDEO && frame->sequence == 0 ? PX_WIRE_FLAG_KEYFRAME : 0);
          /* Same machine, same clock: the capture time survives the trip
           * through server time within the clock estimates' error. */
          g_assert_cmpint (ABS (frame->capture_time - sent_at[frame->sequence]), <=, tolerance);
          (*next)++;
        }
      g_assert_cmpuint (next_video, ==, 10);
      g_assert_cmpuint (next_audio, ==, 10);
    }

  /* Nobody receives their own frames. */
  g_assert_cmpuint (clients[0]->frames->len, ==, 0);

  /* Mute states reach the others as property changes. */
  px_session_set_muted (clients[0]->session, TRUE, FALSE);
  g_assert_true (wait_for (audio_muted,
                           px_session_lookup_participant (clients[1]->session,
                                                          px_session_participant_get_id (a_local)),
                           "the mute to arrive"));
  g_assert_false (px_session_participant_get_video_muted (px_session_lookup_participant (clients[1]->session,
                                                                                        px_session_participant_get_id (a_local))));

  /* Bob leaves: the others see two people. */
  px_session_leave (clients[1]->session);
  g_assert_cmpint (px_session_get_state (clients[1]->session), ==, PX_SESSION_STATE_CLOSED);
  roster.clients = (Client *[]) { clients[0], clients[2] };
  roster.n_clients = 2;
  roster.expected = 2;
  g_assert_true (wait_for (rosters_are, &roster, "bob to leave"));

  for (guint i = 0; i < 3; i++)
    client_free (clients[i]);
  px_embedded_server_stop (server);
  g_assert_false (px_embedded_server_is_running (server));
}

static void
test_keyframe_and_calibration (void)
{
  g_autoptr(PxEmbeddedServer) server = start_server ();
  Client *a = join_embedded (server, NULL, "kc", "alice", TRUE);
  Client *b = join_embedded (server, NULL, "kc", "bob", TRUE);
  guint32 a_id = px_session_participant_get_id (px_session_get_local_participant (a->session));
  guint32 b_id = px_session_participant_get_id (px_session_get_local_participant (b->session));
  g_autoptr(JsonObject) data = json_object_new ();

  publish_av (a);
  wait_streams_seen (b, a, 2);

  px_session_request_keyframe (b->session, a_id, 1);
  g_assert_true (wait_for (keyframe_requested, a, "the keyframe request"));
  g_assert_cmpuint (a->keyframe_stream, ==, 1);
  g_assert_cmpuint (a->keyframe_requester, ==, b_id);

  json_object_set_double_member (data, "focal_length", 512.5);
  px_session_send_calibration (a->session, data);
  g_assert_true (wait_for (calibration_received, b, "the calibration"));
  g_assert_cmpfloat (json_object_get_double_member (b->calibration, "focal_length"), ==, 512.5);

  client_free (a);
  client_free (b);
}

/* A receiver's report reaches the publisher only, from the receiver's id;
 * reports on nobody, on oneself, or too many at once go no further, and
 * the session stays joined. */
static void
test_receiver_report (void)
{
  g_autoptr(PxEmbeddedServer) server = start_server ();
  Client *a = join_embedded (server, NULL, "rr", "alice", TRUE);
  Client *b = join_embedded (server, NULL, "rr", "bob", TRUE);
  Client *c = join_embedded (server, NULL, "rr", "carol", TRUE);
  guint32 a_id = px_session_participant_get_id (px_session_get_local_participant (a->session));
  guint32 b_id = px_session_participant_get_id (px_session_get_local_participant (b->session));
  g_autoptr(JsonObject) data = json_object_new ();
  guint burst;

  publish_av (a);
  wait_streams_seen (b, a, 2);

  px_session_send_receiver_report (b->session, a_id, 2, 0.07, 12);
  g_assert_true (wait_for (report_received, a, "the receiver report"));
  g_assert_cmpuint (a->reports, ==, 1);
  g_assert_cmpuint (a->report_from, ==, b_id);
  g_assert_cmpuint (a->report_stream, ==, 2);
  g_assert_cmpfloat_with_epsilon (a->report_loss, 0.07, 1e-9);
  g_assert_cmpuint (a->report_jitter_ms, ==, 12);

  /* Nonsense is clamped before it leaves. (The sleeps outlast the
   * server's 250 ms between two reports of one stream.) */
  g_usleep (300 * 1000);
  a->reports = 0;
  px_session_send_receiver_report (b->session, a_id, 2, 7.5, G_MAXUINT);
  g_assert_true (wait_for (report_received, a, "the clamped receiver report"));
  g_assert_cmpfloat (a->report_loss, ==, 1.0);
  g_assert_cmpuint (a->report_jitter_ms, ==, 60000);

  /* A burst: the server passes at most one per 250 ms on. Unknown
   * participants and oneself are ignored. */
  g_usleep (300 * 1000);
  a->reports = 0;
  px_session_send_receiver_report (b->session, 4242, 2, 0.5, 0);
  px_session_send_receiver_report (b->session, b_id, 2, 0.5, 0);
  for (burst = 0; burst < 10; burst++)
    px_session_send_receiver_report (b->session, a_id, 2, 0.0, 0);

  /* A calibration after them all: once it arrived, so did what got through. */
  json_object_set_int_member (data, "mark", 1);
  px_session_send_calibration (b->session, data);
  g_assert_true (wait_for (calibration_received, a, "the calibration"));
  g_test_message ("%u reports of a burst of 10 arrived", a->reports);
  g_assert_cmpuint (a->reports, >=, 1);
  g_assert_cmpuint (a->reports, <, 10);
  g_assert_cmpfloat (a->report_loss, ==, 0.0);
  g_assert_cmpuint (a->report_from, ==, b_id);
  /* Nobody else heard of it, and everyone is still in. */
  g_assert_cmpuint (c->reports, ==, 0);
  g_assert_cmpuint (b->reports, ==, 0);
  g_assert_cmpint (px_session_get_state (b->session), ==, PX_SESSION_STATE_JOINED);
  g_assert_false (b->closed);

  client_free (a);
  client_free (b);
  client_free (c);
}

/* Frames sent faster than the flow window drains: stale ones are dropped in
 * the session's own queue (never more than its budget is held), the
 * publisher is asked for a keyframe, and the newest frame still arrives. */
static void
test_send_congestion (void)
{
  g_autoptr(PxEmbeddedServer) server = start_server ();
  Client *a = join_embedded (server, NULL, "congestion", "alice", TRUE);
  Client *b = join_embedded (server, NULL, "congestion", "bob", TRUE);

  publish_av (a);
  wait_streams_seen (b, a, 2);

  /* 40 frames of 60 KB at once: more than the 1 MiB window. */
  for (guint i = 0; i < 40; i++)
    {
      g_autoptr(GBytes) video = payload_for (i, 60000);

      g_assert_true (px_session_send_frame (a->session, PX_WIRE_KIND_VIDEO, 1,
                                            i % 20 == 0 ? PX_WIRE_FLAG_KEYFRAME : 0, i,
                                            g_get_monotonic_time (), video, NULL));
      g_assert_cmpuint (px_session_get_queued_bytes (a->session), <=, 4 * 1024 * 1024);
    }
  g_assert_cmpuint (px_session_get_dropped_frames (a->session), >, 0);
  g_assert_true (wait_for (keyframe_requested_locally, a, "a keyframe request from the session"));
  g_assert_cmpuint (a->keyframe_stream, ==, 1);

  /* The keyframe of frame 20 was waiting when later deltas came: it, not a
   * broken delta, is what got through last. */
  g_assert_true (wait_for (frame_20_arrived, b, "the newest decodable frame"));

  client_free (a);
  client_free (b);
}

static guint
count_frames (Client *client,
              guint   kind)
{
  guint n = 0;

  for (guint i = 0; i < client->frames->len; i++)
    if (((Received *) client->frames->pdata[i])->kind == kind)
      n++;
  return n;
}

static gboolean
got_video (gpointer data)
{
  return count_frames (data, PX_WIRE_KIND_VIDEO) > 0;
}

/* A subscriber that stops taking someone's video gets only their audio, and
 * the video again (from a keyframe) once it asks for everything. */
static void
test_subscriptions (void)
{
  g_autoptr(PxEmbeddedServer) server = start_server ();
  Client *a = join_embedded (server, NULL, "subs", "alice", TRUE);
  Client *b = join_embedded (server, NULL, "subs", "bob", TRUE);
  PxSessionParticipant *alice_seen;
  PxSessionSubscription audio_only;
  guint32 a_id = px_session_participant_get_id (px_session_get_local_participant (a->session));

  publish_av (a);
  wait_streams_seen (b, a, 2);
  alice_seen = px_session_lookup_participant (b->session, a_id);
  audio_only.participant = alice_seen;
  audio_only.stream = 2;
  px_session_set_subscriptions (b->session, &audio_only, 1);
  /* The server handles Bob's messages in order: once Alice hears the
   * calibration Bob sent after his choice, the choice is in effect. */
  {
    g_autoptr(JsonObject) marker = json_object_new ();

    px_session_send_calibration (b->session, marker);
    g_assert_true (wait_for (calibration_received, a, "Bob's marker"));
  }

  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(GBytes) video = payload_for (i, 1000);
      g_autoptr(GBytes) audio = payload_for (i, 100);

      g_assert_true (px_session_send_frame (a->session, PX_WIRE_KIND_VIDEO, 1, PX_WIRE_FLAG_KEYFRAME,
                                            i, g_get_monotonic_time (), video, NULL));
      g_assert_true (px_session_send_frame (a->session, PX_WIRE_KIND_AUDIO, 2, 0, i,
                                            g_get_monotonic_time (), audio, NULL));
    }
  g_assert_true (wait_frames (b, 5));
  g_assert_cmpuint (count_frames (b, PX_WIRE_KIND_AUDIO), ==, 5);
  g_assert_cmpuint (count_frames (b, PX_WIRE_KIND_VIDEO), ==, 0);

  /* Everything again: Alice is asked for a keyframe, and video flows. */
  a->keyframe_requester = 0;
  px_session_subscribe_all (b->session);
  g_assert_true (wait_for (keyframe_requested, a, "the keyframe request"));
  g_assert_cmpuint (a->keyframe_stream, ==, 1);
  {
    g_autoptr(GBytes) video = payload_for (9, 1000);

    g_assert_true (px_session_send_frame (a->session, PX_WIRE_KIND_VIDEO, 1, PX_WIRE_FLAG_KEYFRAME,
                                          9, g_get_monotonic_time (), video, NULL));
  }
  g_assert_true (wait_for (got_video, b, "the video"));

  client_free (a);
  client_free (b);
}

static void
test_clock_sync (void)
{
  g_autoptr(PxEmbeddedServer) server = start_server ();
  Client *a = join_embedded (server, NULL, "clock", "alice", TRUE);

  g_assert_true (wait_for (has_round_trip, a->session, "a pong"));
  /* One machine, one monotonic clock: the true offset is 0, and the NTP
   * estimate errs by at most half the round trip. */
  g_assert_cmpint (ABS (px_session_get_clock_offset (a->session)), <=,
                   px_session_get_round_trip (a->session) / 2 + 1);
  g_assert_cmpint (px_session_to_local_time (a->session, px_session_to_server_time (a->session, 123456789)),
                   ==, 123456789);
  client_free (a);
}

static void
test_subscribe_only (void)
{
  g_autoptr(PxEmbeddedServer) server = start_server ();
  Client *viewer = join_embedded (server, NULL, "watch", "viewer", FALSE);
  const PxSessionStream stream = { 1, PX_WIRE_KIND_VIDEO, "camera" };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = payload_for (0, 100);

  g_assert_false (px_session_set_streams (viewer->session, &stream, 1, &error));
  g_assert_error (error, PX_SESSION_ERROR, PX_SESSION_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  g_assert_false (px_session_send_frame (viewer->session, PX_WIRE_KIND_VIDEO, 1, 0, 0, 0, bytes, &error));
  g_assert_error (error, PX_SESSION_ERROR, PX_SESSION_ERROR_NOT_ALLOWED);
  g_assert_cmpint (px_session_get_state (viewer->session), ==, PX_SESSION_STATE_JOINED);
  client_free (viewer);
}

static void
test_join_errors (void)
{
  g_autoptr(PxEmbeddedServer) server = start_server ();
  const char *url = px_embedded_server_get_url (server);
  g_autofree char *good = px_embedded_server_mint_token (server, "room-a", "alice", "Alice", 600, TRUE);
  g_autofree char *expired = px_embedded_server_mint_token (server, "room-a", "alice", "Alice", 0, TRUE);
  g_autofree char *foreign = px_net_test_token ("some-other-servers-secret-012345", "room-a", "alice",
                                                600, TRUE, TRUE);
  g_autoptr(GSocket) socket = NULL;
  g_autofree char *dead_url = NULL;
  static const struct
  {
    int url;      /* 0 server, 1 nothing listening, 2 nonsense */
    const char *room;
    int token;    /* 0 good, 1 expired, 2 foreign, 3 garbage */
    int error;
  } cases[] = {
    { 0, "room-b", 0, PX_SESSION_ERROR_WRONG_ROOM },
    { 0, "room-a", 1, PX_SESSION_ERROR_TOKEN_EXPIRED },
    { 0, "room-a", 2, PX_SESSION_ERROR_UNAUTHORIZED },
    { 0, "room-a", 3, PX_SESSION_ERROR_UNAUTHORIZED },
    { 1, "room-a", 0, PX_SESSION_ERROR_UNREACHABLE },
    { 2, "room-a", 0, PX_SESSION_ERROR_INVALID_URL },
    { 0, "no/such room", 0, PX_SESSION_ERROR_INVALID_ROOM },
  };

  /* A port that certainly refuses: bound, never listening. */
  {
    g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
    g_autoptr(GSocketAddress) local = NULL;

    socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
    g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
    local = g_socket_get_local_address (socket, NULL);
    dead_url = g_strdup_printf ("ws://127.0.0.1:%u",
                                g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)));
  }

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *tokens[] = { good, expired, foreign, "not-a-token" };
      const char *urls[] = { url, dead_url, "gopher://what" };
      Client *client = client_new (urls[cases[i].url], cases[i].room, tokens[cases[i].token]);
      g_autoptr(GError) error = client_join (client);

      g_test_message ("case %u: %s", i, error ? error->message : "joined");
      g_assert_error (error, PX_SESSION_ERROR, cases[i].error);
      g_assert_cmpint (px_session_get_state (client->session), !=, PX_SESSION_STATE_JOINED);
      client_free (client);
    }
}

static void
test_reconnect_resume (void)
{
  g_autoptr(PxEmbeddedServer) server = start_server ();
  g_autoptr(PxTestRelay) relay = px_test_relay_new (px_embedded_server_get_port (server));
  g_autofree char *relay_url = g_strdup_printf ("ws://127.0.0.1:%u", px_test_relay_get_port (relay));
  Client *a = join_embedded (server, relay_url, "resume", "alice", TRUE);
  Client *b = join_embedded (server, NULL, "resume", "bob", TRUE);
  guint32 a_id = px_session_participant_get_id (px_session_get_local_participant (a->session));
  Client *both[] = { a, b };
  RosterWait roster = { both, 2, 2 };
  guint removals_before;
  g_autoptr(GBytes) video = payload_for (7, 1000);

  g_assert_true (wait_for (rosters_are, &roster, "both rosters"));
  publish_av (a);
  wait_streams_seen (b, a, 2);
  removals_before = b->removals;

  /* The network drops. */
  g_assert_cmpuint (px_test_relay_cut (relay), ==, 1);
  g_assert_true (wait_state (a, PX_SESSION_STATE_RECONNECTING));
  g_assert_true (wait_state (a, PX_SESSION_STATE_JOINED));

  /* Same place in the room; the other side saw nothing. */
  g_assert_cmpuint (px_session_participant_get_id (px_session_get_local_participant (a->session)), ==, a_id);
  g_assert_cmpuint (b->removals, ==, removals_before);
  g_assert_cmpuint (n_participants (b), ==, 2);
  g_assert_false (a->closed);

  /* Media flows again, streams remembered across the resume. */
  g_assert_true (px_session_send_frame (a->session, PX_WIRE_KIND_VIDEO, 1, PX_WIRE_FLAG_KEYFRAME,
                                        1, g_get_monotonic_time (), video, NULL));
  g_assert_true (wait_frames (b, 1));
  g_assert_cmpuint (px_session_participant_get_id (((Received *) b->frames->pdata[0])->from), ==, a_id);

  client_free (a);
  client_free (b);
}

static void
test_rejoin_after_window (void)
{
  g_autoptr(PxEmbeddedServer) server = start_server ();
  PxTestRelay *relay = px_test_relay_new (px_embedded_server_get_port (server));
  g_autofree char *relay_url = g_strdup_printf ("ws://127.0.0.1:%u", px_test_relay_get_port (relay));
  Client *a = join_embedded (server, relay_url, "rejoin", "alice", TRUE);
  Client *b = join_embedded (server, NULL, "rejoin", "bob", TRUE);
  guint32 a_id = px_session_participant_get_id (px_session_get_local_participant (a->session));
  Client *both[] = { a, b };
  RosterWait roster = { both, 2, 2 };
  guint removals_before;

  g_assert_true (wait_for (rosters_are, &roster, "both rosters"));
  removals_before = b->removals;

  /* A long outage: the relay refuses everything for longer than the window. */
  px_test_relay_set_refusing (relay, TRUE);
  px_test_relay_cut (relay);
  g_assert_true (wait_state (a, PX_SESSION_STATE_RECONNECTING));
  g_assert_true (wait_for (alone_in_roster, b, "alice's place to expire"));
  g_assert_cmpuint (b->removals, ==, removals_before + 1);

  px_test_relay_set_refusing (relay, FALSE);
  g_assert_true (wait_state (a, PX_SESSION_STATE_JOINED));
  g_assert_true (wait_for (rosters_are, &roster, "alice back in both rosters"));
  /* A fresh join: a new id, everyone else still listed. */
  g_assert_cmpuint (px_session_participant_get_id (px_session_get_local_participant (a->session)), !=, a_id);
  g_assert_cmpuint (px_session_participant_get_id (px_session_get_local_participant (a->session)), !=, 0);

  client_free (a);
  client_free (b);
  px_test_relay_free (relay);
}

static void
test_identity_replaced (void)
{
  g_autoptr(PxEmbeddedServer) server = start_server ();
  Client *first = join_embedded (server, NULL, "dup", "alice", TRUE);
  Client *observer = join_embedded (server, NULL, "dup", "bob", TRUE);
  Client *second;
  Client *pair[2];
  RosterWait roster = { pair, 2, 2 };

  second = join_embedded (server, NULL, "dup", "alice", TRUE);
  g_assert_true (px_net_test_wait_flag (&first->closed, PX_NET_TEST_TIMEOUT_MS, "the first to be replaced"));
  g_assert_error (first->closed_error, PX_SESSION_ERROR, PX_SESSION_ERROR_REPLACED);
  g_assert_cmpint (px_session_get_state (first->session), ==, PX_SESSION_STATE_CLOSED);

  pair[0] = second;
  pair[1] = observer;
  g_assert_true (wait_for (rosters_are, &roster, "one alice in the rosters"));

  client_free (first);
  client_free (second);
  client_free (observer);
}

/* Two publishers share one session (a rig and the voice): each replaces
 * only its own streams, everyone sees the union, and a stream number the
 * other announced is refused. */
static void
test_stream_owners (void)
{
  g_autoptr(PxEmbeddedServer) server = start_server ();
  const PxSessionStream voice[] = { { 2, PX_WIRE_KIND_AUDIO, "microphone" } };
  const PxSessionStream rig[] = {
    { 11, PX_WIRE_KIND_VIDEO, "left" },
    { 12, PX_WIRE_KIND_VIDEO, "right" },
    { 13, PX_WIRE_KIND_DEPTH, "volumetric" },
  };
  const PxSessionStream clash[] = { { 2, PX_WIRE_KIND_VIDEO, "camera" } };
  int rig_owner, other_owner;
  g_autoptr(GError) error = NULL;
  Client *publisher = join_embedded (server, NULL, "owners", "alice", TRUE);
  Client *observer = join_embedded (server, NULL, "owners", "bob", FALSE);

  g_assert_true (px_session_set_streams (publisher->session, voice, 1, &error));
  g_assert_true (px_session_set_streams_for (publisher->session, &rig_owner, rig, 3, &error));
  g_assert_no_error (error);
  wait_streams_seen (observer, publisher, 4);

  g_assert_false (px_session_set_streams_for (publisher->session, &other_owner, clash, 1, &error));
  g_assert_error (error, PX_SESSION_ERROR, PX_SESSION_ERROR_FAILED);
  g_clear_error (&error);

  /* The voice restarts: the rig's streams stay announced. */
  g_assert_true (px_session_set_streams (publisher->session, voice, 1, &error));
  wait_streams_seen (observer, publisher, 4);
  g_assert_true (px_session_set_streams_for (publisher->session, &rig_owner, NULL, 0, &error));
  wait_streams_seen (observer, publisher, 1);

  client_free (publisher);
  client_free (observer);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/net/session/loopback", test_loopback);
  g_test_add_func ("/net/session/keyframe-and-calibration", test_keyframe_and_calibration);
  g_test_add_func ("/net/session/receiver-report", test_receiver_report);
  g_test_add_func ("/net/session/send-congestion", test_send_congestion);
  g_test_add_func ("/net/session/subscriptions", test_subscriptions);
  g_test_add_func ("/net/session/stream-owners", test_stream_owners);
  g_test_add_func ("/net/session/clock-sync", test_clock_sync);
  g_test_add_func ("/net/session/subscribe-only", test_subscribe_only);
  g_test_add_func ("/net/session/join-errors", test_join_errors);
  g_test_add_func ("/net/session/reconnect-resume", test_reconnect_resume);
  g_test_add_func ("/net/session/rejoin-after-window", test_rejoin_after_window);
  g_test_add_func ("/net/session/identity-replaced", test_identity_replaced);

  return g_test_run ();
}
