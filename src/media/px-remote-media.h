/* px-remote-media.h: what one other participant sends, ready to show and hear
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A PxRemoteMedia decodes one remote participant's camera (VP8) and voice
 * (Opus through an adaptive jitter buffer into the call's PxAudioMixer).
 * PxCallMedia makes one per participant and feeds it the session's
 * frames; the stage reads from it:
 *
 *   - px_remote_media_dup_frame(): the video frame to show now (I420, with
 *     its capture time), already held back or skipped so that it matches
 *     the voice being heard (ITU-R BT.1359 window); "frame-changed" says
 *     when it changed. NULL while there is none or the camera is off.
 *     When the picture keeps trailing the voice by more than the window
 *     allows (a volumetric frame's reconstruction), the voice is delayed
 *     in its jitter buffer to meet it.
 *   - "speaking" and "level": the voice activity indicator and meter.
 *   - local mute and volume of this participant's voice.
 *
 * The first video stream and the first voice stream the participant
 * announces are the ones decoded; others are ignored.
 *
 * Threading: every call and signal on the session's thread. The voice is
 * pulled by the mixer on the call's playout thread; volumetric frames are
 * decoded, in order, on a thread of their own, so that a user interface
 * on the session's thread never waits for VP8 and depth decoding.
 */
#pragma once

#include <glib-object.h>

#include "media/px-audio-mixer.h"
#include "media/px-frame.h"
#include "media/px-volumetric-receiver.h"
#include "net/px-session.h"

G_BEGIN_DECLS

#define PX_TYPE_REMOTE_MEDIA (px_remote_media_get_type ())

G_DECLARE_FINAL_TYPE (PxRemoteMedia, px_remote_media, PX, REMOTE_MEDIA, GObject)

typedef struct
{
  guint64 video_packets;      /* video packets received */
  guint64 video_frames;       /* decoded */
  guint64 video_presented;    /* became the frame to show */
  guint64 video_skipped;      /* decoded but overtaken before their time */
  guint64 voice_packets;      /* voice packets received */
  guint64 volumetric_frames;  /* volumetric frames decoded */
  guint64 video_lost;         /* video or volumetric frames missing from the sequence */
  double  video_loss;         /* video_lost of all video frames that were due, 0–1 */
  /* Over the last two seconds (0 when nothing came): */
  double  video_kbps;         /* video (or volumetric) bitrate received */
  double  frame_rate;         /* frames shown per second */
  double  latency_ms;         /* median capture (sender's clock, synced) → shown here */
  double  reconstruction_ms;  /* median server time from set received to frame built */
  double  voice_loss;         /* fraction of voice packets lost or too late, 0–1 */
} PxRemoteMediaStats;

/* Keyframe requests go back through @session; the voice plays through
 * @mixer under the participant's id. */
PxRemoteMedia        *px_remote_media_new          (PxSession            *session,
                                                    PxSessionParticipant *participant,
                                                    PxAudioMixer         *mixer);

PxSessionParticipant *px_remote_media_get_participant (PxRemoteMedia     *self);

/* Hands over one frame of the participant, as PxSession::media-frame gave
 * it. Damaged frames are dropped (a keyframe is asked for). */
void                  px_remote_media_push_frame   (PxRemoteMedia        *self,
                                                    PxWireKind            kind,
                                                    guint32               stream,
                                                    guint16               flags,
                                                    guint32               sequence,
                                                    gint64                capture_time,
                                                    GBytes               *payload);

/* The frame to show now (a new reference), or NULL. */
PxFrame              *px_remote_media_dup_frame    (PxRemoteMedia        *self);

/* Whether the participant publishes a calibrated rig (property
 * "volumetric"): then they are shown in 3D from
 * px_remote_media_dup_volumetric_view() ("volumetric-changed" says when
 * it changed) and their flat camera streams are not decoded. */
gboolean              px_remote_media_get_volumetric (PxRemoteMedia      *self);
PxVolumetricView     *px_remote_media_dup_volumetric_view (PxRemoteMedia *self);

/* Local mute and volume (0.0–4.0) of this participant's voice. */
void                  px_remote_media_set_muted    (PxRemoteMedia        *self,
                                                    gboolean              muted);
gboolean              px_remote_media_get_muted    (PxRemoteMedia        *self);
void                  px_remote_media_set_volume   (PxRemoteMedia        *self,
                                                    double                volume);
double                px_remote_media_get_volume   (PxRemoteMedia        *self);

/* Voice activity (property "speaking") and level 0–1 (property "level"),
 * refreshed ten times a second. */
gboolean              px_remote_media_get_speaking (PxRemoteMedia        *self);
double                px_remote_media_get_level    (PxRemoteMedia        *self);

void                  px_remote_media_get_stats    (PxRemoteMedia        *self,
                                                    PxRemoteMediaStats   *stats);

/* The voice's jitter buffer figures; FALSE before any voice came. */
gboolean              px_remote_media_get_voice_stats (PxRemoteMedia       *self,
                                                       PxJitterBufferStats *stats);

G_END_DECLS
