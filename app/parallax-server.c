/* parallax-server.c: entry point of the Parallax backend
 *
 *   parallax-server [--config FILE] [--address ADDRESS] [--port PORT]
 *   parallax-server token [--config FILE] --room ROOM --identity ID --name NAME
 *                         [--ttl SECONDS] [--no-publish]
 *
 * Settings: defaults < the [server] group of --config < PARALLAX_<KEY>
 * environment variables < flags. Once listening, one line
 * "parallax-server: listening on URL" goes to standard output; logs go
 * through GLib's structured logging (standard error, or the journal).
 *
 * SIGTERM, or a first SIGINT, drains: no new joins, clients are told, and
 * what is still open after drain-grace-seconds is closed with code 4100;
 * the server exits 0 once no connection is left. A second SIGINT exits at
 * once with status 130.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>

#include "net/px-token.h"
#include "server/px-server.h"

typedef struct
{
  GMainLoop *loop;
  PxServer *server;
  guint interrupts;
  int status;
} ServerRun;

static PxServerConfig *
load_config (const char  *config_path,
             const char  *address,
             int          port,
             GError     **error)
{
  g_autoptr(PxServerConfig) config = px_server_config_new ();

  if (config_path != NULL && !px_server_config_load_file (config, config_path, error))
    return NULL;
  if (!px_server_config_load_environment (config, NULL, error))
    return NULL;
  if (address != NULL && !px_server_config_set (config, "address", address, error))
    return NULL;
  if (port >= 0)
    {
      g_autofree char *text = g_strdup_printf ("%d", port);

      if (!px_server_config_set (config, "port", text, error))
        return NULL;
    }
  if (!px_server_config_finish (config, error))
    return NULL;
  return g_steal_pointer (&config);
}

static int
run_token (int    argc,
           char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PxServerConfig) config = NULL;
  g_autoptr(PxTokenClaims) claims = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *room = NULL;
  g_autofree char *identity = NULL;
  g_autofree char *name = NULL;
  g_autofree char *token = NULL;
  gint64 ttl = 3600;
  gboolean no_publish = FALSE;
  const GOptionEntry entries[] = {
    { "config", 'c', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, &config_path,
      N_("Read settings (the secret) from FILE"), N_("FILE") },
    { "room", 'r', G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &room,
      N_("The room the token admits to"), N_("ROOM") },
    { "identity", 'i', G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &identity,
      N_("Who the token is for (stable, unique in the room)"), N_("ID") },
    { "name", 'n', G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &name,
      N_("The display name others see"), N_("NAME") },
    { "ttl", 't', G_OPTION_FLAG_NONE, G_OPTION_ARG_INT64, &ttl,
      N_("Seconds until the token expires (default 3600)"), N_("SECONDS") },
    { "no-publish", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, &no_publish,
      N_("Only let the holder watch and listen"), NULL },
    { NULL }
  };

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Mint an access token for a room, signed with the server's secret."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("parallax-server token: %s\n", error->message);
      return 2;
    }
  if (room == NULL || identity == NULL || identity[0] == '\0')
    {
      g_printerr (_("parallax-server token: --room and --identity are required\n"));
      return 2;
    }
  if (ttl <= 0 || ttl > G_GINT64_CONSTANT (10) * 365 * 24 * 3600)
    {
      g_printerr (_("parallax-server token: --ttl must be between 1 second and 10 years\n"));
      return 2;
    }

  config = load_config (config_path, NULL, -1, &error);
  if (config == NULL)
    {
      g_printerr ("parallax-server token: %s\n", error->message);
      return 1;
    }

  claims = px_token_claims_new (room, identity, name ? name : identity,
                                g_get_real_time () / G_USEC_PER_SEC + ttl, !no_publish, TRUE);
  token = px_token_mint (claims, px_server_config_get_secret (config));
  g_print ("%s\n", token);
  return 0;
}

static void
drained_cb (PxServer  *server,
            ServerRun *run)
{
  g_message ("Drained; exiting");
  g_main_loop_quit (run->loop);
}

static gboolean
sigterm_cb (gpointer user_data)
{
  ServerRun *run = user_data;

  px_server_drain (run->server);
  return G_SOURCE_CONTINUE;
}

static gboolean
sigint_cb (gpointer user_data)
{
  ServerRun *run = user_data;

  if (++run->interrupts >= 2 || px_server_is_draining (run->server))
    {
      g_message ("Interrupted again; exiting now");
      run->status = 130;
      g_main_loop_quit (run->loop);
      return G_SOURCE_REMOVE;
    }
  px_server_drain (run->server);
  return G_SOURCE_CONTINUE;
}

static int
run_server (int    argc,
            char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PxServerConfig) config = NULL;
  g_autoptr(PxServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *address = NULL;
  g_autofree char *url = NULL;
  ServerRun run = { 0 };
  int port = -1;
  gboolean show_version = FALSE;
  guint term_source;
  guint int_source;
  const GOptionEntry entries[] = {
    { "config", 'c', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, &config_path,
      N_("Read settings from the [server] group of FILE"), N_("FILE") },
    { "address", 'a', G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &address,
      N_("Address to listen on (default 127.0.0.1)"), N_("ADDRESS") },
    { "port", 'p', G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &port,
      N_("Port to listen on (default 8443; 0 picks a free one)"), N_("PORT") },
    { "version", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, &show_version,
      N_("Print the version and exit"), NULL },
    { NULL }
  };

  context = g_option_context_new (_("[token …]"));
  g_option_context_set_summary (context,
                                _("The Parallax backend: rooms, participants and media fan-out.\n"
                                  "“parallax-server token --help” explains how to mint access tokens."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("parallax-server: %s\n", error->message);
      return 2;
    }
  if (argc > 1)
    {
      g_printerr (_("parallax-server: unexpected argument “%s”\n"), argv[1]);
      return 2;
    }

  if (show_version)
    {
      g_print ("parallax-server %s\n", PACKAGE_VERSION);
      return 0;
    }

  if (port < -1 || port > 65535)
    {
      g_printerr (_("parallax-server: port %d is out of range (0–65535)\n"), port);
      return 2;
    }

  config = load_config (config_path, address, port, &error);
  if (config == NULL)
    {
      g_printerr ("parallax-server: %s\n", error->message);
      return 1;
    }

  server = px_server_new (config);
  if (!px_server_listen (server, &error))
    {
      g_printerr ("parallax-server: %s\n", error->message);
      return 1;
    }

  loop = g_main_loop_new (NULL, FALSE);
  run.loop = loop;
  run.server = server;
  g_signal_connect (server, "drained", G_CALLBACK (drained_cb), &run);
  term_source = g_unix_signal_add (SIGTERM, sigterm_cb, &run);
  int_source = g_unix_signal_add (SIGINT, sigint_cb, &run);

  url = px_server_get_url (server);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "MESSAGE", "Listening on %s", url,
                    "PARALLAX_URL", "%s", url);
  g_print ("parallax-server: listening on %s\n", url);
  fflush (stdout);

  g_main_loop_run (loop);

  g_source_remove (term_source);
  if (run.status != 130)
    g_source_remove (int_source);
  px_server_stop (server);
  return run.status;
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc > 1 && g_str_equal (argv[1], "token"))
    return run_token (argc - 1, argv + 1);
  return run_server (argc, argv);
}
