/* bench-reconstruct.c: frame sets per second of the reconstruction of a
 * two-camera 640×480 rig
 *
 *   bench-reconstruct [FRAMES] [THREADS] [none|volume|track]
 *
 * The synthetic studio films four frame sets of the empty room and FRAMES
 * frame sets (default 30) of the person with its default rig (two cameras
 * 12 cm apart, 1.5 m from the person) before timing starts; one
 * PxPairReconstructor (THREADS threads, default 2, the disparity range the
 * capture volume needs) learns the room, then turns each frame set into
 * the person's depth and silhouette, matching the whole pair or (third
 * argument) only the capture volume's region or around the person. Printed:
 * the median and 90th-percentile milliseconds per frame set beside the
 * 33.3 ms that 30 frame sets per second allow, the median per stage, and
 * the CPU time per frame set, which a busy machine does not inflate as it
 * does wall time.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "recon/px-pair-reconstructor.h"
#include "studio/px-studio.h"

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
percentile (GArray *values,
            double  fraction)
{
  g_array_sort (values, compare_doubles);
  return g_array_index (values, double, MIN (values->len - 1, (guint) (fraction * values->len)));
}

static double
cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main (int    argc,
      char **argv)
{
  guint frames = argc > 1 ? (guint) CLAMP (atoi (argv[1]), 1, 1000) : 30;
  guint threads = argc > 2 ? (guint) CLAMP (atoi (argv[2]), 1, 64) : 2;
  const char *crop_name = argc > 3 ? argv[3] : "none";
  PxReconCrop crop = g_str_equal (crop_name, "track") ? PX_RECON_CROP_TRACK
                     : g_str_equal (crop_name, "volume") ? PX_RECON_CROP_VOLUME : PX_RECON_CROP_NONE;
  guint64 matched_pixels = 0;
  g_autoptr(PxStudioRig) studio_rig = px_studio_rig_new_default ();
  g_autoptr(PxStudioPerson) person = px_studio_person_new (1.75, 1);
  g_autoptr(PxStudio) studio = px_studio_new (studio_rig, person, 1, 0);
  g_autoptr(PxRig) rig = px_studio_rig_to_rig (studio_rig);
  g_autoptr(PxPairReconstructor) reconstructor = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func (g_free);
  GArray *stages[6];
  const char *names[6] = { "grey", "rectify", "stereo", "depth", "segment", "total" };
  g_autofree float *depth = NULL;
  guint width, height, stride = 0;
  double cpu_start, cpu_total;

  reconstructor = px_pair_reconstructor_new (rig, 0, 1, 0, threads, &error);
  if (reconstructor == NULL)
    g_error ("%s", error->message);
  px_pair_reconstructor_get_size (reconstructor, &width, &height);
  depth = g_new (float, (gsize) width * height);

  px_studio_set_show_person (studio, FALSE);
  for (guint f = 0; f < 4; f++)
    {
      const PxStudioView *left, *right;

      px_studio_render (studio, f / 30.0, f);
      left = px_studio_get_view (studio, 0);
      right = px_studio_get_view (studio, 1);
      if (!px_pair_reconstructor_learn_background (reconstructor, left->rgb, left->rgb_stride,
                                                   right->rgb, right->rgb_stride, 3, &error))
        g_error ("%s", error->message);
    }
  px_studio_set_show_person (studio, TRUE);

  /* Film first, so that only the reconstruction is timed. */
  for (guint f = 0; f < frames; f++)
    {
      px_studio_render (studio, f / 30.0, f);
      for (guint camera = 0; camera < 2; camera++)
        {
          const PxStudioView *view = px_studio_get_view (studio, camera);

          stride = view->rgb_stride;
          g_ptr_array_add (images, g_memdup2 (view->rgb, (gsize) view->rgb_stride * view->height));
        }
    }

  for (int i = 0; i < 6; i++)
    stages[i] = g_array_new (FALSE, FALSE, sizeof (double));
  px_pair_reconstructor_set_crop (reconstructor, crop);
  cpu_start = cpu_seconds ();
  for (guint f = 0; f < frames; f++)
    {
      PxReconTimings t;
      guint mw = 0, mh = 0;

      if (!px_pair_reconstructor_process (reconstructor, g_ptr_array_index (images, 2 * f), stride,
                                          g_ptr_array_index (images, 2 * f + 1), stride, 3, depth, &t, &error))
        g_error ("%s", error->message);
      if (px_pair_reconstructor_get_matched_region (reconstructor, NULL, NULL, &mw, &mh))
        matched_pixels += (guint64) mw * mh;
      g_array_append_val (stages[0], t.grey);
      g_array_append_val (stages[1], t.rectify);
      g_array_append_val (stages[2], t.stereo);
      g_array_append_val (stages[3], t.depth);
      g_array_append_val (stages[4], t.segment);
      g_array_append_val (stages[5], t.total);
    }
  cpu_total = cpu_seconds () - cpu_start;

  g_print ("reconstruction of a 2-camera %u×%u rig, %u disparities, %u threads, %u frame sets, crop %s\n",
           width, height, px_pair_reconstructor_get_max_disparity (reconstructor), threads, frames,
           crop_name);
  g_print ("  matched per frame set: %.0f pixels on average\n", (double) matched_pixels / frames);
  g_print ("  per frame set: median %.1f ms, p90 %.1f ms (budget for 30 per second: 33.3 ms) = %.1f per second\n",
           percentile (stages[5], 0.5), percentile (stages[5], 0.9), 1000.0 / percentile (stages[5], 0.5));
  g_print ("  CPU time per frame set: %.1f ms (all threads)\n", cpu_total * 1000.0 / frames);
  for (int i = 0; i < 5; i++)
    g_print ("  %-8s median %.1f ms\n", names[i], percentile (stages[i], 0.5));
  for (int i = 0; i < 6; i++)
    g_array_unref (stages[i]);
  return 0;
}
