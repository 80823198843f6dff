/* px-tool-rig.c: `parallax-tool rig`, rig files and OpenCV calibrations
 *
 *   parallax-tool rig --unit METRES [--name NAME] [--out R.json] CALIBRATION…
 *   parallax-tool rig RIG.json
 *
 * With OpenCV calibration files (cv::FileStorage YAML or XML, as
 * stereoCalibrate and stereo_calib.cpp write them: one file, or
 * intrinsics.yml and extrinsics.yml), writes the rig file they describe
 * (see src/recon/RIG.md) to R.json, or to standard output; --unit gives
 * the length of the calibration's unit in metres (the chessboard square,
 * or 0.001 for millimetres). With a rig file, checks it and describes
 * every stereo pair as it will be rectified.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "recon/px-rig.h"
#include "recon/px-stereo-calibration.h"
#include "recon/px-stereo-rectifier.h"
#include "px-tool-common.h"
#include "px-tool-rig.h"

static gboolean
is_rig_file (const char *path)
{
  g_autofree char *contents = NULL;
  const char *p;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return FALSE;
  for (p = contents; g_ascii_isspace (*p); p++)
    ;
  return *p == '{';
}

static int
describe (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PxRig) rig = px_rig_new_from_file (path, &error);
  double min[3], max[3];
  int status = 0;

  if (rig == NULL)
    {
      px_tool_print_error (error);
      return 1;
    }
  px_rig_get_capture_volume (rig, min, max);
  g_print (_("Rig “%s”: %u cameras, %u stereo pairs\n"), px_rig_get_name (rig),
           px_rig_get_n_cameras (rig), px_rig_get_n_pairs (rig));
  g_print (_("  capture volume: x %.2f to %.2f, y %.2f to %.2f, z %.2f to %.2f m\n"),
           min[0], max[0], min[1], max[1], min[2], max[2]);
  for (guint i = 0; i < px_rig_get_n_cameras (rig); i++)
    {
      const PxCamera *c = px_rig_get_camera (rig, i);
      const double *r = c->rotation, *t = c->translation;
      /* The centre in the rig frame is -Rᵀ·t. */
      double centre[3] = { -(r[0] * t[0] + r[3] * t[1] + r[6] * t[2]),
                           -(r[1] * t[0] + r[4] * t[1] + r[7] * t[2]),
                           -(r[2] * t[0] + r[5] * t[1] + r[8] * t[2]) };

      /* No "-0.000" for a camera at the origin. */
      for (int k = 0; k < 3; k++)
        centre[k] += 0.0;

      g_print (_("  camera “%s”: %u×%u, focal %.1f px, at %.3f %.3f %.3f m\n"), c->id, c->width, c->height,
               c->fx, centre[0], centre[1], centre[2]);
    }
  for (guint i = 0; i < px_rig_get_n_pairs (rig); i++)
    {
      const PxCamera *left, *right;
      g_autoptr(PxStereoRectifier) rectifier = NULL;
      double focal, cx, cy;

      px_rig_get_pair (rig, i, &left, &right);
      rectifier = px_stereo_rectifier_new (left, right, &error);
      if (rectifier == NULL)
        {
          g_print (_("  pair “%s”/“%s”: %s\n"), left->id, right->id, error->message);
          g_clear_error (&error);
          status = 1;
          continue;
        }
      px_stereo_rectifier_get_intrinsics (rectifier, &focal, &cx, &cy);
      g_print (_("  pair “%s”/“%s”: baseline %.3f m, rectified focal %.1f px, "
                 "principal point %.1f %.1f\n"), left->id, right->id,
               px_stereo_rectifier_get_baseline (rectifier), focal, cx, cy);
    }
  return status;
}

int
px_tool_rig (int    argc,
             char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("CALIBRATION… | RIG.json"));
  g_autoptr(GError) error = NULL;
  g_autoptr(PxRig) rig = NULL;
  g_autofree char *out = NULL;
  g_autofree char *name = NULL;
  g_autofree char *data = NULL;
  double unit = 0;
  PxStereoCalibration calibration = { 0, };
  const GOptionEntry entries[] = {
    { "unit", 'u', G_OPTION_FLAG_NONE, G_OPTION_ARG_DOUBLE, &unit,
      N_("Metres per unit of the calibration (its T), e.g. 0.001 for millimetres"), "METRES" },
    { "name", 'n', G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &name,
      N_("The rig's name"), "NAME" },
    { "out", 'o', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, &out,
      N_("Write the rig file here (default: standard output)"), "R.json" },
    { NULL }
  };

  if (!px_tool_parse_options (context, _("Make a rig file from OpenCV calibration files, or check one."),
                              entries, TRUE, &argc, &argv))
    return 2;
  if (argc < 2)
    {
      g_printerr (_("%s: expected OpenCV calibration files or a rig file\n"), g_get_prgname ());
      return 2;
    }

  if (argc == 2 && is_rig_file (argv[1]))
    return describe (argv[1]);

  if (!(unit > 0) || !isfinite (unit))
    {
      g_printerr (_("%s: --unit is required: the length of the calibration's unit in metres\n"),
                  g_get_prgname ());
      return 2;
    }
  for (int i = 1; i < argc; i++)
    if (!px_stereo_calibration_load_opencv (&calibration, argv[i], &error))
      {
        px_tool_print_error (error);
        return 1;
      }
  rig = px_stereo_calibration_to_rig (&calibration, unit, &error);
  if (rig == NULL)
    {
      px_tool_print_error (error);
      return 1;
    }
  if (name != NULL)
    px_rig_set_name (rig, name);
  if (out != NULL)
    {
      if (!px_rig_save (rig, out, &error))
        {
          px_tool_print_error (error);
          return 1;
        }
      return 0;
    }
  data = px_rig_to_data (rig, NULL);
  g_print ("%s\n", data);
  return 0;
}
