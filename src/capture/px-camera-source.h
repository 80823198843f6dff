/* px-camera-source.h: frames from one camera, as I420
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "media/px-frame.h"
#include "px-pipewire-connection.h"

G_BEGIN_DECLS

typedef enum
{
  PX_CAMERA_SOURCE_STATE_IDLE,        /* not started, or stopped */
  PX_CAMERA_SOURCE_STATE_WAITING,     /* started; waiting for PipeWire or the camera to be back */
  PX_CAMERA_SOURCE_STATE_NEGOTIATING, /* the stream is agreeing on a format */
  PX_CAMERA_SOURCE_STATE_STREAMING,
  PX_CAMERA_SOURCE_STATE_ENDED,       /* the camera went away or failed: see get_error() */
} PxCameraSourceState;

#define PX_TYPE_CAMERA_SOURCE_STATE (px_camera_source_state_get_type ())
GType px_camera_source_state_get_type (void) G_GNUC_CONST;

#define PX_TYPE_CAMERA_SOURCE (px_camera_source_get_type ())

G_DECLARE_FINAL_TYPE (PxCameraSource, px_camera_source, PX, CAMERA_SOURCE, GObject)

/* A source for the camera whose node.name (or object serial) is @camera,
 * asking for @width × @height at @fps (0: 640×480, 30). The camera's own
 * formats decide: the exact size if offered, else the nearest larger one,
 * else its largest; a raw format if it reaches the rate, else MJPG.
 * @connection NULL: the shared camera connection. Signals come on the
 * connection's main context. */
PxCameraSource      *px_camera_source_new            (PxPipewireConnection *connection,
                                                      const char           *camera,
                                                      guint                 width,
                                                      guint                 height,
                                                      guint                 fps);

/* Opens the camera at no more than @max_height lines (0: no limit) when it
 * offers such a size; a larger request shrinks to the limit, keeping its
 * shape. Applies at the next start. */
void                 px_camera_source_set_max_height (PxCameraSource       *self,
                                                      guint                 max_height);

/* The format and size a source asking for @width × @height at @fps (0:
 * 640×480, 30) within @max_height lines (0: no limit) asks @device for
 * first, as described at px_camera_source_new(). FALSE when the device
 * offers nothing Parallax reads. */
gboolean             px_camera_source_choose_format  (PxCaptureDevice      *device,
                                                      guint                 width,
                                                      guint                 height,
                                                      guint                 fps,
                                                      guint                 max_height,
                                                      PxPixelFormat        *format,
                                                      guint                *out_width,
                                                      guint                *out_height);

/* Starts capturing. Fails at once, with a PX_CAPTURE_ERROR, when the
 * connection knows the camera is absent, offers only formats Parallax
 * cannot read (the error names them) or access was denied; otherwise the
 * stream opens as soon as PipeWire and the camera are there, and reopens by
 * itself after the daemon restarts. */
gboolean             px_camera_source_start          (PxCameraSource       *self,
                                                      GError              **error);

/* Stops capturing (state IDLE); start() may be called again. */
void                 px_camera_source_stop           (PxCameraSource       *self);

/* The newest frame not yet taken (I420, a reference for the caller), or
 * NULL. Any thread. Frames nobody took in time were dropped: newest wins. */
PxFrame             *px_camera_source_take_frame     (PxCameraSource       *self);

PxCameraSourceState  px_camera_source_get_state      (PxCameraSource       *self);

/* Why the source ended, or NULL. */
const GError        *px_camera_source_get_error      (PxCameraSource       *self);

const char          *px_camera_source_get_camera     (PxCameraSource       *self);

/* What the camera delivers, once negotiated (before: UNKNOWN and zeros).
 * Frames handed out are I420 at this size whatever the format. */
PxPixelFormat        px_camera_source_get_format     (PxCameraSource       *self);
guint                px_camera_source_get_width      (PxCameraSource       *self);
guint                px_camera_source_get_height     (PxCameraSource       *self);
/* The negotiated nominal rate (0 when the camera leaves it variable). */
double               px_camera_source_get_fps        (PxCameraSource       *self);

/* Frames converted and frames dropped (unusable buffers, or never taken)
 * since the source was made. Any thread. */
guint64              px_camera_source_get_n_frames   (PxCameraSource       *self);
guint64              px_camera_source_get_n_dropped  (PxCameraSource       *self);

G_END_DECLS
