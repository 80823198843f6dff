/* check-server-config.c: the example parallax-server configuration
 *
 * The example is a GLib key file whose keys are all commented out, each with
 * its default value and a paragraph that explains it. This test reads it the
 * way the server reads a configuration (GKeyFile), then uncomments every
 * "#key=value" line and reads it again, so that each documented default is
 * checked as a value the server would accept.
 *
 * Usage: check-server-config PATH-TO-parallax-server.conf.example
 */

#include <glib.h>
#include <string.h>

typedef enum
{
  KEY_STRING,
  KEY_PATH,
  KEY_COUNT,
} KeyKind;

typedef struct
{
  const char *name;
  KeyKind     kind;
} ExpectedKey;

static const ExpectedKey expected_keys[] = {
  { "address", KEY_STRING },
  { "port", KEY_COUNT },
  { "secret", KEY_STRING },
  { "secret-file", KEY_PATH },
  { "tls-cert", KEY_PATH },
  { "tls-key", KEY_PATH },
  { "max-participants-per-room", KEY_COUNT },
  { "max-payload-bytes", KEY_COUNT },
  { "max-connections-per-ip", KEY_COUNT },
  { "joins-per-second", KEY_COUNT },
  { "control-messages-per-second", KEY_COUNT },
  { "idle-timeout-seconds", KEY_COUNT },
  { "subscriber-queue-bytes", KEY_COUNT },
  { "drain-grace-seconds", KEY_COUNT },
};

static const char *example_path;

static char *
read_example (void)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (example_path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

/* Turns "#key=value" into "key=value"; prose comments stay as they are. */
static char *
uncomment_keys (const char *contents)
{
  g_autoptr(GRegex) regex = NULL;
  g_autoptr(GError) error = NULL;
  char *result;

  regex = g_regex_new ("^#([a-z][a-z0-9-]*=)", G_REGEX_MULTILINE, 0, &error);
  g_assert_no_error (error);
  result = g_regex_replace (regex, contents, -1, 0, "\\1", 0, &error);
  g_assert_no_error (error);
  return result;
}

static void
test_parses_as_is (void)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) groups = NULL;
  g_autofree char *contents = read_example ();

  g_key_file_load_from_data (key_file, contents, -1, G_KEY_FILE_KEEP_COMMENTS, &error);
  g_assert_no_error (error);

  groups = g_key_file_get_groups (key_file, NULL);
  g_assert_cmpuint (g_strv_length (groups), ==, 1);
  g_assert_cmpstr (groups[0], ==, "server");
}

static void
test_documents_every_key (void)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) keys = NULL;
  g_autofree char *contents = read_example ();
  g_autofree char *uncommented = uncomment_keys (contents);
  gsize n_keys = 0;

  g_key_file_load_from_data (key_file, uncommented, -1, G_KEY_FILE_KEEP_COMMENTS, &error);
  g_assert_no_error (error);

  keys = g_key_file_get_keys (key_file, "server", &n_keys, &error);
  g_assert_no_error (error);

  /* Exactly the known keys, each once, none missing and none unknown. */
  for (gsize i = 0; i < n_keys; i++)
    {
      gboolean known = FALSE;

      for (gsize j = 0; j < G_N_ELEMENTS (expected_keys); j++)
        known |= g_str_equal (keys[i], expected_keys[j].name);
      if (!known)
        g_test_message ("unknown key “%s”", keys[i]);
      g_assert_true (known);
    }
  g_assert_cmpuint (n_keys, ==, G_N_ELEMENTS (expected_keys));

  for (gsize j = 0; j < G_N_ELEMENTS (expected_keys); j++)
    {
      const ExpectedKey *expected = &expected_keys[j];
      g_autofree char *comment = NULL;
      g_autofree char *value = NULL;

      g_test_message ("key %s", expected->name);

      /* The paragraph above a key becomes its comment once it is uncommented. */
      comment = g_key_file_get_comment (key_file, "server", expected->name, &error);
      g_assert_no_error (error);
      g_assert_nonnull (comment);
      g_assert_cmpuint (strlen (g_strstrip (comment)), >, 10);

      value = g_key_file_get_string (key_file, "server", expected->name, &error);
      g_assert_no_error (error);

      switch (expected->kind)
        {
        case KEY_COUNT:
          {
            gint64 number = g_key_file_get_int64 (key_file, "server", expected->name, &error);

            g_assert_no_error (error);
            g_assert_cmpint (number, >, 0);
            if (g_str_equal (expected->name, "port"))
              g_assert_cmpint (number, <=, 65535);
          }
          break;

        case KEY_PATH:
          g_assert_true (g_path_is_absolute (value));
          break;

        case KEY_STRING:
        default:
          break;
        }
    }
}

static void
test_explains_environment (void)
{
  g_autofree char *contents = read_example ();

  /* The naming rule of the environment overrides, with a worked example. */
  g_assert_nonnull (strstr (contents, "PARALLAX_"));
  g_assert_nonnull (strstr (contents, "PARALLAX_MAX_PARTICIPANTS_PER_ROOM"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  if (argc != 2)
    {
      g_printerr ("usage: %s PATH-TO-parallax-server.conf.example\n", argv[0]);
      return 2;
    }
  example_path = argv[1];

  g_test_add_func ("/packaging/server-config/parses", test_parses_as_is);
  g_test_add_func ("/packaging/server-config/documents-every-key", test_documents_every_key);
  g_test_add_func ("/packaging/server-config/explains-environment", test_explains_environment);

  return g_test_run ();
}
