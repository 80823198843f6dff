/* px-tool-render.c: `parallax-tool render`, the stage drawn to a PNG
 *
 * Renders a frame of a capture folder (rig.json + colour, depth and mask
 * per camera) as it would appear on a screen of a given physical size,
 * seen from a given distance, headless through EGL. With --transparent
 * the room is left out and alpha is 0 wherever no participant is.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "render/px-capture-folder.h"
#include "render/px-headless-context.h"
#include "render/px-stage-renderer.h"
#include "px-tool-common.h"
#include "px-tool-render.h"

int
px_tool_render (int    argc,
                char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PxParticipant) participant = NULL;
  g_autoptr(PxHeadlessContext) gl = NULL;
  g_autoptr(PxStageRenderer) renderer = NULL;
  g_autoptr(GdkPixbuf) picture = NULL;
  g_autofree char *capture = NULL;
  g_autofree char *size = NULL;
  g_autofree char *out = NULL;
  double screen_width_mm = 0, screen_height_mm = 0, viewer_distance_mm = 0;
  int frame = 0, mesh_step = 2;
  gboolean transparent = FALSE, use_es = FALSE;
  guint width = 0, height = 0;
  guint n_frames = 0;
  double scale;
  const GOptionEntry entries[] = {
    { "capture", 'c', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, &capture,
      N_("The capture folder to render (rig.json and images; required)"), "DIR" },
    { "frame", 'f', G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &frame,
      N_("The frame to render (default 0)"), "N" },
    { "screen-width-mm", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_DOUBLE, &screen_width_mm,
      N_("Physical width of the screen in millimetres (required)"), "W" },
    { "screen-height-mm", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_DOUBLE, &screen_height_mm,
      N_("Physical height of the screen in millimetres (required)"), "H" },
    { "size", 's', G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &size,
      N_("The picture's size in pixels, the screen's resolution (required)"), "WxH" },
    { "viewer-distance-mm", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_DOUBLE, &viewer_distance_mm,
      N_("How far the viewer's eye is from the screen, in millimetres (required)"), "D" },
    { "mesh-step", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &mesh_step,
      N_("Use every Nth depth pixel for the mesh (default 2)"), "N" },
    { "transparent", 't', G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, &transparent,
      N_("Leave the room out: alpha 0 where no participant is"), NULL },
    { "gles", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, &use_es,
      N_("Render with OpenGL ES 3.0 instead of OpenGL 3.3"), NULL },
    { "out", 'o', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, &out,
      N_("Write the picture to this PNG file (required)"), "FILE.png" },
    { NULL }
  };

  if (!px_tool_parse_options (context, _("Render a frame of a capture folder as it appears "
                                          "life-size on a screen of the given size."),
                              entries, TRUE, &argc, &argv) ||
      !px_tool_expect_no_arguments (argc, argv))
    return 2;
  if (capture == NULL || out == NULL || size == NULL)
    {
      g_printerr (_("%s: --capture, --size and --out are required\n"), g_get_prgname ());
      return 2;
    }
  if (!px_tool_parse_size (size, 16, 16384, &width, &height))
    {
      g_printerr (_("%s: --size must be WIDTHxHEIGHT, 16 to 16384 pixels each, not “%s”\n"),
                  g_get_prgname (), size);
      return 2;
    }
  if (!(screen_width_mm >= 10 && screen_width_mm <= 100000 &&
        screen_height_mm >= 10 && screen_height_mm <= 100000))
    {
      g_printerr (_("%s: --screen-width-mm and --screen-height-mm must be 10 to 100000\n"),
                  g_get_prgname ());
      return 2;
    }
  if (!(viewer_distance_mm >= 50 && viewer_distance_mm <= 100000))
    {
      g_printerr (_("%s: --viewer-distance-mm must be 50 to 100000\n"), g_get_prgname ());
      return 2;
    }
  if (frame < 0 || mesh_step < 1 || mesh_step > 16)
    {
      g_printerr (_("%s: --frame must be 0 or more and --mesh-step 1 to 16\n"), g_get_prgname ());
      return 2;
    }

  participant = px_capture_folder_load (capture, (guint) frame, (guint) mesh_step, &n_frames,
                                        &error);
  if (participant == NULL)
    {
      g_printerr (_("%s: cannot read the capture: %s\n"), g_get_prgname (), error->message);
      return 1;
    }

  gl = px_headless_context_new (use_es ? PX_HEADLESS_API_GLES : PX_HEADLESS_API_GL,
                                (int) width, (int) height, &error);
  if (gl == NULL)
    {
      g_printerr (_("%s: no OpenGL to render with: %s\n"), g_get_prgname (), error->message);
      return 1;
    }

  renderer = px_stage_renderer_new ();
  px_stage_renderer_set_screen (renderer, screen_width_mm / 1000, screen_height_mm / 1000);
  px_stage_renderer_set_viewer (renderer, 0.0, 0.0, viewer_distance_mm / 1000);
  px_stage_renderer_set_transparent (renderer, transparent);
  px_stage_renderer_add_participant (renderer, participant);

  if (!px_stage_renderer_realize (renderer, &error) ||
      !px_stage_renderer_render (renderer, (int) width, (int) height, &error))
    {
      g_printerr (_("%s: cannot render: %s\n"), g_get_prgname (), error->message);
      px_stage_renderer_unrealize (renderer);
      return 1;
    }

  picture = px_headless_context_read_pixbuf (gl);
  scale = px_stage_renderer_get_scale (renderer);
  px_stage_renderer_unrealize (renderer);

  if (!gdk_pixbuf_save (picture, out, "png", &error, NULL))
    {
      g_printerr (_("%s: cannot write %s: %s\n"), g_get_prgname (), out, error->message);
      return 1;
    }

  g_print (_("Rendered frame %d of %s on %s\n"), frame, capture,
           px_headless_context_get_description (gl));
  if (scale < 1.0)
    /* TRANSLATORS: the stage had to shrink the people to fit the screen */
    g_print (_("Not life-size (%.0f %%): the screen is too small for the participant\n"),
             scale * 100);
  else
    g_print (_("Life-size\n"));
  return 0;
}
