/* test-tool-rig.c: `parallax-tool rig`, importing OpenCV calibrations and
 * checking rig files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "px-tool-test.h"
#include "recon/px-rig.h"

#define DEADLINE (60 * G_USEC_PER_SEC)

static const char intrinsics[] =
  "%YAML:1.0\n---\n"
  "M1: !!opencv-matrix\n   rows: 3\n   cols: 3\n   dt: d\n   data: [ 600., 0., 320., 0., 600., 240., 0., 0., 1. ]\n"
  "D1: !!opencv-matrix\n   rows: 1\n   cols: 5\n   dt: d\n   data: [ -0.1, 0.01, 0., 0., 0. ]\n"
  "M2: !!opencv-matrix\n   rows: 3\n   cols: 3\n   dt: d\n   data: [ 610., 0., 318., 0., 610., 242., 0., 0., 1. ]\n"
  "D2: !!opencv-matrix\n   rows: 1\n   cols: 5\n   dt: d\n   data: [ -0.1, 0.01, 0., 0., 0. ]\n"
  "image_width: 640\nimage_height: 480\n";

static const char extrinsics[] =
  "%YAML:1.0\n---\n"
  "R: !!opencv-matrix\n   rows: 3\n   cols: 1\n   dt: d\n   data: [ 0., 0.05, 0. ]\n"
  "T: !!opencv-matrix\n   rows: 3\n   cols: 1\n   dt: d\n   data: [ -120., 0., 0. ]\n";

/* Cameras on top of each other, looking in opposite directions. */
static const char impossible_rig[] =
  "{ \"version\": 1, \"cameras\": [\n"
  "  { \"id\": \"a\", \"width\": 64, \"height\": 48, \"fx\": 50, \"fy\": 50, \"cx\": 32, \"cy\": 24,\n"
  "    \"rotation\": [1,0,0, 0,1,0, 0,0,1], \"translation\": [0, 0, 0] },\n"
  "  { \"id\": \"b\", \"width\": 64, \"height\": 48, \"fx\": 50, \"fy\": 50, \"cx\": 32, \"cy\": 24,\n"
  "    \"rotation\": [-1,0,0, 0,1,0, 0,0,-1], \"translation\": [0, 0.2, 0] } ],\n"
  "  \"pairs\": [ { \"left\": \"a\", \"right\": \"b\" } ] }\n";

static void
test_rig_import (void)
{
  g_autofree char *in1 = px_tool_test_path ("intrinsics.yml", NULL);
  g_autofree char *in2 = px_tool_test_path ("extrinsics.yml", NULL);
  g_autofree char *out = px_tool_test_path ("rig.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PxRig) rig = NULL;
  const PxCamera *left, *right;
  double r[9], t[3];

  if (g_test_subprocess ())
    exit (px_tool_test_run ("rig", "--unit", "0.001", "--name", "Desk pair", in1, in2, "--out", out, NULL));

  g_test_trap_subprocess (NULL, DEADLINE, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();

  rig = px_rig_new_from_file (out, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (px_rig_get_name (rig), ==, "Desk pair");
  g_assert_true (px_rig_get_pair (rig, 0, &left, &right));
  g_assert_cmpfloat (right->fx, ==, 610);
  px_camera_relative_pose (left, right, r, t);
  /* Millimetres became metres. */
  g_assert_cmpfloat_with_epsilon (t[0], -0.12, 1e-12);
}

static void
test_rig_describe (void)
{
  g_autofree char *out = px_tool_test_path ("rig.json", NULL);

  if (g_test_subprocess ())
    exit (px_tool_test_run ("rig", out, NULL));

  g_test_trap_subprocess (NULL, DEADLINE, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*Desk pair*2 cameras, 1 stereo pairs*baseline 0.120 m*");
}

typedef struct
{
  const char *args[6];
  int status;
  const char *message;
} BadCase;

static const BadCase bad_cases[] = {
  { { "intrinsics.yml", "extrinsics.yml" }, 2, "*--unit is required*" },
  { { "--unit", "0.001", "intrinsics.yml" }, 1, "*R: missing*" },
  { { "--unit", "0.001", "truncated.yml", "extrinsics.yml" }, 1, "*truncated.yml*M2*" },
  { { "--unit", "0.001", "missing.yml" }, 1, "*missing.yml*" },
  { { "impossible.json" }, 1, "*optical axes are 180*" },
  { { NULL }, 2, "*expected OpenCV calibration files or a rig file*" },
};

static void
test_rig_bad_input (gconstpointer data)
{
  const BadCase *c = data;

  if (g_test_subprocess ())
    {
      g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);

      g_ptr_array_add (args, g_strdup ("rig"));
      for (int i = 0; c->args[i]; i++)
        g_ptr_array_add (args, g_str_has_suffix (c->args[i], ".yml") || g_str_has_suffix (c->args[i], ".json")
                               ? px_tool_test_path (c->args[i], NULL) : g_strdup (c->args[i]));
      g_ptr_array_add (args, NULL);
      px_tool_test_exit (px_tool_test_runv ((const char * const *) args->pdata));
    }

  px_tool_test_trap_failed (c->status, DEADLINE);
  if (c->status == 1 && c->args[0] && g_str_has_suffix (c->args[0], ".json"))
    g_test_trap_assert_stdout (c->message);
  else
    g_test_trap_assert_stderr (c->message);
}

static void
write_inputs (void)
{
  const struct { const char *name; const char *text; gssize length; } files[] = {
    { "intrinsics.yml", intrinsics, -1 },
    { "extrinsics.yml", extrinsics, -1 },
    /* Cut inside M2's data. */
    { "truncated.yml", intrinsics, (gssize) (strstr (intrinsics, "610., 0., 318.") - intrinsics) },
    { "impossible.json", impossible_rig, -1 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = px_tool_test_path (files[i].name, NULL);

      g_assert_true (g_file_set_contents (path, files[i].text, files[i].length, NULL));
    }
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);

  px_tool_test_folder_init ("PX_TEST_RIG_DIR", "px-tool-rig-XXXXXX");
  if (!g_test_subprocess ())
    write_inputs ();

  g_test_add_func ("/recon/tool-rig/import", test_rig_import);
  g_test_add_func ("/recon/tool-rig/describe", test_rig_describe);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/recon/tool-rig/bad-input/%" G_GSIZE_FORMAT, i);

      g_test_add_data_func (name, &bad_cases[i], test_rig_bad_input);
    }

  status = g_test_run ();
  if (!g_test_subprocess ())
    px_tool_test_folder_remove ();
  return status;
}
