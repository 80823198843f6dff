/* test-remote-media-live.c: a remote's media fed in real time
 *
 * Lip sync: a volumetric participant's picture reaches a receiver later
 * than their voice (the server reconstructs the picture, it forwards the
 * voice at once). A PxRemoteMedia fed in real time with voice packets and
 * with video captured 150 ms before them must delay the voice (ITU-R
 * BT.1359: sound at most 45 ms ahead of the picture), and once the picture
 * is on time again, ease the extra delay off.
 *
 * Statistics: with every fifth voice packet missing, the figures the
 * in-app overlay shows say so, and the video's are filled in.
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

#define WIDTH 160
#define HEIGHT 120
#define VIDEO_BEHIND_US (150 * 1000)
/* Generous: a loaded machine runs this loop late, which only slows it. */
#define TIMEOUT_US (60 * G_USEC_PER_SEC)

typedef struct
{
  PxSession *session;
  PxSessionParticipant *participant;
  PxAudioMixer *mixer;
  PxRemoteMedia *remote;
  PxVoiceEncoder *voice;
  PxVideoEncoder *video;
  PxFrame *frame;
  guint32 voice_sequence;
  guint32 video_sequence;
  gint64 next_voice;
  gint64 next_video;
  gint64 next_mix;
  gint64 video_behind;
  guint drop_every;           /* voice packets: leave out one in this many (0: none) */
} Feed;

static void
feed_init (Feed *feed)
{
  g_autoptr(GError) error = NULL;

  memset (feed, 0, sizeof *feed);
  /* Never joined: keyframe requests go nowhere, which is all this needs. */
  feed->session = px_session_new ("ws://127.0.0.1:9", "room", "token");
  feed->participant = px_session_participant_new (7, FALSE);
  feed->mixer = px_audio_mixer_new ();
  feed->remote = px_remote_media_new (feed->session, feed->participant, feed->mixer);
  feed->voice = px_voice_encoder_new (20, &error);
  g_assert_no_error (error);
  feed->video = px_video_encoder_new (300);
  feed->frame = px_frame_new (PX_PIXEL_FORMAT_I420, WIDTH, HEIGHT);
  for (guint p = 0; p < 3; p++)
    memset (feed->frame->planes[p], p == 0 ? 120 : 128,
            (gsize) feed->frame->strides[p] * px_frame_get_plane_height (feed->frame, p));
  feed->next_voice = feed->next_video = feed->next_mix = g_get_monotonic_time ();
  feed->video_behind = VIDEO_BEHIND_US;
}

static void
feed_clear (Feed *feed)
{
  g_clear_object (&feed->remote);
  g_clear_object (&feed->mixer);
  g_clear_object (&feed->participant);
  g_clear_object (&feed->session);
  g_clear_object (&feed->voice);
  g_clear_object (&feed->video);
  g_clear_pointer (&feed->frame, px_frame_unref);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Does what is due: a voice packet every 20 ms (of sender time), a video
 * frame every 33 ms (captured video_behind ago), the speaker's pull every
 * 10 ms; and runs the main context (the remote's timers). */
static void
feed_run (Feed *feed)
{
  gint64 now = g_get_monotonic_time ();

  if (now >= feed->next_voice)
    {
      g_autoptr(GBytes) packet = NULL;
      g_autoptr(GError) error = NULL;
      gint16 pcm[960];

      for (guint i = 0; i < G_N_ELEMENTS (pcm); i++)
        pcm[i] = (gint16) lrint (8000 * sin (2 * G_PI * 300 * (feed->voice_sequence * 960 + i) / 48000.0));
      packet = px_voice_encoder_encode (feed->voice, pcm, G_N_ELEMENTS (pcm), &error);
      g_assert_no_error (error);
      if (packet != NULL
          && (feed->drop_every == 0 || feed->voice_sequence % feed->drop_every != feed->drop_every - 1))
        px_remote_media_push_frame (feed->remote, PX_WIRE_KIND_AUDIO, 2, 0, feed->voice_sequence,
                                    feed->next_voice, packet);
      feed->voice_sequence++;
      feed->next_voice += 20000;
    }

  if (now >= feed->next_video)
    {
      g_autoptr(PxVideoPacket) packet = NULL;
      g_autoptr(GError) error = NULL;

      feed->frame->capture_time_us = now - feed->video_behind;
      feed->frame->sequence = feed->video_sequence;
      feed->frame->planes[0][feed->video_sequence % (WIDTH * 8)] ^= 0x40;
      packet = px_video_encoder_encode (feed->video, feed->frame, &error);
      g_assert_no_error (error);
      if (packet != NULL)
        px_remote_media_push_frame (feed->remote, PX_WIRE_KIND_VIDEO, 1,
                                    packet->keyframe ? PX_WIRE_FLAG_KEYFRAME : 0,
                                    feed->video_sequence++, feed->frame->capture_time_us,
                                    packet->data);
      feed->next_video += 33333;
    }

  if (now >= feed->next_mix)
    {
      gint16 mixed[PX_AUDIO_MIXER_BLOCK_SAMPLES];

      px_audio_mixer_mix (feed->mixer, now + 15000, mixed, G_N_ELEMENTS (mixed));
      feed->next_mix += 10000;
    }

  /* A machine that fell behind catches up rather than bursts (the voice
   * keeps its sender's clock: a stall is network jitter to it). */
  feed->next_video = MAX (feed->next_video, now - 100000);
  feed->next_mix = MAX (feed->next_mix, now - 100000);

  if (!g_main_context_iteration (NULL, FALSE))
    g_usleep (1000);
}

static guint
voice_target_ms (Feed *feed)
{
  PxJitterBufferStats stats;

  if (!px_remote_media_get_voice_stats (feed->remote, &stats))
    return 0;
  return stats.target_delay_ms;
}

/* Whether this machine is so loaded that the voice's own jitter, rather
 * than lip sync, sets its delay. */
static gboolean
too_jittery (Feed *feed)
{
  PxJitterBufferStats stats;

  if (!px_remote_media_get_voice_stats (feed->remote, &stats) || stats.jitter_ms <= 40)
    return FALSE;
  g_test_skip_printf ("The voice arrives with %u ms of jitter here: too loaded to measure lip sync",
                      stats.jitter_ms);
  return TRUE;
}

static void
test_voice_waits_for_picture (void)
{
  Feed feed;
  gint64 deadline;
  guint settled, peak = 0, target;
  PxRemoteMediaStats stats;

  feed_init (&feed);

  /* Picture and voice in time: the voice keeps its own delay. */
  feed.video_behind = 0;
  deadline = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline)
    feed_run (&feed);
  settled = voice_target_ms (&feed);
  px_remote_media_get_stats (feed.remote, &stats);
  g_test_message ("in time: voice target %u ms, %" G_GUINT64_FORMAT " frames shown", settled,
                  stats.video_presented);
  g_assert_cmpuint (stats.video_presented, >, 0);
  g_assert_cmpuint (settled, >, 0);
  if (too_jittery (&feed))
    goto out;
  g_assert_cmpuint (settled, <=, PX_JITTER_BUFFER_DEFAULT_MIN_DELAY_MS + 50);

  /* The picture falls 150 ms behind: the voice waits for it. */
  feed.video_behind = VIDEO_BEHIND_US;
  deadline = g_get_monotonic_time () + TIMEOUT_US;
  while (voice_target_ms (&feed) < settled + 80)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      feed_run (&feed);
      if (too_jittery (&feed))
        goto out;
    }
  peak = voice_target_ms (&feed);
  g_test_message ("150 ms behind: voice target %u ms", peak);

  /* On time again: the extra delay eases off. */
  feed.video_behind = 0;
  deadline = g_get_monotonic_time () + TIMEOUT_US;
  do
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      feed_run (&feed);
      target = voice_target_ms (&feed);
      peak = MAX (peak, target);
      if (too_jittery (&feed))
        goto out;
    }
  while (target + 10 > peak);
  g_test_message ("in time again: voice target %u ms (peak %u ms)", target, peak);

out:
  feed_clear (&feed);
}

static void
test_stats (void)
{
  Feed feed;
  gint64 deadline;
  PxRemoteMediaStats stats;

  feed_init (&feed);
  feed.video_behind = 0;
  feed.drop_every = 5;
  deadline = g_get_monotonic_time () + 4 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline)
    feed_run (&feed);

  px_remote_media_get_stats (feed.remote, &stats);
  g_test_message ("voice loss %.2f; video %.1f kbit/s, %.1f frames/s, latency %.1f ms, %" G_GUINT64_FORMAT
                  " lost", stats.voice_loss, stats.video_kbps, stats.frame_rate, stats.latency_ms,
                  stats.video_lost);
  /* One in five, give or take the edges of the window; more when a
   * loaded machine made packets late. */
  g_assert_cmpfloat (stats.voice_loss, >=, 0.1);
  g_assert_cmpfloat (stats.voice_loss, <, 0.5);
  g_assert_cmpfloat (stats.video_kbps, >, 0.0);
  g_assert_cmpfloat (stats.frame_rate, >, 0.0);
  /* The picture waits for its voice: shown after it was captured. */
  g_assert_cmpfloat (stats.latency_ms, >, 0.0);
  g_assert_cmpuint (stats.video_lost, ==, 0);
  g_assert_cmpuint (stats.volumetric_frames, ==, 0);
  g_assert_cmpfloat (stats.reconstruction_ms, ==, 0.0);

  feed_clear (&feed);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/volumetric/remote-media/lip-sync", test_voice_waits_for_picture);
  g_test_add_func ("/volumetric/remote-media/stats", test_stats);

  return g_test_run ();
}
