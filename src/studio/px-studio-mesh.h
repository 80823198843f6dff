/* px-studio-mesh.h: triangle meshes of the synthetic studio
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What a triangle is made of: it selects the texture and tells the person
 * apart from the room (every material from SKIN on is the person). */
typedef enum
{
  PX_STUDIO_MATERIAL_WALL,
  PX_STUDIO_MATERIAL_SKIRTING,
  PX_STUDIO_MATERIAL_FLOOR,
  PX_STUDIO_MATERIAL_SKIN,
  PX_STUDIO_MATERIAL_HEAD,
  PX_STUDIO_MATERIAL_SHIRT,
  PX_STUDIO_MATERIAL_TROUSERS,
  PX_STUDIO_MATERIAL_BELT,
  PX_STUDIO_MATERIAL_SHOES,
  PX_STUDIO_N_MATERIALS
} PxStudioMaterial;

#define PX_STUDIO_MATERIAL_IS_PERSON(m) ((m) >= PX_STUDIO_MATERIAL_SKIN)

typedef struct
{
  float position[3];
  float normal[3];
  float uv[2];
} PxStudioVertex;

typedef struct
{
  guint32 v[3];
  guint32 material;
} PxStudioTriangle;

typedef struct
{
  GArray *vertices;   /* PxStudioVertex */
  GArray *triangles;  /* PxStudioTriangle */
} PxStudioMesh;

/* One cross-section of a swept surface: a superellipse around @center with
 * half-width @rx along @side and half-depths @rz_front / @rz_back along
 * @front and its opposite. @side × @front should point along the sweep.
 * @exponent 2 is an ellipse; larger values square it off. @v is the texture
 * coordinate along the sweep; @material is used for the band that starts at
 * this ring. */
typedef struct
{
  float center[3];
  float side[3];
  float front[3];
  float rx;
  float rz_front;
  float rz_back;
  float exponent;
  float v;
  PxStudioMaterial material;
} PxStudioRing;

/* An offset in metres along the surface normal, for bumps such as a nose or
 * a layer of hair; @u runs around the sweep (0.5 at @front), @v along it. */
typedef float (*PxStudioDisplaceFunc) (float    u,
                                       float    v,
                                       gpointer user_data);

/* A sweep is open at its ends: close it with a ring of radius 0. */
typedef enum
{
  /* u in metres around the section (cloth, skin), instead of 0..1 */
  PX_STUDIO_SWEEP_METRIC_U = 1 << 0,
} PxStudioSweepFlags;

PxStudioMesh *px_studio_mesh_new        (void);
void          px_studio_mesh_free       (PxStudioMesh         *self);
void          px_studio_mesh_clear      (PxStudioMesh         *self);

void          px_studio_mesh_add_sweep  (PxStudioMesh         *self,
                                         const PxStudioRing   *rings,
                                         guint                 n_rings,
                                         guint                 segments,
                                         PxStudioSweepFlags    flags,
                                         PxStudioDisplaceFunc  displace,
                                         gpointer              user_data);

/* A flat rectangle @origin + s·@edge_u + t·@edge_v (s, t in 0..1), split
 * into @subdivisions² quads, textured in metres. */
void          px_studio_mesh_add_rectangle (PxStudioMesh      *self,
                                            const float        origin[3],
                                            const float        edge_u[3],
                                            const float        edge_v[3],
                                            guint              subdivisions,
                                            PxStudioMaterial   material);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PxStudioMesh, px_studio_mesh_free)

G_END_DECLS
