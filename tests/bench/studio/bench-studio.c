/* bench-studio.c: the synthetic studio's render time and the depth codec
 *
 *   bench-studio [FRAMES]
 *
 * Renders FRAMES frame sets (default 90) of the default rig, two cameras at
 * 640×480, with 1 thread and with every processor, and prints the median
 * and 90th-percentile time per frame set beside the 33.3 ms a 30 fps demo
 * allows, and the CPU time a frame set costs (which a busy machine does not
 * inflate as it does wall time). Then codes the person's depth maps (millimetres, background
 * masked) with the depth codec at zstd levels 1 and 3, beside plain zstd of
 * the same 16-bit maps at the same level: ratio to the raw 16-bit size and
 * time per map, all measured in this run.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <time.h>
#include <zstd.h>

#include "media/px-depth-codec.h"
#include "studio/px-studio.h"

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
percentile (GArray *times,
            double  fraction)
{
  g_array_sort (times, compare_doubles);
  return g_array_index (times, double, MIN (times->len - 1, (guint) (fraction * times->len)));
}

/* CPU time of the whole process, all threads, in milliseconds. */
static double
cpu_ms (void)
{
  struct timespec now;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &now);
  return now.tv_sec * 1e3 + now.tv_nsec / 1e6;
}

static void
bench_render (guint threads,
              guint frames)
{
  g_autoptr(PxStudioRig) rig = px_studio_rig_new_default ();
  g_autoptr(PxStudioPerson) person = px_studio_person_new (1.75, 0);
  g_autoptr(PxStudio) studio = NULL;
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree guint8 *i420 = g_malloc (640 * 480 * 3 / 2);
  double median, slow, convert = 0, cpu_start, cpu = 0;

  px_studio_rig_get_camera (rig, 0)->noise = 1.0;
  px_studio_rig_get_camera (rig, 1)->noise = 1.0;
  studio = px_studio_new (rig, person, 0, threads);
  px_studio_render (studio, 0, 0);  /* warm up */

  for (guint i = 0; i < frames; i++)
    {
      gint64 start = g_get_monotonic_time ();
      double ms;

      cpu_start = cpu_ms ();
      px_studio_render (studio, i / 30.0, i);
      ms = (g_get_monotonic_time () - start) / 1000.0;
      cpu += cpu_ms () - cpu_start;
      g_array_append_val (times, ms);

      start = g_get_monotonic_time ();
      for (guint c = 0; c < 2; c++)
        px_studio_view_to_i420 (px_studio_get_view (studio, c), i420, 640, i420 + 640 * 480, 320,
                                i420 + 640 * 480 + 320 * 240, 320);
      convert += (g_get_monotonic_time () - start) / 1000.0;
    }
  median = percentile (times, 0.5);
  slow = percentile (times, 0.9);
  g_print ("render 2x640x480, %u thread%s: median %6.2f ms, p90 %6.2f ms per frame set "
           "(%5.1f frame sets/s; 30 fps allows 33.33 ms), CPU %6.2f ms a set; "
           "then I420 for both %.2f ms\n",
           threads, threads == 1 ? " " : "s", median, slow, 1000.0 / median, cpu / frames,
           convert / frames);
}

static void
bench_codec (guint frames)
{
  g_autoptr(PxStudioRig) rig = px_studio_rig_new_default ();
  g_autoptr(PxStudioPerson) person = px_studio_person_new (1.75, 0);
  g_autoptr(PxStudio) studio = px_studio_new (rig, person, 0, 0);
  g_autoptr(GPtrArray) maps = g_ptr_array_new_with_free_func (g_free);
  gsize n = 640 * 480, raw = n * 2;
  const int levels[] = { 1, 3 };

  for (guint i = 0; i < frames; i++)
    {
      const PxStudioView *view;
      guint16 *depth = g_new (guint16, n);

      px_studio_render (studio, i / 30.0, i);
      view = px_studio_get_view (studio, i % 2);
      px_depth_quantize_mm (view->depth, view->mask, n, depth);
      g_ptr_array_add (maps, depth);
    }

  for (guint l = 0; l < G_N_ELEMENTS (levels); l++)
    {
      g_autoptr(PxDepthCodec) codec = px_depth_codec_new (levels[l]);
      g_autofree guint8 *scratch = g_malloc (ZSTD_compressBound (raw));
      g_autofree guint8 *back = g_malloc (raw);
      ZSTD_CCtx *cctx = ZSTD_createCCtx ();
      ZSTD_DCtx *dctx = ZSTD_createDCtx ();
      double ours_bytes = 0, ours_encode = 0, ours_decode = 0;
      double zstd_bytes = 0, zstd_encode = 0, zstd_decode = 0;

      for (guint i = 0; i < maps->len; i++)
        {
          const guint16 *depth = g_ptr_array_index (maps, i);
          g_autoptr(GBytes) coded = NULL;
          g_autofree guint16 *decoded = NULL;
          gint64 start = g_get_monotonic_time ();
          guint w, h;
          gsize size, zsize;

          coded = px_depth_codec_encode (codec, depth, 640, 480, 640, NULL);
          ours_encode += (g_get_monotonic_time () - start) / 1000.0;
          start = g_get_monotonic_time ();
          decoded = px_depth_codec_decode (codec, g_bytes_get_data (coded, &size),
                                           g_bytes_get_size (coded), &w, &h, NULL);
          ours_decode += (g_get_monotonic_time () - start) / 1000.0;
          if (decoded == NULL || memcmp (decoded, depth, raw) != 0)
            g_error ("the depth codec did not round-trip");
          ours_bytes += size;

          start = g_get_monotonic_time ();
          zsize = ZSTD_compressCCtx (cctx, scratch, ZSTD_compressBound (raw), depth, raw,
                                     levels[l]);
          zstd_encode += (g_get_monotonic_time () - start) / 1000.0;
          start = g_get_monotonic_time ();
          ZSTD_decompressDCtx (dctx, back, raw, scratch, zsize);
          zstd_decode += (g_get_monotonic_time () - start) / 1000.0;
          zstd_bytes += zsize;
        }
      g_print ("depth 640x480 mm, level %d: depth codec %6.1f:1 (%6.0f B) encode %.3f ms "
               "decode %.3f ms | plain zstd %5.1f:1 (%6.0f B) encode %.3f ms decode %.3f ms\n",
               levels[l], raw * maps->len / ours_bytes, ours_bytes / maps->len,
               ours_encode / maps->len, ours_decode / maps->len,
               raw * maps->len / zstd_bytes, zstd_bytes / maps->len,
               zstd_encode / maps->len, zstd_decode / maps->len);
      ZSTD_freeCCtx (cctx);
      ZSTD_freeDCtx (dctx);
    }
}

int
main (int    argc,
      char **argv)
{
  guint frames = argc > 1 ? (guint) CLAMP (atoi (argv[1]), 1, 100000) : 90;

  g_print ("synthetic studio, %u frame sets, %u processors\n", frames,
           g_get_num_processors ());
  bench_render (1, frames);
  bench_render (g_get_num_processors (), frames);
  bench_codec (MIN (frames, 60u));
  return 0;
}
