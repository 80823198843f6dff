/* px-frame-code.h: a frame number drawn into the picture and read back
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * To measure latency from pixels, the studio draws each frame's number as
 * a badge on the person's chest: a flat card facing the cameras, with a
 * white margin, a black frame and 6 × 4 large black or white cells holding
 * 16 bits of the frame number and an 8-bit CRC (whitened, so that no
 * uniform patch reads as a code). The card is a plane in the rig frame,
 * so every camera sees it where stereo puts it, on the person, inside the
 * capture volume.
 *
 * The reader finds the card in any picture of it (a camera's image, the
 * receiver's rendered stage) by its frame and margin, samples the cells and
 * checks the CRC: a damaged or hidden card reads as nothing, never as a
 * wrong number.
 */
#pragma once

#include <glib.h>

#include "studio/px-studio.h"
#include "studio/px-studio-rig.h"

G_BEGIN_DECLS

/* The card in cells: 6 × 4 data cells, a one-cell black frame and a
 * half-cell white margin around it. */
#define PX_FRAME_CODE_DATA_COLUMNS 6
#define PX_FRAME_CODE_DATA_ROWS    4
#define PX_FRAME_CODE_WIDTH_CELLS  (PX_FRAME_CODE_DATA_COLUMNS + 3)
#define PX_FRAME_CODE_HEIGHT_CELLS (PX_FRAME_CODE_DATA_ROWS + 3)
/* Numbers wrap at 2^16. */
#define PX_FRAME_CODE_MODULO 65536u
/* The studio's cards: cells of 2.8 cm, a card 25.2 × 19.6 cm. */
#define PX_FRAME_CODE_STUDIO_CELL 0.028

/* Where the reader found a card last: makes the next search local. */
typedef struct
{
  gboolean valid;
  double   x, y;          /* top-left corner of the black frame, pixels */
  double   pitch_x;       /* cell size, pixels */
  double   pitch_y;
} PxFrameCodeHint;

/* Draws @value (mod 2^16) on the plane z = @center[2] of the rig frame,
 * centred at @center, cells @cell metres wide, into @rgb (3 bytes a pixel,
 * rows top to bottom) as @camera sees it. Only pixels where @mask is
 * non-zero are drawn (@mask NULL: all), so the card stays on the person. */
void      px_frame_code_paint (guint                 value,
                               const PxStudioCamera *camera,
                               const double          center[3],
                               double                cell,
                               guint8               *rgb,
                               gsize                 stride,
                               guint                 width,
                               guint                 height,
                               const guint8         *mask);

/* Draws @value on the person's chest in every view of @studio, after
 * px_studio_render() at @time: the card's plane touches the front of the
 * chest and faces the cameras (+z). */
void      px_frame_code_paint_studio (PxStudio       *studio,
                                      double          time,
                                      guint           value);

/* Looks for a card in @pixels (@bytes_per_pixel 1: grey, 3: RGB, 4: RGBA;
 * rows top to bottom) with cells between @min_pitch and @max_pitch pixels.
 * @hint (may be NULL) is tried first and updated when a card is found.
 * TRUE with @value when a card was found and its CRC holds. */
gboolean  px_frame_code_read  (const guint8         *pixels,
                               gsize                 stride,
                               guint                 width,
                               guint                 height,
                               guint                 bytes_per_pixel,
                               double                min_pitch,
                               double                max_pitch,
                               PxFrameCodeHint      *hint,
                               guint                *value);

G_END_DECLS
