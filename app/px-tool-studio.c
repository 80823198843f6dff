/* px-tool-studio.c: `parallax-tool studio`, the synthetic studio
 *
 *   parallax-tool studio [--rig R.json | --cameras N --baseline B --size WxH
 *                        --distance D] [--frames N] [--fps F] [--seed S]
 *                        [--height H] [--noise SIGMA] [--exposure G1,G2,…]
 *                        [--threads T] --out DIR
 *   parallax-tool studio --pipewire [--frames N] [--out DIR] …
 *
 * Films the procedural person with a virtual rig: a rig file, or a line of
 * parallel cameras (by default two, 12 cm apart, 640×480, 1.5 m away). Frame n is the instant
 * n / F seconds. Into DIR it writes rig.json and, for each camera and frame,
 *
 *   DIR/CAMERA/frame-NNNNNN.png   the colour image
 *   DIR/CAMERA/depth-NNNNNN.pfm   ground-truth depth along the optical axis,
 *                                 metres, little-endian, rows bottom to top,
 *                                 inf where no surface
 *   DIR/CAMERA/mask-NNNNNN.png    255 on the person, 0 elsewhere
 *
 * With --pipewire each camera becomes a PipeWire camera node instead, until
 * SIGINT or SIGTERM, or until every camera has sent N frames.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <math.h>
#include <stdlib.h>

#include "studio/px-studio.h"
#include "studio/px-studio-image.h"
#include "studio/px-studio-publisher.h"
#include "px-tool-common.h"
#include "px-tool-studio.h"

#define DEFAULT_FRAMES 1

typedef struct
{
  GMainLoop *loop;
  int status;
} RunState;

static gboolean
parse_gains (const char  *text,
             GArray      *gains,
             GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *end = NULL;
      double gain = g_ascii_strtod (g_strstrip (parts[i]), &end);

      if (end == parts[i] || *end != '\0' || !(gain > 0 && gain <= 16))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--exposure: “%s” is not a gain between 0 and 16"), parts[i]);
          return FALSE;
        }
      g_array_append_val (gains, gain);
    }
  return TRUE;
}

/* A finite number, the whole of @text. */
static gboolean
parse_metres (const char *text,
              double     *value)
{
  char *end = NULL;

  *value = g_ascii_strtod (text, &end);
  return end != text && *end == '\0' && isfinite (*value);
}

static gboolean
write_frame_set (PxStudio    *studio,
                 const char  *out,
                 guint64      frame,
                 GError     **error)
{
  PxStudioRig *rig = px_studio_get_rig (studio);

  for (guint i = 0; i < px_studio_rig_get_n_cameras (rig); i++)
    {
      const PxStudioCamera *camera = px_studio_rig_get_camera (rig, i);
      const PxStudioView *view = px_studio_get_view (studio, i);
      g_autofree char *dir = g_build_filename (out, camera->id, NULL);
      g_autofree char *name = g_strdup_printf ("frame-%06" G_GUINT64_FORMAT ".png", frame);
      g_autofree char *depth_name = g_strdup_printf ("depth-%06" G_GUINT64_FORMAT ".pfm", frame);
      g_autofree char *mask_name = g_strdup_printf ("mask-%06" G_GUINT64_FORMAT ".png", frame);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *depth_path = g_build_filename (dir, depth_name, NULL);
      g_autofree char *mask_path = g_build_filename (dir, mask_name, NULL);

      if (!px_tool_make_folder (dir, error)
          || !px_studio_save_rgb_png (path, view->rgb, view->width, view->height,
                                   view->rgb_stride, error)
          || !px_studio_save_pfm (depth_path, view->depth, view->width, view->height, error)
          || !px_studio_save_grey_png (mask_path, view->mask, view->width, view->height, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
quit_on_signal_cb (gpointer user_data)
{
  RunState *state = user_data;

  g_main_loop_quit (state->loop);
  return G_SOURCE_CONTINUE;
}

static void
finished_cb (PxStudioPublisher *publisher,
             RunState          *state)
{
  g_main_loop_quit (state->loop);
}

static void
error_cb (PxStudioPublisher *publisher,
          const char        *message,
          RunState          *state)
{
  g_printerr ("%s: %s\n", g_get_prgname (), message);
  state->status = 1;
  g_main_loop_quit (state->loop);
}

static int
publish (PxStudio *studio,
         guint     fps,
         guint64   frames)
{
  g_autoptr(PxStudioPublisher) publisher = px_studio_publisher_new (studio, fps, frames);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GError) error = NULL;
  RunState state = { loop, 0 };
  PxStudioRig *rig = px_studio_get_rig (studio);
  guint sigint, sigterm;

  g_signal_connect (publisher, "finished", G_CALLBACK (finished_cb), &state);
  g_signal_connect (publisher, "error", G_CALLBACK (error_cb), &state);
  if (!px_studio_publisher_start (publisher, &error))
    {
      px_tool_print_error (error);
      return 1;
    }
  for (guint i = 0; i < px_studio_rig_get_n_cameras (rig); i++)
    g_print (_("Publishing camera “%s” (%u×%u at %u frames per second)\n"),
             px_studio_rig_get_camera (rig, i)->id, px_studio_rig_get_camera (rig, i)->width,
             px_studio_rig_get_camera (rig, i)->height, fps);

  sigint = g_unix_signal_add (SIGINT, quit_on_signal_cb, &state);
  sigterm = g_unix_signal_add (SIGTERM, quit_on_signal_cb, &state);
  g_main_loop_run (loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);

  px_studio_publisher_stop (publisher);
  return state.status;
}

int
px_tool_studio (int    argc,
                char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PxStudioRig) rig = NULL;
  g_autoptr(PxStudioPerson) person = NULL;
  g_autoptr(PxStudio) studio = NULL;
  g_autoptr(GArray) gains = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *rig_path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *exposure = NULL;
  gint64 frames = -1, seed = 0;
  g_autofree char *size = NULL;
  g_autofree char *baseline_text = NULL;
  g_autofree char *distance_text = NULL;
  /* Unset until given, so that any given value is checked. */
  int fps = 30, threads = 0, cameras = G_MININT;
  double height = 1.75, noise = 1.0, baseline = 0.12, distance = 1.5;
  guint width = 640, image_height = 480;
  gboolean pipewire = FALSE;
  const GOptionEntry entries[] = {
    { "rig", 'r', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, &rig_path,
      N_("Film with this rig file instead of a line of parallel cameras"), "R.json" },
    { "cameras", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &cameras,
      N_("Without --rig: this many cameras in a line (default 2)"), "N" },
    { "baseline", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &baseline_text,
      N_("Without --rig: metres between neighbouring cameras (default 0.12)"), "B" },
    { "size", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &size,
      N_("Without --rig: image size of every camera (default 640x480)"), "WxH" },
    { "distance", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &distance_text,
      N_("Without --rig: metres from the cameras to the person (default 1.5)"), "D" },
    { "frames", 'n', G_OPTION_FLAG_NONE, G_OPTION_ARG_INT64, &frames,
      N_("Frames per camera (default 1; with --pipewire, until interrupted)"), "N" },
    { "fps", 'f', G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &fps,
      N_("Frames per second: frame n shows the instant n / F s (default 30)"), "F" },
    { "seed", 's', G_OPTION_FLAG_NONE, G_OPTION_ARG_INT64, &seed,
      N_("Chooses the person's looks, the room's grain and the sensor noise (default 0)"),
      "S" },
    { "height", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_DOUBLE, &height,
      N_("The person's height in metres (default 1.75)"), "H" },
    { "noise", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_DOUBLE, &noise,
      N_("Sensor noise, standard deviation in 8-bit code values (default 1)"), "SIGMA" },
    { "exposure", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &exposure,
      N_("Exposure gain per camera in rig order, the last repeated (default 1)"), "G1,G2,…" },
    { "threads", 't', G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &threads,
      N_("Render threads (default: the number of processors)"), "T" },
    { "pipewire", 'p', G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, &pipewire,
      N_("Publish each camera as a PipeWire camera instead of writing frames"), NULL },
    { "out", 'o', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, &out,
      N_("Write rig.json and the frames into this folder"), "DIR" },
    { NULL }
  };

  if (!px_tool_parse_options (context, _("Film the synthetic studio's person with a virtual rig, "
                                          "with exact ground-truth depth and mask."),
                              entries, TRUE, &argc, &argv) ||
      !px_tool_expect_no_arguments (argc, argv))
    return 2;
  if (out == NULL && !pipewire)
    {
      g_printerr (_("%s: --out DIR is required (or --pipewire)\n"), g_get_prgname ());
      return 2;
    }
  if (frames == -1)
    frames = pipewire ? 0 : DEFAULT_FRAMES;
  if (frames < (pipewire ? 0 : 1) || frames > 1000000)
    {
      g_printerr (_("%s: --frames must be from 1 to 1000000\n"), g_get_prgname ());
      return 2;
    }
  if (fps < 1 || fps > 240)
    {
      g_printerr (_("%s: --fps must be from 1 to 240\n"), g_get_prgname ());
      return 2;
    }
  if (seed < 0)
    {
      g_printerr (_("%s: --seed must not be negative\n"), g_get_prgname ());
      return 2;
    }
  if (!(height >= 1.0 && height <= 2.3))
    {
      g_printerr (_("%s: --height must be from 1.0 to 2.3 metres\n"), g_get_prgname ());
      return 2;
    }
  if (!(noise >= 0 && noise <= 64))
    {
      g_printerr (_("%s: --noise must be from 0 to 64\n"), g_get_prgname ());
      return 2;
    }
  if (threads < 0 || threads > 256)
    {
      g_printerr (_("%s: --threads must be from 0 (all processors) to 256\n"), g_get_prgname ());
      return 2;
    }
  if (rig_path != NULL
      && (cameras != G_MININT || baseline_text != NULL || size != NULL || distance_text != NULL))
    {
      g_printerr (_("%s: --cameras, --baseline, --size and --distance describe a rig; "
                    "they cannot go with --rig\n"), g_get_prgname ());
      return 2;
    }
  if (cameras == G_MININT)
    cameras = 2;
  if ((baseline_text != NULL && !parse_metres (baseline_text, &baseline))
      || (distance_text != NULL && !parse_metres (distance_text, &distance))
      || cameras < 1 || cameras > PX_RIG_MAX_CAMERAS || !(baseline > 0 && baseline <= 10)
      || !(distance >= 0.3 && distance <= 20))
    {
      g_printerr (_("%s: --cameras must be from 1 to %d, --baseline from 0 to 10 m and "
                    "--distance from 0.3 to 20 m\n"), g_get_prgname (), PX_RIG_MAX_CAMERAS);
      return 2;
    }
  if (size != NULL && !px_tool_parse_size (size, 16, 4096, &width, &image_height))
    {
      g_printerr (_("%s: --size must be WIDTHxHEIGHT, each from 16 to 4096\n"), g_get_prgname ());
      return 2;
    }
  if (exposure != NULL && !parse_gains (exposure, gains, &error))
    {
      px_tool_print_error (error);
      return 2;
    }

  if (rig_path != NULL)
    rig = px_studio_rig_new_from_file (rig_path, &error);
  else
    rig = px_studio_rig_new_line ((guint) cameras, baseline, width, image_height, distance);
  if (rig == NULL)
    {
      px_tool_print_error (error);
      return 1;
    }
  for (guint i = 0; i < px_studio_rig_get_n_cameras (rig); i++)
    {
      PxStudioCamera *camera = px_studio_rig_get_camera (rig, i);

      camera->noise = noise;
      if (gains->len > 0)
        camera->exposure = g_array_index (gains, double, MIN (i, gains->len - 1));
    }

  if (out != NULL)
    {
      g_autofree char *rig_out = g_build_filename (out, "rig.json", NULL);

      if (g_mkdir_with_parents (out, 0755) != 0)
        {
          int errsv = errno;

          g_printerr (_("%s: could not create %s: %s\n"), g_get_prgname (), out,
                      g_strerror (errsv));
          return 1;
        }
      if (!px_studio_rig_save (rig, rig_out, &error))
        {
          px_tool_print_error (error);
          return 1;
        }
    }

  person = px_studio_person_new (height, (guint64) seed);
  studio = px_studio_new (rig, person, (guint64) seed, (guint) threads);

  if (pipewire)
    return publish (studio, (guint) fps, (guint64) frames);

  for (gint64 frame = 0; frame < frames; frame++)
    {
      px_studio_render (studio, (double) frame / fps, (guint64) frame);
      if (!write_frame_set (studio, out, (guint64) frame, &error))
        {
          px_tool_print_error (error);
          return 1;
        }
    }
  g_print (_("Wrote %d frame sets of %u cameras to %s\n"), (int) frames,
           px_studio_rig_get_n_cameras (rig), out);
  return 0;
}
