/* px-stage-layout.h: where people stand and how the screen looks at them
 *
 * Stage coordinates are metres: x to the right along the screen, y up with
 * the floor at 0 (the screen's bottom edge stands on it), z out of the
 * screen towards the viewer; the glass is the rectangle
 * [-width/2, width/2] × [0, height] at z = 0.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Space left between two people standing side by side. */
#define PX_STAGE_LAYOUT_GAP_M 0.15
/* Nobody is narrower than this, so a thin figure keeps elbow room. */
#define PX_STAGE_LAYOUT_MIN_WIDTH_M 0.5

typedef struct
{
  double width;   /* the participant's footprint across the screen */
  double height;  /* their top above the floor */
} PxStageLayoutItem;

double px_stage_layout_compute (const PxStageLayoutItem *items,
                                guint                    n_items,
                                double                   screen_width,
                                double                   screen_height,
                                double                  *centers_x);

void   px_stage_projection     (double                   screen_width,
                                double                   screen_height,
                                const double             eye[3],
                                double                   near_plane,
                                double                   far_plane,
                                float                    view_projection[16]);

G_END_DECLS
