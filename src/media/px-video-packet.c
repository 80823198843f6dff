/* px-video-packet.c: one coded video frame, as it travels
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "media/px-video-packet.h"

G_DEFINE_BOXED_TYPE (PxVideoPacket, px_video_packet,
                     px_video_packet_ref, px_video_packet_unref)

PxVideoPacket *
px_video_packet_new (GBytes   *data,
                     gboolean  keyframe,
                     gint64    capture_time_us,
                     guint64   sequence,
                     guint     width,
                     guint     height)
{
  PxVideoPacket *packet;

  g_return_val_if_fail (data != NULL, NULL);

  packet = g_new0 (PxVideoPacket, 1);
  packet->ref_count = 1;
  packet->data = g_bytes_ref (data);
  packet->keyframe = keyframe;
  packet->capture_time_us = capture_time_us;
  packet->sequence = sequence;
  packet->width = width;
  packet->height = height;
  return packet;
}

PxVideoPacket *
px_video_packet_ref (PxVideoPacket *packet)
{
  g_return_val_if_fail (packet != NULL, NULL);

  g_atomic_int_inc (&packet->ref_count);
  return packet;
}

void
px_video_packet_unref (PxVideoPacket *packet)
{
  g_return_if_fail (packet != NULL);

  if (g_atomic_int_dec_and_test (&packet->ref_count))
    {
      g_bytes_unref (packet->data);
      g_free (packet);
    }
}

gboolean
px_video_packet_is_vp8_keyframe (const guint8 *data,
                                 gsize         size)
{
  /* RFC 6386 §9.1: a 3-byte frame tag whose lowest bit is 0 for a key
   * frame, then the start code 9d 01 2a and two 14-bit dimensions. */
  if (data == NULL || size < 10)
    return FALSE;
  if ((data[0] & 1) != 0)
    return FALSE;
  return data[3] == 0x9d && data[4] == 0x01 && data[5] == 0x2a;
}
