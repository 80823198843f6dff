/* test-server.c: parallax-server as a process
 *
 * Security, bad input, floods, slow subscribers, drain, restart and TLS,
 * against the real executable on 127.0.0.1, driven by raw WebSocket clients
 * (which can send what PxSession never would) and by PxSession.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "net/px-session.h"
#include "net/px-token.h"
#include "net/px-wire.h"
#include "px-net-test.h"

#define ROOM "room"

static PxNetTestServer *
start (PxTestHarness      *harness,
       const char * const *env)
{
  PxNetTestServer *server = px_net_test_server_start (harness, NULL, env);

  g_assert_nonnull (server);
  return server;
}

static PxTestWs *
join_raw (PxNetTestServer *server,
          const char      *identity,
          gboolean         can_publish,
          JsonObject     **welcome)
{
  g_autofree char *token = px_net_test_token (NULL, ROOM, identity, 600, can_publish, TRUE);

  return px_test_ws_join (server->url, ROOM, token, welcome);
}

static GBytes *
media_frame (guint        kind,
             guint32      stream,
             guint32      participant,
             guint32      sequence,
             gsize        payload_size)
{
  PxWireHeader header = { .kind = kind, .stream = stream, .participant = participant,
                          .sequence = sequence, .capture_time = g_get_monotonic_time () };
  g_autofree guint8 *payload = g_malloc0 (payload_size);

  if (payload_size > 0)
    payload[0] = sequence & 0xff;
  return px_wire_frame_new (&header, payload, payload_size);
}

/* Announces video stream 1 and audio stream 2; the others get "updated". */
static void
publish_video (PxTestWs *ws)
{
  px_test_ws_send_text (ws, "{\"type\":\"publish\",\"streams\":[{\"stream\":1,\"kind\":\"video\"},"
                            "{\"stream\":2,\"kind\":\"audio\"}]}");
}

static char *
metrics (PxNetTestServer *server)
{
  g_autofree char *url = g_strconcat (server->http_url, "/metrics", NULL);
  guint status = 0;
  char *text = px_net_test_http_get (url, &status);

  g_assert_cmpuint (status, ==, 200);
  return text;
}

static gsize
server_rss_kib (PxNetTestServer *server)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", px_test_process_get_pid (server->process));
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents (path, &status, NULL, NULL));
  line = strstr (status, "VmRSS:");
  g_assert_nonnull (line);
  return strtoul (line + strlen ("VmRSS:"), NULL, 10);
}

/* ------------------------------------------------------------------------ */

static gboolean
no_rooms (gpointer   user_data,
          GError   **error)
{
  g_autofree char *text = metrics (user_data);

  return px_net_test_metric (text, "parallax_rooms") == 0 &&
         px_net_test_metric (text, "parallax_participants") == 0;
}

static void
test_health_and_metrics (void)
{
  PxTestHarness *harness = px_test_harness_new ();
  g_autoptr(PxNetTestServer) server = start (harness, NULL);
  g_autofree char *healthz_url = g_strconcat (server->http_url, "/healthz", NULL);
  g_autofree char *body = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(PxTestWs) ws = NULL;
  guint status = 0;

  body = px_net_test_http_get (healthz_url, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (body, ==, "ok\n");

  before = metrics (server);
  g_assert_nonnull (strstr (before, "# TYPE parallax_forwarding_delay_seconds histogram"));
  g_assert_cmpfloat (px_net_test_metric (before, "parallax_rooms"), ==, 0);
  g_assert_cmpfloat (px_net_test_metric (before, "parallax_forwarding_delay_seconds_bucket{le=\"+Inf\"}"), ==, 0);

  ws = join_raw (server, "alice", TRUE, NULL);
  after = metrics (server);
  g_assert_cmpfloat (px_net_test_metric (after, "parallax_rooms"), ==, 1);
  g_assert_cmpfloat (px_net_test_metric (after, "parallax_connections"), ==, 1);
  g_assert_cmpfloat (px_net_test_metric (after, "parallax_participants"), ==, 1);

  /* Leaving frees the room at once. */
  px_test_ws_send_text (ws, "{\"type\":\"leave\"}");
  g_assert_cmpuint (px_test_ws_wait_closed (ws, PX_NET_TEST_TIMEOUT_MS), ==, 1000);
  g_assert_true (px_test_wait_until (no_rooms, server, PX_NET_TEST_TIMEOUT_MS, "the room to close", NULL));
}

static void
test_token_refusals (void)
{
  PxTestHarness *harness = px_test_harness_new ();
  g_autoptr(PxNetTestServer) server = start (harness, (const char *[]) {
    "PARALLAX_JOINS_PER_SECOND=1000", NULL });
  g_autofree char *room_url = g_strdup_printf ("%s/v1/rooms/" ROOM, server->url);
  g_autofree char *other_url = g_strdup_printf ("%s/v1/rooms/elsewhere", server->url);
  g_autofree char *bad_path = g_strdup_printf ("%s/v1/rooms/no%%20spaces", server->url);
  g_autofree char *good = px_net_test_token (NULL, ROOM, "alice", 600, TRUE, TRUE);
  g_autofree char *expired = px_net_test_token (NULL, ROOM, "alice", -10, TRUE, TRUE);
  g_autofree char *foreign = px_net_test_token ("not-the-server-secret-0123456789", ROOM, "alice", 600, TRUE, TRUE);
  g_autofree char *payload = g_strdup_printf ("{\"room\":\"" ROOM "\",\"sub\":\"mallory\",\"exp\":%" G_GINT64_FORMAT "}",
                                              g_get_real_time () / G_USEC_PER_SEC + 600);
  g_autofree char *p64 = px_base64url_encode ((const guint8 *) payload, strlen (payload));
  const char *none_header = "{\"alg\":\"none\",\"typ\":\"JWT\"}";
  const char *rs_header = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
  g_autofree char *h_none = px_base64url_encode ((const guint8 *) none_header, strlen (none_header));
  g_autofree char *h_rs = px_base64url_encode ((const guint8 *) rs_header, strlen (rs_header));
  g_autofree char *alg_none = g_strdup_printf ("Bearer %s.%s.", h_none, p64);
  g_autofree char *rs256 = g_strdup_printf ("Bearer %s.%s.c2lnbmF0dXJl", h_rs, p64);
  g_autofree char *bearer_good = g_strconcat ("Bearer ", good, NULL);
  g_autofree char *bearer_expired = g_strconcat ("Bearer ", expired, NULL);
  g_autofree char *bearer_foreign = g_strconcat ("Bearer ", foreign, NULL);
  const struct
  {
    const char *url;
    const char *authorization;
    guint status;
    const char *code;
  } cases[] = {
    { room_url, NULL, 401, "token-missing" },
    { room_url, "Basic YWxpY2U6c2VjcmV0", 401, "token-missing" },
    { room_url, "Bearer not.a.token", 401, "token-malformed" },
    { room_url, "Bearer ", 401, "token-missing" },
    { room_url, bearer_expired, 401, "token-expired" },
    { room_url, bearer_foreign, 401, "token-signature" },
    { room_url, alg_none, 401, "token-algorithm" },
    { room_url, rs256, 401, "token-algorithm" },
    { other_url, bearer_good, 403, "wrong-room" },
    { bad_path, bearer_good, 404, "unknown-room-path" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(PxTestWs) ws = px_test_ws_open (cases[i].url, cases[i].authorization);

      g_test_message ("case %u: %s", i, cases[i].code);
      g_assert_null (ws->connection);
      g_assert_cmpuint (ws->status, ==, cases[i].status);
      g_assert_cmpstr (ws->parallax_error, ==, cases[i].code);
    }

  /* The good token still works after all that. */
  {
    g_autoptr(PxTestWs) ws = px_test_ws_open (room_url, bearer_good);
    g_autofree char *text = NULL;

    g_assert_nonnull (ws->connection);
    g_assert_cmpstr (soup_websocket_connection_get_protocol (ws->connection), ==, "parallax.v1");
    /* No extension was negotiated: permessage-deflate stays off. */
    g_assert_null (soup_websocket_connection_get_extensions (ws->connection));
    text = metrics (server);
    g_assert_cmpfloat (px_net_test_metric (text, "parallax_connections_rejected_total{code=\"token-algorithm\"}"), ==, 2);
  }
}

static void
test_publish_grants_and_spoofing (void)
{
  PxTestHarness *harness = px_test_harness_new ();
  g_autoptr(PxNetTestServer) server = start (harness, NULL);
  g_autoptr(JsonObject) alice_welcome = NULL;
  g_autoptr(JsonObject) bob_welcome = NULL;
  g_autoptr(PxTestWs) alice = join_raw (server, "alice", TRUE, &alice_welcome);
  g_autoptr(PxTestWs) bob = join_raw (server, "bob", TRUE, &bob_welcome);
  g_autoptr(PxTestWs) viewer = join_raw (server, "viewer", FALSE, NULL);
  g_autoptr(JsonObject) error = NULL;
  g_autoptr(JsonObject) updated = NULL;
  guint32 alice_id = json_object_get_int_member (alice_welcome, "participant");
  guint32 bob_id = json_object_get_int_member (bob_welcome, "participant");
  PxWireHeader header;

  bob->keep_binaries = TRUE;
  g_assert_false (json_object_get_boolean_member (alice_welcome, "resumed"));

  /* The viewer may not publish: an error for the announcement… */
  px_test_ws_send_text (viewer, "{\"type\":\"publish\",\"streams\":[{\"stream\":1,\"kind\":\"video\"}]}");
  error = px_test_ws_wait_type (viewer, "error", PX_NET_TEST_TIMEOUT_MS);
  g_assert_nonnull (error);
  g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, "not-allowed");

  /* …and the connection closed for a frame, which nobody receives. */
  {
    g_autoptr(GBytes) frame = media_frame (PX_WIRE_KIND_VIDEO, 1, 0, 0, 100);

    px_test_ws_send_binary (viewer, frame);
    g_assert_cmpuint (px_test_ws_wait_closed (viewer, PX_NET_TEST_TIMEOUT_MS), ==, 4001);
  }

  /* Alice claims to be Bob in her frame; the server says who she is. */
  publish_video (alice);
  updated = px_test_ws_wait_type (bob, "updated", PX_NET_TEST_TIMEOUT_MS);
  g_assert_nonnull (updated);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GBytes) frame = media_frame (PX_WIRE_KIND_VIDEO, 1, bob_id, i, 5000);

      px_test_ws_send_binary (alice, frame);
    }
  g_assert_true (px_test_ws_wait_binaries (bob, 3, PX_NET_TEST_TIMEOUT_MS));
  for (guint i = 0; i < 3; i++)
    {
      gsize size;
      const guint8 *data = g_bytes_get_data (bob->binaries->pdata[i], &size);

      g_assert_true (px_wire_header_parse (data, size, &header, NULL));
      g_assert_cmpuint (header.participant, ==, alice_id);
      g_assert_cmpuint (header.participant, !=, bob_id);
      g_assert_cmpuint (header.sequence, ==, i);
    }
  /* The viewer got nothing it could have been spoofed with, and the server
   * acknowledged Alice's bytes. */
  g_assert_cmpuint (alice->n_binary, ==, 0);
  {
    g_autoptr(JsonObject) ack = px_test_ws_wait_type (alice, "ack", PX_NET_TEST_TIMEOUT_MS);

    g_assert_nonnull (ack);
    g_assert_cmpint (json_object_get_int_member (ack, "bytes"), >, 0);
  }

  /* Bob reports how Alice's stream arrives; Alice hears it from Bob,
   * whatever Bob's message claimed. */
  {
    g_autofree char *text = g_strdup_printf ("{\"type\":\"receiver-report\",\"participant\":%u,"
                                             "\"stream\":1,\"loss\":0.25,\"jitter_ms\":30}",
                                             alice_id);
    g_autoptr(JsonObject) report = NULL;
    g_autofree char *text_metrics = NULL;

    px_test_ws_send_text (bob, text);
    report = px_test_ws_wait_type (alice, "receiver-report", PX_NET_TEST_TIMEOUT_MS);
    g_assert_nonnull (report);
    g_assert_cmpint (json_object_get_int_member (report, "participant"), ==, bob_id);
    g_assert_cmpint (json_object_get_int_member (report, "stream"), ==, 1);
    g_assert_cmpfloat (json_object_get_double_member (report, "loss"), ==, 0.25);
    g_assert_cmpint (json_object_get_int_member (report, "jitter_ms"), ==, 30);
    text_metrics = metrics (server);
    g_assert_cmpfloat (px_net_test_metric (text_metrics, "parallax_receiver_reports_total"), ==, 1);
  }
}

typedef struct
{
  const char *name;
  const char *text;           /* a text message to send, or NULL */
  gsize binary_size;          /* else a binary message of this size… */
  int version;                /* …with this header version (0: a good one) */
  gboolean before_join;
  gushort expected_close;
} BadInput;

static void
test_bad_input (void)
{
  PxTestHarness *harness = px_test_harness_new ();
  g_autoptr(PxNetTestServer) server = start (harness, (const char *[]) {
    "PARALLAX_MAX_PAYLOAD_BYTES=131072", "PARALLAX_CONTROL_MESSAGES_PER_SECOND=20",
    "PARALLAX_JOINS_PER_SECOND=1000", "PARALLAX_MAX_CONNECTIONS_PER_IP=100", NULL });
  g_autoptr(PxTestWs) publisher = join_raw (server, "publisher", TRUE, NULL);
  g_autoptr(PxTestWs) subscriber = join_raw (server, "subscriber", TRUE, NULL);
  g_autofree char *big_text = NULL;
  const BadInput cases[] = {
    { "malformed JSON", "{\"type\":\"join\"", 0, 0, FALSE, 4000 },
    { "not an object", "[\"join\"]", 0, 0, FALSE, 4000 },
    { "unknown type", "{\"type\":\"teleport\"}", 0, 0, FALSE, 4000 },
    { "server-only type", "{\"type\":\"welcome\",\"participant\":1,\"room\":\"x\",\"resume\":\"\","
      "\"resumed\":true,\"participants\":[],\"server_time\":0}", 0, 0, FALSE, 4000 },
    { "wrong member type", "{\"type\":\"mute\",\"audio\":\"very\"}", 0, 0, FALSE, 4000 },
    { "media before join", NULL, 100, 0, TRUE, 4000 },
    { "control before join", "{\"type\":\"mute\",\"audio\":true}", 0, 0, TRUE, 4000 },
    { "second join", "{\"type\":\"join\"}", 0, 0, FALSE, 4000 },
    { "truncated frame", NULL, 10, 0, FALSE, 4000 },
    { "wrong header version", NULL, 100, 7, FALSE, 4000 },
    { "unannounced stream", NULL, 100, -1, FALSE, 4000 },
    { "acknowledging unsent bytes", "{\"type\":\"ack\",\"bytes\":1000000}", 0, 0, FALSE, 4000 },
    { "receiver report out of range", "{\"type\":\"receiver-report\",\"participant\":1,"
      "\"stream\":2,\"loss\":2.5}", 0, 0, FALSE, 4000 },
    { "oversized control message", NULL, 0, 0, FALSE, 4000 },
  };
  guint delivered_before;
  gsize rss_before;
  gsize rss_after;

  publish_video (publisher);
  json_object_unref (px_test_ws_wait_type (subscriber, "updated", PX_NET_TEST_TIMEOUT_MS));
  rss_before = server_rss_kib (server);

  big_text = g_strdup_printf ("{\"type\":\"calibration\",\"data\":{\"pad\":\"%0*d\"}}", 70000, 0);

  for (guint round = 0; round < 3; round++)
    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autofree char *token = g_strdup_printf ("offender-%u-%u", round, i);
        g_autofree char *jwt = px_net_test_token (NULL, ROOM, token, 600, TRUE, TRUE);
        g_autofree char *url = g_strdup_printf ("%s/v1/rooms/" ROOM, server->url);
        g_autofree char *authorization = g_strconcat ("Bearer ", jwt, NULL);
        g_autoptr(PxTestWs) offender = px_test_ws_open (url, authorization);

        g_test_message ("%s", cases[i].name);
        g_assert_nonnull (offender->connection);
        if (!cases[i].before_join)
          {
            g_autoptr(JsonObject) welcome = NULL;

            px_test_ws_send_text (offender, "{\"type\":\"join\"}");
            welcome = px_test_ws_wait_type (offender, "welcome", PX_NET_TEST_TIMEOUT_MS);
            g_assert_nonnull (welcome);
            px_test_ws_send_text (offender, "{\"type\":\"publish\",\"streams\":[{\"stream\":1,\"kind\":\"video\"}]}");
          }

        if (g_str_equal (cases[i].name, "oversized control message"))
          px_test_ws_send_text (offender, big_text);
        else if (cases[i].text != NULL)
          px_test_ws_send_text (offender, cases[i].text);
        else
          {
            g_autoptr(GBytes) frame = media_frame (PX_WIRE_KIND_VIDEO, cases[i].version == -1 ? 5 : 1,
                                                   0, 0, cases[i].binary_size > 32 ? cases[i].binary_size - 32 : 0);

            if (cases[i].binary_size <= 32)
              {
                g_autoptr(GBytes) cut = g_bytes_new_from_bytes (frame, 0, cases[i].binary_size);

                px_test_ws_send_binary (offender, cut);
              }
            else
              {
                if (cases[i].version > 0)
                  ((guint8 *) g_bytes_get_data (frame, NULL))[0] = cases[i].version;
                px_test_ws_send_binary (offender, frame);
              }
          }
        g_assert_cmpuint (px_test_ws_wait_closed (offender, PX_NET_TEST_TIMEOUT_MS), ==,
                          cases[i].expected_close);
      }

  /* A flood of control messages beyond the limit. */
  {
    g_autoptr(PxTestWs) flooder = join_raw (server, "flooder", TRUE, NULL);

    for (guint i = 0; i < 500 && !flooder->closed; i++)
      px_test_ws_send_text (flooder, "{\"type\":\"mute\",\"audio\":true}");
    g_assert_cmpuint (px_test_ws_wait_closed (flooder, PX_NET_TEST_TIMEOUT_MS), ==, 4002);
  }

  /* Everyone else kept going. */
  g_assert_false (publisher->closed);
  g_assert_false (subscriber->closed);
  delivered_before = subscriber->n_binary;
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(GBytes) frame = media_frame (PX_WIRE_KIND_AUDIO, 2, 0, i, 160);

      px_test_ws_send_binary (publisher, frame);
    }
  g_assert_true (px_test_ws_wait_binaries (subscriber, delivered_before + 5, PX_NET_TEST_TIMEOUT_MS));

  /* 39 bad connections later the server holds no more than a little. */
  rss_after = server_rss_kib (server);
  g_test_message ("server RSS %" G_GSIZE_FORMAT " KiB before, %" G_GSIZE_FORMAT " KiB after",
                  rss_before, rss_after);
  if (!PX_NET_TEST_SANITIZED)
    g_assert_cmpuint (rss_after, <, rss_before + 8 * 1024);
  {
    g_autofree char *text = metrics (server);

    g_assert_cmpfloat (px_net_test_metric (text, "parallax_connections"), ==, 2);
    g_assert_cmpfloat (px_net_test_metric (text, "parallax_connections_closed_total{code=\"4000\"}"), >=, 36);
    g_assert_cmpfloat (px_net_test_metric (text, "parallax_participants"), ==, 2);
  }
}

static void
test_connection_limits (void)
{
  PxTestHarness *harness = px_test_harness_new ();
  g_autoptr(PxNetTestServer) server = start (harness, (const char *[]) {
    "PARALLAX_MAX_CONNECTIONS_PER_IP=3", "PARALLAX_MAX_PARTICIPANTS_PER_ROOM=2",
    "PARALLAX_JOINS_PER_SECOND=1000", NULL });
  g_autoptr(PxTestWs) a = join_raw (server, "a", TRUE, NULL);
  g_autoptr(PxTestWs) b = join_raw (server, "b", TRUE, NULL);
  g_autofree char *token = px_net_test_token (NULL, ROOM, "c", 600, TRUE, TRUE);
  g_autofree char *other_token = px_net_test_token (NULL, "other", "d", 600, TRUE, TRUE);
  g_autofree char *url = g_strdup_printf ("%s/v1/rooms/" ROOM, server->url);
  g_autofree char *other_url = g_strdup_printf ("%s/v1/rooms/other", server->url);
  g_autofree char *authorization = g_strconcat ("Bearer ", token, NULL);
  g_autofree char *other_authorization = g_strconcat ("Bearer ", other_token, NULL);
  g_autoptr(PxTestWs) full = px_test_ws_open (url, authorization);
  g_autoptr(PxTestWs) third = NULL;
  g_autoptr(PxTestWs) fourth = NULL;

  g_assert_false (a->closed || b->closed);
  g_assert_null (full->connection);
  g_assert_cmpuint (full->status, ==, 403);
  g_assert_cmpstr (full->parallax_error, ==, "room-full");

  third = px_test_ws_open (other_url, other_authorization);
  g_assert_nonnull (third->connection);
  fourth = px_test_ws_open (other_url, other_authorization);
  g_assert_null (fourth->connection);
  g_assert_cmpuint (fourth->status, ==, 429);
  g_assert_cmpstr (fourth->parallax_error, ==, "too-many-connections");
}

static void
test_join_rate (void)
{
  PxTestHarness *harness = px_test_harness_new ();
  g_autoptr(PxNetTestServer) server = start (harness, (const char *[]) {
    "PARALLAX_JOINS_PER_SECOND=2", "PARALLAX_MAX_CONNECTIONS_PER_IP=100", NULL });
  g_autofree char *url = g_strdup_printf ("%s/v1/rooms/" ROOM, server->url);
  guint refused = 0;

  /* Twenty attempts cannot all fit a budget of two per second (burst two)
   * unless they took nine seconds; either way some must be refused. */
  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(PxTestWs) ws = px_test_ws_open (url, "Bearer x");

      if (g_strcmp0 (ws->parallax_error, "too-many-joins") == 0)
        {
          g_assert_cmpuint (ws->status, ==, 429);
          refused++;
        }
      else
        g_assert_cmpstr (ws->parallax_error, ==, "token-malformed");
    }
  g_assert_cmpuint (refused, >, 0);
}

/* The WebSocket handshake and a join by hand over a plain socket, for a
 * client that misbehaves below what libsoup lets a client do. */
static GSocketConnection *
open_raw_joined (PxNetTestServer *server,
                 const char      *identity)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *token = px_net_test_token (NULL, ROOM, identity, 600, FALSE, TRUE);
  g_autofree char *request = g_strdup_printf ("GET /v1/rooms/" ROOM " HTTP/1.1\r\n"
                                              "Host: 127.0.0.1:%u\r\n"
                                              "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                              "Sec-WebSocket-Version: 13\r\n"
                                              "Sec-WebSocket-Key: cGFyYWxsYXgtdGVzdC0xNg==\r\n"
                                              "Sec-WebSocket-Protocol: parallax.v1\r\n"
                                              "Authorization: Bearer %s\r\n\r\n",
                                              server->port, token);
  const char join[] = "{\"type\":\"join\"}";
  guint8 frame[6 + sizeof join];
  GSocketConnection *connection;
  GSocket *socket;
  char response[4096];
  gsize got = 0;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", server->port, NULL, &error);
  g_assert_no_error (error);
  socket = g_socket_connection_get_socket (connection);
  /* A small receive buffer, so that the server sees it stall early. */
  g_socket_set_option (socket, SOL_SOCKET, SO_RCVBUF, 4096, NULL);
  g_socket_set_timeout (socket, 20);

  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                            request, strlen (request), NULL, NULL, &error));
  while (got < sizeof response - 1 && g_strstr_len (response, got, "\r\n\r\n") == NULL)
    {
      gssize n = g_socket_receive (socket, response + got, 1, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpint (n, >, 0);
      got += n;
    }
  response[got] = '\0';
  g_assert_true (g_str_has_prefix (response, "HTTP/1.1 101"));

  /* A masked text frame (RFC 6455 §5.2), mask of zeros. */
  frame[0] = 0x81;
  frame[1] = 0x80 | (sizeof join - 1);
  memset (frame + 2, 0, 4);
  memcpy (frame + 6, join, sizeof join - 1);
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                            frame, 6 + sizeof join - 1, NULL, NULL, &error));
  return connection;
}

/* A message longer than max-payload-bytes: the server reads its header and
 * hangs up at once, without reading (or storing) the rest; the sender keeps
 * no place in the room. */
static void
test_oversized_message (void)
{
  PxTestHarness *harness = px_test_harness_new ();
  g_autoptr(PxNetTestServer) server = start (harness, (const char *[]) {
    "PARALLAX_MAX_PAYLOAD_BYTES=131072", NULL });
  g_autoptr(PxTestWs) bystander = join_raw (server, "bystander", TRUE, NULL);
  g_autoptr(GSocketConnection) raw = open_raw_joined (server, "oversized");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) joined = NULL;
  g_autoptr(JsonObject) left = NULL;
  GSocket *socket = g_socket_connection_get_socket (raw);
  guint8 header[14] = { 0x82, 0x80 | 127, 0, 0, 0, 0, 0, 0x0f, 0x42, 0x40, 0, 0, 0, 0 };
  guint8 buffer[4096];
  gsize got = 0;

  joined = px_test_ws_wait_type (bystander, "joined", PX_NET_TEST_TIMEOUT_MS);
  g_assert_nonnull (joined);

  /* A binary frame announcing 1 000 000 bytes, and only its header. */
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (raw)),
                                            header, sizeof header, NULL, NULL, &error));
  g_assert_no_error (error);

  /* Read until the server hangs up (the socket has a 20 s timeout). */
  for (;;)
    {
      gssize n = g_socket_receive (socket, (char *) buffer, sizeof buffer, NULL, &error);

      if (n <= 0)
        break;
      got += n;
    }
  g_test_message ("read %" G_GSIZE_FORMAT " bytes, then %s", got, error ? error->message : "EOF");
  g_assert_false (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT));

  /* The others see it leave at once, not after the resume window. */
  left = px_test_ws_wait_type (bystander, "left", PX_NET_TEST_TIMEOUT_MS);
  g_assert_nonnull (left);
  g_assert_cmpstr (json_object_get_string_member (left, "reason"), ==, "protocol-error");
  g_assert_false (bystander->closed);
}

typedef struct
{
  PxTestWs *publisher;
  guint sent;
  guint total;
  guint source;
} Pacer;

static gboolean
pace_cb (gpointer user_data)
{
  Pacer *pacer = user_data;
  g_autoptr(GBytes) frame = media_frame (PX_WIRE_KIND_VIDEO, 1, 0, pacer->sent, 60000);

  /* A keyframe every second, as an encoder would send. */
  if (pacer->sent % 30 == 0)
    ((guint8 *) g_bytes_get_data (frame, NULL))[2] = PX_WIRE_FLAG_KEYFRAME;
  px_test_ws_send_binary (pacer->publisher, frame);
  if (++pacer->sent < pacer->total)
    return G_SOURCE_CONTINUE;
  pacer->source = 0;
  return G_SOURCE_REMOVE;
}

static gboolean
all_sent (gpointer   user_data,
          GError   **error)
{
  Pacer *pacer = user_data;

  return pacer->sent == pacer->total;
}

static gboolean
last_frame_arrived (gpointer   user_data,
                    GError   **error)
{
  PxTestWs *ws = user_data;
  PxWireHeader header;
  gsize size;
  const guint8 *data;

  if (ws->binaries->len == 0)
    return FALSE;
  data = g_bytes_get_data (ws->binaries->pdata[ws->binaries->len - 1], &size);
  return px_wire_header_parse (data, size, &header, NULL) && header.sequence == 149;
}

static void
test_slow_subscriber (void)
{
  PxTestHarness *harness = px_test_harness_new ();
  g_autoptr(PxNetTestServer) server = start (harness, (const char *[]) {
    "PARALLAX_SUBSCRIBER_QUEUE_BYTES=1048576", NULL });
  g_autoptr(PxTestWs) publisher = join_raw (server, "publisher", TRUE, NULL);
  g_autoptr(PxTestWs) fast = join_raw (server, "fast", FALSE, NULL);
  g_autoptr(GSocketConnection) stalled = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) joined = NULL;
  g_autofree char *text = NULL;
  Pacer pacer = { publisher, 0, 150, 0 };
  gsize rss_before;
  gsize rss_after;
  guint last_sequence;
  PxWireHeader header;

  fast->keep_binaries = TRUE;
  publish_video (publisher);
  g_assert_nonnull (px_test_ws_wait_type (fast, "updated", PX_NET_TEST_TIMEOUT_MS));
  /* A subscriber that stops reading after its join. */
  stalled = open_raw_joined (server, "stalled");
  joined = px_test_ws_wait_type (fast, "joined", PX_NET_TEST_TIMEOUT_MS);
  g_assert_nonnull (joined);
  rss_before = server_rss_kib (server);

  /* 30 frames per second of 60 KB, five seconds of video (9 MB): far more
   * than the stalled subscriber's queue and flow window hold. */
  pacer.source = g_timeout_add (33, pace_cb, &pacer);
  g_assert_true (px_test_wait_until (all_sent, &pacer, 60000, "the publisher to send", &error));

  /* The fast subscriber got the stream: the last frame (latest wins, so it
   * always arrives) and nearly all the others. */
  g_assert_true (px_test_wait_until (last_frame_arrived, fast, PX_NET_TEST_TIMEOUT_MS,
                                     "the last frame", &error));
  {
    gsize size;
    const guint8 *data;

    data = g_bytes_get_data (fast->binaries->pdata[fast->binaries->len - 1], &size);
    g_assert_true (px_wire_header_parse (data, size, &header, NULL));
    last_sequence = header.sequence;
  }
  g_assert_cmpuint (last_sequence, ==, pacer.total - 1);
  g_test_message ("fast subscriber: %u of %u frames, last %u", fast->n_binary, pacer.total, last_sequence);
  g_assert_cmpuint (fast->n_binary, >=, pacer.total * 9 / 10);

  text = metrics (server);
  rss_after = server_rss_kib (server);
  g_test_message ("queue max %.0f bytes, dropped stale %.0f, queue-full %.0f, RSS %" G_GSIZE_FORMAT
                  " → %" G_GSIZE_FORMAT " KiB",
                  px_net_test_metric (text, "parallax_queue_bytes_max"),
                  px_net_test_metric (text, "parallax_frames_dropped_total{reason=\"stale\"}"),
                  px_net_test_metric (text, "parallax_frames_dropped_total{reason=\"queue-full\"}"),
                  rss_before, rss_after);
  /* The stalled subscriber's queue stays within its budget, its flow window
   * caps what libsoup holds for it, and the server dropped its stale video. */
  g_assert_cmpfloat (px_net_test_metric (text, "parallax_queue_bytes_max"), <=, 1048576);
  g_assert_cmpfloat (px_net_test_metric (text, "parallax_in_flight_bytes"), <=, 2 * 1048576);
  g_assert_cmpfloat (px_net_test_metric (text, "parallax_frames_dropped_total{reason=\"stale\"}") +
                     px_net_test_metric (text, "parallax_frames_dropped_total{reason=\"undecodable\"}") +
                     px_net_test_metric (text, "parallax_frames_dropped_total{reason=\"queue-full\"}"), >, 0);
  /* 9 MB went through; keeping even a copy of each frame would show. */
  if (!PX_NET_TEST_SANITIZED)
    g_assert_cmpuint (rss_after, <, rss_before + 8 * 1024);
  /* The publisher was asked for keyframes for the broken stream. */
  g_assert_cmpfloat (px_net_test_metric (text, "parallax_keyframe_requests_total"), >, 0);
  g_assert_false (publisher->closed);
  g_assert_false (fast->closed);

  g_io_stream_close (G_IO_STREAM (stalled), NULL, NULL);
}

static gboolean
process_exited (gpointer   user_data,
                GError   **error)
{
  return !px_test_process_is_running (user_data);
}

/* A client that sends nothing at all is closed with 4004 after
 * idle-timeout-seconds; one that pings stays. */
static void
test_idle_timeout (void)
{
  PxTestHarness *harness = px_test_harness_new ();
  g_autoptr(PxNetTestServer) server = start (harness, (const char *[]) {
    "PARALLAX_IDLE_TIMEOUT_SECONDS=2", NULL });
  g_autoptr(PxTestWs) silent = join_raw (server, "silent", TRUE, NULL);
  g_autoptr(PxTestWs) chatty = join_raw (server, "chatty", TRUE, NULL);
  g_autoptr(JsonObject) left = NULL;

  /* The chatty one pings on every pong, well within the timeout. */
  for (guint round = 0; !silent->closed; round++)
    {
      g_autoptr(JsonObject) pong = NULL;

      /* 200 ms or more a round: 100 rounds is far beyond the 2 s timeout. */
      g_assert_cmpuint (round, <, 100);

      px_test_ws_send_text (chatty, "{\"type\":\"ping\",\"t0\":1}");
      pong = px_test_ws_wait_type (chatty, "pong", PX_NET_TEST_TIMEOUT_MS);
      g_assert_nonnull (pong);
      g_assert_cmpint (json_object_get_int_member (pong, "t0"), ==, 1);
      g_assert_cmpint (json_object_get_int_member (pong, "t2"), >=, json_object_get_int_member (pong, "t1"));
      px_test_ws_wait_closed (silent, 200);
    }
  g_assert_cmpuint (silent->close_code, ==, 4004);
  g_assert_false (chatty->closed);

  /* A timed-out participant may be reconnecting: its place is kept. */
  left = px_test_ws_wait_type (chatty, "left", 500);
  g_assert_null (left);
}

static void
test_drain (void)
{
  PxTestHarness *harness = px_test_harness_new ();
  g_autoptr(PxNetTestServer) server = start (harness, (const char *[]) {
    "PARALLAX_DRAIN_GRACE_SECONDS=3", NULL });
  g_autoptr(PxTestWs) leaver = join_raw (server, "leaver", TRUE, NULL);
  g_autoptr(PxTestWs) stayer = join_raw (server, "stayer", TRUE, NULL);
  g_autoptr(JsonObject) draining = NULL;
  g_autoptr(JsonObject) left = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *healthz_url = g_strconcat (server->http_url, "/healthz", NULL);
  g_autofree char *body = NULL;
  guint status = 0;

  g_assert_true (px_test_process_signal (server->process, SIGTERM));
  draining = px_test_ws_wait_type (stayer, "draining", PX_NET_TEST_TIMEOUT_MS);
  g_assert_nonnull (draining);
  g_assert_cmpint (json_object_get_int_member (draining, "grace_seconds"), ==, 3);
  json_object_unref (px_test_ws_wait_type (leaver, "draining", PX_NET_TEST_TIMEOUT_MS));

  /* No new joins; health says so. */
  {
    g_autofree char *token = px_net_test_token (NULL, ROOM, "late", 600, TRUE, TRUE);
    g_autofree char *url = g_strdup_printf ("%s/v1/rooms/" ROOM, server->url);
    g_autofree char *authorization = g_strconcat ("Bearer ", token, NULL);
    g_autoptr(PxTestWs) late = px_test_ws_open (url, authorization);

    g_assert_null (late->connection);
    g_assert_cmpuint (late->status, ==, 503);
    g_assert_cmpstr (late->parallax_error, ==, "server-draining");
  }
  body = px_net_test_http_get (healthz_url, &status);
  g_assert_cmpuint (status, ==, 503);

  /* The meeting goes on during the grace: one leaves normally… */
  px_test_ws_send_text (leaver, "{\"type\":\"leave\"}");
  g_assert_cmpuint (px_test_ws_wait_closed (leaver, PX_NET_TEST_TIMEOUT_MS), ==, 1000);
  left = px_test_ws_wait_type (stayer, "left", PX_NET_TEST_TIMEOUT_MS);
  g_assert_nonnull (left);
  g_assert_false (stayer->closed);

  /* …the other is told to move when the grace is over, and the server exits. */
  g_assert_cmpuint (px_test_ws_wait_closed (stayer, PX_NET_TEST_TIMEOUT_MS), ==, 4100);
  g_assert_true (px_test_wait_until (process_exited, server->process, PX_NET_TEST_TIMEOUT_MS,
                                     "the server to exit", &error));
  g_assert_true (WIFEXITED (px_test_process_get_wait_status (server->process)));
  g_assert_cmpint (WEXITSTATUS (px_test_process_get_wait_status (server->process)), ==, 0);
}

static void
test_double_sigint (void)
{
  PxTestHarness *harness = px_test_harness_new ();
  g_autoptr(PxNetTestServer) server = start (harness, NULL);
  g_autoptr(PxTestWs) client = join_raw (server, "client", TRUE, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (px_test_process_signal (server->process, SIGINT));
  json_object_unref (px_test_ws_wait_type (client, "draining", PX_NET_TEST_TIMEOUT_MS));
  g_assert_true (px_test_process_is_running (server->process));

  /* The default grace is 30 s; a second SIGINT does not wait for it. */
  g_assert_true (px_test_process_signal (server->process, SIGINT));
  g_assert_true (px_test_wait_until (process_exited, server->process, PX_NET_TEST_TIMEOUT_MS,
                                     "the server to exit", &error));
  g_assert_true (WIFEXITED (px_test_process_get_wait_status (server->process)));
  g_assert_cmpint (WEXITSTATUS (px_test_process_get_wait_status (server->process)), ==, 130);
}

/* Sessions ------------------------------------------------------------------ */

typedef struct
{
  gboolean done;
  GError *error;
} JoinResult;

static void
join_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  JoinResult *join = user_data;

  px_session_join_finish (PX_SESSION (source), result, &join->error);
  join->done = TRUE;
}

/* Joins; returns NULL, or the error. */
static GError *
session_join (PxSession *session)
{
  JoinResult join = { FALSE, NULL };

  px_session_join_async (session, NULL, join_done_cb, &join);
  g_assert_true (px_net_test_wait_flag (&join.done, PX_NET_TEST_TIMEOUT_MS, "the join to finish"));
  return join.error;
}

typedef struct
{
  PxSession **sessions;
  guint n;
  guint expected;
} SessionsWait;

static gboolean
sessions_joined_with (gpointer   user_data,
                      GError   **error)
{
  SessionsWait *wait = user_data;

  for (guint i = 0; i < wait->n; i++)
    {
      if (px_session_get_state (wait->sessions[i]) != PX_SESSION_STATE_JOINED ||
          g_list_model_get_n_items (px_session_get_participants (wait->sessions[i])) != wait->expected)
        return FALSE;
    }
  return TRUE;
}

static gboolean
session_reconnecting (gpointer   user_data,
                      GError   **error)
{
  return px_session_get_state (user_data) == PX_SESSION_STATE_RECONNECTING;
}

static void
test_server_restart (void)
{
  PxTestHarness *harness = px_test_harness_new ();
  g_autoptr(PxNetTestServer) server = start (harness, NULL);
  g_autofree char *token_a = px_net_test_token (NULL, ROOM, "alice", 600, TRUE, TRUE);
  g_autofree char *token_b = px_net_test_token (NULL, ROOM, "bob", 600, TRUE, TRUE);
  g_autoptr(PxSession) a = px_session_new (server->url, ROOM, token_a);
  g_autoptr(PxSession) b = px_session_new (server->url, ROOM, token_b);
  PxSession *both[] = { a, b };
  SessionsWait wait = { both, 2, 2 };
  g_autoptr(GError) error = NULL;

  g_assert_null (session_join (a));
  g_assert_null (session_join (b));
  g_assert_true (px_test_wait_until (sessions_joined_with, &wait, PX_NET_TEST_TIMEOUT_MS,
                                     "both sessions to see each other", &error));

  /* The server dies without a word, and comes back on the same port. */
  g_assert_true (px_test_process_signal (server->process, SIGKILL));
  g_assert_true (px_test_wait_until (session_reconnecting, a, PX_NET_TEST_TIMEOUT_MS,
                                     "the session to notice", &error));
  g_assert_true (px_net_test_server_restart (server));

  g_assert_true (px_test_wait_until (sessions_joined_with, &wait, PX_NET_TEST_TIMEOUT_MS,
                                     "both sessions back in the room", &error));

  px_session_leave (a);
  px_session_leave (b);
}

static void
draining_cb (PxSession *session,
             guint      grace_seconds,
             guint     *received)
{
  *received = grace_seconds;
}

/* A session hears the drain, moves when the server closes with 4100, and is
 * back once a server answers again at that address. */
static void
test_session_drain (void)
{
  PxTestHarness *harness = px_test_harness_new ();
  g_autoptr(PxNetTestServer) server = start (harness, (const char *[]) {
    "PARALLAX_DRAIN_GRACE_SECONDS=1", NULL });
  g_autofree char *token = px_net_test_token (NULL, ROOM, "alice", 600, TRUE, TRUE);
  g_autoptr(PxSession) session = px_session_new (server->url, ROOM, token);
  PxSession *sessions[] = { session };
  SessionsWait wait = { sessions, 1, 1 };
  g_autoptr(GError) error = NULL;
  guint grace = 0;
  gboolean notified = FALSE;

  g_signal_connect (session, "draining", G_CALLBACK (draining_cb), &grace);
  g_assert_null (session_join (session));

  g_assert_true (px_test_process_signal (server->process, SIGTERM));
  g_assert_true (px_test_wait_until (session_reconnecting, session, PX_NET_TEST_TIMEOUT_MS,
                                     "the session to move", &error));
  notified = grace == 1;
  g_assert_true (notified);
  g_assert_true (px_test_wait_until (process_exited, server->process, PX_NET_TEST_TIMEOUT_MS,
                                     "the drained server to exit", &error));

  g_assert_true (px_net_test_server_restart (server));
  g_assert_true (px_test_wait_until (sessions_joined_with, &wait, PX_NET_TEST_TIMEOUT_MS,
                                     "the session back in the room", &error));
  px_session_leave (session);
}

static void
test_tls (void)
{
  PxTestHarness *harness = NULL;
  g_autoptr(PxNetTestServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autofree char *cert_env = NULL;
  g_autofree char *key_env = NULL;
  g_autofree char *output = NULL;
  g_autofree char *wss = NULL;
  g_autofree char *token = NULL;

  if (!px_test_require_programs ("openssl", NULL))
    return;
  harness = px_test_harness_new ();
  cert = g_build_filename (px_test_harness_get_tmp_dir (harness), "cert.pem", NULL);
  key = g_build_filename (px_test_harness_get_tmp_dir (harness), "key.pem", NULL);

  output = px_test_run_sync ((const char *[]) {
    "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
    "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
    "-keyout", key, "-out", cert, NULL }, NULL, 60000, &error);
  g_assert_no_error (error);

  cert_env = g_strconcat ("PARALLAX_TLS_CERT=", cert, NULL);
  key_env = g_strconcat ("PARALLAX_TLS_KEY=", key, NULL);
  server = start (harness, (const char *[]) { cert_env, key_env, NULL });
  wss = g_strdup_printf ("wss://127.0.0.1:%u", server->port);

  database = g_tls_file_database_new (cert, &error);
  g_assert_no_error (error);

  /* A session that trusts the certificate joins over wss://. */
  token = px_net_test_token (NULL, ROOM, "alice", 600, TRUE, TRUE);
  {
    g_autoptr(PxSession) session = px_session_new (wss, ROOM, token);

    px_session_set_tls_database (session, database);
    g_assert_null (session_join (session));
    g_assert_cmpint (px_session_get_state (session), ==, PX_SESSION_STATE_JOINED);
    px_session_leave (session);
  }

  /* One that does not trust it is refused by its own TLS check. */
  {
    g_autoptr(PxSession) session = px_session_new (wss, ROOM, token);
    g_autoptr(GError) join_error = session_join (session);

    g_assert_error (join_error, PX_SESSION_ERROR, PX_SESSION_ERROR_CERTIFICATE);
  }

  /* Plain ws:// to a TLS port does not get in either. */
  {
    g_autoptr(PxSession) session = px_session_new (server->url, ROOM, token);
    g_autoptr(GError) join_error = session_join (session);

    g_assert_nonnull (join_error);
  }
}

static void
test_cli (void)
{
  g_autofree char *server_path = g_build_filename (g_getenv ("PX_BUILD_DIR") ? g_getenv ("PX_BUILD_DIR")
                                                                             : PX_TEST_BUILD_DIR,
                                                   "app", "parallax-server", NULL);
  g_auto(GStrv) env = g_get_environ ();
  g_auto(GStrv) no_secret_env = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) secret = g_bytes_new_static (PX_NET_TEST_SECRET, strlen (PX_NET_TEST_SECRET));
  g_autoptr(PxTokenClaims) claims = NULL;
  g_auto(GStrv) lines = NULL;
  int status = 0;

  env = g_environ_setenv (env, "PARALLAX_SECRET", PX_NET_TEST_SECRET, TRUE);
  no_secret_env = g_environ_unsetenv (g_strdupv (env), "PARALLAX_SECRET");

  g_assert_true (g_spawn_sync (NULL, (char *[]) { server_path, "token", "--room", "standup",
                                                  "--identity", "ann", "--name", "Ann Example",
                                                  "--ttl", "120", "--no-publish", NULL },
                               env, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  lines = g_strsplit (g_strstrip (out), "\n", -1);
  claims = px_token_verify (lines[g_strv_length (lines) - 1], secret,
                            g_get_real_time () / G_USEC_PER_SEC, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (claims->room, ==, "standup");
  g_assert_cmpstr (claims->identity, ==, "ann");
  g_assert_cmpstr (claims->name, ==, "Ann Example");
  g_assert_false (claims->can_publish);
  g_assert_true (claims->can_subscribe);
  g_assert_cmpint (claims->expires_at, <=, g_get_real_time () / G_USEC_PER_SEC + 121);

  {
    const struct
    {
      char **env;
      const char *argv[8];
      int exit_status;
      const char *message;
    } cases[] = {
      { no_secret_env, { "token", "--room", "r", "--identity", "i", NULL }, 1, "secret" },
      { env, { "token", "--room", "r", NULL }, 2, "--identity" },
      { env, { "token", "--room", "r", "--identity", "i", "--ttl", "0" }, 2, "--ttl" },
      { env, { "--frobnicate", NULL }, 2, "frobnicate" },
      { env, { "--port", "70000", NULL }, 2, "70000" },
      { env, { "--address", "not-an-address", NULL }, 1, "not-an-address" },
      { env, { "--config", "/nonexistent/server.conf", NULL }, 1, "/nonexistent/server.conf" },
      { no_secret_env, { "--port", "0", NULL }, 1, "secret" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autoptr(GPtrArray) argv = g_ptr_array_new ();
        g_autofree char *case_out = NULL;
        g_autofree char *case_err = NULL;

        g_ptr_array_add (argv, server_path);
        for (guint j = 0; j < G_N_ELEMENTS (cases[i].argv) && cases[i].argv[j] != NULL; j++)
          g_ptr_array_add (argv, (char *) cases[i].argv[j]);
        g_ptr_array_add (argv, NULL);

        g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, cases[i].env, G_SPAWN_DEFAULT,
                                     NULL, NULL, &case_out, &case_err, &status, &error));
        g_test_message ("case %u: %s", i, case_err);
        g_assert_true (WIFEXITED (status));
        g_assert_cmpint (WEXITSTATUS (status), ==, cases[i].exit_status);
        g_assert_nonnull (strstr (case_err, cases[i].message));
      }
  }

  g_clear_pointer (&out, g_free);
  g_assert_true (g_spawn_sync (NULL, (char *[]) { server_path, "--version", NULL }, env,
                               G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status, &error));
  g_assert_cmpstr (out, ==, "parallax-server " PACKAGE_VERSION "\n");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/net/server/health-and-metrics", test_health_and_metrics);
  g_test_add_func ("/net/server/token-refusals", test_token_refusals);
  g_test_add_func ("/net/server/publish-grants-and-spoofing", test_publish_grants_and_spoofing);
  g_test_add_func ("/net/server/bad-input", test_bad_input);
  g_test_add_func ("/net/server/oversized-message", test_oversized_message);
  g_test_add_func ("/net/server/connection-limits", test_connection_limits);
  g_test_add_func ("/net/server/join-rate", test_join_rate);
  g_test_add_func ("/net/server/slow-subscriber", test_slow_subscriber);
  g_test_add_func ("/net/server/idle-timeout", test_idle_timeout);
  g_test_add_func ("/net/server/drain", test_drain);
  g_test_add_func ("/net/server/double-sigint", test_double_sigint);
  g_test_add_func ("/net/server/restart", test_server_restart);
  g_test_add_func ("/net/server/session-drain", test_session_drain);
  g_test_add_func ("/net/server/tls", test_tls);
  g_test_add_func ("/net/server/cli", test_cli);

  return g_test_run ();
}
