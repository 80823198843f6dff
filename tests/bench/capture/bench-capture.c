/* bench-capture.c: pixel conversion, MJPEG decoding and the cost of capturing a camera
 *
 *   bench-capture [SECONDS]
 *
 * Single thread, megapixels per second, each figure beside libjpeg-turbo's
 * for the same job measured in the same run: its SIMD colour conversion
 * (tjEncodeYUVPlanes for RGB to I420, tjDecodeYUVPlanes for I420 to RGB)
 * and its JPEG decoding to planar YUV (tjDecompressToYUVPlanes). Then the
 * CPU share (getrusage) of capturing one 1080p30 camera for SECONDS
 * (default 5) on a private PipeWire, for raw YUY2 and for MJPG.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <turbojpeg.h>

#include "capture/px-camera-source.h"
#include "capture/px-pipewire-connection.h"
#include "media/px-mjpeg-decoder.h"
#include "media/px-pixel-convert.h"
#include "px-test-harness.h"

#define RUN_SECONDS 0.6

typedef void (*Job) (gpointer data);

/* Megapixels per second of @job over about RUN_SECONDS. */
static double
measure (Job      job,
         gpointer data,
         guint    width,
         guint    height)
{
  gint64 start, elapsed;
  guint runs = 0;

  job (data); /* warm caches */
  start = g_get_monotonic_time ();
  do
    {
      job (data);
      runs++;
      elapsed = g_get_monotonic_time () - start;
    }
  while (elapsed < RUN_SECONDS * G_USEC_PER_SEC);

  return (double) width * height * runs / elapsed;
}

typedef struct
{
  PxPixelFormat format;
  guint8       *src;
  int           stride;
  int           uv_stride;
  PxFrame      *dest;
  tjhandle      tj;
  guint8       *rgb;
  int           tj_format;
  guint8       *jpeg;
  gsize         jpeg_size;
  PxMjpegDecoder *decoder;
} Bench;

static void
convert_job (gpointer data)
{
  Bench *b = data;
  const guint8 *planes[3] = { b->src, b->src + (gsize) b->stride * b->dest->height, NULL };
  int strides[3] = { b->stride, b->uv_stride, 0 };

  px_pixel_convert_to_i420 (b->format, planes, strides, b->dest->width, b->dest->height,
                            b->dest);
}

static void
tj_encode_yuv_job (gpointer data)
{
  Bench *b = data;
  unsigned char *planes[3] = { b->dest->planes[0], b->dest->planes[1], b->dest->planes[2] };

  tjEncodeYUVPlanes (b->tj, b->src, (int) b->dest->width, b->stride, (int) b->dest->height,
                     b->tj_format, planes, b->dest->strides, TJSAMP_420, 0);
}

static void
to_rgba_job (gpointer data)
{
  Bench *b = data;

  px_pixel_convert_i420_to_rgb (b->dest, PX_PIXEL_FORMAT_RGBA, b->rgb, b->dest->width * 4);
}

static void
tj_decode_yuv_job (gpointer data)
{
  Bench *b = data;
  const unsigned char *planes[3] = { b->dest->planes[0], b->dest->planes[1], b->dest->planes[2] };

  tjDecodeYUVPlanes (b->tj, planes, b->dest->strides, TJSAMP_420, b->rgb, (int) b->dest->width,
                     (int) b->dest->width * 4, (int) b->dest->height, TJPF_RGBA, 0);
}

static void
mjpeg_job (gpointer data)
{
  Bench *b = data;

  px_mjpeg_decoder_decode (b->decoder, b->jpeg, b->jpeg_size, b->dest, NULL);
}

static void
tj_decompress_yuv_job (gpointer data)
{
  Bench *b = data;
  unsigned char *planes[3] = { b->rgb, b->rgb + b->dest->width * b->dest->height,
                               b->rgb + b->dest->width * b->dest->height * 3 / 2 };
  int strides[3] = { (int) b->dest->width, (int) b->dest->width / 2, (int) b->dest->width / 2 };

  tjDecompressToYUVPlanes (b->tj, b->jpeg, b->jpeg_size, planes, (int) b->dest->width, strides,
                           (int) b->dest->height, TJFLAG_FASTDCT);
}

/* A scene-like picture: gradients and edges. */
static void
fill_picture (guint8 *pixels,
              guint   width,
              guint   height,
              guint   bpp)
{
  for (guint y = 0; y < height; y++)
    for (guint x = 0; x < width; x++)
      {
        guint8 *p = pixels + ((gsize) y * width + x) * bpp;

        p[0] = (guint8) (x * 255 / width);
        p[1] = (guint8) (y * 255 / height);
        p[2] = (guint8) (((x / 24 + y / 24) % 2) ? 210 : 30);
        if (bpp == 4)
          p[3] = 255;
      }
}

static void
bench_size (guint width,
            guint height)
{
  Bench b = { 0 };
  gsize size = (gsize) width * height * 4;
  g_autofree guint8 *src = g_malloc (size);
  g_autofree guint8 *rgb = g_malloc (size * 2);
  unsigned long jpeg_size = 0;
  unsigned char *jpeg = NULL;
  tjhandle compressor = tjInitCompress ();

  b.src = src;
  b.rgb = rgb;
  b.dest = px_frame_new (PX_PIXEL_FORMAT_I420, width, height);
  b.decoder = px_mjpeg_decoder_new ();
  printf ("%u×%u, megapixels per second, one thread:\n", width, height);

  /* Raw camera formats to I420 (libjpeg-turbo has no peer for YUV repacking). */
  for (guint i = 0; i < 256; i++)
    memset (src + i * (size / 256), (int) i, size / 256);
  b.format = PX_PIXEL_FORMAT_YUY2, b.stride = (int) width * 2;
  printf ("  YUY2 → I420            %8.1f\n", measure (convert_job, &b, width, height));
  b.format = PX_PIXEL_FORMAT_NV12, b.stride = (int) width, b.uv_stride = (int) width;
  printf ("  NV12 → I420            %8.1f\n", measure (convert_job, &b, width, height));

  /* RGB to I420, beside libjpeg-turbo's SIMD RGB → YUV 4:2:0. */
  fill_picture (src, width, height, 4);
  b.tj = tjInitCompress ();
  b.format = PX_PIXEL_FORMAT_BGRX, b.stride = (int) width * 4, b.tj_format = TJPF_BGRX;
  printf ("  BGRx → I420            %8.1f   libjpeg-turbo tjEncodeYUVPlanes %8.1f\n",
          measure (convert_job, &b, width, height), measure (tj_encode_yuv_job, &b, width, height));
  fill_picture (src, width, height, 3);
  b.format = PX_PIXEL_FORMAT_RGB, b.stride = (int) width * 3, b.tj_format = TJPF_RGB;
  printf ("  RGB  → I420            %8.1f   libjpeg-turbo tjEncodeYUVPlanes %8.1f\n",
          measure (convert_job, &b, width, height), measure (tj_encode_yuv_job, &b, width, height));
  tjDestroy (b.tj);

  /* I420 to RGBA (previews, PNG files), beside libjpeg-turbo's YUV → RGB. */
  b.tj = tjInitDecompress ();
  printf ("  I420 → RGBA            %8.1f   libjpeg-turbo tjDecodeYUVPlanes %8.1f\n",
          measure (to_rgba_job, &b, width, height), measure (tj_decode_yuv_job, &b, width, height));

  /* MJPEG as webcams send it (4:2:2, quality 85) and as 4:2:0. */
  fill_picture (src, width, height, 3);
  for (int s = 0; s < 2; s++)
    {
      int subsampling = s == 0 ? TJSAMP_422 : TJSAMP_420;

      tjCompress2 (compressor, src, (int) width, 0, (int) height, TJPF_RGB, &jpeg, &jpeg_size,
                   subsampling, 85, 0);
      b.jpeg = jpeg;
      b.jpeg_size = jpeg_size;
      printf ("  MJPG %s → I420       %8.1f   libjpeg-turbo tjDecompressToYUVPlanes %8.1f\n",
              s == 0 ? "4:2:2" : "4:2:0", measure (mjpeg_job, &b, width, height),
              measure (tj_decompress_yuv_job, &b, width, height));
      tjFree (jpeg);
      jpeg = NULL;
    }
  tjDestroy (b.tj);
  tjDestroy (compressor);
  g_object_unref (b.decoder);
  px_frame_unref (b.dest);
}

static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static gboolean
done_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
frame_cb (PxCameraSource *source,
          guint          *taken)
{
  PxFrame *frame = px_camera_source_take_frame (source);

  if (frame != NULL)
    {
      (*taken)++;
      px_frame_unref (frame);
    }
}

static void
bench_capture (PxTestHarness *harness,
               const char    *format,
               guint          seconds)
{
  PxTestCameraSpec spec = { .format = format, .width = 1920, .height = 1080, .framerate = 30,
                            .pattern = "ball" };
  g_autoptr(PxPipewireConnection) connection = NULL;
  g_autoptr(PxCameraSource) source = NULL;
  g_autoptr(GError) error = NULL;
  PxTestNode *camera = px_test_harness_add_camera (harness, &spec);
  gboolean done = FALSE;
  guint taken = 0;
  guint64 first_frames;
  double cpu;
  gint64 start;

  if (camera == NULL)
    {
      printf ("  %s: no fake camera could be started\n", format);
      return;
    }
  connection = px_pipewire_connection_new (PX_PIPEWIRE_ACCESS_DIRECT);
  px_pipewire_connection_wait_ready (connection, 20000);
  source = px_camera_source_new (connection, px_test_node_get_name (camera), 1920, 1080, 30);
  g_signal_connect (source, "frame-ready", G_CALLBACK (frame_cb), &taken);
  if (!px_camera_source_start (source, &error))
    {
      printf ("  %s: %s\n", format, error->message);
      return;
    }

  /* Settle for a second, then measure. */
  g_timeout_add (1000, done_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);

  done = FALSE;
  taken = 0;
  first_frames = px_camera_source_get_n_frames (source);
  cpu = cpu_seconds ();
  start = g_get_monotonic_time ();
  g_timeout_add_seconds (seconds, done_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  cpu = cpu_seconds () - cpu;

  printf ("  1080p30 %-4s: %5.1f %% of one core for %.1f frames/s converted (%u taken)\n",
          format, 100 * cpu / ((g_get_monotonic_time () - start) / 1e6),
          (px_camera_source_get_n_frames (source) - first_frames) / ((g_get_monotonic_time () - start) / 1e6),
          taken);

  px_camera_source_stop (source);
  g_clear_object (&source);
  g_clear_object (&connection);
  px_test_harness_remove_node (harness, camera);
}

int
main (int    argc,
      char **argv)
{
  guint seconds = argc > 1 ? (guint) CLAMP (atoi (argv[1]), 1, 60) : 5;
  PxTestHarness *harness;

  bench_size (1280, 720);
  bench_size (1920, 1080);

  printf ("Capturing (CPU share of this process: PipeWire thread, conversion, main loop):\n");
  harness = px_test_harness_new ();
  /* The fake camera runs as on a desktop, not with the tests' fatal criticals. */
  px_test_harness_setenv (harness, "G_DEBUG", NULL);
  if (px_test_harness_start_pipewire (harness))
    {
      bench_capture (harness, "YUY2", seconds);
      bench_capture (harness, "MJPG", seconds);
    }
  else
    {
      printf ("  skipped: no private PipeWire could be started\n");
    }
  px_test_harness_free (harness);

  return 0;
}
