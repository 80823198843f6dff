/* px-tool-devices.h: `parallax-tool devices`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

int px_tool_devices (int    argc,
                     char **argv);

G_END_DECLS
