/* px-video-decoder.c: VP8 for one incoming stream, safe against loss
 *
 * VP8 predicts each frame from earlier ones, so after a lost or damaged
 * frame whatever follows would show smeared garbage until the next keyframe.
 * The decoder therefore drops every packet after a gap in the sequence
 * numbers, a libvpx error or a frame libvpx flags as corrupted, until a
 * keyframe arrives, and asks for one. Packets are checked against the
 * frame header of RFC 6386 before libvpx sees them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <vpx/vp8dx.h>
#include <vpx/vpx_decoder.h>

#include "media/px-codec-error.h"
#include "media/px-frame-pool.h"
#include "media/px-video-decoder.h"
#include "media/px-video-packet.h"

/* How often to ask again while still waiting, in capture time. */
#define REREQUEST_INTERVAL_US G_USEC_PER_SEC
/* Frames the pool keeps; receivers hold one or two at a time. */
#define POOL_FRAMES 4

struct _PxVideoDecoder
{
  GObject parent_instance;

  vpx_codec_ctx_t codec;
  gboolean codec_open;
  PxFramePool *pool;

  gboolean have_sequence;
  guint64 last_sequence;
  gboolean needs_keyframe;
  gint64 last_request_us;

  PxVideoDecoderStats stats;
};

G_DEFINE_FINAL_TYPE (PxVideoDecoder, px_video_decoder, G_TYPE_OBJECT)

enum
{
  KEYFRAME_NEEDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
px_video_decoder_finalize (GObject *object)
{
  PxVideoDecoder *self = PX_VIDEO_DECODER (object);

  if (self->codec_open)
    vpx_codec_destroy (&self->codec);
  g_clear_object (&self->pool);

  G_OBJECT_CLASS (px_video_decoder_parent_class)->finalize (object);
}

static void
px_video_decoder_class_init (PxVideoDecoderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = px_video_decoder_finalize;

  signals[KEYFRAME_NEEDED] =
    g_signal_new ("keyframe-needed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
px_video_decoder_init (PxVideoDecoder *self)
{
  self->needs_keyframe = TRUE;
  self->last_request_us = G_MININT64;
}

PxVideoDecoder *
px_video_decoder_new (void)
{
  return g_object_new (PX_TYPE_VIDEO_DECODER, NULL);
}

gboolean
px_video_decoder_get_needs_keyframe (PxVideoDecoder *self)
{
  g_return_val_if_fail (PX_IS_VIDEO_DECODER (self), FALSE);

  return self->needs_keyframe;
}

void
px_video_decoder_get_stats (PxVideoDecoder      *self,
                            PxVideoDecoderStats *stats)
{
  g_return_if_fail (PX_IS_VIDEO_DECODER (self));
  g_return_if_fail (stats != NULL);

  *stats = self->stats;
}

static void
ask_for_keyframe (PxVideoDecoder *self,
                  gint64          capture_time_us)
{
  self->last_request_us = capture_time_us;
  self->stats.keyframe_requests++;
  g_signal_emit (self, signals[KEYFRAME_NEEDED], 0);
}

/* Enters (or stays in) the waiting state; asks at once on entry, then
 * again once a second while packets keep coming without a keyframe. */
static void
wait_for_keyframe (PxVideoDecoder *self,
                   gint64          capture_time_us)
{
  if (!self->needs_keyframe)
    {
      self->needs_keyframe = TRUE;
      ask_for_keyframe (self, capture_time_us);
      return;
    }

  if (self->last_request_us == G_MININT64
      || capture_time_us - self->last_request_us >= REREQUEST_INTERVAL_US
      || capture_time_us < self->last_request_us)
    ask_for_keyframe (self, capture_time_us);
}

/* The frame header checks of RFC 6386 §9.1: the first partition must fit
 * in the packet, a keyframe must carry the start code and a size we take. */
static gboolean
check_header (const guint8 *data,
              gsize         size)
{
  guint32 tag;
  gsize header_size;
  gsize first_partition;

  if (size < 3)
    return FALSE;

  tag = data[0] | (data[1] << 8) | (data[2] << 16);
  if (((tag >> 1) & 7) > 3)          /* version 0..3 only */
    return FALSE;
  if (((tag >> 4) & 1) == 0)         /* frames we make are always shown */
    return FALSE;
  first_partition = tag >> 5;

  if ((tag & 1) == 0)
    {
      guint width, height;

      if (!px_video_packet_is_vp8_keyframe (data, size))
        return FALSE;
      width = (data[6] | (data[7] << 8)) & 0x3fff;
      height = (data[8] | (data[9] << 8)) & 0x3fff;
      if (width == 0 || height == 0
          || width > PX_VIDEO_DECODER_MAX_SIZE || height > PX_VIDEO_DECODER_MAX_SIZE)
        return FALSE;
      header_size = 10;
    }
  else
    {
      header_size = 3;
    }

  return first_partition > 0 && first_partition <= size - header_size;
}

static PxFrame *
copy_image (PxVideoDecoder    *self,
            const vpx_image_t *image)
{
  PxFrame *frame = NULL;

  if (self->pool == NULL)
    self->pool = px_frame_pool_new (PX_PIXEL_FORMAT_I420, image->d_w, image->d_h, POOL_FRAMES);
  else if (px_frame_pool_get_width (self->pool) != image->d_w
           || px_frame_pool_get_height (self->pool) != image->d_h)
    px_frame_pool_configure (self->pool, PX_PIXEL_FORMAT_I420, image->d_w, image->d_h);

  if (self->pool != NULL)
    frame = px_frame_pool_acquire (self->pool);
  /* Every pooled frame still held by the receiver: give it a fresh one. */
  if (frame == NULL)
    frame = px_frame_new (PX_PIXEL_FORMAT_I420, image->d_w, image->d_h);
  if (frame == NULL)
    return NULL;

  for (guint plane = 0; plane < 3; plane++)
    {
      guint width = px_frame_get_plane_width (frame, plane);
      guint height = px_frame_get_plane_height (frame, plane);

      for (guint row = 0; row < height; row++)
        memcpy (frame->planes[plane] + (gsize) row * frame->strides[plane],
                image->planes[plane] + (gsize) row * image->stride[plane],
                width);
    }
  return frame;
}

PxFrame *
px_video_decoder_decode (PxVideoDecoder  *self,
                         const guint8    *data,
                         gsize            size,
                         guint64          sequence,
                         gint64           capture_time_us,
                         GError         **error)
{
  gboolean keyframe;
  gboolean in_order;
  vpx_codec_err_t status;
  vpx_codec_iter_t iter = NULL;
  vpx_image_t *image;
  int corrupted = 0;
  PxFrame *frame;

  g_return_val_if_fail (PX_IS_VIDEO_DECODER (self), NULL);
  g_return_val_if_fail (data != NULL || size == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  in_order = self->have_sequence && sequence == self->last_sequence + 1;
  if (self->have_sequence && !in_order)
    self->stats.gaps++;
  self->have_sequence = TRUE;
  self->last_sequence = sequence;

  if (!check_header (data, size))
    {
      self->stats.corrupt++;
      wait_for_keyframe (self, capture_time_us);
      g_set_error (error, PX_CODEC_ERROR, PX_CODEC_ERROR_CORRUPT,
                   _("A video packet of %lu bytes is not valid VP8"), (unsigned long) size);
      return NULL;
    }

  keyframe = px_video_packet_is_vp8_keyframe (data, size);
  if (!keyframe && !in_order)
    wait_for_keyframe (self, capture_time_us);

  if (!keyframe && self->needs_keyframe)
    {
      self->stats.skipped++;
      wait_for_keyframe (self, capture_time_us);
      g_set_error_literal (error, PX_CODEC_ERROR, PX_CODEC_ERROR_WAITING_FOR_KEYFRAME,
                           _("A video frame was dropped while waiting for a keyframe"));
      return NULL;
    }

  if (!self->codec_open)
    {
      /* One thread: VP8's threaded decoding spins while it waits, which
       * costs a server decoding many streams far more than it saves. */
      vpx_codec_dec_cfg_t config = { .threads = 1 };

      status = vpx_codec_dec_init (&self->codec, vpx_codec_vp8_dx (), &config, 0);
      if (status != VPX_CODEC_OK)
        {
          g_set_error (error, PX_CODEC_ERROR, PX_CODEC_ERROR_FAILED,
                       _("The video decoder could not start: %s"),
                       vpx_codec_err_to_string (status));
          return NULL;
        }
      self->codec_open = TRUE;
    }

  status = vpx_codec_decode (&self->codec, data, (unsigned int) size, NULL, 0);
  if (status == VPX_CODEC_OK
      && vpx_codec_control (&self->codec, VP8D_GET_FRAME_CORRUPTED, &corrupted) != VPX_CODEC_OK)
    corrupted = 0;

  image = status == VPX_CODEC_OK ? vpx_codec_get_frame (&self->codec, &iter) : NULL;
  if (status != VPX_CODEC_OK || corrupted || image == NULL || image->fmt != VPX_IMG_FMT_I420)
    {
      self->stats.corrupt++;
      /* libvpx may be left half-way through a frame; the next keyframe
       * starts a fresh decoder rather than trust that state. */
      vpx_codec_destroy (&self->codec);
      self->codec_open = FALSE;
      self->needs_keyframe = FALSE;
      wait_for_keyframe (self, capture_time_us);
      g_set_error (error, PX_CODEC_ERROR, PX_CODEC_ERROR_CORRUPT,
                   _("A video packet could not be decoded: %s"),
                   status != VPX_CODEC_OK ? vpx_codec_err_to_string (status)
                                          : _("the frame is damaged"));
      return NULL;
    }

  frame = copy_image (self, image);
  while (vpx_codec_get_frame (&self->codec, &iter) != NULL)
    ;
  if (frame == NULL)
    {
      g_set_error (error, PX_CODEC_ERROR, PX_CODEC_ERROR_CORRUPT,
                   _("A video frame of %u×%u is too large"), image->d_w, image->d_h);
      return NULL;
    }

  frame->capture_time_us = capture_time_us;
  frame->sequence = sequence;
  self->needs_keyframe = FALSE;
  self->last_request_us = G_MININT64;
  self->stats.decoded++;
  return frame;
}
