/* px-stage-layout.c: where people stand and how the screen looks at them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <cglm/cglm.h>
#include <math.h>
#include <string.h>

#include "render/px-stage-layout.h"

/* Lays @n_items people out side by side, centred on the screen, and returns
 * the scale that makes them all fit: 1.0 when everyone is life-size, less
 * when the group had to shrink (together, so they stay in proportion).
 * @centers_x receives each person's centre in stage metres at scale 1; the
 * caller scales positions and people together about the floor's origin. */
double
px_stage_layout_compute (const PxStageLayoutItem *items,
                         guint                    n_items,
                         double                   screen_width,
                         double                   screen_height,
                         double                  *centers_x)
{
  double total = 0.0;
  double tallest = 0.0;
  double scale = 1.0;
  double x;

  if (n_items == 0)
    return 1.0;

  for (guint i = 0; i < n_items; i++)
    {
      total += MAX (items[i].width, PX_STAGE_LAYOUT_MIN_WIDTH_M);
      tallest = MAX (tallest, items[i].height);
    }
  total += PX_STAGE_LAYOUT_GAP_M * (n_items - 1);

  if (total > screen_width && total > 0)
    scale = MIN (scale, screen_width / total);
  if (tallest > screen_height && tallest > 0)
    scale = MIN (scale, screen_height / tallest);

  x = -total / 2;
  for (guint i = 0; i < n_items; i++)
    {
      double width = MAX (items[i].width, PX_STAGE_LAYOUT_MIN_WIDTH_M);

      centers_x[i] = x + width / 2;
      x += width + PX_STAGE_LAYOUT_GAP_M;
    }

  return scale;
}

/* The asymmetric frustum of a window: the eye at @eye looks through the
 * screen rectangle, wherever the eye is relative to its centre, so a point
 * on the glass lands exactly where it is on the glass. */
void
px_stage_projection (double       screen_width,
                     double       screen_height,
                     const double eye[3],
                     double       near_plane,
                     double       far_plane,
                     float        view_projection[16])
{
  mat4 projection, view;
  vec3 translation = { (float) -eye[0], (float) -eye[1], (float) -eye[2] };
  double factor = near_plane / eye[2];

  glm_frustum ((float) ((-screen_width / 2 - eye[0]) * factor),
               (float) ((screen_width / 2 - eye[0]) * factor),
               (float) ((0.0 - eye[1]) * factor),
               (float) ((screen_height - eye[1]) * factor),
               (float) near_plane, (float) far_plane, projection);
  glm_translate_make (view, translation);
  glm_mat4_mul (projection, view, view);
  memcpy (view_projection, view, sizeof (float) * 16);
}
