/* px-studio-setup-preview.h: the studio's own reconstruction, as the server returns it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "media/px-frame.h"
#include "recon/px-rig.h"

G_BEGIN_DECLS

#define PX_TYPE_STUDIO_SETUP_PREVIEW (px_studio_setup_preview_get_type ())

G_DECLARE_FINAL_TYPE (PxStudioSetupPreview, px_studio_setup_preview, PX, STUDIO_SETUP_PREVIEW,
                      GtkWidget)

GtkWidget    *px_studio_setup_preview_new          (void);

/* Reconstructs with @rig from now on (NULL: stops). Runs only while the
 * preview is on screen. */
void          px_studio_setup_preview_set_rig      (PxStudioSetupPreview *self,
                                                    PxRig                *rig);

/* One frame of each camera of the rig's first pair, of about the same
 * instant (I420, of the calibrated size); dropped when it cannot be sent. */
void          px_studio_setup_preview_push         (PxStudioSetupPreview *self,
                                                    PxFrame              *left,
                                                    PxFrame              *right);

/* 3D frames received back and shown. */
guint         px_studio_setup_preview_get_n_frames (PxStudioSetupPreview *self);
/* What the preview says instead of a picture, or NULL. */
const char   *px_studio_setup_preview_get_status   (PxStudioSetupPreview *self);

G_END_DECLS
