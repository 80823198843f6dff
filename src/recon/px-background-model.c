/* px-background-model.c: what a camera sees of the empty studio
 *
 * Learned from frames without anyone in the room: per cell of the depth
 * grid, the mean depth seen and the mean and spread of the colour. In a
 * later frame a cell is a candidate when its colour differs from the
 * room's (more than the room's own noise, and not merely darker, as in
 * the person's shadow), and a seed when its depth also lies nearer than
 * the room's, by a margin that grows with the square of the depth as
 * stereo error does. A connected region of candidates is the person when
 * enough of it are seeds: colour draws the edges, which stereo matching
 * fattens, and depth vouches for the region, which colour alone would not
 * (a patch of changed light on the wall). Small islands go, small
 * enclosed gaps are filled (where a garment happens to match the wall),
 * and depth stays only on the seeds.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "px-background-model.h"
#include "px-recon-error.h"

/* Margin in metres: a constant plus a share of z² (stereo depth error
 * grows with the square of the depth). */
#define MARGIN_BASE 0.03
#define MARGIN_PER_SQUARE_METRE 0.02
/* Islands of fewer cells than this share of the grid are dropped, and
 * enclosed gaps of fewer are filled. */
#define SPECK_SHARE 0.0003
/* The share of a region whose depth must stand out from the room. */
#define MIN_SEED_SHARE 0.2
/* Cell classes while segmenting. */
#define CANDIDATE 128
#define SEED 255
/* A colour differs from the room's by more than this many grey levels
 * plus three standard deviations of the room's own noise, in some channel. */
#define COLOUR_MARGIN 10.0f
/* The darkest a shadow makes the room, as a share of its brightness. */
#define SHADOW_DARKEST 0.5f

struct _PxBackgroundModel
{
  GObject parent_instance;

  guint width;
  guint height;
  guint frames;
  float *depth_sum;
  guint16 *depth_count;
  float *colour_sum;  /* three channels per cell */
  float *colour_squares;
  /* Derived from the sums when a frame needs them, then kept: per cell
   * the room's depth, and per channel its colour and the margin. */
  gboolean stale;
  float *room_depth;
  float *room_colour;
  float *room_margin;
  gint32 *labels;
  gint32 *stack;
};

G_DEFINE_FINAL_TYPE (PxBackgroundModel, px_background_model, G_TYPE_OBJECT)

static void
px_background_model_finalize (GObject *object)
{
  PxBackgroundModel *self = PX_BACKGROUND_MODEL (object);

  g_free (self->depth_sum);
  g_free (self->depth_count);
  g_free (self->colour_sum);
  g_free (self->colour_squares);
  g_free (self->room_depth);
  g_free (self->room_colour);
  g_free (self->room_margin);
  g_free (self->labels);
  g_free (self->stack);

  G_OBJECT_CLASS (px_background_model_parent_class)->finalize (object);
}

static void
px_background_model_class_init (PxBackgroundModelClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = px_background_model_finalize;
}

static void
px_background_model_init (PxBackgroundModel *self)
{
}

/* A model for depth maps of @width × @height cells. */
PxBackgroundModel *
px_background_model_new (guint width,
                         guint height)
{
  PxBackgroundModel *self;
  gsize cells;

  g_return_val_if_fail (width > 0 && height > 0 && width <= 16384 && height <= 16384, NULL);

  self = g_object_new (PX_TYPE_BACKGROUND_MODEL, NULL);
  self->width = width;
  self->height = height;
  cells = (gsize) width * height;
  self->depth_sum = g_new0 (float, cells);
  self->depth_count = g_new0 (guint16, cells);
  self->colour_sum = g_new0 (float, 3 * cells);
  self->colour_squares = g_new0 (float, 3 * cells);
  self->room_depth = g_new (float, cells);
  self->room_colour = g_new (float, 3 * cells);
  self->room_margin = g_new (float, 3 * cells);
  self->labels = g_new (gint32, cells);
  self->stack = g_new (gint32, cells);
  return self;
}

guint
px_background_model_get_n_frames (PxBackgroundModel *self)
{
  g_return_val_if_fail (PX_IS_BACKGROUND_MODEL (self), 0);
  return self->frames;
}

static gboolean
check_image (PxBackgroundModel  *self,
             const guint8       *image,
             guint               image_width,
             guint               image_height,
             gsize               stride,
             guint               channels,
             guint               step,
             GError            **error)
{
  if (image == NULL || channels < 1 || channels > 4 || step < 1 || step > 64
      || image_width == 0 || image_height == 0
      || (image_width + step - 1) / step != self->width || (image_height + step - 1) / step != self->height
      || stride < (gsize) image_width * channels)
    {
      g_set_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT,
                   "The image does not cover a grid of %u×%u cells of %u pixels",
                   self->width, self->height, step);
      return FALSE;
    }
  return TRUE;
}

/* The colour at the centre of cell (@x, @y), grey repeated if need be. */
static inline void
cell_colour (const guint8 *image,
             guint         image_width,
             guint         image_height,
             gsize         stride,
             guint         channels,
             guint         step,
             guint         x,
             guint         y,
             float         colour[3])
{
  guint u = MIN (x * step + step / 2, image_width - 1);
  guint v = MIN (y * step + step / 2, image_height - 1);
  const guint8 *p = image + (gsize) v * stride + (gsize) u * channels;

  for (int c = 0; c < 3; c++)
    colour[c] = p[channels >= 3 ? c : 0];
}

/* Adds a frame of the empty studio: the left camera's depth grid and its
 * image (@channels bytes a pixel, @step pixels a cell: the grid the
 * reconstruction makes of an image of that size). */
gboolean
px_background_model_learn (PxBackgroundModel  *self,
                           const float        *depth,
                           const guint8       *image,
                           guint               image_width,
                           guint               image_height,
                           gsize               stride,
                           guint               channels,
                           guint               step,
                           GError            **error)
{
  g_return_val_if_fail (PX_IS_BACKGROUND_MODEL (self), FALSE);
  g_return_val_if_fail (depth != NULL, FALSE);

  if (!check_image (self, image, image_width, image_height, stride, channels, step, error))
    return FALSE;
  if (self->frames >= G_MAXUINT16)
    return TRUE;
  for (guint y = 0; y < self->height; y++)
    for (guint x = 0; x < self->width; x++)
      {
        gsize i = (gsize) y * self->width + x;
        float colour[3];

        if (isfinite (depth[i]) && depth[i] > 0)
          {
            self->depth_sum[i] += depth[i];
            self->depth_count[i]++;
          }
        cell_colour (image, image_width, image_height, stride, channels, step, x, y, colour);
        for (int c = 0; c < 3; c++)
          {
            self->colour_sum[3 * i + c] += colour[c];
            self->colour_squares[3 * i + c] += colour[c] * colour[c];
          }
      }
  self->frames++;
  self->stale = TRUE;
  return TRUE;
}

static void
update_room (PxBackgroundModel *self)
{
  float n = (float) self->frames;

  for (gsize i = 0; i < (gsize) self->width * self->height; i++)
    {
      self->room_depth[i] = self->depth_count[i] ? self->depth_sum[i] / self->depth_count[i] : INFINITY;
      for (int c = 0; c < 3; c++)
        {
          float mean = self->colour_sum[3 * i + c] / n;
          float variance = MAX (0.0f, self->colour_squares[3 * i + c] / n - mean * mean);

          self->room_colour[3 * i + c] = mean;
          self->room_margin[3 * i + c] = COLOUR_MARGIN + 3.0f * sqrtf (variance);
        }
    }
  self->stale = FALSE;
}

/* Flood-fills the 4-connected region of cells that are, like @start,
 * either all zero or all non-zero in @mask; returns its size, leaves its
 * cells on the stack, and says whether it touches the border of the grid. */
static gsize
flood (PxBackgroundModel *self,
       const guint8      *mask,
       gsize              start,
       gint32             label,
       gboolean          *touches_border)
{
  int width = (int) self->width, height = (int) self->height;
  gsize count = 0, top = 0;
  gboolean set = mask[start] != 0;

  *touches_border = FALSE;
  self->labels[start] = label;
  self->stack[count++] = (gint32) start;
  while (top < count)
    {
      gint32 p = self->stack[top++];
      int x = p % width, y = p / width;
      gint32 neighbours[4] = { x > 0 ? p - 1 : -1, x < width - 1 ? p + 1 : -1,
                               y > 0 ? p - width : -1, y < height - 1 ? p + width : -1 };

      if (x == 0 || y == 0 || x == width - 1 || y == height - 1)
        *touches_border = TRUE;
      for (int i = 0; i < 4; i++)
        {
          gint32 q = neighbours[i];

          if (q < 0 || self->labels[q] != 0 || (mask[q] != 0) != set)
            continue;
          self->labels[q] = label;
          self->stack[count++] = q;
        }
    }
  return count;
}

/* The room darkened by the person's shadow: the same colour, only
 * dimmer. */
static gboolean
is_shadow (const float colour[3],
           const float mean[3],
           const float margin[3])
{
  float brightness = colour[0] + colour[1] + colour[2];
  float room = mean[0] + mean[1] + mean[2];
  float ratio;

  if (!(room > 3 * COLOUR_MARGIN))
    return FALSE;
  ratio = brightness / room;
  if (ratio < SHADOW_DARKEST || ratio > 1.0f)
    return FALSE;
  for (int c = 0; c < 3; c++)
    if (fabsf (colour[c] - ratio * mean[c]) > margin[c] * ratio)
      return FALSE;
  return TRUE;
}

/* Keeps the person: @mask receives 255 on the foreground and 0 elsewhere,
 * and @depth keeps its values only where the mask is set and the depth
 * itself stood out from the room (+inf elsewhere). */
gboolean
px_background_model_segment (PxBackgroundModel  *self,
                             float              *depth,
                             const guint8       *image,
                             guint               image_width,
                             guint               image_height,
                             gsize               stride,
                             guint               channels,
                             guint               step,
                             guint8             *mask,
                             GError            **error)
{
  gsize cells, speck;
  gint32 label = 0;

  g_return_val_if_fail (PX_IS_BACKGROUND_MODEL (self), FALSE);
  g_return_val_if_fail (depth != NULL && mask != NULL, FALSE);

  if (self->frames == 0)
    {
      g_set_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT,
                   "The background model has not seen the empty studio yet");
      return FALSE;
    }
  if (!check_image (self, image, image_width, image_height, stride, channels, step, error))
    return FALSE;

  /* Per cell: CANDIDATE where the colour is not the room's (nor the
   * room's in shadow), SEED where the depth is in front of the room too. */
  if (self->stale)
    update_room (self);
  cells = (gsize) self->width * self->height;
  speck = MAX (1, (gsize) (SPECK_SHARE * cells));
  for (guint y = 0; y < self->height; y++)
    for (guint x = 0; x < self->width; x++)
      {
        gsize i = (gsize) y * self->width + x;
        float z = depth[i];
        float background = self->room_depth[i];
        const float *mean = &self->room_colour[3 * i];
        const float *margin = &self->room_margin[3 * i];
        float colour[3];
        gboolean differs = FALSE;

        mask[i] = 0;
        cell_colour (image, image_width, image_height, stride, channels, step, x, y, colour);
        for (int c = 0; c < 3; c++)
          differs |= fabsf (colour[c] - mean[c]) > margin[c];
        if (!differs || is_shadow (colour, mean, margin))
          continue;
        mask[i] = CANDIDATE;
        if (isfinite (z) && (!isfinite (background)
                             || z < background - (MARGIN_BASE + MARGIN_PER_SQUARE_METRE * z * z)))
          mask[i] = SEED;
      }

  /* A region of candidates is the person when enough of it stands out in
   * depth too: colour draws the edges, which stereo blurs, and depth
   * vouches for the region, which colour alone would not (a lamp turned
   * on). Small islands go; small enclosed gaps are filled. */
  memset (self->labels, 0, cells * sizeof (gint32));
  for (gsize i = 0; i < cells; i++)
    {
      gboolean border;
      gsize count, seeds = 0;
      guint8 value;

      if (self->labels[i] != 0)
        continue;
      count = flood (self, mask, i, ++label, &border);
      if (mask[i] != 0)
        {
          for (gsize k = 0; k < count; k++)
            seeds += mask[self->stack[k]] == SEED;
          value = count >= speck && seeds >= MIN_SEED_SHARE * count ? 255 : 0;
        }
      else
        value = count < speck && !border ? 255 : 0;
      for (gsize k = 0; k < count; k++)
        {
          gsize c = self->stack[k];

          /* Depth stays where it stood out; elsewhere in the person it is
           * not known. */
          if (value != 255 || mask[c] != SEED)
            depth[c] = INFINITY;
          mask[c] = value;
        }
    }
  return TRUE;
}
