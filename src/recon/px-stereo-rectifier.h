/* px-stereo-rectifier.h: warps a calibrated pair so that matches share rows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "px-rig.h"

G_BEGIN_DECLS

typedef enum
{
  PX_STEREO_LEFT,
  PX_STEREO_RIGHT,
} PxStereoSide;

#define PX_TYPE_STEREO_RECTIFIER (px_stereo_rectifier_get_type ())

G_DECLARE_FINAL_TYPE (PxStereoRectifier, px_stereo_rectifier, PX, STEREO_RECTIFIER, GObject)

PxStereoRectifier *px_stereo_rectifier_new          (const PxCamera     *left,
                                                     const PxCamera     *right,
                                                     GError            **error);
guint              px_stereo_rectifier_get_width    (PxStereoRectifier  *self);
guint              px_stereo_rectifier_get_height   (PxStereoRectifier  *self);
void               px_stereo_rectifier_get_rotation (PxStereoRectifier  *self,
                                                     PxStereoSide        side,
                                                     double              rotation[9]);
void               px_stereo_rectifier_get_intrinsics (PxStereoRectifier *self,
                                                     double             *focal,
                                                     double             *cx,
                                                     double             *cy);
double             px_stereo_rectifier_get_baseline (PxStereoRectifier  *self);
void               px_stereo_rectifier_get_projection (PxStereoRectifier *self,
                                                     PxStereoSide        side,
                                                     double              projection[12]);
gboolean           px_stereo_rectifier_rectify_point (PxStereoRectifier *self,
                                                     PxStereoSide        side,
                                                     double              u,
                                                     double              v,
                                                     double             *rectified_u,
                                                     double             *rectified_v);
gboolean           px_stereo_rectifier_remap        (PxStereoRectifier  *self,
                                                     PxStereoSide        side,
                                                     const guint8       *image,
                                                     gsize               stride,
                                                     guint               channels,
                                                     guint8             *out,
                                                     gsize               out_stride,
                                                     GError            **error);
gboolean           px_stereo_rectifier_remap_region (PxStereoRectifier  *self,
                                                     PxStereoSide        side,
                                                     const guint8       *image,
                                                     gsize               stride,
                                                     guint               channels,
                                                     guint               x,
                                                     guint               y,
                                                     guint               width,
                                                     guint               height,
                                                     guint8             *out,
                                                     gsize               out_stride,
                                                     GError            **error);
void               px_stereo_rectifier_depth_from_disparity (PxStereoRectifier *self,
                                                     const float        *disparity,
                                                     float              *depth);
void               px_stereo_rectifier_get_grid_size (PxStereoRectifier *self,
                                                     guint               step,
                                                     guint              *width,
                                                     guint              *height);
void               px_stereo_rectifier_prepare_left_grid (PxStereoRectifier *self,
                                                     guint               step);
void               px_stereo_rectifier_left_depth   (PxStereoRectifier  *self,
                                                     const float        *disparity,
                                                     guint               step,
                                                     float              *depth);
void               px_stereo_rectifier_left_ray     (PxStereoRectifier  *self,
                                                     double              u,
                                                     double              v,
                                                     double              ray[3]);

G_END_DECLS
