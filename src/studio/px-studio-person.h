/* px-studio-person.h: the procedural, idly moving person of the studio
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "studio/px-studio-mesh.h"

G_BEGIN_DECLS

/* Colours in linear light, 0..1. */
typedef struct
{
  float skin[3];
  float lips[3];
  float iris[3];
  float hair[3];
  float shirt[3][3];   /* ground, stripes, fine lines of the check */
  float trousers[3];
  float belt[3];
  float shoes[3];
} PxStudioAppearance;

/* Points of the body that tests and tools can find in an image. */
typedef enum
{
  PX_STUDIO_LANDMARK_HEAD_TOP,
  PX_STUDIO_LANDMARK_NOSE_TIP,
  PX_STUDIO_LANDMARK_CHIN,
  PX_STUDIO_LANDMARK_RIGHT_HAND,
  PX_STUDIO_LANDMARK_CHEST,
} PxStudioLandmark;

#define PX_TYPE_STUDIO_PERSON (px_studio_person_get_type ())

G_DECLARE_FINAL_TYPE (PxStudioPerson, px_studio_person, PX, STUDIO_PERSON, GObject)

/* A person @height metres tall (hair included), standing with the feet on
 * y = 0 around x = z = 0 and facing +z. @seed picks skin, hair and clothes. */
PxStudioPerson           *px_studio_person_new            (double            height,
                                                           guint64           seed);

double                    px_studio_person_get_height     (PxStudioPerson   *self);

const PxStudioAppearance *px_studio_person_get_appearance (PxStudioPerson   *self);

/* Appends the person's surface at @time seconds (breathing, head turns and a
 * gesturing hand are functions of time only). */
void                      px_studio_person_build          (PxStudioPerson   *self,
                                                           double            time,
                                                           PxStudioMesh     *mesh);

/* Where @landmark is at @time, on the surface, in the rig frame. */
void                      px_studio_person_get_landmark   (PxStudioPerson   *self,
                                                           double            time,
                                                           PxStudioLandmark  landmark,
                                                           float             position[3]);

/* Paints the head's texture, @width × @height linear RGB: u (columns) runs
 * around the head with the face at 0.5, v (rows) from the chin up. Hair and
 * face sit where the head's relief puts them. */
void                      px_studio_person_paint_head     (PxStudioPerson   *self,
                                                           float            *rgb,
                                                           guint             width,
                                                           guint             height);

G_END_DECLS
