/* px-studio.h: the synthetic studio, a virtual rig filming a person
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "studio/px-studio-person.h"
#include "studio/px-studio-rig.h"

G_BEGIN_DECLS

/* The room: a back wall at z = PX_STUDIO_WALL_Z (a plane facing +z), the
 * floor at y = 0, a skirting board along the wall PX_STUDIO_SKIRTING_HEIGHT
 * high and PX_STUDIO_SKIRTING_DEPTH proud of it. */
#define PX_STUDIO_WALL_Z            (-1.5)
#define PX_STUDIO_SKIRTING_HEIGHT   0.12
#define PX_STUDIO_SKIRTING_DEPTH    0.015

/* What one camera saw in the latest frame set. Rows top to bottom. */
typedef struct
{
  guint camera;
  guint width;
  guint height;
  guint8 *rgb;          /* sRGB, 3 bytes a pixel, rgb_stride bytes a row */
  guint rgb_stride;
  float *depth;         /* metres along the optical axis; +inf where no surface */
  guint8 *mask;         /* 255 on the person, 0 elsewhere */
  guint8 *material;     /* the PxStudioMaterial seen; 255 where no surface */
} PxStudioView;

#define PX_TYPE_STUDIO (px_studio_get_type ())

G_DECLARE_FINAL_TYPE (PxStudio, px_studio, PX, STUDIO, GObject)

/* A studio filming @person with @rig; @seed drives the sensor noise and the
 * room's grain. @n_threads 0 uses every processor. Of the rig's cameras,
 * only exposure and noise may change afterwards. */
PxStudio           *px_studio_new            (PxStudioRig     *rig,
                                              PxStudioPerson  *person,
                                              guint64          seed,
                                              guint            n_threads);

PxStudioRig        *px_studio_get_rig        (PxStudio        *self);
PxStudioPerson     *px_studio_get_person     (PxStudio        *self);

/* Whether the person is in the room (default TRUE): without, the studio
 * films the empty room, as a background model would learn it. */
void                px_studio_set_show_person (PxStudio       *self,
                                               gboolean        show_person);

/* Renders every camera at @time seconds. @frame_number selects the sensor
 * noise, so a frame is the same for the same seed, time and number. The
 * views stay valid until the next call. */
void                px_studio_render         (PxStudio        *self,
                                              double           time,
                                              guint64          frame_number);

const PxStudioView *px_studio_get_view       (PxStudio        *self,
                                              guint            camera);

/* Converts to I420 (BT.601, limited range, chroma averaged over 2×2; odd
 * sizes round the chroma planes up). */
void                px_studio_view_to_i420   (const PxStudioView *view,
                                              guint8          *y,
                                              guint            y_stride,
                                              guint8          *u,
                                              guint            u_stride,
                                              guint8          *v,
                                              guint            v_stride);

G_END_DECLS
