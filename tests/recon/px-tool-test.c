/* px-tool-test.c: running parallax-tool in the recon tool tests
 *
 * Every case runs the tool in a subprocess, so that its exit code and what
 * it printed are checked as a shell would see them; the inputs wait in a
 * folder that the parent makes and its subprocesses inherit.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdlib.h>

#include "px-tool.h"
#include "px-tool-test.h"

static const char *folder;

int
px_tool_test_runv (const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (char *) "parallax-tool");
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  return px_tool_main (argv->len - 1, (char **) argv->pdata);
}

int
px_tool_test_run (const char *first,
                  ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;

  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  return px_tool_test_runv ((const char * const *) args->pdata);
}

void
px_tool_test_folder_init (const char *variable,
                          const char *template)
{
  if (g_test_subprocess ())
    {
      folder = g_getenv (variable);
      return;
    }

  folder = g_dir_make_tmp (template, NULL);
  g_assert_nonnull (folder);
  g_setenv (variable, folder, TRUE);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) handle = g_dir_open (path, 0, NULL);
  const char *name;

  while (handle && (name = g_dir_read_name (handle)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

void
px_tool_test_folder_remove (void)
{
  remove_tree (folder);
}

char *
px_tool_test_path (const char *first,
                   ...)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  va_list ap;

  g_ptr_array_add (parts, (char *) folder);
  va_start (ap, first);
  for (const char *part = first; part != NULL; part = va_arg (ap, const char *))
    g_ptr_array_add (parts, (char *) part);
  va_end (ap);
  g_ptr_array_add (parts, NULL);

  return g_build_filenamev ((char **) parts->pdata);
}

void
px_tool_test_exit (int code)
{
  /* Say the code, so that the parent can tell usage (2) from failure (1). */
  g_printerr ("exit status %d\n", code);
  exit (code);
}

void
px_tool_test_trap_failed (int    status,
                          gint64 deadline_us)
{
  g_autofree char *pattern = g_strdup_printf ("*exit status %d*", status);

  g_test_trap_subprocess (NULL, deadline_us, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr (pattern);
}
