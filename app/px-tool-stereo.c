/* px-tool-stereo.c: `parallax-tool stereo`, disparity of a rectified pair
 *
 *   parallax-tool stereo LEFT RIGHT --max-disparity N [--threads T]
 *                        [--repeat K] --out D.pfm
 *
 * Reads two images (any format gdk-pixbuf reads), matches them K times and
 * prints the median time of one match (the images already in memory), then
 * writes the left view's disparity as a little-endian PFM, +inf where there
 * is no value.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "recon/px-gray-image.h"
#include "recon/px-pfm.h"
#include "recon/px-stereo-matcher.h"
#include "px-tool-common.h"
#include "px-tool-stereo.h"

#define MAX_REPEAT 10000

int
px_tool_stereo (int    argc,
                char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("LEFT RIGHT"));
  g_autoptr(GError) error = NULL;
  g_autoptr(PxStereoMatcher) matcher = NULL;
  g_autofree guint8 *left_pixels = NULL;
  g_autofree guint8 *right_pixels = NULL;
  g_autofree float *disparity = NULL;
  g_autofree double *times = NULL;
  g_autofree char *out = NULL;
  int max_disparity = 0;
  int threads = (int) g_get_num_processors ();
  int repeat = 1;
  int p1 = 0, p2 = 0;
  gboolean no_fill = FALSE;
  g_autofree char *instructions = NULL;
  guint lw, lh, rw, rh;
  PxGrayImage left, right;
  const GOptionEntry entries[] = {
    { "max-disparity", 'd', G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &max_disparity,
      N_("Search disparities 0 to N-1 (required)"), "N" },
    { "threads", 't', G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &threads,
      N_("Worker threads (default: the number of processors)"), "T" },
    { "repeat", 'r', G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &repeat,
      N_("Match K times and print the median time (default 1)"), "K" },
    { "out", 'o', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, &out,
      N_("Write the left view's disparity to this PFM file (required)"), "D.pfm" },
    { "p1", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &p1,
      N_("Penalty for a disparity step of one"), "P1" },
    { "p2", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &p2,
      N_("Penalty for a larger disparity jump"), "P2" },
    { "no-fill", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, &no_fill,
      N_("Leave pixels without a reliable match empty (inf)"), NULL },
    { "instructions", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &instructions,
      N_("Kernels to use: auto (default), scalar, sse2 or avx2; the result is the same"), "SET" },
    { NULL }
  };
  GArray *sorted;
  double median;

  if (!px_tool_parse_options (context, _("Match a rectified stereo pair and write the left view's "
                                          "disparity as a PFM file."),
                              entries, TRUE, &argc, &argv))
    return 2;
  if (argc != 3)
    {
      g_printerr (_("%s: expected two images, LEFT and RIGHT\n"), g_get_prgname ());
      return 2;
    }
  if (out == NULL)
    {
      g_printerr (_("%s: --out is required\n"), g_get_prgname ());
      return 2;
    }
  if (max_disparity < 1 || max_disparity > PX_STEREO_MAX_DISPARITY)
    {
      g_printerr (_("%s: --max-disparity must be 1 to %d\n"), g_get_prgname (), PX_STEREO_MAX_DISPARITY);
      return 2;
    }
  if (threads < 1 || threads > PX_STEREO_MAX_THREADS)
    {
      g_printerr (_("%s: --threads must be 1 to %d\n"), g_get_prgname (), PX_STEREO_MAX_THREADS);
      return 2;
    }
  if (repeat < 1 || repeat > MAX_REPEAT)
    {
      g_printerr (_("%s: --repeat must be 1 to %d\n"), g_get_prgname (), MAX_REPEAT);
      return 2;
    }

  left_pixels = px_gray_image_load (argv[1], &lw, &lh, &error);
  if (left_pixels != NULL)
    right_pixels = px_gray_image_load (argv[2], &rw, &rh, &error);
  if (right_pixels == NULL)
    {
      px_tool_print_error (error);
      return 1;
    }

  matcher = px_stereo_matcher_new ((guint) max_disparity, (guint) threads);
  if ((p1 || p2) && !px_stereo_matcher_set_penalties (matcher, p1 ? p1 : 3, p2 ? p2 : 24, &error))
    {
      px_tool_print_error (error);
      return 2;
    }
  px_stereo_matcher_set_fill_holes (matcher, !no_fill);
  if (instructions != NULL)
    {
      const char *names[] = { "auto", "scalar", "sse2", "avx2" };
      gsize i;

      for (i = 0; i < G_N_ELEMENTS (names); i++)
        if (g_strcmp0 (instructions, names[i]) == 0)
          break;
      if (i == G_N_ELEMENTS (names))
        {
          g_printerr (_("%s: --instructions must be auto, scalar, sse2 or avx2\n"), g_get_prgname ());
          return 2;
        }
      if (!px_stereo_matcher_set_instructions (matcher, (PxStereoInstructions) i))
        {
          g_printerr (_("%s: this processor cannot run the %s kernels\n"), g_get_prgname (), instructions);
          return 1;
        }
    }

  left = (PxGrayImage) { lw, lh, lw, left_pixels };
  right = (PxGrayImage) { rw, rh, rw, right_pixels };
  disparity = g_new (float, (gsize) lw * lh);
  times = g_new (double, repeat);
  for (int i = 0; i < repeat; i++)
    {
      gint64 start = g_get_monotonic_time ();

      if (!px_stereo_matcher_match (matcher, &left, &right, disparity, &error))
        {
          px_tool_print_error (error);
          return 1;
        }
      times[i] = (g_get_monotonic_time () - start) / 1000.0;
    }
  sorted = g_array_new (FALSE, FALSE, sizeof (double));
  g_array_append_vals (sorted, times, repeat);
  median = px_tool_median (sorted);
  g_array_unref (sorted);

  if (!px_pfm_save (out, disparity, lw, lh, &error))
    {
      px_tool_print_error (error);
      return 1;
    }
  g_print (_("%u×%u, %d disparities, %d threads (%s): median %.2f ms over %d runs\n"),
           lw, lh, max_disparity, threads, px_stereo_matcher_get_instructions_name (matcher),
           median, repeat);
  return 0;
}
