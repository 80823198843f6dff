/* px-tool-rig.h: `parallax-tool rig`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

int px_tool_rig (int    argc,
                 char **argv);

G_END_DECLS
