/* px-rig.h: a calibrated camera rig (see RIG.md for the file format)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define PX_RIG_MAX_CAMERAS 64

/* One camera: intrinsics, OpenCV distortion (k1 k2 p1 p2 k3), and the pose
 * that maps rig coordinates into camera coordinates, X_cam = R·X_rig + t
 * (metres; camera x right, y down, z forward). */
typedef struct
{
  char *id;
  guint width;
  guint height;
  double fx, fy, cx, cy;
  double distortion[5];
  double rotation[9];   /* row-major */
  double translation[3];
} PxCamera;

#define PX_TYPE_RIG (px_rig_get_type ())

G_DECLARE_FINAL_TYPE (PxRig, px_rig, PX, RIG, GObject)

PxRig          *px_rig_new                  (const char     *name);
PxRig          *px_rig_new_from_data        (const char     *data,
                                             gssize          length,
                                             GError        **error);
PxRig          *px_rig_new_from_file        (const char     *path,
                                             GError        **error);
char           *px_rig_to_data              (PxRig          *self,
                                             gsize          *length);
gboolean        px_rig_save                 (PxRig          *self,
                                             const char     *path,
                                             GError        **error);

const char     *px_rig_get_name             (PxRig          *self);
void            px_rig_set_name             (PxRig          *self,
                                             const char     *name);
void            px_rig_get_capture_volume   (PxRig          *self,
                                             double          min[3],
                                             double          max[3]);
void            px_rig_set_capture_volume   (PxRig          *self,
                                             const double    min[3],
                                             const double    max[3]);
guint           px_rig_get_n_cameras        (PxRig          *self);
const PxCamera *px_rig_get_camera           (PxRig          *self,
                                             guint           index);
const PxCamera *px_rig_find_camera          (PxRig          *self,
                                             const char     *id);
gboolean        px_rig_add_camera           (PxRig          *self,
                                             const PxCamera *camera,
                                             GError        **error);
guint           px_rig_get_n_pairs          (PxRig          *self);
gboolean        px_rig_get_pair             (PxRig          *self,
                                             guint           index,
                                             const PxCamera **left,
                                             const PxCamera **right);
gboolean        px_rig_add_pair             (PxRig          *self,
                                             const char     *left_id,
                                             const char     *right_id,
                                             GError        **error);

gboolean        px_camera_validate          (const PxCamera *camera,
                                             const char     *where,
                                             GError        **error);
void            px_camera_relative_pose     (const PxCamera *left,
                                             const PxCamera *right,
                                             double          rotation[9],
                                             double          translation[3]);

G_END_DECLS
