/* px-test-scene.h: synthetic views with exact geometry for render tests
 *
 * A scene is a few flat rectangles facing +z (a billboard person, a wall,
 * a plane with a gap) in the rig frame. Each camera renders it by casting
 * a ray per pixel: colour from the rectangle hit, depth (along the optical
 * axis) at the grid samples the renderer uses, 0 where nothing is hit.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "render/px-participant.h"

G_BEGIN_DECLS

typedef struct
{
  double z;
  double min_x, max_x;
  double min_y, max_y;
  guint8 rgb[3];
} PxTestRect;

/* The depth samples whose rig x falls in [gap_min_x, gap_max_x] are set
 * to @gap_value (0, NaN or infinity) when gap_min_x < gap_max_x. */
typedef struct
{
  const PxTestRect *rects;
  guint n_rects;
  double gap_min_x;
  double gap_max_x;
  float gap_value;
} PxTestScene;

/* A filled view: owns its pixels until px_test_view_clear(). */
typedef struct
{
  PxParticipantView view;
  guint8 *pixels;  /* RGBA, or Y then U then V */
  float *depth;
} PxTestView;

void px_test_camera_init (PxCameraModel     *camera,
                          int                width,
                          int                height,
                          double             focal,
                          const double       eye[3],
                          const double       target[3]);
void px_test_view_render (PxTestView        *out,
                          const PxTestScene *scene,
                          const PxCameraModel *camera,
                          PxColorFormat      format,
                          int                depth_step);
void px_test_view_clear  (PxTestView        *view);
void px_test_rgb_to_yuv  (const guint8       rgb[3],
                          guint8             yuv[3]);

/* A 1.75 m billboard person, 0.5 m wide, at z = 0, seen by one camera
 * 3 m in front of it. */
PxParticipant *px_test_billboard_person (double        height,
                                         PxColorFormat format,
                                         double        x_offset);

G_END_DECLS
