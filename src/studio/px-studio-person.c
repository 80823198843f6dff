/* px-studio-person.c: the procedural, idly moving person of the studio
 *
 * The body is a handful of swept surfaces (torso, neck, head, ears, arms,
 * hands, legs, shoes) whose cross-sections follow a skeleton posed as a
 * function of time. Lengths follow the usual anthropometric fractions of
 * stature for an adult 1.75 m tall and are scaled to the requested height.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <cglm/cglm.h>
#include <math.h>
#include <string.h>

#include "studio/px-studio-person.h"
#include "studio/px-studio-texture.h"

#define NOMINAL_HEIGHT 1.75f

/* The head: chin at HEAD_BOTTOM, skull at HEAD_BOTTOM + HEAD_LENGTH above
 * the pivot on the neck, hair on top of that. */
#define HEAD_BOTTOM  (-0.05f)
#define HEAD_LENGTH  0.223f
#define HAIR_DEPTH   0.012f
#define HEAD_RINGS   50
#define HEAD_SEGMENTS 64
#define NOSE_TIP_V   0.36f

struct _PxStudioPerson
{
  GObject parent_instance;

  double height;
  PxStudioAppearance appearance;
};

G_DEFINE_FINAL_TYPE (PxStudioPerson, px_studio_person, G_TYPE_OBJECT)

/* A control point of a tube; the surface passes through the knots on a
 * Catmull-Rom spline, so joints bend smoothly. */
typedef struct
{
  vec3 position;
  float rx;
  float rz_front;
  float rz_back;
  float exponent;
  PxStudioMaterial material;
} Knot;

typedef struct
{
  double time;
  vec3 pelvis;
  mat3 torso;
  float breath;
  vec3 shoulder[2], elbow[2], wrist[2];
  mat3 upper_arm[2], forearm[2], hand[2];
  vec3 hip[2], knee[2], ankle[2];
  vec3 neck_base, head_pivot;
  mat3 head;
} Pose;

/* Landmarks recorded while building: vertex indices. */
typedef struct
{
  guint nose_tip;
  guint head_top;
  guint chin;
  guint hand_tip;
  guint chest;
} Landmarks;

static void
px_studio_person_class_init (PxStudioPersonClass *klass)
{
}

static void
px_studio_person_init (PxStudioPerson *self)
{
  self->height = NOMINAL_HEIGHT;
}

static void
srgb_to_linear (guint32  rgb,
                float    out[3])
{
  for (int k = 0; k < 3; k++)
    {
      float c = ((rgb >> (16 - 8 * k)) & 0xff) / 255.0f;

      out[k] = c <= 0.04045f ? c / 12.92f : powf ((c + 0.055f) / 1.055f, 2.4f);
    }
}

static void
pick_appearance (PxStudioAppearance *appearance,
                 guint64             seed)
{
  static const guint32 skins[] = { 0xe0b69b, 0xc99378, 0xf1c9b0, 0xa8715a, 0x8d5a44, 0xd9a689 };
  static const guint32 hairs[] = { 0x3b2a1e, 0x1e1a17, 0x6a4a30, 0x2b2220, 0x8c6a45, 0x4a3a2c };
  static const guint32 shirts[][3] = {
    { 0x2f5d8a, 0xd9d4c7, 0xb0302c },   /* blue check */
    { 0x8a2f2f, 0x1f2a44, 0xe8dcc0 },   /* red tartan */
    { 0x3f6b45, 0xe0d9b8, 0x2a2a2a },   /* green check */
    { 0x6b5a8a, 0xf0ede6, 0x24304a },   /* violet check */
  };
  static const guint32 trousers[] = { 0x2c3e5c, 0x3a3a3a, 0x5a4a3a, 0x27344a };
  GRand *rand = g_rand_new_with_seed ((guint32) (seed ^ (seed >> 32)));
  guint shirt;

  srgb_to_linear (skins[g_rand_int_range (rand, 0, G_N_ELEMENTS (skins))], appearance->skin);
  srgb_to_linear (hairs[g_rand_int_range (rand, 0, G_N_ELEMENTS (hairs))], appearance->hair);
  shirt = g_rand_int_range (rand, 0, G_N_ELEMENTS (shirts));
  for (int k = 0; k < 3; k++)
    srgb_to_linear (shirts[shirt][k], appearance->shirt[k]);
  srgb_to_linear (trousers[g_rand_int_range (rand, 0, G_N_ELEMENTS (trousers))],
                  appearance->trousers);
  srgb_to_linear (0xa8504a, appearance->lips);
  for (int k = 0; k < 3; k++)
    appearance->lips[k] = 0.6f * appearance->lips[k] + 0.4f * appearance->skin[k] * 0.8f;
  srgb_to_linear (g_rand_boolean (rand) ? 0x4a3220 : 0x3e5a6e, appearance->iris);
  srgb_to_linear (0x2a1c14, appearance->belt);
  srgb_to_linear (0x1c1816, appearance->shoes);
  g_rand_free (rand);
}

PxStudioPerson *
px_studio_person_new (double  height,
                      guint64 seed)
{
  PxStudioPerson *self = g_object_new (PX_TYPE_STUDIO_PERSON, NULL);

  g_return_val_if_fail (height > 0.5 && height < 2.6, self);

  self->height = height;
  pick_appearance (&self->appearance, seed);
  return self;
}

double
px_studio_person_get_height (PxStudioPerson *self)
{
  g_return_val_if_fail (PX_IS_STUDIO_PERSON (self), 0);

  return self->height;
}

const PxStudioAppearance *
px_studio_person_get_appearance (PxStudioPerson *self)
{
  g_return_val_if_fail (PX_IS_STUDIO_PERSON (self), NULL);

  return &self->appearance;
}

/* ---- pose ------------------------------------------------------------- */

static void
rotation (float  angle,
          float  x,
          float  y,
          float  z,
          mat3   out)
{
  mat4 m;

  glm_rotate_make (m, angle, (vec3) { x, y, z });
  glm_mat4_pick3 (m, out);
}

/* point = origin + m · offset */
static void
place (vec3        origin,
       mat3        m,
       float       x,
       float       y,
       float       z,
       vec3        out)
{
  vec3 offset = { x, y, z };

  glm_mat3_mulv (m, offset, out);
  glm_vec3_add (origin, out, out);
}

static float
wave (double time,
      double period,
      double phase)
{
  return (float) sin (2 * G_PI * time / period + phase);
}

static void
compute_pose (double  time,
              Pose   *pose)
{
  mat3 twist, lean, m;
  float sway = 0.012f * wave (time, 6.5, 0);

  memset (pose, 0, sizeof *pose);
  pose->time = time;
  pose->breath = wave (time, 4.2, 0);

  glm_vec3_copy ((vec3) { sway, 0.95f, 0 }, pose->pelvis);
  rotation (0.05f * wave (time, 7.3, 0.5), 0, 1, 0, twist);
  rotation (-0.012f * wave (time, 6.5, 0), 0, 0, 1, lean);
  glm_mat3_mul (twist, lean, pose->torso);

  /* Arms: index 0 is the person's right (towards -x), which gestures while
   * talking; the left one hangs and sways a little. */
  for (int side = 0; side < 2; side++)
    {
      float sign = side == 0 ? -1.0f : 1.0f;
      float flex, abduct, elbow, pronate, wrist;
      mat3 a, b;

      if (side == 0)
        {
          flex = 0.30f + 0.15f * wave (time, 3.7, 0);
          abduct = 0.14f + 0.06f * wave (time, 2.9, 1.0);
          elbow = 1.05f + 0.35f * wave (time, 2.3, 0.4);
          pronate = 0.9f;
          wrist = 0.35f * wave (time, 1.3, 0);
        }
      else
        {
          flex = 0.06f + 0.04f * wave (time, 6.5, 2.0);
          abduct = 0.10f;
          elbow = 0.25f + 0.05f * wave (time, 5.0, 0);
          pronate = 0;
          wrist = 0.1f;
        }

      place (pose->pelvis, pose->torso, sign * 0.182f, 0.455f + 0.004f * pose->breath, -0.005f,
             pose->shoulder[side]);
      rotation (sign * abduct, 0, 0, 1, a);
      rotation (-flex, 1, 0, 0, b);
      glm_mat3_mul (pose->torso, a, m);
      glm_mat3_mul (m, b, pose->upper_arm[side]);
      place (pose->shoulder[side], pose->upper_arm[side], 0, -0.295f, 0, pose->elbow[side]);

      rotation (-elbow, 1, 0, 0, a);
      glm_mat3_mul (pose->upper_arm[side], a, m);
      rotation (-sign * pronate, 0, 1, 0, a);
      glm_mat3_mul (m, a, pose->forearm[side]);
      place (pose->elbow[side], pose->forearm[side], 0, -0.25f, 0, pose->wrist[side]);

      rotation (sign * wrist, 1, 0, 0, a);
      glm_mat3_mul (pose->forearm[side], a, pose->hand[side]);
    }

  /* Legs: feet stay planted, the hips follow the sway. */
  for (int side = 0; side < 2; side++)
    {
      float sign = side == 0 ? -1.0f : 1.0f;

      place (pose->pelvis, GLM_MAT3_IDENTITY, sign * 0.09f, -0.05f, 0, pose->hip[side]);
      glm_vec3_copy ((vec3) { sign * 0.11f, 0.085f, -0.02f }, pose->ankle[side]);
      glm_vec3_lerp (pose->hip[side], pose->ankle[side], 0.51f, pose->knee[side]);
      pose->knee[side][2] += 0.012f;
    }

  place (pose->pelvis, pose->torso, 0, 0.47f, -0.015f, pose->neck_base);
  place (pose->neck_base, pose->torso, 0, 0.145f, 0.012f, pose->head_pivot);
  {
    mat3 yaw, pitch, roll;

    rotation (0.38f * wave (time, 7.3, 0), 0, 1, 0, yaw);
    rotation (0.07f * wave (time, 5.1, 0.7) - 0.02f, 1, 0, 0, pitch);
    rotation (0.03f * wave (time, 9.0, 1.3), 0, 0, 1, roll);
    glm_mat3_mul (pose->torso, yaw, m);
    glm_mat3_mul (m, pitch, pose->head);
    glm_mat3_mul (pose->head, roll, pose->head);
  }
}

/* ---- tubes ------------------------------------------------------------ */

static float
catmull_rom (float p0,
             float p1,
             float p2,
             float p3,
             float t)
{
  float t2 = t * t, t3 = t2 * t;

  return 0.5f * (2 * p1 + (p2 - p0) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t2
                 + (3 * p1 - p0 - 3 * p2 + p3) * t3);
}

static float
catmull_rom_slope (float p0,
                   float p1,
                   float p2,
                   float p3,
                   float t)
{
  return 0.5f * ((p2 - p0) + 2 * (2 * p0 - 5 * p1 + 4 * p2 - p3) * t
                 + 3 * (3 * p1 - p0 - 3 * p2 + p3) * t * t);
}

static void
ring_frame (PxStudioRing *ring,
            const vec3    tangent,
            const vec3    side_hint)
{
  vec3 t, side, front;

  glm_vec3_copy ((float *) tangent, t);
  glm_vec3_normalize (t);
  glm_vec3_copy ((float *) side_hint, side);
  glm_vec3_muladds (t, -glm_vec3_dot (side, t), side);
  glm_vec3_normalize (side);
  glm_vec3_cross (t, side, front);
  memcpy (ring->side, side, sizeof ring->side);
  memcpy (ring->front, front, sizeof ring->front);
}

/* Appends rounded caps: @count rings that shrink along a quarter circle
 * over @length beyond @end, ending in a point. */
static void
append_cap (GArray             *rings,
            const PxStudioRing *end,
            const vec3          outward,
            float               length,
            float               v_direction,
            guint               count)
{
  for (guint c = 1; c <= count; c++)
    {
      float phi = (float) G_PI_2 * c / count;
      float shrink = c == count ? 0 : cosf (phi);
      PxStudioRing ring = *end;

      for (int k = 0; k < 3; k++)
        ring.center[k] = end->center[k] + outward[k] * length * sinf (phi);
      ring.rx *= shrink;
      ring.rz_front *= shrink;
      ring.rz_back *= shrink;
      ring.v = end->v + v_direction * length * sinf (phi);
      g_array_append_val (rings, ring);
    }
}

static void
add_tube (PxStudioMesh *mesh,
          const Knot   *knots,
          guint         n_knots,
          const vec3    side_hint,
          guint         steps,
          guint         segments,
          float         cap_start,
          float         cap_end)
{
  g_autoptr(GArray) body = g_array_new (FALSE, FALSE, sizeof (PxStudioRing));
  g_autoptr(GArray) rings = g_array_new (FALSE, FALSE, sizeof (PxStudioRing));
  float v = 0;
  vec3 last = GLM_VEC3_ZERO_INIT;

  for (guint span = 0; span + 1 < n_knots; span++)
    {
      const Knot *k1 = &knots[span], *k2 = &knots[span + 1];
      Knot k0 = span > 0 ? knots[span - 1] : *k1;
      Knot k3 = span + 2 < n_knots ? knots[span + 2] : *k2;

      /* Mirror the end knots so the spline leaves them in a straight line. */
      if (span == 0)
        glm_vec3_lerp ((float *) k2->position, (float *) k1->position, 2.0f, k0.position);
      if (span + 2 >= n_knots)
        glm_vec3_lerp ((float *) k1->position, (float *) k2->position, 2.0f, k3.position);

      for (guint s = 0; s <= steps; s++)
        {
          float t = (float) s / steps;
          PxStudioRing ring = { 0 };
          vec3 tangent;

          if (s == steps && span + 2 < n_knots)
            break;
          for (int k = 0; k < 3; k++)
            {
              ring.center[k] = catmull_rom (k0.position[k], k1->position[k], k2->position[k],
                                            k3.position[k], t);
              tangent[k] = catmull_rom_slope (k0.position[k], k1->position[k], k2->position[k],
                                              k3.position[k], t);
            }
          ring.rx = MAX (0, catmull_rom (k0.rx, k1->rx, k2->rx, k3.rx, t));
          ring.rz_front = MAX (0, catmull_rom (k0.rz_front, k1->rz_front, k2->rz_front,
                                               k3.rz_front, t));
          ring.rz_back = MAX (0, catmull_rom (k0.rz_back, k1->rz_back, k2->rz_back,
                                              k3.rz_back, t));
          ring.exponent = k1->exponent + (k2->exponent - k1->exponent) * t;
          ring.material = k1->material;
          if (body->len > 0)
            v += glm_vec3_distance (last, ring.center);
          glm_vec3_copy (ring.center, last);
          ring.v = v;
          ring_frame (&ring, tangent, side_hint);
          g_array_append_val (body, ring);
        }
    }

  if (cap_start > 0)
    {
      PxStudioRing *first = &g_array_index (body, PxStudioRing, 0);
      vec3 outward;
      g_autoptr(GArray) cap = g_array_new (FALSE, FALSE, sizeof (PxStudioRing));

      glm_vec3_cross ((float *) first->side, (float *) first->front, outward);
      glm_vec3_negate (outward);
      append_cap (cap, first, outward, cap_start * first->rx, -1, 4);
      for (guint c = cap->len; c > 0; c--)
        g_array_append_val (rings, g_array_index (cap, PxStudioRing, c - 1));
    }
  g_array_append_vals (rings, body->data, body->len);
  if (cap_end > 0)
    {
      PxStudioRing *end = &g_array_index (body, PxStudioRing, body->len - 1);
      vec3 outward;

      glm_vec3_cross ((float *) end->side, (float *) end->front, outward);
      append_cap (rings, end, outward, cap_end * end->rx, 1, 4);
    }

  px_studio_mesh_add_sweep (mesh, (PxStudioRing *) rings->data, rings->len, segments,
                            PX_STUDIO_SWEEP_METRIC_U, NULL, NULL);
}

/* ---- the head ----------------------------------------------------------- */

static float
smoothstep (float edge0,
            float edge1,
            float x)
{
  float t = CLAMP ((x - edge0) / (edge1 - edge0), 0.0f, 1.0f);

  return t * t * (3 - 2 * t);
}

static float
bump (float dx,
      float dy,
      float sx,
      float sy)
{
  return expf (-0.5f * ((dx * dx) / (sx * sx) + (dy * dy) / (sy * sy)));
}

static float
hairline (float u)
{
  return 0.56f + 0.23f * cosf (2 * (float) G_PI * (u - 0.5f))
         + 0.006f * sinf (14 * (float) G_PI * u);
}

/* 1 where the scalp carries hair: the hairline runs from the forehead
 * down over the ears to the nape. */
static float
hair_mask (float u,
           float v)
{
  float line = hairline (u);

  return smoothstep (line - 0.012f, line + 0.012f, v);
}

/* The hair thickens gradually past the hairline, so the crown stays round. */
static float
hair_thickness (float u,
                float v)
{
  float line = hairline (u);

  return HAIR_DEPTH * smoothstep (line - 0.01f, line + 0.2f, v);
}

/* The face in metres: du across (at the front), dv up from the chin. */
static float
face_relief (float du,
             float dv)
{
  float relief = 0;
  float nose_along;

  /* Nose: rises steeply from its base to the tip, then falls along the bridge. */
  if (dv > 0.058f && dv < 0.120f)
    {
      if (dv < 0.080f)
        nose_along = 0.022f * smoothstep (0.058f, 0.082f, dv);
      else
        nose_along = 0.022f - 0.016f * (dv - 0.080f) / 0.040f;
      relief += nose_along * bump (du, 0, dv < 0.085f ? 0.010f : 0.006f, 1);
    }
  relief -= 0.005f * (bump (du - 0.032f, dv - 0.116f, 0.013f, 0.009f)
                      + bump (du + 0.032f, dv - 0.116f, 0.013f, 0.009f));
  relief += 0.0025f * (bump (du - 0.032f, dv - 0.115f, 0.008f, 0.005f)
                       + bump (du + 0.032f, dv - 0.115f, 0.008f, 0.005f));
  relief += 0.004f * bump (du, dv - 0.132f, 0.045f, 0.007f);
  relief += 0.004f * bump (du, dv - 0.052f, 0.020f, 0.008f);
  relief += 0.005f * bump (du, dv - 0.015f, 0.016f, 0.012f);
  relief += 0.003f * (bump (du - 0.050f, dv - 0.095f, 0.015f, 0.012f)
                      + bump (du + 0.050f, dv - 0.095f, 0.015f, 0.012f));
  return relief;
}

static float
head_displace_cb (float    u,
                  float    v,
                  gpointer user_data)
{
  /* About half a metre around the face: close enough for relief sizes. */
  float du = (u - 0.5f) * 0.50f;
  float dv = v * HEAD_LENGTH;
  float relief = fabsf (du) < 0.09f ? face_relief (du, dv) : 0;

  return relief + hair_thickness (u, v);
}

static void
head_section (float  v,
              float *rx,
              float *rz_front,
              float *rz_back,
              float *offset)
{
  float y = HEAD_BOTTOM + v * HEAD_LENGTH;
  float centre = 0.065f, semi = HEAD_BOTTOM + HEAD_LENGTH - centre;
  float round;

  if (y >= centre)
    {
      float e = sqrtf (MAX (0, 1 - powf ((y - centre) / semi, 2)));

      *rx = 0.076f * e;
      *rz_front = 0.090f * e;
      *rz_back = 0.102f * e;
      *offset = 0;
    }
  else
    {
      float t = (centre - y) / (centre - HEAD_BOTTOM);

      *rx = 0.076f * (1 - 0.15f * t - 0.35f * t * t);
      *rz_front = 0.090f + 0.004f * t;
      *rz_back = 0.102f * (1 - 0.55f * t);
      *offset = 0.008f * t;
    }
  /* A rounded chin. */
  round = sqrtf (MAX (0, 1 - powf (MAX (0, HEAD_BOTTOM + 0.022f - y) / 0.022f, 2)));
  *rx *= round;
  *rz_front *= sqrtf (round);
  *rz_back *= round;
}

static void
add_head (PxStudioMesh *mesh,
          const Pose   *pose,
          Landmarks    *landmarks)
{
  PxStudioRing rings[HEAD_RINGS + 1];
  vec3 side, front;
  guint first = mesh->vertices->len;

  glm_mat3_mulv ((vec3 *) pose->head, (vec3) { -1, 0, 0 }, side);
  glm_mat3_mulv ((vec3 *) pose->head, (vec3) { 0, 0, 1 }, front);

  for (guint i = 0; i <= HEAD_RINGS; i++)
    {
      float v = (float) i / HEAD_RINGS, offset;
      PxStudioRing *ring = &rings[i];
      vec3 centre;

      head_section (v, &ring->rx, &ring->rz_front, &ring->rz_back, &offset);
      place ((float *) pose->head_pivot, (vec3 *) pose->head, 0, HEAD_BOTTOM + v * HEAD_LENGTH,
             offset, centre);
      memcpy (ring->center, centre, sizeof ring->center);
      memcpy (ring->side, side, sizeof ring->side);
      memcpy (ring->front, front, sizeof ring->front);
      ring->exponent = 2.2f;
      ring->v = v;
      ring->material = PX_STUDIO_MATERIAL_HEAD;
    }
  px_studio_mesh_add_sweep (mesh, rings, HEAD_RINGS + 1, HEAD_SEGMENTS, 0,
                            head_displace_cb, NULL);

  /* Rings carry HEAD_SEGMENTS + 1 vertices; u = 0.5 is the front. */
  landmarks->nose_tip = first + (guint) (NOSE_TIP_V * HEAD_RINGS + 0.5f) * (HEAD_SEGMENTS + 1)
                        + HEAD_SEGMENTS / 2;
  landmarks->chin = first + 2 * (HEAD_SEGMENTS + 1) + HEAD_SEGMENTS / 2;
  landmarks->head_top = first + HEAD_RINGS * (HEAD_SEGMENTS + 1);

  /* Ears, level with the eyes and the nose. */
  for (int s = 0; s < 2; s++)
    {
      float sign = s == 0 ? -1.0f : 1.0f;
      Knot ear[2] = { 0 };

      for (int k = 0; k < 2; k++)
        {
          place ((float *) pose->head_pivot, (vec3 *) pose->head, sign * 0.071f,
                 0.022f + 0.040f * k, -0.016f, ear[k].position);
          ear[k].rx = 0.010f;
          ear[k].rz_front = 0.012f;
          ear[k].rz_back = 0.016f;
          ear[k].exponent = 2;
          ear[k].material = PX_STUDIO_MATERIAL_SKIN;
        }
      add_tube (mesh, ear, 2, side, 4, 12, 1.0f, 1.2f);
    }
}

/* ---- the body ------------------------------------------------------------ */

static void
add_torso (PxStudioMesh *mesh,
           const Pose   *pose,
           Landmarks    *landmarks)
{
  /* height, half width, front, back, squareness, material */
  static const float sections[][5] = {
    { 0.80f, 0.120f, 0.075f, 0.085f, 2.2f },
    { 0.86f, 0.158f, 0.092f, 0.108f, 2.4f },
    { 0.93f, 0.170f, 0.098f, 0.118f, 2.5f },
    { 0.985f, 0.160f, 0.096f, 0.106f, 2.5f },
    { 1.015f, 0.157f, 0.096f, 0.103f, 2.5f },
    { 1.10f, 0.150f, 0.098f, 0.095f, 2.5f },
    { 1.20f, 0.158f, 0.110f, 0.097f, 2.6f },
    { 1.29f, 0.176f, 0.118f, 0.100f, 2.7f },
    { 1.36f, 0.190f, 0.108f, 0.100f, 2.9f },
    { 1.41f, 0.186f, 0.084f, 0.090f, 3.2f },
    { 1.445f, 0.135f, 0.068f, 0.074f, 2.6f },
    { 1.47f, 0.070f, 0.055f, 0.060f, 2.2f },
  };
  Knot knots[G_N_ELEMENTS (sections)];
  guint first = mesh->vertices->len;

  for (guint i = 0; i < G_N_ELEMENTS (sections); i++)
    {
      float y = sections[i][0];
      float chest = (y > 1.15f && y < 1.42f) ? 1 : 0;

      place ((float *) pose->pelvis, (vec3 *) pose->torso, 0, y - 0.95f, 0, knots[i].position);
      knots[i].rx = sections[i][1] * (1 + 0.008f * chest * pose->breath);
      knots[i].rz_front = sections[i][2] * (1 + 0.025f * chest * pose->breath);
      knots[i].rz_back = sections[i][3];
      knots[i].exponent = sections[i][4];
      knots[i].material = y < 0.98f ? PX_STUDIO_MATERIAL_TROUSERS
                          : y < 1.01f ? PX_STUDIO_MATERIAL_BELT : PX_STUDIO_MATERIAL_SHIRT;
    }
  {
    vec3 side;

    glm_mat3_mulv ((vec3 *) pose->torso, (vec3) { -1, 0, 0 }, side);
    add_tube (mesh, knots, G_N_ELEMENTS (sections), side, 6, 48, 0.5f, 0.4f);
  }
  /* Ring 7 · 6 steps + 4 cap rings: the chest at 1.29 m, its front vertex. */
  landmarks->chest = first + (4 + 7 * 6) * 49 + 24;

  /* Neck and collar. */
  {
    Knot neck[3] = { 0 };
    Knot collar[2] = { 0 };
    vec3 side;

    glm_mat3_mulv ((vec3 *) pose->torso, (vec3) { -1, 0, 0 }, side);
    glm_vec3_copy ((float *) pose->neck_base, neck[0].position);
    glm_vec3_lerp ((float *) pose->neck_base, (float *) pose->head_pivot, 0.5f,
                   neck[1].position);
    place ((float *) pose->head_pivot, (vec3 *) pose->head, 0, 0.02f, -0.01f, neck[2].position);
    for (int k = 0; k < 3; k++)
      {
        neck[k].rx = 0.058f - 0.004f * k;
        neck[k].rz_front = 0.054f - 0.003f * k;
        neck[k].rz_back = 0.056f;
        neck[k].exponent = 2;
        neck[k].material = PX_STUDIO_MATERIAL_SKIN;
      }
    add_tube (mesh, neck, 3, side, 4, 24, 0, 0);

    for (int k = 0; k < 2; k++)
      {
        place ((float *) pose->neck_base, (vec3 *) pose->torso, 0, -0.01f + 0.045f * k,
               0.004f * k, collar[k].position);
        collar[k].rx = 0.075f - 0.010f * k;
        collar[k].rz_front = 0.068f - 0.010f * k;
        collar[k].rz_back = 0.068f - 0.006f * k;
        collar[k].exponent = 2;
        collar[k].material = PX_STUDIO_MATERIAL_SHIRT;
      }
    add_tube (mesh, collar, 2, side, 3, 32, 0, 0);
  }
}

/* A cross-section along a limb: where (a fraction of the bone chain),
 * how wide, how deep, and what covers it. */
typedef struct
{
  float at;
  float rx;
  float rz;
  PxStudioMaterial material;
} Section;

/* A finger: its knuckle across the palm, its length, how far it curls. */
typedef struct
{
  float across;
  float length;
  float radius;
  float curl;
} Finger;

static void
add_hand (PxStudioMesh *mesh,
          const Pose   *pose,
          int           side,
          Landmarks    *landmarks)
{
  static const float palm[][3] = {
    /* along from the wrist, half width, half thickness */
    { -0.010f, 0.026f, 0.021f },
    { 0.030f, 0.040f, 0.017f },
    { 0.075f, 0.043f, 0.014f },
    { 0.098f, 0.041f, 0.012f },
  };
  static const Finger fingers[] = {
    { 0.028f, 0.074f, 0.0085f, 0.020f },   /* index, beside the thumb */
    { 0.009f, 0.082f, 0.0088f, 0.024f },
    { -0.010f, 0.077f, 0.0085f, 0.026f },
    { -0.028f, 0.062f, 0.0075f, 0.028f },  /* little finger */
  };
  Knot knots[G_N_ELEMENTS (palm)];
  Knot thumb[3] = { 0 };
  vec3 along, width_axis, thickness, palm_side, thumb_axis;

  glm_mat3_mulv ((vec3 *) pose->hand[side], (vec3) { 0, -1, 0 }, along);
  glm_mat3_mulv ((vec3 *) pose->hand[side], (vec3) { 0, 0, 1 }, width_axis);
  glm_vec3_cross (along, width_axis, thickness);
  /* The palm faces the body on both sides. */
  glm_vec3_scale (thickness, side == 0 ? -1.0f : 1.0f, palm_side);
  glm_vec3_negate_to (palm_side, thumb_axis);

  for (guint i = 0; i < G_N_ELEMENTS (palm); i++)
    {
      glm_vec3_copy ((float *) pose->wrist[side], knots[i].position);
      glm_vec3_muladds (along, palm[i][0], knots[i].position);
      knots[i].rx = palm[i][1];
      knots[i].rz_front = knots[i].rz_back = palm[i][2];
      knots[i].exponent = 2.4f;
      knots[i].material = PX_STUDIO_MATERIAL_SKIN;
    }
  add_tube (mesh, knots, G_N_ELEMENTS (palm), width_axis, 3, 16, 0, 0.5f);

  /* Fingers, relaxed: each bends a little towards the palm. */
  for (guint f = 0; f < G_N_ELEMENTS (fingers); f++)
    {
      Knot finger[3] = { 0 };

      for (int k = 0; k < 3; k++)
        {
          float reach = fingers[f].length * (k == 0 ? 0 : k == 1 ? 0.5f : 0.92f);

          glm_vec3_copy ((float *) pose->wrist[side], finger[k].position);
          glm_vec3_muladds (along, 0.088f + reach, finger[k].position);
          glm_vec3_muladds (width_axis, fingers[f].across, finger[k].position);
          glm_vec3_muladds (palm_side, fingers[f].curl * (k == 0 ? 0 : k == 1 ? 0.25f : 1.0f),
                            finger[k].position);
          finger[k].rx = fingers[f].radius * (1 - 0.12f * k);
          finger[k].rz_front = finger[k].rz_back = finger[k].rx * 0.9f;
          finger[k].exponent = 2;
          finger[k].material = PX_STUDIO_MATERIAL_SKIN;
        }
      add_tube (mesh, finger, 3, width_axis, 3, 10, 0, 1.0f);
      if (side == 0 && f == 1)
        landmarks->hand_tip = mesh->vertices->len - 1;
    }

  for (int k = 0; k < 3; k++)
    {
      glm_vec3_copy ((float *) pose->wrist[side], thumb[k].position);
      glm_vec3_muladds (along, 0.025f + 0.03f * k, thumb[k].position);
      glm_vec3_muladds (width_axis, 0.034f + 0.014f * k, thumb[k].position);
      glm_vec3_muladds (thumb_axis, 0.004f * k, thumb[k].position);
      thumb[k].rx = thumb[k].rz_front = thumb[k].rz_back = 0.012f - 0.0015f * k;
      thumb[k].exponent = 2;
      thumb[k].material = PX_STUDIO_MATERIAL_SKIN;
    }
  add_tube (mesh, thumb, 3, thumb_axis, 3, 12, 0.6f, 1.0f);
}

static void
add_arm (PxStudioMesh *mesh,
         const Pose   *pose,
         int           side,
         Landmarks    *landmarks)
{
  /* From the shoulder (0) to the elbow (1) and on to the wrist (2); a short
   * sleeve ends above the elbow. */
  static const Section sections[] = {
    { 0.00f, 0.056f, 0.058f, PX_STUDIO_MATERIAL_SHIRT },
    { 0.35f, 0.052f, 0.052f, PX_STUDIO_MATERIAL_SHIRT },
    { 0.55f, 0.050f, 0.050f, PX_STUDIO_MATERIAL_SHIRT },
    { 0.57f, 0.041f, 0.043f, PX_STUDIO_MATERIAL_SKIN },
    { 1.00f, 0.036f, 0.040f, PX_STUDIO_MATERIAL_SKIN },
    { 1.30f, 0.040f, 0.037f, PX_STUDIO_MATERIAL_SKIN },
    { 2.00f, 0.028f, 0.022f, PX_STUDIO_MATERIAL_SKIN },
  };
  Knot knots[G_N_ELEMENTS (sections)];
  vec3 side_hint;

  for (guint i = 0; i < G_N_ELEMENTS (sections); i++)
    {
      float f = sections[i].at;

      if (f <= 1)
        glm_vec3_lerp ((float *) pose->shoulder[side], (float *) pose->elbow[side], f,
                       knots[i].position);
      else
        glm_vec3_lerp ((float *) pose->elbow[side], (float *) pose->wrist[side], f - 1,
                       knots[i].position);
      knots[i].rx = sections[i].rx;
      knots[i].rz_front = knots[i].rz_back = sections[i].rz;
      knots[i].exponent = 2;
      knots[i].material = sections[i].material;
    }
  glm_mat3_mulv ((vec3 *) pose->upper_arm[side], (vec3) { 1, 0, 0 }, side_hint);
  add_tube (mesh, knots, G_N_ELEMENTS (sections), side_hint, 5, 24, 1.0f, 0.6f);
  add_hand (mesh, pose, side, landmarks);
}

static void
add_leg (PxStudioMesh *mesh,
         const Pose   *pose,
         int           side)
{
  float sign = side == 0 ? -1.0f : 1.0f;
  Knot knots[5] = { 0 };
  vec3 top, shin_low;

  glm_vec3_copy ((float *) pose->hip[side], top);
  top[1] += 0.04f;
  glm_vec3_copy (top, knots[0].position);
  glm_vec3_lerp (top, (float *) pose->knee[side], 0.4f, knots[1].position);
  glm_vec3_copy ((float *) pose->knee[side], knots[2].position);
  glm_vec3_lerp ((float *) pose->knee[side], (float *) pose->ankle[side], 0.35f,
                 knots[3].position);
  glm_vec3_copy ((float *) pose->ankle[side], shin_low);
  shin_low[1] += 0.02f;
  glm_vec3_copy (shin_low, knots[4].position);

  {
    static const float radii[][3] = {
      { 0.088f, 0.090f, 0.095f },
      { 0.078f, 0.080f, 0.082f },
      { 0.060f, 0.062f, 0.060f },
      { 0.060f, 0.056f, 0.066f },
      { 0.054f, 0.054f, 0.054f },
    };

    for (int k = 0; k < 5; k++)
      {
        knots[k].rx = radii[k][0];
        knots[k].rz_front = radii[k][1];
        knots[k].rz_back = radii[k][2];
        knots[k].exponent = 2.1f;
        knots[k].material = PX_STUDIO_MATERIAL_TROUSERS;
      }
  }
  add_tube (mesh, knots, 5, (vec3) { 1, 0, 0 }, 7, 32, 0, 0.25f);

  /* The shoe, along +z and turned out a little; its sole lies on y = 0. */
  {
    static const float shoe[][4] = {
      /* z, half width, centre height (= depth down to the sole), height above */
      { -0.085f, 0.032f, 0.040f, 0.034f },
      { -0.055f, 0.042f, 0.045f, 0.050f },
      { 0.000f, 0.046f, 0.045f, 0.055f },
      { 0.060f, 0.050f, 0.036f, 0.030f },
      { 0.125f, 0.050f, 0.029f, 0.020f },
      { 0.175f, 0.040f, 0.025f, 0.016f },
    };
    Knot knots_shoe[G_N_ELEMENTS (shoe)];
    mat3 turn;
    vec3 side_axis;

    rotation (sign * 0.14f, 0, 1, 0, turn);
    glm_mat3_mulv (turn, (vec3) { 1, 0, 0 }, side_axis);
    for (guint i = 0; i < G_N_ELEMENTS (shoe); i++)
      {
        vec3 ankle_floor = { pose->ankle[side][0], 0, pose->ankle[side][2] };

        place (ankle_floor, turn, 0, shoe[i][2], shoe[i][0] + 0.02f, knots_shoe[i].position);
        knots_shoe[i].rx = shoe[i][1];
        knots_shoe[i].rz_front = shoe[i][3];
        knots_shoe[i].rz_back = shoe[i][2];
        knots_shoe[i].exponent = 3.0f;
        knots_shoe[i].material = PX_STUDIO_MATERIAL_SHOES;
      }
    add_tube (mesh, knots_shoe, G_N_ELEMENTS (shoe), side_axis, 4, 24, 0.5f, 0.7f);
  }
}

static void
build (PxStudioPerson *self,
       double          time,
       PxStudioMesh   *mesh,
       Landmarks      *landmarks)
{
  guint first = mesh->vertices->len;
  float scale = (float) (self->height / NOMINAL_HEIGHT);
  Pose pose;

  compute_pose (time, &pose);
  add_torso (mesh, &pose, landmarks);
  add_head (mesh, &pose, landmarks);
  for (int side = 0; side < 2; side++)
    {
      add_arm (mesh, &pose, side, landmarks);
      add_leg (mesh, &pose, side);
    }

  for (guint i = first; i < mesh->vertices->len; i++)
    {
      PxStudioVertex *vertex = &g_array_index (mesh->vertices, PxStudioVertex, i);

      vertex->position[0] *= scale;
      vertex->position[1] *= scale;
      vertex->position[2] *= scale;
    }
}

void
px_studio_person_build (PxStudioPerson *self,
                        double          time,
                        PxStudioMesh   *mesh)
{
  Landmarks landmarks;

  g_return_if_fail (PX_IS_STUDIO_PERSON (self));

  build (self, time, mesh, &landmarks);
}

void
px_studio_person_get_landmark (PxStudioPerson   *self,
                               double            time,
                               PxStudioLandmark  landmark,
                               float             position[3])
{
  g_autoptr(PxStudioMesh) mesh = px_studio_mesh_new ();
  Landmarks landmarks;
  guint index;

  g_return_if_fail (PX_IS_STUDIO_PERSON (self));

  build (self, time, mesh, &landmarks);
  switch (landmark)
    {
    case PX_STUDIO_LANDMARK_HEAD_TOP: index = landmarks.head_top; break;
    case PX_STUDIO_LANDMARK_NOSE_TIP: index = landmarks.nose_tip; break;
    case PX_STUDIO_LANDMARK_CHIN: index = landmarks.chin; break;
    case PX_STUDIO_LANDMARK_RIGHT_HAND: index = landmarks.hand_tip; break;
    case PX_STUDIO_LANDMARK_CHEST: index = landmarks.chest; break;
    default: g_return_if_reached ();
    }
  memcpy (position, g_array_index (mesh->vertices, PxStudioVertex, index).position,
          3 * sizeof (float));
}

static void
mix (float       *colour,
     const float  other[3],
     float        amount)
{
  for (int k = 0; k < 3; k++)
    colour[k] += (other[k] - colour[k]) * amount;
}

static float
ellipse_inside (float dx,
                float dy,
                float rx,
                float ry,
                float softness)
{
  float d = sqrtf ((dx * dx) / (rx * rx) + (dy * dy) / (ry * ry));

  return 1 - smoothstep (1 - softness, 1 + softness, d);
}

static void
paint_face (const PxStudioAppearance *look,
            float                     du,
            float                     dv,
            float                    *colour)
{
  static const float white[3] = { 0.78f, 0.76f, 0.72f };
  static const float pupil[3] = { 0.01f, 0.01f, 0.01f };
  float adu = fabsf (du);
  float blush[3] = { look->skin[0] * 1.15f, look->skin[1] * 0.85f, look->skin[2] * 0.85f };
  float shade[3] = { look->skin[0] * 0.55f, look->skin[1] * 0.45f, look->skin[2] * 0.45f };
  float lash[3] = { look->hair[0] * 0.5f, look->hair[1] * 0.5f, look->hair[2] * 0.5f };
  float eye_dx = adu - 0.032f, eye_dy = dv - 0.116f;
  float brow_y, eye, lid;

  mix (colour, blush, 0.35f * bump (adu - 0.047f, dv - 0.080f, 0.016f, 0.014f));

  /* Eyes: white, iris and pupil, a dark lid line above. */
  eye = ellipse_inside (eye_dx, eye_dy + 0.0006f * (eye_dx / 0.013f) * (eye_dx / 0.013f),
                        0.0135f, 0.0058f, 0.12f);
  if (eye > 0)
    {
      float iris[3];

      memcpy (iris, white, sizeof iris);
      mix (iris, look->iris, ellipse_inside (eye_dx, eye_dy, 0.0056f, 0.0056f, 0.1f));
      mix (iris, pupil, ellipse_inside (eye_dx, eye_dy, 0.0024f, 0.0024f, 0.15f));
      mix (colour, iris, eye);
    }
  lid = bump (0, eye_dy - 0.0062f + 0.004f * (eye_dx / 0.014f) * (eye_dx / 0.014f),
              1, 0.0011f) * (adu > 0.016f && adu < 0.048f ? 1.0f : 0.0f);
  mix (colour, lash, 0.85f * lid);
  mix (colour, shade, 0.18f * bump (eye_dx, eye_dy - 0.008f, 0.012f, 0.004f));

  /* Brows, arched. */
  brow_y = 0.133f + 0.005f * (1 - powf ((adu - 0.034f) / 0.022f, 2));
  if (adu > 0.012f && adu < 0.058f)
    mix (colour, look->hair, 0.9f * bump (0, dv - brow_y, 1, 0.0024f)
                             * smoothstep (0.012f, 0.018f, adu)
                             * (1 - smoothstep (0.050f, 0.058f, adu)));

  /* Nostrils and the mouth. */
  mix (colour, shade, 0.35f * (bump (du - 0.008f, dv - 0.072f, 0.0025f, 0.0015f)
                               + bump (du + 0.008f, dv - 0.072f, 0.0025f, 0.0015f)));
  mix (colour, look->lips, ellipse_inside (du, dv - 0.052f, 0.025f, 0.0085f, 0.25f));
  mix (colour, shade, 0.8f * bump (0, dv - 0.052f - 0.002f * (du / 0.025f) * (du / 0.025f),
                                   1, 0.0009f) * (1 - smoothstep (0.020f, 0.027f, adu)));
}

void
px_studio_person_paint_head (PxStudioPerson *self,
                             float          *rgb,
                             guint           width,
                             guint           height)
{
  const PxStudioAppearance *look = &self->appearance;

  g_return_if_fail (PX_IS_STUDIO_PERSON (self));

  for (guint y = 0; y < height; y++)
    for (guint x = 0; x < width; x++)
      {
        float u = (x + 0.5f) / width, v = (y + 0.5f) / height;
        float du = (u - 0.5f) * 0.50f, dv = v * HEAD_LENGTH;
        float *colour = rgb + 3 * ((gsize) y * width + x);
        float pores = 0.94f + 0.12f * px_studio_fbm (u * 64, v * 32, 64, 3, 11);
        float hair = hair_mask (u, v);
        float strands = 0.55f + 0.9f * px_studio_fbm (u * 256, v * 16, 256, 3, 23);

        for (int k = 0; k < 3; k++)
          colour[k] = look->skin[k] * pores;
        if (fabsf (du) < 0.09f)
          paint_face (look, du, dv, colour);
        for (int k = 0; k < 3; k++)
          colour[k] += (look->hair[k] * strands - colour[k]) * hair;
      }
}
