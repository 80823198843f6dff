/* px-video-encoder.c: VP8 for one camera, tuned for live calls
 *
 * The settings are those of a real-time call: the realtime deadline and no
 * look-ahead (every frame leaves as soon as it is coded), constant bitrate
 * with a small buffer so a frame never bursts far beyond its share of the
 * link, error-resilient entropy coding so a lost frame does not poison the
 * probabilities of the next, and keyframes capped in size so they do not
 * stall the stream. Time is kept in the 90 kHz RTP clock from the capture
 * timestamps, so the rate control sees the real frame rate even when the
 * camera drops frames.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <vpx/vp8cx.h>
#include <vpx/vpx_encoder.h>

#include "media/px-codec-error.h"
#include "media/px-video-encoder.h"

#define TIMEBASE_HZ 90000

struct _PxVideoEncoder
{
  GObject parent_instance;

  GMutex lock;                 /* guards the two requests below */
  guint requested_bitrate;
  gboolean keyframe_requested;

  vpx_codec_ctx_t codec;
  vpx_codec_enc_cfg_t config;
  gboolean codec_open;
  guint width;
  guint height;
  guint applied_bitrate;

  guint keyframe_interval_ms;
  gint64 first_capture_us;
  gint64 last_pts;
  gint64 last_keyframe_us;
  guint64 sequence;
};

G_DEFINE_FINAL_TYPE (PxVideoEncoder, px_video_encoder, G_TYPE_OBJECT)

static void
px_video_encoder_finalize (GObject *object)
{
  PxVideoEncoder *self = PX_VIDEO_ENCODER (object);

  if (self->codec_open)
    vpx_codec_destroy (&self->codec);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (px_video_encoder_parent_class)->finalize (object);
}

static void
px_video_encoder_class_init (PxVideoEncoderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = px_video_encoder_finalize;
}

static void
px_video_encoder_init (PxVideoEncoder *self)
{
  g_mutex_init (&self->lock);
  self->keyframe_interval_ms = PX_VIDEO_ENCODER_DEFAULT_KEYFRAME_INTERVAL_MS;
}

PxVideoEncoder *
px_video_encoder_new (guint bitrate_kbps)
{
  PxVideoEncoder *self = g_object_new (PX_TYPE_VIDEO_ENCODER, NULL);

  self->requested_bitrate = CLAMP (bitrate_kbps,
                                   PX_VIDEO_ENCODER_MIN_BITRATE,
                                   PX_VIDEO_ENCODER_MAX_BITRATE);
  return self;
}

void
px_video_encoder_set_bitrate (PxVideoEncoder *self,
                              guint           bitrate_kbps)
{
  g_return_if_fail (PX_IS_VIDEO_ENCODER (self));

  g_mutex_lock (&self->lock);
  self->requested_bitrate = CLAMP (bitrate_kbps,
                                   PX_VIDEO_ENCODER_MIN_BITRATE,
                                   PX_VIDEO_ENCODER_MAX_BITRATE);
  g_mutex_unlock (&self->lock);
}

guint
px_video_encoder_get_bitrate (PxVideoEncoder *self)
{
  guint bitrate;

  g_return_val_if_fail (PX_IS_VIDEO_ENCODER (self), 0);

  g_mutex_lock (&self->lock);
  bitrate = self->requested_bitrate;
  g_mutex_unlock (&self->lock);
  return bitrate;
}

void
px_video_encoder_request_keyframe (PxVideoEncoder *self)
{
  g_return_if_fail (PX_IS_VIDEO_ENCODER (self));

  g_mutex_lock (&self->lock);
  self->keyframe_requested = TRUE;
  g_mutex_unlock (&self->lock);
}

void
px_video_encoder_set_keyframe_interval (PxVideoEncoder *self,
                                        guint           interval_ms)
{
  g_return_if_fail (PX_IS_VIDEO_ENCODER (self));

  self->keyframe_interval_ms = interval_ms;
}

guint
px_video_encoder_get_keyframe_interval (PxVideoEncoder *self)
{
  g_return_val_if_fail (PX_IS_VIDEO_ENCODER (self), 0);

  return self->keyframe_interval_ms;
}

guint
px_video_encoder_threads_for_size (guint width,
                                   guint height)
{
  guint64 pixels = (guint64) width * height;
  guint threads;

  /* libvpx's worker threads spin while they wait: below 720p a second
   * thread costs more processor time than it saves, and a rig encodes one
   * camera per thread already. */
  if (pixels < 1280 * 720)
    threads = 1;
  else if (pixels < 1920 * 1080)
    threads = 2;
  else
    threads = 4;

  return MAX (1, MIN (threads, g_get_num_processors ()));
}

static gboolean
open_codec (PxVideoEncoder  *self,
            guint            width,
            guint            height,
            GError         **error)
{
  vpx_codec_enc_cfg_t *cfg = &self->config;
  vpx_codec_err_t status;
  guint threads;

  if (self->codec_open)
    {
      vpx_codec_destroy (&self->codec);
      self->codec_open = FALSE;
    }

  status = vpx_codec_enc_config_default (vpx_codec_vp8_cx (), cfg, 0);
  if (status != VPX_CODEC_OK)
    {
      g_set_error (error, PX_CODEC_ERROR, PX_CODEC_ERROR_FAILED,
                   _("The video encoder could not start: %s"),
                   vpx_codec_err_to_string (status));
      return FALSE;
    }

  threads = px_video_encoder_threads_for_size (width, height);

  cfg->g_w = width;
  cfg->g_h = height;
  cfg->g_threads = threads;
  cfg->g_timebase.num = 1;
  cfg->g_timebase.den = TIMEBASE_HZ;
  cfg->g_lag_in_frames = 0;
  cfg->g_error_resilient = VPX_ERROR_RESILIENT_DEFAULT;
  cfg->g_pass = VPX_RC_ONE_PASS;
  cfg->rc_end_usage = VPX_CBR;
  cfg->rc_target_bitrate = self->applied_bitrate;
  cfg->rc_min_quantizer = 2;
  cfg->rc_max_quantizer = 56;
  cfg->rc_undershoot_pct = 100;
  cfg->rc_overshoot_pct = 15;
  /* A small decoder buffer model (milliseconds): frames stay near their
   * share of the link instead of saving up for bursts. */
  cfg->rc_buf_initial_sz = 500;
  cfg->rc_buf_optimal_sz = 600;
  cfg->rc_buf_sz = 1000;
  /* The rate control may skip a frame rather than overshoot when the
   * target is far below what the picture needs. */
  cfg->rc_dropframe_thresh = 30;
  cfg->rc_resize_allowed = 0;
  /* Keyframes come on our schedule (capture time) and on request. */
  cfg->kf_mode = VPX_KF_DISABLED;

  status = vpx_codec_enc_init (&self->codec, vpx_codec_vp8_cx (), cfg, 0);
  if (status != VPX_CODEC_OK)
    {
      g_set_error (error, PX_CODEC_ERROR, PX_CODEC_ERROR_FAILED,
                   _("The video encoder could not start: %s"),
                   vpx_codec_err_to_string (status));
      return FALSE;
    }
  self->codec_open = TRUE;

  /* -6: the speed preset real-time calls use on desktop processors. */
  vpx_codec_control (&self->codec, VP8E_SET_CPUUSED, -6);
  vpx_codec_control (&self->codec, VP8E_SET_NOISE_SENSITIVITY, 0);
  vpx_codec_control (&self->codec, VP8E_SET_STATIC_THRESHOLD, 1);
  /* Token partitions let the decoder use as many threads as we do. */
  vpx_codec_control (&self->codec, VP8E_SET_TOKEN_PARTITIONS,
                     threads >= 4 ? VP8_FOUR_TOKENPARTITION
                     : threads >= 2 ? VP8_TWO_TOKENPARTITION
                     : VP8_ONE_TOKENPARTITION);
  /* A keyframe may take at most three frames' worth of bits. */
  vpx_codec_control (&self->codec, VP8E_SET_MAX_INTRA_BITRATE_PCT, 300);

  self->width = width;
  self->height = height;
  self->first_capture_us = G_MININT64;
  self->last_pts = -1;
  self->last_keyframe_us = G_MININT64;
  return TRUE;
}

PxVideoPacket *
px_video_encoder_encode (PxVideoEncoder  *self,
                         PxFrame         *frame,
                         GError         **error)
{
  vpx_image_t image;
  vpx_enc_frame_flags_t flags = 0;
  vpx_codec_err_t status;
  vpx_codec_iter_t iter = NULL;
  const vpx_codec_cx_pkt_t *pkt;
  PxVideoPacket *packet = NULL;
  guint bitrate;
  gboolean force_keyframe;
  gint64 pts;
  unsigned long duration;

  g_return_val_if_fail (PX_IS_VIDEO_ENCODER (self), NULL);
  g_return_val_if_fail (frame != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (frame->format != PX_PIXEL_FORMAT_I420 || frame->width < 2 || frame->height < 2
      || frame->width > 16383 || frame->height > 16383)
    {
      g_set_error (error, PX_CODEC_ERROR, PX_CODEC_ERROR_INVALID_ARGUMENT,
                   _("The video encoder takes I420 frames from 2×2 to 16383×16383, not %s %u×%u"),
                   px_pixel_format_to_string (frame->format), frame->width, frame->height);
      return NULL;
    }

  g_mutex_lock (&self->lock);
  bitrate = self->requested_bitrate;
  force_keyframe = self->keyframe_requested;
  self->keyframe_requested = FALSE;
  g_mutex_unlock (&self->lock);

  if (!self->codec_open || frame->width != self->width || frame->height != self->height)
    {
      self->applied_bitrate = bitrate;
      if (!open_codec (self, frame->width, frame->height, error))
        return NULL;
      force_keyframe = TRUE;
    }
  else if (bitrate != self->applied_bitrate)
    {
      self->config.rc_target_bitrate = bitrate;
      status = vpx_codec_enc_config_set (&self->codec, &self->config);
      if (status != VPX_CODEC_OK)
        g_warning ("Could not change the video bitrate to %u kbit/s: %s",
                   bitrate, vpx_codec_err_to_string (status));
      else
        self->applied_bitrate = bitrate;
    }

  /* Presentation time in the 90 kHz clock from the capture time; it must
   * strictly increase, so a repeated or backwards stamp moves one tick. */
  if (self->first_capture_us == G_MININT64)
    self->first_capture_us = frame->capture_time_us;
  pts = (frame->capture_time_us - self->first_capture_us) * TIMEBASE_HZ / G_USEC_PER_SEC;
  if (pts <= self->last_pts)
    pts = self->last_pts + 1;
  duration = self->last_pts < 0 ? TIMEBASE_HZ / 30 : (unsigned long) (pts - self->last_pts);
  self->last_pts = pts;

  if (self->keyframe_interval_ms > 0 && self->last_keyframe_us != G_MININT64
      && frame->capture_time_us - self->last_keyframe_us
         >= (gint64) self->keyframe_interval_ms * 1000)
    force_keyframe = TRUE;
  if (self->last_keyframe_us == G_MININT64)
    force_keyframe = TRUE;
  if (force_keyframe)
    flags |= VPX_EFLAG_FORCE_KF;

  vpx_img_wrap (&image, VPX_IMG_FMT_I420, frame->width, frame->height, 1, frame->planes[0]);
  for (guint i = 0; i < 3; i++)
    {
      image.planes[i] = frame->planes[i];
      image.stride[i] = frame->strides[i];
    }

  status = vpx_codec_encode (&self->codec, &image, pts, duration, flags, VPX_DL_REALTIME);
  if (status != VPX_CODEC_OK)
    {
      const char *detail = vpx_codec_error_detail (&self->codec);

      g_set_error (error, PX_CODEC_ERROR, PX_CODEC_ERROR_FAILED,
                   _("The video encoder failed: %s%s%s"),
                   vpx_codec_err_to_string (status),
                   detail ? ": " : "", detail ? detail : "");
      /* Start afresh with the next frame rather than trust its state. */
      vpx_codec_destroy (&self->codec);
      self->codec_open = FALSE;
      return NULL;
    }

  /* Without look-ahead one frame in gives at most one frame out. */
  while ((pkt = vpx_codec_get_cx_data (&self->codec, &iter)) != NULL)
    {
      g_autoptr(GBytes) bytes = NULL;
      gboolean keyframe;

      if (pkt->kind != VPX_CODEC_CX_FRAME_PKT || packet != NULL)
        continue;

      keyframe = (pkt->data.frame.flags & VPX_FRAME_IS_KEY) != 0;
      bytes = g_bytes_new (pkt->data.frame.buf, pkt->data.frame.sz);
      packet = px_video_packet_new (bytes, keyframe, frame->capture_time_us,
                                    self->sequence++, frame->width, frame->height);
      if (keyframe)
        self->last_keyframe_us = frame->capture_time_us;
    }

  /* A keyframe the rate control skipped is still owed. */
  if (force_keyframe && (packet == NULL || !packet->keyframe))
    {
      g_mutex_lock (&self->lock);
      self->keyframe_requested = TRUE;
      g_mutex_unlock (&self->lock);
    }

  return packet;
}
