/* px-rig-publisher.h: a calibrated camera rig, published for reconstruction
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A PxRigPublisher sends a studio's cameras to the server so that it
 * reconstructs the person in 3D (PROTOCOL.md §13): it announces one video
 * stream per camera of the rig's first pair plus the volumetric output
 * stream, sends the rig calibration, and then, for every instant, one VP8
 * frame of each camera with the same capture time. Each camera has its
 * own PxVideoEncoder (realtime, error resilient), on a thread of its own,
 * so both frames of a set are encoded at the same time. A keyframe request
 * for either camera or for the output stream, and every periodic keyframe,
 * makes a keyframe on both cameras: the server needs both decodable from
 * the same instant. The calibration goes again after every fresh join.
 *
 * Frames come either from PipeWire camera nodes (set_cameras(), captured
 * with PxCameraSource and grouped by instant: the frames whose capture
 * times are closest, within half a frame interval; a frame without a
 * partner is dropped) or are pushed in-process with
 * px_rig_publisher_push_frame_set(). Either way a set that waits for the
 * encoders is replaced by a newer one: latest wins, nothing queues.
 *
 *   publisher = px_rig_publisher_new (session, rig);
 *   px_rig_publisher_set_cameras (publisher, NULL, (const char *[]) { "left", "right", NULL });
 *   if (!px_rig_publisher_start (publisher, &error)) …
 *   …
 *   px_rig_publisher_stop (publisher);
 *
 * Threading: create it, call its methods and receive its signals on the
 * session's thread; encoding runs on two threads of its own, one per
 * camera. push_frame_set() and set_keyframe_interval() may be called from
 * any thread.
 */
#pragma once

#include <gio/gio.h>

#include "capture/px-pipewire-connection.h"
#include "media/px-frame.h"
#include "net/px-session.h"
#include "recon/px-rig.h"

G_BEGIN_DECLS

/* The streams a rig publisher announces. */
#define PX_RIG_PUBLISHER_LEFT_STREAM        11
#define PX_RIG_PUBLISHER_RIGHT_STREAM       12
#define PX_RIG_PUBLISHER_VOLUMETRIC_STREAM  13

/* When one frame set went through the publisher, each instant a
 * g_get_monotonic_time() of this process (0: did not happen). */
typedef struct
{
  guint32 sequence;      /* of the left camera's VP8 frame */
  gint64  capture_time;  /* the frames' capture time (local monotonic) */
  gint64  grouped;       /* both cameras' frames were there */
  gint64  encoded;       /* both were encoded */
  gint64  sent;          /* both were handed to the session */
  gsize   bytes;         /* VP8 bytes of both cameras */
} PxRigPublisherTimings;

#define PX_TYPE_RIG_PUBLISHER (px_rig_publisher_get_type ())

G_DECLARE_FINAL_TYPE (PxRigPublisher, px_rig_publisher, PX, RIG_PUBLISHER, GObject)

/* @rig: calibrated, with at least one pair; its first pair is published. */
PxRigPublisher *px_rig_publisher_new            (PxSession            *session,
                                                 PxRig                *rig);

/* The PipeWire nodes (node.name) filming the pair's left and right camera,
 * in that order. @connection NULL: the shared video connection. Without
 * this the publisher expects push_frame_set(). Applies at start. */
void            px_rig_publisher_set_cameras    (PxRigPublisher       *self,
                                                 PxPipewireConnection *connection,
                                                 const char * const   *node_names);

/* Depth grid step asked of the server (PROTOCOL §13 "step"), default 4. */
void            px_rig_publisher_set_grid_step  (PxRigPublisher       *self,
                                                 guint                 step);

/* Both cameras make a keyframe every @interval_ms of capture time
 * (default PX_VIDEO_ENCODER_DEFAULT_KEYFRAME_INTERVAL_MS); 0: only when
 * the server or a subscriber asks. Any time. */
void            px_rig_publisher_set_keyframe_interval (PxRigPublisher *self,
                                                        guint           interval_ms);

/* Bitrate per camera, kbit/s (default 1200); adapts down under congestion. */
void            px_rig_publisher_set_bitrate    (PxRigPublisher       *self,
                                                 guint                 kbps);

/* Announces the streams, sends the calibration, opens the cameras (if
 * any) and starts encoding. Fails with the reason when a camera is
 * missing or the session refuses. */
gboolean        px_rig_publisher_start          (PxRigPublisher       *self,
                                                 GError              **error);
void            px_rig_publisher_stop           (PxRigPublisher       *self);

/* One frame of each camera of the pair (left, right), I420, of one
 * instant: their capture_time_us is the set's. Any thread. */
void            px_rig_publisher_push_frame_set (PxRigPublisher       *self,
                                                 PxFrame              *left,
                                                 PxFrame              *right);

/* While off nothing is sent (the roster shows the video muted; the
 * audio state in the roster is left as it is). */
void            px_rig_publisher_set_camera_off (PxRigPublisher       *self,
                                                 gboolean              off);
gboolean        px_rig_publisher_get_camera_off (PxRigPublisher       *self);

/* Complete sets handed to the session so far. */
guint64         px_rig_publisher_get_sets_sent  (PxRigPublisher       *self);

/* The current bitrate target per camera, kbit/s. */
guint           px_rig_publisher_get_bitrate    (PxRigPublisher       *self);

/* The calibration data it sends (PROTOCOL §13: rig, streams, pair,
 * volumetric_stream, step); free with json_object_unref(). */
JsonObject     *px_rig_publisher_dup_calibration (PxRigPublisher      *self);

/* Signals: "set-sent" (const PxRigPublisherTimings *) after each set;
 * "camera-error" (const GError *) when a camera ended or delivers frames
 * that do not match the calibration (another size). */

G_END_DECLS
