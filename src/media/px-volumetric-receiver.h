/* px-volumetric-receiver.h: one rig publisher's 3D frames, decoded
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A PxVolumetricReceiver turns the volumetric frames of one participant
 * (PROTOCOL.md §13) into views the stage can draw: it keeps the rig of the
 * participant's current calibration, decodes every colour packet in order
 * with its own VP8 decoder (so no reference frame is ever missed), decodes
 * the depth grid and returns the left camera's picture, its depth in
 * metres and the camera's model in the rig's frame.
 *
 *   receiver = px_volumetric_receiver_new ();
 *   on the session's "calibration" from that participant:
 *     px_volumetric_receiver_set_calibration (receiver, data, &error);
 *   on each of its frames of kind DEPTH on px_volumetric_receiver_get_stream():
 *     view = px_volumetric_receiver_push (receiver, sequence, flags, capture_time,
 *                                         payload, &error);
 *     px_volumetric_view_get_participant_view (view, &pview);
 *     px_participant_set_views (participant, &pview, 1, &error);
 *
 * A payload that does not parse, one made with another calibration, or a
 * colour packet that does not decode is dropped (push returns NULL with
 * @error set); after a decoding error or a missing colour packet the
 * receiver emits ::keyframe-needed (again every second of capture time
 * while it waits: a request may be lost) and returns NULL (without error)
 * until a keyframe arrives. Ask the publisher with
 * px_session_request_keyframe() on the volumetric stream.
 *
 * Not thread-safe: use one receiver from one thread.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "media/px-frame.h"
#include "net/px-volumetric.h"
#include "render/px-participant.h"

G_BEGIN_DECLS

/* One decoded volumetric frame. Reference counted; immutable once made. */
typedef struct
{
  PxFrame             *color;           /* the left camera, I420, capture time = the set's */
  float               *depth;           /* metres along the optical axis, 0: no depth */
  int                  depth_width;     /* row stride is depth_width */
  int                  depth_height;
  guint                grid_step;       /* colour pixels per depth sample */
  PxCameraModel        camera;          /* the left camera in the rig's frame */
  double               volume_min[3];   /* the rig's capture volume, metres */
  double               volume_max[3];
  guint32              sequence;        /* of the volumetric frame */
  gint64               capture_time;    /* µs on the server's clock */
  gboolean             has_timings;
  PxVolumetricTimings  timings;         /* the server's, when it sent them */
  gint64               received_local;  /* g_get_monotonic_time() when the payload arrived */
  gint64               decoded_local;   /* … when colour and depth were decoded */
} PxVolumetricView;

PxVolumetricView *px_volumetric_view_ref   (PxVolumetricView       *view);
void              px_volumetric_view_unref (PxVolumetricView       *view);
/* Fills @out for px_participant_set_views(); it points into @view, which
 * must outlive that call. The stage samples depth where the wire puts it
 * (PROTOCOL.md §13); when the grid's last cells hang over the image's
 * edge, the view is cropped to the cells that fit. */
void              px_volumetric_view_get_participant_view (const PxVolumetricView *view,
                                                           PxParticipantView      *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PxVolumetricView, px_volumetric_view_unref)

#define PX_TYPE_VOLUMETRIC_RECEIVER (px_volumetric_receiver_get_type ())

G_DECLARE_FINAL_TYPE (PxVolumetricReceiver, px_volumetric_receiver, PX, VOLUMETRIC_RECEIVER, GObject)

PxVolumetricReceiver *px_volumetric_receiver_new             (void);

/* @data: the calibration's "data" as the server forwarded it (with "rig",
 * "streams", "volumetric_stream" and "calibration_id"). FALSE (and nothing
 * changed) when it is not a rig calibration this receiver can use. */
gboolean              px_volumetric_receiver_set_calibration (PxVolumetricReceiver *self,
                                                              JsonObject           *data,
                                                              GError              **error);
/* The stream the volumetric frames come on, 0 before a calibration. */
guint32               px_volumetric_receiver_get_stream      (PxVolumetricReceiver *self);
guint32               px_volumetric_receiver_get_calibration_id (PxVolumetricReceiver *self);

/* Decodes one volumetric frame (the binary frame's header fields and
 * payload). A new view, or NULL: see the top of this file. */
PxVolumetricView     *px_volumetric_receiver_push            (PxVolumetricReceiver *self,
                                                              guint32               sequence,
                                                              guint16               flags,
                                                              gint64                capture_time,
                                                              GBytes               *payload,
                                                              GError              **error);

G_END_DECLS
