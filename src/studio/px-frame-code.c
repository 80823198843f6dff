/* px-frame-code.c: a frame number drawn into the picture and read back
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Card coordinates are in cells: the black frame spans u ∈ [0, 8),
 * v ∈ [0, 6) (v downwards), the data cells u ∈ [1, 7), v ∈ [1, 5), the
 * white margin half a cell around the frame. The reader scores a candidate
 * placement by the worst contrast between margin and frame samples, so a
 * placement is only taken when every part of the frame is clearly darker
 * than every part of the margin.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "px-frame-code.h"

#define FRAME_W (PX_FRAME_CODE_DATA_COLUMNS + 2)
#define FRAME_H (PX_FRAME_CODE_DATA_ROWS + 2)
#define MARGIN 0.5
#define N_BITS (PX_FRAME_CODE_DATA_COLUMNS * PX_FRAME_CODE_DATA_ROWS)
/* XORed into the cells so that uniform patches are no valid code. */
#define WHITENING 0x5a3c96u
#define WHITE 225
#define BLACK 30
/* Grey levels a placement needs between its darkest margin sample and its
 * brightest frame sample. */
#define MIN_CONTRAST 24.0

static guint8
crc8 (guint value)
{
  guint8 bytes[2] = { (value >> 8) & 0xff, value & 0xff };
  guint8 crc = 0;

  for (int i = 0; i < 2; i++)
    {
      crc ^= bytes[i];
      for (int k = 0; k < 8; k++)
        crc = (crc & 0x80) ? (guint8) ((crc << 1) ^ 0x07) : (guint8) (crc << 1);
    }
  return crc;
}

static guint32
encode_word (guint value)
{
  value %= PX_FRAME_CODE_MODULO;
  return (((guint32) value << 8) | crc8 (value)) ^ WHITENING;
}

/* A fine pattern printed on the card (4 × 4 dots a cell, in card
 * coordinates, so every camera sees it alike): stereo finds texture inside
 * the cells, and the cells' means stay black or white. */
static int
grain (double u,
       double v)
{
  guint32 h = (guint32) floor ((u + 1) * 4) * 73856093u ^ (guint32) floor ((v + 1) * 4) * 19349663u;

  h ^= h >> 13;
  h *= 0x5bd1e995u;
  h ^= h >> 15;
  return (int) (h % 41) - 20;
}

/* A grey level, or -1 outside the card. */
static int
card_colour (guint32 word,
             double  u,
             double  v)
{
  int column, row, bit;

  if (u < -MARGIN || u >= FRAME_W + MARGIN || v < -MARGIN || v >= FRAME_H + MARGIN)
    return -1;
  if (u < 0 || u >= FRAME_W || v < 0 || v >= FRAME_H)
    return WHITE + grain (u, v);
  column = (int) floor (u);
  row = (int) floor (v);
  if (column == 0 || column == FRAME_W - 1 || row == 0 || row == FRAME_H - 1)
    return BLACK + grain (u, v);
  bit = (row - 1) * PX_FRAME_CODE_DATA_COLUMNS + (column - 1);
  return ((word >> (N_BITS - 1 - bit)) & 1 ? BLACK : WHITE) + grain (u, v);
}

/* The card point (cells) that pixel (@x, @y) of @camera sees, through the
 * card's plane. */
static gboolean
pixel_to_card (const PxStudioCamera *camera,
               const double          center[3],
               double                cell,
               double                x,
               double                y,
               double               *u,
               double               *v)
{
  double origin[3], ahead[3], t;

  px_studio_camera_unproject (camera, x, y, 0, origin);
  px_studio_camera_unproject (camera, x, y, 1, ahead);
  if (fabs (ahead[2] - origin[2]) < 1e-12)
    return FALSE;
  t = (center[2] - origin[2]) / (ahead[2] - origin[2]);
  if (t <= 0)
    return FALSE;
  *u = (origin[0] + t * (ahead[0] - origin[0]) - center[0]) / cell + FRAME_W / 2.0;
  *v = (center[1] - (origin[1] + t * (ahead[1] - origin[1]))) / cell + FRAME_H / 2.0;
  return TRUE;
}

void
px_frame_code_paint (guint                 value,
                     const PxStudioCamera *camera,
                     const double          center[3],
                     double                cell,
                     guint8               *rgb,
                     gsize                 stride,
                     guint                 width,
                     guint                 height,
                     const guint8         *mask)
{
  guint32 word = encode_word (value);
  double min_x = G_MAXDOUBLE, min_y = G_MAXDOUBLE, max_x = -G_MAXDOUBLE, max_y = -G_MAXDOUBLE;
  int x0, y0, x1, y1;

  g_return_if_fail (camera != NULL && center != NULL && rgb != NULL);
  g_return_if_fail (cell > 0);

  /* The card's bounding box in the image. */
  for (int corner = 0; corner < 4; corner++)
    {
      double u = (corner & 1) ? FRAME_W + MARGIN : -MARGIN;
      double v = (corner & 2) ? FRAME_H + MARGIN : -MARGIN;
      double point[3] = {
        center[0] + (u - FRAME_W / 2.0) * cell,
        center[1] - (v - FRAME_H / 2.0) * cell,
        center[2],
      };
      double x, y, z;

      px_studio_camera_project (camera, point, &x, &y, &z);
      if (z <= 0)
        return;
      min_x = MIN (min_x, x);
      min_y = MIN (min_y, y);
      max_x = MAX (max_x, x);
      max_y = MAX (max_y, y);
    }
  x0 = (int) CLAMP (floor (min_x) - 1, 0, (double) width);
  y0 = (int) CLAMP (floor (min_y) - 1, 0, (double) height);
  x1 = (int) CLAMP (ceil (max_x) + 1, 0, (double) width);
  y1 = (int) CLAMP (ceil (max_y) + 1, 0, (double) height);

  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      {
        guint8 *pixel = rgb + (gsize) y * stride + 3 * (gsize) x;
        int sum = 0, inside = 0;

        if (mask != NULL && mask[(gsize) y * width + x] == 0)
          continue;
        /* 2 × 2 samples a pixel keep the cells' edges straight. */
        for (int s = 0; s < 4; s++)
          {
            double u, v;
            int colour;

            if (!pixel_to_card (camera, center, cell, x + 0.25 + 0.5 * (s & 1),
                                y + 0.25 + 0.5 * (s >> 1), &u, &v))
              continue;
            colour = card_colour (word, u, v);
            if (colour < 0)
              continue;
            sum += colour;
            inside++;
          }
        if (inside == 0)
          continue;
        for (int k = 0; k < 3; k++)
          pixel[k] = (guint8) CLAMP ((pixel[k] * (4 - inside) + sum + 2) / 4, 0, 255);
      }
}

void
px_frame_code_paint_studio (PxStudio *studio,
                            double    time,
                            guint     value)
{
  PxStudioRig *rig;
  float chest[3];
  double center[3];

  g_return_if_fail (PX_IS_STUDIO (studio));

  rig = px_studio_get_rig (studio);
  px_studio_person_get_landmark (px_studio_get_person (studio), time, PX_STUDIO_LANDMARK_CHEST, chest);
  center[0] = chest[0];
  center[1] = chest[1];
  center[2] = chest[2];
  for (guint i = 0; i < px_studio_rig_get_n_cameras (rig); i++)
    {
      const PxStudioView *view = px_studio_get_view (studio, i);

      px_frame_code_paint (value, px_studio_rig_get_camera (rig, i), center,
                           PX_FRAME_CODE_STUDIO_CELL, view->rgb, view->rgb_stride,
                           view->width, view->height, view->mask);
    }
}

/* ------------------------------------------------------------------------ */
/* Reading                                                                  */

typedef struct
{
  guint width;
  guint height;
  guint32 *sums;  /* (width + 1) × (height + 1) */
} Integral;

/* Mean grey of the pixels in [x0, x1) × [y0, y1) (rounded to pixels);
 * -1 when that is empty or outside the picture. */
static double
box_mean (const Integral *integral,
          double          x0,
          double          y0,
          double          x1,
          double          y1)
{
  long a = lround (x0), b = lround (y0), c = lround (x1), d = lround (y1);
  gsize row = integral->width + 1;

  if (c <= a)
    c = a + 1;
  if (d <= b)
    d = b + 1;
  if (a < 0 || b < 0 || c > (long) integral->width || d > (long) integral->height)
    return -1;
  return (integral->sums[d * row + c] - integral->sums[b * row + c]
          - integral->sums[d * row + a] + integral->sums[b * row + a])
         / (double) ((c - a) * (d - b));
}

typedef struct
{
  double x, y, pitch_x, pitch_y;
  double score;
  double white, black;  /* mean margin and frame grey */
} Placement;

static double
sample (const Integral  *integral,
        const Placement *p,
        double           u0,
        double           v0,
        double           u1,
        double           v1)
{
  return box_mean (integral, p->x + u0 * p->pitch_x, p->y + v0 * p->pitch_y,
                   p->x + u1 * p->pitch_x, p->y + v1 * p->pitch_y);
}

/* The k-th smallest of @values (k from 0), reordering them. */
static double
kth_smallest (double *values,
              int     n,
              int     k)
{
  for (int i = 0; i <= k && i < n; i++)
    for (int j = i + 1; j < n; j++)
      if (values[j] < values[i])
        {
          double swap = values[i];

          values[i] = values[j];
          values[j] = swap;
        }
  return values[MIN (k, n - 1)];
}

/* Contrast between margin and frame, leaving out the few worst samples
 * (a hole in the receiver's mesh may eat a piece of margin); fills the
 * means. A placement that leaves the picture scores -G_MAXDOUBLE. */
static void
score (const Integral *integral,
       Placement      *p)
{
  double whites[2 * (FRAME_W + FRAME_H)], blacks[2 * (FRAME_W + FRAME_H)];
  double white = 0, black = 0;
  int n_white = 0, n_black = 0;
  double m;

  p->score = -G_MAXDOUBLE;

  /* The four corners first: most placements fail there. */
  for (int corner = 0; corner < 4; corner++)
    {
      double u = (corner & 1) ? FRAME_W - 1 : 0;
      double v = (corner & 2) ? FRAME_H - 1 : 0;

      m = sample (integral, p, u + 0.25, v + 0.25, u + 0.75, v + 0.75);
      if (m < 0)
        return;
      blacks[corner] = -m;
    }
  for (int corner = 0; corner < 4; corner++)
    {
      double u = (corner & 1) ? FRAME_W + 0.1 : -0.45;
      double v = (corner & 2) ? FRAME_H - 0.75 : 0.25;

      m = sample (integral, p, u, v, u + 0.35, v + 0.5);
      if (m < 0)
        return;
      whites[corner] = m;
    }
  if (kth_smallest (whites, 4, 1) + kth_smallest (blacks, 4, 1) < MIN_CONTRAST)
    return;

  /* The whole frame and margin. */
  for (int i = 0; i < FRAME_W; i++)
    for (int side = 0; side < 2; side++)
      {
        double v = side ? FRAME_H - 1 : 0;
        double mv = side ? FRAME_H + 0.1 : -0.45;

        m = sample (integral, p, i + 0.25, v + 0.25, i + 0.75, v + 0.75);
        if (m < 0)
          return;
        blacks[n_black++] = -m;
        black += m;
        m = sample (integral, p, i + 0.25, mv, i + 0.75, mv + 0.35);
        if (m < 0)
          return;
        whites[n_white++] = m;
        white += m;
      }
  for (int j = 1; j < FRAME_H - 1; j++)
    for (int side = 0; side < 2; side++)
      {
        double u = side ? FRAME_W - 1 : 0;
        double mu = side ? FRAME_W + 0.1 : -0.45;

        m = sample (integral, p, u + 0.25, j + 0.25, u + 0.75, j + 0.75);
        if (m < 0)
          return;
        blacks[n_black++] = -m;
        black += m;
        m = sample (integral, p, mu, j + 0.25, mu + 0.35, j + 0.75);
        if (m < 0)
          return;
        whites[n_white++] = m;
        white += m;
      }
  p->white = white / n_white;
  p->black = black / n_black;
  /* Up to three samples of each may be off. */
  p->score = kth_smallest (whites, n_white, 3) + kth_smallest (blacks, n_black, 3);
}

/* The best placement in a box of corners and a range of pitches. */
static void
search (const Integral *integral,
        double          x0,
        double          x1,
        double          y0,
        double          y1,
        double          step,
        double          min_pitch,
        double          max_pitch,
        double          pitch_factor,
        Placement      *best)
{
  for (double pitch = min_pitch; pitch <= max_pitch * 1.0001; pitch *= pitch_factor)
    {
      double position_step = step > 0 ? step : MAX (1.0, pitch / 3);

      for (double y = y0; y <= y1; y += position_step)
        for (double x = x0; x <= x1; x += position_step)
          {
            Placement p = { x, y, pitch, pitch, 0, 0, 0 };

            score (integral, &p);
            if (p.score > best->score)
              *best = p;
          }
    }
}

/* Moves @best by single pixels and stretches its cells each way while the
 * score improves. */
static void
refine (const Integral *integral,
        Placement      *best)
{
  gboolean improved = TRUE;

  for (int round = 0; improved && round < 64; round++)
    {
      static const double moves[][4] = {
        { 1, 0, 0, 0 }, { -1, 0, 0, 0 }, { 0, 1, 0, 0 }, { 0, -1, 0, 0 },
        { 0, 0, 1.02, 1 }, { 0, 0, 0.98, 1 }, { 0, 0, 1, 1.02 }, { 0, 0, 1, 0.98 },
      };

      improved = FALSE;
      for (guint i = 0; i < G_N_ELEMENTS (moves); i++)
        {
          Placement p = *best;

          p.x += moves[i][0];
          p.y += moves[i][1];
          p.pitch_x *= moves[i][2] == 0 ? 1 : moves[i][2];
          p.pitch_y *= moves[i][3] == 0 ? 1 : moves[i][3];
          score (integral, &p);
          if (p.score > best->score)
            {
              *best = p;
              improved = TRUE;
            }
        }
    }
}

static gboolean
decode (const Integral  *integral,
        const Placement *p,
        guint           *value)
{
  double threshold = (p->white + p->black) / 2;
  double margin = (p->white - p->black) / 4;
  guint32 word = 0;
  guint ones = 0;
  guint plain;

  if (p->score < MIN_CONTRAST)
    return FALSE;
  for (int row = 0; row < PX_FRAME_CODE_DATA_ROWS; row++)
    for (int column = 0; column < PX_FRAME_CODE_DATA_COLUMNS; column++)
      {
        double m = sample (integral, p, column + 1.25, row + 1.25, column + 1.75, row + 1.75);

        /* A cell neither clearly black nor clearly white: not a code. */
        if (m < 0 || fabs (m - threshold) < margin)
          return FALSE;
        word = (word << 1) | (m < threshold ? 1 : 0);
        ones += m < threshold;
      }
  if (ones == 0 || ones == N_BITS)
    return FALSE;
  word ^= WHITENING;
  plain = word >> 8;
  if (crc8 (plain) != (word & 0xff))
    return FALSE;
  *value = plain;
  return TRUE;
}

gboolean
px_frame_code_read (const guint8    *pixels,
                    gsize            stride,
                    guint            width,
                    guint            height,
                    guint            bytes_per_pixel,
                    double           min_pitch,
                    double           max_pitch,
                    PxFrameCodeHint *hint,
                    guint           *value)
{
  g_autofree guint32 *sums = NULL;
  Integral integral = { width, height, NULL };
  Placement best = { 0, 0, 0, 0, -G_MAXDOUBLE, 0, 0 };
  gsize row = (gsize) width + 1;
  guint found = 0;

  g_return_val_if_fail (pixels != NULL && value != NULL, FALSE);
  g_return_val_if_fail (bytes_per_pixel == 1 || bytes_per_pixel == 3 || bytes_per_pixel == 4, FALSE);
  g_return_val_if_fail (min_pitch >= 1 && max_pitch >= min_pitch, FALSE);

  if (width < FRAME_W || height < FRAME_H)
    return FALSE;

  sums = g_new0 (guint32, row * (height + 1));
  for (guint y = 0; y < height; y++)
    {
      const guint8 *line = pixels + (gsize) y * stride;
      guint32 run = 0;

      for (guint x = 0; x < width; x++)
        {
          const guint8 *p = line + (gsize) x * bytes_per_pixel;
          guint grey = bytes_per_pixel == 1 ? p[0] : (77u * p[0] + 150u * p[1] + 29u * p[2]) >> 8;

          run += grey;
          sums[(y + 1) * row + x + 1] = sums[y * row + x + 1] + run;
        }
    }
  integral.sums = sums;

  /* Near where the card was last time first. */
  if (hint != NULL && hint->valid)
    {
      double pitch = (hint->pitch_x + hint->pitch_y) / 2;

      search (&integral, hint->x - 2 * pitch, hint->x + 2 * pitch, hint->y - 2 * pitch,
              hint->y + 2 * pitch, 1, pitch * 0.88, pitch * 1.13, 1.04, &best);
      if (best.score >= MIN_CONTRAST)
        {
          refine (&integral, &best);
          if (decode (&integral, &best, &found))
            goto found;
        }
      best.score = -G_MAXDOUBLE;
    }

  search (&integral, -MARGIN * min_pitch, width, -MARGIN * min_pitch, height, 0,
          min_pitch, max_pitch, 1.08, &best);
  if (best.score < MIN_CONTRAST)
    return FALSE;
  refine (&integral, &best);
  if (!decode (&integral, &best, &found))
    return FALSE;

found:
  if (hint != NULL)
    {
      hint->valid = TRUE;
      hint->x = best.x;
      hint->y = best.y;
      hint->pitch_x = best.pitch_x;
      hint->pitch_y = best.pitch_y;
    }
  *value = found;
  return TRUE;
}
