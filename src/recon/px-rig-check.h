/* px-rig-check.h: does a calibration fit the cameras that film the rig?
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "px-rig.h"

G_BEGIN_DECLS

typedef enum
{
  /* Rectified rows agree and the disparities point the right way. */
  PX_RIG_CHECK_OK,
  /* Rows agree but the disparities are negative: left and right are
   * swapped. */
  PX_RIG_CHECK_SWAPPED,
  /* The same features lie on different rows once rectified: the
   * calibration is not the one of these cameras (or they moved). */
  PX_RIG_CHECK_ROWS_DISAGREE,
  /* The left image has too little detail to tell (a covered lens, a
   * dark room, a blank wall). */
  PX_RIG_CHECK_NO_TEXTURE,
  /* The left image has detail but the right one shows none of it: the
   * cameras do not see the same scene, or the calibration is far off. */
  PX_RIG_CHECK_NO_MATCH,
} PxRigCheckVerdict;

typedef struct
{
  PxRigCheckVerdict verdict;
  guint n_features;       /* distinctive patches found in the left image */
  guint n_matches;        /* of those, found again in the right image */
  double row_offset;      /* median |vertical offset| of the matches, pixels */
  double row_bias;        /* median signed offset (right row − left row) */
  double disparity;       /* median disparity, pixels; < 0 when swapped */
  double swapped_share;   /* share of the clear disparities that are negative */
} PxRigCheckResult;

/* Largest median vertical offset, in rectified pixels, still called OK. */
#define PX_RIG_CHECK_DEFAULT_MAX_ROW_OFFSET 1.5

#define PX_TYPE_RIG_CHECK (px_rig_check_get_type ())

G_DECLARE_FINAL_TYPE (PxRigCheck, px_rig_check, PX, RIG_CHECK, GObject)

/* A checker for pair @pair of @rig; fails (PX_RECON_ERROR) when the rig
 * has no such pair or the pair cannot be rectified. */
PxRigCheck        *px_rig_check_new                 (PxRig              *rig,
                                                     guint               pair,
                                                     GError            **error);

/* The image size both frames must have: the calibrated one. */
guint              px_rig_check_get_width           (PxRigCheck         *self);
guint              px_rig_check_get_height          (PxRigCheck         *self);
/* The ids of the pair's cameras in the rig. */
const char        *px_rig_check_get_left_id         (PxRigCheck         *self);
const char        *px_rig_check_get_right_id        (PxRigCheck         *self);

void               px_rig_check_set_max_row_offset  (PxRigCheck         *self,
                                                     double              pixels);
double             px_rig_check_get_max_row_offset  (PxRigCheck         *self);

/* Checks one 8-bit grey frame of each camera (the Y plane of an I420
 * frame will do), taken at about the same instant. FALSE with
 * PX_RECON_ERROR_SIZE_MISMATCH when a frame is not of the calibrated
 * size. Thread-safe: runs share nothing but the rectification tables. */
gboolean           px_rig_check_run                 (PxRigCheck         *self,
                                                     const guint8       *left,
                                                     gsize               left_stride,
                                                     guint               left_width,
                                                     guint               left_height,
                                                     const guint8       *right,
                                                     gsize               right_stride,
                                                     guint               right_width,
                                                     guint               right_height,
                                                     PxRigCheckResult   *result,
                                                     GError            **error);

/* The same on a worker thread; the images are copied first. */
void               px_rig_check_run_async           (PxRigCheck         *self,
                                                     const guint8       *left,
                                                     gsize               left_stride,
                                                     guint               left_width,
                                                     guint               left_height,
                                                     const guint8       *right,
                                                     gsize               right_stride,
                                                     guint               right_width,
                                                     guint               right_height,
                                                     GCancellable       *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer            user_data);
gboolean           px_rig_check_run_finish          (PxRigCheck         *self,
                                                     GAsyncResult       *result,
                                                     PxRigCheckResult   *check,
                                                     GError            **error);

/* A short English name of @verdict, for logs and tools. */
const char        *px_rig_check_verdict_to_string   (PxRigCheckVerdict   verdict);

G_END_DECLS
