/* px-tool.c: parallax-tool, the command line for scripts and operators
 *
 * `parallax-tool COMMAND [OPTIONS]`. Exit codes: 0 success, 1 the command
 * failed, 2 the command line was wrong.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <opus.h>
#include <pipewire/pipewire.h>
#include <libsoup/soup.h>
#include <turbojpeg.h>
#include <vpx/vpx_codec.h>
#include <zstd.h>

#include "px-tool.h"
#include "px-tool-capture.h"
#include "px-tool-devices.h"
#include "px-tool-render.h"
#include "px-tool-reconstruct.h"
#include "px-tool-rig.h"
#include "px-tool-stereo.h"
#include "px-tool-studio.h"

static int px_tool_version (int argc, char **argv);

static const PxToolCommand commands[] = {
  { "version", N_("Print the versions of Parallax and the libraries it runs on"), px_tool_version },
  { "stereo", N_("Match a rectified stereo pair into a disparity map"), px_tool_stereo },
  { "reconstruct", N_("Turn a rig's frames into depth maps and point clouds"), px_tool_reconstruct },
  { "rig", N_("Make a rig file from an OpenCV calibration, or check one"), px_tool_rig },
  { "render", N_("Render a capture to a PNG, life-size for a given screen"), px_tool_render },
  { "studio", N_("Film the synthetic studio: frames with ground truth, or PipeWire cameras"), px_tool_studio },
  { "devices", N_("List cameras (with their formats), microphones and speakers"), px_tool_devices },
  { "capture", N_("Capture frames from a camera into PNG files"), px_tool_capture },
};

static char *
px_tool_commands_description (void)
{
  GString *text = g_string_new (_("Commands:"));

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (text, "\n  %-12s %s", commands[i].name, _(commands[i].summary));
  g_string_append_printf (text, "\n\n%s", _("Run “parallax-tool COMMAND --help” for the options of a command."));

  return g_string_free (text, FALSE);
}

/* Parses a subcommand's options; on failure prints the error and a hint,
 * and the caller exits with 2. */
static gboolean
px_tool_parse (GOptionContext *context,
               int            *argc,
               char         ***argv)
{
  g_autoptr(GError) error = NULL;

  if (g_option_context_parse (context, argc, argv, &error))
    return TRUE;

  g_printerr ("%s: %s\n", g_get_prgname (), error->message);
  g_printerr (_("Run “%s --help” for the options.\n"), g_get_prgname ());
  return FALSE;
}

static int
px_tool_version (int    argc,
                 char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);

  g_option_context_set_summary (context, _("Print the versions of Parallax and the libraries it runs on."));
  if (!px_tool_parse (context, &argc, &argv))
    return 2;
  if (argc > 1)
    {
      g_printerr (_("%s: unexpected argument “%s”\n"), g_get_prgname (), argv[1]);
      return 2;
    }

  g_print ("parallax %s\n", PACKAGE_VERSION);
  g_print ("glib %u.%u.%u\n", glib_major_version, glib_minor_version, glib_micro_version);
  g_print ("pipewire %s\n", pw_get_library_version ());
  g_print ("libsoup %u.%u.%u\n", soup_get_major_version (), soup_get_minor_version (),
           soup_get_micro_version ());
  g_print ("opus %s\n", opus_get_version_string ());
  g_print ("libvpx %s\n", vpx_codec_version_str ());
  g_print ("zstd %s\n", ZSTD_versionString ());
  return 0;
}

int
px_tool_main (int    argc,
              char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autofree char *description = NULL;
  g_autofree char *command_prgname = NULL;
  gboolean show_version = FALSE;
  const GOptionEntry entries[] = {
    { "version", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, &show_version,
      N_("Print the version and exit"), NULL },
    { NULL }
  };
  const char *name;

  g_set_prgname ("parallax-tool");

  context = g_option_context_new (_("COMMAND [OPTIONS…]"));
  g_option_context_set_summary (context, _("Parallax from the command line: devices, stereo, "
                                           "reconstruction, the synthetic studio, rendering."));
  description = px_tool_commands_description ();
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  /* Options after the command belong to the command. */
  g_option_context_set_strict_posix (context, TRUE);

  if (!px_tool_parse (context, &argc, &argv))
    return 2;

  if (show_version)
    {
      g_print ("parallax-tool %s\n", PACKAGE_VERSION);
      return 0;
    }

  if (argc < 2)
    {
      g_printerr (_("parallax-tool: no command given\n\n%s\n"), description);
      return 2;
    }

  name = argv[1];
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (g_strcmp0 (commands[i].name, name) != 0)
        continue;

      command_prgname = g_strdup_printf ("parallax-tool %s", name);
      g_set_prgname (command_prgname);
      return commands[i].run (argc - 1, argv + 1);
    }

  g_printerr (_("parallax-tool: unknown command “%s”\n\n%s\n"), name, description);
  return 2;
}
