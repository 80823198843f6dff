/* px-remote-media.c: what one other participant sends, ready to show and hear
 *
 * Threads: everything here runs on the session's thread. Video is decoded
 * there as it arrives (a VP8 frame of a camera takes a few milliseconds);
 * the jitter buffer takes voice packets there and is pulled by the mixer on
 * the call's playout thread (it locks for itself).
 *
 * Decoded frames wait in a short queue until PxAvSync says their voice is
 * being heard; a frame overtaken by a newer presentable one is skipped.
 *
 * A participant whose calibration carries a rig is volumetric: from then
 * on its volumetric frames are decoded by a PxVolumetricReceiver and wait
 * for their voice the same way, and its flat camera streams are counted
 * but not decoded (PxCallMedia stops receiving them).
 *
 * The statistics are measured here: every figure over a window comes from
 * samples of the last two seconds.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "media/px-av-sync.h"
#include "media/px-jitter-buffer.h"
#include "media/px-remote-media.h"
#include "media/px-video-decoder.h"

#define MAX_WAITING_FRAMES  8
#define LEVEL_REFRESH_MS    100
#define STATS_WINDOW_US     (2 * G_USEC_PER_SEC)
/* Below this the rates of a stream that just started mean little. */
#define STATS_MIN_SPAN_US   (G_USEC_PER_SEC / 4)
/* Lip sync: the voice's extra delay changes at most once a second, aims
 * for the picture 30 ms behind its voice, and eases off 5 ms at a time. */
#define LIP_SYNC_INTERVAL_US  G_USEC_PER_SEC
#define LIP_SYNC_TARGET_US    (30 * 1000)
#define LIP_SYNC_RELAX_MS     5
#define LIP_SYNC_MAX_EXTRA_MS (PX_JITTER_BUFFER_DEFAULT_MAX_DELAY_MS - PX_JITTER_BUFFER_DEFAULT_MIN_DELAY_MS)

/* One measurement at a local instant. */
typedef struct
{
  gint64 time;
  gint64 value;
} Sample;

struct _PxRemoteMedia
{
  GObject parent_instance;

  PxSession *session;
  PxSessionParticipant *participant;
  guint32 participant_id;
  PxAudioMixer *mixer;
  GMainContext *context;

  guint32 video_stream;       /* 0 until the first video frame */
  PxVideoDecoder *decoder;
  guint32 voice_stream;       /* 0 until the first voice frame */
  PxJitterBuffer *jitter_buffer;
  PxAvSync *av_sync;

  GQueue waiting;             /* PxFrame, oldest first */
  PxFrame *current;
  GSource *present_source;
  GSource *level_source;

  gboolean speaking;
  double level;
  gulong video_muted_id;
  gulong audio_muted_id;
  gulong calibration_handler;

  gboolean volumetric;
  PxVolumetricReceiver *receiver;  /* used under receiver_lock: it decodes on the pool */
  GMutex receiver_lock;
  GThreadPool *decode_pool;   /* one thread: volumetric frames decode in order, off this one */
  guint32 volumetric_stream;
  GQueue waiting_views;       /* PxVolumetricView, oldest first */
  PxVolumetricView *current_view;

  guint voice_extra_ms;       /* added to the voice's minimum delay for lip sync */
  gint64 voice_extra_changed;

  PxRemoteMediaStats stats;
  gboolean have_sequence;     /* of the stream shown: flat video or volumetric */
  guint32 last_sequence;
  gint64 first_bytes_time;    /* 0 until the stream shown brought bytes */
  GArray *bytes;              /* Sample: payload bytes received */
  GArray *shown;              /* Sample: µs from capture to shown */
  GArray *reconstruction;     /* Sample: the server's µs from set received to built */
  GArray *voice;              /* Sample: jitter buffer packets lost or late (value) … */
  GArray *voice_total;        /* … and packets in all, at the same times */
};

G_DEFINE_FINAL_TYPE (PxRemoteMedia, px_remote_media, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_SPEAKING,
  PROP_LEVEL,
  PROP_VOLUMETRIC,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_FRAME_CHANGED,
  SIGNAL_VOLUMETRIC_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void present_frames (PxRemoteMedia *self);

/* ------------------------------------------------------------------------ */
/* Samples over the statistics window                                       */

static void
samples_prune (GArray *samples,
               gint64  now)
{
  guint old = 0;

  while (old < samples->len && g_array_index (samples, Sample, old).time < now - STATS_WINDOW_US)
    old++;
  if (old > 0)
    g_array_remove_range (samples, 0, old);
}

static void
samples_add (GArray *samples,
             gint64  time,
             gint64  value)
{
  Sample sample = { time, value };

  samples_prune (samples, time);
  g_array_append_val (samples, sample);
}

static gint64
samples_sum (GArray *samples)
{
  gint64 sum = 0;

  for (guint i = 0; i < samples->len; i++)
    sum += g_array_index (samples, Sample, i).value;
  return sum;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

/* The median of the values, 0 without any. */
static double
samples_median (GArray *samples)
{
  g_autofree gint64 *values = NULL;
  guint n = samples->len;

  if (n == 0)
    return 0.0;
  values = g_new (gint64, n);
  for (guint i = 0; i < n; i++)
    values[i] = g_array_index (samples, Sample, i).value;
  qsort (values, n, sizeof *values, compare_gint64);
  return n % 2 == 1 ? (double) values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

/* How long the rates are measured over: the window, or less while the
 * stream is younger than it. */
static double
stats_span_seconds (PxRemoteMedia *self,
                    gint64         now)
{
  gint64 span = STATS_WINDOW_US;

  if (self->first_bytes_time != 0)
    span = MIN (span, now - self->first_bytes_time);
  return MAX (span, STATS_MIN_SPAN_US) / (double) G_USEC_PER_SEC;
}

/* A frame of the stream shown arrived: its bytes, and the sequence gaps
 * before it. */
static void
count_received (PxRemoteMedia *self,
                guint32        sequence,
                gsize          size)
{
  gint64 now = g_get_monotonic_time ();

  if (self->first_bytes_time == 0)
    self->first_bytes_time = now;
  samples_add (self->bytes, now, (gint64) size);

  if (self->have_sequence)
    {
      guint32 gap = sequence - self->last_sequence - 1;

      /* Older or repeated frames, or a publisher that started counting
       * again, are no loss. */
      if ((gint32) (sequence - self->last_sequence) > 0 && gap < 1000)
        self->stats.video_lost += gap;
    }
  self->have_sequence = TRUE;
  self->last_sequence = sequence;
}

/* Keeps the voice's loss counters over the window (every level refresh). */
static void
sample_voice (PxRemoteMedia *self,
              gint64         now)
{
  PxJitterBufferStats stats;
  Sample missed = { now, 0 }, total = { now, 0 };

  if (self->jitter_buffer == NULL)
    return;
  px_jitter_buffer_get_stats (self->jitter_buffer, &stats);
  /* One sample older than the window stays as the starting point. */
  while (self->voice->len > 1 && g_array_index (self->voice, Sample, 1).time < now - STATS_WINDOW_US)
    {
      g_array_remove_index (self->voice, 0);
      g_array_remove_index (self->voice_total, 0);
    }
  missed.value = (gint64) (stats.lost + stats.late);
  total.value = (gint64) (stats.received + stats.lost + stats.late);
  g_array_append_val (self->voice, missed);
  g_array_append_val (self->voice_total, total);
}

/* ------------------------------------------------------------------------ */
/* Presenting                                                               */

static void
set_current (PxRemoteMedia *self,
             PxFrame       *frame)
{
  if (self->current == frame)
    return;
  g_clear_pointer (&self->current, px_frame_unref);
  if (frame != NULL)
    {
      self->current = px_frame_ref (frame);
      samples_add (self->shown, g_get_monotonic_time (),
                   g_get_monotonic_time () - frame->capture_time_us);
    }
  g_signal_emit (self, signals[SIGNAL_FRAME_CHANGED], 0);
}

static void
set_current_view (PxRemoteMedia    *self,
                  PxVolumetricView *view)
{
  if (self->current_view == view)
    return;
  g_clear_pointer (&self->current_view, px_volumetric_view_unref);
  if (view != NULL)
    {
      gint64 now = g_get_monotonic_time ();

      self->current_view = px_volumetric_view_ref (view);
      /* The capture time is the server's: so is the instant it is shown. */
      samples_add (self->shown, now, px_session_to_server_time (self->session, now) - view->capture_time);
    }
  g_signal_emit (self, signals[SIGNAL_VOLUMETRIC_CHANGED], 0);
}

static void
clear_present_source (PxRemoteMedia *self)
{
  if (self->present_source != NULL)
    {
      g_source_destroy (self->present_source);
      g_clear_pointer (&self->present_source, g_source_unref);
    }
}

static void
clear_video (PxRemoteMedia *self)
{
  g_queue_clear_full (&self->waiting, (GDestroyNotify) px_frame_unref);
  g_queue_clear_full (&self->waiting_views, (GDestroyNotify) px_volumetric_view_unref);
  clear_present_source (self);
  set_current (self, NULL);
  set_current_view (self, NULL);
}

static gboolean
present_timeout_cb (gpointer data)
{
  PxRemoteMedia *self = data;

  g_clear_pointer (&self->present_source, g_source_unref);
  present_frames (self);
  return G_SOURCE_REMOVE;
}

/* When a frame captured at @capture_time (local clock) may be shown;
 * PX_AV_SYNC_WAIT arms the timer that looks again. */
static PxAvSyncDecision
decide (PxRemoteMedia *self,
        gint64         now,
        gint64         capture_time)
{
  gint64 present_at = 0;
  PxAvSyncDecision decision;

  decision = px_av_sync_decide (self->av_sync, now, capture_time, &present_at);
  if (decision == PX_AV_SYNC_WAIT)
    {
      guint delay_ms = (guint) CLAMP ((present_at - now + 999) / 1000, 1, 1000);

      clear_present_source (self);
      self->present_source = g_timeout_source_new (delay_ms);
      g_source_set_priority (self->present_source, G_PRIORITY_HIGH_IDLE - 10);
      g_source_set_callback (self->present_source, present_timeout_cb, self, NULL);
      g_source_attach (self->present_source, self->context);
    }
  return decision;
}

static void
present_views (PxRemoteMedia *self,
               gint64         now)
{
  PxVolumetricView *chosen = NULL;

  while (!g_queue_is_empty (&self->waiting_views))
    {
      PxVolumetricView *view = g_queue_peek_head (&self->waiting_views);
      gint64 capture_time = px_session_to_local_time (self->session, view->capture_time);

      if (decide (self, now, capture_time) == PX_AV_SYNC_WAIT)
        break;

      g_queue_pop_head (&self->waiting_views);
      if (chosen != NULL)
        {
          self->stats.video_skipped++;
          px_volumetric_view_unref (chosen);
        }
      chosen = view;
    }

  if (chosen != NULL)
    {
      self->stats.video_presented++;
      set_current_view (self, chosen);
      px_volumetric_view_unref (chosen);
    }
}

static void
present_frames (PxRemoteMedia *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 local_time, capture_time;
  PxFrame *chosen = NULL;

  if (self->jitter_buffer != NULL
      && px_jitter_buffer_get_playout_clock (self->jitter_buffer, &local_time, &capture_time))
    px_av_sync_update_audio_clock (self->av_sync, local_time, capture_time);

  if (self->volumetric)
    {
      present_views (self, now);
      return;
    }

  while (!g_queue_is_empty (&self->waiting))
    {
      PxFrame *frame = g_queue_peek_head (&self->waiting);

      if (decide (self, now, frame->capture_time_us) == PX_AV_SYNC_WAIT)
        break;

      /* PRESENT, or LATE: either way nothing older should be shown after it. */
      g_queue_pop_head (&self->waiting);
      if (chosen != NULL)
        {
          self->stats.video_skipped++;
          px_frame_unref (chosen);
        }
      chosen = frame;
    }

  if (chosen != NULL)
    {
      self->stats.video_presented++;
      set_current (self, chosen);
      px_frame_unref (chosen);
    }
}

static void
keyframe_needed_cb (PxVideoDecoder *decoder,
                    PxRemoteMedia  *self)
{
  px_session_request_keyframe (self->session, self->participant_id, self->video_stream);
}

static void
push_video (PxRemoteMedia *self,
            guint32        sequence,
            gint64         capture_time,
            GBytes        *payload)
{
  g_autoptr(GError) error = NULL;
  PxFrame *frame;
  gsize size;
  const guint8 *data = g_bytes_get_data (payload, &size);

  self->stats.video_packets++;
  /* A volumetric participant's cameras are in its volumetric frames. */
  if (self->volumetric)
    return;
  count_received (self, sequence, size);
  if (px_session_participant_get_video_muted (self->participant))
    return;

  frame = px_video_decoder_decode (self->decoder, data, size, sequence, capture_time, &error);
  if (frame == NULL)
    {
      if (error != NULL)
        g_debug ("Dropped a video frame of participant %u: %s", self->participant_id,
                 error->message);
      return;
    }

  self->stats.video_frames++;
  g_queue_push_tail (&self->waiting, frame);
  while (g_queue_get_length (&self->waiting) > MAX_WAITING_FRAMES)
    {
      px_frame_unref (g_queue_pop_head (&self->waiting));
      self->stats.video_skipped++;
    }
  present_frames (self);
}

/* A volumetric frame travels to the decoding thread and its view back. */
typedef struct
{
  GWeakRef owner;
  guint32 sequence;
  guint16 flags;
  gint64 capture_time;        /* server clock */
  GBytes *payload;
  PxVolumetricView *view;     /* the result */
  GError *error;
} DecodeJob;

static void
decode_job_free (DecodeJob *job)
{
  g_weak_ref_clear (&job->owner);
  g_clear_pointer (&job->payload, g_bytes_unref);
  g_clear_pointer (&job->view, px_volumetric_view_unref);
  g_clear_error (&job->error);
  g_free (job);
}

/* Back on the session's thread with a decoded view (or why not). */
static gboolean
volumetric_decoded_cb (gpointer data)
{
  DecodeJob *job = data;
  g_autoptr(PxRemoteMedia) self = g_weak_ref_get (&job->owner);
  PxVolumetricView *view = g_steal_pointer (&job->view);

  if (self == NULL || self->decode_pool == NULL || !self->volumetric)
    {
      g_clear_pointer (&view, px_volumetric_view_unref);
      return G_SOURCE_REMOVE;
    }
  if (view == NULL)
    {
      if (job->error != NULL)
        g_debug ("Dropped a volumetric frame of participant %u: %s", self->participant_id,
                 job->error->message);
      return G_SOURCE_REMOVE;
    }

  self->stats.volumetric_frames++;
  if (view->has_timings)
    samples_add (self->reconstruction, view->decoded_local, view->timings.built - view->timings.received);
  g_queue_push_tail (&self->waiting_views, view);
  while (g_queue_get_length (&self->waiting_views) > MAX_WAITING_FRAMES)
    {
      px_volumetric_view_unref (g_queue_pop_head (&self->waiting_views));
      self->stats.video_skipped++;
    }
  present_frames (self);
  return G_SOURCE_REMOVE;
}

/* On the decoding thread: VP8 and depth decoding take milliseconds that
 * the user interface's thread must not spend. */
static void
decode_volumetric_func (gpointer data,
                        gpointer user_data)
{
  DecodeJob *job = data;
  PxRemoteMedia *self = user_data;

  g_mutex_lock (&self->receiver_lock);
  job->view = px_volumetric_receiver_push (self->receiver, job->sequence, job->flags,
                                           job->capture_time, job->payload, &job->error);
  g_mutex_unlock (&self->receiver_lock);
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, volumetric_decoded_cb, job,
                              (GDestroyNotify) decode_job_free);
}

static void
push_volumetric (PxRemoteMedia *self,
                 guint16        flags,
                 guint32        sequence,
                 gint64         capture_time,
                 GBytes        *payload)
{
  DecodeJob *job;

  count_received (self, sequence, g_bytes_get_size (payload));
  if (px_session_participant_get_video_muted (self->participant))
    return;

  /* A decoder that fell this far behind skips ahead: the receiver sees
   * the gap and asks for a keyframe rather than show old frames late. */
  if (g_thread_pool_unprocessed (self->decode_pool) >= MAX_WAITING_FRAMES)
    {
      self->stats.video_skipped++;
      return;
    }

  job = g_new0 (DecodeJob, 1);
  g_weak_ref_init (&job->owner, self);
  job->sequence = sequence;
  job->flags = flags;
  /* Views carry the server's clock, like the timings inside. */
  job->capture_time = px_session_to_server_time (self->session, capture_time);
  job->payload = g_bytes_ref (payload);
  g_thread_pool_push (self->decode_pool, job, NULL);
}

typedef struct
{
  GWeakRef owner;
  guint32 stream;
} KeyframeRequest;

static void
keyframe_request_free (KeyframeRequest *request)
{
  g_weak_ref_clear (&request->owner);
  g_free (request);
}

static gboolean
request_keyframe_cb (gpointer data)
{
  KeyframeRequest *request = data;
  g_autoptr(PxRemoteMedia) self = g_weak_ref_get (&request->owner);

  /* The server passes it on to the publisher's left camera. */
  if (self != NULL && self->session != NULL)
    px_session_request_keyframe (self->session, self->participant_id, request->stream);
  return G_SOURCE_REMOVE;
}

/* Emitted on the decoding thread: the session is asked on its own. */
static void
volumetric_keyframe_needed_cb (PxVolumetricReceiver *receiver,
                               PxRemoteMedia        *self)
{
  KeyframeRequest *request = g_new0 (KeyframeRequest, 1);

  g_weak_ref_init (&request->owner, self);
  request->stream = px_volumetric_receiver_get_stream (receiver);
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, request_keyframe_cb, request,
                              (GDestroyNotify) keyframe_request_free);
}

static void
calibration_cb (PxSession            *session,
                PxSessionParticipant *participant,
                JsonObject           *data,
                PxRemoteMedia        *self)
{
  g_autoptr(GError) error = NULL;
  guint32 old_id, new_id;
  gboolean ok;

  if (participant != self->participant || data == NULL || !json_object_has_member (data, "rig"))
    return;

  if (self->receiver == NULL)
    {
      self->receiver = px_volumetric_receiver_new ();
      g_signal_connect (self->receiver, "keyframe-needed",
                        G_CALLBACK (volumetric_keyframe_needed_cb), self);
      self->decode_pool = g_thread_pool_new (decode_volumetric_func, self, 1, FALSE, NULL);
    }
  g_mutex_lock (&self->receiver_lock);
  old_id = px_volumetric_receiver_get_calibration_id (self->receiver);
  ok = px_volumetric_receiver_set_calibration (self->receiver, data, &error);
  new_id = px_volumetric_receiver_get_calibration_id (self->receiver);
  self->volumetric_stream = px_volumetric_receiver_get_stream (self->receiver);
  g_mutex_unlock (&self->receiver_lock);
  if (!ok)
    {
      g_debug ("Participant %u sent a rig this client cannot show: %s", self->participant_id,
               error->message);
      return;
    }

  /* Volumetric frames count from 0 again with each calibration. */
  if (!self->volumetric || old_id != new_id)
    self->have_sequence = FALSE;
  if (self->volumetric)
    return;

  self->volumetric = TRUE;
  clear_video (self);
  self->first_bytes_time = 0;
  g_array_set_size (self->bytes, 0);
  g_array_set_size (self->shown, 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VOLUMETRIC]);
}

void
px_remote_media_push_frame (PxRemoteMedia *self,
                            PxWireKind     kind,
                            guint32        stream,
                            guint16        flags,
                            guint32        sequence,
                            gint64         capture_time,
                            GBytes        *payload)
{
  g_return_if_fail (PX_IS_REMOTE_MEDIA (self));
  g_return_if_fail (payload != NULL);

  switch (kind)
    {
    case PX_WIRE_KIND_VIDEO:
      if (self->video_stream == 0)
        {
          self->video_stream = stream;
          self->decoder = px_video_decoder_new ();
          g_signal_connect (self->decoder, "keyframe-needed",
                            G_CALLBACK (keyframe_needed_cb), self);
        }
      if (stream == self->video_stream)
        push_video (self, sequence, capture_time, payload);
      break;

    case PX_WIRE_KIND_AUDIO:
      if (self->voice_stream == 0)
        {
          self->voice_stream = stream;
          self->jitter_buffer = px_jitter_buffer_new ();
          px_audio_mixer_add (self->mixer, self->participant_id, self->jitter_buffer);
        }
      if (stream == self->voice_stream)
        {
          gsize size;
          const guint8 *data = g_bytes_get_data (payload, &size);

          self->stats.voice_packets++;
          px_jitter_buffer_push (self->jitter_buffer, sequence, capture_time,
                                 g_get_monotonic_time (), data, size);
        }
      break;

    case PX_WIRE_KIND_DEPTH:
      if (self->receiver != NULL && self->volumetric && stream == self->volumetric_stream)
        push_volumetric (self, flags, sequence, capture_time, payload);
      break;

    case PX_WIRE_KIND_DATA:
    default:
      break;
    }
}

/* ITU-R BT.1359: the voice may be heard at most 45 ms before the picture
 * that goes with it. When the picture keeps trailing by more (a
 * volumetric frame spends its reconstruction time on the server while the
 * voice is forwarded at once; a slow decoder), the voice waits that much
 * longer in its jitter buffer; when the picture has caught up, the extra
 * delay eases off slowly, so the voice is no later than it must be. */
static void
follow_video_lag (PxRemoteMedia *self,
                  gint64         now)
{
  guint extra = self->voice_extra_ms;
  gint64 lag;

  if (self->jitter_buffer == NULL || now - self->voice_extra_changed < LIP_SYNC_INTERVAL_US)
    return;

  samples_prune (self->shown, now);
  lag = px_av_sync_get_video_lag (self->av_sync);
  /* No picture lately (camera off): nothing to wait for. */
  if (self->shown->len == 0)
    extra = 0;
  else if (lag > PX_AV_SYNC_MAX_AUDIO_LEAD_US)
    extra = MIN (extra + (guint) ((lag - LIP_SYNC_TARGET_US) / 1000), LIP_SYNC_MAX_EXTRA_MS);
  else if (lag < LIP_SYNC_TARGET_US / 2)
    extra -= MIN (extra, LIP_SYNC_RELAX_MS);

  if (extra == self->voice_extra_ms)
    return;
  g_debug ("Voice of participant %u: %u ms more delay for lip sync (picture %" G_GINT64_FORMAT " ms behind)",
           self->participant_id, extra, lag / 1000);
  self->voice_extra_ms = extra;
  self->voice_extra_changed = now;
  px_jitter_buffer_set_delay_bounds (self->jitter_buffer, PX_JITTER_BUFFER_DEFAULT_MIN_DELAY_MS + extra,
                                     PX_JITTER_BUFFER_DEFAULT_MAX_DELAY_MS);
}

static gboolean
level_refresh_cb (gpointer data)
{
  PxRemoteMedia *self = data;
  gboolean speaking = px_audio_mixer_get_speaking (self->mixer, self->participant_id);
  double level = px_audio_mixer_get_level (self->mixer, self->participant_id);
  gint64 now = g_get_monotonic_time ();

  sample_voice (self, now);
  follow_video_lag (self, now);

  if (speaking != self->speaking)
    {
      self->speaking = speaking;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEAKING]);
    }
  if (level != self->level)
    {
      self->level = level;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LEVEL]);
    }

  return G_SOURCE_CONTINUE;
}

static void
video_muted_cb (PxSessionParticipant *participant,
                GParamSpec           *pspec,
                PxRemoteMedia        *self)
{
  /* A camera turned off leaves no frozen picture behind. */
  if (px_session_participant_get_video_muted (participant))
    clear_video (self);
}

static void
audio_muted_cb (PxSessionParticipant *participant,
                GParamSpec           *pspec,
                PxRemoteMedia        *self)
{
  /* Without voice, video is shown as it comes. */
  if (px_session_participant_get_audio_muted (participant))
    px_av_sync_reset (self->av_sync);
}

PxSessionParticipant *
px_remote_media_get_participant (PxRemoteMedia *self)
{
  g_return_val_if_fail (PX_IS_REMOTE_MEDIA (self), NULL);

  return self->participant;
}

PxFrame *
px_remote_media_dup_frame (PxRemoteMedia *self)
{
  g_return_val_if_fail (PX_IS_REMOTE_MEDIA (self), NULL);

  return self->current != NULL ? px_frame_ref (self->current) : NULL;
}

gboolean
px_remote_media_get_volumetric (PxRemoteMedia *self)
{
  g_return_val_if_fail (PX_IS_REMOTE_MEDIA (self), FALSE);

  return self->volumetric;
}

PxVolumetricView *
px_remote_media_dup_volumetric_view (PxRemoteMedia *self)
{
  g_return_val_if_fail (PX_IS_REMOTE_MEDIA (self), NULL);

  return self->current_view != NULL ? px_volumetric_view_ref (self->current_view) : NULL;
}

void
px_remote_media_set_muted (PxRemoteMedia *self,
                           gboolean       muted)
{
  g_return_if_fail (PX_IS_REMOTE_MEDIA (self));

  px_audio_mixer_set_muted (self->mixer, self->participant_id, muted);
}

gboolean
px_remote_media_get_muted (PxRemoteMedia *self)
{
  g_return_val_if_fail (PX_IS_REMOTE_MEDIA (self), FALSE);

  return px_audio_mixer_get_muted (self->mixer, self->participant_id);
}

void
px_remote_media_set_volume (PxRemoteMedia *self,
                            double         volume)
{
  g_return_if_fail (PX_IS_REMOTE_MEDIA (self));

  px_audio_mixer_set_volume (self->mixer, self->participant_id, volume);
}

double
px_remote_media_get_volume (PxRemoteMedia *self)
{
  g_return_val_if_fail (PX_IS_REMOTE_MEDIA (self), 1.0);

  return px_audio_mixer_get_volume (self->mixer, self->participant_id);
}

gboolean
px_remote_media_get_speaking (PxRemoteMedia *self)
{
  g_return_val_if_fail (PX_IS_REMOTE_MEDIA (self), FALSE);

  return self->speaking;
}

double
px_remote_media_get_level (PxRemoteMedia *self)
{
  g_return_val_if_fail (PX_IS_REMOTE_MEDIA (self), 0.0);

  return self->level;
}

void
px_remote_media_get_stats (PxRemoteMedia      *self,
                           PxRemoteMediaStats *stats)
{
  gint64 now = g_get_monotonic_time ();
  guint64 video_total;
  double span;

  g_return_if_fail (PX_IS_REMOTE_MEDIA (self));
  g_return_if_fail (stats != NULL);

  *stats = self->stats;
  video_total = stats->video_frames + stats->volumetric_frames + stats->video_lost;
  stats->video_loss = video_total > 0 ? (double) stats->video_lost / (double) video_total : 0.0;
  samples_prune (self->bytes, now);
  samples_prune (self->shown, now);
  samples_prune (self->reconstruction, now);
  span = stats_span_seconds (self, now);
  stats->video_kbps = samples_sum (self->bytes) * 8.0 / 1000.0 / span;
  stats->frame_rate = self->shown->len / span;
  stats->latency_ms = samples_median (self->shown) / 1000.0;
  stats->reconstruction_ms = samples_median (self->reconstruction) / 1000.0;
  stats->voice_loss = 0.0;
  if (self->voice->len >= 2)
    {
      gint64 lost = g_array_index (self->voice, Sample, self->voice->len - 1).value
                    - g_array_index (self->voice, Sample, 0).value;
      gint64 total = g_array_index (self->voice_total, Sample, self->voice->len - 1).value
                     - g_array_index (self->voice_total, Sample, 0).value;

      if (total > 0)
        stats->voice_loss = CLAMP ((double) lost / total, 0.0, 1.0);
    }
}

gboolean
px_remote_media_get_voice_stats (PxRemoteMedia       *self,
                                 PxJitterBufferStats *stats)
{
  g_return_val_if_fail (PX_IS_REMOTE_MEDIA (self), FALSE);
  g_return_val_if_fail (stats != NULL, FALSE);

  if (self->jitter_buffer == NULL)
    {
      memset (stats, 0, sizeof *stats);
      return FALSE;
    }
  px_jitter_buffer_get_stats (self->jitter_buffer, stats);
  return TRUE;
}

static void
px_remote_media_dispose (GObject *object)
{
  PxRemoteMedia *self = PX_REMOTE_MEDIA (object);

  clear_video (self);
  if (self->level_source != NULL)
    {
      g_source_destroy (self->level_source);
      g_clear_pointer (&self->level_source, g_source_unref);
    }
  if (self->mixer != NULL && self->jitter_buffer != NULL)
    px_audio_mixer_remove (self->mixer, self->participant_id);
  if (self->participant != NULL)
    {
      g_clear_signal_handler (&self->video_muted_id, self->participant);
      g_clear_signal_handler (&self->audio_muted_id, self->participant);
    }
  if (self->session != NULL)
    g_clear_signal_handler (&self->calibration_handler, self->session);
  if (self->decoder != NULL)
    g_signal_handlers_disconnect_by_data (self->decoder, self);
  g_clear_object (&self->decoder);
  /* Frames not started are dropped; the one decoding is waited for. */
  if (self->decode_pool != NULL)
    g_thread_pool_free (g_steal_pointer (&self->decode_pool), TRUE, TRUE);
  if (self->receiver != NULL)
    g_signal_handlers_disconnect_by_data (self->receiver, self);
  g_clear_object (&self->receiver);
  g_clear_object (&self->jitter_buffer);
  g_clear_object (&self->av_sync);
  g_clear_object (&self->mixer);
  g_clear_object (&self->participant);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (px_remote_media_parent_class)->dispose (object);
}

static void
px_remote_media_finalize (GObject *object)
{
  PxRemoteMedia *self = PX_REMOTE_MEDIA (object);

  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->receiver_lock);
  g_array_unref (self->bytes);
  g_array_unref (self->shown);
  g_array_unref (self->reconstruction);
  g_array_unref (self->voice);
  g_array_unref (self->voice_total);

  G_OBJECT_CLASS (px_remote_media_parent_class)->finalize (object);
}

static void
px_remote_media_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  PxRemoteMedia *self = PX_REMOTE_MEDIA (object);

  switch (prop_id)
    {
    case PROP_SPEAKING:
      g_value_set_boolean (value, self->speaking);
      break;
    case PROP_LEVEL:
      g_value_set_double (value, self->level);
      break;
    case PROP_VOLUMETRIC:
      g_value_set_boolean (value, self->volumetric);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
px_remote_media_class_init (PxRemoteMediaClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = px_remote_media_dispose;
  object_class->finalize = px_remote_media_finalize;
  object_class->get_property = px_remote_media_get_property;

  properties[PROP_SPEAKING] =
    g_param_spec_boolean ("speaking", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LEVEL] =
    g_param_spec_double ("level", NULL, NULL, 0.0, 1.0, 0.0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The participant publishes a calibrated rig: shown in 3D. */
  properties[PROP_VOLUMETRIC] =
    g_param_spec_boolean ("volumetric", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The frame to show (px_remote_media_dup_frame()) changed, or went away. */
  signals[SIGNAL_FRAME_CHANGED] =
    g_signal_new ("frame-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* The view to show (px_remote_media_dup_volumetric_view()) changed, or
   * went away. */
  signals[SIGNAL_VOLUMETRIC_CHANGED] =
    g_signal_new ("volumetric-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
px_remote_media_init (PxRemoteMedia *self)
{
  g_queue_init (&self->waiting);
  g_queue_init (&self->waiting_views);
  g_mutex_init (&self->receiver_lock);
  self->av_sync = px_av_sync_new ();
  self->bytes = g_array_new (FALSE, FALSE, sizeof (Sample));
  self->shown = g_array_new (FALSE, FALSE, sizeof (Sample));
  self->reconstruction = g_array_new (FALSE, FALSE, sizeof (Sample));
  self->voice = g_array_new (FALSE, FALSE, sizeof (Sample));
  self->voice_total = g_array_new (FALSE, FALSE, sizeof (Sample));
}

PxRemoteMedia *
px_remote_media_new (PxSession            *session,
                     PxSessionParticipant *participant,
                     PxAudioMixer         *mixer)
{
  g_autoptr(JsonObject) calibration = NULL;
  PxRemoteMedia *self;

  g_return_val_if_fail (PX_IS_SESSION (session), NULL);
  g_return_val_if_fail (PX_IS_SESSION_PARTICIPANT (participant), NULL);
  g_return_val_if_fail (PX_IS_AUDIO_MIXER (mixer), NULL);

  self = g_object_new (PX_TYPE_REMOTE_MEDIA, NULL);
  self->session = g_object_ref (session);
  self->participant = g_object_ref (participant);
  self->participant_id = px_session_participant_get_id (participant);
  self->mixer = g_object_ref (mixer);
  self->context = g_main_context_ref_thread_default ();

  self->video_muted_id = g_signal_connect (participant, "notify::video-muted",
                                           G_CALLBACK (video_muted_cb), self);
  self->audio_muted_id = g_signal_connect (participant, "notify::audio-muted",
                                           G_CALLBACK (audio_muted_cb), self);
  self->calibration_handler = g_signal_connect (session, "calibration",
                                              G_CALLBACK (calibration_cb), self);
  /* A calibration that came before this object did still counts. */
  calibration = px_session_participant_dup_calibration (participant);
  if (calibration != NULL)
    calibration_cb (session, participant, calibration, self);

  self->level_source = g_timeout_source_new (LEVEL_REFRESH_MS);
  g_source_set_callback (self->level_source, level_refresh_cb, self, NULL);
  g_source_attach (self->level_source, self->context);

  return self;
}
