/* px-tool-common.h: what every parallax-tool subcommand does the same way
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Sets @summary, adds @entries (translated in GETTEXT_PACKAGE) and parses
 * @argc/@argv. On a bad option prints why (and, with @hint_help, where to
 * find the options) and returns FALSE: the caller exits with 2. */
gboolean px_tool_parse_options       (GOptionContext      *context,
                                      const char          *summary,
                                      const GOptionEntry  *entries,
                                      gboolean             hint_help,
                                      int                 *argc,
                                      char              ***argv);

/* FALSE, with a message, when anything is left after the options. */
gboolean px_tool_expect_no_arguments (int                  argc,
                                      char               **argv);

/* Prints "parallax-tool NAME: MESSAGE" on standard error. */
void     px_tool_print_error         (const GError        *error);

/* Parses WIDTHxHEIGHT (or WIDTHXHEIGHT), the whole of @text, each side from
 * @min to @max. */
gboolean px_tool_parse_size          (const char          *text,
                                      guint                min,
                                      guint                max,
                                      guint               *width,
                                      guint               *height);

/* Makes @path and its parents (0755); FALSE with "Could not create …". */
gboolean px_tool_make_folder         (const char          *path,
                                      GError             **error);

/* The median of @values (doubles), sorting them; 0 when there are none. */
double   px_tool_median              (GArray              *values);

G_END_DECLS
