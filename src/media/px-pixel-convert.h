/* px-pixel-convert.h: camera pixel layouts to I420 and I420 to RGB
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "px-frame.h"

G_BEGIN_DECLS

/* Colour: YUV is BT.601 with limited range (Y 16–235, chroma 16–240), what
 * webcams and GStreamer use for standard-definition video. Chroma of 4:2:2
 * and RGB input is averaged over each 2×2 block. */

/* Converts one image of @format (I420, NV12, YUY2, UYVY, RGBx, BGRx,
 * RGBA, RGB or BGR) at @width × @height, given as planes and strides in
 * bytes, into @dest, an I420 frame of the same size. FALSE (and @dest
 * untouched) for a format it cannot read or a size mismatch. */
gboolean  px_pixel_convert_to_i420      (PxPixelFormat        format,
                                         const guint8 * const planes[],
                                         const int            strides[],
                                         guint                width,
                                         guint                height,
                                         PxFrame             *dest);

/* Packed R G B bytes, rows @rgb_stride bytes apart, into three I420
 * planes: the same conversion as px_pixel_convert_to_i420() for callers
 * that hold planes rather than a PxFrame. */
void      px_pixel_convert_rgb_to_i420  (const guint8         *rgb,
                                         gsize                 rgb_stride,
                                         guint                 width,
                                         guint                 height,
                                         guint8 * const        planes[3],
                                         const int             strides[3]);

/* Whether px_pixel_convert_to_i420() reads @format. */
gboolean  px_pixel_convert_can_read     (PxPixelFormat        format);

/* Converts an I420 frame into packed pixels of @dest_format (RGB, RGBA,
 * RGBx or BGRx; alpha is opaque) at @dest, rows @dest_stride bytes apart. */
gboolean  px_pixel_convert_i420_to_rgb  (const PxFrame       *src,
                                         PxPixelFormat        dest_format,
                                         guint8              *dest,
                                         gsize                dest_stride);

/* One pixel, for tests and for colours a producer was asked to draw. */
void      px_pixel_rgb_to_yuv           (guint8               r,
                                         guint8               g,
                                         guint8               b,
                                         guint8              *y,
                                         guint8              *u,
                                         guint8              *v);
void      px_pixel_yuv_to_rgb           (guint8               y,
                                         guint8               u,
                                         guint8               v,
                                         guint8              *r,
                                         guint8              *g,
                                         guint8              *b);

G_END_DECLS
