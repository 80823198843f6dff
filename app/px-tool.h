/* px-tool.h: parallax-tool, the command line for scripts and operators
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A subcommand: its name, a one-line summary for `parallax-tool --help`,
 * and its entry point, called with argv[0] set to "parallax-tool NAME".
 * Each subcommand parses its own options (and answers its own --help). */
typedef struct
{
  const char *name;
  const char *summary;
  int (*run) (int argc, char **argv);
} PxToolCommand;

int px_tool_main (int argc, char **argv);

G_END_DECLS
