/* bench-fanout.c: parallax-server fanning one publisher out to many
 *
 * One publisher sends 30 frames/s of 60 KB (video, a keyframe each second)
 * through a real parallax-server on 127.0.0.1 to 1, 10, 50 and 100
 * subscribing PxSessions, all in this process. For each step it prints the
 * delivered frame rate per subscriber, the delay the trip added (receive
 * time minus capture time, both on this machine's monotonic clock) at p50
 * and p95, and the server's CPU use and resident memory.
 *
 * The peer it compares to, measured in the same run: the same frames over
 * one direct WebSocket (libsoup client to a libsoup server in this process,
 * no parallax-server in between), which is the floor for a single hop.
 *
 *   meson test -C _build --benchmark fanout     or
 *   _build/tests/bench/net/bench-fanout [--seconds S] [--steps 1,10,50,100]
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libsoup/soup.h>

#include "net/px-session.h"
#include "net/px-token.h"
#include "net/px-wire.h"

#define SECRET "parallax-bench-secret-0123456789abcdef"
#define ROOM "bench"
#define FRAME_BYTES (60 * 1000)
#define FPS 30
#define DEADLINE_US (60 * G_USEC_PER_SEC)

typedef struct
{
  GArray *delays;          /* gint64 µs */
  guint frames;
} Stats;

typedef struct
{
  PxSession *session;
  Stats *stats;
  gboolean joined;
  GError *error;
} Subscriber;

static gboolean
run_until (gboolean *flag,
           gint64    timeout_us)
{
  gint64 deadline = g_get_monotonic_time () + timeout_us;

  while (!*flag && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  return *flag;
}

static gboolean
timeout_flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop for @ms. */
static void
run_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_flag_cb, &done);
  run_until (&done, (gint64) ms * 1000 + DEADLINE_US);
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static double
percentile_ms (GArray *values,
               double  fraction)
{
  guint index;

  if (values->len == 0)
    return -1;
  g_array_sort (values, compare_int64);
  index = MIN (values->len - 1, (guint) (fraction * values->len));
  return g_array_index (values, gint64, index) / 1000.0;
}

/* ------------------------------------------------------------------------ */
/* The server process                                                       */

typedef struct
{
  GSubprocess *process;
  guint port;
} Server;

static gboolean
server_start (Server  *server,
              GError **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autofree char *path = g_build_filename (g_getenv ("PX_BUILD_DIR") ? g_getenv ("PX_BUILD_DIR")
                                                                      : PX_BENCH_BUILD_DIR,
                                            "app", "parallax-server", NULL);
  g_autoptr(GDataInputStream) lines = NULL;
  g_autofree char *line = NULL;
  const char *colon;

  g_subprocess_launcher_setenv (launcher, "PARALLAX_SECRET", SECRET, TRUE);
  g_subprocess_launcher_setenv (launcher, "PARALLAX_MAX_PARTICIPANTS_PER_ROOM", "200", TRUE);
  g_subprocess_launcher_setenv (launcher, "PARALLAX_MAX_CONNECTIONS_PER_IP", "400", TRUE);
  g_subprocess_launcher_setenv (launcher, "PARALLAX_JOINS_PER_SECOND", "1000", TRUE);
  server->process = g_subprocess_launcher_spawn (launcher, error, path, "--port", "0", NULL);
  if (server->process == NULL)
    return FALSE;

  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));
  line = g_data_input_stream_read_line (lines, NULL, NULL, error);
  if (line == NULL || (colon = strrchr (line, ':')) == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "parallax-server did not start");
      return FALSE;
    }
  server->port = strtoul (colon + 1, NULL, 10);
  return server->port != 0;
}

static void
server_stop (Server *server)
{
  if (server->process == NULL)
    return;
  g_subprocess_send_signal (server->process, SIGINT);
  g_subprocess_send_signal (server->process, SIGINT);
  g_subprocess_wait (server->process, NULL, NULL);
  g_clear_object (&server->process);
}

/* CPU seconds (user + system) the process has used. */
static double
process_cpu_seconds (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after_name;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  after_name = strrchr (text, ')');
  fields = g_strsplit (after_name + 2, " ", -1);
  /* Fields 14 and 15 of stat (utime, stime); the split starts at field 3. */
  return (g_ascii_strtoull (fields[11], NULL, 10) + g_ascii_strtoull (fields[12], NULL, 10)) /
         (double) sysconf (_SC_CLK_TCK);
}

static gsize
process_rss_kib (GPid        pid,
                 const char *field)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (line = strstr (text, field)) == NULL)
    return 0;
  return strtoul (line + strlen (field), NULL, 10);
}

/* ------------------------------------------------------------------------ */
/* Sessions                                                                 */

static void
media_frame_cb (PxSession            *session,
                PxSessionParticipant *from,
                guint                 kind,
                guint                 stream,
                guint                 flags,
                guint                 sequence,
                gint64                capture_time,
                GBytes               *payload,
                Subscriber           *subscriber)
{
  gint64 delay = g_get_monotonic_time () - capture_time;

  subscriber->stats->frames++;
  g_array_append_val (subscriber->stats->delays, delay);
}

static void
joined_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Subscriber *subscriber = user_data;

  px_session_join_finish (PX_SESSION (source), result, &subscriber->error);
  subscriber->joined = TRUE;
}

static Subscriber *
subscriber_new (const char *url,
                const char *identity,
                gboolean    publish,
                Stats      *stats)
{
  g_autoptr(GBytes) secret = g_bytes_new_static (SECRET, strlen (SECRET));
  g_autoptr(PxTokenClaims) claims = px_token_claims_new (ROOM, identity, identity,
                                                         g_get_real_time () / G_USEC_PER_SEC + 3600,
                                                         publish, TRUE);
  g_autofree char *token = px_token_mint (claims, secret);
  Subscriber *subscriber = g_new0 (Subscriber, 1);

  subscriber->stats = stats;
  subscriber->session = px_session_new (url, ROOM, token);
  g_signal_connect (subscriber->session, "media-frame", G_CALLBACK (media_frame_cb), subscriber);
  px_session_join_async (subscriber->session, NULL, joined_cb, subscriber);
  return subscriber;
}

static void
subscriber_free (Subscriber *subscriber)
{
  g_signal_handlers_disconnect_by_data (subscriber->session, subscriber);
  px_session_leave (subscriber->session);
  g_object_unref (subscriber->session);
  g_clear_error (&subscriber->error);
  g_free (subscriber);
}

typedef struct
{
  PxSession *session;
  GBytes *payload;
  guint sent;
  guint total;
  gboolean done;
} Publisher;

static gboolean
publish_cb (gpointer user_data)
{
  Publisher *publisher = user_data;

  px_session_send_frame (publisher->session, PX_WIRE_KIND_VIDEO, 1,
                         publisher->sent % FPS == 0 ? PX_WIRE_FLAG_KEYFRAME : 0,
                         publisher->sent, g_get_monotonic_time (), publisher->payload, NULL);
  if (++publisher->sent < publisher->total)
    return G_SOURCE_CONTINUE;
  publisher->done = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
all_joined (GPtrArray *subscribers)
{
  for (guint i = 0; i < subscribers->len; i++)
    {
      Subscriber *subscriber = subscribers->pdata[i];

      if (!subscriber->joined)
        return FALSE;
      if (subscriber->error != NULL)
        g_error ("A subscriber could not join: %s", subscriber->error->message);
    }
  return TRUE;
}

static gboolean
roster_complete (PxSession *session,
                 guint      expected)
{
  return g_list_model_get_n_items (px_session_get_participants (session)) == expected;
}

static void
run_step (Server    *server,
          Publisher *publisher,
          guint      n_subscribers,
          guint      seconds)
{
  g_autofree char *url = g_strdup_printf ("ws://127.0.0.1:%u", server->port);
  g_autoptr(GPtrArray) subscribers = g_ptr_array_new_with_free_func ((GDestroyNotify) subscriber_free);
  Stats stats = { g_array_new (FALSE, FALSE, sizeof (gint64)), 0 };
  GPid pid = atoi (g_subprocess_get_identifier (server->process));
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;
  gint64 started;
  double cpu_before;
  double elapsed;
  guint expected = n_subscribers + 1;

  for (guint i = 0; i < n_subscribers; i++)
    {
      g_autofree char *identity = g_strdup_printf ("subscriber-%u-%u", n_subscribers, i);

      g_ptr_array_add (subscribers, subscriber_new (url, identity, FALSE, &stats));
    }
  while (!all_joined (subscribers) || !roster_complete (publisher->session, expected))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Subscribers did not all join within %d s", (int) (DEADLINE_US / G_USEC_PER_SEC));
      g_main_context_iteration (NULL, TRUE);
    }
  /* Let the joins' pings and welcomes settle before measuring. */
  run_for (500);

  cpu_before = process_cpu_seconds (pid);
  started = g_get_monotonic_time ();
  publisher->sent = 0;
  publisher->total = seconds * FPS;
  publisher->done = FALSE;
  g_timeout_add (1000 / FPS, publish_cb, publisher);
  run_until (&publisher->done, DEADLINE_US);
  /* The last frames' trip. */
  run_for (500);
  elapsed = (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC;

  g_print ("%4u subscribers: delivered %5.1f frames/s each (%u of %u, offered %d/s), "
           "added delay p50 %6.2f ms p95 %6.2f ms, server CPU %5.1f%%, RSS %6.1f MiB (peak %6.1f MiB)\n",
           n_subscribers, stats.frames / (double) n_subscribers / (elapsed - 0.5),
           stats.frames, publisher->total * n_subscribers, FPS,
           percentile_ms (stats.delays, 0.5), percentile_ms (stats.delays, 0.95),
           100.0 * (process_cpu_seconds (pid) - cpu_before) / elapsed,
           process_rss_kib (pid, "VmRSS:") / 1024.0, process_rss_kib (pid, "VmHWM:") / 1024.0);

  g_clear_pointer (&subscribers, g_ptr_array_unref);
  g_array_unref (stats.delays);
  /* Let the leaves reach the server before the next step. */
  while (!roster_complete (publisher->session, 1) && g_get_monotonic_time () < deadline + DEADLINE_US)
    g_main_context_iteration (NULL, TRUE);
}

/* ------------------------------------------------------------------------ */
/* The peer: one direct WebSocket, no parallax-server                       */

typedef struct
{
  SoupWebsocketConnection *server_side;
  SoupWebsocketConnection *client_side;
  GArray *delays;
  gboolean connected;
} Direct;

static void
direct_message_cb (SoupWebsocketConnection *connection,
                   gint                     type,
                   GBytes                  *message,
                   Direct                  *direct)
{
  PxWireHeader header;
  gsize size;
  const guint8 *data = g_bytes_get_data (message, &size);
  gint64 delay;

  if (!px_wire_header_parse (data, size, &header, NULL))
    return;
  delay = g_get_monotonic_time () - header.capture_time;
  g_array_append_val (direct->delays, delay);
}

static void
direct_websocket_cb (SoupServer              *server,
                     SoupServerMessage       *message,
                     const char              *path,
                     SoupWebsocketConnection *connection,
                     gpointer                 user_data)
{
  Direct *direct = user_data;

  direct->server_side = g_object_ref (connection);
  soup_websocket_connection_set_max_incoming_payload_size (connection, 16 * 1024 * 1024);
  g_signal_connect (connection, "message", G_CALLBACK (direct_message_cb), direct);
}

static void
direct_connected_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Direct *direct = user_data;

  direct->client_side = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, NULL);
  direct->connected = TRUE;
}

typedef struct
{
  Direct *direct;
  guint sent;
  guint total;
  gboolean done;
  GBytes *payload;
} DirectPublisher;

static gboolean
direct_publish_cb (gpointer user_data)
{
  DirectPublisher *publisher = user_data;
  PxWireHeader header = { .kind = PX_WIRE_KIND_VIDEO, .stream = 1, .sequence = publisher->sent,
                          .capture_time = g_get_monotonic_time () };
  g_autoptr(GBytes) frame = px_wire_frame_new (&header, g_bytes_get_data (publisher->payload, NULL),
                                               g_bytes_get_size (publisher->payload));

  soup_websocket_connection_send_message (publisher->direct->client_side,
                                          SOUP_WEBSOCKET_DATA_BINARY, frame);
  if (++publisher->sent < publisher->total)
    return G_SOURCE_CONTINUE;
  publisher->done = TRUE;
  return G_SOURCE_REMOVE;
}

static void
run_direct (GBytes *payload,
            guint   seconds)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  GSList *uris;
  Direct direct = { NULL, NULL, g_array_new (FALSE, FALSE, sizeof (gint64)), FALSE };
  DirectPublisher publisher = { &direct, 0, seconds * FPS, FALSE, payload };

  soup_server_remove_websocket_extension (server, SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE);
  soup_server_add_websocket_handler (server, "/direct", NULL, NULL, direct_websocket_cb, &direct, NULL);
  if (!soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("%s", error->message);
  uris = soup_server_get_uris (server);
  url = g_strdup_printf ("http://127.0.0.1:%d/direct", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  soup_session_remove_feature_by_type (session, SOUP_TYPE_WEBSOCKET_EXTENSION_MANAGER);
  message = soup_message_new ("GET", url);
  soup_session_websocket_connect_async (session, message, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        direct_connected_cb, &direct);
  if (!run_until (&direct.connected, DEADLINE_US) || direct.client_side == NULL)
    g_error ("The direct WebSocket did not connect");

  g_timeout_add (1000 / FPS, direct_publish_cb, &publisher);
  run_until (&publisher.done, DEADLINE_US);
  run_for (500);

  g_print ("peer, one direct WebSocket hop: delivered %u of %u, delay p50 %6.2f ms p95 %6.2f ms\n",
           direct.delays->len, publisher.total,
           percentile_ms (direct.delays, 0.5), percentile_ms (direct.delays, 0.95));

  soup_websocket_connection_close (direct.client_side, 1000, NULL);
  run_for (200);
  g_clear_object (&direct.client_side);
  g_clear_object (&direct.server_side);
  g_array_unref (direct.delays);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *steps_text = g_strdup ("1,10,50,100");
  g_auto(GStrv) steps = NULL;
  int seconds = 5;
  Server server = { 0 };
  Stats publisher_stats = { g_array_new (FALSE, FALSE, sizeof (gint64)), 0 };
  Subscriber *publisher_session;
  Publisher publisher = { 0 };
  const PxSessionStream stream = { 1, PX_WIRE_KIND_VIDEO, "camera" };
  g_autofree guint8 *bytes = g_malloc (FRAME_BYTES);
  g_autofree char *server_url = NULL;
  const GOptionEntry entries[] = {
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "Seconds of video per step (default 5)", "S" },
    { "steps", 0, 0, G_OPTION_ARG_STRING, &steps_text, "Subscriber counts (default 1,10,50,100)", "LIST" },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || seconds < 1)
    {
      g_printerr ("bench-fanout: %s\n", error ? error->message : "--seconds must be positive");
      return 2;
    }
  steps = g_strsplit (steps_text, ",", -1);

  for (guint i = 0; i < FRAME_BYTES; i++)
    bytes[i] = g_random_int () & 0xff;
  publisher.payload = g_bytes_new_take (g_steal_pointer (&bytes), FRAME_BYTES);

  g_print ("Fan-out of one publisher, %d frames/s of %d bytes, %d s per step, on 127.0.0.1 "
           "(%ld CPUs online)\n", FPS, FRAME_BYTES, seconds, sysconf (_SC_NPROCESSORS_ONLN));
  run_direct (publisher.payload, seconds);

  if (!server_start (&server, &error))
    {
      g_printerr ("bench-fanout: cannot start parallax-server: %s\n", error ? error->message : "?");
      return 1;
    }

  server_url = g_strdup_printf ("ws://127.0.0.1:%u", server.port);
  publisher_session = subscriber_new (server_url, "publisher", TRUE, &publisher_stats);
  if (!run_until (&publisher_session->joined, DEADLINE_US) || publisher_session->error != NULL)
    g_error ("The publisher could not join");
  publisher.session = publisher_session->session;
  px_session_set_streams (publisher.session, &stream, 1, NULL);

  for (guint i = 0; steps[i] != NULL; i++)
    {
      guint n = g_ascii_strtoull (steps[i], NULL, 10);

      if (n > 0)
        run_step (&server, &publisher, n, seconds);
    }

  subscriber_free (publisher_session);
  run_for (200);
  server_stop (&server);
  g_bytes_unref (publisher.payload);
  g_array_unref (publisher_stats.delays);
  return 0;
}
