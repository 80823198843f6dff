/* test-stereo.c: the stereo matcher on pairs the test makes itself
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "recon/px-recon-error.h"
#include "recon/px-stereo-kernels.h"
#include "recon/px-stereo-matcher.h"

#define WIDTH 160
#define HEIGHT 120
#define BACKGROUND_DISPARITY 8
#define SQUARE_DISPARITY 20
#define SQUARE_X0 60
#define SQUARE_X1 120
#define SQUARE_Y0 30
#define SQUARE_Y1 90

typedef struct
{
  guint8 left[WIDTH * HEIGHT];
  guint8 right[WIDTH * HEIGHT];
  PxGrayImage left_image;
  PxGrayImage right_image;
} Pair;

/* A random texture, lightly smoothed so it looks like a surface. */
static guint8
texture (const guint8 *noise,
         int           x,
         int           y)
{
  int sum = 0;

  x = CLAMP (x, 1, 2 * WIDTH - 2);
  for (int dx = -1; dx <= 1; dx++)
    sum += noise[y * 2 * WIDTH + x + dx];
  return (guint8) (sum / 3);
}

static gboolean
in_square (int x,
           int y)
{
  return x >= SQUARE_X0 && x < SQUARE_X1 && y >= SQUARE_Y0 && y < SQUARE_Y1;
}

/* A textured background at one disparity and a textured square in front
 * of it at a larger one: the right view is rendered from the layers. */
static Pair *
make_pair (guint32 seed)
{
  Pair *pair = g_new0 (Pair, 1);
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autofree guint8 *background = g_new (guint8, 2 * WIDTH * HEIGHT);
  g_autofree guint8 *square = g_new (guint8, 2 * WIDTH * HEIGHT);

  for (int i = 0; i < 2 * WIDTH * HEIGHT; i++)
    {
      background[i] = (guint8) g_rand_int_range (rand, 0, 256);
      square[i] = (guint8) g_rand_int_range (rand, 0, 256);
    }
  for (int y = 0; y < HEIGHT; y++)
    for (int x = 0; x < WIDTH; x++)
      {
        pair->left[y * WIDTH + x] = in_square (x, y) ? texture (square, x, y) : texture (background, x, y);
        pair->right[y * WIDTH + x] = in_square (x + SQUARE_DISPARITY, y)
                                     ? texture (square, x + SQUARE_DISPARITY, y)
                                     : texture (background, x + BACKGROUND_DISPARITY, y);
      }
  pair->left_image = (PxGrayImage) { WIDTH, HEIGHT, WIDTH, pair->left };
  pair->right_image = (PxGrayImage) { WIDTH, HEIGHT, WIDTH, pair->right };
  return pair;
}

static float *
match (Pair                 *pair,
       guint                 threads,
       PxStereoInstructions  instructions)
{
  g_autoptr(PxStereoMatcher) matcher = px_stereo_matcher_new (48, threads);
  g_autoptr(GError) error = NULL;
  float *disparity = g_new (float, WIDTH * HEIGHT);

  if (!px_stereo_matcher_set_instructions (matcher, instructions))
    {
      g_free (disparity);
      return NULL;
    }
  g_assert_true (px_stereo_matcher_match (matcher, &pair->left_image, &pair->right_image,
                                          disparity, &error));
  g_assert_no_error (error);
  return disparity;
}

static void
test_stereo_synthetic_accuracy (void)
{
  g_autofree Pair *pair = make_pair (1);
  g_autofree float *disparity = match (pair, 1, PX_STEREO_INSTRUCTIONS_AUTO);
  int scored = 0, good = 0;

  for (int y = 4; y < HEIGHT - 4; y++)
    for (int x = 32; x < WIDTH - 4; x++)
      {
        float truth = in_square (x, y) ? SQUARE_DISPARITY : BACKGROUND_DISPARITY;
        float d = disparity[y * WIDTH + x];

        scored++;
        if (isfinite (d) && fabsf (d - truth) <= 1.0f)
          good++;
      }
  g_test_message ("%d of %d pixels within 1 px", good, scored);
  g_assert_cmpfloat ((double) good / scored, >=, 0.95);
  /* Dense: the occluded strip left of the square is filled too. */
  for (int i = 0; i < WIDTH * HEIGHT; i++)
    g_assert_true (isfinite (disparity[i]));
}

/* Every kernel set gives the same disparities as the scalar reference. */
static void
test_stereo_simd_matches_scalar (void)
{
  const PxStereoInstructions sets[] = { PX_STEREO_INSTRUCTIONS_SSE2, PX_STEREO_INSTRUCTIONS_AVX2 };
  const char *names[] = { "sse2", "avx2" };

  for (guint seed = 1; seed <= 3; seed++)
    {
      g_autofree Pair *pair = make_pair (seed);
      g_autofree float *reference = match (pair, 1, PX_STEREO_INSTRUCTIONS_SCALAR);

      for (gsize i = 0; i < G_N_ELEMENTS (sets); i++)
        {
          g_autofree float *simd = match (pair, 1, sets[i]);

          if (simd == NULL)
            {
              g_test_message ("%s is not available here", names[i]);
              continue;
            }
          g_assert_cmpmem (simd, WIDTH * HEIGHT * sizeof (float),
                           reference, WIDTH * HEIGHT * sizeof (float));
        }
    }
}

/* The kernels one by one, on random rows, against the scalar ones. */
static void
test_stereo_kernels_match_scalar (void)
{
  const PxStereoKernels *sets[] = { &px_stereo_kernels_sse2, &px_stereo_kernels_avx2 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  int width = 75, disparities = 32;
  gsize lstride = PX_STEREO_LSTRIDE (disparities);
  PxStereoRowParams params = { width, disparities, 3, 10 };
  gsize volume = (gsize) width * disparities;
  g_autofree gint16 *cost = g_new0 (gint16, volume);
  g_autofree guint32 *left = g_new0 (guint32, width + 64);
  g_autofree guint32 *right = g_new0 (guint32, width + disparities + 64);
  g_autofree guint8 *image = g_new0 (guint8, (width + 128) * 9);
  g_autofree gint16 *p2 = g_new0 (gint16, width);

  for (gsize i = 0; i < (gsize) (width + 128) * 9; i++)
    image[i] = (guint8) g_rand_int_range (rand, 0, 256);
  for (int x = 0; x < width; x++)
    {
      left[x] = g_rand_int (rand) & ((1u << PX_CENSUS_BITS) - 1);
      right[x] = g_rand_int (rand) & ((1u << PX_CENSUS_BITS) - 1);
      p2[x] = (gint16) g_rand_int_range (rand, 3, 40);
    }

  __builtin_cpu_init ();
  for (gsize k = 0; k < G_N_ELEMENTS (sets); k++)
    {
      const PxStereoKernels *simd = sets[k];
      const PxStereoKernels *scalar = &px_stereo_kernels_scalar;
      const PxStereoKernels *both[2] = { scalar, simd };
      gint16 *sums[2], *bests[2], *uniques[2];
      guint32 census[2][75 + 64];

      if ((k == 0 && !__builtin_cpu_supports ("sse2")) || (k == 1 && !__builtin_cpu_supports ("avx2")))
        continue;

      for (int b = 0; b < 2; b++)
        {
          both[b]->census_row (image + 4 * (width + 128) + 16, width + 128, width, census[b]);
          sums[b] = g_new0 (gint16, volume);
          bests[b] = g_new0 (gint16, width + 64);
          uniques[b] = g_new0 (gint16, width + 64);
        }
      g_assert_cmpmem (census[0], width * 4, census[1], width * 4);

      for (int b = 0; b < 2; b++)
        {
          gint16 *memory[16];
          PxStereoPaths paths;
          PxStereoWinners winners = { 0, };
          g_autofree guint8 *unique = g_new0 (guint8, width + 64);
          g_autofree gint16 *below = g_new0 (gint16, width + 64);
          g_autofree gint16 *best = g_new0 (gint16, width + 64);
          g_autofree gint16 *above = g_new0 (gint16, width + 64);
          g_autofree gint16 *right_min = g_new0 (gint16, width + disparities + 64);
          g_autofree gint16 *right_best = g_new0 (gint16, width + disparities + 64);

          for (int i = 0; i < 16; i++)
            {
              memory[i] = g_new0 (gint16, (width + 2) * lstride);
              for (int x = 0; x < width + 2; x++)
                {
                  memory[i][x * lstride + PX_STEREO_LOFFSET - 1] = PX_STEREO_SENTINEL;
                  memory[i][x * lstride + PX_STEREO_LOFFSET + disparities] = PX_STEREO_SENTINEL;
                }
            }
          for (int i = 0; i < 3; i++)
            {
              paths.prev[i] = memory[i];
              paths.cur[i] = memory[3 + i];
              paths.prev_min[i] = memory[6 + i];
              paths.cur_min[i] = memory[9 + i];
            }
          for (int i = 0; i < 4; i++)
            paths.horizontal[i] = memory[12 + i];
          for (int i = 0; i < 5; i++)
            paths.p2[i] = p2;

          both[b]->cost_row (&params, left, right, cost);
          /* Two rows, so that the paths from above carry state. */
          both[b]->aggregate_row (&params, cost, &paths, sums[b]);
          for (int i = 0; i < 3; i++)
            {
              gint16 *t = paths.prev[i];

              paths.prev[i] = paths.cur[i];
              paths.cur[i] = t;
              t = paths.prev_min[i];
              paths.prev_min[i] = paths.cur_min[i];
              paths.cur_min[i] = t;
            }
          both[b]->aggregate_row (&params, cost, &paths, sums[b]);

          winners.best = bests[b];
          winners.cost_below = below;
          winners.cost_best = best;
          winners.cost_above = above;
          winners.unique = unique;
          winners.right_min = right_min;
          winners.right_best = right_best;
          params.uniqueness = 10;
          both[b]->select_row (&params, sums[b], &winners);
          for (int x = 0; x < width; x++)
            uniques[b][x] = (gint16) (unique[x] | (right_best[x] << 1));
          for (int i = 0; i < 16; i++)
            g_free (memory[i]);
        }
      g_test_message ("checked %s", simd->name);
      g_assert_cmpmem (sums[0], volume * 2, sums[1], volume * 2);
      g_assert_cmpmem (bests[0], width * 2, bests[1], width * 2);
      g_assert_cmpmem (uniques[0], width * 2, uniques[1], width * 2);
      for (int b = 0; b < 2; b++)
        {
          g_free (sums[b]);
          g_free (bests[b]);
          g_free (uniques[b]);
        }
    }
}

/* Same thread count, same result; and a matcher reused across sizes. */
static void
test_stereo_deterministic (void)
{
  g_autofree Pair *pair = make_pair (5);

  for (guint threads = 1; threads <= 4; threads *= 2)
    {
      g_autofree float *first = match (pair, threads, PX_STEREO_INSTRUCTIONS_AUTO);
      g_autofree float *second = match (pair, threads, PX_STEREO_INSTRUCTIONS_AUTO);

      g_assert_cmpmem (first, WIDTH * HEIGHT * sizeof (float), second, WIDTH * HEIGHT * sizeof (float));
    }
}

static void
test_stereo_reuse (void)
{
  g_autofree Pair *pair = make_pair (9);
  g_autoptr(PxStereoMatcher) matcher = px_stereo_matcher_new (48, 2);
  g_autofree float *fresh = match (pair, 2, PX_STEREO_INSTRUCTIONS_AUTO);
  g_autofree float *out = g_new (float, WIDTH * HEIGHT);
  PxGrayImage small_left = { WIDTH / 2, HEIGHT / 2, WIDTH, pair->left };
  PxGrayImage small_right = { WIDTH / 2, HEIGHT / 2, WIDTH, pair->right };

  /* A frame of another size in between must not disturb the next one. */
  g_assert_true (px_stereo_matcher_match (matcher, &pair->left_image, &pair->right_image, out, NULL));
  g_assert_true (px_stereo_matcher_match (matcher, &small_left, &small_right, out, NULL));
  g_assert_true (px_stereo_matcher_match (matcher, &pair->left_image, &pair->right_image, out, NULL));
  g_assert_cmpmem (out, WIDTH * HEIGHT * sizeof (float), fresh, WIDTH * HEIGHT * sizeof (float));
}

static void
test_stereo_bad_input (void)
{
  g_autofree Pair *pair = make_pair (2);
  g_autofree float *out = g_new (float, WIDTH * HEIGHT);
  g_autoptr(PxStereoMatcher) matcher = px_stereo_matcher_new (48, 1);
  g_autoptr(PxStereoMatcher) zero = px_stereo_matcher_new (0, 1);
  g_autoptr(PxStereoMatcher) too_wide = px_stereo_matcher_new (WIDTH, 1);
  g_autoptr(PxStereoMatcher) absurd = px_stereo_matcher_new (1000000, 1);
  PxGrayImage smaller = { WIDTH - 1, HEIGHT, WIDTH, pair->right };
  PxGrayImage empty = { 0, 0, 0, pair->right };
  PxGrayImage bad_stride = { WIDTH, HEIGHT, WIDTH / 2, pair->right };
  GError *error = NULL;

  g_assert_false (px_stereo_matcher_match (matcher, &pair->left_image, &smaller, out, &error));
  g_assert_error (error, PX_RECON_ERROR, PX_RECON_ERROR_SIZE_MISMATCH);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  g_assert_false (px_stereo_matcher_match (matcher, &pair->left_image, &empty, out, &error));
  g_assert_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_false (px_stereo_matcher_match (matcher, &pair->left_image, &bad_stride, out, &error));
  g_assert_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_false (px_stereo_matcher_match (zero, &pair->left_image, &pair->right_image, out, &error));
  g_assert_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_false (px_stereo_matcher_match (too_wide, &pair->left_image, &pair->right_image, out, &error));
  g_assert_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "width"));
  g_clear_error (&error);

  g_assert_false (px_stereo_matcher_match (absurd, &pair->left_image, &pair->right_image, out, &error));
  g_assert_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_false (px_stereo_matcher_set_penalties (matcher, 0, 10, &error));
  g_assert_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (px_stereo_matcher_set_penalties (matcher, 20, 10, &error));
  g_assert_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* After all that the matcher still works. */
  g_assert_true (px_stereo_matcher_match (matcher, &pair->left_image, &pair->right_image, out, &error));
  g_assert_no_error (error);
}

/* A one-pixel-high and a barely wide image are legal and must not crash. */
static void
test_stereo_tiny_images (void)
{
  guint8 pixels[3 * 20] = { 0, };
  float out[3 * 20];
  g_autoptr(PxStereoMatcher) matcher = px_stereo_matcher_new (2, 3);

  for (int i = 0; i < 60; i++)
    pixels[i] = (guint8) (i * 37);
  for (guint h = 1; h <= 3; h++)
    {
      PxGrayImage image = { 3, h, 20, pixels };

      g_assert_true (px_stereo_matcher_match (matcher, &image, &image, out, NULL));
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/recon/stereo/synthetic-accuracy", test_stereo_synthetic_accuracy);
  g_test_add_func ("/recon/stereo/simd-matches-scalar", test_stereo_simd_matches_scalar);
  g_test_add_func ("/recon/stereo/kernels-match-scalar", test_stereo_kernels_match_scalar);
  g_test_add_func ("/recon/stereo/deterministic", test_stereo_deterministic);
  g_test_add_func ("/recon/stereo/reuse", test_stereo_reuse);
  g_test_add_func ("/recon/stereo/bad-input", test_stereo_bad_input);
  g_test_add_func ("/recon/stereo/tiny-images", test_stereo_tiny_images);

  return g_test_run ();
}
