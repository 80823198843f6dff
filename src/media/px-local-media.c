/* px-local-media.c: this participant's camera and microphone, into a session
 *
 * Threads: the session's thread owns the devices, the session and every
 * property. The camera's "frame-ready" (on that same thread) wakes the
 * video thread, which takes the newest frame and encodes it; the voice
 * thread drains the microphone and encodes a packet per Opus frame (10 ms
 * by default).
 * Both hand their packets back to the session's main context, where they
 * are sent unless the state changed in between. The mute flags are atomics
 * so the encoders stop at once, without waiting for the main loop.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "capture/px-camera-source.h"
#include "capture/px-microphone-source.h"
#include "media/px-bitrate-controller.h"
#include "media/px-flow-report.h"
#include "media/px-local-media.h"
#include "media/px-video-encoder.h"
#include "media/px-voice-encoder.h"

#define VIDEO_MIN_KBPS        150
#define VIDEO_START_KBPS      1000
#define VIDEO_MAX_KBPS        2500
#define FLOW_CHECK_MS         500
#define MIC_POLL_US           2000
/* Receiver reports: the worst loss any receiver reported is held this
 * long before a lower one replaces it, so FEC does not flap on and off
 * with each report; a receiver silent for longer is forgotten. */
#define LOSS_HOLD_US          (5 * G_USEC_PER_SEC)
#define LOSS_STALE_US         (10 * G_USEC_PER_SEC)
/* Opus protects no better beyond this; higher reports are clamped. */
#define MAX_LOSS_PERCENT      50

struct _PxLocalMedia
{
  GObject parent_instance;

  PxSession *session;
  GMainContext *context;

  PxPipewireConnection *camera_connection;
  char *camera_name;
  PxPipewireConnection *microphone_connection;
  char *microphone_name;
  gboolean voice_enabled;
  guint voice_frame_ms;

  PxCameraSource *camera;
  PxMicrophoneSource *microphone;
  PxVideoEncoder *video_encoder;
  PxVoiceEncoder *voice_encoder;
  PxBitrateController *bitrate;
  gulong frame_ready_id;
  gulong keyframe_id;
  gulong report_id;
  guint max_height;
  GHashTable *loss_reports;  /* reporter id → LossReport */
  gint wanted_loss;          /* atomic: percent for the voice encoder */
  gint applied_loss;         /* atomic: what the voice encoder has */
  guint flow_source;
  guint64 last_dropped;

  gboolean started;
  gint microphone_muted;   /* atomic */
  gint camera_off;         /* atomic */
  gint running;            /* atomic: threads keep going while set */

  GThread *video_thread;
  GThread *voice_thread;
  GMutex lock;
  GCond cond;
  gboolean frame_waiting;  /* guarded by lock */

  guint64 video_packets;   /* atomic-ish counters read on the main thread */
  guint64 voice_packets;
  gint mic_level_bits;     /* atomic: float bits */
};

G_DEFINE_FINAL_TYPE (PxLocalMedia, px_local_media, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_MICROPHONE_MUTED,
  PROP_CAMERA_OFF,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* A packet on its way from an encoder thread to the session. */
typedef struct
{
  PxLocalMedia *self;
  PxWireKind kind;
  guint32 stream;
  guint16 flags;
  guint32 sequence;
  gint64 capture_time;
  GBytes *payload;
} Outgoing;

static void
outgoing_free (gpointer data)
{
  Outgoing *outgoing = data;

  g_object_unref (outgoing->self);
  g_bytes_unref (outgoing->payload);
  g_free (outgoing);
}

static gboolean
send_outgoing_cb (gpointer data)
{
  Outgoing *outgoing = data;
  PxLocalMedia *self = outgoing->self;
  g_autoptr(GError) error = NULL;

  if (!self->started)
    return G_SOURCE_REMOVE;
  /* The state may have changed while the packet was on its way. */
  if (outgoing->kind == PX_WIRE_KIND_VIDEO && g_atomic_int_get (&self->camera_off))
    return G_SOURCE_REMOVE;
  if (outgoing->kind == PX_WIRE_KIND_AUDIO && g_atomic_int_get (&self->microphone_muted))
    return G_SOURCE_REMOVE;

  if (px_session_get_state (self->session) != PX_SESSION_STATE_JOINED)
    {
      /* Whatever follows could not be decoded without what is lost here. */
      if (outgoing->kind == PX_WIRE_KIND_VIDEO)
        px_video_encoder_request_keyframe (self->video_encoder);
      return G_SOURCE_REMOVE;
    }

  if (!px_session_send_frame (self->session, outgoing->kind, outgoing->stream,
                              outgoing->flags, outgoing->sequence,
                              outgoing->capture_time, outgoing->payload, &error))
    {
      g_debug ("Could not send a frame of stream %u: %s", outgoing->stream, error->message);
      if (outgoing->kind == PX_WIRE_KIND_VIDEO)
        px_video_encoder_request_keyframe (self->video_encoder);
      return G_SOURCE_REMOVE;
    }

  if (outgoing->kind == PX_WIRE_KIND_VIDEO)
    self->video_packets++;
  else
    self->voice_packets++;

  return G_SOURCE_REMOVE;
}

static void
post_outgoing (PxLocalMedia *self,
               PxWireKind    kind,
               guint32       stream,
               guint16       flags,
               guint32       sequence,
               gint64        capture_time,
               GBytes       *payload)
{
  Outgoing *outgoing = g_new0 (Outgoing, 1);
  g_autoptr(GSource) source = g_idle_source_new ();

  outgoing->self = g_object_ref (self);
  outgoing->kind = kind;
  outgoing->stream = stream;
  outgoing->flags = flags;
  outgoing->sequence = sequence;
  outgoing->capture_time = capture_time;
  outgoing->payload = g_bytes_ref (payload);

  /* Above the default so that a busy UI does not hold media back. */
  g_source_set_priority (source, G_PRIORITY_HIGH_IDLE - 10);
  g_source_set_callback (source, send_outgoing_cb, outgoing, outgoing_free);
  g_source_attach (source, self->context);
}

static gpointer
video_thread_func (gpointer data)
{
  PxLocalMedia *self = data;

  while (g_atomic_int_get (&self->running))
    {
      g_autoptr(PxFrame) frame = NULL;
      g_autoptr(PxVideoPacket) packet = NULL;
      g_autoptr(GError) error = NULL;

      g_autoptr(PxCameraSource) camera = NULL;

      g_mutex_lock (&self->lock);
      while (!self->frame_waiting && g_atomic_int_get (&self->running))
        g_cond_wait (&self->cond, &self->lock);
      self->frame_waiting = FALSE;
      /* The camera may be replaced (new limits) while we encode. */
      if (self->camera != NULL)
        camera = g_object_ref (self->camera);
      g_mutex_unlock (&self->lock);

      if (!g_atomic_int_get (&self->running))
        break;

      frame = camera != NULL ? px_camera_source_take_frame (camera) : NULL;
      if (frame == NULL || g_atomic_int_get (&self->camera_off))
        continue;

      packet = px_video_encoder_encode (self->video_encoder, frame, &error);
      if (packet == NULL)
        {
          if (error != NULL)
            g_warning ("Could not encode a camera frame: %s", error->message);
          continue;
        }

      post_outgoing (self, PX_WIRE_KIND_VIDEO, PX_LOCAL_MEDIA_VIDEO_STREAM,
                     packet->keyframe ? PX_WIRE_FLAG_KEYFRAME : 0,
                     (guint32) packet->sequence, packet->capture_time_us, packet->data);
    }

  return NULL;
}

static gpointer
voice_thread_func (gpointer data)
{
  PxLocalMedia *self = data;
  guint frame_samples = px_voice_encoder_get_frame_samples (self->voice_encoder);
  g_autofree float *input = g_new0 (float, frame_samples);
  g_autofree gint16 *pcm = g_new0 (gint16, frame_samples);
  guint filled = 0;
  guint32 sequence = 0;
  gboolean was_muted = FALSE;

  while (g_atomic_int_get (&self->running))
    {
      guint got = px_microphone_source_read (self->microphone, input + filled,
                                             frame_samples - filled);
      float rms, peak;
      gboolean muted;

      if (got == 0)
        {
          g_usleep (MIC_POLL_US);
          continue;
        }
      filled += got;
      if (filled < frame_samples)
        continue;
      filled = 0;

      /* What receivers report reaches the encoder here, on its thread. */
      {
        gint loss = g_atomic_int_get (&self->wanted_loss);

        if (loss != g_atomic_int_get (&self->applied_loss))
          {
            px_voice_encoder_set_packet_loss (self->voice_encoder, (guint) loss);
            g_atomic_int_set (&self->applied_loss, loss);
          }
      }

      px_microphone_source_get_level (self->microphone, &rms, &peak);
      {
        gint bits;

        memcpy (&bits, &rms, sizeof bits);
        g_atomic_int_set (&self->mic_level_bits, bits);
      }

      muted = g_atomic_int_get (&self->microphone_muted);
      if (muted)
        {
          /* Nothing is encoded while muted; the sequence jumps on return
           * so receivers see a break, not a lost packet to conceal. */
          was_muted = TRUE;
          continue;
        }
      if (was_muted)
        {
          sequence += 1000;
          was_muted = FALSE;
        }

      {
        g_autoptr(GBytes) packet = NULL;
        g_autoptr(GError) error = NULL;
        /* The block's first sample was captured one frame before now. */
        gint64 capture_time = g_get_monotonic_time () - (gint64) frame_samples * G_USEC_PER_SEC
                                                         / PX_VOICE_SAMPLE_RATE;

        for (guint i = 0; i < frame_samples; i++)
          pcm[i] = (gint16) lrintf (CLAMP (input[i], -1.0f, 1.0f) * 32767.0f);

        packet = px_voice_encoder_encode (self->voice_encoder, pcm, frame_samples, &error);
        sequence++;
        if (packet == NULL)
          {
            g_warning ("Could not encode the microphone: %s", error->message);
            continue;
          }
        /* Silence under DTX stays home: receivers conceal the gap. */
        if (PX_VOICE_PACKET_IS_DTX (g_bytes_get_size (packet)))
          continue;

        post_outgoing (self, PX_WIRE_KIND_AUDIO, PX_LOCAL_MEDIA_VOICE_STREAM, 0,
                       sequence, capture_time, packet);
      }
    }

  return NULL;
}

static void
frame_ready_cb (PxCameraSource *camera,
                PxLocalMedia   *self)
{
  g_mutex_lock (&self->lock);
  self->frame_waiting = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
}

static void
keyframe_requested_cb (PxSession    *session,
                       guint         stream,
                       guint         requester,
                       PxLocalMedia *self)
{
  if (stream == PX_LOCAL_MEDIA_VIDEO_STREAM && self->video_encoder != NULL)
    px_video_encoder_request_keyframe (self->video_encoder);
}

typedef struct
{
  double peak;        /* the worst loss lately */
  gint64 peak_at;
  double latest;
  gint64 latest_at;
} LossReport;

/* The worst loss any receiver reported lately, as the voice encoder's
 * packet loss percentage: in-band FEC is on while it is above zero. */
static void
update_voice_loss (PxLocalMedia *self,
                   gint64        now)
{
  GHashTableIter iter;
  LossReport *report;
  double worst = 0.0;
  gint percent;

  g_hash_table_iter_init (&iter, self->loss_reports);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &report))
    {
      if (now - report->latest_at > LOSS_STALE_US)
        {
          g_hash_table_iter_remove (&iter);
          continue;
        }
      worst = MAX (worst, now - report->peak_at < LOSS_HOLD_US ? report->peak : report->latest);
    }

  percent = worst > 0.0 ? (gint) CLAMP (ceil (worst * 100.0), 1, MAX_LOSS_PERCENT) : 0;
  g_atomic_int_set (&self->wanted_loss, percent);
}

static void
receiver_report_cb (PxSession            *session,
                    PxSessionParticipant *reporter,
                    guint                 stream,
                    double                loss,
                    guint                 jitter_ms,
                    PxLocalMedia         *self)
{
  gpointer key = GUINT_TO_POINTER (px_session_participant_get_id (reporter));
  gint64 now = g_get_monotonic_time ();
  LossReport *report;

  if (stream != PX_LOCAL_MEDIA_VOICE_STREAM)
    return;

  report = g_hash_table_lookup (self->loss_reports, key);
  if (report == NULL)
    {
      report = g_new0 (LossReport, 1);
      report->peak_at = G_MININT64 / 2;
      g_hash_table_insert (self->loss_reports, key, report);
    }
  if (loss >= report->peak || now - report->peak_at >= LOSS_HOLD_US)
    {
      report->peak = loss;
      report->peak_at = now;
    }
  report->latest = loss;
  report->latest_at = now;
  update_voice_loss (self, now);
}

static gboolean
flow_check_cb (gpointer data)
{
  PxLocalMedia *self = data;
  PxFlowReport report = { 0 };
  guint kbps;

  px_flow_report_sample (&report, self->session, &self->last_dropped);

  /* Reports that stopped coming let FEC go off again. */
  update_voice_loss (self, g_get_monotonic_time ());

  kbps = px_bitrate_controller_update (self->bitrate, g_get_monotonic_time (), &report);
  if (self->video_encoder != NULL && kbps != px_video_encoder_get_bitrate (self->video_encoder))
    px_video_encoder_set_bitrate (self->video_encoder, kbps);

  return G_SOURCE_CONTINUE;
}

static gboolean
announce_streams (PxLocalMedia  *self,
                  GError       **error)
{
  PxSessionStream streams[2];
  guint n = 0;

  if (self->camera_name != NULL)
    streams[n++] = (PxSessionStream) { PX_LOCAL_MEDIA_VIDEO_STREAM, PX_WIRE_KIND_VIDEO, "camera" };
  if (self->voice_enabled)
    streams[n++] = (PxSessionStream) { PX_LOCAL_MEDIA_VOICE_STREAM, PX_WIRE_KIND_AUDIO, "voice" };

  return px_session_set_streams (self->session, streams, n, error);
}

static void
publish_mute_state (PxLocalMedia *self)
{
  px_session_set_muted (self->session,
                        g_atomic_int_get (&self->microphone_muted) || !self->voice_enabled,
                        g_atomic_int_get (&self->camera_off) || self->camera_name == NULL);
}

/* A source for the chosen camera at the size the limits allow: 640×480
 * by default, else the limit's height in 16:9 (a 4:3 camera gives its
 * largest size within the limit). */
static PxCameraSource *
make_camera (PxLocalMedia *self)
{
  PxCameraSource *camera;
  guint width = 0, height = 0;

  if (self->max_height > 0)
    {
      height = self->max_height;
      width = (height * 16 / 9 + 1) & ~1u;
    }
  camera = px_camera_source_new (self->camera_connection, self->camera_name, width, height, 0);
  px_camera_source_set_max_height (camera, self->max_height);
  return camera;
}

static gboolean
start_camera (PxLocalMedia  *self,
              GError       **error)
{
  /* Camera off: the camera stays closed (its light off) until it is on. */
  if (self->camera == NULL || g_atomic_int_get (&self->camera_off))
    return TRUE;
  if (!px_camera_source_start (self->camera, error))
    return FALSE;

  px_video_encoder_request_keyframe (self->video_encoder);
  return TRUE;
}

gboolean
px_local_media_start (PxLocalMedia  *self,
                      GError       **error)
{
  g_return_val_if_fail (PX_IS_LOCAL_MEDIA (self), FALSE);

  if (self->started)
    return TRUE;

  if (self->camera_name != NULL)
    {
      self->camera = make_camera (self);
      self->video_encoder = px_video_encoder_new (px_bitrate_controller_get_target_kbps (self->bitrate));
      self->frame_ready_id = g_signal_connect (self->camera, "frame-ready",
                                               G_CALLBACK (frame_ready_cb), self);
      if (!start_camera (self, error))
        goto failed;
    }

  if (self->voice_enabled)
    {
      self->voice_encoder = px_voice_encoder_new (self->voice_frame_ms, error);
      if (self->voice_encoder == NULL)
        goto failed;
      px_voice_encoder_set_packet_loss (self->voice_encoder,
                                        (guint) g_atomic_int_get (&self->wanted_loss));
      g_atomic_int_set (&self->applied_loss, g_atomic_int_get (&self->wanted_loss));
      self->microphone = px_microphone_source_new (self->microphone_connection,
                                                   self->microphone_name);
      if (!px_microphone_source_start (self->microphone, error))
        goto failed;
    }

  if (!announce_streams (self, error))
    goto failed;

  self->started = TRUE;
  g_atomic_int_set (&self->running, TRUE);
  if (self->camera != NULL)
    self->video_thread = g_thread_new ("px-video-encode", video_thread_func, self);
  if (self->microphone != NULL)
    self->voice_thread = g_thread_new ("px-voice-encode", voice_thread_func, self);
  self->last_dropped = px_session_get_dropped_frames (self->session);
  {
    g_autoptr(GSource) source = g_timeout_source_new (FLOW_CHECK_MS);

    g_source_set_callback (source, flow_check_cb, self, NULL);
    self->flow_source = g_source_attach (source, self->context);
  }
  publish_mute_state (self);

  return TRUE;

failed:
  px_local_media_stop (self);
  return FALSE;
}

void
px_local_media_stop (PxLocalMedia *self)
{
  g_return_if_fail (PX_IS_LOCAL_MEDIA (self));

  g_atomic_int_set (&self->running, FALSE);
  g_mutex_lock (&self->lock);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  g_clear_pointer (&self->video_thread, g_thread_join);
  g_clear_pointer (&self->voice_thread, g_thread_join);
  if (self->flow_source != 0)
    {
      GSource *source = g_main_context_find_source_by_id (self->context, self->flow_source);

      if (source != NULL)
        g_source_destroy (source);
      self->flow_source = 0;
    }

  if (self->microphone != NULL)
    {
      px_microphone_source_stop (self->microphone);
      g_clear_object (&self->microphone);
    }
  if (self->camera != NULL)
    {
      g_clear_signal_handler (&self->frame_ready_id, self->camera);
      px_camera_source_stop (self->camera);
      g_clear_object (&self->camera);
    }
  g_clear_object (&self->video_encoder);
  g_clear_object (&self->voice_encoder);
  g_atomic_int_set (&self->applied_loss, 0);
  self->frame_waiting = FALSE;
  self->started = FALSE;
}

void
px_local_media_set_microphone_muted (PxLocalMedia *self,
                                     gboolean      muted)
{
  g_return_if_fail (PX_IS_LOCAL_MEDIA (self));

  muted = !!muted;
  if (g_atomic_int_get (&self->microphone_muted) == muted)
    return;
  /* The voice thread keeps draining the microphone while muted, so
   * nothing stale is sent on unmute. */
  g_atomic_int_set (&self->microphone_muted, muted);
  publish_mute_state (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MICROPHONE_MUTED]);
}

gboolean
px_local_media_get_microphone_muted (PxLocalMedia *self)
{
  g_return_val_if_fail (PX_IS_LOCAL_MEDIA (self), FALSE);

  return g_atomic_int_get (&self->microphone_muted);
}

void
px_local_media_set_camera_off (PxLocalMedia *self,
                               gboolean      off)
{
  g_return_if_fail (PX_IS_LOCAL_MEDIA (self));

  off = !!off;
  if (g_atomic_int_get (&self->camera_off) == off)
    return;
  g_atomic_int_set (&self->camera_off, off);

  /* Off closes the camera (its light goes off, another app may have it);
   * on opens it again, and what follows starts with a keyframe. Frames
   * already on their way are dropped before the encoder or the session. */
  if (self->started && self->camera != NULL)
    {
      if (off)
        {
          px_camera_source_stop (self->camera);
        }
      else
        {
          g_autoptr(GError) error = NULL;

          if (!start_camera (self, &error))
            g_warning ("Could not turn the camera back on: %s", error->message);
        }
    }

  publish_mute_state (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAMERA_OFF]);
}

gboolean
px_local_media_get_camera_off (PxLocalMedia *self)
{
  g_return_val_if_fail (PX_IS_LOCAL_MEDIA (self), FALSE);

  return g_atomic_int_get (&self->camera_off);
}

void
px_local_media_set_camera (PxLocalMedia         *self,
                           PxPipewireConnection *connection,
                           const char           *camera)
{
  g_return_if_fail (PX_IS_LOCAL_MEDIA (self));

  g_set_object (&self->camera_connection, connection);
  g_free (self->camera_name);
  self->camera_name = g_strdup (camera);
}

void
px_local_media_set_microphone (PxLocalMedia         *self,
                               PxPipewireConnection *connection,
                               const char           *microphone)
{
  g_return_if_fail (PX_IS_LOCAL_MEDIA (self));

  g_set_object (&self->microphone_connection, connection);
  g_free (self->microphone_name);
  self->microphone_name = g_strdup (microphone);
}

void
px_local_media_set_voice_enabled (PxLocalMedia *self,
                                  gboolean      enabled)
{
  g_return_if_fail (PX_IS_LOCAL_MEDIA (self));

  self->voice_enabled = !!enabled;
}

void
px_local_media_set_voice_frame_ms (PxLocalMedia *self,
                                   guint         frame_ms)
{
  g_return_if_fail (PX_IS_LOCAL_MEDIA (self));
  g_return_if_fail (frame_ms == 10 || frame_ms == 20);

  self->voice_frame_ms = frame_ms;
}

void
px_local_media_set_video_limits (PxLocalMedia *self,
                                 guint         max_height,
                                 guint         max_kbps)
{
  guint kbps;

  g_return_if_fail (PX_IS_LOCAL_MEDIA (self));

  px_bitrate_controller_set_max_kbps (self->bitrate, max_kbps > 0 ? max_kbps : VIDEO_MAX_KBPS);
  kbps = px_bitrate_controller_get_target_kbps (self->bitrate);
  if (self->video_encoder != NULL && kbps != px_video_encoder_get_bitrate (self->video_encoder))
    px_video_encoder_set_bitrate (self->video_encoder, kbps);

  if (max_height == self->max_height)
    return;
  self->max_height = max_height;

  /* An open camera reopens at the new size. */
  if (self->camera != NULL)
    {
      g_autoptr(PxCameraSource) old = NULL;
      g_autoptr(GError) error = NULL;

      g_clear_signal_handler (&self->frame_ready_id, self->camera);
      px_camera_source_stop (self->camera);
      g_mutex_lock (&self->lock);
      old = g_steal_pointer (&self->camera);
      self->camera = make_camera (self);
      g_mutex_unlock (&self->lock);
      self->frame_ready_id = g_signal_connect (self->camera, "frame-ready",
                                               G_CALLBACK (frame_ready_cb), self);
      if (!start_camera (self, &error))
        g_warning ("Could not reopen the camera: %s", error->message);
    }
}

guint
px_local_media_get_video_max_height (PxLocalMedia *self)
{
  g_return_val_if_fail (PX_IS_LOCAL_MEDIA (self), 0);

  return self->max_height;
}

guint
px_local_media_get_video_max_kbps (PxLocalMedia *self)
{
  g_return_val_if_fail (PX_IS_LOCAL_MEDIA (self), 0);

  return px_bitrate_controller_get_max_kbps (self->bitrate);
}

guint
px_local_media_get_camera_height (PxLocalMedia *self)
{
  g_return_val_if_fail (PX_IS_LOCAL_MEDIA (self), 0);

  return self->camera != NULL ? px_camera_source_get_height (self->camera) : 0;
}

gboolean
px_local_media_get_camera_open (PxLocalMedia *self)
{
  PxCameraSourceState state;

  g_return_val_if_fail (PX_IS_LOCAL_MEDIA (self), FALSE);

  if (self->camera == NULL)
    return FALSE;
  state = px_camera_source_get_state (self->camera);
  return state != PX_CAMERA_SOURCE_STATE_IDLE && state != PX_CAMERA_SOURCE_STATE_ENDED;
}

guint
px_local_media_get_voice_packet_loss (PxLocalMedia *self)
{
  g_return_val_if_fail (PX_IS_LOCAL_MEDIA (self), 0);

  return (guint) g_atomic_int_get (&self->applied_loss);
}

gboolean
px_local_media_get_voice_fec (PxLocalMedia *self)
{
  g_return_val_if_fail (PX_IS_LOCAL_MEDIA (self), FALSE);

  return g_atomic_int_get (&self->applied_loss) > 0;
}

guint
px_local_media_get_video_bitrate (PxLocalMedia *self)
{
  g_return_val_if_fail (PX_IS_LOCAL_MEDIA (self), 0);

  return px_bitrate_controller_get_target_kbps (self->bitrate);
}

guint64
px_local_media_get_video_packets (PxLocalMedia *self)
{
  g_return_val_if_fail (PX_IS_LOCAL_MEDIA (self), 0);

  return self->video_packets;
}

guint64
px_local_media_get_voice_packets (PxLocalMedia *self)
{
  g_return_val_if_fail (PX_IS_LOCAL_MEDIA (self), 0);

  return self->voice_packets;
}

float
px_local_media_get_microphone_level (PxLocalMedia *self)
{
  gint bits;
  float level;

  g_return_val_if_fail (PX_IS_LOCAL_MEDIA (self), 0);

  bits = g_atomic_int_get (&self->mic_level_bits);
  memcpy (&level, &bits, sizeof level);
  return level;
}

static void
px_local_media_dispose (GObject *object)
{
  PxLocalMedia *self = PX_LOCAL_MEDIA (object);

  px_local_media_stop (self);
  if (self->session != NULL)
    {
      g_clear_signal_handler (&self->keyframe_id, self->session);
      g_clear_signal_handler (&self->report_id, self->session);
    }
  g_clear_object (&self->session);
  g_clear_object (&self->camera_connection);
  g_clear_object (&self->microphone_connection);
  g_clear_object (&self->bitrate);

  G_OBJECT_CLASS (px_local_media_parent_class)->dispose (object);
}

static void
px_local_media_finalize (GObject *object)
{
  PxLocalMedia *self = PX_LOCAL_MEDIA (object);

  g_free (self->camera_name);
  g_free (self->microphone_name);
  g_clear_pointer (&self->loss_reports, g_hash_table_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (px_local_media_parent_class)->finalize (object);
}

static void
px_local_media_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  PxLocalMedia *self = PX_LOCAL_MEDIA (object);

  switch (prop_id)
    {
    case PROP_MICROPHONE_MUTED:
      g_value_set_boolean (value, px_local_media_get_microphone_muted (self));
      break;
    case PROP_CAMERA_OFF:
      g_value_set_boolean (value, px_local_media_get_camera_off (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
px_local_media_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  PxLocalMedia *self = PX_LOCAL_MEDIA (object);

  switch (prop_id)
    {
    case PROP_MICROPHONE_MUTED:
      px_local_media_set_microphone_muted (self, g_value_get_boolean (value));
      break;
    case PROP_CAMERA_OFF:
      px_local_media_set_camera_off (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
px_local_media_class_init (PxLocalMediaClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = px_local_media_dispose;
  object_class->finalize = px_local_media_finalize;
  object_class->get_property = px_local_media_get_property;
  object_class->set_property = px_local_media_set_property;

  properties[PROP_MICROPHONE_MUTED] =
    g_param_spec_boolean ("microphone-muted", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAMERA_OFF] =
    g_param_spec_boolean ("camera-off", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
px_local_media_init (PxLocalMedia *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->voice_enabled = TRUE;
  /* 10 ms frames: 10 ms less mouth-to-ear than 20 ms ones, with FEC and
   * DTX working as well, for a few kbit/s of packet headers. */
  self->voice_frame_ms = 10;
  self->bitrate = px_bitrate_controller_new (VIDEO_MIN_KBPS, VIDEO_START_KBPS, VIDEO_MAX_KBPS);
  self->loss_reports = g_hash_table_new_full (NULL, NULL, NULL, g_free);
}

PxLocalMedia *
px_local_media_new (PxSession *session)
{
  PxLocalMedia *self;

  g_return_val_if_fail (PX_IS_SESSION (session), NULL);

  self = g_object_new (PX_TYPE_LOCAL_MEDIA, NULL);
  self->session = g_object_ref (session);
  self->context = g_main_context_ref_thread_default ();
  self->keyframe_id = g_signal_connect (session, "keyframe-requested",
                                        G_CALLBACK (keyframe_requested_cb), self);
  self->report_id = g_signal_connect (session, "receiver-report",
                                      G_CALLBACK (receiver_report_cb), self);
  return self;
}
