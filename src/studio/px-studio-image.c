/* px-studio-image.c: writing and reading the studio's images
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "studio/px-studio-image.h"

gboolean
px_studio_save_rgb_png (const char    *path,
                        const guint8  *rgb,
                        guint          width,
                        guint          height,
                        guint          stride,
                        GError       **error)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_data (rgb, GDK_COLORSPACE_RGB, FALSE, 8,
                                                          (int) width, (int) height,
                                                          (int) stride, NULL, NULL);

  return gdk_pixbuf_save (pixbuf, path, "png", error, NULL);
}

gboolean
px_studio_save_grey_png (const char    *path,
                         const guint8  *grey,
                         guint          width,
                         guint          height,
                         GError       **error)
{
  g_autofree guint8 *rgb = g_malloc ((gsize) 3 * width * height);

  for (gsize i = 0; i < (gsize) width * height; i++)
    rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = grey[i];
  return px_studio_save_rgb_png (path, rgb, width, height, 3 * width, error);
}

gboolean
px_studio_save_pfm (const char    *path,
                    const float   *values,
                    guint          width,
                    guint          height,
                    GError       **error)
{
  g_autofree char *header = g_strdup_printf ("Pf\n%u %u\n-1.0\n", width, height);
  gsize header_length = strlen (header);
  gsize row_bytes = (gsize) width * 4;
  g_autofree guint8 *data = g_malloc (header_length + row_bytes * height);

  memcpy (data, header, header_length);
  for (guint y = 0; y < height; y++)
    {
      guint8 *out = data + header_length + (gsize) (height - 1 - y) * row_bytes;

      for (guint x = 0; x < width; x++)
        {
          guint32 bits;

          memcpy (&bits, &values[(gsize) y * width + x], 4);
          bits = GUINT32_TO_LE (bits);
          memcpy (out + 4 * x, &bits, 4);
        }
    }
  return g_file_set_contents (path, (const char *) data, header_length + row_bytes * height,
                              error);
}

/* Reads one whitespace-separated token of the header. */
static const char *
next_token (const char  *cursor,
            const char  *end,
            char        *token,
            gsize        size)
{
  gsize n = 0;

  while (cursor < end && g_ascii_isspace (*cursor))
    cursor++;
  while (cursor < end && !g_ascii_isspace (*cursor) && n + 1 < size)
    token[n++] = *cursor++;
  token[n] = '\0';
  if (n == 0 || cursor >= end || !g_ascii_isspace (*cursor))
    return NULL;
  return cursor;
}

float *
px_studio_load_pfm (const char  *path,
                    guint       *width,
                    guint       *height,
                    GError     **error)
{
  g_autofree char *contents = NULL;
  g_autofree float *values = NULL;
  char token[32];
  const char *cursor, *end;
  guint64 w, h;
  double scale;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  cursor = contents;
  end = contents + length;

  if (!(cursor = next_token (cursor, end, token, sizeof token)) || strcmp (token, "Pf") != 0)
    goto bad;
  if (!(cursor = next_token (cursor, end, token, sizeof token))
      || !g_ascii_string_to_unsigned (token, 10, 1, 65535, &w, NULL))
    goto bad;
  if (!(cursor = next_token (cursor, end, token, sizeof token))
      || !g_ascii_string_to_unsigned (token, 10, 1, 65535, &h, NULL))
    goto bad;
  if (!(cursor = next_token (cursor, end, token, sizeof token)))
    goto bad;
  scale = g_ascii_strtod (token, NULL);
  if (scale == 0 || !isfinite (scale))
    goto bad;
  cursor++;  /* the single whitespace byte after the scale */
  if ((gsize) (end - cursor) != w * h * 4)
    goto bad;

  values = g_new (float, w * h);
  for (guint64 y = 0; y < h; y++)
    for (guint64 x = 0; x < w; x++)
      {
        guint32 bits;

        memcpy (&bits, cursor + 4 * ((h - 1 - y) * w + x), 4);
        bits = scale < 0 ? GUINT32_FROM_LE (bits) : GUINT32_FROM_BE (bits);
        memcpy (&values[y * w + x], &bits, 4);
      }
  *width = (guint) w;
  *height = (guint) h;
  return g_steal_pointer (&values);

bad:
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               "%s: not a greyscale PFM image of the size its header says", path);
  return NULL;
}
