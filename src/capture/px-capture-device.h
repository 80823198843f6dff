/* px-capture-device.h: a camera, microphone or speaker PipeWire offers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "media/px-frame.h"

G_BEGIN_DECLS

typedef enum
{
  PX_DEVICE_KIND_CAMERA,
  PX_DEVICE_KIND_MICROPHONE,
  PX_DEVICE_KIND_SPEAKER,
} PxDeviceKind;

#define PX_TYPE_DEVICE_KIND (px_device_kind_get_type ())
GType px_device_kind_get_type (void) G_GNUC_CONST;

/* One way a camera can deliver frames: a pixel format at a size, and the
 * frame rates it offers there. A size range (cameras that scale) has
 * differing min and max; a fixed size has them equal. */
typedef struct
{
  PxPixelFormat format;          /* UNKNOWN: a format Parallax cannot read */
  char          format_name[16]; /* as PipeWire names it: "YUY2", "MJPG", "Y444"… */
  guint         width;
  guint         height;
  guint         min_width;
  guint         min_height;
  guint         max_width;
  guint         max_height;
  double        min_fps;         /* 0 when the camera does not say */
  double        max_fps;
  guint         n_rates;         /* listed rates, for cameras with fixed ones */
  double        rates[8];
} PxCameraFormat;

#define PX_TYPE_CAPTURE_DEVICE (px_capture_device_get_type ())

G_DECLARE_FINAL_TYPE (PxCaptureDevice, px_capture_device, PX, CAPTURE_DEVICE, GObject)

/* Devices are made by the PipeWire connection; this is for it (and tests). */
PxCaptureDevice      *px_capture_device_new               (PxDeviceKind          kind,
                                                           guint32               id,
                                                           guint64               serial,
                                                           const char           *name,
                                                           const char           *description,
                                                           const char           *path,
                                                           const char           *serial_number,
                                                           const PxCameraFormat *formats,
                                                           guint                 n_formats);

PxDeviceKind          px_capture_device_get_kind          (PxCaptureDevice      *self);
/* The PipeWire global id: changes when the device is re-plugged. */
guint32               px_capture_device_get_id            (PxCaptureDevice      *self);
/* object.serial: unique for the daemon's lifetime. */
guint64               px_capture_device_get_serial        (PxCaptureDevice      *self);
/* node.name: stable across re-plugging and daemon restarts; what to open. */
const char           *px_capture_device_get_name          (PxCaptureDevice      *self);
/* node.description: for people. */
const char           *px_capture_device_get_description   (PxCaptureDevice      *self);
/* Where the device lives (/dev/video0, a bus path), or NULL. */
const char           *px_capture_device_get_path          (PxCaptureDevice      *self);
/* The hardware serial number, or NULL. */
const char           *px_capture_device_get_serial_number (PxCaptureDevice      *self);
/* A camera's formats (none for audio devices). */
const PxCameraFormat *px_capture_device_get_formats       (PxCaptureDevice      *self,
                                                           guint                *n_formats);
/* Whether any format is one Parallax reads. */
gboolean              px_capture_device_has_supported_format (PxCaptureDevice   *self);
/* The names of the formats offered, comma-separated, for messages. */
char                 *px_capture_device_describe_formats  (PxCaptureDevice      *self);

G_END_DECLS
