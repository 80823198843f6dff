/* px-studio-texture.c: procedural textures of the studio's materials
 *
 * Every texture is generated once, tileable, in linear light. Patterns are
 * kept coarser than a few millimetres so that at the studio's distances they
 * do not alias, and rich enough for a stereo matcher to lock on.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "studio/px-studio-texture.h"

static inline guint32
hash2 (guint32 x,
       guint32 y,
       guint32 seed)
{
  guint32 h = x * 0x8da6b343u ^ y * 0xd8163841u ^ seed * 0xcb1ab31fu;

  h ^= h >> 16;
  h *= 0x7feb352du;
  h ^= h >> 15;
  h *= 0x846ca68bu;
  h ^= h >> 16;
  return h;
}

float
px_studio_noise (float   x,
                 float   y,
                 guint   period,
                 guint32 seed)
{
  float fx = floorf (x), fy = floorf (y);
  float tx = x - fx, ty = y - fy;
  guint32 x0 = (guint32) ((gint64) fx % period + period) % period;
  guint32 y0 = (guint32) ((gint64) fy % period + period) % period;
  guint32 x1 = (x0 + 1) % period, y1 = (y0 + 1) % period;
  float a = hash2 (x0, y0, seed) / 4294967295.0f;
  float b = hash2 (x1, y0, seed) / 4294967295.0f;
  float c = hash2 (x0, y1, seed) / 4294967295.0f;
  float d = hash2 (x1, y1, seed) / 4294967295.0f;

  tx = tx * tx * (3 - 2 * tx);
  ty = ty * ty * (3 - 2 * ty);
  return (a + (b - a) * tx) + ((c + (d - c) * tx) - (a + (b - a) * tx)) * ty;
}

float
px_studio_fbm (float   x,
               float   y,
               guint   period,
               guint   octaves,
               guint32 seed)
{
  float sum = 0, weight = 0, amplitude = 1;

  for (guint o = 0; o < octaves; o++)
    {
      sum += amplitude * px_studio_noise (x, y, period, seed + o * 101);
      weight += amplitude;
      amplitude *= 0.5f;
      x *= 2;
      y *= 2;
      period *= 2;
    }
  return sum / weight;
}

static void
texture_init (PxStudioTexture *texture,
              guint            width,
              guint            height,
              float            size_u,
              float            size_v)
{
  /* Sampling wraps with masks. */
  g_assert ((width & (width - 1)) == 0 && (height & (height - 1)) == 0);

  texture->width = width;
  texture->height = height;
  texture->size_u = size_u;
  texture->size_v = size_v;
  texture->rgb = g_new (float, 3 * (gsize) width * height);
}

static void
set_texel (PxStudioTexture *texture,
           guint            x,
           guint            y,
           const float      colour[3],
           float            brightness)
{
  float *texel = texture->rgb + 3 * ((gsize) y * texture->width + x);

  for (int k = 0; k < 3; k++)
    texel[k] = MAX (0.0f, colour[k] * brightness);
}

static float
smooth_band (float x,
             float centre,
             float half_width,
             float soft)
{
  float d = fabsf (x - centre);

  if (d >= half_width + soft)
    return 0;
  if (d <= half_width - soft)
    return 1;
  return 1 - (d - (half_width - soft)) / (2 * soft);
}

/* Wallpaper: a lattice of soft lozenges over a mottled ground. */
static void
make_wall (PxStudioTexture *texture,
           guint32          seed)
{
  static const float ground[3] = { 0.42f, 0.36f, 0.28f };
  static const float motif[3] = { 0.24f, 0.22f, 0.20f };

  texture_init (texture, 512, 512, 1.0f, 1.0f);
  for (guint y = 0; y < texture->height; y++)
    for (guint x = 0; x < texture->width; x++)
      {
        float u = (float) x / texture->width, v = (float) y / texture->height;
        float cu = u * 8, cv = v * 8;
        float du = fabsf (cu - floorf (cu) - 0.5f), dv = fabsf (cv - floorf (cv) - 0.5f);
        float diamond = du + dv;
        float line = smooth_band (diamond, 0.36f, 0.025f, 0.02f)
                     + 0.6f * smooth_band (diamond, 0.12f, 0.04f, 0.03f);
        float mottle = px_studio_fbm (u * 16, v * 16, 16, 4, seed);
        float colour[3];

        memcpy (colour, ground, sizeof colour);
        for (int k = 0; k < 3; k++)
          colour[k] += (motif[k] - colour[k]) * MIN (line, 1.0f);
        set_texel (texture, x, y, colour, 0.80f + 0.40f * mottle);
      }
}

static void
make_skirting (PxStudioTexture *texture,
               guint32          seed)
{
  static const float paint[3] = { 0.70f, 0.69f, 0.66f };

  texture_init (texture, 256, 32, 1.0f, 0.125f);
  for (guint y = 0; y < texture->height; y++)
    for (guint x = 0; x < texture->width; x++)
      {
        float groove = y < 4 || (y > 24 && y < 27) ? 0.75f : 1.0f;

        set_texel (texture, x, y, paint,
                   groove * (0.92f + 0.1f * px_studio_fbm (x / 16.0f, y / 4.0f, 16, 3, seed)));
      }
}

/* Oak boards along x, 0.15 m wide, with staggered ends and grain. */
static void
make_floor (PxStudioTexture *texture,
            guint32          seed)
{
  static const float wood[3] = { 0.36f, 0.20f, 0.09f };

  texture_init (texture, 512, 512, 1.2f, 1.2f);
  for (guint y = 0; y < texture->height; y++)
    for (guint x = 0; x < texture->width; x++)
      {
        float u = (float) x / texture->width, v = (float) y / texture->height;
        guint board = (guint) (v * 8);
        float along = u + (hash2 (board, 7, seed) % 1000) / 1000.0f;
        float end = along - floorf (along);
        float tone = 0.75f + 0.5f * (hash2 (board, (guint) floorf (along), seed) % 1000) / 1000.0f;
        float grain = px_studio_fbm (u * 8, v * 128, 8, 4, seed + 5);
        float streak = 0.5f + 0.5f * sinf (v * 8 * 40 + 12 * grain);
        float seam = (fmodf (v * 8, 1.0f) < 0.02f || end < 0.004f) ? 0.45f : 1.0f;

        set_texel (texture, x, y, wood, seam * tone * (0.75f + 0.2f * streak + 0.2f * grain));
      }
}

static void
make_skin (PxStudioTexture          *texture,
           const PxStudioAppearance *look)
{
  texture_init (texture, 128, 128, 0.08f, 0.08f);
  for (guint y = 0; y < texture->height; y++)
    for (guint x = 0; x < texture->width; x++)
      {
        float n = px_studio_fbm (x / 16.0f, y / 16.0f, 8, 3, 31);
        float colour[3] = { look->skin[0] * (1.0f + 0.06f * n), look->skin[1], look->skin[2] };

        set_texel (texture, x, y, colour, 0.94f + 0.10f * n);
      }
}

/* A checked shirt: broad bands both ways, thin contrasting lines, a twill. */
static void
make_shirt (PxStudioTexture          *texture,
            const PxStudioAppearance *look)
{
  const float period = 0.06f;

  texture_init (texture, 256, 256, 0.24f, 0.24f);
  for (guint y = 0; y < texture->height; y++)
    for (guint x = 0; x < texture->width; x++)
      {
        float u = 0.24f * x / texture->width, v = 0.24f * y / texture->height;
        float pu = fmodf (u, period), pv = fmodf (v, period);
        float band_u = smooth_band (pu, 0.015f, 0.011f, 0.001f);
        float band_v = smooth_band (pv, 0.015f, 0.011f, 0.001f);
        float line = MAX (smooth_band (pu, 0.042f, 0.0018f, 0.0008f),
                          smooth_band (pv, 0.042f, 0.0018f, 0.0008f));
        float twill = 0.5f + 0.5f * sinf ((x + y) * 2 * (float) G_PI / 4.0f);
        float colour[3];

        memcpy (colour, look->shirt[0], sizeof colour);
        for (int k = 0; k < 3; k++)
          {
            colour[k] += (look->shirt[1][k] - colour[k]) * 0.5f * (band_u + band_v);
            colour[k] += (look->shirt[2][k] - colour[k]) * line;
          }
        set_texel (texture, x, y, colour,
                   0.92f + 0.06f * twill + 0.08f * px_studio_fbm (x / 8.0f, y / 8.0f, 32, 2, 41));
      }
}

/* Denim: mottled, with a diagonal twill. */
static void
make_trousers (PxStudioTexture          *texture,
               const PxStudioAppearance *look)
{
  texture_init (texture, 128, 128, 0.10f, 0.10f);
  for (guint y = 0; y < texture->height; y++)
    for (guint x = 0; x < texture->width; x++)
      {
        float mottle = px_studio_fbm (x / 16.0f, y / 32.0f, 8, 4, 51);
        float twill = 0.5f + 0.5f * sinf ((x - 2.0f * y) * 2 * (float) G_PI / 6.0f);
        float fleck = px_studio_noise (x / 2.0f, y / 2.0f, 64, 53) > 0.85f ? 1.3f : 1.0f;

        set_texel (texture, x, y, look->trousers,
                   fleck * (0.70f + 0.45f * mottle + 0.12f * twill));
      }
}

static void
make_leather (PxStudioTexture *texture,
              const float      colour[3],
              float            size,
              guint32          seed)
{
  texture_init (texture, 128, 128, size, size);
  for (guint y = 0; y < texture->height; y++)
    for (guint x = 0; x < texture->width; x++)
      set_texel (texture, x, y, colour,
                 0.7f + 0.6f * px_studio_fbm (x / 8.0f, y / 8.0f, 16, 4, seed));
}

PxStudioTextureSet *
px_studio_texture_set_new (PxStudioPerson *person,
                           guint64         seed)
{
  PxStudioTextureSet *self = g_new0 (PxStudioTextureSet, 1);
  const PxStudioAppearance *look = px_studio_person_get_appearance (person);
  guint32 room_seed = (guint32) (seed * 2654435761u) ^ 0x5eed;
  PxStudioTexture *head = &self->materials[PX_STUDIO_MATERIAL_HEAD];

  make_wall (&self->materials[PX_STUDIO_MATERIAL_WALL], room_seed);
  make_skirting (&self->materials[PX_STUDIO_MATERIAL_SKIRTING], room_seed);
  make_floor (&self->materials[PX_STUDIO_MATERIAL_FLOOR], room_seed);
  make_skin (&self->materials[PX_STUDIO_MATERIAL_SKIN], look);
  texture_init (head, 512, 256, 0, 0);
  px_studio_person_paint_head (person, head->rgb, head->width, head->height);
  make_shirt (&self->materials[PX_STUDIO_MATERIAL_SHIRT], look);
  make_trousers (&self->materials[PX_STUDIO_MATERIAL_TROUSERS], look);
  make_leather (&self->materials[PX_STUDIO_MATERIAL_BELT], look->belt, 0.05f, 61);
  make_leather (&self->materials[PX_STUDIO_MATERIAL_SHOES], look->shoes, 0.08f, 67);
  return self;
}

void
px_studio_texture_set_free (PxStudioTextureSet *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < PX_STUDIO_N_MATERIALS; i++)
    g_free (self->materials[i].rgb);
  g_free (self);
}
