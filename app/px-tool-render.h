/* px-tool-render.h: `parallax-tool render`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

int px_tool_render (int    argc,
                    char **argv);

G_END_DECLS
