/* px-studio-rig.h: the studio's virtual, calibrated camera rig
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "recon/px-rig.h"

G_BEGIN_DECLS

#define PX_STUDIO_RIG_ERROR (px_studio_rig_error_quark ())

typedef enum
{
  PX_STUDIO_RIG_ERROR_UNSUPPORTED,  /* a rig the studio cannot film */
} PxStudioRigError;

/* One ideal pinhole camera. Rig frame: metres, y up, floor at y = 0. Pose as
 * OpenCV has it: X_cam = rotation · X_rig + translation, rotation row-major;
 * camera x right, y down, z along the optical axis. */
typedef struct
{
  char *id;
  guint width;
  guint height;
  double fx, fy, cx, cy;
  double distortion[5];     /* k1 k2 p1 p2 k3; the studio renders only zeros */
  double rotation[9];
  double translation[3];
  double exposure;          /* gain on linear light; 1 is nominal */
  double noise;             /* sensor noise: standard deviation in 8-bit code values */
} PxStudioCamera;

#define PX_TYPE_STUDIO_RIG (px_studio_rig_get_type ())

G_DECLARE_FINAL_TYPE (PxStudioRig, px_studio_rig, PX, STUDIO_RIG, GObject)

GQuark          px_studio_rig_error_quark    (void);

PxStudioRig    *px_studio_rig_new            (const char            *name);

/* @n_cameras in a horizontal line @baseline apart, parallel and tilted down
 * by the same angle (so each neighbouring pair is rectified by
 * construction), @distance in front of the person at chest height, every
 * camera @width × @height, consecutive cameras paired. Two cameras are
 * called "left" and "right", more "cam0", "cam1"… */
PxStudioRig    *px_studio_rig_new_line       (guint                  n_cameras,
                                              double                 baseline,
                                              guint                  width,
                                              guint                  height,
                                              double                 distance);

/* Two cameras 12 cm apart, 640×480, 1.5 m from the person. */
PxStudioRig    *px_studio_rig_new_default    (void);

/* Reads a rig file (the format of PxRig). Errors name the offending field;
 * lens distortion is refused (PX_STUDIO_RIG_ERROR_UNSUPPORTED). */
PxStudioRig    *px_studio_rig_new_from_rig   (PxRig                 *rig,
                                              GError               **error);
PxStudioRig    *px_studio_rig_new_from_data  (const char            *data,
                                              gssize                 length,
                                              GError               **error);
PxStudioRig    *px_studio_rig_new_from_file  (const char            *path,
                                              GError               **error);

const char     *px_studio_rig_get_name       (PxStudioRig           *self);
guint           px_studio_rig_get_n_cameras  (PxStudioRig           *self);
PxStudioCamera *px_studio_rig_get_camera     (PxStudioRig           *self,
                                              guint                  index);
/* Copies @camera (its id must be new). */
void            px_studio_rig_add_camera     (PxStudioRig           *self,
                                              const PxStudioCamera  *camera);
void            px_studio_rig_add_pair       (PxStudioRig           *self,
                                              const char            *left,
                                              const char            *right);
guint           px_studio_rig_get_n_pairs    (PxStudioRig           *self);
void            px_studio_rig_get_pair       (PxStudioRig           *self,
                                              guint                  index,
                                              const char           **left,
                                              const char           **right);
void            px_studio_rig_get_capture_volume (PxStudioRig       *self,
                                                  double             min[3],
                                                  double             max[3]);
void            px_studio_rig_set_capture_volume (PxStudioRig       *self,
                                                  const double       min[3],
                                                  const double       max[3]);

/* The calibration alone, as the reconstruction reads it. */
PxRig          *px_studio_rig_to_rig         (PxStudioRig           *self);
char           *px_studio_rig_to_json        (PxStudioRig           *self);
gboolean        px_studio_rig_save           (PxStudioRig           *self,
                                              const char            *path,
                                              GError               **error);

/* Projects a rig-frame point: pixel (@x, @y) and depth @z along the axis. */
void            px_studio_camera_project     (const PxStudioCamera  *camera,
                                              const double           point[3],
                                              double                *x,
                                              double                *y,
                                              double                *z);

/* The rig-frame point seen at pixel (@x, @y) at depth @z. */
void            px_studio_camera_unproject   (const PxStudioCamera  *camera,
                                              double                 x,
                                              double                 y,
                                              double                 z,
                                              double                 point[3]);

G_END_DECLS
