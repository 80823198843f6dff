/* px-studio-setup-window.h: the cameras and calibration of this computer's studio
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "px-studio-setup-camera-view.h"
#include "px-studio-setup-preview.h"
#include "recon/px-rig.h"

G_BEGIN_DECLS

#define PX_TYPE_STUDIO_SETUP_WINDOW (px_studio_setup_window_get_type ())

G_DECLARE_FINAL_TYPE (PxStudioSetupWindow, px_studio_setup_window, PX, STUDIO_SETUP_WINDOW,
                      AdwWindow)

GtkWidget               *px_studio_setup_window_new             (GtkWindow           *parent,
                                                                 GSettings           *settings);

/* Imports a rig file or an OpenCV stereo calibration, as Import… does:
 * read in the background; on success the rig is saved to the user's data
 * folder and becomes the studio's, on failure the window says why and
 * nothing changes. get_n_imports() counts the attempts finished. */
void                     px_studio_setup_window_import          (PxStudioSetupWindow *self,
                                                                 GFile               *file);
guint                    px_studio_setup_window_get_n_imports   (PxStudioSetupWindow *self);
/* Why the latest import failed, or NULL. */
const char              *px_studio_setup_window_get_error       (PxStudioSetupWindow *self);
PxRig                   *px_studio_setup_window_get_rig         (PxStudioSetupWindow *self);

/* Chooses the rig's cameras by PipeWire node name, as a user would in the
 * drop-downs; FALSE when one of them is not there. */
gboolean                 px_studio_setup_window_select_cameras  (PxStudioSetupWindow *self,
                                                                 const char          *left,
                                                                 const char          *right);
/* 0: left, 1: right. */
PxStudioSetupCameraView *px_studio_setup_window_get_camera_view (PxStudioSetupWindow *self,
                                                                 guint                side);

/* The latest check's verdict (a PxRigCheckVerdict), or -1 while there is
 * none for the current rig and cameras; what the window says about it. */
int                      px_studio_setup_window_get_verdict     (PxStudioSetupWindow *self);
const char              *px_studio_setup_window_get_verdict_text (PxStudioSetupWindow *self);
/* The live preview of the reconstruction. */
PxStudioSetupPreview    *px_studio_setup_window_get_preview     (PxStudioSetupWindow *self);

/* Checks finished since the window opened. */
guint                    px_studio_setup_window_get_n_checks    (PxStudioSetupWindow *self);

G_END_DECLS
