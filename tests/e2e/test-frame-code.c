/* test-frame-code.c: the frame code drawn by the studio and read back
 *
 * The studio draws a frame's number on the person's chest; the reader
 * finds it in the camera's picture, and in the stage a receiver renders
 * after the whole picture path (VP8 both ways, stereo reconstruction,
 * depth-displaced mesh drawn headless with EGL). A damaged card reads as
 * nothing. The render test skips when this machine has no EGL.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "media/px-video-decoder.h"
#include "media/px-video-encoder.h"
#include "recon/px-pair-reconstructor.h"
#include "render/px-headless-context.h"
#include "render/px-stage-renderer.h"
#include "studio/px-frame-code.h"
#include "studio/px-studio.h"

#define FPS 30
#define RENDER_WIDTH 640
#define RENDER_HEIGHT 480

static PxStudio *
new_studio (void)
{
  g_autoptr(PxStudioRig) rig = px_studio_rig_new_default ();
  g_autoptr(PxStudioPerson) person = px_studio_person_new (1.75, 7);

  return px_studio_new (rig, person, 11, 0);
}

static void
render_frame (PxStudio *studio,
              guint     n)
{
  px_studio_render (studio, (double) n / FPS, n);
  px_frame_code_paint_studio (studio, (double) n / FPS, n);
}

static void
test_frame_code_camera (void)
{
  g_autoptr(PxStudio) studio = new_studio ();
  PxFrameCodeHint hint = { 0 };
  static const guint frames[] = { 0, 1, 29, 30, 255, 1000, 4097, 65535, 65536 + 12 };

  for (guint i = 0; i < G_N_ELEMENTS (frames); i++)
    {
      const PxStudioView *view;
      guint value = G_MAXUINT;

      render_frame (studio, frames[i]);
      for (guint camera = 0; camera < 2; camera++)
        {
          view = px_studio_get_view (studio, camera);
          g_assert_true (px_frame_code_read (view->rgb, view->rgb_stride, view->width, view->height,
                                             3, 3, 12, camera == 0 ? &hint : NULL, &value));
          g_assert_cmpuint (value, ==, frames[i] % PX_FRAME_CODE_MODULO);
        }
    }
  g_assert_true (hint.valid);
}

static void
test_frame_code_damaged (void)
{
  g_autoptr(PxStudio) studio = new_studio ();
  const PxStudioView *view;
  PxFrameCodeHint hint = { 0 };
  g_autofree guint8 *copy = NULL;
  guint value = 0, damaged = 0;
  gsize size;

  render_frame (studio, 321);
  view = px_studio_get_view (studio, 0);
  size = (gsize) view->rgb_stride * view->height;
  g_assert_true (px_frame_code_read (view->rgb, view->rgb_stride, view->width, view->height, 3,
                                     3, 12, &hint, &value));
  g_assert_cmpuint (value, ==, 321);

  /* Each data cell inverted in turn: never a wrong number. */
  for (int cell = 0; cell < PX_FRAME_CODE_DATA_COLUMNS * PX_FRAME_CODE_DATA_ROWS; cell++)
    {
      int column = cell % PX_FRAME_CODE_DATA_COLUMNS + 1, row = cell / PX_FRAME_CODE_DATA_COLUMNS + 1;
      int x0 = (int) lround (hint.x + column * hint.pitch_x);
      int y0 = (int) lround (hint.y + row * hint.pitch_y);
      PxFrameCodeHint fresh = { 0 };

      copy = g_memdup2 (view->rgb, size);
      for (int y = y0; y < (int) lround (y0 + hint.pitch_y); y++)
        for (int x = x0; x < (int) lround (x0 + hint.pitch_x); x++)
          for (int k = 0; k < 3; k++)
            copy[(gsize) y * view->rgb_stride + 3 * x + k] = 255 - copy[(gsize) y * view->rgb_stride + 3 * x + k];
      value = G_MAXUINT;
      if (px_frame_code_read (copy, view->rgb_stride, view->width, view->height, 3, 3, 12, &fresh, &value))
        g_assert_cmpuint (value, ==, 321);
      else
        damaged++;
      g_clear_pointer (&copy, g_free);
    }
  /* A one-cell change breaks the CRC. */
  g_assert_cmpuint (damaged, ==, PX_FRAME_CODE_DATA_COLUMNS * PX_FRAME_CODE_DATA_ROWS);

  /* Half the card covered by grey. */
  copy = g_memdup2 (view->rgb, size);
  for (int y = (int) hint.y; y < (int) (hint.y + 3 * hint.pitch_y); y++)
    memset (copy + (gsize) y * view->rgb_stride + 3 * (gsize) hint.x, 128, 3 * (gsize) (8 * hint.pitch_x));
  g_assert_false (px_frame_code_read (copy, view->rgb_stride, view->width, view->height, 3, 3, 12,
                                      NULL, &value));
  g_clear_pointer (&copy, g_free);

  /* No card at all. */
  px_studio_render (studio, 0.5, 15);
  g_assert_false (px_frame_code_read (view->rgb, view->rgb_stride, view->width, view->height, 3,
                                      3, 12, NULL, &value));
}

static PxFrame *
view_to_frame (const PxStudioView *view)
{
  PxFrame *frame = px_frame_new (PX_PIXEL_FORMAT_I420, view->width, view->height);

  px_studio_view_to_i420 (view, frame->planes[0], frame->strides[0], frame->planes[1],
                          frame->strides[1], frame->planes[2], frame->strides[2]);
  return frame;
}

static void
camera_model (const PxCamera *camera,
              PxCameraModel  *model)
{
  model->width = camera->width;
  model->height = camera->height;
  model->fx = camera->fx;
  model->fy = camera->fy;
  model->cx = camera->cx;
  model->cy = camera->cy;
  memcpy (model->rotation, camera->rotation, sizeof model->rotation);
  memcpy (model->translation, camera->translation, sizeof model->translation);
}

static void
test_frame_code_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PxStudio) studio = new_studio ();
  g_autoptr(PxRig) rig = px_studio_rig_to_rig (px_studio_get_rig (studio));
  g_autoptr(PxPairReconstructor) reconstructor = NULL;
  g_autoptr(PxHeadlessContext) context = NULL;
  g_autoptr(PxStageRenderer) renderer = NULL;
  g_autoptr(PxParticipant) participant = NULL;
  PxVideoEncoder *encoders[2];
  PxVideoDecoder *decoders[2];
  const PxCamera *cameras[2];
  PxFrameCodeHint hint = { 0 };
  g_autofree float *depth = NULL;
  double volume_min[3], volume_max[3];
  guint grid_width, grid_height, read = 0;
  const guint n_frames = 12;

  context = px_headless_context_new (PX_HEADLESS_API_GL, RENDER_WIDTH, RENDER_HEIGHT, &error);
  if (context == NULL)
    {
      g_test_skip_printf ("No headless OpenGL context: %s", error->message);
      return;
    }
  renderer = px_stage_renderer_new ();
  g_assert_true (px_stage_renderer_realize (renderer, &error));
  g_assert_no_error (error);
  px_stage_renderer_set_screen (renderer, 1.2, 0.9);
  px_stage_renderer_set_viewer (renderer, 0, 0, 1.5);

  reconstructor = px_pair_reconstructor_new (rig, 0, 4, 0, 2, &error);
  g_assert_no_error (error);
  px_pair_reconstructor_get_size (reconstructor, &grid_width, &grid_height);
  depth = g_new (float, (gsize) grid_width * grid_height);
  g_assert_true (px_rig_get_pair (rig, 0, &cameras[0], &cameras[1]));
  participant = px_participant_new (PX_PARTICIPANT_VOLUMETRIC, "studio");
  px_studio_rig_get_capture_volume (px_studio_get_rig (studio), volume_min, volume_max);
  px_participant_set_capture_volume (participant, volume_min, volume_max);
  px_stage_renderer_add_participant (renderer, participant);

  for (int i = 0; i < 2; i++)
    {
      encoders[i] = px_video_encoder_new (1200);
      decoders[i] = px_video_decoder_new ();
    }

  for (guint n = 0; n < n_frames; n++)
    {
      PxFrame *decoded[2];
      PxParticipantView pview = { 0 };
      g_autofree guint8 *rgba = NULL;
      guint value = G_MAXUINT;
      gsize stride;

      render_frame (studio, 100 + n);
      for (int i = 0; i < 2; i++)
        {
          g_autoptr(PxFrame) frame = view_to_frame (px_studio_get_view (studio, i));
          g_autoptr(PxVideoPacket) packet = NULL;
          const guint8 *bytes;
          gsize size;

          frame->capture_time_us = n;
          packet = px_video_encoder_encode (encoders[i], frame, &error);
          g_assert_no_error (error);
          g_assert_nonnull (packet);
          bytes = g_bytes_get_data (packet->data, &size);
          decoded[i] = px_video_decoder_decode (decoders[i], bytes, size, packet->sequence,
                                                packet->capture_time_us, &error);
          g_assert_no_error (error);
          g_assert_nonnull (decoded[i]);
        }

      g_assert_true (px_pair_reconstructor_process (reconstructor, decoded[0]->planes[0],
                                                    decoded[0]->strides[0], decoded[1]->planes[0],
                                                    decoded[1]->strides[0], 1, depth, NULL, &error));
      g_assert_no_error (error);

      camera_model (cameras[0], &pview.camera);
      pview.color.format = PX_COLOR_FORMAT_I420;
      pview.color.width = decoded[0]->width;
      pview.color.height = decoded[0]->height;
      for (int k = 0; k < 3; k++)
        {
          pview.color.planes[k] = decoded[0]->planes[k];
          pview.color.strides[k] = decoded[0]->strides[k];
        }
      pview.depth = depth;
      pview.depth_width = grid_width;
      pview.depth_height = grid_height;
      pview.depth_stride = grid_width;
      g_assert_true (px_participant_set_views (participant, &pview, 1, &error));
      g_assert_no_error (error);
      for (int i = 0; i < 2; i++)
        px_frame_unref (decoded[i]);

      g_assert_true (px_stage_renderer_render (renderer, RENDER_WIDTH, RENDER_HEIGHT, &error));
      g_assert_no_error (error);
      rgba = px_headless_context_read_rgba (context, &stride);
      if (n == 0 && g_getenv ("PX_TEST_OUTPUT") != NULL)
        {
          g_autoptr(GdkPixbuf) pixbuf = px_headless_context_read_pixbuf (context);
          g_autofree char *name = g_strdup_printf ("frame-code-stage-%u.png", n);
          g_autofree char *path = g_build_filename (g_getenv ("PX_TEST_OUTPUT"), name, NULL);

          g_mkdir_with_parents (g_getenv ("PX_TEST_OUTPUT"), 0755);
          gdk_pixbuf_save (pixbuf, path, "png", NULL, NULL);
        }
      if (px_frame_code_read (rgba, stride, RENDER_WIDTH, RENDER_HEIGHT, 4, 3, 30, &hint, &value))
        {
          g_assert_cmpuint (value, ==, 100 + n);
          read++;
        }
      g_test_message ("frame %u: %s %u", 100 + n, value == G_MAXUINT ? "none" : "read", value);
    }
  /* The first frames may still be settling in the codec; most must read. */
  g_assert_cmpuint (read, >=, n_frames - 2);

  for (int i = 0; i < 2; i++)
    {
      g_object_unref (encoders[i]);
      g_object_unref (decoders[i]);
    }
  px_stage_renderer_unrealize (renderer);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/frame-code/camera", test_frame_code_camera);
  g_test_add_func ("/frame-code/damaged", test_frame_code_damaged);
  g_test_add_func ("/frame-code/round-trip", test_frame_code_round_trip);

  return g_test_run ();
}
