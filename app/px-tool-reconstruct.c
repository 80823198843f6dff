/* px-tool-reconstruct.c: `parallax-tool reconstruct`, depth from a rig's frames
 *
 *   parallax-tool reconstruct --rig R.json --frames DIR --out DIR
 *                             [--background DIR] [--step S]
 *                             [--max-disparity N] [--threads T]
 *
 * DIR holds a folder per camera, named by the camera's id, with
 * frame-NNNNNN.png images (as `parallax-tool studio` writes them). For
 * every stereo pair of the rig and every frame both of its cameras have,
 * it writes into the output folder, under the left camera's id:
 *
 *   depth-NNNNNN.pfm    depth in metres along the left camera's optical
 *                       axis, one value per S×S pixels of its image,
 *                       little-endian PFM, inf where there is no surface
 *                       or the point is outside the capture volume
 *   points-NNNNNN.ply   the same points in the rig frame (metres), with
 *                       the colours of the left image
 *   mask-NNNNNN.png     with --background: the person's silhouette on the
 *                       depth grid (white on the person)
 *
 * and timings.json with each stage's median milliseconds per frame pair.
 * --background names a folder laid out like --frames with frames of the
 * empty studio: the reconstruction learns the room from them and then
 * keeps only the person.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "recon/px-pair-reconstructor.h"
#include "recon/px-pfm.h"
#include "recon/px-rig.h"
#include "px-tool-common.h"
#include "px-tool-reconstruct.h"

#define MAX_STEP 64

/* The frame names in a camera's folder, sorted. */
static GPtrArray *
list_frames (const char  *folder,
             GError     **error)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, error);
  GPtrArray *names;
  const char *name;

  if (dir == NULL)
    return NULL;
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)))
    if (g_str_has_prefix (name, "frame-") && g_str_has_suffix (name, ".png"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  return names;
}

static GdkPixbuf *
load_frame (const char      *path,
            const PxCamera  *camera,
            GError         **error)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_file (path, error);

  if (pixbuf == NULL)
    return NULL;
  if (gdk_pixbuf_get_bits_per_sample (pixbuf) != 8 || gdk_pixbuf_get_colorspace (pixbuf) != GDK_COLORSPACE_RGB)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _("%s: only 8-bit RGB images are supported"), path);
      return NULL;
    }
  if ((guint) gdk_pixbuf_get_width (pixbuf) != camera->width || (guint) gdk_pixbuf_get_height (pixbuf) != camera->height)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s is %d×%d but camera “%s” is %u×%u in the rig"), path,
                   gdk_pixbuf_get_width (pixbuf), gdk_pixbuf_get_height (pixbuf),
                   camera->id, camera->width, camera->height);
      return NULL;
    }
  return g_steal_pointer (&pixbuf);
}

static gboolean
write_ply (const char           *path,
           PxPairReconstructor  *reconstructor,
           const float          *depth,
           guint                 step,
           GdkPixbuf            *colour,
           GError              **error)
{
  g_autoptr(GString) body = g_string_new (NULL);
  g_autofree char *header = NULL;
  g_autofree char *contents = NULL;
  const guint8 *pixels = gdk_pixbuf_read_pixels (colour);
  int stride = gdk_pixbuf_get_rowstride (colour);
  int channels = gdk_pixbuf_get_n_channels (colour);
  guint width, height, count = 0;

  px_pair_reconstructor_get_size (reconstructor, &width, &height);
  for (guint y = 0; y < height; y++)
    for (guint x = 0; x < width; x++)
      {
        float z = depth[(gsize) y * width + x];
        double p[3];
        guint u = MIN (x * step + step / 2, (guint) gdk_pixbuf_get_width (colour) - 1);
        guint v = MIN (y * step + step / 2, (guint) gdk_pixbuf_get_height (colour) - 1);
        const guint8 *c = pixels + (gsize) v * stride + (gsize) u * channels;
        char coordinates[3][G_ASCII_DTOSTR_BUF_SIZE];

        if (!isfinite (z))
          continue;
        px_pair_reconstructor_get_point (reconstructor, x, y, z, p);
        for (int i = 0; i < 3; i++)
          g_ascii_formatd (coordinates[i], sizeof coordinates[i], "%.4f", p[i]);
        g_string_append_printf (body, "%s %s %s %u %u %u\n", coordinates[0], coordinates[1], coordinates[2],
                                c[0], c[1], c[2]);
        count++;
      }
  header = g_strdup_printf ("ply\nformat ascii 1.0\ncomment Parallax reconstruction, rig frame, metres\n"
                            "element vertex %u\nproperty float x\nproperty float y\nproperty float z\n"
                            "property uchar red\nproperty uchar green\nproperty uchar blue\nend_header\n", count);
  contents = g_strconcat (header, body->str, NULL);
  return g_file_set_contents (path, contents, -1, error);
}

#define N_STAGES 6

static gboolean
write_mask (const char    *path,
            const guint8  *mask,
            guint          width,
            guint          height,
            GError       **error)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, (int) width, (int) height);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);

  for (guint y = 0; y < height; y++)
    for (guint x = 0; x < width; x++)
      memset (pixels + (gsize) y * stride + 3 * x, mask[(gsize) y * width + x], 3);
  return gdk_pixbuf_save (pixbuf, path, "png", error, NULL);
}

static gboolean
write_timings (const char  *path,
               guint        frames,
               GArray      *stages[N_STAGES],
               GError     **error)
{
  const char *names[N_STAGES] = { "grey", "rectify", "stereo", "depth", "segment", "total" };
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "frame_pairs");
  json_builder_add_int_value (builder, frames);
  json_builder_set_member_name (builder, "median_ms");
  json_builder_begin_object (builder);
  for (int i = 0; i < N_STAGES; i++)
    {
      json_builder_set_member_name (builder, names[i]);
      json_builder_add_double_value (builder, px_tool_median (stages[i]));
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  return json_generator_to_file (generator, path, error);
}

/* Loads the frame pair called @name from the cameras' folders; FALSE
 * with no error when the right camera lacks it. */
static gboolean
load_pair (const char      *left_dir,
           const char      *right_dir,
           const char      *name,
           const PxCamera  *left,
           const PxCamera  *right,
           GdkPixbuf      **left_image,
           GdkPixbuf      **right_image,
           GError         **error)
{
  g_autofree char *left_path = g_build_filename (left_dir, name, NULL);
  g_autofree char *right_path = g_build_filename (right_dir, name, NULL);

  if (!g_file_test (right_path, G_FILE_TEST_EXISTS))
    return FALSE;
  *left_image = load_frame (left_path, left, error);
  if (*left_image == NULL)
    return FALSE;
  *right_image = load_frame (right_path, right, error);
  if (*right_image == NULL)
    {
      g_clear_object (left_image);
      return FALSE;
    }
  if (gdk_pixbuf_get_n_channels (*left_image) != gdk_pixbuf_get_n_channels (*right_image))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s and %s have different pixel formats"), left_path, right_path);
      g_clear_object (left_image);
      g_clear_object (right_image);
      return FALSE;
    }
  return TRUE;
}

/* Shows the reconstructor every frame pair of the empty studio. */
static gboolean
learn_background (PxPairReconstructor  *reconstructor,
                  const char           *background_dir,
                  const PxCamera       *left,
                  const PxCamera       *right,
                  GError              **error)
{
  g_autofree char *left_dir = g_build_filename (background_dir, left->id, NULL);
  g_autofree char *right_dir = g_build_filename (background_dir, right->id, NULL);
  g_autoptr(GPtrArray) names = list_frames (left_dir, error);
  guint learned = 0;

  if (names == NULL)
    return FALSE;
  for (guint i = 0; i < names->len; i++)
    {
      g_autoptr(GdkPixbuf) left_image = NULL;
      g_autoptr(GdkPixbuf) right_image = NULL;

      if (!load_pair (left_dir, right_dir, g_ptr_array_index (names, i), left, right,
                      &left_image, &right_image, error))
        {
          if (error && *error)
            return FALSE;
          continue;
        }
      if (!px_pair_reconstructor_learn_background (reconstructor,
                                                   gdk_pixbuf_read_pixels (left_image),
                                                   gdk_pixbuf_get_rowstride (left_image),
                                                   gdk_pixbuf_read_pixels (right_image),
                                                   gdk_pixbuf_get_rowstride (right_image),
                                                   gdk_pixbuf_get_n_channels (left_image), error))
        return FALSE;
      learned++;
    }
  if (learned == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("No frame pairs of the empty studio under %s"), background_dir);
      return FALSE;
    }
  return TRUE;
}

static gboolean
reconstruct_pair (PxRig       *rig,
                  guint        pair,
                  const char  *frames_dir,
                  const char  *background_dir,
                  const char  *out_dir,
                  guint        step,
                  guint        max_disparity,
                  guint        threads,
                  GArray      *stages[N_STAGES],
                  guint       *done,
                  GError     **error)
{
  g_autoptr(PxPairReconstructor) reconstructor = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autofree char *left_dir = NULL;
  g_autofree char *right_dir = NULL;
  g_autofree char *target = NULL;
  g_autofree float *depth = NULL;
  const PxCamera *left, *right;
  guint width, height;

  px_rig_get_pair (rig, pair, &left, &right);
  reconstructor = px_pair_reconstructor_new (rig, pair, step, max_disparity, threads, error);
  if (reconstructor == NULL)
    return FALSE;
  left_dir = g_build_filename (frames_dir, left->id, NULL);
  right_dir = g_build_filename (frames_dir, right->id, NULL);
  names = list_frames (left_dir, error);
  if (names == NULL)
    return FALSE;
  target = g_build_filename (out_dir, left->id, NULL);
  if (!px_tool_make_folder (target, error))
    return FALSE;
  px_pair_reconstructor_get_size (reconstructor, &width, &height);
  depth = g_new (float, (gsize) width * height);

  if (background_dir != NULL && !learn_background (reconstructor, background_dir, left, right, error))
    return FALSE;

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *number = g_strndup (name + strlen ("frame-"), strlen (name) - strlen ("frame-.png"));
      g_autofree char *depth_name = g_strdup_printf ("depth-%s.pfm", number);
      g_autofree char *points_name = g_strdup_printf ("points-%s.ply", number);
      g_autofree char *mask_name = g_strdup_printf ("mask-%s.png", number);
      g_autofree char *depth_path = g_build_filename (target, depth_name, NULL);
      g_autofree char *points_path = g_build_filename (target, points_name, NULL);
      g_autofree char *mask_path = g_build_filename (target, mask_name, NULL);
      g_autoptr(GdkPixbuf) left_image = NULL;
      g_autoptr(GdkPixbuf) right_image = NULL;
      const guint8 *mask;
      PxReconTimings t;

      if (!load_pair (left_dir, right_dir, name, left, right, &left_image, &right_image, error))
        {
          if (error && *error)
            return FALSE;
          continue;
        }
      if (!px_pair_reconstructor_process (reconstructor,
                                          gdk_pixbuf_read_pixels (left_image), gdk_pixbuf_get_rowstride (left_image),
                                          gdk_pixbuf_read_pixels (right_image), gdk_pixbuf_get_rowstride (right_image),
                                          gdk_pixbuf_get_n_channels (left_image), depth, &t, error))
        return FALSE;
      g_array_append_val (stages[0], t.grey);
      g_array_append_val (stages[1], t.rectify);
      g_array_append_val (stages[2], t.stereo);
      g_array_append_val (stages[3], t.depth);
      g_array_append_val (stages[4], t.segment);
      g_array_append_val (stages[5], t.total);
      mask = px_pair_reconstructor_get_mask (reconstructor);
      if (!px_pfm_save (depth_path, depth, width, height, error)
          || !write_ply (points_path, reconstructor, depth, step, left_image, error)
          || (mask != NULL && !write_mask (mask_path, mask, width, height, error)))
        return FALSE;
      (*done)++;
    }
  return TRUE;
}

int
px_tool_reconstruct (int    argc,
                     char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PxRig) rig = NULL;
  g_autofree char *rig_path = NULL;
  g_autofree char *frames = NULL;
  g_autofree char *out = NULL;
  g_autofree char *timings_path = NULL;
  g_autofree char *background = NULL;
  int step = 1, max_disparity = 0, threads = (int) g_get_num_processors ();
  GArray *stages[N_STAGES];
  guint done = 0;
  int status = 0;
  const GOptionEntry entries[] = {
    { "rig", 'r', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, &rig_path,
      N_("The rig file (required)"), "R.json" },
    { "frames", 'f', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, &frames,
      N_("Folder with a frame-NNNNNN.png folder per camera id (required)"), "DIR" },
    { "out", 'o', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, &out,
      N_("Write depth maps, point clouds and timings here (required)"), "DIR" },
    { "background", 'b', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, &background,
      N_("Frames of the empty studio, laid out like --frames: keep only the person"), "DIR" },
    { "step", 's', G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &step,
      N_("One depth value per S×S pixels (default 1)"), "S" },
    { "max-disparity", 'd', G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &max_disparity,
      N_("Disparities to search (default: what the capture volume needs)"), "N" },
    { "threads", 't', G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &threads,
      N_("Worker threads (default: the number of processors)"), "T" },
    { NULL }
  };

  if (!px_tool_parse_options (context, _("Turn a rig's frames into depth maps and point clouds."),
                              entries, TRUE, &argc, &argv) ||
      !px_tool_expect_no_arguments (argc, argv))
    return 2;
  if (rig_path == NULL || frames == NULL || out == NULL)
    {
      g_printerr (_("%s: --rig, --frames and --out are required\n"), g_get_prgname ());
      return 2;
    }
  if (step < 1 || step > MAX_STEP)
    {
      g_printerr (_("%s: --step must be 1 to %d\n"), g_get_prgname (), MAX_STEP);
      return 2;
    }
  if (max_disparity < 0 || threads < 1 || threads > 64)
    {
      g_printerr (_("%s: --max-disparity must not be negative and --threads must be 1 to 64\n"), g_get_prgname ());
      return 2;
    }

  rig = px_rig_new_from_file (rig_path, &error);
  if (rig == NULL)
    {
      px_tool_print_error (error);
      return 1;
    }
  if (px_rig_get_n_pairs (rig) == 0)
    {
      g_printerr (_("%s: %s has no stereo pairs\n"), g_get_prgname (), rig_path);
      return 1;
    }

  for (int i = 0; i < N_STAGES; i++)
    stages[i] = g_array_new (FALSE, FALSE, sizeof (double));
  for (guint pair = 0; pair < px_rig_get_n_pairs (rig) && status == 0; pair++)
    if (!reconstruct_pair (rig, pair, frames, background, out, (guint) step, (guint) max_disparity,
                           (guint) threads, stages, &done, &error))
      {
        px_tool_print_error (error);
        status = 1;
      }
  if (status == 0 && done == 0)
    {
      g_printerr (_("%s: no frame pairs found under %s\n"), g_get_prgname (), frames);
      status = 1;
    }
  if (status == 0)
    {
      timings_path = g_build_filename (out, "timings.json", NULL);
      if (!write_timings (timings_path, done, stages, &error))
        {
          px_tool_print_error (error);
          status = 1;
        }
      else
        g_print (_("%u frame pairs: median per pair %.1f ms (grey %.1f, rectify %.1f, stereo %.1f, depth %.1f, "
                   "segment %.1f)\n"),
                 done, px_tool_median (stages[5]), px_tool_median (stages[0]),
                 px_tool_median (stages[1]), px_tool_median (stages[2]),
                 px_tool_median (stages[3]), px_tool_median (stages[4]));
    }
  for (int i = 0; i < N_STAGES; i++)
    g_array_unref (stages[i]);
  return status;
}
