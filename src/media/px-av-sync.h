/* px-av-sync.h: when to show a participant's video against their voice
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* ITU-R BT.1359: sound may lead the picture by at most 45 ms and lag it by
 * at most 125 ms before people notice. */
#define PX_AV_SYNC_MAX_AUDIO_LEAD_US  (45 * 1000)
#define PX_AV_SYNC_MAX_AUDIO_LAG_US   (125 * 1000)

typedef enum
{
  PX_AV_SYNC_PRESENT,   /* show the frame now */
  PX_AV_SYNC_WAIT,      /* too early for the voice: show it at the time given */
  PX_AV_SYNC_LATE,      /* its voice was heard more than 45 ms ago: show it only
                         * if no newer frame is ready */
} PxAvSyncDecision;

#define PX_TYPE_AV_SYNC (px_av_sync_get_type ())

G_DECLARE_FINAL_TYPE (PxAvSync, px_av_sync, PX, AV_SYNC, GObject)

PxAvSync         *px_av_sync_new                (void);

/* The audio clock of the participant: at local monotonic time
 * @local_time_us the voice captured at @capture_time_us was being heard
 * (px_jitter_buffer_get_playout_clock() gives both). */
void              px_av_sync_update_audio_clock (PxAvSync *self,
                                                 gint64    local_time_us,
                                                 gint64    capture_time_us);

/* Forgets the audio clock (the participant muted or left): video is then
 * shown as it comes. */
void              px_av_sync_reset              (PxAvSync *self);

/* Decides for a video frame captured at @frame_capture_us (the sender's
 * clock, as the voice's), at local time @now_us. @present_at_us (may be
 * NULL) receives the local time the frame matches the voice. Without a
 * recent audio clock (none, or none for 500 ms) every frame is PRESENT. */
PxAvSyncDecision  px_av_sync_decide             (PxAvSync *self,
                                                 gint64    now_us,
                                                 gint64    frame_capture_us,
                                                 gint64   *present_at_us);

/* How far video trailed its voice lately (smoothed), microseconds; 0 when
 * in time. When it stays above the 45 ms window, the caller may raise the
 * voice's minimum delay by that much so the two meet again. */
gint64            px_av_sync_get_video_lag      (PxAvSync *self);

G_END_DECLS
