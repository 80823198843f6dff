/* px-studio-mesh.c: triangle meshes of the synthetic studio
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "studio/px-studio-mesh.h"

PxStudioMesh *
px_studio_mesh_new (void)
{
  PxStudioMesh *self = g_new0 (PxStudioMesh, 1);

  self->vertices = g_array_new (FALSE, FALSE, sizeof (PxStudioVertex));
  self->triangles = g_array_new (FALSE, FALSE, sizeof (PxStudioTriangle));
  return self;
}

void
px_studio_mesh_free (PxStudioMesh *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->vertices);
  g_array_unref (self->triangles);
  g_free (self);
}

void
px_studio_mesh_clear (PxStudioMesh *self)
{
  g_array_set_size (self->vertices, 0);
  g_array_set_size (self->triangles, 0);
}

static inline void
vec3_sub (const float a[3],
          const float b[3],
          float       out[3])
{
  out[0] = a[0] - b[0];
  out[1] = a[1] - b[1];
  out[2] = a[2] - b[2];
}

static inline float
vec3_dot (const float a[3],
          const float b[3])
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static inline void
vec3_cross (const float a[3],
            const float b[3],
            float       out[3])
{
  float x = a[1] * b[2] - a[2] * b[1];
  float y = a[2] * b[0] - a[0] * b[2];
  float z = a[0] * b[1] - a[1] * b[0];

  out[0] = x;
  out[1] = y;
  out[2] = z;
}

static inline float
vec3_normalize (float v[3])
{
  float length = sqrtf (vec3_dot (v, v));

  if (length > 1e-12f)
    {
      v[0] /= length;
      v[1] /= length;
      v[2] /= length;
    }
  return length;
}

/* Signed power keeps the superellipse symmetric in all four quadrants. */
static inline float
signed_pow (float x,
            float p)
{
  return x < 0 ? -powf (-x, p) : powf (x, p);
}

static void
ring_point (const PxStudioRing *ring,
            float               theta,
            float               out[3])
{
  float p = 2.0f / ring->exponent;
  float c = signed_pow (cosf (theta), p);
  float s = signed_pow (sinf (theta), p);
  float x = ring->rx * c;
  float z = (s >= 0 ? ring->rz_front : ring->rz_back) * s;

  for (int k = 0; k < 3; k++)
    out[k] = ring->center[k] + ring->side[k] * x + ring->front[k] * z;
}

/* Normals by central differences over the grid, seam-free because the grid
 * wraps around each ring; oriented away from the ring's centre. */
static void
grid_normals (const PxStudioRing *rings,
              guint               n_rings,
              guint               segments,
              const float        *grid,
              float              *normals)
{
  for (guint i = 0; i < n_rings; i++)
    for (guint j = 0; j < segments; j++)
      {
        const float *next_j = grid + 3 * (i * segments + (j + 1) % segments);
        const float *prev_j = grid + 3 * (i * segments + (j + segments - 1) % segments);
        const float *next_i = grid + 3 * (MIN (i + 1, n_rings - 1) * segments + j);
        const float *prev_i = grid + 3 * ((i > 0 ? i - 1 : 0) * segments + j);
        const float *here = grid + 3 * (i * segments + j);
        float *n = normals + 3 * (i * segments + j);
        float around[3], along[3], outward[3];

        vec3_sub (next_j, prev_j, around);
        vec3_sub (next_i, prev_i, along);
        vec3_cross (around, along, n);
        if (vec3_normalize (n) < 1e-12f)
          {
            /* A ring shrunk to a point: face along the sweep. */
            vec3_sub (i == 0 ? rings[0].center : rings[n_rings - 1].center,
                      i == 0 ? rings[MIN (1u, n_rings - 1)].center
                             : rings[n_rings > 1 ? n_rings - 2 : 0].center, n);
            vec3_normalize (n);
            continue;
          }
        vec3_sub (here, rings[i].center, outward);
        if (vec3_dot (n, outward) < 0)
          {
            n[0] = -n[0];
            n[1] = -n[1];
            n[2] = -n[2];
          }
      }
}

static void
add_triangle (PxStudioMesh     *self,
              guint32           a,
              guint32           b,
              guint32           c,
              PxStudioMaterial  material)
{
  PxStudioTriangle triangle = { { a, b, c }, material };

  g_array_append_val (self->triangles, triangle);
}

void
px_studio_mesh_add_sweep (PxStudioMesh         *self,
                          const PxStudioRing   *rings,
                          guint                 n_rings,
                          guint                 segments,
                          PxStudioSweepFlags    flags,
                          PxStudioDisplaceFunc  displace,
                          gpointer              user_data)
{
  g_autofree float *grid = NULL;
  g_autofree float *normals = NULL;
  guint32 first = self->vertices->len;

  g_return_if_fail (n_rings >= 2 && segments >= 3);

  grid = g_new (float, 3 * n_rings * segments);
  normals = g_new (float, 3 * n_rings * segments);

  /* j = 0 lies at the back, so the texture seam is out of the cameras' view. */
  for (guint i = 0; i < n_rings; i++)
    for (guint j = 0; j < segments; j++)
      ring_point (&rings[i], (float) (-G_PI / 2 + 2 * G_PI * j / segments),
                  grid + 3 * (i * segments + j));

  if (displace != NULL)
    {
      grid_normals (rings, n_rings, segments, grid, normals);
      for (guint i = 0; i < n_rings; i++)
        for (guint j = 0; j < segments; j++)
          {
            float offset = displace ((float) j / segments, rings[i].v, user_data);
            float *p = grid + 3 * (i * segments + j);
            const float *n = normals + 3 * (i * segments + j);

            p[0] += n[0] * offset;
            p[1] += n[1] * offset;
            p[2] += n[2] * offset;
          }
    }
  grid_normals (rings, n_rings, segments, grid, normals);

  for (guint i = 0; i < n_rings; i++)
    {
      float u = 0;

      for (guint j = 0; j <= segments; j++)
        {
          PxStudioVertex vertex;
          guint k = j % segments;

          if (j > 0 && (flags & PX_STUDIO_SWEEP_METRIC_U))
            {
              float step[3];

              vec3_sub (grid + 3 * (i * segments + k), grid + 3 * (i * segments + j - 1), step);
              u += sqrtf (vec3_dot (step, step));
            }
          memcpy (vertex.position, grid + 3 * (i * segments + k), sizeof vertex.position);
          memcpy (vertex.normal, normals + 3 * (i * segments + k), sizeof vertex.normal);
          vertex.uv[0] = (flags & PX_STUDIO_SWEEP_METRIC_U) ? u : (float) j / segments;
          vertex.uv[1] = rings[i].v;
          g_array_append_val (self->vertices, vertex);
        }
    }

  for (guint i = 0; i + 1 < n_rings; i++)
    for (guint j = 0; j < segments; j++)
      {
        guint32 a = first + i * (segments + 1) + j;
        guint32 b = a + segments + 1;

        add_triangle (self, a, a + 1, b, rings[i].material);
        add_triangle (self, a + 1, b + 1, b, rings[i].material);
      }
}

void
px_studio_mesh_add_rectangle (PxStudioMesh     *self,
                              const float       origin[3],
                              const float       edge_u[3],
                              const float       edge_v[3],
                              guint             subdivisions,
                              PxStudioMaterial  material)
{
  guint32 first = self->vertices->len;
  float length_u = sqrtf (vec3_dot (edge_u, edge_u));
  float length_v = sqrtf (vec3_dot (edge_v, edge_v));
  float normal[3];
  guint n = MAX (subdivisions, 1);

  vec3_cross (edge_u, edge_v, normal);
  vec3_normalize (normal);

  for (guint i = 0; i <= n; i++)
    for (guint j = 0; j <= n; j++)
      {
        float s = (float) j / n, t = (float) i / n;
        PxStudioVertex vertex;

        for (int k = 0; k < 3; k++)
          vertex.position[k] = origin[k] + s * edge_u[k] + t * edge_v[k];
        memcpy (vertex.normal, normal, sizeof normal);
        vertex.uv[0] = s * length_u;
        vertex.uv[1] = t * length_v;
        g_array_append_val (self->vertices, vertex);
      }

  for (guint i = 0; i < n; i++)
    for (guint j = 0; j < n; j++)
      {
        guint32 a = first + i * (n + 1) + j;
        guint32 b = a + n + 1;

        add_triangle (self, a, a + 1, b, material);
        add_triangle (self, a + 1, b + 1, b, material);
      }
}
