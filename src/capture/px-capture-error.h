/* px-capture-error.h: errors of cameras, microphones and speakers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PX_CAPTURE_ERROR (px_capture_error_quark ())

typedef enum
{
  /* No device of that name (or it went away before it could be opened). */
  PX_CAPTURE_ERROR_NOT_FOUND,
  /* The device offers only formats Parallax cannot read; the message names them. */
  PX_CAPTURE_ERROR_UNSUPPORTED_FORMAT,
  /* The device and Parallax did not agree on a format in time. */
  PX_CAPTURE_ERROR_NEGOTIATION,
  /* The user (or the sandbox) refused access to the camera. */
  PX_CAPTURE_ERROR_ACCESS_DENIED,
  /* The device was unplugged while in use. */
  PX_CAPTURE_ERROR_DISCONNECTED,
  /* PipeWire cannot be reached or failed the stream. */
  PX_CAPTURE_ERROR_FAILED,
} PxCaptureError;

GQuark px_capture_error_quark (void);

G_END_DECLS
