/* px-gray-image.h: image files as 8-bit grey
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

guint8 *px_gray_image_load (const char  *path,
                            guint       *width,
                            guint       *height,
                            GError     **error);

G_END_DECLS
