/* px-tool-capture.h: `parallax-tool capture`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

int px_tool_capture (int    argc,
                     char **argv);

G_END_DECLS
