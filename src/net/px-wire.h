/* px-wire.h: the binary media frame header of protocol parallax.v1
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every binary WebSocket message is a fixed 32-byte little-endian header
 * followed by the payload. PROTOCOL.md describes the layout; this file is
 * the one place that reads and writes it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PX_WIRE_VERSION 1
#define PX_WIRE_HEADER_SIZE 32
#define PX_WIRE_SUBPROTOCOL "parallax.v1"

#define PX_WIRE_ERROR (px_wire_error_quark ())

typedef enum
{
  PX_WIRE_ERROR_TRUNCATED,
  PX_WIRE_ERROR_VERSION,
  PX_WIRE_ERROR_KIND,
  PX_WIRE_ERROR_FLAGS,
  PX_WIRE_ERROR_LENGTH,
  PX_WIRE_ERROR_RESERVED,
} PxWireError;

/* What a frame carries; the values are on the wire. */
typedef enum
{
  PX_WIRE_KIND_VIDEO = 1,
  PX_WIRE_KIND_AUDIO = 2,
  PX_WIRE_KIND_DEPTH = 3,
  PX_WIRE_KIND_DATA = 4,
} PxWireKind;

#define PX_WIRE_KIND_LAST PX_WIRE_KIND_DATA

typedef enum
{
  PX_WIRE_FLAG_KEYFRAME = 1 << 0,
  /* The last frame of a set captured at one instant (multi-camera rigs). */
  PX_WIRE_FLAG_END_OF_SET = 1 << 1,
} PxWireFlags;

#define PX_WIRE_FLAGS_KNOWN (PX_WIRE_FLAG_KEYFRAME | PX_WIRE_FLAG_END_OF_SET)

typedef struct
{
  guint8  version;
  guint8  kind;
  guint16 flags;
  guint32 stream;
  guint32 participant;
  guint32 sequence;
  /* Microseconds on the server's clock (see the ping/pong clock sync). */
  gint64  capture_time;
  guint32 payload_length;
} PxWireHeader;

GQuark       px_wire_error_quark           (void);

/* Parses the header at the start of @data and checks that exactly
 * payload_length bytes follow it. */
gboolean     px_wire_header_parse          (const guint8       *data,
                                            gsize               size,
                                            PxWireHeader       *header,
                                            GError            **error);

/* Writes @header into the first PX_WIRE_HEADER_SIZE bytes of @out. */
void         px_wire_header_write          (const PxWireHeader *header,
                                            guint8             *out);

/* A complete binary message: header (version set for you) + payload. */
GBytes      *px_wire_frame_new             (const PxWireHeader *header,
                                            const guint8       *payload,
                                            gsize               payload_length);

/* A copy of @frame whose participant field is @participant. */
GBytes      *px_wire_frame_with_participant (GBytes            *frame,
                                             guint32            participant);

const char  *px_wire_kind_to_string        (PxWireKind          kind);
gboolean     px_wire_kind_from_string      (const char         *text,
                                            PxWireKind         *kind);

/* Audio is never dropped to make room for video. */
static inline gboolean
px_wire_kind_is_audio (guint kind)
{
  return kind == PX_WIRE_KIND_AUDIO;
}

G_END_DECLS
