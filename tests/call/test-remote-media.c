/* test-remote-media.c: one remote participant's media, fed by hand
 *
 * Real VP8 and Opus packets, and damaged ones, go into a PxRemoteMedia as
 * the session would hand them over: good frames come out at their size,
 * damaged ones are dropped without harm, and the state the stage reads
 * (frame, mute, volume) follows.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "media/px-audio-mixer.h"
#include "media/px-remote-media.h"
#include "media/px-video-encoder.h"
#include "media/px-voice-encoder.h"
#include "net/px-session-participant-private.h"
#include "net/px-session.h"

#define WIDTH 320
#define HEIGHT 240

typedef struct
{
  PxSession *session;
  PxSessionParticipant *participant;
  PxAudioMixer *mixer;
  PxRemoteMedia *remote;
  guint frames_changed;
} Fixture;

static void
frame_changed_cb (PxRemoteMedia *remote,
                  Fixture       *fixture)
{
  fixture->frames_changed++;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  /* Never joined: keyframe requests go nowhere, which is all this needs. */
  fixture->session = px_session_new ("ws://127.0.0.1:9", "room", "token");
  fixture->participant = px_session_participant_new (7, FALSE);
  fixture->mixer = px_audio_mixer_new ();
  fixture->remote = px_remote_media_new (fixture->session, fixture->participant,
                                         fixture->mixer);
  g_signal_connect (fixture->remote, "frame-changed", G_CALLBACK (frame_changed_cb), fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->remote);
  g_clear_object (&fixture->mixer);
  g_clear_object (&fixture->participant);
  g_clear_object (&fixture->session);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* A frame with something on it: a diagonal gradient that moves. */
static PxFrame *
make_frame (guint index)
{
  PxFrame *frame = px_frame_new (PX_PIXEL_FORMAT_I420, WIDTH, HEIGHT);

  for (guint y = 0; y < HEIGHT; y++)
    for (guint x = 0; x < WIDTH; x++)
      frame->planes[0][y * frame->strides[0] + x] = (guint8) ((x + y + 4 * index) & 0xff);
  for (guint p = 1; p < 3; p++)
    for (guint y = 0; y < HEIGHT / 2; y++)
      memset (frame->planes[p] + y * frame->strides[p], p == 1 ? 90 : 160, WIDTH / 2);
  frame->capture_time_us = g_get_monotonic_time ();
  frame->sequence = index;
  return frame;
}

static GPtrArray *
encode_frames (guint n)
{
  g_autoptr(PxVideoEncoder) encoder = px_video_encoder_new (800);
  GPtrArray *packets = g_ptr_array_new_with_free_func ((GDestroyNotify) px_video_packet_unref);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PxFrame) frame = make_frame (i);
      g_autoptr(GError) error = NULL;
      PxVideoPacket *packet = px_video_encoder_encode (encoder, frame, &error);

      g_assert_no_error (error);
      g_assert_nonnull (packet);
      g_ptr_array_add (packets, packet);
    }
  return packets;
}

static void
push_video (Fixture       *fixture,
            PxVideoPacket *packet,
            GBytes        *payload)
{
  px_remote_media_push_frame (fixture->remote, PX_WIRE_KIND_VIDEO, 1,
                              packet->keyframe ? PX_WIRE_FLAG_KEYFRAME : 0,
                              (guint32) packet->sequence, packet->capture_time_us, payload);
}

static void
test_video_good_and_bad (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GPtrArray) packets = encode_frames (4);
  PxVideoPacket *key = g_ptr_array_index (packets, 0);
  gsize size;
  const guint8 *bytes = g_bytes_get_data (key->data, &size);
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr(GBytes) truncated = g_bytes_new (bytes, size / 3);
  g_autoptr(GBytes) noise = NULL;
  g_autofree guint8 *flipped = g_memdup2 (bytes, size);
  g_autoptr(GBytes) flipped_bytes = NULL;
  g_autoptr(PxFrame) frame = NULL;
  PxRemoteMediaStats stats;
  guint8 junk[500];

  g_assert_true (key->keyframe);
  for (guint i = 0; i < sizeof junk; i++)
    junk[i] = (guint8) g_test_rand_int ();
  noise = g_bytes_new (junk, sizeof junk);
  for (gsize i = 20; i < size; i += 7)
    flipped[i] ^= 0x5a;
  flipped_bytes = g_bytes_new (flipped, size);

  /* Damage first: nothing to show, nothing broken. */
  push_video (fixture, key, empty);
  push_video (fixture, key, noise);
  push_video (fixture, key, truncated);
  push_video (fixture, key, flipped_bytes);
  g_assert_null (px_remote_media_dup_frame (fixture->remote));
  g_assert_cmpuint (fixture->frames_changed, ==, 0);

  /* Then the real stream: each frame shown at its size (no voice to wait for). */
  for (guint i = 0; i < packets->len; i++)
    {
      PxVideoPacket *packet = g_ptr_array_index (packets, i);

      push_video (fixture, packet, packet->data);
    }
  frame = px_remote_media_dup_frame (fixture->remote);
  g_assert_nonnull (frame);
  g_assert_cmpint (frame->format, ==, PX_PIXEL_FORMAT_I420);
  g_assert_cmpuint (frame->width, ==, WIDTH);
  g_assert_cmpuint (frame->height, ==, HEIGHT);
  g_assert_cmpint (frame->capture_time_us, ==,
                   ((PxVideoPacket *) g_ptr_array_index (packets, 3))->capture_time_us);
  /* The gradient survived: luma grows along the diagonal. */
  g_assert_cmpint (frame->planes[0][10 * frame->strides[0] + 10] + 60, <,
                   frame->planes[0][60 * frame->strides[0] + 60]);
  g_assert_cmpuint (fixture->frames_changed, >=, 1);

  px_remote_media_get_stats (fixture->remote, &stats);
  g_assert_cmpuint (stats.video_packets, ==, 4 + packets->len);
  g_assert_cmpuint (stats.video_frames, ==, packets->len);

  /* Another stream of the same person, and kinds it does not decode, are ignored. */
  px_remote_media_push_frame (fixture->remote, PX_WIRE_KIND_VIDEO, 2, 0, 0, 0, noise);
  px_remote_media_push_frame (fixture->remote, PX_WIRE_KIND_DEPTH, 3, 0, 0, 0, noise);
  px_remote_media_push_frame (fixture->remote, PX_WIRE_KIND_DATA, 4, 0, 0, 0, noise);
  px_remote_media_push_frame (fixture->remote, (PxWireKind) 99, 5, 0, 0, 0, noise);
  px_remote_media_get_stats (fixture->remote, &stats);
  g_assert_cmpuint (stats.video_packets, ==, 4 + packets->len);

  /* The camera goes off in the roster: the picture goes at once. */
  fixture->frames_changed = 0;
  px_session_participant_set_muted (fixture->participant, FALSE, TRUE);
  g_assert_null (px_remote_media_dup_frame (fixture->remote));
  g_assert_cmpuint (fixture->frames_changed, ==, 1);
  /* And frames still in flight are not decoded. */
  push_video (fixture, g_ptr_array_index (packets, 0),
              ((PxVideoPacket *) g_ptr_array_index (packets, 0))->data);
  g_assert_null (px_remote_media_dup_frame (fixture->remote));
}

static void
test_voice_good_and_bad (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PxVoiceEncoder) encoder = px_voice_encoder_new (20, &error);
  gint16 pcm[960];
  gint16 mixed[PX_AUDIO_MIXER_BLOCK_SAMPLES];
  guint8 junk[80];
  g_autoptr(GBytes) noise = NULL;
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  PxJitterBufferStats voice;
  PxRemoteMediaStats stats;
  gint64 start = g_get_monotonic_time ();
  double energy = 0;

  g_assert_no_error (error);
  g_assert_false (px_remote_media_get_voice_stats (fixture->remote, &voice));

  memset (junk, 0xff, sizeof junk);
  noise = g_bytes_new (junk, sizeof junk);
  px_remote_media_push_frame (fixture->remote, PX_WIRE_KIND_AUDIO, 2, 0, 1, start, noise);
  px_remote_media_push_frame (fixture->remote, PX_WIRE_KIND_AUDIO, 2, 0, 2, start, empty);

  /* Half a second of 440 Hz. */
  for (guint f = 0; f < 25; f++)
    {
      g_autoptr(GBytes) packet = NULL;

      for (guint i = 0; i < 960; i++)
        pcm[i] = (gint16) lrint (12000 * sin (2 * G_PI * 440 * (f * 960 + i) / 48000.0));
      packet = px_voice_encoder_encode (encoder, pcm, 960, &error);
      g_assert_no_error (error);
      px_remote_media_push_frame (fixture->remote, PX_WIRE_KIND_AUDIO, 2, 0, 10 + f,
                                  start + f * 20000, packet);
    }

  g_assert_true (px_remote_media_get_voice_stats (fixture->remote, &voice));
  g_assert_cmpuint (voice.invalid, ==, 2);
  g_assert_cmpuint (voice.received, ==, 25);
  px_remote_media_get_stats (fixture->remote, &stats);
  g_assert_cmpuint (stats.voice_packets, ==, 27);

  /* The mixer plays it under the participant's id; volume 0 silences it. */
  px_remote_media_set_volume (fixture->remote, 0.5);
  g_assert_cmpfloat (px_remote_media_get_volume (fixture->remote), ==, 0.5);
  px_remote_media_set_muted (fixture->remote, TRUE);
  g_assert_true (px_remote_media_get_muted (fixture->remote));
  g_assert_true (px_audio_mixer_get_muted (fixture->mixer, 7));
  px_remote_media_set_muted (fixture->remote, FALSE);
  for (guint b = 0; b < 40; b++)
    {
      px_audio_mixer_mix (fixture->mixer, start + 60000 + b * 10000, mixed, G_N_ELEMENTS (mixed));
      for (guint i = 0; i < G_N_ELEMENTS (mixed); i++)
        energy += (double) mixed[i] * mixed[i];
    }
  g_assert_cmpfloat (energy, >, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/call/remote-media/video", Fixture, NULL, fixture_set_up,
              test_video_good_and_bad, fixture_tear_down);
  g_test_add ("/call/remote-media/voice", Fixture, NULL, fixture_set_up,
              test_voice_good_and_bad, fixture_tear_down);

  return g_test_run ();
}
