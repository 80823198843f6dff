/* test-rig-check.c: the calibration check on the synthetic studio's frames
 *
 * The studio films its person with the default rig; the check must call
 * the true calibration with the cameras in order OK, the cameras swapped
 * "swapped", and a calibration a little off (one camera turned about its
 * optical axis, or its principal point moved) "rows disagree" by about as
 * much as it is off. Blank frames have no texture; frames of two different
 * scenes do not match; frames of the wrong size are an error.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "recon/px-recon-error.h"
#include "recon/px-rig-check.h"
#include "studio/px-studio.h"

typedef struct
{
  PxStudio *studio;
  PxRig *rig;
  guint width;
  guint height;
  guint8 *grey[2];
} Fixture;

static Fixture fixture;

/* The luma of the studio's view, as the Y plane a camera source gives. */
static guint8 *
view_grey (const PxStudioView *view)
{
  guint cw = (view->width + 1) / 2, ch = (view->height + 1) / 2;
  guint8 *y = g_malloc ((gsize) view->width * view->height);
  g_autofree guint8 *u = g_malloc ((gsize) cw * ch);
  g_autofree guint8 *v = g_malloc ((gsize) cw * ch);

  px_studio_view_to_i420 (view, y, view->width, u, cw, v, cw);
  return y;
}

static void
log_result (const char             *what,
            const PxRigCheckResult *result)
{
  g_test_message ("%s: %s, %u features, %u matches, rows off by %.2f px (bias %+.2f), "
                  "disparity %.1f px, %.0f %% negative", what,
                  px_rig_check_verdict_to_string (result->verdict), result->n_features,
                  result->n_matches, result->row_offset, result->row_bias, result->disparity,
                  100 * result->swapped_share);
}

static PxRigCheckResult
check (PxRig        *rig,
       const guint8 *left,
       const guint8 *right,
       const char   *what)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PxRigCheck) checker = px_rig_check_new (rig, 0, &error);
  PxRigCheckResult result;

  g_assert_no_error (error);
  g_assert_nonnull (checker);
  g_assert_cmpuint (px_rig_check_get_width (checker), ==, fixture.width);
  g_assert_true (px_rig_check_run (checker, left, fixture.width, fixture.width, fixture.height,
                                   right, fixture.width, fixture.width, fixture.height,
                                   &result, &error));
  g_assert_no_error (error);
  log_result (what, &result);
  return result;
}

/* @rig with one camera changed by @change. */
typedef void (*CameraChange) (PxCamera *camera);

static PxRig *
perturbed_rig (guint        camera_index,
               CameraChange change)
{
  PxRig *rig = px_rig_new ("perturbed");
  g_autoptr(GError) error = NULL;
  const PxCamera *left, *right;

  for (guint i = 0; i < px_rig_get_n_cameras (fixture.rig); i++)
    {
      PxCamera camera = *px_rig_get_camera (fixture.rig, i);

      if (i == camera_index)
        change (&camera);
      g_assert_true (px_rig_add_camera (rig, &camera, &error));
      g_assert_no_error (error);
    }
  g_assert_true (px_rig_get_pair (fixture.rig, 0, &left, &right));
  g_assert_true (px_rig_add_pair (rig, left->id, right->id, &error));
  g_assert_no_error (error);
  return rig;
}

/* Turns the camera 2° about its own optical axis: R' = Rz·R. */
static void
roll_two_degrees (PxCamera *camera)
{
  double a = 2.0 * G_PI / 180, c = cos (a), s = sin (a);
  double rz[9] = { c, -s, 0, s, c, 0, 0, 0, 1 };
  double r[9];

  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      r[3 * i + j] = rz[3 * i] * camera->rotation[j] + rz[3 * i + 1] * camera->rotation[3 + j]
                     + rz[3 * i + 2] * camera->rotation[6 + j];
  memcpy (camera->rotation, r, sizeof r);
  /* The translation turns with it, so the camera stays where it was. */
  {
    double t[3];

    for (int i = 0; i < 3; i++)
      t[i] = rz[3 * i] * camera->translation[0] + rz[3 * i + 1] * camera->translation[1]
             + rz[3 * i + 2] * camera->translation[2];
    memcpy (camera->translation, t, sizeof t);
  }
}

static void
shift_cy (PxCamera *camera)
{
  camera->cy += 6;
}

static void
test_in_order (void)
{
  PxRigCheckResult result = check (fixture.rig, fixture.grey[0], fixture.grey[1], "in order");

  g_assert_cmpint (result.verdict, ==, PX_RIG_CHECK_OK);
  g_assert_cmpuint (result.n_matches, >=, 20);
  g_assert_cmpfloat (result.row_offset, <, 0.75);
  g_assert_cmpfloat (result.disparity, >, 5);
  g_assert_cmpfloat (result.swapped_share, <, 0.2);
}

static void
test_swapped (void)
{
  PxRigCheckResult result = check (fixture.rig, fixture.grey[1], fixture.grey[0], "swapped");

  g_assert_cmpint (result.verdict, ==, PX_RIG_CHECK_SWAPPED);
  g_assert_cmpfloat (result.disparity, <, -5);
  g_assert_cmpfloat (result.swapped_share, >, 0.8);
}

static void
test_rolled (void)
{
  g_autoptr(PxRig) rig = perturbed_rig (1, roll_two_degrees);
  PxRigCheckResult result = check (rig, fixture.grey[0], fixture.grey[1], "right camera rolled 2°");

  g_assert_cmpint (result.verdict, ==, PX_RIG_CHECK_ROWS_DISAGREE);
  /* 2° about the axis moves a point 160 px from the centre by 5.6 px. */
  g_assert_cmpfloat (result.row_offset, >, 2.5);
  g_assert_cmpfloat (result.row_offset, <, 10);
}

static void
test_shifted (void)
{
  g_autoptr(PxRig) rig = perturbed_rig (0, shift_cy);
  PxRigCheckResult result = check (rig, fixture.grey[0], fixture.grey[1], "left cy 6 px off");

  g_assert_cmpint (result.verdict, ==, PX_RIG_CHECK_ROWS_DISAGREE);
  g_assert_cmpfloat (result.row_offset, >, 4);
  g_assert_cmpfloat (result.row_offset, <, 8);
}

static void
test_tolerance (void)
{
  g_autoptr(PxRig) rig = perturbed_rig (0, shift_cy);
  g_autoptr(PxRigCheck) checker = px_rig_check_new (rig, 0, NULL);
  PxRigCheckResult result;

  /* Whoever accepts rows 10 px apart gets OK for a 6 px error. */
  g_assert_cmpfloat (px_rig_check_get_max_row_offset (checker), ==,
                     PX_RIG_CHECK_DEFAULT_MAX_ROW_OFFSET);
  px_rig_check_set_max_row_offset (checker, 10);
  g_assert_true (px_rig_check_run (checker, fixture.grey[0], fixture.width, fixture.width,
                                   fixture.height, fixture.grey[1], fixture.width, fixture.width,
                                   fixture.height, &result, NULL));
  g_assert_cmpint (result.verdict, ==, PX_RIG_CHECK_OK);
}

static void
test_no_texture (void)
{
  gsize size = (gsize) fixture.width * fixture.height;
  g_autofree guint8 *blank = g_malloc (size);
  PxRigCheckResult result;

  memset (blank, 40, size);
  result = check (fixture.rig, blank, blank, "blank");
  g_assert_cmpint (result.verdict, ==, PX_RIG_CHECK_NO_TEXTURE);
  g_assert_cmpuint (result.n_matches, ==, 0);
}

static void
test_no_match (void)
{
  gsize size = (gsize) fixture.width * fixture.height;
  g_autofree guint8 *noise = g_malloc (size);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  PxRigCheckResult result;

  /* Another scene altogether: detail, but none of the left image's. */
  for (gsize i = 0; i < size; i++)
    noise[i] = (guint8) g_rand_int_range (rand, 16, 236);
  result = check (fixture.rig, fixture.grey[0], noise, "unrelated");
  g_assert_cmpint (result.verdict, ==, PX_RIG_CHECK_NO_MATCH);
}

static void
test_wrong_size (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PxRigCheck) checker = px_rig_check_new (fixture.rig, 0, &error);
  PxRigCheckResult result;

  g_assert_no_error (error);
  g_assert_false (px_rig_check_run (checker, fixture.grey[0], fixture.width, fixture.width / 2,
                                    fixture.height / 2, fixture.grey[1], fixture.width,
                                    fixture.width, fixture.height, &result, &error));
  g_assert_error (error, PX_RECON_ERROR, PX_RECON_ERROR_SIZE_MISMATCH);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  /* A pair the rig does not have. */
  g_assert_null (px_rig_check_new (fixture.rig, 5, &error));
  g_assert_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT);
}

/* A rig of tiny images: too small to find anything in, and no crash. */
static void
test_tiny_images (void)
{
  g_autoptr(PxStudioRig) studio_rig = px_studio_rig_new_line (2, 0.12, 16, 16, 1.5);
  g_autoptr(PxRig) rig = px_studio_rig_to_rig (studio_rig);
  g_autoptr(GError) error = NULL;
  g_autoptr(PxRigCheck) checker = px_rig_check_new (rig, 0, &error);
  guint8 left[16 * 16], right[16 * 16];
  PxRigCheckResult result;

  g_assert_no_error (error);
  for (guint i = 0; i < sizeof left; i++)
    {
      left[i] = (guint8) (i * 37);
      right[i] = (guint8) (i * 91);
    }
  g_assert_true (px_rig_check_run (checker, left, 16, 16, 16, right, 16, 16, 16, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (result.verdict, ==, PX_RIG_CHECK_NO_TEXTURE);
  g_assert_cmpuint (result.n_matches, ==, 0);
}

static void
run_done_cb (GObject      *source,
             GAsyncResult *res,
             gpointer      user_data)
{
  PxRigCheckResult *result = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (px_rig_check_run_finish (PX_RIG_CHECK (source), res, result, &error));
  g_assert_no_error (error);
}

static void
test_async (void)
{
  g_autoptr(PxRigCheck) checker = px_rig_check_new (fixture.rig, 0, NULL);
  g_autofree guint8 *left = g_malloc ((gsize) fixture.width * 2 * fixture.height);
  PxRigCheckResult result = { .verdict = PX_RIG_CHECK_NO_MATCH, .n_features = 0 };

  /* Rows wider than the image, as camera frames have them. */
  for (guint y = 0; y < fixture.height; y++)
    memcpy (left + (gsize) y * fixture.width * 2, fixture.grey[0] + (gsize) y * fixture.width,
            fixture.width);
  px_rig_check_run_async (checker, left, fixture.width * 2, fixture.width, fixture.height,
                          fixture.grey[1], fixture.width, fixture.width, fixture.height,
                          NULL, run_done_cb, &result);
  /* The copy was taken: the caller's buffer may go at once. */
  memset (left, 0, (gsize) fixture.width * 2 * fixture.height);
  while (result.n_features == 0)
    g_main_context_iteration (NULL, TRUE);
  log_result ("async", &result);
  g_assert_cmpint (result.verdict, ==, PX_RIG_CHECK_OK);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(PxStudioRig) studio_rig = px_studio_rig_new_default ();
  g_autoptr(PxStudioPerson) person = px_studio_person_new (1.75, 1);
  int status;

  g_test_init (&argc, &argv, NULL);

  fixture.studio = px_studio_new (studio_rig, person, 1, 2);
  fixture.rig = px_studio_rig_to_rig (studio_rig);
  px_studio_render (fixture.studio, 0.5, 15);
  for (int i = 0; i < 2; i++)
    fixture.grey[i] = view_grey (px_studio_get_view (fixture.studio, i));
  fixture.width = px_studio_get_view (fixture.studio, 0)->width;
  fixture.height = px_studio_get_view (fixture.studio, 0)->height;

  g_test_add_func ("/recon/rig-check/in-order", test_in_order);
  g_test_add_func ("/recon/rig-check/swapped", test_swapped);
  g_test_add_func ("/recon/rig-check/rolled", test_rolled);
  g_test_add_func ("/recon/rig-check/shifted", test_shifted);
  g_test_add_func ("/recon/rig-check/tolerance", test_tolerance);
  g_test_add_func ("/recon/rig-check/no-texture", test_no_texture);
  g_test_add_func ("/recon/rig-check/no-match", test_no_match);
  g_test_add_func ("/recon/rig-check/wrong-size", test_wrong_size);
  g_test_add_func ("/recon/rig-check/tiny-images", test_tiny_images);
  g_test_add_func ("/recon/rig-check/async", test_async);
  status = g_test_run ();

  g_free (fixture.grey[0]);
  g_free (fixture.grey[1]);
  g_clear_object (&fixture.rig);
  g_clear_object (&fixture.studio);
  return status;
}
