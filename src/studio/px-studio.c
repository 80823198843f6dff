/* px-studio.c: the synthetic studio, a virtual rig filming a person
 *
 * A CPU rasterizer: every frame the person's mesh is rebuilt for the time
 * asked, each camera's triangles are projected (clipped at a near plane),
 * and bands of rows are rasterized into a z-buffer that keeps, per pixel,
 * the depth along the optical axis, the triangle and its perspective-correct
 * barycentric weights. A second pass over the band shades what each pixel
 * sees. Depth is interpolated as 1/z, which is exact for planar triangles,
 * so the ground truth is the geometry the image shows.
 *
 * The room never moves, so each camera films it once, alone, and keeps its
 * colour, depth and materials; a frame then starts from that picture and
 * draws only the person over it: the same result as drawing everything, at
 * a fraction of the cost. Bands are independent and each draws its
 * triangles in a fixed order, so the output is the same for any number of
 * threads.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "media/px-pixel-convert.h"
#include "studio/px-studio.h"
#include "studio/px-studio-mesh.h"
#include "studio/px-studio-texture.h"

#define NEAR_PLANE 0.05f
#define BAND_ROWS  32
#define NO_TRIANGLE G_MAXUINT32
/* A pixel showing the cached room. */
#define ROOM_PIXEL  (G_MAXUINT32 - 1)
#define GAUSSIAN_SIZE 4096

/* A triangle in one camera's image: pixel positions, 1/z at its corners, and
 * the barycentric weights (of mesh vertices 1 and 2) its corners have in the
 * mesh triangle it was clipped from. */
typedef struct
{
  float x[3], y[3], w[3];
  float weight1[3], weight2[3];
  float y_min, y_max;
  guint32 source;
} ScreenTriangle;

typedef struct
{
  PxStudioView view;
  float *weights;       /* 2 per pixel */
  guint32 *triangle;
  GArray *screen;       /* ScreenTriangle */

  /* The empty room as this camera sees it, noise aside. */
  guint8 *room_rgb;
  float *room_depth;
  guint32 *room_triangle;   /* ROOM_PIXEL, or NO_TRIANGLE where it has no surface */
  guint8 *room_material;
  gboolean room_valid;
  double room_exposure;
  gboolean room_shadow;
} CameraState;

typedef struct
{
  PxStudio *studio;
  guint camera;
  guint row_start;
  guint row_end;
  gboolean room_pass;
} BandTask;

struct _PxStudio
{
  GObject parent_instance;

  PxStudioRig *rig;
  PxStudioPerson *person;
  guint64 seed;
  PxStudioTextureSet *textures;
  PxStudioMesh *room;
  PxStudioMesh *mesh;
  CameraState *cameras;
  guint n_cameras;
  guint64 frame_number;
  gboolean show_person;
  float feet_centre[2];
  guint8 srgb_lut[4096];
  float gaussian[GAUSSIAN_SIZE];

  GThreadPool *pool;
  GMutex lock;
  GCond done_cond;
  guint pending;
};

G_DEFINE_FINAL_TYPE (PxStudio, px_studio, G_TYPE_OBJECT)

static void band_task_cb        (gpointer  data,
                                 gpointer  user_data);
static void fill_gaussian_table (float    *table);

static void
px_studio_finalize (GObject *object)
{
  PxStudio *self = PX_STUDIO (object);

  if (self->pool != NULL)
    g_thread_pool_free (self->pool, FALSE, TRUE);
  for (guint i = 0; i < self->n_cameras; i++)
    {
      CameraState *state = &self->cameras[i];

      g_free (state->view.rgb);
      g_free (state->view.depth);
      g_free (state->view.mask);
      g_free (state->view.material);
      g_free (state->weights);
      g_free (state->triangle);
      g_free (state->room_rgb);
      g_free (state->room_depth);
      g_free (state->room_triangle);
      g_free (state->room_material);
      g_array_unref (state->screen);
    }
  g_free (self->cameras);
  px_studio_mesh_free (self->room);
  px_studio_mesh_free (self->mesh);
  px_studio_texture_set_free (self->textures);
  g_clear_object (&self->rig);
  g_clear_object (&self->person);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->done_cond);

  G_OBJECT_CLASS (px_studio_parent_class)->finalize (object);
}

static void
px_studio_class_init (PxStudioClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = px_studio_finalize;
}

static void
px_studio_init (PxStudio *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->done_cond);
}

static void
build_room (PxStudioMesh *room)
{
  const float wall_z = (float) PX_STUDIO_WALL_Z;
  const float skirting_z = wall_z + (float) PX_STUDIO_SKIRTING_DEPTH;
  const float skirting_h = (float) PX_STUDIO_SKIRTING_HEIGHT;

  /* Back wall, facing the cameras. */
  px_studio_mesh_add_rectangle (room, (float[]) { -5, 0, wall_z }, (float[]) { 10, 0, 0 },
                                (float[]) { 0, 4, 0 }, 1, PX_STUDIO_MATERIAL_WALL);
  /* Skirting board: its face and its top. */
  px_studio_mesh_add_rectangle (room, (float[]) { -5, 0, skirting_z }, (float[]) { 10, 0, 0 },
                                (float[]) { 0, skirting_h, 0 }, 1,
                                PX_STUDIO_MATERIAL_SKIRTING);
  px_studio_mesh_add_rectangle (room, (float[]) { -5, skirting_h, skirting_z },
                                (float[]) { 10, 0, 0 },
                                (float[]) { 0, 0, -(float) PX_STUDIO_SKIRTING_DEPTH }, 1,
                                PX_STUDIO_MATERIAL_SKIRTING);
  /* Floor, from the wall to well behind the cameras. */
  px_studio_mesh_add_rectangle (room, (float[]) { -5, 0, 6 }, (float[]) { 10, 0, 0 },
                                (float[]) { 0, 0, wall_z - 6 }, 1, PX_STUDIO_MATERIAL_FLOOR);
}

PxStudio *
px_studio_new (PxStudioRig    *rig,
               PxStudioPerson *person,
               guint64         seed,
               guint           n_threads)
{
  PxStudio *self;

  g_return_val_if_fail (PX_IS_STUDIO_RIG (rig), NULL);
  g_return_val_if_fail (PX_IS_STUDIO_PERSON (person), NULL);
  g_return_val_if_fail (px_studio_rig_get_n_cameras (rig) > 0, NULL);

  self = g_object_new (PX_TYPE_STUDIO, NULL);
  self->rig = g_object_ref (rig);
  self->person = g_object_ref (person);
  self->seed = seed;
  self->show_person = TRUE;
  self->textures = px_studio_texture_set_new (person, seed);
  self->room = px_studio_mesh_new ();
  self->mesh = px_studio_mesh_new ();
  build_room (self->room);

  for (guint i = 0; i < G_N_ELEMENTS (self->srgb_lut); i++)
    {
      double c = i / (double) (G_N_ELEMENTS (self->srgb_lut) - 1);
      double s = c <= 0.0031308 ? 12.92 * c : 1.055 * pow (c, 1 / 2.4) - 0.055;

      self->srgb_lut[i] = (guint8) CLAMP (s * 255 + 0.5, 0, 255);
    }

  fill_gaussian_table (self->gaussian);

  self->n_cameras = px_studio_rig_get_n_cameras (rig);
  self->cameras = g_new0 (CameraState, self->n_cameras);
  for (guint i = 0; i < self->n_cameras; i++)
    {
      const PxStudioCamera *camera = px_studio_rig_get_camera (rig, i);
      CameraState *state = &self->cameras[i];
      gsize n_pixels = (gsize) camera->width * camera->height;

      state->view.camera = i;
      state->view.width = camera->width;
      state->view.height = camera->height;
      state->view.rgb_stride = 3 * camera->width;
      state->view.rgb = g_malloc0 (3 * n_pixels);
      state->view.depth = g_new0 (float, n_pixels);
      state->view.mask = g_malloc0 (n_pixels);
      state->view.material = g_malloc0 (n_pixels);
      state->weights = g_new0 (float, 2 * n_pixels);
      state->triangle = g_new0 (guint32, n_pixels);
      state->screen = g_array_new (FALSE, FALSE, sizeof (ScreenTriangle));
      state->room_rgb = g_malloc0 (3 * n_pixels);
      state->room_depth = g_new0 (float, n_pixels);
      state->room_triangle = g_new0 (guint32, n_pixels);
      state->room_material = g_malloc0 (n_pixels);
    }

  if (n_threads == 0)
    n_threads = g_get_num_processors ();
  self->pool = g_thread_pool_new (band_task_cb, self, (gint) n_threads, TRUE, NULL);
  return self;
}

PxStudioRig *
px_studio_get_rig (PxStudio *self)
{
  g_return_val_if_fail (PX_IS_STUDIO (self), NULL);

  return self->rig;
}

PxStudioPerson *
px_studio_get_person (PxStudio *self)
{
  g_return_val_if_fail (PX_IS_STUDIO (self), NULL);

  return self->person;
}

const PxStudioView *
px_studio_get_view (PxStudio *self,
                    guint     camera)
{
  g_return_val_if_fail (PX_IS_STUDIO (self), NULL);
  g_return_val_if_fail (camera < self->n_cameras, NULL);

  return &self->cameras[camera].view;
}

void
px_studio_set_show_person (PxStudio *self,
                           gboolean  show_person)
{
  g_return_if_fail (PX_IS_STUDIO (self));

  self->show_person = !!show_person;
}

/* ---- projection and clipping ------------------------------------------- */

typedef struct
{
  float p[3];       /* camera frame */
  float weight1, weight2;
} ClipVertex;

static void
emit_triangle (const PxStudioCamera *camera,
               const ClipVertex     *a,
               const ClipVertex     *b,
               const ClipVertex     *c,
               guint32               source,
               GArray               *screen)
{
  const ClipVertex *corners[3] = { a, b, c };
  ScreenTriangle triangle;
  float x_min = G_MAXFLOAT, x_max = -G_MAXFLOAT, area;

  triangle.y_min = G_MAXFLOAT;
  triangle.y_max = -G_MAXFLOAT;
  for (int k = 0; k < 3; k++)
    {
      float w = 1.0f / corners[k]->p[2];

      triangle.x[k] = (float) (camera->fx * corners[k]->p[0] * w + camera->cx);
      triangle.y[k] = (float) (camera->fy * corners[k]->p[1] * w + camera->cy);
      triangle.w[k] = w;
      triangle.weight1[k] = corners[k]->weight1;
      triangle.weight2[k] = corners[k]->weight2;
      x_min = MIN (x_min, triangle.x[k]);
      x_max = MAX (x_max, triangle.x[k]);
      triangle.y_min = MIN (triangle.y_min, triangle.y[k]);
      triangle.y_max = MAX (triangle.y_max, triangle.y[k]);
    }
  if (x_max < -1 || x_min > camera->width || triangle.y_max < -1
      || triangle.y_min > camera->height)
    return;
  area = (triangle.x[1] - triangle.x[0]) * (triangle.y[2] - triangle.y[0])
         - (triangle.y[1] - triangle.y[0]) * (triangle.x[2] - triangle.x[0]);
  if (fabsf (area) < 1e-9f)
    return;
  triangle.source = source;
  g_array_append_val (screen, triangle);
}

static void
clip_lerp (const ClipVertex *a,
           const ClipVertex *b,
           ClipVertex       *out)
{
  float t = (NEAR_PLANE - a->p[2]) / (b->p[2] - a->p[2]);

  for (int k = 0; k < 3; k++)
    out->p[k] = a->p[k] + (b->p[k] - a->p[k]) * t;
  out->p[2] = NEAR_PLANE;
  out->weight1 = a->weight1 + (b->weight1 - a->weight1) * t;
  out->weight2 = a->weight2 + (b->weight2 - a->weight2) * t;
}

/* Projects triangles @first to @last − 1 of @mesh. */
static void
project_mesh (const PxStudioMesh   *mesh,
              guint                 first,
              guint                 last,
              const PxStudioCamera *camera,
              GArray               *camera_points,
              GArray               *screen)
{
  const double *r = camera->rotation, *t = camera->translation;

  g_array_set_size (camera_points, 3 * mesh->vertices->len);
  for (guint i = 0; i < mesh->vertices->len; i++)
    {
      const float *p = g_array_index (mesh->vertices, PxStudioVertex, i).position;
      float *out = &g_array_index (camera_points, float, 3 * i);

      for (int row = 0; row < 3; row++)
        out[row] = (float) (r[3 * row] * p[0] + r[3 * row + 1] * p[1] + r[3 * row + 2] * p[2]
                            + t[row]);
    }

  g_array_set_size (screen, 0);
  for (guint i = first; i < last; i++)
    {
      const PxStudioTriangle *source = &g_array_index (mesh->triangles, PxStudioTriangle, i);
      ClipVertex in[3], out[4];
      guint n_out = 0, n_front = 0;

      for (int k = 0; k < 3; k++)
        {
          memcpy (in[k].p, &g_array_index (camera_points, float, 3 * source->v[k]),
                  sizeof in[k].p);
          in[k].weight1 = k == 1 ? 1.0f : 0.0f;
          in[k].weight2 = k == 2 ? 1.0f : 0.0f;
          n_front += in[k].p[2] >= NEAR_PLANE;
        }
      if (n_front == 0)
        continue;
      /* The person is closed surfaces wound outwards: skip faces turned away. */
      if (PX_STUDIO_MATERIAL_IS_PERSON (source->material))
        {
          float e1[3], e2[3], n[3];

          for (int k = 0; k < 3; k++)
            {
              e1[k] = in[1].p[k] - in[0].p[k];
              e2[k] = in[2].p[k] - in[0].p[k];
            }
          n[0] = e1[1] * e2[2] - e1[2] * e2[1];
          n[1] = e1[2] * e2[0] - e1[0] * e2[2];
          n[2] = e1[0] * e2[1] - e1[1] * e2[0];
          if (n[0] * in[0].p[0] + n[1] * in[0].p[1] + n[2] * in[0].p[2] >= 0)
            continue;
        }
      if (n_front == 3)
        {
          emit_triangle (camera, &in[0], &in[1], &in[2], i, screen);
          continue;
        }
      /* Sutherland–Hodgman against z = NEAR_PLANE: at most a quadrilateral. */
      for (int k = 0; k < 3; k++)
        {
          const ClipVertex *a = &in[k], *b = &in[(k + 1) % 3];
          gboolean a_in = a->p[2] >= NEAR_PLANE, b_in = b->p[2] >= NEAR_PLANE;

          if (a_in)
            out[n_out++] = *a;
          if (a_in != b_in)
            clip_lerp (a, b, &out[n_out++]);
        }
      for (guint k = 1; k + 1 < n_out; k++)
        emit_triangle (camera, &out[0], &out[k], &out[k + 1], i, screen);
    }
}

/* ---- rasterization --------------------------------------------------------- */

/* Limits [lo, hi] to where a·x + c >= 0 could hold; FALSE if nowhere. */
static inline gboolean
narrow_span (float  a,
             float  c,
             float *lo,
             float *hi)
{
  if (a > 1e-12f)
    *lo = MAX (*lo, floorf (-c / a) - 1);
  else if (a < -1e-12f)
    *hi = MIN (*hi, ceilf (-c / a) + 1);
  else if (c < -1e-6f)
    return FALSE;
  return *lo <= *hi;
}

static void
raster_band (CameraState *state,
             guint        row_start,
             guint        row_end,
             gboolean     room_pass)
{
  guint width = state->view.width;
  float *depth = state->view.depth;

  gsize first = (gsize) row_start * width, count = (gsize) (row_end - row_start) * width;

  if (room_pass)
    {
      for (gsize i = first; i < first + count; i++)
        {
          depth[i] = INFINITY;
          state->triangle[i] = NO_TRIANGLE;
        }
    }
  else
    {
      memcpy (depth + first, state->room_depth + first, count * sizeof (float));
      memcpy (state->triangle + first, state->room_triangle + first, count * sizeof (guint32));
    }

  for (guint i = 0; i < state->screen->len; i++)
    {
      const ScreenTriangle *t = &g_array_index (state->screen, ScreenTriangle, i);
      float area, inv_area;
      int y0, y1, x0, x1;
      float a0, b0, a1, b1, a2, b2;

      if (t->y_max < row_start || t->y_min > row_end - 1)
        continue;

      /* Pixel centres sit at integer coordinates (cx = (width − 1) / 2). */
      y0 = MAX ((int) row_start, (int) ceilf (t->y_min));
      y1 = MIN ((int) row_end - 1, (int) floorf (t->y_max));
      x0 = MAX (0, (int) ceilf (MIN (t->x[0], MIN (t->x[1], t->x[2]))));
      x1 = MIN ((int) width - 1, (int) floorf (MAX (t->x[0], MAX (t->x[1], t->x[2]))));
      if (y0 > y1 || x0 > x1)
        continue;

      area = (t->x[1] - t->x[0]) * (t->y[2] - t->y[0]) - (t->y[1] - t->y[0]) * (t->x[2] - t->x[0]);
      inv_area = 1.0f / area;
      /* Edge k is opposite corner k: e_k(x, y) = a_k·x + b_k·y + c_k. */
      a0 = (t->y[1] - t->y[2]) * inv_area;
      b0 = (t->x[2] - t->x[1]) * inv_area;
      a1 = (t->y[2] - t->y[0]) * inv_area;
      b1 = (t->x[0] - t->x[2]) * inv_area;
      a2 = (t->y[0] - t->y[1]) * inv_area;
      b2 = (t->x[1] - t->x[0]) * inv_area;

      for (int y = y0; y <= y1; y++)
        {
          float dy1 = y - t->y[1], dy2 = y - t->y[2], dy0 = y - t->y[0];
          /* e_k(x) = a_k·x + c_k along this row: narrow the span to where all
           * three can be non-negative (a pixel wider, as the exact test below
           * decides). */
          float c0 = b0 * dy1 - a0 * t->x[1];
          float c1 = b1 * dy2 - a1 * t->x[2];
          float c2 = b2 * dy0 - a2 * t->x[0];
          float span_lo = x0, span_hi = x1;
          gsize row = (gsize) y * width;

          if (!narrow_span (a0, c0, &span_lo, &span_hi)
              || !narrow_span (a1, c1, &span_lo, &span_hi)
              || !narrow_span (a2, c2, &span_lo, &span_hi))
            continue;

          for (int x = (int) span_lo; x <= (int) span_hi; x++)
            {
              float e0 = a0 * (x - t->x[1]) + b0 * dy1;
              float e1 = a1 * (x - t->x[2]) + b1 * dy2;
              float e2 = a2 * (x - t->x[0]) + b2 * dy0;
              float w, z;

              if (e0 < 0 || e1 < 0 || e2 < 0)
                continue;
              w = e0 * t->w[0] + e1 * t->w[1] + e2 * t->w[2];
              z = 1.0f / w;
              if (z < depth[row + x])
                {
                  float l0 = e0 * t->w[0] * z, l1 = e1 * t->w[1] * z, l2 = e2 * t->w[2] * z;

                  depth[row + x] = z;
                  state->triangle[row + x] = i;
                  state->weights[2 * (row + x)] = l0 * t->weight1[0] + l1 * t->weight1[1]
                                                  + l2 * t->weight1[2];
                  state->weights[2 * (row + x) + 1] = l0 * t->weight2[0] + l1 * t->weight2[1]
                                                      + l2 * t->weight2[2];
                }
            }
        }
    }
}

/* ---- shading ------------------------------------------------------------- */

/* A random start for one row of one frame of one camera. */
static inline guint64
row_hash (guint64 seed,
          guint32 camera,
          guint64 frame,
          guint32 row)
{
  guint64 h = seed * 0x9e3779b97f4a7c15ull ^ (frame + 1) * 0xc2b2ae3d27d4eb4full
              ^ ((guint64) camera << 32 | row) * 0x165667b19e3779f9ull;

  h ^= h >> 31;
  h *= 0xd6e8feb86659fd93ull;
  h ^= h >> 32;
  h *= 0x9e3779b97f4a7c15ull;
  h ^= h >> 29;
  return h | 1;  /* xorshift needs a state that is not 0 */
}

/* The next 64 random bits along a row (xorshift64*). */
static inline guint64
next_random (guint64 *state)
{
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  return *state * 0x2545f4914f6cdd1dull;
}

/* The standard normal distribution at GAUSSIAN_SIZE equally likely
 * quantiles: indexed by 12 random bits, a normal sample. */
static void
fill_gaussian_table (float *table)
{
  for (guint i = 0; i < GAUSSIAN_SIZE; i++)
    {
      double p = (i + 0.5) / GAUSSIAN_SIZE, lo = -8, hi = 8;

      /* Invert the normal CDF, 0.5·erfc(−x/√2), by bisection. */
      for (int step = 0; step < 60; step++)
        {
          double mid = 0.5 * (lo + hi);

          if (0.5 * erfc (-mid / G_SQRT2) < p)
            lo = mid;
          else
            hi = mid;
        }
      table[i] = (float) (0.5 * (lo + hi));
    }
}

/* Rounds to an 8-bit code value; integer clamping keeps it free of branches. */
static inline guint8
to_code (float value)
{
  int code = (int) (value + 256.5f) - 256;

  return (guint8) MIN (MAX (code, 0), 255);
}

static void
shade_band (PxStudio    *self,
            CameraState *state,
            guint        row_start,
            guint        row_end,
            gboolean     room_pass)
{
  static const float key[3] = { -0.38f, 0.62f, 0.69f };
  static const float fill[3] = { 0.62f, 0.30f, 0.72f };
  const PxStudioCamera *camera = px_studio_rig_get_camera (self->rig, state->view.camera);
  const PxStudioMesh *mesh = self->mesh;
  const PxStudioVertex *vertices = (const PxStudioVertex *) mesh->vertices->data;
  const PxStudioTriangle *triangles = (const PxStudioTriangle *) mesh->triangles->data;
  float exposure = (float) camera->exposure;
  float noise = room_pass ? 0 : (float) camera->noise;
  guint width = state->view.width;

  for (guint y = row_start; y < row_end; y++)
    {
      /* Noise is drawn along each row from its own seed: the same for any
       * split of the rows between threads. */
      guint64 random = row_hash (self->seed, state->view.camera, self->frame_number, y);

      for (guint x = 0; x < width; x++)
        {
          gsize index = (gsize) y * width + x;
          guint8 *rgb = state->view.rgb + (gsize) y * state->view.rgb_stride + 3 * x;
          guint32 screen_index = state->triangle[index];
          const PxStudioTriangle *triangle;
          const PxStudioVertex *v0, *v1, *v2;
          float w1, w2, w0, normal[3], uv[2], position[3], albedo[3], light, length;
          float noise_rgb[3] = { 0, 0, 0 };

          if (noise > 0)
            {
              /* 64 random bits give the three channels' noise, 12 bits each. */
              guint64 h = next_random (&random);

              for (int k = 0; k < 3; k++)
                noise_rgb[k] = noise * self->gaussian[(h >> (12 * k)) & (GAUSSIAN_SIZE - 1)];
            }
          if (screen_index == ROOM_PIXEL)
            {
              for (int k = 0; k < 3; k++)
                rgb[k] = to_code (state->room_rgb[3 * index + k] + noise_rgb[k]);
              state->view.mask[index] = 0;
              state->view.material[index] = state->room_material[index];
              continue;
            }
          if (screen_index == NO_TRIANGLE)
            {
              rgb[0] = rgb[1] = rgb[2] = 0;
              state->view.mask[index] = 0;
              state->view.material[index] = 255;
              continue;
            }
          triangle = &triangles[g_array_index (state->screen, ScreenTriangle, screen_index).source];
          v0 = &vertices[triangle->v[0]];
          v1 = &vertices[triangle->v[1]];
          v2 = &vertices[triangle->v[2]];
          w1 = state->weights[2 * index];
          w2 = state->weights[2 * index + 1];
          w0 = 1 - w1 - w2;
          for (int k = 0; k < 3; k++)
            {
              normal[k] = w0 * v0->normal[k] + w1 * v1->normal[k] + w2 * v2->normal[k];
              position[k] = w0 * v0->position[k] + w1 * v1->position[k] + w2 * v2->position[k];
            }
          for (int k = 0; k < 2; k++)
            uv[k] = w0 * v0->uv[k] + w1 * v1->uv[k] + w2 * v2->uv[k];
          length = sqrtf (normal[0] * normal[0] + normal[1] * normal[1] + normal[2] * normal[2]);
          if (length > 0)
            for (int k = 0; k < 3; k++)
              normal[k] /= length;

          px_studio_texture_sample (&self->textures->materials[triangle->material], uv[0], uv[1],
                                    albedo);

          /* A key light from the upper left, a fill from the right, and sky. */
          light = 0.27f + 0.06f * normal[1]
                  + 0.80f * MAX (0.0f, normal[0] * key[0] + normal[1] * key[1] + normal[2] * key[2])
                  + 0.30f * MAX (0.0f, normal[0] * fill[0] + normal[1] * fill[1]
                                       + normal[2] * fill[2]);
          if (triangle->material == PX_STUDIO_MATERIAL_FLOOR)
            {
              /* The soft shadow the person casts on the floor around the feet. */
              float dx = (position[0] - self->feet_centre[0]) / 0.32f;
              float dz = (position[2] - self->feet_centre[1]) / 0.22f;

              if (self->show_person)
                light *= 1 - 0.5f * expf (-(dx * dx + dz * dz));
            }
          else if (triangle->material == PX_STUDIO_MATERIAL_WALL)
            {
              /* Light falls off up the wall and into the corners. */
              light *= 1.05f - 0.10f * position[1] / 3.0f - 0.02f * fabsf (position[0]);
            }
          light *= exposure;

          for (int k = 0; k < 3; k++)
            {
              float c = albedo[k] * light;
              int lut = (int) (CLAMP (c, 0.0f, 1.0f) * 4095.0f + 0.5f);

              rgb[k] = to_code (self->srgb_lut[lut] + noise_rgb[k]);
            }
          state->view.mask[index] = PX_STUDIO_MATERIAL_IS_PERSON (triangle->material) ? 255 : 0;
          state->view.material[index] = (guint8) triangle->material;
        }
    }
}

static void
band_task_cb (gpointer data,
              gpointer user_data)
{
  BandTask *task = data;
  PxStudio *self = task->studio;
  CameraState *state = &self->cameras[task->camera];

  raster_band (state, task->row_start, task->row_end, task->room_pass);
  shade_band (self, state, task->row_start, task->row_end, task->room_pass);

  g_mutex_lock (&self->lock);
  if (--self->pending == 0)
    g_cond_signal (&self->done_cond);
  g_mutex_unlock (&self->lock);
}

/* Runs every band of the cameras whose flag is set in @cameras. */
static void
run_bands (PxStudio       *self,
           const gboolean *cameras,
           gboolean        room_pass)
{
  g_autofree BandTask *tasks = NULL;
  guint n_tasks = 0, task = 0;

  for (guint i = 0; i < self->n_cameras; i++)
    if (cameras[i])
      n_tasks += (self->cameras[i].view.height + BAND_ROWS - 1) / BAND_ROWS;
  if (n_tasks == 0)
    return;

  tasks = g_new (BandTask, n_tasks);
  g_mutex_lock (&self->lock);
  self->pending = n_tasks;
  g_mutex_unlock (&self->lock);
  for (guint i = 0; i < self->n_cameras; i++)
    for (guint row = 0; cameras[i] && row < self->cameras[i].view.height; row += BAND_ROWS)
      {
        tasks[task] = (BandTask) { self, i, row,
                                   MIN (row + BAND_ROWS, self->cameras[i].view.height),
                                   room_pass };
        g_thread_pool_push (self->pool, &tasks[task], NULL);
        task++;
      }
  g_mutex_lock (&self->lock);
  while (self->pending > 0)
    g_cond_wait (&self->done_cond, &self->lock);
  g_mutex_unlock (&self->lock);
}

/* Films the empty room for every camera whose picture of it is missing or
 * out of date (its exposure changed, or the person's shadow came or went). */
static void
update_room (PxStudio *self,
             GArray   *camera_points)
{
  g_autofree gboolean *stale = g_new0 (gboolean, self->n_cameras);
  guint n_room = self->room->triangles->len;
  gboolean any = FALSE;

  for (guint i = 0; i < self->n_cameras; i++)
    {
      CameraState *state = &self->cameras[i];
      const PxStudioCamera *camera = px_studio_rig_get_camera (self->rig, i);

      stale[i] = !state->room_valid || state->room_exposure != camera->exposure
                 || state->room_shadow != self->show_person;
      if (!stale[i])
        continue;
      any = TRUE;
      project_mesh (self->mesh, 0, n_room, camera, camera_points, state->screen);
    }
  if (!any)
    return;

  run_bands (self, stale, TRUE);
  for (guint i = 0; i < self->n_cameras; i++)
    {
      CameraState *state = &self->cameras[i];
      gsize n = (gsize) state->view.width * state->view.height;

      if (!stale[i])
        continue;
      for (guint y = 0; y < state->view.height; y++)
        memcpy (state->room_rgb + (gsize) y * 3 * state->view.width,
                state->view.rgb + (gsize) y * state->view.rgb_stride, 3 * state->view.width);
      memcpy (state->room_depth, state->view.depth, n * sizeof (float));
      for (gsize k = 0; k < n; k++)
        state->room_triangle[k] = isfinite (state->room_depth[k]) ? ROOM_PIXEL : NO_TRIANGLE;
      memcpy (state->room_material, state->view.material, n);
      state->room_valid = TRUE;
      state->room_exposure = px_studio_rig_get_camera (self->rig, i)->exposure;
      state->room_shadow = self->show_person;
    }
}

void
px_studio_render (PxStudio *self,
                  double    time,
                  guint64   frame_number)
{
  g_autoptr(GArray) camera_points = g_array_new (FALSE, FALSE, sizeof (float));
  g_autofree gboolean *all = NULL;
  guint n_room;

  g_return_if_fail (PX_IS_STUDIO (self));

  self->frame_number = frame_number;
  px_studio_mesh_clear (self->mesh);
  g_array_append_vals (self->mesh->vertices, self->room->vertices->data,
                       self->room->vertices->len);
  g_array_append_vals (self->mesh->triangles, self->room->triangles->data,
                       self->room->triangles->len);
  n_room = self->room->triangles->len;
  /* The shadow lies around the feet, which stay planted. */
  self->feet_centre[0] = 0;
  self->feet_centre[1] = 0.02f * (float) px_studio_person_get_height (self->person) / 1.75f;
  update_room (self, camera_points);

  if (self->show_person)
    px_studio_person_build (self->person, time, self->mesh);

  all = g_new (gboolean, self->n_cameras);
  for (guint i = 0; i < self->n_cameras; i++)
    {
      project_mesh (self->mesh, n_room, self->mesh->triangles->len,
                    px_studio_rig_get_camera (self->rig, i), camera_points,
                    self->cameras[i].screen);
      all[i] = TRUE;
    }
  run_bands (self, all, FALSE);
}

void
px_studio_view_to_i420 (const PxStudioView *view,
                        guint8             *y_plane,
                        guint               y_stride,
                        guint8             *u_plane,
                        guint               u_stride,
                        guint8             *v_plane,
                        guint               v_stride)
{
  guint8 *planes[3] = { y_plane, u_plane, v_plane };
  int strides[3] = { (int) y_stride, (int) u_stride, (int) v_stride };

  g_return_if_fail (view != NULL);

  px_pixel_convert_rgb_to_i420 (view->rgb, view->rgb_stride, view->width, view->height,
                                planes, strides);
}
