/* test-rig.c: rig files and the import of OpenCV calibration files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "recon/px-recon-error.h"
#include "recon/px-rig.h"
#include "recon/px-stereo-calibration.h"

static const char rig_json[] =
  "{\n"
  "  \"version\": 1,\n"
  "  \"name\": \"Studio A\",\n"
  "  \"capture_volume\": { \"min\": [-1.0, 0.0, -1.0], \"max\": [1.0, 2.2, 1.0] },\n"
  "  \"cameras\": [\n"
  "    { \"id\": \"left\", \"width\": 640, \"height\": 480,\n"
  "      \"fx\": 600.0, \"fy\": 600.0, \"cx\": 319.5, \"cy\": 239.5,\n"
  "      \"distortion\": [0, 0, 0, 0, 0],\n"
  "      \"rotation\": [1,0,0, 0,1,0, 0,0,1],\n"
  "      \"translation\": [0.06, -1.5, 1.5] },\n"
  "    { \"id\": \"right\", \"width\": 640, \"height\": 480,\n"
  "      \"fx\": 610.0, \"fy\": 605.0, \"cx\": 320, \"cy\": 240,\n"
  "      \"distortion\": [-0.1, 0.01, 0.001, 0, 0],\n"
  "      \"rotation\": [1,0,0, 0,1,0, 0,0,1],\n"
  "      \"translation\": [-0.06, -1.5, 1.5] }\n"
  "  ],\n"
  "  \"pairs\": [ { \"left\": \"left\", \"right\": \"right\" } ]\n"
  "}\n";

static void
test_rig_parse (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PxRig) rig = px_rig_new_from_data (rig_json, -1, &error);
  g_autoptr(PxRig) again = NULL;
  g_autofree char *text = NULL;
  const PxCamera *left, *right;
  double min[3], max[3], r[9], t[3];

  g_assert_no_error (error);
  g_assert_cmpstr (px_rig_get_name (rig), ==, "Studio A");
  g_assert_cmpuint (px_rig_get_n_cameras (rig), ==, 2);
  g_assert_cmpuint (px_rig_get_n_pairs (rig), ==, 1);
  px_rig_get_capture_volume (rig, min, max);
  g_assert_cmpfloat (max[1], ==, 2.2);
  g_assert_true (px_rig_get_pair (rig, 0, &left, &right));
  g_assert_cmpstr (left->id, ==, "left");
  g_assert_cmpstr (right->id, ==, "right");
  g_assert_cmpfloat (right->fx, ==, 610.0);
  g_assert_cmpfloat (right->distortion[0], ==, -0.1);
  g_assert_cmpfloat (left->translation[1], ==, -1.5);

  /* The right camera sits 12 cm to the right of the left one. */
  px_camera_relative_pose (left, right, r, t);
  g_assert_cmpfloat_with_epsilon (t[0], -0.12, 1e-12);
  g_assert_cmpfloat_with_epsilon (r[0], 1.0, 1e-12);

  text = px_rig_to_data (rig, NULL);
  again = px_rig_new_from_data (text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (px_rig_get_n_cameras (again), ==, 2);
  g_assert_cmpmem (px_rig_get_camera (again, 1)->rotation, sizeof (double) * 9,
                   px_rig_get_camera (rig, 1)->rotation, sizeof (double) * 9);
  g_assert_cmpfloat (px_rig_get_camera (again, 1)->cy, ==, 240);
}

/* Each broken rig file fails with an error naming the field. */
static void
test_rig_errors (void)
{
  static const struct { const char *from; const char *to; const char *field; } edits[] = {
    { "\"version\": 1", "\"version\": 2", "rig.version" },
    { "\"version\": 1,", "", "rig.version" },
    { "\"fx\": 600.0, ", "", "cameras[0].fx" },
    { "\"fx\": 600.0", "\"fx\": -600.0", "cameras[0].fx" },
    { "\"fx\": 600.0", "\"fx\": \"600\"", "cameras[0].fx" },
    { "\"width\": 640, \"height\": 480,\n      \"fx\": 610.0", "\"width\": 0, \"height\": 480,\n      \"fx\": 610.0", "cameras[1].width" },
    { "\"rotation\": [1,0,0, 0,1,0, 0,0,1],\n      \"translation\": [0.06", "\"rotation\": [1,0,0, 0,2,0, 0,0,1],\n      \"translation\": [0.06", "cameras[0].rotation" },
    { "\"rotation\": [1,0,0, 0,1,0, 0,0,1],\n      \"translation\": [0.06", "\"rotation\": [1,0,0, 0,1,0, 0,0,-1],\n      \"translation\": [0.06", "cameras[0].rotation" },
    { "\"translation\": [0.06, -1.5, 1.5]", "\"translation\": [0.06, -1.5]", "cameras[0].translation" },
    { "\"distortion\": [0, 0, 0, 0, 0]", "\"distortion\": [0, 0, 0, 0, null]", "cameras[0].distortion" },
    { "{ \"left\": \"left\", \"right\": \"right\" }", "{ \"left\": \"left\", \"right\": \"middle\" }", "pairs[0]" },
    { "{ \"left\": \"left\", \"right\": \"right\" }", "{ \"left\": \"left\", \"right\": \"left\" }", "pairs[0]" },
    { "{ \"left\": \"left\", \"right\": \"right\" }", "{ \"left\": \"left\" }", "pairs[0].right" },
    { "\"id\": \"right\"", "\"id\": \"left\"", "cameras[1].id" },
    { "\"max\": [1.0, 2.2, 1.0]", "\"max\": [1.0, -2.2, 1.0]", "capture_volume" },
    { "\"cameras\": [", "\"cameras\": 3, \"x\": [", "rig" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (edits); i++)
    {
      g_autoptr(GString) text = g_string_new (rig_json);
      g_autoptr(GError) error = NULL;
      g_autoptr(PxRig) rig = NULL;

      g_assert_cmpuint (g_string_replace (text, edits[i].from, edits[i].to, 1), ==, 1);
      rig = px_rig_new_from_data (text->str, -1, &error);
      g_assert_null (rig);
      g_assert_error (error, PX_RECON_ERROR, PX_RECON_ERROR_PARSE);
      g_test_message ("%s", error->message);
      g_assert_true (g_str_has_prefix (error->message, edits[i].field));
    }

  /* Truncated at every length: an error, never a crash. */
  for (gsize n = 0; n < sizeof rig_json - 1; n += 7)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PxRig) rig = px_rig_new_from_data (rig_json, (gssize) n, &error);

      g_assert_null (rig);
      g_assert_nonnull (error);
    }
}

static const char yaml_intrinsics[] =
  "%YAML:1.0\n"
  "---\n"
  "M1: !!opencv-matrix\n"
  "   rows: 3\n"
  "   cols: 3\n"
  "   dt: d\n"
  "   data: [ 5.3125000000000000e+02, 0., 3.4150000000000000e+02, 0.,\n"
  "       5.3075000000000000e+02, 2.3625000000000000e+02, 0., 0., 1. ]\n"
  "D1: !!opencv-matrix\n"
  "   rows: 1\n"
  "   cols: 5\n"
  "   dt: d\n"
  "   data: [ -2.65e-01, -4.66e-02, 1.83e-03, -3.15e-04, 2.52e-01 ]\n"
  "M2: !!opencv-matrix\n"
  "   rows: 3\n"
  "   cols: 3\n"
  "   dt: d\n"
  "   data: [ 542.3, 0., 328.3, 0., 541.6, 246.9, 0., 0., 1. ]\n"
  "D2: !!opencv-matrix\n"
  "   rows: 1\n"
  "   cols: 8\n"
  "   dt: d\n"
  "   data: [ -0.28, 0.10, -5.6e-04, 1.3e-03, -0.024, 0., 0., 0. ]\n"
  "calibration_time: \"Thu Nov 26 07:00:00 2026\"\n"
  "imageSize: [ 640, 480 ]\n";

static const char yaml_extrinsics[] =
  "%YAML:1.0\n"
  "---\n"
  "R: !!opencv-matrix\n"
  "   rows: 3\n"
  "   cols: 3\n"
  "   dt: d\n"
  "   data: [ 9.9999200001066660e-01, -3.9999893333504000e-03,\n"
  "       0., 3.9999893333504000e-03,\n"
  "       9.9999200001066660e-01, 0.,\n"
  "       0., 0.,\n"
  "       1. ]\n"
  "T: !!opencv-matrix\n"
  "   rows: 3\n"
  "   cols: 1\n"
  "   dt: d\n"
  "   data: [ -3.3500000000000000e+00, 4.2500000000000000e-02,\n"
  "       5.2500000000000000e-02 ]\n"
  "R1: !!opencv-matrix\n"
  "   rows: 3\n"
  "   cols: 3\n"
  "   dt: d\n"
  "   data: [ 1, 0, 0, 0, 1, 0, 0, 0, 1 ]\n"
  "Q_info:\n"
  "   nested: 1\n";

static const char xml_full[] =
  "<?xml version=\"1.0\"?>\n"
  "<opencv_storage>\n"
  "<M1 type_id=\"opencv-matrix\"><rows>3</rows><cols>3</cols><dt>d</dt>\n"
  "  <data>\n    500. 0. 320. 0.\n    500. 240. 0. 0. 1.</data></M1>\n"
  "<D1 type_id=\"opencv-matrix\"><rows>5</rows><cols>1</cols><dt>d</dt><data>0 0 0 0 0</data></D1>\n"
  "<M2 type_id=\"opencv-matrix\"><rows>3</rows><cols>3</cols><dt>f</dt>\n"
  "  <data>510 0 310 0 505 250 0 0 1</data></M2>\n"
  "<D2 type_id=\"opencv-matrix\"><rows>1</rows><cols>4</cols><dt>d</dt><data>-0.1 0.01 0 0</data></D2>\n"
  "<R type_id=\"opencv-matrix\"><rows>3</rows><cols>1</cols><dt>d</dt><data>0 0.1 0</data></R>\n"
  "<T type_id=\"opencv-matrix\"><rows>3</rows><cols>1</cols><dt>d</dt><data>-60 0 0</data></T>\n"
  "<image_width>640</image_width>\n<image_height>480</image_height>\n"
  "<note>calibrated on a Thursday</note>\n"
  "</opencv_storage>\n";

static void
test_calibration_yaml (void)
{
  PxStereoCalibration calibration = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(PxRig) rig = NULL;
  const PxCamera *left, *right;
  double r[9], t[3];

  g_assert_true (px_stereo_calibration_parse_opencv (&calibration, yaml_intrinsics, strlen (yaml_intrinsics), &error));
  g_assert_no_error (error);
  /* The intrinsics alone are not a stereo calibration. */
  g_assert_false (px_stereo_calibration_check (&calibration, &error));
  g_assert_error (error, PX_RECON_ERROR, PX_RECON_ERROR_PARSE);
  g_assert_true (g_str_has_prefix (error->message, "R: missing"));
  g_clear_error (&error);

  g_assert_true (px_stereo_calibration_parse_opencv (&calibration, yaml_extrinsics, strlen (yaml_extrinsics), &error));
  g_assert_no_error (error);
  g_assert_true (px_stereo_calibration_check (&calibration, &error));
  g_assert_cmpuint (calibration.width, ==, 640);
  g_assert_cmpuint (calibration.height, ==, 480);
  g_assert_cmpfloat (calibration.m1[2], ==, 341.5);
  g_assert_cmpfloat (calibration.d2[4], ==, -0.024);
  g_assert_cmpfloat (calibration.t[0], ==, -3.35);

  /* Chessboard squares of 25 mm. */
  rig = px_stereo_calibration_to_rig (&calibration, 0.025, &error);
  g_assert_no_error (error);
  g_assert_true (px_rig_get_pair (rig, 0, &left, &right));
  g_assert_cmpfloat (left->fx, ==, calibration.m1[0]);
  g_assert_cmpfloat (right->cy, ==, 246.9);
  /* The rig's cameras relate to each other exactly as R and T say. */
  px_camera_relative_pose (left, right, r, t);
  for (int i = 0; i < 9; i++)
    g_assert_cmpfloat_with_epsilon (r[i], calibration.r[i], 1e-12);
  for (int i = 0; i < 3; i++)
    g_assert_cmpfloat_with_epsilon (t[i], calibration.t[i] * 0.025, 1e-12);
  /* And the rig frame has y up: the left camera's y axis points down it. */
  g_assert_cmpfloat (left->rotation[4], ==, -1.0);
}

static void
test_calibration_xml (void)
{
  PxStereoCalibration calibration = { 0, };
  g_autoptr(GError) error = NULL;

  g_assert_true (px_stereo_calibration_parse_opencv (&calibration, xml_full, strlen (xml_full), &error));
  g_assert_no_error (error);
  g_assert_true (px_stereo_calibration_check (&calibration, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (calibration.m2[4], ==, 505);
  g_assert_cmpfloat (calibration.d2[0], ==, -0.1);
  g_assert_cmpfloat (calibration.d2[4], ==, 0);
  /* R came as a rotation vector: 0.1 rad about y. */
  g_assert_cmpfloat_with_epsilon (calibration.r[0], cos (0.1), 1e-12);
  g_assert_cmpfloat_with_epsilon (calibration.r[2], sin (0.1), 1e-12);
  g_assert_cmpfloat_with_epsilon (calibration.r[6], -sin (0.1), 1e-12);
}

/* Each broken file fails with an error that starts with the field. */
static void
test_calibration_errors (void)
{
  static const struct { const char *text; const char *field; } cases[] = {
    { "hello", "not an OpenCV" },
    { "", "not an OpenCV" },
    { "%YAML:1.0\nM1: !!opencv-matrix\n   rows: 3\n   cols: 3\n   dt: d\n   data: [ 1, 2, 3", "M1" },
    { "%YAML:1.0\nM1: !!opencv-matrix\n   rows: 3\n   cols: 3\n   dt: d\n   data: [ 1, 2, 3 ]\n", "M1.data" },
    { "%YAML:1.0\nM1: !!opencv-matrix\n   rows: 3\n   cols: 3\n   dt: 3d\n   data: [ 1, 0, 1, 0, 1, 1, 0, 0, 1 ]\n", "M1.dt" },
    { "%YAML:1.0\nM1: !!opencv-matrix\n   rows: three\n", "M1.rows" },
    { "%YAML:1.0\nM1: !!opencv-matrix\n   rows: 3\n   dt: d\n   data: [ 1 ]\n", "M1.cols" },
    { "%YAML:1.0\nM1: !!opencv-matrix\n   rows: 3\n   cols: 3\n   dt: d\n", "M1.data" },
    { "%YAML:1.0\nM1: !!opencv-matrix\n   rows: 2\n   cols: 3\n   dt: d\n   data: [ 1, 0, 1, 0, 1, 1 ]\n", "M1: a 3×3" },
    { "%YAML:1.0\nM1: !!opencv-matrix\n   rows: 1\n   cols: 1\n   dt: d\n   data: [ 1e999 ]\n", "M1" },
    { "%YAML:1.0\nM1: !!opencv-matrix\n   rows: 1\n   cols: 1\n   dt: d\n   data: [ .nan ]\n", "M1" },
    { "%YAML:1.0\nM1: !!opencv-matrix\n   rows: 1\n   cols: 1\n   dt: d\n   colour: red\n", "M1.colour" },
    { "%YAML:1.0\nD1: !!opencv-matrix\n   rows: 1\n   cols: 6\n   dt: d\n   data: [ 0, 0, 0, 0, 0, 0 ]\n", "D1" },
    { "%YAML:1.0\nD1: !!opencv-matrix\n   rows: 1\n   cols: 8\n   dt: d\n   data: [ 0, 0, 0, 0, 0, 0.5, 0, 0 ]\n", "D1" },
    { "%YAML:1.0\nR: !!opencv-matrix\n   rows: 2\n   cols: 2\n   dt: d\n   data: [ 1, 0, 0, 1 ]\n", "R" },
    { "%YAML:1.0\nT: !!opencv-matrix\n   rows: 2\n   cols: 1\n   dt: d\n   data: [ 1, 0 ]\n", "T" },
    { "%YAML:1.0\nimageSize: [ 640 ]\n", "imageSize" },
    { "%YAML:1.0\nimageSize: [ 640, -480 ]\n", "imageSize" },
    { "%YAML:1.0\nimage_width: 640\n", "image_height" },
    { "<?xml version=\"1.0\"?>\n<storage></storage>", "XML" },
    { "<?xml version=\"1.0\"?>\n<opencv_storage><M1 type_id=\"opencv-matrix\"><rows>3</rows>", "XML" },
    { "<?xml version=\"1.0\"?>\n<opencv_storage><M1 type_id=\"opencv-matrix\"><rows>3</rows>"
      "<cols>3</cols><dt>d</dt><data>1 2</data></M1></opencv_storage>", "M1.data" },
    { "<?xml version=\"1.0\"?>\n<opencv_storage><M1 type_id=\"opencv-matrix\"><size>3</size></M1></opencv_storage>", "M1.size" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      PxStereoCalibration calibration = { 0, };
      g_autoptr(GError) error = NULL;

      g_assert_false (px_stereo_calibration_parse_opencv (&calibration, cases[i].text, strlen (cases[i].text), &error));
      g_assert_error (error, PX_RECON_ERROR, PX_RECON_ERROR_PARSE);
      g_test_message ("%s", error->message);
      if (!g_str_has_prefix (error->message, cases[i].field) && !strstr (error->message, cases[i].field))
        g_error ("case %" G_GSIZE_FORMAT ": “%s” does not name %s", i, error->message, cases[i].field);
    }
}

/* Well-formed files that do not make a sensible calibration. */
static void
test_calibration_inconsistent (void)
{
  static const struct { const char *from; const char *to; const char *field; } edits[] = {
    { "500. 0. 320.", "-500. 0. 320.", "M1" },
    { "500. 0. 320.", "500. 0. 920.", "M1" },
    { "0. 0. 1.</data></M1>", "0. 1. 1.</data></M1>", "M1" },
    { "<data>-60 0 0</data>", "<data>0 0 0</data>", "T" },
    { "<image_width>640</image_width>\n<image_height>480</image_height>\n", "", "image size" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (edits); i++)
    {
      g_autoptr(GString) text = g_string_new (xml_full);
      PxStereoCalibration calibration = { 0, };
      g_autoptr(GError) error = NULL;

      g_assert_cmpuint (g_string_replace (text, edits[i].from, edits[i].to, 1), ==, 1);
      g_assert_true (px_stereo_calibration_parse_opencv (&calibration, text->str, text->len, &error));
      g_assert_no_error (error);
      g_assert_false (px_stereo_calibration_check (&calibration, &error));
      g_assert_error (error, PX_RECON_ERROR, PX_RECON_ERROR_PARSE);
      g_test_message ("%s", error->message);
      g_assert_true (g_str_has_prefix (error->message, edits[i].field));
    }

  /* A rotation that is not one. */
  {
    g_autoptr(GString) text = g_string_new (yaml_extrinsics);
    PxStereoCalibration calibration = { 0, };
    g_autoptr(GError) error = NULL;

    g_assert_cmpuint (g_string_replace (text, "9.9999200001066660e-01, -3.9", "1.9999200001066660e+00, -3.9", 1), ==, 1);
    g_assert_true (px_stereo_calibration_parse_opencv (&calibration, yaml_intrinsics, strlen (yaml_intrinsics), NULL));
    g_assert_true (px_stereo_calibration_parse_opencv (&calibration, text->str, text->len, NULL));
    g_assert_false (px_stereo_calibration_check (&calibration, &error));
    g_assert_true (g_str_has_prefix (error->message, "R:"));
  }
}

/* Truncated at every length: an error or a partial result, never a crash;
 * a truncated file never passes the full check. */
static void
test_calibration_truncated (void)
{
  const char *texts[] = { yaml_intrinsics, yaml_extrinsics, xml_full };

  for (gsize k = 0; k < G_N_ELEMENTS (texts); k++)
    for (gsize n = 0; n < strlen (texts[k]); n++)
      {
        PxStereoCalibration calibration = { 0, };
        g_autoptr(GError) error = NULL;

        if (k == 1)
          px_stereo_calibration_parse_opencv (&calibration, yaml_intrinsics, strlen (yaml_intrinsics), NULL);
        if (px_stereo_calibration_parse_opencv (&calibration, texts[k], n, &error))
          g_assert_false (k == 2 ? px_stereo_calibration_check (&calibration, NULL) && n < strlen (texts[k]) - 20 : FALSE);
        else
          g_assert_nonnull (error);
      }
}

static void
test_rotation_vectors (void)
{
  const double vectors[][3] = { { 0, 0, 0 }, { 0.1, -0.2, 0.3 }, { 0, G_PI, 0 }, { 2.0, 0.5, -1.0 } };

  for (gsize i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      double r[9], v[3], back[9];

      px_rotation_from_vector (vectors[i], r);
      px_rotation_to_vector (r, v);
      px_rotation_from_vector (v, back);
      for (int j = 0; j < 9; j++)
        g_assert_cmpfloat_with_epsilon (back[j], r[j], 1e-9);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/recon/rig/parse", test_rig_parse);
  g_test_add_func ("/recon/rig/errors", test_rig_errors);
  g_test_add_func ("/recon/calibration/yaml", test_calibration_yaml);
  g_test_add_func ("/recon/calibration/xml", test_calibration_xml);
  g_test_add_func ("/recon/calibration/errors", test_calibration_errors);
  g_test_add_func ("/recon/calibration/inconsistent", test_calibration_inconsistent);
  g_test_add_func ("/recon/calibration/truncated", test_calibration_truncated);
  g_test_add_func ("/recon/calibration/rotation-vectors", test_rotation_vectors);

  return g_test_run ();
}
