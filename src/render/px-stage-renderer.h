/* px-stage-renderer.h: draws the participants of a meeting, life-size
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "render/px-participant.h"

G_BEGIN_DECLS

/* What the renderer has done so far, for benchmarks and tests. */
typedef struct
{
  guint64 frames_rendered;
  guint64 frames_uploaded;     /* participant frames sent to the GPU */
  guint64 bytes_uploaded;
  guint64 textures_allocated;  /* glTexImage2D calls: only on a new size */
  guint64 upload_time_us;      /* time spent in the upload calls (CPU side) */
  guint64 rooms_drawn;         /* the room drawn by its shader */
  guint64 rooms_copied;        /* the room copied from the previous frames' */
} PxStageRendererStats;

#define PX_TYPE_STAGE_RENDERER (px_stage_renderer_get_type ())

G_DECLARE_FINAL_TYPE (PxStageRenderer, px_stage_renderer, PX, STAGE_RENDERER, GObject)

PxStageRenderer *px_stage_renderer_new                (void);

gboolean         px_stage_renderer_realize            (PxStageRenderer       *self,
                                                       GError               **error);
void             px_stage_renderer_unrealize          (PxStageRenderer       *self);
gboolean         px_stage_renderer_get_realized       (PxStageRenderer       *self);
gboolean         px_stage_renderer_get_uses_es        (PxStageRenderer       *self);

void             px_stage_renderer_set_screen         (PxStageRenderer       *self,
                                                       double                 width_m,
                                                       double                 height_m);
void             px_stage_renderer_set_viewer         (PxStageRenderer       *self,
                                                       double                 offset_x_m,
                                                       double                 offset_y_m,
                                                       double                 distance_m);
void             px_stage_renderer_set_transparent    (PxStageRenderer       *self,
                                                       gboolean               transparent);

void             px_stage_renderer_add_participant    (PxStageRenderer       *self,
                                                       PxParticipant         *participant);
void             px_stage_renderer_remove_participant (PxStageRenderer       *self,
                                                       PxParticipant         *participant);
guint            px_stage_renderer_get_n_participants (PxStageRenderer       *self);
void             px_stage_renderer_set_self_view      (PxStageRenderer       *self,
                                                       PxParticipant         *participant);

gboolean         px_stage_renderer_has_new_frames     (PxStageRenderer       *self);
gboolean         px_stage_renderer_render             (PxStageRenderer       *self,
                                                       int                    width_px,
                                                       int                    height_px,
                                                       GError               **error);

double           px_stage_renderer_get_scale          (PxStageRenderer       *self);
gboolean         px_stage_renderer_get_life_size      (PxStageRenderer       *self);
void             px_stage_renderer_get_stats          (PxStageRenderer       *self,
                                                       PxStageRendererStats  *stats);

G_END_DECLS
