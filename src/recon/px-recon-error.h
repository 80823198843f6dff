/* px-recon-error.h: errors of the reconstruction subsystem
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PX_RECON_ERROR (px_recon_error_quark ())

typedef enum
{
  /* An argument is out of range: an empty image, an absurd disparity range. */
  PX_RECON_ERROR_INVALID_ARGUMENT,
  /* Two images that must match in size do not. */
  PX_RECON_ERROR_SIZE_MISMATCH,
  /* A file could not be parsed; the message names the field. */
  PX_RECON_ERROR_PARSE,
  /* A calibration or rig is well-formed but describes something unusable. */
  PX_RECON_ERROR_INVALID_CALIBRATION,
  /* A stereo pair cannot be rectified (no baseline, opposite views…). */
  PX_RECON_ERROR_NOT_RECTIFIABLE,
} PxReconError;

GQuark px_recon_error_quark (void);

G_END_DECLS
