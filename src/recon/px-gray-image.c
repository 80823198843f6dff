/* px-gray-image.c: image files as 8-bit grey
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <gdk-pixbuf/gdk-pixbuf.h>

#include "px-gray-image.h"

/* Loads an image file (any format gdk-pixbuf reads) as 8-bit grey,
 * Rec. 601 luma, width bytes per row. */
guint8 *
px_gray_image_load (const char  *path,
           guint       *width,
           guint       *height,
           GError     **error)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_file (path, error);
  const guint8 *pixels;
  int channels, stride, w, h;
  guint8 *gray;

  if (pixbuf == NULL)
    return NULL;
  if (gdk_pixbuf_get_colorspace (pixbuf) != GDK_COLORSPACE_RGB
      || gdk_pixbuf_get_bits_per_sample (pixbuf) != 8)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "%s: only 8-bit RGB images are supported", path);
      return NULL;
    }
  w = gdk_pixbuf_get_width (pixbuf);
  h = gdk_pixbuf_get_height (pixbuf);
  channels = gdk_pixbuf_get_n_channels (pixbuf);
  stride = gdk_pixbuf_get_rowstride (pixbuf);
  pixels = gdk_pixbuf_read_pixels (pixbuf);
  gray = g_malloc ((gsize) w * h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        const guint8 *p = pixels + (gsize) y * stride + (gsize) x * channels;

        gray[(gsize) y * w + x] = (guint8) ((77 * p[0] + 150 * p[1] + 29 * p[2] + 128) >> 8);
      }
  *width = (guint) w;
  *height = (guint) h;
  return gray;
}
