/* px-volumetric.c: the payload of a volumetric frame
 *
 * Little-endian, like the frame header:
 *
 *   0  u8   version (1)
 *   1  u8   number of colour packets, 1 to PX_VOLUMETRIC_MAX_PACKETS
 *   2  u16  depth grid width
 *   4  u16  depth grid height
 *   6  u16  grid step
 *   8  u32  calibration id
 *  12  u32  colour stream
 *  16  u32  depth length
 *  20  u32  timings length T: 0, or PX_VOLUMETRIC_TIMINGS_SIZE
 *  24  packets: u32 sequence, u32 flags (bit 0 keyframe), u32 length, bytes
 *      then, when T is not 0, the timings: i64 received, i64 built, u32
 *      decode, rectify, stereo, segment, depth and depth coding (µs)
 *      then the depth bytes, which end the payload.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "px-byte-order-private.h"
#include "px-volumetric.h"

G_DEFINE_QUARK (px-volumetric-error-quark, px_volumetric_error)

#define PACKET_FLAG_KEYFRAME 1u

static void
read_timings (const guint8        *p,
              PxVolumetricTimings *timings)
{
  timings->received = (gint64) px_read_u64 (p);
  timings->built = (gint64) px_read_u64 (p + 8);
  timings->decode_us = px_read_u32 (p + 16);
  timings->rectify_us = px_read_u32 (p + 20);
  timings->stereo_us = px_read_u32 (p + 24);
  timings->segment_us = px_read_u32 (p + 28);
  timings->depth_us = px_read_u32 (p + 32);
  timings->depth_coding_us = px_read_u32 (p + 36);
}

static void
write_timings (guint8                    *p,
               const PxVolumetricTimings *timings)
{
  px_write_u64 (p, (guint64) timings->received);
  px_write_u64 (p + 8, (guint64) timings->built);
  px_write_u32 (p + 16, timings->decode_us);
  px_write_u32 (p + 20, timings->rectify_us);
  px_write_u32 (p + 24, timings->stereo_us);
  px_write_u32 (p + 28, timings->segment_us);
  px_write_u32 (p + 32, timings->depth_us);
  px_write_u32 (p + 36, timings->depth_coding_us);
}

gboolean
px_volumetric_payload_parse (const guint8         *data,
                             gsize                 size,
                             PxVolumetricPayload  *payload,
                             GError              **error)
{
  gsize offset = PX_VOLUMETRIC_HEADER_SIZE;
  guint32 depth_size, timings_size;

  g_return_val_if_fail (data != NULL || size == 0, FALSE);
  g_return_val_if_fail (payload != NULL, FALSE);

  memset (payload, 0, sizeof *payload);
  if (size < PX_VOLUMETRIC_HEADER_SIZE)
    {
      g_set_error (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_TRUNCATED,
                   "A volumetric frame needs at least %d bytes, not %" G_GSIZE_FORMAT,
                   PX_VOLUMETRIC_HEADER_SIZE, size);
      return FALSE;
    }
  if (data[0] != PX_VOLUMETRIC_VERSION)
    {
      g_set_error (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_VERSION,
                   "Volumetric frame version %u is not supported", data[0]);
      return FALSE;
    }

  payload->n_packets = data[1];
  payload->grid_width = px_read_u16 (data + 2);
  payload->grid_height = px_read_u16 (data + 4);
  payload->grid_step = px_read_u16 (data + 6);
  payload->calibration_id = px_read_u32 (data + 8);
  payload->colour_stream = px_read_u32 (data + 12);
  depth_size = px_read_u32 (data + 16);
  timings_size = px_read_u32 (data + 20);

  if (payload->n_packets < 1 || payload->n_packets > PX_VOLUMETRIC_MAX_PACKETS)
    {
      g_set_error (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_INVALID,
                   "A volumetric frame carries 1 to %d colour packets, not %u",
                   PX_VOLUMETRIC_MAX_PACKETS, payload->n_packets);
      return FALSE;
    }
  if (payload->grid_width == 0 || payload->grid_height == 0 || payload->grid_step == 0)
    {
      g_set_error (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_INVALID,
                   "Empty depth grid (%u×%u, step %u)",
                   payload->grid_width, payload->grid_height, payload->grid_step);
      return FALSE;
    }
  if (timings_size != 0 && timings_size != PX_VOLUMETRIC_TIMINGS_SIZE)
    {
      g_set_error (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_INVALID,
                   "The timings of a volumetric frame take 0 or %d bytes, not %u",
                   PX_VOLUMETRIC_TIMINGS_SIZE, timings_size);
      return FALSE;
    }

  for (guint i = 0; i < payload->n_packets; i++)
    {
      PxVolumetricPacket *packet = &payload->packets[i];
      guint32 flags, length;

      if (size - offset < PX_VOLUMETRIC_PACKET_HEADER_SIZE)
        {
          g_set_error (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_TRUNCATED,
                       "Colour packet %u of %u is cut short", i + 1, payload->n_packets);
          return FALSE;
        }
      packet->sequence = px_read_u32 (data + offset);
      flags = px_read_u32 (data + offset + 4);
      length = px_read_u32 (data + offset + 8);
      offset += PX_VOLUMETRIC_PACKET_HEADER_SIZE;
      if ((flags & ~PACKET_FLAG_KEYFRAME) != 0)
        {
          g_set_error (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_INVALID,
                       "Colour packet %u has unknown flags 0x%x", i + 1, flags);
          return FALSE;
        }
      if (length == 0 || length > size - offset)
        {
          g_set_error (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_TRUNCATED,
                       "Colour packet %u claims %u bytes, %" G_GSIZE_FORMAT " are left",
                       i + 1, length, size - offset);
          return FALSE;
        }
      packet->keyframe = (flags & PACKET_FLAG_KEYFRAME) != 0;
      packet->data = data + offset;
      packet->size = length;
      offset += length;
    }

  if (timings_size != 0)
    {
      if (size - offset < timings_size)
        {
          g_set_error (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_TRUNCATED,
                       "The timings are cut short: %" G_GSIZE_FORMAT " of %u bytes",
                       size - offset, timings_size);
          return FALSE;
        }
      read_timings (data + offset, &payload->timings);
      payload->has_timings = TRUE;
      offset += timings_size;
    }

  if (depth_size == 0 || depth_size != size - offset)
    {
      g_set_error (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_TRUNCATED,
                   "The depth part claims %u bytes, %" G_GSIZE_FORMAT " are left",
                   depth_size, size - offset);
      return FALSE;
    }
  payload->depth = data + offset;
  payload->depth_size = depth_size;
  return TRUE;
}

GBytes *
px_volumetric_payload_build (const PxVolumetricPayload *payload)
{
  guint32 timings_size = payload->has_timings ? PX_VOLUMETRIC_TIMINGS_SIZE : 0;
  gsize size = PX_VOLUMETRIC_HEADER_SIZE + timings_size + payload->depth_size;
  guint8 *out, *p;

  g_return_val_if_fail (payload->n_packets >= 1 && payload->n_packets <= PX_VOLUMETRIC_MAX_PACKETS, NULL);
  g_return_val_if_fail (payload->grid_width <= G_MAXUINT16 && payload->grid_height <= G_MAXUINT16
                        && payload->grid_step <= G_MAXUINT16, NULL);

  for (guint i = 0; i < payload->n_packets; i++)
    size += PX_VOLUMETRIC_PACKET_HEADER_SIZE + payload->packets[i].size;

  out = g_malloc (size);
  out[0] = PX_VOLUMETRIC_VERSION;
  out[1] = payload->n_packets;
  px_write_u16 (out + 2, payload->grid_width);
  px_write_u16 (out + 4, payload->grid_height);
  px_write_u16 (out + 6, payload->grid_step);
  px_write_u32 (out + 8, payload->calibration_id);
  px_write_u32 (out + 12, payload->colour_stream);
  px_write_u32 (out + 16, payload->depth_size);
  px_write_u32 (out + 20, timings_size);
  p = out + PX_VOLUMETRIC_HEADER_SIZE;
  for (guint i = 0; i < payload->n_packets; i++)
    {
      const PxVolumetricPacket *packet = &payload->packets[i];

      px_write_u32 (p, packet->sequence);
      px_write_u32 (p + 4, packet->keyframe ? PACKET_FLAG_KEYFRAME : 0);
      px_write_u32 (p + 8, packet->size);
      memcpy (p + PX_VOLUMETRIC_PACKET_HEADER_SIZE, packet->data, packet->size);
      p += PX_VOLUMETRIC_PACKET_HEADER_SIZE + packet->size;
    }
  if (payload->has_timings)
    {
      write_timings (p, &payload->timings);
      p += PX_VOLUMETRIC_TIMINGS_SIZE;
    }
  memcpy (p, payload->depth, payload->depth_size);
  return g_bytes_new_take (out, size);
}
