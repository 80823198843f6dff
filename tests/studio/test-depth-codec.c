/* test-depth-codec.c: lossless depth coding at millimetre precision
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>
#include <zstd.h>

#include "media/px-depth-codec.h"
#include "studio/px-studio.h"

static guint16 *
round_trip (PxDepthCodec  *codec,
            const guint16 *depth,
            guint          width,
            guint          height,
            gsize          stride,
            gsize         *coded_size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) coded = px_depth_codec_encode (codec, depth, width, height, stride, &error);
  guint16 *decoded;
  guint w = 0, h = 0;
  gsize size;
  const guint8 *data;

  g_assert_no_error (error);
  g_assert_nonnull (coded);
  data = g_bytes_get_data (coded, &size);
  decoded = px_depth_codec_decode (codec, data, size, &w, &h, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (w, ==, width);
  g_assert_cmpuint (h, ==, height);
  for (guint y = 0; y < height; y++)
    g_assert_cmpmem (decoded + (gsize) y * width, width * 2, depth + (gsize) y * stride, width * 2);
  if (coded_size != NULL)
    *coded_size = size;
  return decoded;
}

/* Studio depth of the person alone, in millimetres. */
static guint16 *
studio_depth (double  time,
              guint  *width,
              guint  *height)
{
  g_autoptr(PxStudioRig) rig = px_studio_rig_new_default ();
  g_autoptr(PxStudioPerson) person = px_studio_person_new (1.75, 0);
  g_autoptr(PxStudio) studio = px_studio_new (rig, person, 0, 0);
  const PxStudioView *view;
  guint16 *depth;

  px_studio_render (studio, time, 0);
  view = px_studio_get_view (studio, 0);
  depth = g_new (guint16, (gsize) view->width * view->height);
  px_depth_quantize_mm (view->depth, view->mask, (gsize) view->width * view->height, depth);
  *width = view->width;
  *height = view->height;
  return depth;
}

static void
test_studio_round_trip (void)
{
  g_autoptr(PxDepthCodec) codec = px_depth_codec_new (3);

  for (guint i = 0; i < 3; i++)
    {
      guint width, height;
      g_autofree guint16 *depth = studio_depth (i * 0.7, &width, &height);
      g_autofree guint16 *decoded = NULL;
      gsize coded, on_person = 0;
      double ratio;

      for (gsize k = 0; k < (gsize) width * height; k++)
        on_person += depth[k] != 0;
      decoded = round_trip (codec, depth, width, height, width, &coded);
      ratio = (double) width * height * 2 / coded;
      g_test_message ("t = %.1f s: %zu pixels on the person, %zu bytes, ratio %.1f:1 "
                      "(%.2f bits per person pixel)", i * 0.7, on_person, coded, ratio,
                      8.0 * coded / on_person);
      g_assert_cmpuint (on_person, >, 10000);
      /* The background is free and the person costs a few bits a pixel. */
      g_assert_cmpfloat (ratio, >, 15);
    }
}

static void
test_millimetres (void)
{
  const float metres[] = { 1.5f, 1.5004f, 1.5006f, NAN, INFINITY, -1.0f, 0.0f, 65.535f, 70.0f,
                           0.001f };
  const guint16 expected[] = { 1500, 1500, 1501, 0, 0, 0, 0, 65535, 0, 1 };
  const guint8 mask[] = { 255, 255, 255, 255, 255, 255, 255, 255, 255, 255 };
  guint16 out[G_N_ELEMENTS (metres)];

  px_depth_quantize_mm (metres, mask, G_N_ELEMENTS (metres), out);
  g_assert_cmpmem (out, sizeof out, expected, sizeof expected);
  px_depth_quantize_mm (metres, NULL, G_N_ELEMENTS (metres), out);
  g_assert_cmpmem (out, sizeof out, expected, sizeof expected);
  {
    const guint8 none[G_N_ELEMENTS (metres)] = { 0 };
    const guint16 zeros[G_N_ELEMENTS (metres)] = { 0 };

    px_depth_quantize_mm (metres, none, G_N_ELEMENTS (metres), out);
    g_assert_cmpmem (out, sizeof out, zeros, sizeof zeros);
  }
}

static void
test_patterns (void)
{
  g_autoptr(PxDepthCodec) codec = px_depth_codec_new (1);
  GRand *rand = g_rand_new_with_seed (42);
  const guint sizes[][2] = { { 1, 1 }, { 7, 3 }, { 64, 48 }, { 333, 17 }, { 1, 500 } };

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (guint pattern = 0; pattern < 6; pattern++)
      {
        guint width = sizes[s][0], height = sizes[s][1];
        gsize stride = width + 5;
        g_autofree guint16 *depth = g_new0 (guint16, stride * height);
        g_autofree guint16 *decoded = NULL;

        for (guint y = 0; y < height; y++)
          for (guint x = 0; x < width; x++)
            {
              guint16 *p = &depth[y * stride + x];

              switch (pattern)
                {
                case 0: *p = 0; break;                                   /* empty */
                case 1: *p = 65535; break;                               /* far */
                case 2: *p = (x + y) % 2 ? 0 : 1 + (x * 7919) % 65535; break; /* checker */
                case 3: *p = g_rand_int_range (rand, 0, 65536); break;   /* noise */
                case 4: *p = (x + y) % 2 ? 1 : 65535; break;             /* largest steps */
                default: *p = g_rand_boolean (rand) ? 0 : 1000 + x; break;
                }
            }
        /* The padding past each row must not leak in. */
        for (guint y = 0; y < height; y++)
          for (guint x = width; x < stride; x++)
            depth[y * stride + x] = 12345;
        decoded = round_trip (codec, depth, width, height, stride, NULL);
      }
  g_rand_free (rand);
}

static void
test_invalid_sizes (void)
{
  g_autoptr(PxDepthCodec) codec = px_depth_codec_new (3);
  g_autoptr(GError) error = NULL;
  guint16 pixel = 1;
  GBytes *coded;

  coded = px_depth_codec_encode (codec, &pixel, 0, 1, 1, &error);
  g_assert_null (coded);
  g_assert_error (error, PX_DEPTH_CODEC_ERROR, PX_DEPTH_CODEC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  coded = px_depth_codec_encode (codec, &pixel, 2, 1, 1, &error);
  g_assert_null (coded);
  g_assert_error (error, PX_DEPTH_CODEC_ERROR, PX_DEPTH_CODEC_ERROR_INVALID_ARGUMENT);
}

static GBytes *
encode_small (PxDepthCodec *codec)
{
  g_autofree guint16 *depth = g_new0 (guint16, 40 * 30);

  for (guint y = 5; y < 25; y++)
    for (guint x = 10; x < 30; x++)
      depth[y * 40 + x] = 1400 + 3 * x + y;
  return px_depth_codec_encode (codec, depth, 40, 30, 40, NULL);
}

/* Every prefix of a stream is refused, as is every single corrupted byte:
 * corruption never decodes into a different depth map. */
static void
test_corrupt_streams (void)
{
  g_autoptr(PxDepthCodec) codec = px_depth_codec_new (3);
  g_autoptr(GBytes) coded = encode_small (codec);
  gsize size;
  const guint8 *data = g_bytes_get_data (coded, &size);
  g_autofree guint8 *copy = g_memdup2 (data, size);
  g_autofree guint16 *reference = NULL;
  guint w, h;

  reference = px_depth_codec_decode (codec, data, size, &w, &h, NULL);
  g_assert_nonnull (reference);

  for (gsize length = 0; length < size; length++)
    {
      g_autoptr(GError) error = NULL;
      guint16 *decoded = px_depth_codec_decode (codec, data, length, &w, &h, &error);

      g_assert_null (decoded);
      g_assert_error (error, PX_DEPTH_CODEC_ERROR, PX_DEPTH_CODEC_ERROR_CORRUPT);
    }

  for (gsize i = 0; i < size; i++)
    for (guint flip = 0; flip < 8; flip++)
      {
        g_autoptr(GError) error = NULL;
        g_autofree guint16 *decoded = NULL;

        copy[i] ^= 1 << flip;
        decoded = px_depth_codec_decode (codec, copy, size, &w, &h, &error);
        copy[i] ^= 1 << flip;
        if (decoded != NULL)
          {
            g_assert_cmpuint (w * h, ==, 40 * 30);
            g_assert_cmpmem (decoded, 40 * 30 * 2, reference, 40 * 30 * 2);
          }
        else
          g_assert_error (error, PX_DEPTH_CODEC_ERROR, PX_DEPTH_CODEC_ERROR_CORRUPT);
      }

  /* Garbage after the stream, and a header that lies about the image. */
  {
    g_autoptr(GError) error = NULL;
    g_autofree guint8 *longer = g_malloc (size + 1);

    memcpy (longer, data, size);
    longer[size] = 0;
    g_assert_null (px_depth_codec_decode (codec, longer, size + 1, &w, &h, &error));
    g_assert_error (error, PX_DEPTH_CODEC_ERROR, PX_DEPTH_CODEC_ERROR_CORRUPT);
  }
  {
    g_autoptr(GError) error = NULL;
    guint8 huge[16] = { 'P', 'X', 'D', '1', 0x00, 0x20, 0x00, 0x20, 1, 0, 0, 0,
                        0xff, 0xff, 0xff, 0xff };

    g_assert_null (px_depth_codec_decode (codec, huge, sizeof huge, &w, &h, &error));
    g_assert_error (error, PX_DEPTH_CODEC_ERROR, PX_DEPTH_CODEC_ERROR_CORRUPT);
  }
}

/* A stream framed correctly around @body, for a @width × @height map. */
static GBytes *
frame_body (guint         width,
            guint         height,
            const guint8 *body,
            gsize         body_size)
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
  g_assert_false (ZSTD_isError (written));
  return g_bytes_new_take (stream, 16 + written);
}

/* Bodies that pass zstd's checksum but break the format's own rules. */
static void
test_corrupt_bodies (void)
{
  static const struct
  {
    const char *what;
    guint width, height;
    guint8 body[12];
    gsize size;
  } cases[] = {
    { "valid: 1x1 of 1500 mm", 1, 1, { 0, 1, 0xb8, 0x17 }, 4 },
    { "residual beyond 17 bits", 1, 1, { 0, 1, 0xff, 0xff, 0xff, 0xff, 0x0f }, 7 },
    { "varint longer than 32 bits", 1, 1, { 0, 1, 0xff, 0xff, 0xff, 0xff, 0x7f }, 7 },
    { "value below 1", 1, 1, { 0, 1, 0x01 }, 3 },
    { "zero value", 1, 1, { 0, 1, 0x00 }, 3 },
    { "run past the end", 2, 1, { 3, 0 }, 2 },
    { "empty run", 2, 1, { 0, 0, 2, 0 }, 4 },
    { "too few pixels", 2, 2, { 3, 0 }, 2 },
    { "bytes after the end", 1, 1, { 1, 0, 0 }, 3 },
    { "value cut short", 2, 1, { 0, 2, 0xb8, 0x17, 0x80 }, 5 },
  };
  g_autoptr(PxDepthCodec) codec = px_depth_codec_new (1);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) stream = frame_body (cases[i].width, cases[i].height, cases[i].body,
                                             cases[i].size);
      g_autoptr(GError) error = NULL;
      g_autofree guint16 *depth = NULL;
      guint w, h;

      depth = px_depth_codec_decode (codec, g_bytes_get_data (stream, NULL),
                                     g_bytes_get_size (stream), &w, &h, &error);
      g_test_message ("%s: %s", cases[i].what, error != NULL ? error->message : "decoded");
      if (i == 0)
        {
          g_assert_no_error (error);
          g_assert_cmpuint (depth[0], ==, 1500);
        }
      else
        {
          g_assert_null (depth);
          g_assert_error (error, PX_DEPTH_CODEC_ERROR, PX_DEPTH_CODEC_ERROR_CORRUPT);
        }
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/depth-codec/studio-round-trip", test_studio_round_trip);
  g_test_add_func ("/depth-codec/millimetres", test_millimetres);
  g_test_add_func ("/depth-codec/patterns", test_patterns);
  g_test_add_func ("/depth-codec/invalid-sizes", test_invalid_sizes);
  g_test_add_func ("/depth-codec/corrupt-streams", test_corrupt_streams);
  g_test_add_func ("/depth-codec/corrupt-bodies", test_corrupt_bodies);

  return g_test_run ();
}
