/* px-volumetric.h: the payload of a volumetric frame (PROTOCOL.md §13)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The server reconstructs a rig publisher's frame sets and sends each
 * result as one binary frame of kind depth on the publisher's volumetric
 * stream. Its payload carries the left camera's VP8 packets unchanged (all
 * of them since the previous volumetric frame, so that a receiver's colour
 * decoder never misses one even when frame sets were skipped), the depth
 * grid coded by PxDepthCodec, and which calibration it belongs to. This
 * file is the one place that writes and reads that layout.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PX_VOLUMETRIC_VERSION 1
/* Fixed part of the payload, before the colour packets. */
#define PX_VOLUMETRIC_HEADER_SIZE 24
/* Each colour packet is preceded by its sequence, flags and length. */
#define PX_VOLUMETRIC_PACKET_HEADER_SIZE 12
/* Colour packets one volumetric frame may carry. */
#define PX_VOLUMETRIC_MAX_PACKETS 64

#define PX_VOLUMETRIC_ERROR (px_volumetric_error_quark ())

typedef enum
{
  PX_VOLUMETRIC_ERROR_TRUNCATED,
  PX_VOLUMETRIC_ERROR_VERSION,
  PX_VOLUMETRIC_ERROR_INVALID,
  PX_VOLUMETRIC_ERROR_CALIBRATION,  /* made with a calibration the receiver does not hold */
} PxVolumetricError;

/* One VP8 packet of the left camera, pointing into the payload. */
typedef struct
{
  guint32       sequence;   /* the publisher's sequence number on the colour stream */
  gboolean      keyframe;
  const guint8 *data;
  gsize         size;
} PxVolumetricPacket;

/* What the server spent on one volumetric frame (PROTOCOL.md §13), so
 * that receivers can show and benchmarks can check where the time went.
 * Instants are microseconds on the server's clock; durations are
 * microseconds of work on that frame set. */
typedef struct
{
  gint64  received;         /* the set's last camera frame arrived */
  gint64  built;            /* the payload was laid out, just before fan-out */
  guint32 decode_us;        /* VP8 decoding of the set's camera frames */
  guint32 rectify_us;       /* grey conversion and rectification */
  guint32 stereo_us;        /* stereo matching */
  guint32 segment_us;       /* person segmentation */
  guint32 depth_us;         /* disparity to depth in the left camera */
  guint32 depth_coding_us;  /* PxDepthCodec */
} PxVolumetricTimings;

/* Size of the timings block on the wire. */
#define PX_VOLUMETRIC_TIMINGS_SIZE 40

/* A parsed payload; the pointers are into the bytes that were parsed. */
typedef struct
{
  guint32            calibration_id;  /* the "calibration_id" of the calibration it needs */
  guint32            colour_stream;   /* the left camera's stream number */
  guint              grid_width;      /* depth samples per row */
  guint              grid_height;
  guint              grid_step;       /* colour pixels per depth sample, each way */
  guint              n_packets;       /* ≥ 1; the last is the frame the depth belongs to */
  PxVolumetricPacket packets[PX_VOLUMETRIC_MAX_PACKETS];
  gboolean           has_timings;     /* the server filled @timings */
  PxVolumetricTimings timings;
  const guint8      *depth;           /* a PxDepthCodec stream of grid_width × grid_height */
  gsize              depth_size;
} PxVolumetricPayload;

GQuark    px_volumetric_error_quark   (void);

/* Checks the layout (not the VP8 or depth bitstreams inside) and fills
 * @payload with pointers into @data. */
gboolean  px_volumetric_payload_parse (const guint8         *data,
                                       gsize                 size,
                                       PxVolumetricPayload  *payload,
                                       GError              **error);

/* Lays out @payload (its packets and depth) as bytes. */
GBytes   *px_volumetric_payload_build (const PxVolumetricPayload *payload);

G_END_DECLS
