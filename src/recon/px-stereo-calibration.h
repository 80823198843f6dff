/* px-stereo-calibration.h: a stereo calibration as OpenCV writes it
 *
 * Reads cv::FileStorage files (YAML "%YAML:1.0" or XML <opencv_storage>)
 * with the matrices stereoCalibrate() yields and stereo_calib.cpp saves:
 * M1 D1 M2 D2 (intrinsics.yml), R T (extrinsics.yml), in one file or
 * several, plus the image size (image_width/image_height, imageSize or
 * image_size) when the file has it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "px-rig.h"

G_BEGIN_DECLS

typedef enum
{
  PX_CALIBRATION_HAS_M1 = 1 << 0,
  PX_CALIBRATION_HAS_D1 = 1 << 1,
  PX_CALIBRATION_HAS_M2 = 1 << 2,
  PX_CALIBRATION_HAS_D2 = 1 << 3,
  PX_CALIBRATION_HAS_R = 1 << 4,
  PX_CALIBRATION_HAS_T = 1 << 5,
  PX_CALIBRATION_HAS_SIZE = 1 << 6,
} PxCalibrationFields;

/* X_right = R·X_left + T, in the units of the calibration target. */
typedef struct
{
  PxCalibrationFields fields;
  guint width;
  guint height;
  double m1[9];
  double d1[5];
  double m2[9];
  double d2[5];
  double r[9];
  double t[3];
} PxStereoCalibration;

gboolean px_stereo_calibration_parse_opencv (PxStereoCalibration  *calibration,
                                             const char           *data,
                                             gsize                 length,
                                             GError              **error);
gboolean px_stereo_calibration_load_opencv  (PxStereoCalibration  *calibration,
                                             const char           *path,
                                             GError              **error);
gboolean px_stereo_calibration_check        (const PxStereoCalibration *calibration,
                                             GError              **error);
PxRig   *px_stereo_calibration_to_rig       (const PxStereoCalibration *calibration,
                                             double                metres_per_unit,
                                             GError              **error);

void     px_rotation_from_vector            (const double          vector[3],
                                             double                rotation[9]);
void     px_rotation_to_vector              (const double          rotation[9],
                                             double                vector[3]);

G_END_DECLS
