/* px-pair-reconstructor.h: one stereo pair of a rig, from images to depth
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "px-rig.h"

G_BEGIN_DECLS

/* Milliseconds each stage took for the latest frame pair. */
typedef struct
{
  double grey;
  double rectify;
  double stereo;
  double depth;
  double segment;
  double total;
} PxReconTimings;

/* Where the stereo pair is matched. Depth outside the capture volume is
 * dropped anyway, so matching only where the volume can be seen gives
 * the same grid for much less work. */
typedef enum
{
  PX_RECON_CROP_NONE,    /* the whole rectified pair */
  PX_RECON_CROP_VOLUME,  /* the region the capture volume projects to */
  PX_RECON_CROP_TRACK,   /* around the previous frame pair's points, with a
                          * margin for motion; the volume's region every
                          * few frame pairs and while nothing is seen */
} PxReconCrop;

#define PX_TYPE_PAIR_RECONSTRUCTOR (px_pair_reconstructor_get_type ())

G_DECLARE_FINAL_TYPE (PxPairReconstructor, px_pair_reconstructor, PX, PAIR_RECONSTRUCTOR, GObject)

PxPairReconstructor *px_pair_reconstructor_new        (PxRig                *rig,
                                                       guint                 pair,
                                                       guint                 step,
                                                       guint                 max_disparity,
                                                       guint                 threads,
                                                       GError              **error);
guint                px_pair_reconstructor_get_max_disparity (PxPairReconstructor *self);
void                 px_pair_reconstructor_set_crop   (PxPairReconstructor  *self,
                                                       PxReconCrop           crop);
PxReconCrop          px_pair_reconstructor_get_crop   (PxPairReconstructor  *self);
gboolean             px_pair_reconstructor_get_matched_region (PxPairReconstructor *self,
                                                       guint                *x,
                                                       guint                *y,
                                                       guint                *width,
                                                       guint                *height);
void                 px_pair_reconstructor_get_size   (PxPairReconstructor  *self,
                                                       guint                *width,
                                                       guint                *height);
gboolean             px_pair_reconstructor_process    (PxPairReconstructor  *self,
                                                       const guint8         *left,
                                                       gsize                 left_stride,
                                                       const guint8         *right,
                                                       gsize                 right_stride,
                                                       guint                 channels,
                                                       float                *depth,
                                                       PxReconTimings       *timings,
                                                       GError              **error);
gboolean             px_pair_reconstructor_learn_background (PxPairReconstructor *self,
                                                       const guint8         *left,
                                                       gsize                 left_stride,
                                                       const guint8         *right,
                                                       gsize                 right_stride,
                                                       guint                 channels,
                                                       GError              **error);
const guint8        *px_pair_reconstructor_get_mask   (PxPairReconstructor  *self);
void                 px_pair_reconstructor_get_point  (PxPairReconstructor  *self,
                                                       guint                 x,
                                                       guint                 y,
                                                       float                 depth,
                                                       double                point[3]);

G_END_DECLS
