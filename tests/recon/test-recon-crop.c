/* test-recon-crop.c: matching only where the capture volume can be seen
 *
 * A stereo matcher reused across pair sizes gives what a fresh one gives.
 * A pair reconstructor that crops (to the capture volume's region, or
 * around the tracked person) gives the depth of the whole-pair
 * reconstruction on the person, on the synthetic studio's default rig
 * with the person's capture volume, while matching a narrower region.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "recon/px-pair-reconstructor.h"
#include "recon/px-stereo-matcher.h"
#include "studio/px-studio.h"

/* The space the person uses: standing at z = 0, gesturing forward. */
static const double PERSON_MIN[3] = { -1.0, 0.0, -0.6 };
static const double PERSON_MAX[3] = { 1.0, 2.2, 0.7 };

/* A random-dot pair: the right image is the left one shifted by a
 * disparity that steps across the picture. */
static void
make_pair (guint   width,
           guint   height,
           guint8 *left,
           guint8 *right)
{
  GRand *rand = g_rand_new_with_seed (7);

  for (gsize i = 0; i < (gsize) width * height; i++)
    left[i] = (guint8) g_rand_int_range (rand, 0, 256);
  for (guint y = 0; y < height; y++)
    for (guint x = 0; x < width; x++)
      {
        int d = x < width / 2 ? 8 : 20;

        right[(gsize) y * width + x] = left[(gsize) y * width + MIN (x + d, width - 1)];
      }
  g_rand_free (rand);
}

static gboolean
same_floats (const float *a,
             const float *b,
             gsize        n)
{
  for (gsize i = 0; i < n; i++)
    if (!(a[i] == b[i] || (isinf (a[i]) && isinf (b[i]))))
      return FALSE;
  return TRUE;
}

static void
match (PxStereoMatcher *matcher,
       const guint8    *left,
       const guint8    *right,
       gsize            stride,
       guint            x,
       guint            y,
       guint            width,
       guint            height,
       float           *out)
{
  g_autoptr(GError) error = NULL;
  PxGrayImage l = { width, height, stride, left + (gsize) y * stride + x };
  PxGrayImage r = { width, height, stride, right + (gsize) y * stride + x };

  g_assert_true (px_stereo_matcher_match (matcher, &l, &r, out, &error));
  g_assert_no_error (error);
}

static void
test_matcher_reuse (void)
{
  const guint width = 320, height = 240;
  g_autofree guint8 *left = g_malloc ((gsize) width * height);
  g_autofree guint8 *right = g_malloc ((gsize) width * height);
  g_autofree float *full = g_new (float, (gsize) width * height);
  g_autofree float *crop = g_new (float, (gsize) width * height);
  g_autofree float *again = g_new (float, (gsize) width * height);
  g_autoptr(PxStereoMatcher) reused = px_stereo_matcher_new (32, 2);
  guint finite = 0;

  make_pair (width, height, left, right);

  /* Large, then small, then large again: each as a fresh matcher does. */
  match (reused, left, right, width, 0, 0, width, height, full);
  match (reused, left, right, width, 40, 30, 150, 100, crop);
  match (reused, left, right, width, 0, 0, width, height, again);
  g_assert_true (same_floats (full, again, (gsize) width * height));
  {
    g_autoptr(PxStereoMatcher) fresh = px_stereo_matcher_new (32, 2);
    g_autofree float *expected = g_new (float, 150 * 100);

    match (fresh, left, right, width, 40, 30, 150, 100, expected);
    g_assert_true (same_floats (crop, expected, 150 * 100));
  }
  /* A thin region takes one band: still the fresh result. */
  {
    g_autoptr(PxStereoMatcher) fresh = px_stereo_matcher_new (32, 2);
    g_autofree float *expected = g_new (float, 200 * 30);

    match (reused, left, right, width, 10, 100, 200, 30, crop);
    match (fresh, left, right, width, 10, 100, 200, 30, expected);
    g_assert_true (same_floats (crop, expected, 200 * 30));
  }
  /* And the matches are right where the texture allows. */
  for (guint y = 20; y < height - 20; y++)
    for (guint x = 60; x < width / 2 - 20; x++)
      finite += fabsf (full[(gsize) y * width + x] - 8.0f) < 0.5f;
  g_assert_cmpuint (finite, >, (height - 40) * (width / 2 - 80) * 9 / 10);
}

typedef struct
{
  guint person;      /* cells off the floor the whole-pair reconstruction has */
  guint kept;        /* of those, cells the cropped one has too */
  guint close;       /* of those, within 1 cm */
  guint extra;       /* cells only the cropped one has */
  guint64 matched;   /* pixels matched by the cropped one */
} Comparison;

static void
compare (PxPairReconstructor *whole,
         PxPairReconstructor *cropped,
         const float         *a,
         const float         *b,
         Comparison          *c)
{
  guint width, height, mw = 0, mh = 0;

  px_pair_reconstructor_get_size (whole, &width, &height);
  for (guint y = 0; y < height; y++)
    for (guint x = 0; x < width; x++)
      {
        gsize i = (gsize) y * width + x;
        double point[3];

        if (!isfinite (a[i]))
          {
            c->extra += isfinite (b[i]);
            continue;
          }
        px_pair_reconstructor_get_point (whole, x, y, a[i], point);
        /* The floor under the person is the volume's face, not in it. */
        if (point[1] < 0.1)
          continue;
        c->person++;
        if (!isfinite (b[i]))
          continue;
        c->kept++;
        c->close += fabsf (a[i] - b[i]) < 0.01f;
      }
  if (px_pair_reconstructor_get_matched_region (cropped, NULL, NULL, &mw, &mh))
    c->matched += (guint64) mw * mh;
}

static void
run_studio (PxReconCrop  crop,
            const double volume_min[3],
            const double volume_max[3],
            guint        frames,
            Comparison  *c)
{
  g_autoptr(PxStudioRig) studio_rig = px_studio_rig_new_default ();
  g_autoptr(PxStudioPerson) person = px_studio_person_new (1.75, 1);
  g_autoptr(PxStudio) studio = NULL;
  g_autoptr(PxRig) rig = NULL;
  g_autoptr(PxPairReconstructor) whole = NULL;
  g_autoptr(PxPairReconstructor) cropped = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree float *a = NULL;
  g_autofree float *b = NULL;
  guint width, height;

  px_studio_rig_set_capture_volume (studio_rig, volume_min, volume_max);
  studio = px_studio_new (studio_rig, person, 11, 0);
  rig = px_studio_rig_to_rig (studio_rig);
  whole = px_pair_reconstructor_new (rig, 0, 4, 0, 2, &error);
  g_assert_no_error (error);
  cropped = px_pair_reconstructor_new (rig, 0, 4, 0, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpint (px_pair_reconstructor_get_crop (cropped), ==, PX_RECON_CROP_NONE);
  px_pair_reconstructor_set_crop (cropped, crop);
  g_assert_cmpint (px_pair_reconstructor_get_crop (cropped), ==, crop);
  g_assert_false (px_pair_reconstructor_get_matched_region (cropped, NULL, NULL, NULL, NULL));
  px_pair_reconstructor_get_size (whole, &width, &height);
  a = g_new (float, (gsize) width * height);
  b = g_new (float, (gsize) width * height);

  memset (c, 0, sizeof *c);
  for (guint f = 0; f < frames; f++)
    {
      const PxStudioView *left, *right;

      /* Every third frame of a second: the person moves between them. */
      px_studio_render (studio, f / 10.0, f);
      left = px_studio_get_view (studio, 0);
      right = px_studio_get_view (studio, 1);
      g_assert_true (px_pair_reconstructor_process (whole, left->rgb, left->rgb_stride, right->rgb,
                                                    right->rgb_stride, 3, a, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (px_pair_reconstructor_process (cropped, left->rgb, left->rgb_stride, right->rgb,
                                                    right->rgb_stride, 3, b, NULL, &error));
      g_assert_no_error (error);
      compare (whole, cropped, a, b, c);
    }
  g_test_message ("person cells %u, kept %u, within 1 cm %u, extra %u, matched %.0f pixels a frame",
                  c->person, c->kept, c->close, c->extra, (double) c->matched / frames);
}

static void
test_track (void)
{
  Comparison c;
  const guint frames = 20;

  run_studio (PX_RECON_CROP_TRACK, PERSON_MIN, PERSON_MAX, frames, &c);
  g_assert_cmpuint (c.person, >, 1500 * frames);
  /* Measured: all kept, all within 1 cm (3 mm at most), no extra cell;
   * the region is 340 to 360 pixels wide between refreshes. */
  g_assert_cmpuint (c.kept, >=, c.person * 995 / 1000);
  g_assert_cmpuint (c.close, >=, c.kept * 99 / 100);
  g_assert_cmpuint (c.extra, <=, c.person / 100);
  g_assert_cmpuint (c.matched, <, (guint64) 640 * 480 * frames * 3 / 4);
}

static void
test_volume (void)
{
  /* The person's middle only: a region narrower than the picture. */
  static const double narrow_min[3] = { -0.3, 0.0, -0.4 };
  static const double narrow_max[3] = { 0.3, 2.2, 0.4 };
  Comparison c;
  const guint frames = 4;

  run_studio (PX_RECON_CROP_VOLUME, narrow_min, narrow_max, frames, &c);
  g_assert_cmpuint (c.person, >, 500 * frames);
  g_assert_cmpuint (c.kept, >=, c.person * 995 / 1000);
  g_assert_cmpuint (c.close, >=, c.kept * 99 / 100);
  g_assert_cmpuint (c.extra, <=, c.person / 100);
  g_assert_cmpuint (c.matched, <, (guint64) 640 * 480 * frames * 3 / 4);

  /* A volume whose region is the whole picture: the same grid. */
  run_studio (PX_RECON_CROP_VOLUME, PERSON_MIN, PERSON_MAX, 1, &c);
  g_assert_cmpuint (c.kept, ==, c.person);
  g_assert_cmpuint (c.close, ==, c.kept);
  g_assert_cmpuint (c.extra, ==, 0);
  g_assert_cmpuint (c.matched, ==, 640 * 480);
}

/* A capture volume behind the cameras: nothing is matched, nothing kept. */
static void
test_volume_out_of_sight (void)
{
  static const double behind_min[3] = { -1.0, 0.0, 3.0 };
  static const double behind_max[3] = { 1.0, 2.2, 4.0 };
  g_autoptr(PxStudioRig) studio_rig = px_studio_rig_new_default ();
  g_autoptr(PxStudioPerson) person = px_studio_person_new (1.75, 1);
  g_autoptr(PxStudio) studio = px_studio_new (studio_rig, person, 11, 0);
  g_autoptr(PxRig) rig = NULL;
  g_autoptr(PxPairReconstructor) reconstructor = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree float *depth = NULL;
  const PxStudioView *left, *right;
  guint width, height;

  rig = px_studio_rig_to_rig (studio_rig);
  px_rig_set_capture_volume (rig, behind_min, behind_max);
  reconstructor = px_pair_reconstructor_new (rig, 0, 4, 64, 2, &error);
  g_assert_no_error (error);
  px_pair_reconstructor_set_crop (reconstructor, PX_RECON_CROP_TRACK);
  px_pair_reconstructor_get_size (reconstructor, &width, &height);
  depth = g_new (float, (gsize) width * height);
  px_studio_render (studio, 0.0, 0);
  left = px_studio_get_view (studio, 0);
  right = px_studio_get_view (studio, 1);
  for (int f = 0; f < 2; f++)
    {
      g_assert_true (px_pair_reconstructor_process (reconstructor, left->rgb, left->rgb_stride, right->rgb,
                                                    right->rgb_stride, 3, depth, NULL, &error));
      g_assert_no_error (error);
      g_assert_false (px_pair_reconstructor_get_matched_region (reconstructor, NULL, NULL, NULL, NULL));
      for (gsize i = 0; i < (gsize) width * height; i++)
        g_assert_true (isinf (depth[i]));
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/recon/crop/matcher-reuse", test_matcher_reuse);
  g_test_add_func ("/recon/crop/track", test_track);
  g_test_add_func ("/recon/crop/volume", test_volume);
  g_test_add_func ("/recon/crop/volume-out-of-sight", test_volume_out_of_sight);
  return g_test_run ();
}
