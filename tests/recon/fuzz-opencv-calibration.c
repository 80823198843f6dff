/* fuzz-opencv-calibration.c: the OpenCV calibration reader on any bytes
 *
 * Whatever the input, parsing ends with a result or an error; a result
 * that passes the checks must also make a rig and, when the pair allows,
 * a rectifier.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdint.h>
#include <stdlib.h>

#include "recon/px-stereo-calibration.h"
#include "recon/px-stereo-rectifier.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  PxStereoCalibration calibration = { 0, };
  GError *error = NULL;

  if (!px_stereo_calibration_parse_opencv (&calibration, (const char *) data, size, &error))
    {
      if (error == NULL)
        abort ();
      g_error_free (error);
      return 0;
    }
  if (px_stereo_calibration_check (&calibration, NULL) && calibration.width * calibration.height <= 1 << 16)
    {
      PxRig *rig = px_stereo_calibration_to_rig (&calibration, 0.001, NULL);
      const PxCamera *left, *right;
      PxStereoRectifier *rectifier;

      if (rig == NULL || !px_rig_get_pair (rig, 0, &left, &right))
        abort ();
      rectifier = px_stereo_rectifier_new (left, right, NULL);
      g_clear_object (&rectifier);
      g_object_unref (rig);
    }
  return 0;
}
