/* fuzz-depth-codec.c: the depth decoder against arbitrary bytes
 *
 * The input is decoded twice: as a whole stream, and (so that the fuzzer
 * reaches the run and value parser behind zstd's checksum) its bytes from
 * the third on as the body of a well-formed stream whose width and height
 * come from the first two. Whatever the bytes, decoding returns a map or an
 * error; a map that decodes must encode again and decode to the same values.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "media/px-depth-codec.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_decode (PxDepthCodec  *codec,
              const guint8  *data,
              gsize          size)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint16 *depth = NULL;
  g_autofree guint16 *again = NULL;
  g_autoptr(GBytes) coded = NULL;
  guint width = 0, height = 0, w2 = 0, h2 = 0;
  gsize coded_size;
  const guint8 *coded_data;

  depth = px_depth_codec_decode (codec, data, size, &width, &height, &error);
  if (depth == NULL)
    {
      if (error == NULL)
        abort ();
      return;
    }

  coded = px_depth_codec_encode (codec, depth, width, height, width, NULL);
  if (coded == NULL)
    abort ();
  coded_data = g_bytes_get_data (coded, &coded_size);
  again = px_depth_codec_decode (codec, coded_data, coded_size, &w2, &h2, NULL);
  if (again == NULL || w2 != width || h2 != height
      || memcmp (again, depth, (gsize) width * height * 2) != 0)
    abort ();
}

/* A stream around @body, as the encoder would frame it. */
static guint8 *
wrap_body (guint         width,
           guint         height,
           const guint8 *body,
           gsize         body_size,
           gsize        *size)
{
  ZSTD_CCtx *cctx = ZSTD_createCCtx ();
  gsize bound = ZSTD_compressBound (body_size);
  guint8 *stream = g_malloc (16 + bound);
  gsize written;

  memcpy (stream, "PXD1", 4);
  stream[4] = width & 0xff;
  stream[5] = width >> 8;
  stream[6] = height & 0xff;
  stream[7] = height >> 8;
  stream[8] = 1;
  stream[9] = stream[10] = stream[11] = 0;
  for (int k = 0; k < 4; k++)
    stream[12 + k] = (body_size >> (8 * k)) & 0xff;
  ZSTD_CCtx_setParameter (cctx, ZSTD_c_checksumFlag, 1);
  written = ZSTD_compress2 (cctx, stream + 16, bound, body, body_size);
  ZSTD_freeCCtx (cctx);
  if (ZSTD_isError (written))
    abort ();
  *size = 16 + written;
  return stream;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static PxDepthCodec *codec;

  if (codec == NULL)
    codec = px_depth_codec_new (1);

  check_decode (codec, data, size);

  if (size >= 2)
    {
      gsize wrapped_size;
      g_autofree guint8 *wrapped = wrap_body (1 + data[0] % 64, 1 + data[1] % 64, data + 2,
                                              size - 2, &wrapped_size);

      check_decode (codec, wrapped, wrapped_size);
    }
  return 0;
}
