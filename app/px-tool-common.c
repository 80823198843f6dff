/* px-tool-common.c: what every parallax-tool subcommand does the same way
 *
 * Options, argument checks and messages live here once, so that every
 * subcommand words its errors and picks its exit codes alike.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "px-tool-common.h"

gboolean
px_tool_parse_options (GOptionContext      *context,
                       const char          *summary,
                       const GOptionEntry  *entries,
                       gboolean             hint_help,
                       int                 *argc,
                       char              ***argv)
{
  g_autoptr(GError) error = NULL;

  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (g_option_context_parse (context, argc, argv, &error))
    return TRUE;

  px_tool_print_error (error);
  if (hint_help)
    g_printerr (_("Run “%s --help” for the options.\n"), g_get_prgname ());
  return FALSE;
}

gboolean
px_tool_expect_no_arguments (int    argc,
                             char **argv)
{
  if (argc <= 1)
    return TRUE;

  g_printerr (_("%s: unexpected argument “%s”\n"), g_get_prgname (), argv[1]);
  return FALSE;
}

void
px_tool_print_error (const GError *error)
{
  g_printerr ("%s: %s\n", g_get_prgname (), error->message);
}

gboolean
px_tool_parse_size (const char *text,
                    guint       min,
                    guint       max,
                    guint      *width,
                    guint      *height)
{
  char *end = NULL;
  guint64 w, h;

  /* Unsigned parsing turns a minus sign into a huge value: out of range too. */
  w = g_ascii_strtoull (text, &end, 10);
  if (end == text || (*end != 'x' && *end != 'X'))
    return FALSE;
  text = end + 1;
  h = g_ascii_strtoull (text, &end, 10);
  if (end == text || *end != '\0')
    return FALSE;
  if (w < min || h < min || w > max || h > max)
    return FALSE;
  *width = (guint) w;
  *height = (guint) h;
  return TRUE;
}

gboolean
px_tool_make_folder (const char  *path,
                     GError     **error)
{
  int errsv;

  if (g_mkdir_with_parents (path, 0755) == 0)
    return TRUE;

  errsv = errno;
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
               _("Could not create %s: %s"), path, g_strerror (errsv));
  return FALSE;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

double
px_tool_median (GArray *values)
{
  if (values->len == 0)
    return 0;
  g_array_sort (values, compare_doubles);
  return values->len % 2 ? g_array_index (values, double, values->len / 2)
                         : (g_array_index (values, double, values->len / 2 - 1)
                            + g_array_index (values, double, values->len / 2)) / 2;
}
