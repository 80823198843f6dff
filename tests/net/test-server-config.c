/* test-server-config.c: parallax-server's settings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "server/px-server-config.h"

static char *
write_temp (const char *name,
            const char *contents)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("px-config-XXXXXX", &error);
  char *path;

  g_assert_no_error (error);
  path = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (path, contents, -1, &error));
  return path;
}

static void
remove_temp (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_defaults (void)
{
  g_autoptr(PxServerConfig) config = px_server_config_new ();
  g_autoptr(GError) error = NULL;
  const char **keys = px_server_config_list_keys ();

  g_assert_cmpstr (px_server_config_get_address (config), ==, "127.0.0.1");
  g_assert_cmpuint (px_server_config_get_port (config), ==, 8443);
  g_assert_cmpuint (px_server_config_get_max_participants (config), ==, 16);
  g_assert_cmpuint (px_server_config_get_max_payload (config), ==, 1048576);
  g_assert_cmpuint (px_server_config_get_subscriber_queue_bytes (config), ==, 4194304);
  g_assert_cmpuint (px_server_config_get_drain_grace (config), ==, 30);
  g_assert_cmpuint (g_strv_length ((char **) keys), ==, 14);

  /* No secret anywhere: a clear error naming what to set. */
  g_assert_false (px_server_config_finish (config, &error));
  g_assert_error (error, PX_SERVER_CONFIG_ERROR, PX_SERVER_CONFIG_ERROR_NO_SECRET);
  g_assert_nonnull (strstr (error->message, "secret-file"));
}

static void
test_layers (void)
{
  g_autoptr(PxServerConfig) config = px_server_config_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = write_temp ("server.conf",
                                      "# comment\n[server]\nport=9000\naddress=0.0.0.0\n"
                                      "max-participants-per-room=4\nsecret=file-secret-0123456789\n");
  const char *envp[] = { "PARALLAX_PORT=9100", "PARALLAX_MAX_PAYLOAD_BYTES=2097152",
                         "UNRELATED=1", NULL };
  g_autofree char *port = NULL;

  g_assert_true (px_server_config_load_file (config, path, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (px_server_config_get_port (config), ==, 9000);

  /* The environment wins over the file… */
  g_assert_true (px_server_config_load_environment (config, envp, &error));
  g_assert_cmpuint (px_server_config_get_port (config), ==, 9100);
  g_assert_cmpuint (px_server_config_get_max_payload (config), ==, 2097152);
  g_assert_cmpstr (px_server_config_get_address (config), ==, "0.0.0.0");
  g_assert_cmpuint (px_server_config_get_max_participants (config), ==, 4);

  /* …and flags win over the environment. */
  g_assert_true (px_server_config_set (config, "port", "9200", &error));
  port = px_server_config_get_text (config, "port");
  g_assert_cmpstr (port, ==, "9200");

  g_assert_true (px_server_config_finish (config, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (px_server_config_get_secret (config), NULL),
                   g_bytes_get_size (px_server_config_get_secret (config)),
                   "file-secret-0123456789", 22);
  remove_temp (path);
}

static void
test_secret_file (void)
{
  g_autoptr(PxServerConfig) config = px_server_config_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *secret_path = write_temp ("secret", "a-secret-in-a-file-0123456789\n");

  g_assert_true (px_server_config_set (config, "secret-file", secret_path, &error));
  g_assert_true (px_server_config_finish (config, &error));
  g_assert_no_error (error);
  /* The final newline is not part of the key. */
  g_assert_cmpuint (g_bytes_get_size (px_server_config_get_secret (config)), ==, 29);
  remove_temp (secret_path);
}

static void
test_bad_values (void)
{
  static const struct
  {
    const char *key;
    const char *value;
    int error;
  } cases[] = {
    { "port", "65536", PX_SERVER_CONFIG_ERROR_INVALID_VALUE },
    { "port", "-1", PX_SERVER_CONFIG_ERROR_INVALID_VALUE },
    { "port", "80a", PX_SERVER_CONFIG_ERROR_INVALID_VALUE },
    { "port", "", PX_SERVER_CONFIG_ERROR_INVALID_VALUE },
    { "address", "localhost.example", PX_SERVER_CONFIG_ERROR_INVALID_VALUE },
    { "max-payload-bytes", "1000", PX_SERVER_CONFIG_ERROR_INVALID_VALUE },
    { "max-participants-per-room", "0", PX_SERVER_CONFIG_ERROR_INVALID_VALUE },
    { "colour", "blue", PX_SERVER_CONFIG_ERROR_UNKNOWN_KEY },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(PxServerConfig) config = px_server_config_new ();
      g_autoptr(GError) error = NULL;

      g_assert_false (px_server_config_set (config, cases[i].key, cases[i].value, &error));
      g_assert_error (error, PX_SERVER_CONFIG_ERROR, cases[i].error);
    }

  {
    g_autoptr(PxServerConfig) config = px_server_config_new ();
    g_autoptr(GError) error = NULL;
    g_autofree char *path = write_temp ("typo.conf", "[server]\nmax-participant=3\n");

    g_assert_false (px_server_config_load_file (config, path, &error));
    g_assert_error (error, PX_SERVER_CONFIG_ERROR, PX_SERVER_CONFIG_ERROR_UNKNOWN_KEY);
    g_assert_nonnull (strstr (error->message, "max-participant"));
    remove_temp (path);
  }

  {
    g_autoptr(PxServerConfig) config = px_server_config_new ();
    g_autoptr(GError) error = NULL;
    const char *envp[] = { "PARALLAX_JOINS_PER_SECOND=fast", NULL };

    g_assert_false (px_server_config_load_environment (config, envp, &error));
    g_assert_nonnull (strstr (error->message, "PARALLAX_JOINS_PER_SECOND"));
  }

  {
    g_autoptr(PxServerConfig) config = px_server_config_new ();
    g_autoptr(GError) error = NULL;

    g_assert_true (px_server_config_set (config, "secret", "short", NULL));
    g_assert_false (px_server_config_finish (config, &error));
    g_assert_error (error, PX_SERVER_CONFIG_ERROR, PX_SERVER_CONFIG_ERROR_NO_SECRET);
  }

  {
    g_autoptr(PxServerConfig) config = px_server_config_new ();
    g_autoptr(GError) error = NULL;

    g_assert_true (px_server_config_set (config, "secret", "long-enough-secret-0123", NULL));
    g_assert_true (px_server_config_set (config, "tls-cert", "/nonexistent/cert.pem", NULL));
    g_assert_false (px_server_config_finish (config, &error));
    g_assert_error (error, PX_SERVER_CONFIG_ERROR, PX_SERVER_CONFIG_ERROR_TLS);
    g_clear_error (&error);

    g_assert_true (px_server_config_set (config, "tls-key", "/nonexistent/key.pem", NULL));
    g_assert_false (px_server_config_finish (config, &error));
    g_assert_error (error, PX_SERVER_CONFIG_ERROR, PX_SERVER_CONFIG_ERROR_TLS);
  }
}

/* The shipped example, uncommented, is a valid configuration. */
static void
test_example_file (void)
{
  g_autofree char *example = g_build_filename (g_getenv ("PX_SOURCE_DIR") ? g_getenv ("PX_SOURCE_DIR")
                                                                          : PX_TEST_SOURCE_DIR,
                                               "data", "parallax-server.conf.example", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GRegex) regex = g_regex_new ("^#([a-z-]+=)", G_REGEX_MULTILINE, 0, NULL);
  g_autofree char *uncommented = NULL;
  g_autofree char *path = NULL;
  g_autoptr(PxServerConfig) config = px_server_config_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (example, &contents, NULL, &error));
  uncommented = g_regex_replace (regex, contents, -1, 0, "\\1", 0, &error);
  g_assert_no_error (error);
  path = write_temp ("example.conf", uncommented);
  g_assert_true (px_server_config_load_file (config, path, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (px_server_config_get_port (config), ==, 8443);
  g_assert_cmpuint (px_server_config_get_idle_timeout (config), ==, 30);
  remove_temp (path);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/config/defaults", test_defaults);
  g_test_add_func ("/server/config/layers", test_layers);
  g_test_add_func ("/server/config/secret-file", test_secret_file);
  g_test_add_func ("/server/config/bad-values", test_bad_values);
  g_test_add_func ("/server/config/example", test_example_file);

  return g_test_run ();
}
