/* px-pfm.h: greyscale Portable Float Map files
 *
 * A PFM ("Pf") holds one float per pixel with rows from the bottom of the
 * image to the top; a negative scale means little-endian. Parallax writes
 * little-endian files and marks "no value" with +inf. In memory, rows run
 * top to bottom.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Largest side a file may declare, to refuse absurd headers early. */
#define PX_PFM_MAX_SIZE 65536

float    *px_pfm_parse (const guint8  *data,
                        gsize          length,
                        guint         *width,
                        guint         *height,
                        GError       **error);
float    *px_pfm_load  (const char    *path,
                        guint         *width,
                        guint         *height,
                        GError       **error);
GBytes   *px_pfm_encode (const float  *pixels,
                         guint         width,
                         guint         height);
gboolean  px_pfm_save  (const char    *path,
                        const float   *pixels,
                        guint          width,
                        guint          height,
                        GError       **error);

G_END_DECLS
