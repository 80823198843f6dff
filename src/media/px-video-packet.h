/* px-video-packet.h: one coded video frame, as it travels
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* A VP8 frame out of the encoder. Fields are read-only. */
typedef struct
{
  GBytes  *data;             /* the VP8 bitstream of one frame */
  gboolean keyframe;         /* decodable on its own */
  gint64   capture_time_us;  /* the source frame's capture time, kept through */
  guint64  sequence;         /* counts packets of one encoder from 0 */
  guint    width;
  guint    height;

  /*< private >*/
  gint     ref_count;
} PxVideoPacket;

#define PX_TYPE_VIDEO_PACKET (px_video_packet_get_type ())

GType          px_video_packet_get_type (void) G_GNUC_CONST;

PxVideoPacket *px_video_packet_new      (GBytes        *data,
                                         gboolean       keyframe,
                                         gint64         capture_time_us,
                                         guint64        sequence,
                                         guint          width,
                                         guint          height);

PxVideoPacket *px_video_packet_ref      (PxVideoPacket *packet);
void           px_video_packet_unref    (PxVideoPacket *packet);

/* Whether @data starts a VP8 keyframe (frame tag and start code). Reads no
 * more than @size bytes; FALSE for anything too short. */
gboolean       px_video_packet_is_vp8_keyframe (const guint8 *data,
                                                gsize         size);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PxVideoPacket, px_video_packet_unref)

G_END_DECLS
