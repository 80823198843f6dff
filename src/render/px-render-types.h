/* px-render-types.h: what the renderer draws from: colour frames and cameras
 *
 * A volumetric participant is a set of views; a view is a colour frame, a
 * depth map at mesh resolution and the camera that saw both. A flat
 * participant is one colour frame shown as a panel of known height.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "recon/px-rig.h"

G_BEGIN_DECLS

#define PX_RENDER_ERROR (px_render_error_quark ())

typedef enum
{
  PX_RENDER_ERROR_INVALID_INPUT,
  PX_RENDER_ERROR_NO_CONTEXT,
  PX_RENDER_ERROR_SHADER,
  PX_RENDER_ERROR_FRAMEBUFFER,
  PX_RENDER_ERROR_CAPTURE,
} PxRenderError;

GQuark px_render_error_quark (void);

typedef enum
{
  /* Three 8-bit planes, chroma at half width and height (BT.601 limited
   * range, as cameras and VP8 deliver it). */
  PX_COLOR_FORMAT_I420,
  /* One plane of 8-bit R, G, B, A (sRGB encoded): for tools and tests. */
  PX_COLOR_FORMAT_RGBA,
} PxColorFormat;

/* A colour frame as the caller holds it; the renderer copies what it keeps. */
typedef struct
{
  PxColorFormat format;
  int width;
  int height;
  const guint8 *planes[3];
  int strides[3];
} PxColorFrame;

/* A pinhole camera: intrinsics in pixels and the pose that takes a point of
 * the rig frame (metres, y up, floor at y = 0) into the camera frame
 * (OpenCV: x right, y down, z forward): X_cam = R · X_rig + t. */
typedef struct
{
  int width;
  int height;
  double fx;
  double fy;
  double cx;
  double cy;
  double rotation[9];
  double translation[3];
} PxCameraModel;

gboolean px_color_frame_validate  (const PxColorFrame  *frame,
                                   GError             **error);
gboolean px_camera_model_validate (const PxCameraModel *camera,
                                   GError             **error);
/* A rig camera as the stage draws it: a pinhole; the lens distortion is
 * left out, so a rig of strongly distorting lenses is drawn slightly bent. */
void     px_camera_model_from_rig_camera (const PxCamera *camera,
                                          PxCameraModel  *model);
void     px_camera_model_center   (const PxCameraModel *camera,
                                   double               center[3]);
void     px_camera_model_unproject (const PxCameraModel *camera,
                                    double               u,
                                    double               v,
                                    double               depth,
                                    double               rig_point[3]);
gboolean px_camera_model_project  (const PxCameraModel *camera,
                                   const double         rig_point[3],
                                   double              *u,
                                   double              *v,
                                   double              *depth);
void     px_camera_model_look_at  (PxCameraModel       *camera,
                                   const double         eye[3],
                                   const double         target[3]);

G_END_DECLS
