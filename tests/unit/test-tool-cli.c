/* test-tool-cli.c: parallax-tool's command line
 *
 * Each case runs px_tool_main() in a subprocess, so its exit code and what
 * it printed are checked exactly as a shell would see them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include "px-tool.h"

static int
run_tool (const char *first, ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;

  g_ptr_array_add (args, (char *) "parallax-tool");
  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  return px_tool_main (args->len - 1, (char **) args->pdata);
}

static void
test_help (void)
{
  if (g_test_subprocess ())
    exit (run_tool ("--help", NULL));

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*Usage:*parallax-tool*COMMAND*");
  g_test_trap_assert_stdout ("*version*");
}

static void
test_command_help (void)
{
  if (g_test_subprocess ())
    exit (run_tool ("version", "--help", NULL));

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*Usage:*parallax-tool version*");
}

static void
test_version (void)
{
  if (g_test_subprocess ())
    exit (run_tool ("version", NULL));

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("parallax " PACKAGE_VERSION "\n*pipewire 0.3.*opus*libvpx*");
}

static void
test_no_command (void)
{
  if (g_test_subprocess ())
    exit (run_tool (NULL));

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*no command given*Commands:*version*");
}

static void
test_unknown_command (void)
{
  if (g_test_subprocess ())
    exit (run_tool ("teleport", NULL));

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*unknown command “teleport”*");
}

static void
test_unknown_option (void)
{
  if (g_test_subprocess ())
    exit (run_tool ("version", "--frobnicate", NULL));

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*parallax-tool version: Unknown option --frobnicate*");
}

static void
test_exit_code_usage (void)
{
  if (g_test_subprocess ())
    {
      /* Exit code 2 means "the command line was wrong", as documented. */
      int status = run_tool ("version", "extra", NULL);
      exit (status == 2 ? 0 : 1);
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*unexpected argument “extra”*");
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tool-cli/help", test_help);
  g_test_add_func ("/tool-cli/command-help", test_command_help);
  g_test_add_func ("/tool-cli/version", test_version);
  g_test_add_func ("/tool-cli/no-command", test_no_command);
  g_test_add_func ("/tool-cli/unknown-command", test_unknown_command);
  g_test_add_func ("/tool-cli/unknown-option", test_unknown_option);
  g_test_add_func ("/tool-cli/exit-code-usage", test_exit_code_usage);

  return g_test_run ();
}
