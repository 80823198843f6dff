/* test-scheduler-timings.c: the server's own timestamps in volumetric frames
 *
 * The reconstruction scheduler says in each volumetric frame when the set
 * arrived and was built (the server's clock, the one capture times travel
 * in) and how long each stage took; receivers show it and the glass-to-glass
 * benchmark prints it beside the latency read from pixels. Checks that the
 * figures are there and consistent, not how large they are.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "media/px-video-encoder.h"
#include "net/px-volumetric.h"
#include "net/px-wire.h"
#include "px-volumetric-test.h"
#include "server/px-reconstruction-scheduler.h"

#define TIMEOUT_MS 120000
#define PUBLISHER 3
#define N_SETS 4

typedef struct
{
  GPtrArray *frames;
} Fixture;

static void
volumetric_frame_cb (PxReconstructionScheduler *scheduler,
                     guint                      publisher,
                     guint                      stream,
                     gboolean                   keyframe,
                     GBytes                    *frame,
                     gpointer                   user_data)
{
  Fixture *fixture = user_data;

  g_ptr_array_add (fixture->frames, g_bytes_ref (frame));
}

static gboolean
frame_arrived (gpointer data)
{
  Fixture *fixture = data;

  return fixture->frames->len > 0;
}

static void
test_timings (void)
{
  g_autoptr(PxStudioRig) studio_rig = px_studio_rig_new_default ();
  g_autoptr(PxStudioPerson) person = px_studio_person_new (1.75, 1);
  g_autoptr(PxStudio) studio = px_studio_new (studio_rig, person, 1, 2);
  g_autoptr(PxRig) rig = px_studio_rig_to_rig (studio_rig);
  g_autoptr(JsonObject) data = px_volumetric_test_rig_calibration (rig, 4);
  g_autoptr(JsonArray) streams = px_volumetric_test_announced_streams ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PxReconstructionScheduler) scheduler = px_reconstruction_scheduler_new (2);
  PxVideoEncoder *encoders[2] = { px_video_encoder_new (2000), px_video_encoder_new (2000) };
  Fixture fixture = { g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref) };
  PxVolumetricPayload payload;
  PxWireHeader header;
  const guint8 *bytes;
  gsize size;
  gint64 first_push = 0, last_push = 0, now;

  g_signal_connect (scheduler, "volumetric-frame", G_CALLBACK (volumetric_frame_cb), &fixture);
  g_assert_true (px_reconstruction_scheduler_configure (scheduler, PUBLISHER, data, streams, 1, &error));
  g_assert_no_error (error);

  for (guint32 sequence = 0; sequence < N_SETS; sequence++)
    {
      px_studio_render (studio, sequence / 30.0, sequence);
      for (int i = 0; i < 2; i++)
        {
          const PxStudioView *view = px_studio_get_view (studio, i);
          g_autoptr(PxFrame) frame = px_frame_new (PX_PIXEL_FORMAT_I420, view->width, view->height);
          g_autoptr(PxVideoPacket) packet = NULL;
          PxWireHeader frame_header = { 0 };

          px_studio_view_to_i420 (view, frame->planes[0], frame->strides[0], frame->planes[1],
                                  frame->strides[1], frame->planes[2], frame->strides[2]);
          frame->capture_time_us = 1000000 + sequence * 33333;
          frame->sequence = sequence;
          packet = px_video_encoder_encode (encoders[i], frame, &error);
          g_assert_no_error (error);
          /* The rate control may skip a frame: that set is not complete. */
          if (packet == NULL)
            continue;
          frame_header.version = PX_WIRE_VERSION;
          frame_header.kind = PX_WIRE_KIND_VIDEO;
          frame_header.flags = packet->keyframe ? PX_WIRE_FLAG_KEYFRAME : 0;
          frame_header.stream = i == 0 ? PX_VOLUMETRIC_TEST_LEFT_STREAM : PX_VOLUMETRIC_TEST_RIGHT_STREAM;
          frame_header.participant = PUBLISHER;
          frame_header.sequence = sequence;
          frame_header.capture_time = frame->capture_time_us;
          frame_header.payload_length = g_bytes_get_size (packet->data);
          if (first_push == 0)
            first_push = g_get_monotonic_time ();
          g_assert_true (px_reconstruction_scheduler_push (scheduler, PUBLISHER, &frame_header, packet->data));
          last_push = g_get_monotonic_time ();
        }
    }
  g_assert_true (px_volumetric_test_wait (frame_arrived, &fixture, TIMEOUT_MS));
  now = g_get_monotonic_time ();

  bytes = g_bytes_get_data (fixture.frames->pdata[0], &size);
  g_assert_true (px_wire_header_parse (bytes, size, &header, &error));
  g_assert_no_error (error);
  g_assert_true (px_volumetric_payload_parse (bytes + PX_WIRE_HEADER_SIZE, header.payload_length,
                                              &payload, &error));
  g_assert_no_error (error);
  g_assert_true (payload.has_timings);
  g_test_message ("received %" G_GINT64_FORMAT " built %" G_GINT64_FORMAT " (+%" G_GINT64_FORMAT " us): "
                  "decode %u rectify %u stereo %u segment %u depth %u coding %u us",
                  payload.timings.received, payload.timings.built,
                  payload.timings.built - payload.timings.received, payload.timings.decode_us,
                  payload.timings.rectify_us, payload.timings.stereo_us, payload.timings.segment_us,
                  payload.timings.depth_us, payload.timings.depth_coding_us);

  /* Instants on this process's monotonic clock (the server's), in order:
   * the set arrived while it was pushed, was built after that, and both
   * before the frame came out. */
  g_assert_cmpint (payload.timings.received, >=, first_push);
  g_assert_cmpint (payload.timings.received, <=, last_push);
  g_assert_cmpint (payload.timings.built, >=, payload.timings.received);
  g_assert_cmpint (payload.timings.built, <=, now);
  /* The work on the set fits between them. */
  g_assert_cmpint ((gint64) payload.timings.rectify_us + payload.timings.stereo_us
                   + payload.timings.segment_us + payload.timings.depth_us
                   + payload.timings.depth_coding_us, <=,
                   payload.timings.built - payload.timings.received);
  /* Decoding and matching do work on every set. */
  g_assert_cmpuint (payload.timings.decode_us, >, 0);
  g_assert_cmpuint (payload.timings.stereo_us, >, 0);

  px_reconstruction_scheduler_shutdown (scheduler);
  g_ptr_array_unref (fixture.frames);
  for (int i = 0; i < 2; i++)
    g_object_unref (encoders[i]);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/e2e/scheduler-timings", test_timings);

  return g_test_run ();
}
