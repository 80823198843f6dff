/* px-studio-texture.h: procedural textures of the studio's materials
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <math.h>

#include "studio/px-studio-mesh.h"
#include "studio/px-studio-person.h"

G_BEGIN_DECLS

/* A tile in linear light that repeats every @size_u × @size_v metres of
 * surface, or, with sizes of 0, spans texture coordinates 0..1 once. */
/* Widths and heights are powers of two. */
typedef struct
{
  guint width;
  guint height;
  float size_u;
  float size_v;
  float *rgb;
} PxStudioTexture;

typedef struct
{
  PxStudioTexture materials[PX_STUDIO_N_MATERIALS];
} PxStudioTextureSet;

/* Generates every material's texture, dressed as @person is; @seed varies
 * the grain of wall and floor. */
PxStudioTextureSet *px_studio_texture_set_new  (PxStudioPerson      *person,
                                                guint64              seed);
void                px_studio_texture_set_free (PxStudioTextureSet  *self);

/* Tileable value noise in 0..1 with a lattice period of @period cells,
 * at cell coordinates @x, @y. */
float               px_studio_noise            (float                x,
                                                float                y,
                                                guint                period,
                                                guint32              seed);

/* Sums @octaves of px_studio_noise(), each twice as fine: 0..1. */
float               px_studio_fbm              (float                x,
                                                float                y,
                                                guint                period,
                                                guint                octaves,
                                                guint32              seed);

static inline void
px_studio_texture_sample (const PxStudioTexture *texture,
                          float                  u,
                          float                  v,
                          float                  out[3])
{
  float x, y, fx, fy;
  int x0, y0, x1, y1;
  const float *a, *b, *c, *d;

  if (texture->size_u > 0)
    {
      u /= texture->size_u;
      v /= texture->size_v;
      u -= floorf (u);
      v -= floorf (v);
    }
  else
    {
      u -= floorf (u);
      v = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  x = u * texture->width - 0.5f;
  y = v * texture->height - 0.5f;
  x0 = (int) floorf (x);
  y0 = (int) floorf (y);
  fx = x - x0;
  fy = y - y0;
  x1 = x0 + 1;
  y1 = y0 + 1;
  /* Wrap across the seam (sizes are powers of two), clamp at the ends. */
  x0 &= (int) texture->width - 1;
  x1 &= (int) texture->width - 1;
  y0 = y0 < 0 ? (texture->size_v > 0 ? (int) texture->height - 1 : 0) : y0;
  y1 = y1 >= (int) texture->height ? (texture->size_v > 0 ? 0 : (int) texture->height - 1) : y1;

  a = texture->rgb + 3 * ((gsize) y0 * texture->width + x0);
  b = texture->rgb + 3 * ((gsize) y0 * texture->width + x1);
  c = texture->rgb + 3 * ((gsize) y1 * texture->width + x0);
  d = texture->rgb + 3 * ((gsize) y1 * texture->width + x1);
  for (int k = 0; k < 3; k++)
    {
      float top = a[k] + (b[k] - a[k]) * fx;
      float bottom = c[k] + (d[k] - c[k]) * fx;

      out[k] = top + (bottom - top) * fy;
    }
}

G_END_DECLS
