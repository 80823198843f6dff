/* test-app-cli.c: the command line of the parallax app
 *
 * The option table is the application's own; a plain GApplication parses
 * argv with it exactly as PxApplication does, so the join target built from
 * the options is checked without a display. Invalid options are checked on
 * the real PxApplication, which rejects them before it touches GTK.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include "px-application.h"

typedef struct
{
  PxJoinTarget *target;
  GError *error;
  gboolean called;
} ParseResult;

static int
handle_local_options_cb (GApplication *application,
                         GVariantDict *options,
                         ParseResult  *result)
{
  result->called = TRUE;
  result->target = px_application_join_target_from_options (options, &result->error);
  return 0;
}

static void
parse (ParseResult *result,
       const char  *first,
       ...)
{
  g_autoptr(GApplication) app = g_application_new (NULL, G_APPLICATION_NON_UNIQUE);
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;

  g_application_add_main_option_entries (app, px_application_get_option_entries ());
  g_signal_connect (app, "handle-local-options", G_CALLBACK (handle_local_options_cb), result);

  g_ptr_array_add (args, (char *) "parallax");
  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  g_assert_cmpint (g_application_run (app, args->len - 1, (char **) args->pdata), ==, 0);
  g_assert_true (result->called);
}

static void
parse_result_clear (ParseResult *result)
{
  g_clear_object (&result->target);
  g_clear_error (&result->error);
}

static void
test_all_options (void)
{
  ParseResult result = { 0 };

  parse (&result, "--server", "https://meet.example.org:8443", "--room", "board",
         "--name", "  Grace Hopper ", NULL);
  g_assert_no_error (result.error);
  g_assert_nonnull (result.target);
  g_assert_cmpstr (px_join_target_get_server_url (result.target), ==, "wss://meet.example.org:8443");
  g_assert_cmpstr (px_join_target_get_room (result.target), ==, "board");
  g_assert_cmpstr (px_join_target_get_display_name (result.target), ==, "Grace Hopper");
  parse_result_clear (&result);
}

static void
test_short_options (void)
{
  ParseResult result = { 0 };

  parse (&result, "-r", "lobby", "-n", "Ada", NULL);
  g_assert_no_error (result.error);
  g_assert_true (px_join_target_is_embedded (result.target));
  g_assert_cmpstr (px_join_target_get_room (result.target), ==, "lobby");
  g_assert_cmpstr (px_join_target_get_display_name (result.target), ==, "Ada");
  parse_result_clear (&result);
}

static void
test_no_options (void)
{
  ParseResult result = { 0 };

  parse (&result, NULL);
  g_assert_no_error (result.error);
  g_assert_null (result.target);
}

static void
test_invalid_options (void)
{
  ParseResult result = { 0 };

  parse (&result, "--server", "gopher://old.example.org", NULL);
  g_assert_null (result.target);
  g_assert_error (result.error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_SERVER);
  parse_result_clear (&result);

  parse (&result, "--room", "../etc", NULL);
  g_assert_error (result.error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_ROOM);
  parse_result_clear (&result);

  parse (&result, "--name", "", NULL);
  g_assert_error (result.error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_NAME);
  parse_result_clear (&result);
}

static void
test_real_app_rejects (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(PxApplication) app = px_application_new ();
      char *args[] = { (char *) "parallax", (char *) "--room", (char *) "no spaces please", NULL };

      exit (g_application_run (G_APPLICATION (app), 3, args));
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("parallax: Room names may contain only*");
}

static void
test_real_app_version (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(PxApplication) app = px_application_new ();
      char *args[] = { (char *) "parallax", (char *) "--version", NULL };

      exit (g_application_run (G_APPLICATION (app), 2, args));
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("parallax " PACKAGE_VERSION "\n");
}

static void
test_real_app_help (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(PxApplication) app = px_application_new ();
      char *args[] = { (char *) "parallax", (char *) "--help", NULL };

      exit (g_application_run (G_APPLICATION (app), 2, args));
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*--server*--room*--name*");
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/app-cli/all-options", test_all_options);
  g_test_add_func ("/app-cli/short-options", test_short_options);
  g_test_add_func ("/app-cli/no-options", test_no_options);
  g_test_add_func ("/app-cli/invalid-options", test_invalid_options);
  g_test_add_func ("/app-cli/real-app/rejects", test_real_app_rejects);
  g_test_add_func ("/app-cli/real-app/version", test_real_app_version);
  g_test_add_func ("/app-cli/real-app/help", test_real_app_help);

  return g_test_run ();
}
