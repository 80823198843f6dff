/* px-wire.c: the binary media frame header of protocol parallax.v1
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "px-byte-order-private.h"
#include "px-wire.h"

G_DEFINE_QUARK (px-wire-error-quark, px_wire_error)

static const char * const kind_names[] = {
  [PX_WIRE_KIND_VIDEO] = "video",
  [PX_WIRE_KIND_AUDIO] = "audio",
  [PX_WIRE_KIND_DEPTH] = "depth",
  [PX_WIRE_KIND_DATA] = "data",
};

gboolean
px_wire_header_parse (const guint8  *data,
                      gsize          size,
                      PxWireHeader  *header,
                      GError       **error)
{
  PxWireHeader parsed;

  g_return_val_if_fail (header != NULL, FALSE);

  if (data == NULL || size < PX_WIRE_HEADER_SIZE)
    {
      g_set_error (error, PX_WIRE_ERROR, PX_WIRE_ERROR_TRUNCATED,
                   "Binary frame of %" G_GSIZE_FORMAT " bytes is shorter than its %d-byte header",
                   size, PX_WIRE_HEADER_SIZE);
      return FALSE;
    }

  parsed.version = data[0];
  parsed.kind = data[1];
  parsed.flags = px_read_u16 (data + 2);
  parsed.stream = px_read_u32 (data + 4);
  parsed.participant = px_read_u32 (data + 8);
  parsed.sequence = px_read_u32 (data + 12);
  parsed.capture_time = (gint64) px_read_u64 (data + 16);
  parsed.payload_length = px_read_u32 (data + 24);

  if (parsed.version != PX_WIRE_VERSION)
    {
      g_set_error (error, PX_WIRE_ERROR, PX_WIRE_ERROR_VERSION,
                   "Binary frame has header version %u, expected %u",
                   parsed.version, PX_WIRE_VERSION);
      return FALSE;
    }
  if (parsed.kind < PX_WIRE_KIND_VIDEO || parsed.kind > PX_WIRE_KIND_LAST)
    {
      g_set_error (error, PX_WIRE_ERROR, PX_WIRE_ERROR_KIND,
                   "Binary frame has unknown kind %u", parsed.kind);
      return FALSE;
    }
  if ((parsed.flags & ~PX_WIRE_FLAGS_KNOWN) != 0)
    {
      g_set_error (error, PX_WIRE_ERROR, PX_WIRE_ERROR_FLAGS,
                   "Binary frame has unknown flags 0x%04x", parsed.flags);
      return FALSE;
    }
  if (px_read_u32 (data + 28) != 0)
    {
      g_set_error (error, PX_WIRE_ERROR, PX_WIRE_ERROR_RESERVED,
                   "Binary frame has a non-zero reserved field");
      return FALSE;
    }
  if ((guint64) parsed.payload_length != (guint64) (size - PX_WIRE_HEADER_SIZE))
    {
      g_set_error (error, PX_WIRE_ERROR, PX_WIRE_ERROR_LENGTH,
                   "Binary frame announces %u payload bytes but carries %" G_GSIZE_FORMAT,
                   parsed.payload_length, size - PX_WIRE_HEADER_SIZE);
      return FALSE;
    }

  *header = parsed;
  return TRUE;
}

void
px_wire_header_write (const PxWireHeader *header,
                      guint8             *out)
{
  out[0] = header->version;
  out[1] = header->kind;
  px_write_u16 (out + 2, header->flags);
  px_write_u32 (out + 4, header->stream);
  px_write_u32 (out + 8, header->participant);
  px_write_u32 (out + 12, header->sequence);
  px_write_u64 (out + 16, (guint64) header->capture_time);
  px_write_u32 (out + 24, header->payload_length);
  px_write_u32 (out + 28, 0);
}

GBytes *
px_wire_frame_new (const PxWireHeader *header,
                   const guint8       *payload,
                   gsize               payload_length)
{
  PxWireHeader copy = *header;
  guint8 *data;

  g_return_val_if_fail (payload_length <= G_MAXUINT32, NULL);

  copy.version = PX_WIRE_VERSION;
  copy.payload_length = payload_length;
  data = g_malloc (PX_WIRE_HEADER_SIZE + payload_length);
  px_wire_header_write (&copy, data);
  if (payload_length > 0)
    memcpy (data + PX_WIRE_HEADER_SIZE, payload, payload_length);

  return g_bytes_new_take (data, PX_WIRE_HEADER_SIZE + payload_length);
}

GBytes *
px_wire_frame_with_participant (GBytes  *frame,
                                guint32  participant)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (frame, &size);
  guint8 *copy;

  g_return_val_if_fail (size >= PX_WIRE_HEADER_SIZE, NULL);

  copy = g_memdup2 (data, size);
  px_write_u32 (copy + 8, participant);
  return g_bytes_new_take (copy, size);
}

const char *
px_wire_kind_to_string (PxWireKind kind)
{
  if (kind < PX_WIRE_KIND_VIDEO || kind > PX_WIRE_KIND_LAST)
    return "unknown";
  return kind_names[kind];
}

gboolean
px_wire_kind_from_string (const char *text,
                          PxWireKind *kind)
{
  for (guint i = PX_WIRE_KIND_VIDEO; i <= PX_WIRE_KIND_LAST; i++)
    {
      if (g_strcmp0 (text, kind_names[i]) == 0)
        {
          *kind = i;
          return TRUE;
        }
    }
  return FALSE;
}
