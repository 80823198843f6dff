/* fuzz-pfm.c: the PFM reader on any bytes; what it accepts it must
 * write back and read again unchanged
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recon/px-pfm.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  GError *error = NULL;
  guint width, height, width2, height2;
  float *pixels = px_pfm_parse (data, size, &width, &height, &error);
  GBytes *bytes;
  float *again;
  gsize length;
  const guint8 *encoded;

  if (pixels == NULL)
    {
      if (error == NULL)
        abort ();
      g_error_free (error);
      return 0;
    }
  bytes = px_pfm_encode (pixels, width, height);
  encoded = g_bytes_get_data (bytes, &length);
  again = px_pfm_parse (encoded, length, &width2, &height2, NULL);
  if (again == NULL || width2 != width || height2 != height
      || memcmp (again, pixels, (size_t) width * height * sizeof (float)) != 0)
    abort ();
  g_free (again);
  g_bytes_unref (bytes);
  g_free (pixels);
  return 0;
}
