/* px-video-encoder.h: VP8 for one camera, tuned for live calls
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "media/px-frame.h"
#include "media/px-video-packet.h"

G_BEGIN_DECLS

/* Bounds of the target bitrate, kbit/s. */
#define PX_VIDEO_ENCODER_MIN_BITRATE 50
#define PX_VIDEO_ENCODER_MAX_BITRATE 20000

/* Default distance between periodic keyframes, milliseconds of capture time. */
#define PX_VIDEO_ENCODER_DEFAULT_KEYFRAME_INTERVAL_MS 3000

#define PX_TYPE_VIDEO_ENCODER (px_video_encoder_get_type ())

G_DECLARE_FINAL_TYPE (PxVideoEncoder, px_video_encoder, PX, VIDEO_ENCODER, GObject)

/* An encoder with a target of @bitrate_kbps (clamped to the bounds above).
 * The codec itself starts with the first frame, at that frame's size. */
PxVideoEncoder *px_video_encoder_new                    (guint           bitrate_kbps);

/* Changes the target bitrate; it applies from the next frame. Thread-safe
 * (the session may call it while a capture thread encodes). */
void            px_video_encoder_set_bitrate            (PxVideoEncoder *self,
                                                         guint           bitrate_kbps);
guint           px_video_encoder_get_bitrate            (PxVideoEncoder *self);

/* Makes the next frame a keyframe (a receiver asked for one). Thread-safe. */
void            px_video_encoder_request_keyframe       (PxVideoEncoder *self);

/* Keyframes also come every @interval_ms of capture time; 0 turns that off. */
void            px_video_encoder_set_keyframe_interval  (PxVideoEncoder *self,
                                                         guint           interval_ms);
guint           px_video_encoder_get_keyframe_interval  (PxVideoEncoder *self);

/* Encodes an I420 @frame. Returns its packet, or NULL: with @error set when
 * the frame cannot be encoded, without when the rate control skipped it.
 * A frame of a new size restarts the codec with a keyframe. */
PxVideoPacket  *px_video_encoder_encode                 (PxVideoEncoder *self,
                                                         PxFrame        *frame,
                                                         GError        **error);

/* The threads libvpx uses for a frame of this size: one below 640×480, two
 * from there, four from 1920×1080, never more than the processors. */
guint           px_video_encoder_threads_for_size       (guint           width,
                                                         guint           height);

G_END_DECLS
