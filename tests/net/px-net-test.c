/* px-net-test.c: helpers for the network tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "net/px-control.h"
#include "net/px-token.h"
#include "px-net-test.h"

/* ------------------------------------------------------------------------ */
/* The server process                                                       */

static const char *
server_path (void)
{
  static char *path;

  if (path == NULL)
    path = g_build_filename (g_getenv ("PX_BUILD_DIR") ? g_getenv ("PX_BUILD_DIR") : PX_TEST_BUILD_DIR,
                             "app", "parallax-server", NULL);
  return path;
}

typedef struct
{
  PxTestProcess *process;
  guint port;
} ListenWait;

static gboolean
listening_cb (gpointer   user_data,
              GError   **error)
{
  ListenWait *wait = user_data;
  g_autofree char *log = px_test_process_read_log_tail (wait->process, 65536);
  const char *line = strstr (log, "listening on ws");

  if (line != NULL)
    {
      const char *colon = strchr (line + strlen ("listening on ws"), ':');

      colon = colon ? strchr (colon + 1, ':') : NULL;
      if (colon != NULL)
        {
          wait->port = strtoul (colon + 1, NULL, 10);
          return wait->port != 0;
        }
    }
  if (!px_test_process_is_running (wait->process))
    {
      g_autofree char *status = px_test_process_describe_status (wait->process);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "parallax-server %s:\n%s", status, log);
    }
  return FALSE;
}

static gboolean
spawn_server (PxNetTestServer *server,
              guint            port)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  gboolean has_port = FALSE;
  ListenWait wait = { 0 };

  g_ptr_array_add (argv, g_strdup (server_path ()));
  for (guint i = 0; i < server->args->len; i++)
    {
      if (g_str_equal (server->args->pdata[i], "--port"))
        has_port = TRUE;
      g_ptr_array_add (argv, g_strdup (server->args->pdata[i]));
    }
  if (!has_port)
    {
      g_ptr_array_add (argv, g_strdup ("--port"));
      g_ptr_array_add (argv, g_strdup_printf ("%u", port));
    }
  g_ptr_array_add (argv, NULL);

  server->process = px_test_harness_spawn (server->harness, "parallax-server",
                                           (const char * const *) argv->pdata,
                                           (const char * const *) server->env, &error);
  if (server->process == NULL)
    {
      g_test_fail_printf ("Cannot start parallax-server: %s", error->message);
      return FALSE;
    }

  wait.process = server->process;
  if (!px_test_wait_until (listening_cb, &wait, PX_NET_TEST_TIMEOUT_MS,
                           "parallax-server to listen", &error))
    {
      g_test_fail_printf ("%s", error->message);
      return FALSE;
    }

  server->port = wait.port;
  g_free (server->url);
  g_free (server->http_url);
  server->url = g_strdup_printf ("ws://127.0.0.1:%u", server->port);
  server->http_url = g_strdup_printf ("http://127.0.0.1:%u", server->port);
  return TRUE;
}

PxNetTestServer *
px_net_test_server_start (PxTestHarness      *harness,
                          const char * const *args,
                          const char * const *env)
{
  PxNetTestServer *server = g_new0 (PxNetTestServer, 1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  server->harness = harness;
  server->args = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (server->args, g_strdup (args[i]));

  g_strv_builder_add (builder, "PARALLAX_SECRET=" PX_NET_TEST_SECRET);
  g_strv_builder_add (builder, "G_MESSAGES_DEBUG=");
  for (guint i = 0; env != NULL && env[i] != NULL; i++)
    g_strv_builder_add (builder, env[i]);
  server->env = g_strv_builder_end (builder);

  if (!spawn_server (server, 0))
    {
      px_net_test_server_free (server);
      return NULL;
    }
  return server;
}

gboolean
px_net_test_server_restart (PxNetTestServer *server)
{
  if (server->process != NULL)
    px_test_harness_stop_process (server->harness, server->process);
  server->process = NULL;
  return spawn_server (server, server->port);
}

void
px_net_test_server_free (PxNetTestServer *server)
{
  if (server == NULL)
    return;
  if (server->process != NULL)
    px_test_harness_stop_process (server->harness, server->process);
  g_ptr_array_unref (server->args);
  g_strfreev (server->env);
  g_free (server->url);
  g_free (server->http_url);
  g_free (server);
}

char *
px_net_test_token (const char *secret,
                   const char *room,
                   const char *identity,
                   gint64      ttl_seconds,
                   gboolean    can_publish,
                   gboolean    can_subscribe)
{
  g_autoptr(PxTokenClaims) claims = NULL;
  g_autoptr(GBytes) key = NULL;

  if (secret == NULL)
    secret = PX_NET_TEST_SECRET;
  key = g_bytes_new (secret, strlen (secret));
  claims = px_token_claims_new (room, identity, identity,
                                g_get_real_time () / G_USEC_PER_SEC + ttl_seconds,
                                can_publish, can_subscribe);
  return px_token_mint (claims, key);
}

/* ------------------------------------------------------------------------ */
/* Waiting                                                                  */

static gboolean
flag_cb (gpointer   user_data,
         GError   **error)
{
  return *(gboolean *) user_data;
}

gboolean
px_net_test_wait_flag (gboolean   *flag,
                       guint       timeout_ms,
                       const char *what)
{
  g_autoptr(GError) error = NULL;

  if (px_test_wait_until (flag_cb, flag, timeout_ms, what, &error))
    return TRUE;
  g_test_message ("%s", error->message);
  return FALSE;
}

typedef struct
{
  SoupMessage *message;
  GBytes *body;
  gboolean done;
} HttpGet;

static void
http_get_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  HttpGet *get = user_data;

  get->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);
  get->done = TRUE;
}

char *
px_net_test_http_get (const char *url,
                      guint      *status)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  HttpGet get = { message, NULL, FALSE };
  char *text;

  soup_session_send_and_read_async (session, message, G_PRIORITY_DEFAULT, NULL, http_get_cb, &get);
  if (!px_net_test_wait_flag (&get.done, PX_NET_TEST_TIMEOUT_MS, url))
    {
      /* Let the request finish before its data goes away. */
      soup_session_abort (session);
      px_net_test_wait_flag (&get.done, PX_NET_TEST_TIMEOUT_MS, url);
      *status = 0;
      g_clear_pointer (&get.body, g_bytes_unref);
      return g_strdup ("");
    }
  *status = soup_message_get_status (message);
  if (get.body == NULL)
    return g_strdup ("");
  text = g_strndup (g_bytes_get_data (get.body, NULL), g_bytes_get_size (get.body));
  g_bytes_unref (get.body);
  return text;
}

double
px_net_test_metric (const char *metrics,
                    const char *name)
{
  g_auto(GStrv) lines = g_strsplit (metrics, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], name) && lines[i][strlen (name)] == ' ')
        return g_ascii_strtod (lines[i] + strlen (name) + 1, NULL);
    }
  return -1;
}

/* ------------------------------------------------------------------------ */
/* Raw WebSocket client                                                     */

static void
ws_message_cb (SoupWebsocketConnection *connection,
               gint                     type,
               GBytes                  *message,
               PxTestWs                *ws)
{
  if (type == SOUP_WEBSOCKET_DATA_TEXT)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      gsize size;
      const char *data = g_bytes_get_data (message, &size);

      if (json_parser_load_from_data (parser, data, size, NULL) &&
          JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        g_queue_push_tail (&ws->texts, json_object_ref (json_node_get_object (json_parser_get_root (parser))));
      return;
    }

  ws->n_binary++;
  ws->binary_bytes += g_bytes_get_size (message);
  if (ws->keep_binaries)
    g_ptr_array_add (ws->binaries, g_bytes_ref (message));
  if (ws->auto_ack)
    {
      g_autofree char *ack = g_strdup_printf ("{\"type\":\"ack\",\"bytes\":%" G_GUINT64_FORMAT "}",
                                              ws->binary_bytes);
      soup_websocket_connection_send_text (connection, ack);
    }
}

static void
ws_closed_cb (SoupWebsocketConnection *connection,
              PxTestWs                *ws)
{
  ws->closed = TRUE;
  ws->close_code = soup_websocket_connection_get_close_code (connection);
}

static void
ws_connect_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  PxTestWs *ws = user_data;
  g_autoptr(GError) error = NULL;

  ws->connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  ws->status = soup_message_get_status (ws->message);
  ws->parallax_error = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (ws->message),
                                                               "Parallax-Error"));
  if (ws->connection != NULL)
    {
      soup_websocket_connection_set_max_incoming_payload_size (ws->connection, 64 * 1024 * 1024);
      g_signal_connect (ws->connection, "message", G_CALLBACK (ws_message_cb), ws);
      g_signal_connect (ws->connection, "closed", G_CALLBACK (ws_closed_cb), ws);
    }
  else
    g_test_message ("WebSocket refused: %u %s (%s)", ws->status,
                    ws->parallax_error ? ws->parallax_error : "-", error->message);
  ws->done = TRUE;
}

PxTestWs *
px_test_ws_open (const char *url,
                 const char *authorization)
{
  PxTestWs *ws = g_new0 (PxTestWs, 1);
  g_autofree char *http = NULL;
  const char *protocols[] = { "parallax.v1", NULL };

  if (g_str_has_prefix (url, "ws://"))
    http = g_strconcat ("http://", url + 5, NULL);
  else if (g_str_has_prefix (url, "wss://"))
    http = g_strconcat ("https://", url + 6, NULL);
  else
    http = g_strdup (url);

  g_queue_init (&ws->texts);
  ws->binaries = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  ws->auto_ack = TRUE;
  ws->session = soup_session_new ();
  soup_session_remove_feature_by_type (ws->session, SOUP_TYPE_WEBSOCKET_EXTENSION_MANAGER);
  ws->message = soup_message_new ("GET", http);
  g_assert_nonnull (ws->message);
  if (authorization != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (ws->message),
                                  "Authorization", authorization);
  soup_session_websocket_connect_async (ws->session, ws->message, NULL, (char **) protocols,
                                        G_PRIORITY_DEFAULT, NULL, ws_connect_cb, ws);
  if (!px_net_test_wait_flag (&ws->done, PX_NET_TEST_TIMEOUT_MS, "the WebSocket handshake"))
    {
      soup_session_abort (ws->session);
      g_assert_true (px_net_test_wait_flag (&ws->done, PX_NET_TEST_TIMEOUT_MS, "the handshake to abort"));
    }
  return ws;
}

PxTestWs *
px_test_ws_join (const char  *base_url,
                 const char  *room,
                 const char  *token,
                 JsonObject **welcome)
{
  g_autofree char *url = g_strdup_printf ("%s/v1/rooms/%s", base_url, room);
  g_autofree char *authorization = g_strconcat ("Bearer ", token, NULL);
  PxTestWs *ws = px_test_ws_open (url, authorization);
  JsonObject *object;

  g_assert_nonnull (ws->connection);
  px_test_ws_send_text (ws, "{\"type\":\"join\"}");
  object = px_test_ws_wait_type (ws, "welcome", PX_NET_TEST_TIMEOUT_MS);
  g_assert_nonnull (object);
  if (welcome != NULL)
    *welcome = object;
  else
    json_object_unref (object);
  return ws;
}

void
px_test_ws_send_text (PxTestWs   *ws,
                      const char *text)
{
  if (ws->connection != NULL &&
      soup_websocket_connection_get_state (ws->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (ws->connection, text);
}

void
px_test_ws_send_binary (PxTestWs *ws,
                        GBytes   *bytes)
{
  if (ws->connection != NULL &&
      soup_websocket_connection_get_state (ws->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_message (ws->connection, SOUP_WEBSOCKET_DATA_BINARY, bytes);
}

typedef struct
{
  PxTestWs *ws;
  const char *type;
  JsonObject *found;
} TypeWait;

static gboolean
type_cb (gpointer   user_data,
         GError   **error)
{
  TypeWait *wait = user_data;

  for (GList *l = wait->ws->texts.head; l != NULL; l = l->next)
    {
      JsonObject *object = l->data;

      if (g_strcmp0 (json_object_get_string_member_with_default (object, "type", ""), wait->type) == 0)
        {
          wait->found = object;
          g_queue_delete_link (&wait->ws->texts, l);
          return TRUE;
        }
    }
  return FALSE;
}

JsonObject *
px_test_ws_wait_type (PxTestWs   *ws,
                      const char *type,
                      guint       timeout_ms)
{
  g_autoptr(GError) error = NULL;
  TypeWait wait = { ws, type, NULL };

  if (!px_test_wait_until (type_cb, &wait, timeout_ms, type, &error))
    g_test_message ("%s", error->message);
  return wait.found;
}

gushort
px_test_ws_wait_closed (PxTestWs *ws,
                        guint     timeout_ms)
{
  if (ws->connection == NULL)
    return 0;
  if (!px_net_test_wait_flag (&ws->closed, timeout_ms, "the connection to close"))
    return 0;
  return ws->close_code;
}

typedef struct
{
  PxTestWs *ws;
  guint count;
} BinaryWait;

static gboolean
binaries_cb (gpointer   user_data,
             GError   **error)
{
  BinaryWait *wait = user_data;

  return wait->ws->n_binary >= wait->count;
}

gboolean
px_test_ws_wait_binaries (PxTestWs *ws,
                          guint     count,
                          guint     timeout_ms)
{
  g_autoptr(GError) error = NULL;
  BinaryWait wait = { ws, count };

  if (!px_test_wait_until (binaries_cb, &wait, timeout_ms, "binary frames", &error))
    {
      g_test_message ("%s (%u of %u)", error->message, ws->n_binary, count);
      return FALSE;
    }
  return TRUE;
}

void
px_test_ws_free (PxTestWs *ws)
{
  if (ws == NULL)
    return;
  if (ws->connection != NULL)
    {
      g_signal_handlers_disconnect_by_data (ws->connection, ws);
      if (soup_websocket_connection_get_state (ws->connection) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (ws->connection, 1000, NULL);
      g_clear_object (&ws->connection);
    }
  g_queue_clear_full (&ws->texts, (GDestroyNotify) json_object_unref);
  g_ptr_array_unref (ws->binaries);
  g_clear_object (&ws->message);
  g_clear_object (&ws->session);
  g_free (ws->parallax_error);
  g_free (ws);
}

/* ------------------------------------------------------------------------ */
/* TCP relay                                                                */

struct _PxTestRelay
{
  GSocketService *service;
  guint port;
  guint target_port;
  gboolean refusing;
  GPtrArray *cancellables;
};

typedef struct
{
  GIOStream *a;
  GIOStream *b;
} Pair;

static void
splice_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Pair *pair = user_data;

  g_io_stream_splice_finish (result, NULL);
  g_io_stream_close (pair->a, NULL, NULL);
  g_io_stream_close (pair->b, NULL, NULL);
  g_object_unref (pair->a);
  g_object_unref (pair->b);
  g_free (pair);
}

static gboolean
relay_incoming_cb (GSocketService    *service,
                   GSocketConnection *incoming,
                   GObject           *source_object,
                   PxTestRelay       *relay)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) outgoing = NULL;
  GCancellable *cancellable;
  Pair *pair;

  if (relay->refusing)
    {
      g_io_stream_close (G_IO_STREAM (incoming), NULL, NULL);
      return TRUE;
    }

  outgoing = g_socket_client_connect_to_host (client, "127.0.0.1", relay->target_port, NULL, NULL);
  if (outgoing == NULL)
    return TRUE;  /* the incoming connection is dropped: like a dead server */

  cancellable = g_cancellable_new ();
  g_ptr_array_add (relay->cancellables, cancellable);
  pair = g_new0 (Pair, 1);
  pair->a = G_IO_STREAM (g_object_ref (incoming));
  pair->b = G_IO_STREAM (g_object_ref (outgoing));
  g_io_stream_splice_async (pair->a, pair->b,
                            G_IO_STREAM_SPLICE_CLOSE_STREAM1 | G_IO_STREAM_SPLICE_CLOSE_STREAM2,
                            G_PRIORITY_DEFAULT, cancellable, splice_done_cb, pair);
  return TRUE;
}

PxTestRelay *
px_test_relay_new (guint target_port)
{
  PxTestRelay *relay = g_new0 (PxTestRelay, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  relay->target_port = target_port;
  relay->cancellables = g_ptr_array_new_with_free_func (g_object_unref);
  relay->service = g_socket_service_new ();
  g_assert_true (g_socket_listener_add_address (G_SOCKET_LISTENER (relay->service), address,
                                                G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                                NULL, &bound, &error));
  g_assert_no_error (error);
  relay->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_signal_connect (relay->service, "incoming", G_CALLBACK (relay_incoming_cb), relay);
  g_socket_service_start (relay->service);
  return relay;
}

guint
px_test_relay_get_port (PxTestRelay *relay)
{
  return relay->port;
}

void
px_test_relay_set_refusing (PxTestRelay *relay,
                            gboolean     refusing)
{
  relay->refusing = refusing;
}

guint
px_test_relay_cut (PxTestRelay *relay)
{
  guint n = relay->cancellables->len;

  for (guint i = 0; i < n; i++)
    g_cancellable_cancel (relay->cancellables->pdata[i]);
  g_ptr_array_set_size (relay->cancellables, 0);
  return n;
}

void
px_test_relay_free (PxTestRelay *relay)
{
  if (relay == NULL)
    return;
  px_test_relay_cut (relay);
  g_socket_service_stop (relay->service);
  g_socket_listener_close (G_SOCKET_LISTENER (relay->service));
  g_signal_handlers_disconnect_by_data (relay->service, relay);
  g_object_unref (relay->service);
  g_ptr_array_unref (relay->cancellables);
  g_free (relay);
}
