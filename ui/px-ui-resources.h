/* px-ui-resources.h: the UI's templates, styles and icons
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void px_ui_ensure_resources (void);

G_END_DECLS
