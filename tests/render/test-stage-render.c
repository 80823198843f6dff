/* test-stage-render.c: the stage drawn headless with EGL and read back
 *
 * Every scene has exact geometry (px-test-scene.c), so the pictures can be
 * checked against numbers: a person's height on the glass, the pixels of a
 * gap, the smoothness of a blend. Skips when this machine has no EGL.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <epoxy/gl.h>
#include <math.h>
#include <string.h>

#include "render/px-gl-program.h"
#include "render/px-headless-context.h"
#include "render/px-stage-renderer.h"
#include "px-test-scene.h"

typedef struct
{
  PxHeadlessContext *context;
  PxStageRenderer *renderer;
  guint8 *pixels;
  int width;
  int height;
} Fixture;

static gboolean
fixture_open (Fixture       *fixture,
              PxHeadlessApi  api,
              int            width,
              int            height)
{
  g_autoptr(GError) error = NULL;

  memset (fixture, 0, sizeof *fixture);
  fixture->context = px_headless_context_new (api, width, height, &error);
  if (fixture->context == NULL)
    {
      g_autofree char *message = g_strdup_printf ("No headless %s context: %s",
                                                  api == PX_HEADLESS_API_GL ? "OpenGL" : "GLES",
                                                  error->message);
      g_test_skip (message);
      return FALSE;
    }
  g_test_message ("Context: %s", px_headless_context_get_description (fixture->context));

  fixture->renderer = px_stage_renderer_new ();
  if (!px_stage_renderer_realize (fixture->renderer, &error))
    g_error ("Renderer does not realize: %s", error->message);
  fixture->width = width;
  fixture->height = height;
  return TRUE;
}

static void
fixture_render (Fixture    *fixture,
                const char *name)
{
  g_autoptr(GError) error = NULL;
  const char *output = g_getenv ("PX_TEST_OUTPUT");

  g_assert_true (px_headless_context_set_size (fixture->context, fixture->width,
                                               fixture->height, &error));
  g_assert_true (px_stage_renderer_render (fixture->renderer, fixture->width, fixture->height,
                                           &error));
  g_assert_no_error (error);
  g_assert_cmpint (glGetError (), ==, GL_NO_ERROR);

  g_free (fixture->pixels);
  fixture->pixels = px_headless_context_read_rgba (fixture->context, NULL);

  /* Pictures to look at when a check fails. */
  if (output != NULL && name != NULL)
    {
      g_autoptr(GdkPixbuf) pixbuf = px_headless_context_read_pixbuf (fixture->context);
      g_autofree char *path = g_build_filename (output, name, NULL);

      g_mkdir_with_parents (output, 0755);
      if (!gdk_pixbuf_save (pixbuf, path, "png", &error, NULL))
        g_test_message ("Cannot save %s: %s", path, error->message);
    }
}

static void
fixture_close (Fixture *fixture)
{
  if (fixture->renderer != NULL)
    {
      px_stage_renderer_unrealize (fixture->renderer);
      g_clear_object (&fixture->renderer);
    }
  g_clear_object (&fixture->context);
  g_clear_pointer (&fixture->pixels, g_free);
}

static const guint8 *
pixel_at (Fixture *fixture,
          int      column,
          int      row)
{
  g_assert_cmpint (column, >=, 0);
  g_assert_cmpint (column, <, fixture->width);
  g_assert_cmpint (row, >=, 0);
  g_assert_cmpint (row, <, fixture->height);
  return fixture->pixels + ((gsize) row * fixture->width + column) * 4;
}

/* Rows (top first) that hold any opaque pixel. */
static gboolean
silhouette_rows (Fixture *fixture,
                 int     *top,
                 int     *bottom)
{
  *top = -1;
  *bottom = -1;
  for (int row = 0; row < fixture->height; row++)
    for (int column = 0; column < fixture->width; column++)
      if (pixel_at (fixture, column, row)[3] > 127)
        {
          if (*top < 0)
            *top = row;
          *bottom = row;
          break;
        }
  return *top >= 0;
}

/* Glass coordinates (metres, x from the centre, y from the floor) to the
 * framebuffer pixel that shows them. */
static void
glass_to_pixel (Fixture *fixture,
                double   screen_width,
                double   screen_height,
                double   x,
                double   y,
                int     *column,
                int     *row)
{
  *column = (int) floor ((x + screen_width / 2) / screen_width * fixture->width);
  *row = (int) floor ((screen_height - y) / screen_height * fixture->height);
}

typedef struct
{
  const char *name;
  double width_m;
  double height_m;
  int width_px;
  int height_px;
  double viewer_m;
} Screen;

static const Screen screens[] = {
  { "wall-3.2m-1080p", 3.2, 1.8, 1920, 1080, 2.5 },
  { "projector-2.4m-1024", 2.4, 1.8, 1024, 768, 3.0 },
  { "portrait-tv-55in", 0.685, 1.218, 540, 960, 1.5 },
  { "monitor-27in-1440p", 0.597, 0.336, 1280, 720, 0.6 },
  { "laptop-14in", 0.31, 0.174, 960, 540, 0.5 },
};

static void
check_life_size (PxHeadlessApi api)
{
  const double person_height = 1.75;
  g_autoptr(PxParticipant) person = NULL;

  person = px_test_billboard_person (person_height, PX_COLOR_FORMAT_I420, 0.0);

  for (gsize i = 0; i < G_N_ELEMENTS (screens); i++)
    {
      const Screen *screen = &screens[i];
      Fixture fixture;
      g_autofree char *name = NULL;
      double pixels_per_metre = screen->height_px / screen->height_m;
      double scale, expected;
      int top, bottom, measured;

      if (!fixture_open (&fixture, api, screen->width_px, screen->height_px))
        return;

      px_stage_renderer_set_screen (fixture.renderer, screen->width_m, screen->height_m);
      px_stage_renderer_set_viewer (fixture.renderer, 0.0, 0.0, screen->viewer_m);
      px_stage_renderer_set_transparent (fixture.renderer, TRUE);
      px_stage_renderer_add_participant (fixture.renderer, person);
      name = g_strdup_printf ("life-size-%s-%s.png", api == PX_HEADLESS_API_GL ? "gl" : "gles",
                              screen->name);
      fixture_render (&fixture, name);

      scale = px_stage_renderer_get_scale (fixture.renderer);
      g_assert_true (silhouette_rows (&fixture, &top, &bottom));
      measured = bottom - top + 1;
      expected = person_height * scale * pixels_per_metre;
      g_test_message ("%s: scale %.3f, silhouette %d px, expected %.1f px",
                      screen->name, scale, measured, expected);

      if (screen->height_m >= person_height)
        {
          g_assert_cmpfloat (scale, ==, 1.0);
          g_assert_true (px_stage_renderer_get_life_size (fixture.renderer));
        }
      else
        {
          /* Too small: shrunk so the head is just on the screen. */
          g_assert_false (px_stage_renderer_get_life_size (fixture.renderer));
          g_assert_cmpfloat_with_epsilon (scale, screen->height_m / person_height, 0.02);
        }
      g_assert_cmpfloat (fabs (measured - expected), <=, 0.02 * expected);

      /* The person stands on the floor: the bottom of the glass. */
      g_assert_cmpint (bottom, >=, screen->height_px - 1 - MAX (2, screen->height_px / 100));

      fixture_close (&fixture);
    }
}

static void
test_life_size_gl (void)
{
  check_life_size (PX_HEADLESS_API_GL);
}

static void
test_life_size_gles (void)
{
  check_life_size (PX_HEADLESS_API_GLES);
}

/* Two people side by side on a wall: both life-size, apart; the same two
 * on a monitor: shrunk together, in proportion. */
static void
test_side_by_side (void)
{
  g_autoptr(PxParticipant) tall = px_test_billboard_person (1.9, PX_COLOR_FORMAT_RGBA, 0.0);
  g_autoptr(PxParticipant) short_one = px_test_billboard_person (1.5, PX_COLOR_FORMAT_I420, 0.0);
  Fixture fixture;
  int top, bottom;
  int tall_top = -1, short_top = -1;

  if (!fixture_open (&fixture, PX_HEADLESS_API_GL, 1600, 1000))
    return;

  px_stage_renderer_set_screen (fixture.renderer, 3.2, 2.0);
  px_stage_renderer_set_viewer (fixture.renderer, 0.0, 0.0, 2.5);
  px_stage_renderer_set_transparent (fixture.renderer, TRUE);
  px_stage_renderer_add_participant (fixture.renderer, tall);
  px_stage_renderer_add_participant (fixture.renderer, short_one);
  g_assert_cmpuint (px_stage_renderer_get_n_participants (fixture.renderer), ==, 2);
  fixture_render (&fixture, "side-by-side-wall.png");
  g_assert_true (px_stage_renderer_get_life_size (fixture.renderer));
  g_assert_true (silhouette_rows (&fixture, &top, &bottom));

  /* The tall one stands on the left, the short one on the right. */
  for (int row = 0; row < fixture.height && (tall_top < 0 || short_top < 0); row++)
    for (int column = 0; column < fixture.width; column++)
      if (pixel_at (&fixture, column, row)[3] > 127)
        {
          if (column < fixture.width / 2 && tall_top < 0)
            tall_top = row;
          if (column >= fixture.width / 2 && short_top < 0)
            short_top = row;
        }
  g_assert_cmpint (tall_top, >=, 0);
  g_assert_cmpint (short_top, >=, 0);
  /* 1.9 m and 1.5 m at 500 px per metre. */
  g_assert_cmpfloat (fabs ((fixture.height - tall_top) - 1.9 * 500), <=, 0.02 * 1.9 * 500);
  g_assert_cmpfloat (fabs ((fixture.height - short_top) - 1.5 * 500), <=, 0.02 * 1.5 * 500);
  /* Nobody in the middle: they stand apart. */
  g_assert_cmpint (pixel_at (&fixture, fixture.width / 2, fixture.height - 200)[3], ==, 0);

  px_stage_renderer_set_screen (fixture.renderer, 0.597, 0.336);
  px_stage_renderer_set_viewer (fixture.renderer, 0.0, 0.0, 0.6);
  fixture_render (&fixture, "side-by-side-monitor.png");
  g_assert_false (px_stage_renderer_get_life_size (fixture.renderer));
  g_assert_true (silhouette_rows (&fixture, &top, &bottom));
  /* The taller one decides: 0.336 / 1.9 of life-size. */
  g_assert_cmpfloat_with_epsilon (px_stage_renderer_get_scale (fixture.renderer),
                                  0.336 / 1.9, 0.01);

  fixture_close (&fixture);
}

/* A near plane on the right (z = 0) and a far one on the left (z = -1 m),
 * adjacent in the camera's image. Seen from the left of the camera, the
 * glass between them shows what no camera saw: it must stay empty, not a
 * rubber sheet stretched from the near edge to the far one. */
static void
test_no_rubber_sheet (void)
{
  const PxTestRect rects[] = {
    { .z = 0.0, .min_x = 0.0, .max_x = 0.8, .min_y = 0.2, .max_y = 1.8, .rgb = { 220, 60, 60 } },
    { .z = -1.0, .min_x = -2.0, .max_x = 0.0, .min_y = 0.2, .max_y = 1.8, .rgb = { 60, 60, 220 } },
  };
  const PxTestScene scene = { .rects = rects, .n_rects = G_N_ELEMENTS (rects) };
  const double camera_eye[3] = { 0.0, 1.0, 3.0 };
  const double target[3] = { 0.0, 1.0, 0.0 };
  const double volume_min[3] = { -1.0, 0.0, -1.0 };
  const double volume_max[3] = { 1.0, 2.0, 1.0 };
  const double screen_width = 3.0, screen_height = 2.25;
  g_autoptr(PxParticipant) participant = px_participant_new (PX_PARTICIPANT_VOLUMETRIC, "step");
  g_autoptr(GError) error = NULL;
  PxCameraModel camera;
  PxTestView view;
  Fixture fixture;
  int row, column, hole_from, hole_to;

  px_test_camera_init (&camera, 640, 480, 500.0, camera_eye, target);
  px_test_view_render (&view, &scene, &camera, PX_COLOR_FORMAT_RGBA, 2);
  px_participant_set_capture_volume (participant, volume_min, volume_max);
  g_assert_true (px_participant_set_views (participant, &view.view, 1, &error));
  g_assert_no_error (error);
  px_test_view_clear (&view);

  if (!fixture_open (&fixture, PX_HEADLESS_API_GL, 1200, 900))
    return;

  px_stage_renderer_set_screen (fixture.renderer, screen_width, screen_height);
  /* The eye 1.5 m left of the camera, at its height (1 m above the floor). */
  px_stage_renderer_set_viewer (fixture.renderer, -1.5, 1.0 - screen_height / 2, 3.0);
  px_stage_renderer_set_transparent (fixture.renderer, TRUE);
  px_stage_renderer_add_participant (fixture.renderer, participant);
  fixture_render (&fixture, "no-rubber-sheet.png");
  g_assert_true (px_stage_renderer_get_life_size (fixture.renderer));

  /* The near plane's left edge is on the glass at x = 0; the far plane's
   * right edge (x = 0, z = -1) appears at x = -0.375 from this eye. */
  glass_to_pixel (&fixture, screen_width, screen_height, 0.4, 1.0, &column, &row);
  g_assert_cmpint (pixel_at (&fixture, column, row)[3], ==, 255);
  g_assert_cmpint (pixel_at (&fixture, column, row)[0], >, 150);
  glass_to_pixel (&fixture, screen_width, screen_height, -0.8, 1.0, &column, &row);
  g_assert_cmpint (pixel_at (&fixture, column, row)[3], ==, 255);
  g_assert_cmpint (pixel_at (&fixture, column, row)[2], >, 150);

  glass_to_pixel (&fixture, screen_width, screen_height, -0.375 + 0.03, 1.0, &hole_from, &row);
  glass_to_pixel (&fixture, screen_width, screen_height, -0.03, 1.0, &hole_to, &row);
  for (int r = row - 100; r <= row + 100; r += 10)
    for (int c = hole_from; c <= hole_to; c++)
      if (pixel_at (&fixture, c, r)[3] != 0)
        g_error ("Pixel (%d, %d) in the disocclusion gap is covered", c, r);

  fixture_close (&fixture);
}

/* A plane whose depth map has an empty band (0, NaN or infinity, as a
 * decoder or a matcher may leave it): the band stays empty on the stage. */
static void
check_empty_band (float       value,
                  const char *picture)
{
  const PxTestRect rect = {
    .z = 0.0, .min_x = -0.6, .max_x = 0.6, .min_y = 0.2, .max_y = 1.6, .rgb = { 90, 200, 90 },
  };
  const PxTestScene scene = {
    .rects = &rect, .n_rects = 1, .gap_min_x = -0.1, .gap_max_x = 0.1, .gap_value = value,
  };
  const double camera_eye[3] = { 0.3, 1.0, 3.0 };
  const double target[3] = { 0.0, 0.9, 0.0 };
  const double screen_width = 2.0, screen_height = 2.0;
  g_autoptr(PxParticipant) participant = px_participant_new (PX_PARTICIPANT_VOLUMETRIC, "band");
  g_autoptr(GError) error = NULL;
  PxCameraModel camera;
  PxTestView view;
  Fixture fixture;
  int column, row, from, to;
  double height;

  px_test_camera_init (&camera, 640, 480, 600.0, camera_eye, target);
  px_test_view_render (&view, &scene, &camera, PX_COLOR_FORMAT_I420, 4);
  g_assert_true (px_participant_set_views (participant, &view.view, 1, &error));
  px_test_view_clear (&view);
  g_assert_true (px_participant_get_height (participant, &height));
  g_assert_cmpfloat_with_epsilon (height, 1.6, 0.02);

  if (!fixture_open (&fixture, PX_HEADLESS_API_GL, 800, 800))
    return;

  px_stage_renderer_set_screen (fixture.renderer, screen_width, screen_height);
  px_stage_renderer_set_viewer (fixture.renderer, 0.0, 0.0, 2.0);
  px_stage_renderer_set_transparent (fixture.renderer, TRUE);
  px_stage_renderer_add_participant (fixture.renderer, participant);
  fixture_render (&fixture, picture);

  /* The plane is centred on the stage as it was in the rig (its extent is
   * symmetric), so rig x is glass x. */
  glass_to_pixel (&fixture, screen_width, screen_height, -0.4, 0.9, &column, &row);
  g_assert_cmpint (pixel_at (&fixture, column, row)[3], ==, 255);
  g_assert_cmpint (pixel_at (&fixture, column, row)[1], >, 150);
  glass_to_pixel (&fixture, screen_width, screen_height, 0.4, 0.9, &column, &row);
  g_assert_cmpint (pixel_at (&fixture, column, row)[3], ==, 255);

  glass_to_pixel (&fixture, screen_width, screen_height, -0.1 + 0.03, 0.9, &from, &row);
  glass_to_pixel (&fixture, screen_width, screen_height, 0.1 - 0.03, 0.9, &to, &row);
  for (int r = row - 200; r <= row + 200; r += 8)
    for (int c = from; c <= to; c++)
      if (pixel_at (&fixture, c, r)[3] != 0)
        g_error ("Pixel (%d, %d) in the empty band is covered", c, r);

  fixture_close (&fixture);
}

static void
test_empty_band (void)
{
  check_empty_band (0.0f, "empty-band-zero.png");
  check_empty_band (NAN, "empty-band-nan.png");
  check_empty_band (INFINITY, "empty-band-inf.png");
}

/* One surface seen by two cameras that disagree on brightness (100 and
 * 180), the second covering only part of it. Where the coverage ends and
 * across the surface the blend must change gradually: no seam. */
static void
test_blend_without_seams (void)
{
  const PxTestRect dark = {
    .z = 0.0, .min_x = -1.0, .max_x = 1.0, .min_y = 0.2, .max_y = 1.8, .rgb = { 100, 100, 100 },
  };
  const PxTestRect bright = {
    .z = 0.0, .min_x = -1.0, .max_x = 1.0, .min_y = 0.2, .max_y = 1.8, .rgb = { 180, 180, 180 },
  };
  const PxTestScene dark_scene = { .rects = &dark, .n_rects = 1 };
  const PxTestScene bright_scene = { .rects = &bright, .n_rects = 1 };
  const double eye_a[3] = { -0.8, 1.0, 3.0 }, target_a[3] = { 0.0, 1.0, 0.0 };
  const double eye_b[3] = { 0.8, 1.0, 3.0 }, target_b[3] = { 0.5, 1.0, 0.0 };
  const double screen_width = 3.0, screen_height = 2.25;
  g_autoptr(PxParticipant) participant = px_participant_new (PX_PARTICIPANT_VOLUMETRIC, "two");
  g_autoptr(GError) error = NULL;
  PxTestView views[2];
  PxParticipantView both[2];
  PxCameraModel camera_a, camera_b;
  Fixture fixture;
  int from, to, row, worst = 0, lowest = 255, highest = 0;

  px_test_camera_init (&camera_a, 640, 480, 600.0, eye_a, target_a);
  px_test_camera_init (&camera_b, 640, 480, 900.0, eye_b, target_b);
  px_test_view_render (&views[0], &dark_scene, &camera_a, PX_COLOR_FORMAT_I420, 2);
  px_test_view_render (&views[1], &bright_scene, &camera_b, PX_COLOR_FORMAT_I420, 2);
  both[0] = views[0].view;
  both[1] = views[1].view;
  g_assert_true (px_participant_set_views (participant, both, 2, &error));
  g_assert_no_error (error);
  px_test_view_clear (&views[0]);
  px_test_view_clear (&views[1]);

  if (!fixture_open (&fixture, PX_HEADLESS_API_GL, 1200, 900))
    return;

  px_stage_renderer_set_screen (fixture.renderer, screen_width, screen_height);
  px_stage_renderer_set_viewer (fixture.renderer, 0.0, 1.0 - screen_height / 2, 3.0);
  px_stage_renderer_set_transparent (fixture.renderer, TRUE);
  px_stage_renderer_add_participant (fixture.renderer, participant);
  fixture_render (&fixture, "blend-two-views.png");

  /* Along a row across the surface, inside its edges. */
  glass_to_pixel (&fixture, screen_width, screen_height, -0.95, 1.0, &from, &row);
  glass_to_pixel (&fixture, screen_width, screen_height, 0.95, 1.0, &to, &row);
  for (int r = row - 150; r <= row + 150; r += 50)
    for (int c = from; c < to; c++)
      {
        const guint8 *here = pixel_at (&fixture, c, r);
        const guint8 *next = pixel_at (&fixture, c + 1, r);

        g_assert_cmpint (here[3], ==, 255);
        worst = MAX (worst, ABS ((int) here[1] - (int) next[1]));
        lowest = MIN (lowest, here[1]);
        highest = MAX (highest, here[1]);
      }
  g_test_message ("Blend from %d to %d, largest step between neighbours %d", lowest, highest,
                  worst);

  /* Only the first camera sees the far left; both see the rest. */
  g_assert_cmpint (lowest, <=, 104);
  g_assert_cmpint (highest, >, 130);
  g_assert_cmpint (worst, <=, 4);

  fixture_close (&fixture);
}

/* I420 from a camera is BT.601 limited range: pure colours come back. */
static void
test_flat_panel_colour (void)
{
  static const guint8 colours[][3] = {
    { 255, 0, 0 }, { 0, 255, 0 }, { 0, 0, 255 }, { 128, 128, 128 }, { 235, 200, 30 },
  };
  g_autoptr(PxParticipant) panel = px_participant_new (PX_PARTICIPANT_FLAT, "webcam");
  Fixture fixture;
  int top, bottom;

  if (!fixture_open (&fixture, PX_HEADLESS_API_GL, 600, 600))
    return;

  px_stage_renderer_set_screen (fixture.renderer, 2.0, 2.0);
  px_stage_renderer_set_viewer (fixture.renderer, 0.0, 0.0, 2.0);
  px_stage_renderer_set_transparent (fixture.renderer, TRUE);
  px_stage_renderer_add_participant (fixture.renderer, panel);

  for (gsize i = 0; i < G_N_ELEMENTS (colours); i++)
    {
      g_autoptr(GError) error = NULL;
      guint8 yuv[3];
      guint8 planes[64 * 48 + 2 * 32 * 24];
      PxColorFrame frame = {
        .format = PX_COLOR_FORMAT_I420, .width = 64, .height = 48,
        .planes = { planes, planes + 64 * 48, planes + 64 * 48 + 32 * 24 },
        .strides = { 64, 32, 32 },
      };
      const guint8 *centre;

      px_test_rgb_to_yuv (colours[i], yuv);
      memset (planes, yuv[0], 64 * 48);
      memset (planes + 64 * 48, yuv[1], 32 * 24);
      memset (planes + 64 * 48 + 32 * 24, yuv[2], 32 * 24);
      g_assert_true (px_participant_set_flat_frame (panel, &frame, 1.5, &error));
      g_assert_no_error (error);
      g_assert_true (px_stage_renderer_has_new_frames (fixture.renderer));

      fixture_render (&fixture, "flat-panel.png");
      g_assert_false (px_stage_renderer_has_new_frames (fixture.renderer));
      centre = pixel_at (&fixture, 300, 300);
      for (int c = 0; c < 3; c++)
        g_assert_cmpint (ABS ((int) centre[c] - (int) colours[i][c]), <=, 3);
    }

  /* A 1.5 m panel on a 2 m screen at 300 px per metre. */
  g_assert_true (silhouette_rows (&fixture, &top, &bottom));
  g_assert_cmpint (ABS ((bottom - top + 1) - 450), <=, 9);

  fixture_close (&fixture);
}

/* Frames of one size reuse their textures; a new size allocates anew. */
/* Every plane of an I420 frame is read with its own stride, and U and V
 * stay apart: four quadrants of four colours come back where they were. */
static void
test_i420_layout (void)
{
  static const guint8 colours[4][3] = {
    { 230, 30, 30 }, { 30, 200, 40 }, { 40, 60, 220 }, { 240, 220, 40 },
  };
  g_autoptr(PxParticipant) panel = px_participant_new (PX_PARTICIPANT_FLAT, "webcam");
  g_autoptr(GError) error = NULL;
  const int width = 64, height = 48, strides[3] = { 80, 40, 48 };
  g_autofree guint8 *y_plane = g_malloc ((gsize) strides[0] * height);
  g_autofree guint8 *u_plane = g_malloc ((gsize) strides[1] * height / 2);
  g_autofree guint8 *v_plane = g_malloc ((gsize) strides[2] * height / 2);
  PxColorFrame frame = {
    .format = PX_COLOR_FORMAT_I420, .width = width, .height = height,
    .planes = { y_plane, u_plane, v_plane },
    .strides = { strides[0], strides[1], strides[2] },
  };
  Fixture fixture;

  /* The padding past each row's end is junk that must not show. */
  memset (y_plane, 255, (gsize) strides[0] * height);
  memset (u_plane, 0, (gsize) strides[1] * height / 2);
  memset (v_plane, 255, (gsize) strides[2] * height / 2);
  for (int row = 0; row < height; row++)
    for (int column = 0; column < width; column++)
      {
        int quadrant = (row >= height / 2) * 2 + (column >= width / 2);
        guint8 yuv[3];

        px_test_rgb_to_yuv (colours[quadrant], yuv);
        y_plane[row * strides[0] + column] = yuv[0];
        if (row % 2 == 0 && column % 2 == 0)
          {
            u_plane[row / 2 * strides[1] + column / 2] = yuv[1];
            v_plane[row / 2 * strides[2] + column / 2] = yuv[2];
          }
      }

  if (!fixture_open (&fixture, PX_HEADLESS_API_GLES, 400, 400))
    return;
  px_stage_renderer_set_screen (fixture.renderer, 2.0, 2.0);
  px_stage_renderer_set_viewer (fixture.renderer, 0.0, 0.0, 2.0);
  px_stage_renderer_set_transparent (fixture.renderer, TRUE);
  px_stage_renderer_add_participant (fixture.renderer, panel);
  g_assert_true (px_participant_set_flat_frame (panel, &frame, 1.5, &error));
  g_assert_no_error (error);
  fixture_render (&fixture, "i420-layout.png");

  /* The panel is 2 m wide and 1.5 m tall, standing on the floor; row 0
   * of the frame is its top. */
  for (int quadrant = 0; quadrant < 4; quadrant++)
    {
      double x = quadrant % 2 == 0 ? -0.5 : 0.5;
      double y = quadrant < 2 ? 1.125 : 0.375;
      int column, row;
      const guint8 *pixel;

      glass_to_pixel (&fixture, 2.0, 2.0, x, y, &column, &row);
      pixel = pixel_at (&fixture, column, row);
      for (int c = 0; c < 3; c++)
        g_assert_cmpint (ABS ((int) pixel[c] - (int) colours[quadrant][c]), <=, 4);
    }

  fixture_close (&fixture);
}

static void
test_texture_reuse (void)
{
  g_autoptr(PxParticipant) panel = px_participant_new (PX_PARTICIPANT_FLAT, "webcam");
  PxStageRendererStats stats;
  Fixture fixture;
  guint64 allocated = 0;

  if (!fixture_open (&fixture, PX_HEADLESS_API_GL, 320, 240))
    return;
  px_stage_renderer_add_participant (fixture.renderer, panel);

  for (int size = 0; size < 2; size++)
    {
      int width = size == 0 ? 64 : 128, height = size == 0 ? 48 : 96;
      g_autofree guint8 *rgba = g_malloc0 ((gsize) width * height * 4);

      for (int i = 0; i < 5; i++)
        {
          PxColorFrame frame = {
            .format = PX_COLOR_FORMAT_RGBA, .width = width, .height = height,
            .planes = { rgba }, .strides = { width * 4 },
          };

          memset (rgba, 40 * i, (gsize) width * height * 4);
          g_assert_true (px_participant_set_flat_frame (panel, &frame, 1.0, NULL));
          fixture_render (&fixture, NULL);
          px_stage_renderer_get_stats (fixture.renderer, &stats);
          if (i == 0)
            allocated = stats.textures_allocated;
          g_assert_cmpuint (stats.textures_allocated, ==, allocated);
        }
      g_assert_cmpuint (allocated, ==, size + 1);
    }

  px_stage_renderer_get_stats (fixture.renderer, &stats);
  g_assert_cmpuint (stats.frames_uploaded, ==, 10);
  g_assert_cmpuint (stats.frames_rendered, ==, 10);
  g_assert_cmpuint (stats.bytes_uploaded, ==, 5 * 64 * 48 * 4 + 5 * 128 * 96 * 4);

  /* Unrealize, realize again: everything comes back. */
  px_stage_renderer_unrealize (fixture.renderer);
  g_assert_false (px_stage_renderer_get_realized (fixture.renderer));
  g_assert_true (px_stage_renderer_realize (fixture.renderer, NULL));
  fixture_render (&fixture, NULL);
  px_stage_renderer_get_stats (fixture.renderer, &stats);
  g_assert_cmpuint (stats.frames_uploaded, ==, 11);

  /* Removed participants leave the stage empty. */
  px_stage_renderer_remove_participant (fixture.renderer, panel);
  px_stage_renderer_set_transparent (fixture.renderer, TRUE);
  fixture_render (&fixture, NULL);
  g_assert_cmpint (pixel_at (&fixture, 160, 120)[3], ==, 0);

  fixture_close (&fixture);
}

/* Every shader compiles and links in both flavours. */
static void
check_shaders (PxHeadlessApi api)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PxHeadlessContext) context = px_headless_context_new (api, 16, 16, &error);
  const char *pairs[][2] = {
    { "view.vert", "view.frag" }, { "panel.vert", "panel.frag" }, { "room.vert", "room.frag" },
  };
  g_auto(GStrv) shaders = px_gl_program_list_shaders ();

  if (context == NULL)
    {
      g_test_skip (error->message);
      return;
    }
  g_assert_cmpint (px_gl_flavor_of_current_context (), ==,
                   api == PX_HEADLESS_API_GL ? PX_GL_FLAVOR_GL33 : PX_GL_FLAVOR_GLES30);
  g_assert_cmpuint (g_strv_length (shaders), ==, 7);

  for (gsize i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      /* The view program is built once per number of views. */
      for (int views = 1; views <= PX_PARTICIPANT_MAX_VIEWS; views++)
        {
          g_autofree char *defines = g_strdup_printf ("#define PX_VIEWS %d\n", views);
          GLuint program = px_gl_program_new (px_gl_flavor_of_current_context (),
                                              pairs[i][0], pairs[i][1], defines, &error);

          g_assert_no_error (error);
          g_assert_cmpuint (program, !=, 0);
          glDeleteProgram (program);
        }
    }

  /* A missing shader is an error, not a crash. */
  g_assert_cmpuint (px_gl_program_new (px_gl_flavor_of_current_context (),
                                       "missing.vert", "view.frag", NULL, &error), ==, 0);
  g_assert_nonnull (error);
}

static void
test_shaders_gl (void)
{
  check_shaders (PX_HEADLESS_API_GL);
}

static void
test_shaders_gles (void)
{
  check_shaders (PX_HEADLESS_API_GLES);
}

/* The room behind the people is drawn, and the self-view is in its corner. */
static void
test_room_and_self_view (void)
{
  g_autoptr(PxParticipant) person = px_test_billboard_person (1.75, PX_COLOR_FORMAT_RGBA, 0.0);
  g_autoptr(PxParticipant) self_view = px_participant_new (PX_PARTICIPANT_FLAT, "me");
  g_autofree guint8 *rgba = g_malloc ((gsize) 64 * 48 * 4);
  PxColorFrame frame = {
    .format = PX_COLOR_FORMAT_RGBA, .width = 64, .height = 48,
    .planes = { rgba }, .strides = { 64 * 4 },
  };
  Fixture fixture;
  const guint8 *corner, *floor_pixel, *wall;

  for (gsize i = 0; i < 64 * 48; i++)
    {
      rgba[i * 4 + 0] = 30;
      rgba[i * 4 + 1] = 220;
      rgba[i * 4 + 2] = 240;
      rgba[i * 4 + 3] = 255;
    }
  g_assert_true (px_participant_set_flat_frame (self_view, &frame, 1.0, NULL));

  if (!fixture_open (&fixture, PX_HEADLESS_API_GL, 1000, 600))
    return;
  px_stage_renderer_set_screen (fixture.renderer, 3.0, 1.8);
  px_stage_renderer_set_viewer (fixture.renderer, 0.0, 0.0, 2.5);
  px_stage_renderer_add_participant (fixture.renderer, person);
  px_stage_renderer_set_self_view (fixture.renderer, self_view);
  fixture_render (&fixture, "room-and-self-view.png");

  /* Opaque everywhere; the self-view fills the bottom right corner. */
  corner = pixel_at (&fixture, fixture.width - 16 - 100, fixture.height - 16 - 30);
  g_assert_cmpint (corner[0], <, 60);
  g_assert_cmpint (corner[1], >, 200);
  floor_pixel = pixel_at (&fixture, 100, fixture.height - 20);
  wall = pixel_at (&fixture, 100, 100);
  g_assert_cmpint (floor_pixel[3], ==, 255);
  g_assert_cmpint (wall[3], ==, 255);
  /* Neither black nor the person: a dim room. */
  g_assert_cmpint (floor_pixel[0] + floor_pixel[1] + floor_pixel[2], >, 3 * 15);
  g_assert_cmpint (floor_pixel[0] + floor_pixel[1] + floor_pixel[2], <, 3 * 90);
  g_assert_cmpint (wall[0] + wall[1] + wall[2], >, 3 * 15);
  g_assert_cmpint (wall[0] + wall[1] + wall[2], <, 3 * 90);

  fixture_close (&fixture);
}

/* A room that stays the same is drawn once and then copied: the
 * pictures are the same to the byte, and a moving viewer gets a new room. */
static void
check_room_cache (PxHeadlessApi api)
{
  g_autoptr(PxParticipant) person = px_test_billboard_person (1.75, PX_COLOR_FORMAT_I420, 0.0);
  g_autofree guint8 *first = NULL;
  g_autofree guint8 *moved = NULL;
  PxStageRendererStats before, after;
  gsize size;
  Fixture fixture;

  if (!fixture_open (&fixture, api, 320, 240))
    return;
  size = (gsize) fixture.width * fixture.height * 4;
  px_stage_renderer_set_screen (fixture.renderer, 1.2, 0.9);
  px_stage_renderer_set_viewer (fixture.renderer, 0.0, 0.0, 1.5);
  px_stage_renderer_add_participant (fixture.renderer, person);

  fixture_render (&fixture, "room-cache-first.png");
  first = g_memdup2 (fixture.pixels, size);
  px_stage_renderer_get_stats (fixture.renderer, &before);
  for (int i = 0; i < 4; i++)
    {
      fixture_render (&fixture, NULL);
      g_assert_cmpmem (fixture.pixels, size, first, size);
    }
  px_stage_renderer_get_stats (fixture.renderer, &after);
  g_assert_cmpuint (after.rooms_copied - before.rooms_copied, >=, 3);
  g_assert_cmpuint (after.rooms_drawn - before.rooms_drawn, <=, 1);

  /* The viewer moves: a new room, drawn, then cached again. */
  px_stage_renderer_set_viewer (fixture.renderer, 0.3, 0.1, 1.2);
  fixture_render (&fixture, NULL);
  moved = g_memdup2 (fixture.pixels, size);
  g_assert_true (memcmp (moved, first, size) != 0);
  before = after;
  for (int i = 0; i < 3; i++)
    {
      fixture_render (&fixture, NULL);
      g_assert_cmpmem (fixture.pixels, size, moved, size);
    }
  px_stage_renderer_get_stats (fixture.renderer, &after);
  g_assert_cmpuint (after.rooms_drawn - before.rooms_drawn, >=, 2);
  g_assert_cmpuint (after.rooms_copied - before.rooms_copied, >=, 1);

  /* A new size reallocates the copy, and the room is still whole. */
  fixture.width = 200;
  fixture.height = 150;
  for (int i = 0; i < 3; i++)
    fixture_render (&fixture, NULL);
  g_assert_cmpint (pixel_at (&fixture, 5, 5)[3], ==, 255);
  g_assert_cmpint (pixel_at (&fixture, 5, 145)[3], ==, 255);

  fixture_close (&fixture);
}

/* The framebuffer a GtkGLArea draws into: a colour texture and a packed
 * depth and stencil buffer. The room's copy matches it. */
static void
test_room_cache_depth_stencil (void)
{
  g_autoptr(PxParticipant) person = px_test_billboard_person (1.75, PX_COLOR_FORMAT_I420, 0.0);
  const int width = 240, height = 180;
  gsize size = (gsize) width * height * 4;
  g_autofree guint8 *first = g_malloc (size);
  g_autofree guint8 *pixels = g_malloc (size);
  PxStageRendererStats before, after;
  GLuint framebuffer, color, depth_stencil;
  Fixture fixture;

  if (!fixture_open (&fixture, PX_HEADLESS_API_GL, width, height))
    return;
  px_stage_renderer_set_screen (fixture.renderer, 1.2, 0.9);
  px_stage_renderer_set_viewer (fixture.renderer, 0.0, 0.0, 1.5);
  px_stage_renderer_add_participant (fixture.renderer, person);

  glGenFramebuffers (1, &framebuffer);
  glGenTextures (1, &color);
  glGenRenderbuffers (1, &depth_stencil);
  glBindTexture (GL_TEXTURE_2D, color);
  glTexImage2D (GL_TEXTURE_2D, 0, GL_RGBA8, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, NULL);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glBindTexture (GL_TEXTURE_2D, 0);
  glBindRenderbuffer (GL_RENDERBUFFER, depth_stencil);
  glRenderbufferStorage (GL_RENDERBUFFER, GL_DEPTH24_STENCIL8, width, height);
  glBindRenderbuffer (GL_RENDERBUFFER, 0);
  glBindFramebuffer (GL_FRAMEBUFFER, framebuffer);
  glFramebufferTexture2D (GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, color, 0);
  glFramebufferRenderbuffer (GL_FRAMEBUFFER, GL_DEPTH_STENCIL_ATTACHMENT, GL_RENDERBUFFER,
                             depth_stencil);
  g_assert_cmpint (glCheckFramebufferStatus (GL_FRAMEBUFFER), ==, GL_FRAMEBUFFER_COMPLETE);

  px_stage_renderer_get_stats (fixture.renderer, &before);
  glPixelStorei (GL_PACK_ALIGNMENT, 1);
  for (int i = 0; i < 4; i++)
    {
      g_assert_true (px_stage_renderer_render (fixture.renderer, width, height, NULL));
      g_assert_cmpint (glGetError (), ==, GL_NO_ERROR);
      glReadPixels (0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, i == 0 ? first : pixels);
      if (i > 0)
        g_assert_cmpmem (pixels, size, first, size);
    }
  px_stage_renderer_get_stats (fixture.renderer, &after);
  g_assert_cmpuint (after.rooms_copied - before.rooms_copied, >=, 2);

  /* Drawn into that framebuffer or the context's own: the same picture. */
  glBindFramebuffer (GL_FRAMEBUFFER, 0);
  glDeleteFramebuffers (1, &framebuffer);
  glDeleteTextures (1, &color);
  glDeleteRenderbuffers (1, &depth_stencil);
  g_assert_true (px_headless_context_make_current (fixture.context, NULL));
  fixture_render (&fixture, NULL);
  for (int row = 0; row < height; row++)
    g_assert_cmpmem (fixture.pixels + (gsize) row * width * 4, (gsize) width * 4,
                     first + (gsize) (height - 1 - row) * width * 4, (gsize) width * 4);

  fixture_close (&fixture);
}

static void
test_room_cache_gl (void)
{
  check_room_cache (PX_HEADLESS_API_GL);
}

static void
test_room_cache_gles (void)
{
  check_room_cache (PX_HEADLESS_API_GLES);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/render/shaders/gl", test_shaders_gl);
  g_test_add_func ("/render/shaders/gles", test_shaders_gles);
  g_test_add_func ("/render/life-size/gl", test_life_size_gl);
  g_test_add_func ("/render/life-size/gles", test_life_size_gles);
  g_test_add_func ("/render/life-size/side-by-side", test_side_by_side);
  g_test_add_func ("/render/discontinuity/no-rubber-sheet", test_no_rubber_sheet);
  g_test_add_func ("/render/discontinuity/empty-band", test_empty_band);
  g_test_add_func ("/render/blend/no-seams", test_blend_without_seams);
  g_test_add_func ("/render/colour/flat-panel", test_flat_panel_colour);
  g_test_add_func ("/render/colour/i420-layout", test_i420_layout);
  g_test_add_func ("/render/textures/reuse", test_texture_reuse);
  g_test_add_func ("/render/room-and-self-view", test_room_and_self_view);
  g_test_add_func ("/render/room/cache/gl", test_room_cache_gl);
  g_test_add_func ("/render/room/cache/gles", test_room_cache_gles);
  g_test_add_func ("/render/room/cache/depth-stencil", test_room_cache_depth_stencil);

  return g_test_run ();
}
