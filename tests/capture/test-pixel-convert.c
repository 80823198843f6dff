/* test-pixel-convert.c: pixel conversion, MJPEG decoding, frame pools and audio rings
 *
 * Conversions are checked against straightforward floating-point formulas
 * of BT.601 (limited range), MJPEG decoding against libjpeg-turbo itself.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gio/gio.h>
#include <turbojpeg.h>

#include "capture/px-audio-ring.h"
#include "media/px-frame-pool.h"
#include "media/px-mjpeg-decoder.h"
#include "media/px-pixel-convert.h"

static const guint sizes[][2] = { { 64, 48 }, { 17, 9 }, { 33, 1 }, { 1, 5 }, { 2, 2 } };

static double
ref_y (double r, double g, double b)
{
  return 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255;
}

static double
ref_u (double r, double g, double b)
{
  return 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255;
}

static double
ref_v (double r, double g, double b)
{
  return 128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255;
}

static void
fill_random (guint8 *data,
             gsize   size,
             GRand  *rand)
{
  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) g_rand_int_range (rand, 0, 256);
}

static void
assert_near (double      value,
             double      expected,
             double      tolerance,
             const char *what,
             guint       x,
             guint       y)
{
  if (fabs (value - expected) > tolerance)
    g_error ("%s at (%u, %u): %g, expected %g ± %g", what, x, y, value, expected, tolerance);
}

/* RGB-like input: the reference converts each pixel with the float formula. */
static void
check_rgb_format (PxPixelFormat format,
                  guint         bpp,
                  guint         r_at,
                  guint         g_at,
                  guint         b_at)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);

  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      guint w = sizes[s][0], h = sizes[s][1];
      int stride = (int) (w * bpp + 7);   /* padded rows */
      g_autofree guint8 *src = g_malloc ((gsize) stride * h);
      const guint8 *planes[1] = { src };
      int strides[1] = { stride };
      g_autoptr(PxFrame) dest = px_frame_new (PX_PIXEL_FORMAT_I420, w, h);

      fill_random (src, (gsize) stride * h, rand);
      g_assert_true (px_pixel_convert_to_i420 (format, planes, strides, w, h, dest));

      for (guint y = 0; y < h; y++)
        for (guint x = 0; x < w; x++)
          {
            const guint8 *p = src + y * stride + x * bpp;

            assert_near (dest->planes[0][y * dest->strides[0] + x],
                         ref_y (p[r_at], p[g_at], p[b_at]), 1.01, "Y", x, y);
          }

      for (guint y = 0; y < (h + 1) / 2; y++)
        for (guint x = 0; x < (w + 1) / 2; x++)
          {
            double r = 0, g = 0, b = 0;

            for (guint dy = 0; dy < 2; dy++)
              for (guint dx = 0; dx < 2; dx++)
                {
                  guint sx = MIN (2 * x + dx, w - 1), sy = MIN (2 * y + dy, h - 1);
                  const guint8 *p = src + sy * stride + sx * bpp;

                  r += p[r_at] / 4.0, g += p[g_at] / 4.0, b += p[b_at] / 4.0;
                }
            assert_near (dest->planes[1][y * dest->strides[1] + x], ref_u (r, g, b), 1.51,
                         "U", x, y);
            assert_near (dest->planes[2][y * dest->strides[2] + x], ref_v (r, g, b), 1.51,
                         "V", x, y);
          }
    }
}

static void
test_rgb_to_i420 (void)
{
  check_rgb_format (PX_PIXEL_FORMAT_RGBX, 4, 0, 1, 2);
  check_rgb_format (PX_PIXEL_FORMAT_RGBA, 4, 0, 1, 2);
  check_rgb_format (PX_PIXEL_FORMAT_BGRX, 4, 2, 1, 0);
  check_rgb_format (PX_PIXEL_FORMAT_RGB, 3, 0, 1, 2);
  check_rgb_format (PX_PIXEL_FORMAT_BGR, 3, 2, 1, 0);
}

/* YUV input: the reference picks samples and averages chroma rows. */
static void
test_yuv_to_i420 (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);

  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      guint w = sizes[s][0], h = sizes[s][1];
      guint cw = (w + 1) / 2, ch = (h + 1) / 2;
      g_autoptr(PxFrame) dest = px_frame_new (PX_PIXEL_FORMAT_I420, w, h);
      int packed_stride = (int) (cw * 4 + 5);
      g_autofree guint8 *packed = g_malloc ((gsize) packed_stride * h);
      g_autofree guint8 *luma = g_malloc ((gsize) (w + 3) * h);
      g_autofree guint8 *chroma = g_malloc ((gsize) (2 * cw + 3) * ch * 2);

      fill_random (packed, (gsize) packed_stride * h, rand);
      fill_random (luma, (gsize) (w + 3) * h, rand);
      fill_random (chroma, (gsize) (2 * cw + 3) * ch * 2, rand);

      for (guint f = 0; f < 2; f++)
        {
          PxPixelFormat format = f == 0 ? PX_PIXEL_FORMAT_YUY2 : PX_PIXEL_FORMAT_UYVY;
          guint y_at = f == 0 ? 0 : 1, u_at = f == 0 ? 1 : 0;
          const guint8 *planes[1] = { packed };
          int strides[1] = { packed_stride };

          g_assert_true (px_pixel_convert_to_i420 (format, planes, strides, w, h, dest));
          for (guint y = 0; y < h; y++)
            for (guint x = 0; x < w; x++)
              g_assert_cmpuint (dest->planes[0][y * dest->strides[0] + x], ==,
                                packed[y * packed_stride + (x / 2) * 4 + y_at + (x % 2) * 2]);
          for (guint y = 0; y < ch; y++)
            for (guint x = 0; x < cw; x++)
              {
                guint y1 = MIN (2 * y + 1, h - 1);
                double u = (packed[2 * y * packed_stride + x * 4 + u_at] +
                            packed[y1 * packed_stride + x * 4 + u_at]) / 2.0;
                double v = (packed[2 * y * packed_stride + x * 4 + u_at + 2] +
                            packed[y1 * packed_stride + x * 4 + u_at + 2]) / 2.0;

                assert_near (dest->planes[1][y * dest->strides[1] + x], u, 0.51, "U", x, y);
                assert_near (dest->planes[2][y * dest->strides[2] + x], v, 0.51, "V", x, y);
              }
        }

      /* NV12 and I420: samples copied, planes separated. */
      {
        const guint8 *planes[3] = { luma, chroma, NULL };
        int strides[3] = { (int) w + 3, (int) (2 * cw + 3), 0 };

        g_assert_true (px_pixel_convert_to_i420 (PX_PIXEL_FORMAT_NV12, planes, strides, w, h,
                                                 dest));
        for (guint y = 0; y < ch; y++)
          for (guint x = 0; x < cw; x++)
            {
              g_assert_cmpuint (dest->planes[1][y * dest->strides[1] + x], ==,
                                chroma[y * strides[1] + 2 * x]);
              g_assert_cmpuint (dest->planes[2][y * dest->strides[2] + x], ==,
                                chroma[y * strides[1] + 2 * x + 1]);
            }
        for (guint y = 0; y < h; y++)
          g_assert_cmpmem (dest->planes[0] + y * dest->strides[0], w, luma + y * strides[0], w);
      }
      {
        g_autoptr(PxFrame) copy = px_frame_new (PX_PIXEL_FORMAT_I420, w, h);
        const guint8 *planes[3] = { dest->planes[0], dest->planes[1], dest->planes[2] };

        g_assert_true (px_pixel_convert_to_i420 (PX_PIXEL_FORMAT_I420, planes, dest->strides,
                                                 w, h, copy));
        for (guint y = 0; y < ch; y++)
          g_assert_cmpmem (copy->planes[2] + y * copy->strides[2], cw,
                           dest->planes[2] + y * dest->strides[2], cw);
      }
    }
}

static void
test_i420_to_rgb (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  g_autoptr(PxFrame) frame = px_frame_new (PX_PIXEL_FORMAT_I420, 31, 7);
  guint8 rgba[31 * 4 * 7 + 16];
  guint8 bgrx[31 * 4 * 7 + 16];

  for (guint p = 0; p < 3; p++)
    for (guint y = 0; y < px_frame_get_plane_height (frame, p); y++)
      fill_random (frame->planes[p] + y * frame->strides[p], px_frame_get_plane_width (frame, p),
                   rand);

  g_assert_true (px_pixel_convert_i420_to_rgb (frame, PX_PIXEL_FORMAT_RGBA, rgba, 31 * 4));
  g_assert_true (px_pixel_convert_i420_to_rgb (frame, PX_PIXEL_FORMAT_BGRX, bgrx, 31 * 4));
  for (guint y = 0; y < 7; y++)
    for (guint x = 0; x < 31; x++)
      {
        double Y = frame->planes[0][y * frame->strides[0] + x] - 16.0;
        double U = frame->planes[1][(y / 2) * frame->strides[1] + x / 2] - 128.0;
        double V = frame->planes[2][(y / 2) * frame->strides[2] + x / 2] - 128.0;
        double r = CLAMP (1.164383 * Y + 1.596027 * V, 0, 255);
        double g = CLAMP (1.164383 * Y - 0.391762 * U - 0.812968 * V, 0, 255);
        double b = CLAMP (1.164383 * Y + 2.017232 * U, 0, 255);
        const guint8 *p = rgba + y * 31 * 4 + x * 4;
        const guint8 *q = bgrx + y * 31 * 4 + x * 4;

        assert_near (p[0], r, 1.51, "R", x, y);
        assert_near (p[1], g, 1.51, "G", x, y);
        assert_near (p[2], b, 1.51, "B", x, y);
        g_assert_cmpuint (p[3], ==, 255);
        g_assert_cmpuint (q[0], ==, p[2]);
        g_assert_cmpuint (q[2], ==, p[0]);
      }
}

static void
test_convert_refuses (void)
{
  g_autoptr(PxFrame) dest = px_frame_new (PX_PIXEL_FORMAT_I420, 8, 8);
  g_autoptr(PxFrame) rgb = px_frame_new (PX_PIXEL_FORMAT_RGBA, 8, 8);
  guint8 data[8 * 8 * 4] = { 0 };
  const guint8 *planes[1] = { data };
  int strides[1] = { 32 };

  g_assert_false (px_pixel_convert_to_i420 (PX_PIXEL_FORMAT_MJPG, planes, strides, 8, 8, dest));
  g_assert_false (px_pixel_convert_to_i420 (PX_PIXEL_FORMAT_RGBX, planes, strides, 4, 8, dest));
  g_assert_false (px_pixel_convert_to_i420 (PX_PIXEL_FORMAT_RGBX, planes, strides, 8, 8, rgb));
  g_assert_false (px_pixel_convert_i420_to_rgb (rgb, PX_PIXEL_FORMAT_RGB, data, 24));
  g_assert_null (px_frame_new (PX_PIXEL_FORMAT_I420, 0, 8));
  g_assert_null (px_frame_new (PX_PIXEL_FORMAT_I420, PX_FRAME_MAX_SIZE + 1, 8));
  g_assert_null (px_frame_new (PX_PIXEL_FORMAT_MJPG, 8, 8));
  g_assert_cmpint (px_pixel_format_from_string ("yuy2"), ==, PX_PIXEL_FORMAT_YUY2);
  g_assert_cmpint (px_pixel_format_from_string ("Y444"), ==, PX_PIXEL_FORMAT_UNKNOWN);
}

/* MJPEG ---------------------------------------------------------------------------------- */

static guint8 *
make_picture (guint w,
              guint h)
{
  guint8 *rgb = g_malloc ((gsize) w * h * 3);

  /* Smooth gradients with a few hard edges, like a scene. */
  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x++)
      {
        guint8 *p = rgb + (y * w + x) * 3;

        p[0] = (guint8) (x * 255 / w);
        p[1] = (guint8) (y * 255 / h);
        p[2] = (x / 16 + y / 16) % 2 ? 200 : 40;
      }
  return rgb;
}

static guint8 *
compress (const guint8 *rgb,
          guint         w,
          guint         h,
          int           subsampling,
          gsize        *size)
{
  tjhandle handle = tjInitCompress ();
  unsigned char *jpeg = NULL;
  unsigned long jpeg_size = 0;
  guint8 *copy;

  g_assert_cmpint (tjCompress2 (handle, rgb, (int) w, 0, (int) h, TJPF_RGB, &jpeg, &jpeg_size,
                                subsampling, 95, 0), ==, 0);
  copy = g_memdup2 (jpeg, jpeg_size);
  *size = jpeg_size;
  tjFree (jpeg);
  tjDestroy (handle);
  return copy;
}

static void
test_mjpeg_decode (void)
{
  static const int subsamplings[] = { TJSAMP_420, TJSAMP_422, TJSAMP_444, TJSAMP_GRAY,
                                      TJSAMP_440 };
  static const guint mjpeg_sizes[][2] = { { 160, 120 }, { 75, 43 } };
  g_autoptr(PxMjpegDecoder) decoder = px_mjpeg_decoder_new ();

  for (gsize s = 0; s < G_N_ELEMENTS (mjpeg_sizes); s++)
    for (gsize i = 0; i < G_N_ELEMENTS (subsamplings); i++)
      {
        guint w = mjpeg_sizes[s][0], h = mjpeg_sizes[s][1];
        g_autofree guint8 *rgb = make_picture (w, h);
        g_autofree guint8 *back = g_malloc ((gsize) w * h * 3);
        g_autoptr(PxFrame) frame = px_frame_new (PX_PIXEL_FORMAT_I420, w, h);
        g_autoptr(GError) error = NULL;
        g_autofree guint8 *jpeg = NULL;
        gsize size;
        double total = 0;
        guint rw, rh;

        jpeg = compress (rgb, w, h, subsamplings[i], &size);
        g_assert_true (px_mjpeg_decoder_read_size (decoder, jpeg, size, &rw, &rh, &error));
        g_assert_cmpuint (rw, ==, w);
        g_assert_cmpuint (rh, ==, h);
        g_assert_true (px_mjpeg_decoder_decode (decoder, jpeg, size, frame, &error));
        g_assert_no_error (error);

        g_assert_true (px_pixel_convert_i420_to_rgb (frame, PX_PIXEL_FORMAT_RGB, back, w * 3));
        for (gsize p = 0; p < (gsize) w * h; p++)
          {
            if (subsamplings[i] == TJSAMP_GRAY)
              {
                /* Grey: compare brightness only. */
                double ya = 0.299 * rgb[3 * p] + 0.587 * rgb[3 * p + 1] + 0.114 * rgb[3 * p + 2];
                double yb = back[3 * p];

                total += fabs (ya - yb);
              }
            else
              {
                for (guint c = 0; c < 3; c++)
                  total += fabs ((double) rgb[3 * p + c] - back[3 * p + c]) / 3;
              }
          }
        g_test_message ("%ux%u subsampling %d: mean error %.2f", w, h, subsamplings[i],
                        total / (w * h));
        /* Chroma subsampling blurs the checkerboard's edges: a few levels on average. */
        g_assert_cmpfloat (total / (w * h), <, 8.0);

        /* 4:2:0 is libjpeg-turbo's own planar output, only brought to limited range. */
        if (subsamplings[i] == TJSAMP_420)
          {
            tjhandle handle = tjInitDecompress ();
            g_autofree guint8 *planes = g_malloc (tjBufSizeYUV2 ((int) w, 1, (int) h, TJSAMP_420));

            g_assert_cmpint (tjDecompressToYUV2 (handle, jpeg, size, planes, (int) w, 1, (int) h,
                                                 TJFLAG_FASTDCT), ==, 0);
            for (guint y = 0; y < h; y++)
              for (guint x = 0; x < w; x++)
                assert_near (frame->planes[0][y * frame->strides[0] + x],
                             16 + planes[y * tjPlaneWidth (0, (int) w, TJSAMP_420) + x] * 219.0 / 255,
                             0.51, "Y", x, y);
            tjDestroy (handle);
          }
      }
}

static void
test_mjpeg_bad_input (void)
{
  g_autoptr(PxMjpegDecoder) decoder = px_mjpeg_decoder_new ();
  g_autoptr(PxFrame) frame = px_frame_new (PX_PIXEL_FORMAT_I420, 64, 48);
  g_autoptr(PxFrame) wrong = px_frame_new (PX_PIXEL_FORMAT_I420, 32, 48);
  g_autofree guint8 *rgb = make_picture (64, 48);
  g_autofree guint8 *jpeg = NULL;
  g_autoptr(GError) error = NULL;
  guint8 garbage[256];
  gsize size;

  memset (garbage, 0x5a, sizeof garbage);
  g_assert_false (px_mjpeg_decoder_decode (decoder, garbage, sizeof garbage, frame, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_false (px_mjpeg_decoder_decode (decoder, garbage, 0, frame, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);

  jpeg = compress (rgb, 64, 48, TJSAMP_422, &size);
  g_assert_false (px_mjpeg_decoder_decode (decoder, jpeg, size, wrong, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "64×48"));
  g_clear_error (&error);

  /* A truncated frame (a camera's cut-off transfer) is an error or a
   * damaged picture, never a crash; every cut point is tried. */
  for (gsize cut = 2; cut < size; cut += 7)
    {
      if (!px_mjpeg_decoder_decode (decoder, jpeg, cut, frame, &error))
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
          g_clear_error (&error);
        }
    }
  /* The decoder still works afterwards. */
  g_assert_true (px_mjpeg_decoder_decode (decoder, jpeg, size, frame, &error));
  g_assert_no_error (error);
}

/* Pools and rings ------------------------------------------------------------------------ */

static void
test_frame_pool (void)
{
  g_autoptr(PxFramePool) pool = px_frame_pool_new (PX_PIXEL_FORMAT_I420, 64, 48, 3);
  PxFrame *frames[3];
  PxFrame *again;

  for (guint i = 0; i < 3; i++)
    {
      frames[i] = px_frame_pool_acquire (pool);
      g_assert_nonnull (frames[i]);
      g_assert_cmpuint (frames[i]->width, ==, 64);
    }
  /* Exhausted: the caller drops its frame instead of the pool growing. */
  g_assert_null (px_frame_pool_acquire (pool));

  px_frame_unref (frames[1]);
  again = px_frame_pool_acquire (pool);
  g_assert_true (again == frames[1]);
  px_frame_unref (again);

  /* Steady use allocates nothing more. */
  for (guint i = 0; i < 100; i++)
    px_frame_unref (px_frame_pool_acquire (pool));
  g_assert_cmpuint (px_frame_pool_get_n_allocated (pool), ==, 3);

  /* A new size: old frames are freed when they come back, not recycled. */
  g_assert_true (px_frame_pool_configure (pool, PX_PIXEL_FORMAT_I420, 32, 16));
  again = px_frame_pool_acquire (pool);
  g_assert_cmpuint (again->width, ==, 32);
  px_frame_unref (again);
  px_frame_unref (frames[0]);

  /* A frame outlives its pool. */
  g_clear_object (&pool);
  g_assert_cmpuint (frames[2]->height, ==, 48);
  px_frame_unref (frames[2]);
}

static void
test_audio_ring (void)
{
  g_autoptr(PxAudioRing) ring = px_audio_ring_new (100);
  float in[70], out[100];
  float rms, peak;

  for (guint i = 0; i < G_N_ELEMENTS (in); i++)
    in[i] = (float) i;

  g_assert_cmpuint (px_audio_ring_write (ring, in, 70), ==, 70);
  g_assert_cmpuint (px_audio_ring_read (ring, out, 50), ==, 50);
  g_assert_cmpfloat (out[49], ==, 49);
  /* Wraps around the end. */
  g_assert_cmpuint (px_audio_ring_write (ring, in, 70), ==, 70);
  g_assert_cmpuint (px_audio_ring_get_fill (ring), ==, 90);
  /* Full: only what fits is taken. */
  g_assert_cmpuint (px_audio_ring_write (ring, in, 70), ==, 10);
  g_assert_cmpuint (px_audio_ring_read (ring, out, 100), ==, 100);
  g_assert_cmpfloat (out[0], ==, 50);
  g_assert_cmpfloat (out[20], ==, 0);
  g_assert_cmpfloat (out[89], ==, 69);
  g_assert_cmpfloat (out[99], ==, 9);
  g_assert_cmpuint (px_audio_ring_read (ring, out, 10), ==, 0);

  for (guint i = 0; i < 48; i++)
    out[i] = (float) (0.5 * sin (2 * G_PI * i / 48.0));
  px_audio_measure_level (out, 48, &rms, &peak);
  g_assert_cmpfloat (fabs (rms - 0.5 / G_SQRT2), <, 1e-4);
  g_assert_cmpfloat (fabs (peak - 0.5), <, 1e-4);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/capture/convert/rgb-to-i420", test_rgb_to_i420);
  g_test_add_func ("/capture/convert/yuv-to-i420", test_yuv_to_i420);
  g_test_add_func ("/capture/convert/i420-to-rgb", test_i420_to_rgb);
  g_test_add_func ("/capture/convert/refuses", test_convert_refuses);
  g_test_add_func ("/capture/mjpeg/decode", test_mjpeg_decode);
  g_test_add_func ("/capture/mjpeg/bad-input", test_mjpeg_bad_input);
  g_test_add_func ("/capture/frame-pool", test_frame_pool);
  g_test_add_func ("/capture/audio-ring", test_audio_ring);

  return g_test_run ();
}
