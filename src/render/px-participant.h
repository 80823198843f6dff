/* px-participant.h: one person on the stage, as the renderer receives them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "render/px-render-types.h"

G_BEGIN_DECLS

/* Four views keep every texture of a participant within the sixteen
 * texture units that OpenGL ES 3.0 guarantees to a fragment shader. */
#define PX_PARTICIPANT_MAX_VIEWS 4

typedef enum
{
  PX_PARTICIPANT_VOLUMETRIC,
  PX_PARTICIPANT_FLAT,
} PxParticipantKind;

/* One camera's share of a volumetric frame. The depth map is in metres
 * along the camera's optical axis, row 0 at the top, at mesh resolution (a
 * fraction of the colour size, same aspect); 0, infinity and NaN mean that
 * the camera saw nothing of the person there. */
typedef struct
{
  PxCameraModel camera;
  PxColorFrame color;
  const float *depth;
  int depth_width;
  int depth_height;
  int depth_stride;  /* in floats */
} PxParticipantView;

#define PX_TYPE_PARTICIPANT (px_participant_get_type ())

G_DECLARE_FINAL_TYPE (PxParticipant, px_participant, PX, PARTICIPANT, GObject)

PxParticipant     *px_participant_new                (PxParticipantKind        kind,
                                                      const char              *name);
PxParticipantKind  px_participant_get_kind           (PxParticipant           *self);
const char        *px_participant_get_name           (PxParticipant           *self);
gboolean           px_participant_set_views          (PxParticipant           *self,
                                                      const PxParticipantView *views,
                                                      guint                    n_views,
                                                      GError                 **error);
gboolean           px_participant_set_flat_frame     (PxParticipant           *self,
                                                      const PxColorFrame      *frame,
                                                      double                   height_m,
                                                      GError                 **error);
void               px_participant_set_capture_volume (PxParticipant           *self,
                                                      const double             min[3],
                                                      const double             max[3]);
guint64            px_participant_get_generation     (PxParticipant           *self);
gboolean           px_participant_get_height         (PxParticipant           *self,
                                                      double                  *height_m);

G_END_DECLS
