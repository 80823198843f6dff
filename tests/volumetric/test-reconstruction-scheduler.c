/* test-reconstruction-scheduler.c: the server's reconstruction worker pool
 *
 * The scheduler alone, fed the VP8 frames of the studio's rig as the
 * server would: with the pool held, newer frame sets replace waiting ones
 * (latest wins, nothing queues), and the one set reconstructed afterwards
 * carries the colour packets of all the sets it replaced.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "media/px-video-encoder.h"
#include "net/px-volumetric.h"
#include "net/px-wire.h"
#include "px-volumetric-test.h"
#include "server/px-reconstruction-scheduler.h"

#define TIMEOUT_MS 120000
#define PUBLISHER 7

typedef struct
{
  PxReconstructionScheduler *scheduler;
  GPtrArray *frames;       /* GBytes: complete binary messages */
  guint64 wanted_sets;
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

  g_assert_cmpuint (publisher, ==, PUBLISHER);
  g_assert_cmpuint (stream, ==, PX_VOLUMETRIC_TEST_OUTPUT_STREAM);
  g_ptr_array_add (fixture->frames, g_bytes_ref (frame));
}

static gboolean
sets_arrived (gpointer data)
{
  Fixture *fixture = data;
  PxReconstructionStats stats;

  px_reconstruction_scheduler_get_stats (fixture->scheduler, &stats);
  return stats.sets_in >= fixture->wanted_sets;
}

static gboolean
frame_arrived (gpointer data)
{
  Fixture *fixture = data;

  return fixture->frames->len > 0;
}

static void
push (Fixture       *fixture,
      guint32        stream,
      guint32        sequence,
      gint64         capture_time,
      PxVideoPacket *packet)
{
  PxWireHeader header = {
    .version = PX_WIRE_VERSION,
    .kind = PX_WIRE_KIND_VIDEO,
    .flags = packet->keyframe ? PX_WIRE_FLAG_KEYFRAME : 0,
    .stream = stream,
    .participant = PUBLISHER,
    .sequence = sequence,
    .capture_time = capture_time,
    .payload_length = g_bytes_get_size (packet->data),
  };

  g_assert_true (px_reconstruction_scheduler_push (fixture->scheduler, PUBLISHER, &header, packet->data));
}

/* Feeds @n_sets frame sets while the pool is held, then releases it;
 * returns the one volumetric frame and the left packets sent. */
static GBytes *
run_held (gsize       max_frame_bytes,
          guint       n_sets,
          GPtrArray **sent_packets)
{
  g_autoptr(PxStudioRig) studio_rig = px_studio_rig_new_default ();
  g_autoptr(PxStudioPerson) person = px_studio_person_new (1.75, 1);
  g_autoptr(PxStudio) studio = px_studio_new (studio_rig, person, 1, 2);
  g_autoptr(PxRig) rig = px_studio_rig_to_rig (studio_rig);
  g_autoptr(JsonObject) data = px_volumetric_test_rig_calibration (rig, 4);
  g_autoptr(JsonArray) streams = px_volumetric_test_announced_streams ();
  g_autoptr(GPtrArray) left_packets = g_ptr_array_new_with_free_func ((GDestroyNotify) px_volumetric_test_bytes_unref);
  g_autoptr(GError) error = NULL;
  PxVideoEncoder *encoders[2] = { px_video_encoder_new (8000), px_video_encoder_new (8000) };
  PxFrame *frames[2];
  Fixture fixture = { 0 };
  PxReconstructionStats stats;
  PxWireHeader header = { 0 };
  GBytes *result;
  guint32 sequence = 0;
  gint64 last_time = 0;
  g_autoptr(GBytes) late_packet = g_bytes_new_static ("late", 4);

  fixture.scheduler = px_reconstruction_scheduler_new (2);
  px_reconstruction_scheduler_set_max_frame_bytes (fixture.scheduler, max_frame_bytes);
  fixture.frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_signal_connect (fixture.scheduler, "volumetric-frame", G_CALLBACK (volumetric_frame_cb), &fixture);
  g_assert_true (px_reconstruction_scheduler_configure (fixture.scheduler, PUBLISHER, data, streams, 5, &error));
  g_assert_no_error (error);

  px_studio_render (studio, 0.0, 0);
  for (int i = 0; i < 2; i++)
    {
      const PxStudioView *view = px_studio_get_view (studio, i);

      frames[i] = px_frame_new (PX_PIXEL_FORMAT_I420, view->width, view->height);
      px_studio_view_to_i420 (view, frames[i]->planes[0], frames[i]->strides[0], frames[i]->planes[1],
                              frames[i]->strides[1], frames[i]->planes[2], frames[i]->strides[2]);
    }

  /* The pool is held as a busy one would be: sets arrive, none starts. */
  px_reconstruction_scheduler_set_held (fixture.scheduler, TRUE);
  while (fixture.wanted_sets < n_sets)
    {
      g_autoptr(PxVideoPacket) left = NULL;
      g_autoptr(PxVideoPacket) right = NULL;

      last_time = 1000000 + sequence * 33333;
      for (int i = 0; i < 2; i++)
        {
          frames[i]->capture_time_us = last_time;
          frames[i]->sequence = sequence;
        }
      left = px_video_encoder_encode (encoders[0], frames[0], &error);
      g_assert_no_error (error);
      right = px_video_encoder_encode (encoders[1], frames[1], &error);
      g_assert_no_error (error);
      /* A set the rate control skipped a frame of is not a set. */
      if (left != NULL)
        {
          push (&fixture, PX_VOLUMETRIC_TEST_LEFT_STREAM, sequence, last_time, left);
          g_ptr_array_add (left_packets, g_bytes_ref (left->data));
        }
      else
        g_ptr_array_add (left_packets, NULL);
      if (right != NULL)
        push (&fixture, PX_VOLUMETRIC_TEST_RIGHT_STREAM, sequence, last_time, right);
      if (left != NULL && right != NULL)
        fixture.wanted_sets++;
      sequence++;
    }

  g_assert_true (px_volumetric_test_wait (sets_arrived, &fixture, TIMEOUT_MS));
  px_reconstruction_scheduler_get_stats (fixture.scheduler, &stats);
  g_assert_cmpuint (stats.sets_in, ==, n_sets);
  g_assert_cmpuint (stats.sets_stale, ==, n_sets - 1);
  g_assert_cmpuint (stats.sets_reconstructed, ==, 0);
  g_assert_cmpuint (fixture.frames->len, ==, 0);

  /* Released: only the latest set is reconstructed. */
  px_reconstruction_scheduler_set_held (fixture.scheduler, FALSE);
  g_assert_true (px_volumetric_test_wait (frame_arrived, &fixture, TIMEOUT_MS));
  px_reconstruction_scheduler_get_stats (fixture.scheduler, &stats);
  g_assert_cmpuint (stats.sets_reconstructed, ==, 1);
  g_assert_cmpuint (stats.sets_failed, ==, 0);
  g_assert_cmpuint (stats.stage_count[PX_RECONSTRUCTION_STAGE_DECODE], ==, 2 * n_sets);
  g_assert_cmpuint (stats.stage_count[PX_RECONSTRUCTION_STAGE_STEREO], ==, 1);
  g_assert_cmpuint (stats.depth_coded_bytes, >, 0);
  g_assert_cmpuint (stats.depth_coded_bytes, <, stats.depth_raw_bytes);

  /* A publisher that is removed is no longer taken. */
  px_reconstruction_scheduler_remove (fixture.scheduler, PUBLISHER);
  header.kind = PX_WIRE_KIND_VIDEO;
  header.stream = PX_VOLUMETRIC_TEST_LEFT_STREAM;
  header.payload_length = 4;
  g_assert_false (px_reconstruction_scheduler_push (fixture.scheduler, PUBLISHER, &header, late_packet));

  px_reconstruction_scheduler_shutdown (fixture.scheduler);
  g_object_unref (fixture.scheduler);
  result = g_bytes_ref (fixture.frames->pdata[0]);
  g_ptr_array_unref (fixture.frames);
  for (int i = 0; i < 2; i++)
    {
      g_object_unref (encoders[i]);
      px_frame_unref (frames[i]);
    }
  *sent_packets = g_steal_pointer (&left_packets);
  return result;
}

static void
test_latest_wins (void)
{
  g_autoptr(GPtrArray) left_packets = NULL;
  g_autoptr(GBytes) frame = run_held (0, 10, &left_packets);
  g_autoptr(GError) error = NULL;
  PxVolumetricPayload payload;
  PxWireHeader header;
  gsize size;
  const guint8 *bytes;

  bytes = g_bytes_get_data (frame, &size);
  g_assert_true (px_wire_header_parse (bytes, size, &header, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (header.kind, ==, PX_WIRE_KIND_DEPTH);
  g_assert_cmpuint (header.stream, ==, PX_VOLUMETRIC_TEST_OUTPUT_STREAM);
  g_assert_cmpuint (header.participant, ==, PUBLISHER);
  g_assert_cmpuint (header.flags, ==, PX_WIRE_FLAG_KEYFRAME);
  g_assert_cmpint (header.capture_time, ==, 1000000 + (gint64) (left_packets->len - 1) * 33333);
  g_assert_true (px_volumetric_payload_parse (bytes + PX_WIRE_HEADER_SIZE, header.payload_length, &payload, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (payload.calibration_id, ==, 5);
  g_assert_cmpuint (payload.grid_width, ==, 160);

  /* Every left packet, in order, byte for byte. */
  {
    guint p = 0;

    for (guint32 s = 0; s < left_packets->len; s++)
      {
        GBytes *sent = left_packets->pdata[s];

        if (sent == NULL)
          continue;
        g_assert_cmpuint (p, <, payload.n_packets);
        g_assert_cmpuint (payload.packets[p].sequence, ==, s);
        g_assert_cmpmem (payload.packets[p].data, payload.packets[p].size,
                         g_bytes_get_data (sent, NULL), g_bytes_get_size (sent));
        p++;
      }
    g_assert_cmpuint (p, ==, payload.n_packets);
    g_assert_true (payload.packets[0].keyframe);
  }

}

/* Frames fit what receivers accept: the oldest packets give way. */
static void
test_size_cap (void)
{
  g_autoptr(GPtrArray) left_packets = NULL;
  g_autoptr(GPtrArray) uncapped_packets = NULL;
  g_autoptr(GBytes) uncapped = run_held (0, 6, &uncapped_packets);
  g_autoptr(GBytes) frame = NULL;
  PxVolumetricPayload payload;
  gsize size, cap;
  const guint8 *bytes;

  /* Room for everything but the keyframe that starts the stream. */
  bytes = g_bytes_get_data (uncapped, &size);
  g_assert_true (px_volumetric_payload_parse (bytes + PX_WIRE_HEADER_SIZE, size - PX_WIRE_HEADER_SIZE, &payload, NULL));
  g_assert_cmpuint (payload.n_packets, ==, 6);
  g_assert_true (payload.packets[0].keyframe);
  cap = size - payload.packets[0].size / 2;

  frame = run_held (cap, 6, &left_packets);
  bytes = g_bytes_get_data (frame, &size);
  g_assert_cmpuint (size, <=, cap);
  g_assert_true (px_volumetric_payload_parse (bytes + PX_WIRE_HEADER_SIZE, size - PX_WIRE_HEADER_SIZE, &payload, NULL));
  g_assert_cmpuint (payload.n_packets, <, 6);
  g_assert_cmpuint (payload.packets[payload.n_packets - 1].sequence, ==, left_packets->len - 1);
}

/* Calibrations the scheduler refuses, each with the reason. */
static void
test_bad_calibration (void)
{
  g_autoptr(PxStudioRig) studio_rig = px_studio_rig_new_default ();
  g_autoptr(PxRig) rig = px_studio_rig_to_rig (studio_rig);
  g_autoptr(PxReconstructionScheduler) scheduler = px_reconstruction_scheduler_new (1);
  g_autoptr(JsonArray) streams = px_volumetric_test_announced_streams ();
  const char *members[] = { "rig", "streams", "volumetric_stream" };

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      g_autoptr(JsonObject) data = px_volumetric_test_rig_calibration (rig, 4);
      GError *error = NULL;

      json_object_remove_member (data, members[i]);
      g_assert_false (px_reconstruction_scheduler_configure (scheduler, PUBLISHER, data, streams, 1, &error));
      g_assert_error (error, PX_RECONSTRUCTION_ERROR, PX_RECONSTRUCTION_ERROR_INVALID_CALIBRATION);
      g_test_message ("without %s: %s", members[i], error->message);
      g_clear_error (&error);
    }
  {
    g_autoptr(JsonObject) data = px_volumetric_test_rig_calibration (rig, 4);
    GError *error = NULL;

    json_object_set_int_member (data, "pair", 3);
    g_assert_false (px_reconstruction_scheduler_configure (scheduler, PUBLISHER, data, streams, 1, &error));
    g_assert_error (error, PX_RECONSTRUCTION_ERROR, PX_RECONSTRUCTION_ERROR_INVALID_CALIBRATION);
    g_clear_error (&error);
    json_object_set_int_member (data, "pair", 0);
    json_object_set_string_member (data, "step", "4");
    g_assert_false (px_reconstruction_scheduler_configure (scheduler, PUBLISHER, data, streams, 1, &error));
    g_assert_error (error, PX_RECONSTRUCTION_ERROR, PX_RECONSTRUCTION_ERROR_INVALID_CALIBRATION);
    g_clear_error (&error);
    /* Both cameras on one stream. */
    json_object_set_int_member (data, "step", 4);
    json_object_set_int_member (json_object_get_object_member (data, "streams"),
                                px_rig_get_camera (rig, 1)->id, PX_VOLUMETRIC_TEST_LEFT_STREAM);
    g_assert_false (px_reconstruction_scheduler_configure (scheduler, PUBLISHER, data, streams, 1, &error));
    g_assert_error (error, PX_RECONSTRUCTION_ERROR, PX_RECONSTRUCTION_ERROR_INVALID_CALIBRATION);
    g_clear_error (&error);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/volumetric/scheduler/latest-wins", test_latest_wins);
  g_test_add_func ("/volumetric/scheduler/size-cap", test_size_cap);
  g_test_add_func ("/volumetric/scheduler/bad-calibration", test_bad_calibration);

  return g_test_run ();
}
