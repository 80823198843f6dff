/* px-av-sync.c: when to show a participant's video against their voice
 *
 * Audio is the master clock: the jitter buffer has already decided how
 * late the voice plays, and moving it would be heard. The offset between
 * local time and the sender's capture time of the voice being heard says
 * when every video frame should appear: at its own capture time plus that
 * offset. A frame is shown from half a frame (16 ms) before that moment;
 * earlier ones wait; one more than 45 ms past it is late.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "media/px-av-sync.h"

#define EARLY_SLACK_US     (16 * 1000)
#define CLOCK_STALE_US     (500 * 1000)
/* A frame due further ahead than this is not a lip-sync matter but a
 * broken clock: show it rather than hold the picture. */
#define MAX_WAIT_US        (G_USEC_PER_SEC)

struct _PxAvSync
{
  GObject parent_instance;

  GMutex lock;
  gboolean have_clock;
  gint64 clock_local_us;
  gint64 offset_us;        /* local time minus capture time of the voice heard */
  double video_lag_us;
};

G_DEFINE_FINAL_TYPE (PxAvSync, px_av_sync, G_TYPE_OBJECT)

static void
px_av_sync_finalize (GObject *object)
{
  PxAvSync *self = PX_AV_SYNC (object);

  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (px_av_sync_parent_class)->finalize (object);
}

static void
px_av_sync_class_init (PxAvSyncClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = px_av_sync_finalize;
}

static void
px_av_sync_init (PxAvSync *self)
{
  g_mutex_init (&self->lock);
}

PxAvSync *
px_av_sync_new (void)
{
  return g_object_new (PX_TYPE_AV_SYNC, NULL);
}

void
px_av_sync_update_audio_clock (PxAvSync *self,
                               gint64    local_time_us,
                               gint64    capture_time_us)
{
  g_return_if_fail (PX_IS_AV_SYNC (self));

  g_mutex_lock (&self->lock);
  self->have_clock = TRUE;
  self->clock_local_us = local_time_us;
  self->offset_us = local_time_us - capture_time_us;
  g_mutex_unlock (&self->lock);
}

void
px_av_sync_reset (PxAvSync *self)
{
  g_return_if_fail (PX_IS_AV_SYNC (self));

  g_mutex_lock (&self->lock);
  self->have_clock = FALSE;
  self->video_lag_us = 0.0;
  g_mutex_unlock (&self->lock);
}

PxAvSyncDecision
px_av_sync_decide (PxAvSync *self,
                   gint64    now_us,
                   gint64    frame_capture_us,
                   gint64   *present_at_us)
{
  PxAvSyncDecision decision;
  gint64 due_us;
  gint64 lag_us;

  g_return_val_if_fail (PX_IS_AV_SYNC (self), PX_AV_SYNC_PRESENT);

  g_mutex_lock (&self->lock);

  if (!self->have_clock || now_us - self->clock_local_us > CLOCK_STALE_US
      || now_us < self->clock_local_us - CLOCK_STALE_US)
    {
      if (present_at_us != NULL)
        *present_at_us = now_us;
      g_mutex_unlock (&self->lock);
      return PX_AV_SYNC_PRESENT;
    }

  due_us = frame_capture_us + self->offset_us;
  lag_us = now_us - due_us;

  if (lag_us < -EARLY_SLACK_US && -lag_us <= MAX_WAIT_US)
    decision = PX_AV_SYNC_WAIT;
  else if (lag_us > PX_AV_SYNC_MAX_AUDIO_LEAD_US && lag_us <= MAX_WAIT_US)
    decision = PX_AV_SYNC_LATE;
  else
    decision = PX_AV_SYNC_PRESENT;

  if (decision != PX_AV_SYNC_WAIT && ABS (lag_us) <= MAX_WAIT_US)
    self->video_lag_us = 0.9 * self->video_lag_us + 0.1 * MAX (lag_us, 0);

  if (present_at_us != NULL)
    *present_at_us = decision == PX_AV_SYNC_WAIT ? due_us : now_us;

  g_mutex_unlock (&self->lock);
  return decision;
}

gint64
px_av_sync_get_video_lag (PxAvSync *self)
{
  gint64 lag;

  g_return_val_if_fail (PX_IS_AV_SYNC (self), 0);

  g_mutex_lock (&self->lock);
  lag = (gint64) self->video_lag_us;
  g_mutex_unlock (&self->lock);
  return lag;
}
