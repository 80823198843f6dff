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
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "media/px-av-sync.h"
#include "media/px-jitter-buffer.h"
#include "media/px-remote-media.h"
#include "media/px-video-decoder.h"

#define MAX_WAITING_FRAMES  8
#define LEVEL_REFRESH_MS    100

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

  PxRemoteMediaStats stats;
};

G_DEFINE_FINAL_TYPE (PxRemoteMedia, px_remote_media, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_SPEAKING,
  PROP_LEVEL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_FRAME_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void present_frames (PxRemoteMedia *self);

static void
set_current (PxRemoteMedia *self,
             PxFrame       *frame)
{
  if (self->current == frame)
    return;
  g_clear_pointer (&self->current, px_frame_unref);
  if (frame != NULL)
    self->current = px_frame_ref (frame);
  g_signal_emit (self, signals[SIGNAL_FRAME_CHANGED], 0);
}

static void
clear_video (PxRemoteMedia *self)
{
  g_queue_clear_full (&self->waiting, (GDestroyNotify) px_frame_unref);
  if (self->present_source != NULL)
    {
      g_source_destroy (self->present_source);
      g_clear_pointer (&self->present_source, g_source_unref);
    }
  set_current (self, NULL);
}

static gboolean
present_timeout_cb (gpointer data)
{
  PxRemoteMedia *self = data;

  g_clear_pointer (&self->present_source, g_source_unref);
  present_frames (self);
  return G_SOURCE_REMOVE;
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

  while (!g_queue_is_empty (&self->waiting))
    {
      PxFrame *frame = g_queue_peek_head (&self->waiting);
      gint64 present_at = 0;
      PxAvSyncDecision decision;

      decision = px_av_sync_decide (self->av_sync, now, frame->capture_time_us, &present_at);
      if (decision == PX_AV_SYNC_WAIT)
        {
          guint delay_ms = (guint) CLAMP ((present_at - now + 999) / 1000, 1, 1000);

          if (self->present_source != NULL)
            {
              g_source_destroy (self->present_source);
              g_clear_pointer (&self->present_source, g_source_unref);
            }
          self->present_source = g_timeout_source_new (delay_ms);
          g_source_set_priority (self->present_source, G_PRIORITY_HIGH_IDLE - 10);
          g_source_set_callback (self->present_source, present_timeout_cb, self, NULL);
          g_source_attach (self->present_source, self->context);
          break;
        }

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
    case PX_WIRE_KIND_DATA:
    default:
      break;
    }
}

static gboolean
level_refresh_cb (gpointer data)
{
  PxRemoteMedia *self = data;
  gboolean speaking = px_audio_mixer_get_speaking (self->mixer, self->participant_id);
  double level = px_audio_mixer_get_level (self->mixer, self->participant_id);

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
  g_return_if_fail (PX_IS_REMOTE_MEDIA (self));
  g_return_if_fail (stats != NULL);

  *stats = self->stats;
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
  if (self->decoder != NULL)
    g_signal_handlers_disconnect_by_data (self->decoder, self);
  g_clear_object (&self->decoder);
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
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The frame to show (px_remote_media_dup_frame()) changed, or went away. */
  signals[SIGNAL_FRAME_CHANGED] =
    g_signal_new ("frame-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
px_remote_media_init (PxRemoteMedia *self)
{
  g_queue_init (&self->waiting);
  self->av_sync = px_av_sync_new ();
}

PxRemoteMedia *
px_remote_media_new (PxSession            *session,
                     PxSessionParticipant *participant,
                     PxAudioMixer         *mixer)
{
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

  self->level_source = g_timeout_source_new (LEVEL_REFRESH_MS);
  g_source_set_callback (self->level_source, level_refresh_cb, self, NULL);
  g_source_attach (self->level_source, self->context);

  return self;
}
