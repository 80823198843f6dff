/* px-studio-setup-camera-view.h: one studio camera's live image and id
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "capture/px-pipewire-connection.h"
#include "media/px-frame.h"

G_BEGIN_DECLS

#define PX_TYPE_STUDIO_SETUP_CAMERA_VIEW (px_studio_setup_camera_view_get_type ())

G_DECLARE_FINAL_TYPE (PxStudioSetupCameraView, px_studio_setup_camera_view, PX,
                      STUDIO_SETUP_CAMERA_VIEW, GtkWidget)

/* @role: what the camera is in the rig, for people ("Left camera"). */
GtkWidget    *px_studio_setup_camera_view_new         (const char              *role);

/* Shows the camera of node name @camera (NULL: none), opened at @width ×
 * @height; it streams only while the view is on screen. */
void          px_studio_setup_camera_view_set_camera  (PxStudioSetupCameraView *self,
                                                       PxPipewireConnection    *connection,
                                                       const char              *camera,
                                                       guint                    width,
                                                       guint                    height);
const char   *px_studio_setup_camera_view_get_camera  (PxStudioSetupCameraView *self);

/* The newest frame shown (I420), or NULL. */
PxFrame      *px_studio_setup_camera_view_get_frame   (PxStudioSetupCameraView *self);
/* The texture shown now, or NULL. */
GdkPaintable *px_studio_setup_camera_view_get_paintable (PxStudioSetupCameraView *self);
/* What the view says instead of a picture ("Starting the camera…"), or NULL. */
const char   *px_studio_setup_camera_view_get_status  (PxStudioSetupCameraView *self);

G_END_DECLS
