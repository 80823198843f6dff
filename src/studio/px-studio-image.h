/* px-studio-image.h: writing and reading the studio's images
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* 8-bit RGB rows, top to bottom, as PNG. */
gboolean  px_studio_save_rgb_png   (const char    *path,
                                    const guint8  *rgb,
                                    guint          width,
                                    guint          height,
                                    guint          stride,
                                    GError       **error);

/* One byte a pixel as a grey PNG. */
gboolean  px_studio_save_grey_png  (const char    *path,
                                    const guint8  *grey,
                                    guint          width,
                                    guint          height,
                                    GError       **error);

/* Floats as a little-endian greyscale PFM ("Pf", scale -1), rows stored
 * bottom to top as the format has it; @values are rows top to bottom. */
gboolean  px_studio_save_pfm       (const char    *path,
                                    const float   *values,
                                    guint          width,
                                    guint          height,
                                    GError       **error);

/* Reads a greyscale PFM of either byte order into rows top to bottom. */
float    *px_studio_load_pfm       (const char    *path,
                                    guint         *width,
                                    guint         *height,
                                    GError       **error);

G_END_DECLS
