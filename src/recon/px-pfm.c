/* px-pfm.c: greyscale Portable Float Map files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "px-pfm.h"
#include "px-recon-error.h"

static gboolean
is_space (guint8 c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Reads the next whitespace-separated header token into @token. */
static gboolean
next_token (const guint8 *data,
            gsize         length,
            gsize        *pos,
            char         *token,
            gsize         token_size)
{
  gsize n = 0;

  token[0] = '\0';
  while (*pos < length && is_space (data[*pos]))
    (*pos)++;
  while (*pos < length && !is_space (data[*pos]))
    {
      if (n + 1 >= token_size)
        return FALSE;
      token[n++] = (char) data[(*pos)++];
    }
  token[n] = '\0';
  return n > 0;
}

static gboolean
parse_size (const char *token,
            guint      *value)
{
  guint64 v;

  if (!g_ascii_string_to_unsigned (token, 10, 1, PX_PFM_MAX_SIZE, &v, NULL))
    return FALSE;
  *value = (guint) v;
  return TRUE;
}

/* Parses a whole PFM file held in memory. Returns the pixels, top row
 * first, or NULL with an error saying what is wrong. */
float *
px_pfm_parse (const guint8  *data,
              gsize          length,
              guint         *width,
              guint         *height,
              GError       **error)
{
  char token[64];
  gsize pos = 0;
  guint w, h;
  double scale;
  char *end = NULL;
  gboolean little_endian;
  gsize row_bytes;
  float *pixels;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (!next_token (data, length, &pos, token, sizeof token) || strcmp (token, "Pf") != 0)
    {
      if (strcmp (token, "PF") == 0)
        g_set_error (error, PX_RECON_ERROR, PX_RECON_ERROR_PARSE,
                     "PFM: colour (PF) files are not supported, only greyscale (Pf)");
      else
        g_set_error (error, PX_RECON_ERROR, PX_RECON_ERROR_PARSE,
                     "PFM: the file does not start with “Pf”");
      return NULL;
    }
  if (!next_token (data, length, &pos, token, sizeof token) || !parse_size (token, &w))
    {
      g_set_error (error, PX_RECON_ERROR, PX_RECON_ERROR_PARSE,
                   "PFM: invalid width (1 to %d expected)", PX_PFM_MAX_SIZE);
      return NULL;
    }
  if (!next_token (data, length, &pos, token, sizeof token) || !parse_size (token, &h))
    {
      g_set_error (error, PX_RECON_ERROR, PX_RECON_ERROR_PARSE,
                   "PFM: invalid height (1 to %d expected)", PX_PFM_MAX_SIZE);
      return NULL;
    }
  errno = 0;
  if (!next_token (data, length, &pos, token, sizeof token)
      || (scale = g_ascii_strtod (token, &end), errno != 0 || *end != '\0')
      || !isfinite (scale) || scale == 0.0)
    {
      g_set_error (error, PX_RECON_ERROR, PX_RECON_ERROR_PARSE,
                   "PFM: invalid scale (a non-zero number expected)");
      return NULL;
    }
  /* Exactly one whitespace character separates the header from the data. */
  if (pos >= length || !is_space (data[pos]))
    {
      g_set_error (error, PX_RECON_ERROR, PX_RECON_ERROR_PARSE, "PFM: the file ends after its header");
      return NULL;
    }
  pos++;

  row_bytes = (gsize) w * sizeof (float);
  if ((length - pos) / row_bytes < h)
    {
      g_set_error (error, PX_RECON_ERROR, PX_RECON_ERROR_PARSE,
                   "PFM: truncated: %u×%u pixels need %" G_GSIZE_FORMAT " bytes, the file has %" G_GSIZE_FORMAT,
                   w, h, row_bytes * h, length - pos);
      return NULL;
    }

  little_endian = scale < 0;
  pixels = g_try_new (float, (gsize) w * h);
  if (pixels == NULL)
    {
      g_set_error (error, PX_RECON_ERROR, PX_RECON_ERROR_PARSE,
                   "PFM: not enough memory for %u×%u pixels", w, h);
      return NULL;
    }
  for (guint y = 0; y < h; y++)
    {
      const guint8 *src = data + pos + (gsize) (h - 1 - y) * row_bytes;
      float *dst = pixels + (gsize) y * w;

      for (guint x = 0; x < w; x++)
        {
          guint32 bits;

          memcpy (&bits, src + 4 * x, 4);
          bits = little_endian ? GUINT32_FROM_LE (bits) : GUINT32_FROM_BE (bits);
          memcpy (&dst[x], &bits, 4);
        }
    }

  *width = w;
  *height = h;
  return pixels;
}

float *
px_pfm_load (const char  *path,
             guint       *width,
             guint       *height,
             GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length;
  GError *local_error = NULL;
  float *pixels;

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  pixels = px_pfm_parse ((const guint8 *) contents, length, width, height, &local_error);
  if (pixels == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code, "%s: %s", path, local_error->message);
      g_error_free (local_error);
    }
  return pixels;
}

/* A little-endian PFM of @pixels (top row first in memory). */
GBytes *
px_pfm_encode (const float *pixels,
               guint        width,
               guint        height)
{
  g_autofree char *header = g_strdup_printf ("Pf\n%u %u\n-1\n", width, height);
  gsize header_length = strlen (header);
  gsize row_bytes = (gsize) width * sizeof (float);
  gsize length = header_length + row_bytes * height;
  guint8 *data = g_malloc (length);

  memcpy (data, header, header_length);
  for (guint y = 0; y < height; y++)
    {
      const float *src = pixels + (gsize) (height - 1 - y) * width;
      guint8 *dst = data + header_length + (gsize) y * row_bytes;

      for (guint x = 0; x < width; x++)
        {
          guint32 bits;

          memcpy (&bits, &src[x], 4);
          bits = GUINT32_TO_LE (bits);
          memcpy (dst + 4 * x, &bits, 4);
        }
    }
  return g_bytes_new_take (data, length);
}

gboolean
px_pfm_save (const char   *path,
             const float  *pixels,
             guint         width,
             guint         height,
             GError      **error)
{
  g_autoptr(GBytes) bytes = NULL;
  gsize length;
  const char *data;

  g_return_val_if_fail (pixels != NULL, FALSE);
  if (width == 0 || height == 0 || width > PX_PFM_MAX_SIZE || height > PX_PFM_MAX_SIZE)
    {
      g_set_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT,
                   "PFM: cannot write a %u×%u image", width, height);
      return FALSE;
    }
  bytes = px_pfm_encode (pixels, width, height);
  data = g_bytes_get_data (bytes, &length);
  return g_file_set_contents (path, data, (gssize) length, error);
}
