/* px-stage.h: the GL area where participants stand
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "render/px-participant.h"

G_BEGIN_DECLS

#define PX_TYPE_STAGE (px_stage_get_type ())

G_DECLARE_FINAL_TYPE (PxStage, px_stage, PX, STAGE, GtkGLArea)

GtkWidget  *px_stage_new                (void);
const char *px_stage_get_gl_description (PxStage       *self);
gboolean    px_stage_get_uses_es        (PxStage       *self);
guint       px_stage_get_frames_drawn   (PxStage       *self);

void        px_stage_add_participant    (PxStage       *self,
                                         PxParticipant *participant);
void        px_stage_remove_participant (PxStage       *self,
                                         PxParticipant *participant);
GListModel *px_stage_get_participants   (PxStage       *self);
void        px_stage_share_participants (PxStage       *self,
                                         PxStage       *source);
void        px_stage_set_self_view      (PxStage       *self,
                                         PxParticipant *participant);

void        px_stage_set_monitor        (PxStage       *self,
                                         GdkMonitor    *monitor);
GdkMonitor *px_stage_get_monitor        (PxStage       *self);
void        px_stage_set_fit_height     (PxStage       *self,
                                         double         height_m);
void        px_stage_get_physical_size  (PxStage       *self,
                                         double        *width_mm,
                                         double        *height_mm);
double      px_stage_get_scale          (PxStage       *self);
gboolean    px_stage_get_life_size      (PxStage       *self);
char       *px_stage_dup_scale_label    (PxStage       *self);

char       *px_stage_dup_monitor_key    (GdkMonitor    *monitor);
char       *px_stage_dup_monitor_label  (GdkMonitor    *monitor);

G_END_DECLS
