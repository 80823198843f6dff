/* test-recon-studio.c: depth of the synthetic person against ground truth
 *
 * The studio films its person with the default rig (two cameras 12 cm
 * apart, 640×480, 1.5 m away); the pair is rectified, matched and turned
 * into depth in the left camera's frame, and compared with the depth the
 * studio rendered, on the pixels of the person.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "recon/px-background-model.h"
#include "recon/px-pair-reconstructor.h"
#include "recon/px-recon-error.h"
#include "studio/px-studio.h"

/* Committed bounds (mm). Measured: median 8.0, p95 42.3, coverage 97.9 %
 * (2 threads, seed 1, time 0, 112 disparities); the margin is for changes
 * in the studio's rendering. */
#define MAX_MEDIAN_ERROR_MM 12.0
#define MAX_P95_ERROR_MM 60.0
/* Share of the person's pixels that must get a depth. */
#define MIN_COVERAGE 0.95

static int
compare_floats (const void *a,
                const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;

  return (x > y) - (x < y);
}

static void
test_studio_depth (void)
{
  g_autoptr(PxStudioRig) studio_rig = px_studio_rig_new_default ();
  g_autoptr(PxStudioPerson) person = px_studio_person_new (1.75, 1);
  g_autoptr(PxStudio) studio = px_studio_new (studio_rig, person, 1, 2);
  g_autoptr(PxRig) rig = px_studio_rig_to_rig (studio_rig);
  g_autoptr(PxPairReconstructor) reconstructor = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree float *depth = NULL;
  g_autofree float *errors = NULL;
  const PxStudioView *left, *right;
  PxReconTimings timings;
  guint width, height, on_person = 0, measured = 0;
  double median, p95;

  g_assert_cmpuint (px_rig_get_n_pairs (rig), >=, 1);
  reconstructor = px_pair_reconstructor_new (rig, 0, 1, 0, 2, &error);
  g_assert_no_error (error);
  g_test_message ("searching %u disparities", px_pair_reconstructor_get_max_disparity (reconstructor));

  px_studio_render (studio, 0.0, 0);
  left = px_studio_get_view (studio, 0);
  right = px_studio_get_view (studio, 1);
  px_pair_reconstructor_get_size (reconstructor, &width, &height);
  g_assert_cmpuint (width, ==, left->width);
  depth = g_new (float, (gsize) width * height);
  g_assert_true (px_pair_reconstructor_process (reconstructor, left->rgb, left->rgb_stride,
                                                right->rgb, right->rgb_stride, 3, depth, &timings, &error));
  g_assert_no_error (error);
  g_test_message ("grey %.1f ms, rectify %.1f ms, stereo %.1f ms, depth %.1f ms",
                  timings.grey, timings.rectify, timings.stereo, timings.depth);

  errors = g_new (float, (gsize) width * height);
  for (gsize i = 0; i < (gsize) width * height; i++)
    {
      if (left->mask[i] != 255 || !isfinite (left->depth[i]))
        continue;
      on_person++;
      if (!isfinite (depth[i]))
        continue;
      errors[measured++] = fabsf (depth[i] - left->depth[i]) * 1000.0f;
    }
  g_assert_cmpuint (on_person, >, 10000);
  qsort (errors, measured, sizeof (float), compare_floats);
  median = errors[measured / 2];
  p95 = errors[(gsize) (measured * 0.95)];
  g_test_message ("person: %u pixels, %.1f %% with depth; error median %.1f mm, p95 %.1f mm",
                  on_person, 100.0 * measured / on_person, median, p95);
  g_assert_cmpfloat ((double) measured / on_person, >=, MIN_COVERAGE);
  g_assert_cmpfloat (median, <=, MAX_MEDIAN_ERROR_MM);
  g_assert_cmpfloat (p95, <=, MAX_P95_ERROR_MM);
}

/* Committed bound: the silhouette against the studio's true mask (the
 * issue's goal). Measured: 0.997 to 1.000 over these cases. */
#define MIN_SILHOUETTE_IOU 0.95

/* The person separated from the room: a background model learned from
 * frames of the empty studio, then the silhouette compared with the
 * studio's true mask. */
typedef struct
{
  guint64 seed;   /* picks the person's clothes */
  double noise;   /* sensor noise, 8-bit code values */
} SilhouetteCase;

static const SilhouetteCase silhouette_cases[] = { { 2, 0.0 }, { 3, 2.0 }, { 4, 4.0 } };

static void
test_studio_silhouette (gconstpointer data)
{
  const SilhouetteCase *c = data;
  g_autoptr(PxStudioRig) studio_rig = px_studio_rig_new_default ();
  g_autoptr(PxStudioPerson) person = px_studio_person_new (1.7, c->seed);
  g_autoptr(PxStudio) studio = NULL;
  g_autoptr(PxRig) rig = px_studio_rig_to_rig (studio_rig);
  g_autoptr(PxPairReconstructor) reconstructor = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree float *depth = NULL;
  guint width, height;

  for (guint i = 0; i < px_studio_rig_get_n_cameras (studio_rig); i++)
    px_studio_rig_get_camera (studio_rig, i)->noise = c->noise;
  studio = px_studio_new (studio_rig, person, c->seed, 2);
  reconstructor = px_pair_reconstructor_new (rig, 0, 1, 0, 2, &error);
  g_assert_no_error (error);
  px_pair_reconstructor_get_size (reconstructor, &width, &height);
  depth = g_new (float, (gsize) width * height);
  g_assert_null (px_pair_reconstructor_get_mask (reconstructor));

  px_studio_set_show_person (studio, FALSE);
  for (guint f = 0; f < 4; f++)
    {
      const PxStudioView *left, *right;

      px_studio_render (studio, f / 30.0, f);
      left = px_studio_get_view (studio, 0);
      right = px_studio_get_view (studio, 1);
      g_assert_true (px_pair_reconstructor_learn_background (reconstructor, left->rgb, left->rgb_stride,
                                                             right->rgb, right->rgb_stride, 3, &error));
      g_assert_no_error (error);
    }

  px_studio_set_show_person (studio, TRUE);
  for (guint f = 10; f < 13; f++)
    {
      const PxStudioView *left, *right;
      const guint8 *mask;
      guint both = 0, either = 0;
      double iou;

      px_studio_render (studio, f / 30.0, f);
      left = px_studio_get_view (studio, 0);
      right = px_studio_get_view (studio, 1);
      g_assert_true (px_pair_reconstructor_process (reconstructor, left->rgb, left->rgb_stride,
                                                    right->rgb, right->rgb_stride, 3, depth, NULL, &error));
      g_assert_no_error (error);
      mask = px_pair_reconstructor_get_mask (reconstructor);
      g_assert_nonnull (mask);
      for (gsize i = 0; i < (gsize) width * height; i++)
        {
          gboolean ours = mask[i] == 255, truth = left->mask[i] == 255;

          both += ours && truth;
          either += ours || truth;
          /* Depth is kept on the person only. */
          if (isfinite (depth[i]))
            g_assert_true (ours);
        }
      iou = (double) both / either;
      g_test_message ("seed %" G_GUINT64_FORMAT ", noise %.0f, frame %u: silhouette IoU %.3f",
                      c->seed, c->noise, f, iou);
      g_assert_cmpfloat (iou, >=, MIN_SILHOUETTE_IOU);
    }
}

/* The model refuses to segment before it has seen the room, and images
 * that do not cover its grid. */
static void
test_background_bad_input (void)
{
  g_autoptr(PxBackgroundModel) background = px_background_model_new (160, 120);
  g_autofree float *depth = g_new0 (float, 160 * 120);
  g_autofree guint8 *image = g_new0 (guint8, 640 * 480 * 3);
  g_autofree guint8 *mask = g_new0 (guint8, 160 * 120);
  GError *error = NULL;

  g_assert_false (px_background_model_segment (background, depth, image, 640, 480, 640 * 3, 3, 4, mask, &error));
  g_assert_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (px_background_model_learn (background, depth, image, 320, 240, 320 * 3, 3, 4, &error));
  g_assert_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (px_background_model_learn (background, depth, image, 640, 480, 640, 3, 4, &error));
  g_assert_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (px_background_model_learn (background, depth, image, 640, 480, 640 * 3, 3, 4, &error));
  g_assert_no_error (error);
  /* The same black room again: nothing is the person. */
  g_assert_true (px_background_model_segment (background, depth, image, 640, 480, 640 * 3, 3, 4, mask, &error));
  for (gsize i = 0; i < 160 * 120; i++)
    g_assert_cmpuint (mask[i], ==, 0);
}

static void
test_reconstructor_bad_input (void)
{
  g_autoptr(PxStudioRig) studio_rig = px_studio_rig_new_default ();
  g_autoptr(PxRig) rig = px_studio_rig_to_rig (studio_rig);
  g_autoptr(PxPairReconstructor) reconstructor = NULL;
  g_autofree guint8 *image = g_new0 (guint8, 640 * 480 * 3);
  g_autofree float *depth = g_new (float, 640 * 480);
  GError *error = NULL;

  g_assert_null (px_pair_reconstructor_new (rig, 7, 1, 0, 1, &error));
  g_assert_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (px_pair_reconstructor_new (rig, 0, 0, 0, 1, &error));
  g_assert_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (px_pair_reconstructor_new (rig, 0, 1, 640, 1, &error));
  g_assert_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  reconstructor = px_pair_reconstructor_new (rig, 0, 4, 64, 1, &error);
  g_assert_no_error (error);
  g_assert_false (px_pair_reconstructor_process (reconstructor, image, 640, image, 640 * 3, 3, depth, NULL, &error));
  g_assert_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* A black frame pair gives no depth, and no crash. */
  g_assert_true (px_pair_reconstructor_process (reconstructor, image, 640 * 3, image, 640 * 3, 3, depth, NULL, &error));
  g_assert_no_error (error);
  for (gsize i = 0; i < 160 * 120; i++)
    g_assert_true (isinf (depth[i]));
}

/* A stripe of plain colour across a shirt gives stereo nothing to match:
 * the depth grid must not show the person with a hole through the chest.
 * Short gaps down a column, between samples at about the same depth, are
 * filled (the gaps between arm and body run down and stay open). */
static void
test_studio_interior_holes (void)
{
  g_autoptr(PxStudioRig) studio_rig = px_studio_rig_new_default ();
  g_autoptr(PxStudioPerson) person = px_studio_person_new (1.75, 0);
  g_autoptr(PxStudio) studio = px_studio_new (studio_rig, person, 1, 0);
  g_autoptr(PxRig) rig = px_studio_rig_to_rig (studio_rig);
  g_autoptr(PxPairReconstructor) reconstructor = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree float *depth = NULL;
  /* A gap of up to 32 pixels, 8 cells of 4. */
  const guint step = 4, reach = 8;
  guint width, height, holes = 0, other_gaps = 0;

  reconstructor = px_pair_reconstructor_new (rig, 0, step, 0, 2, &error);
  g_assert_no_error (error);
  px_pair_reconstructor_get_size (reconstructor, &width, &height);
  depth = g_new (float, (gsize) width * height);

  for (guint frame = 0; frame < 3; frame++)
    {
      const PxStudioView *left, *right;

      px_studio_render (studio, frame / 30.0, frame);
      left = px_studio_get_view (studio, 0);
      right = px_studio_get_view (studio, 1);
      g_assert_true (px_pair_reconstructor_process (reconstructor, left->rgb, left->rgb_stride,
                                                    right->rgb, right->rgb_stride, 3, depth, NULL,
                                                    &error));
      g_assert_no_error (error);

      for (guint x = 0; x < width; x++)
        for (guint y = 0; y < height; y++)
          {
            gsize px = (gsize) (y * step + (step - 1) / 2) * left->width + x * step + (step - 1) / 2;
            guint up = 1, down = 1;

            if (isfinite (depth[(gsize) y * width + x]) || left->mask[px] != 255)
              continue;
            /* The gap's ends down this column. */
            while (up <= y && !isfinite (depth[(gsize) (y - up) * width + x]))
              up++;
            while (y + down < height && !isfinite (depth[(gsize) (y + down) * width + x]))
              down++;
            if (up <= y && y + down < height && up + down - 1 <= reach
                && fabsf (depth[(gsize) (y - up) * width + x]
                          - depth[(gsize) (y + down) * width + x]) <= 0.1f)
              holes++;
            else
              other_gaps++;
          }
    }
  g_test_message ("%u person cells in short gaps between samples that agree, %u in others",
                  holes, other_gaps);
  g_assert_cmpuint (holes, ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/recon/studio/depth", test_studio_depth);
  g_test_add_func ("/recon/studio/interior-holes", test_studio_interior_holes);
  for (gsize i = 0; i < G_N_ELEMENTS (silhouette_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/recon/studio/silhouette/%" G_GSIZE_FORMAT, i);

      g_test_add_data_func (path, &silhouette_cases[i], test_studio_silhouette);
    }
  g_test_add_func ("/recon/studio/bad-input", test_reconstructor_bad_input);
  g_test_add_func ("/recon/studio/background-bad-input", test_background_bad_input);

  return g_test_run ();
}
