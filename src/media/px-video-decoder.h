/* px-video-decoder.h: VP8 for one incoming stream, safe against loss
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "media/px-frame.h"

G_BEGIN_DECLS

/* Largest width or height a stream may declare: 4K cameras fit; a forged
 * 16383×16383 keyframe would otherwise cost half a gigabyte. */
#define PX_VIDEO_DECODER_MAX_SIZE 4096

#define PX_TYPE_VIDEO_DECODER (px_video_decoder_get_type ())

G_DECLARE_FINAL_TYPE (PxVideoDecoder, px_video_decoder, PX, VIDEO_DECODER, GObject)

typedef struct
{
  guint64 decoded;             /* frames handed out */
  guint64 corrupt;             /* packets rejected as damaged */
  guint64 gaps;                /* breaks in the sequence numbers */
  guint64 skipped;             /* packets dropped while waiting for a keyframe */
  guint64 keyframe_requests;   /* times "keyframe-needed" was emitted */
} PxVideoDecoderStats;

/* A decoder that waits for its first keyframe. Signal "keyframe-needed"
 * (no arguments) is emitted, on the thread that decodes, whenever the
 * decoder starts waiting for a keyframe and again every second of capture
 * time while it still waits (the first request may have been lost). */
PxVideoDecoder *px_video_decoder_new                  (void);

/* Decodes one VP8 packet with its stream @sequence number and the
 * @capture_time_us the sender stamped, and returns the I420 frame (carrying
 * both), or NULL with @error set:
 * PX_CODEC_ERROR_CORRUPT when the packet is damaged (the decoder then waits
 * for a keyframe), PX_CODEC_ERROR_WAITING_FOR_KEYFRAME when it was dropped
 * because an earlier loss or error left nothing to predict from.
 * A sequence number that does not follow the previous one counts as a loss. */
PxFrame        *px_video_decoder_decode               (PxVideoDecoder *self,
                                                       const guint8   *data,
                                                       gsize           size,
                                                       guint64         sequence,
                                                       gint64          capture_time_us,
                                                       GError        **error);

/* Whether the decoder drops everything until a keyframe: a caller that
 * polls instead of connecting to the signal asks the sender for one. */
gboolean        px_video_decoder_get_needs_keyframe   (PxVideoDecoder *self);

void            px_video_decoder_get_stats            (PxVideoDecoder      *self,
                                                       PxVideoDecoderStats *stats);

G_END_DECLS
