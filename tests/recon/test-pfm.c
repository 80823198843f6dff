/* test-pfm.c: PFM files, written and read back, and corrupt ones refused
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "recon/px-pfm.h"
#include "recon/px-recon-error.h"

static void
test_pfm_round_trip (void)
{
  float pixels[3 * 2] = { 1.5f, -2.0f, INFINITY, 0.0f, 1e-3f, 1234.5f };
  g_autofree char *dir = g_dir_make_tmp ("px-pfm-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "d.pfm", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree float *back = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  guint width = 0, height = 0;
  float first;

  g_assert_true (px_pfm_save (path, pixels, 3, 2, &error));
  g_assert_no_error (error);

  /* Little-endian, negative scale, bottom row first. */
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, ==, strlen ("Pf\n3 2\n-1\n") + 6 * 4);
  g_assert_cmpint (memcmp (contents, "Pf\n3 2\n-1\n", 10), ==, 0);
  memcpy (&first, contents + 10, 4);
  g_assert_cmpfloat (first, ==, 0.0f);

  back = px_pfm_load (path, &width, &height, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (width, ==, 3);
  g_assert_cmpuint (height, ==, 2);
  g_assert_cmpmem (back, sizeof pixels, pixels, sizeof pixels);
  g_assert_true (isinf (back[2]));

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_pfm_big_endian (void)
{
  /* Two pixels, big-endian (positive scale): 1.0 and 2.0. */
  const guint8 data[] = { 'P', 'f', '\n', '2', ' ', '1', '\n', '1', '.', '0', '\n',
                          0x3f, 0x80, 0, 0, 0x40, 0, 0, 0 };
  g_autofree float *pixels = NULL;
  guint width, height;

  pixels = px_pfm_parse (data, sizeof data, &width, &height, NULL);
  g_assert_nonnull (pixels);
  g_assert_cmpfloat (pixels[0], ==, 1.0f);
  g_assert_cmpfloat (pixels[1], ==, 2.0f);
}

static void
test_pfm_corrupt (void)
{
  const char *bad[] = {
    "",
    "P5\n2 2\n255\n",
    "PF\n1 1\n-1\n............",
    "Pf\n0 1\n-1\n....",
    "Pf\n-3 1\n-1\n....",
    "Pf\n1 99999999\n-1\n....",
    "Pf\n4294967297 1\n-1\n....",
    "Pf\n2 2\n-1\n....",
    "Pf\n1 1\n0\n....",
    "Pf\n1 1\nnan\n....",
    "Pf\n1 1\n-1x\n....",
    "Pf\n1 1\n-1",
    "Pf 1",
  };
  g_autofree char *dir = g_dir_make_tmp ("px-pfm-XXXXXX", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.pfm", NULL);
  GError *error = NULL;
  guint width, height;

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      float *pixels = px_pfm_parse ((const guint8 *) bad[i], strlen (bad[i]), &width, &height, &error);

      g_assert_null (pixels);
      g_assert_error (error, PX_RECON_ERROR, PX_RECON_ERROR_PARSE);
      g_test_message ("%s", error->message);
      g_clear_error (&error);
    }

  g_assert_null (px_pfm_load (missing, &width, &height, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/recon/pfm/round-trip", test_pfm_round_trip);
  g_test_add_func ("/recon/pfm/big-endian", test_pfm_big_endian);
  g_test_add_func ("/recon/pfm/corrupt", test_pfm_corrupt);

  return g_test_run ();
}
