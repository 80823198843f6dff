/* px-frame.h: a video frame in memory, reference counted
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Pixel layouts that frames and cameras use. Every capture ends as I420;
 * the others are what producers hand us (or what the UI wants). */
typedef enum
{
  PX_PIXEL_FORMAT_UNKNOWN,
  PX_PIXEL_FORMAT_I420,   /* Y plane, then U and V at half width and height */
  PX_PIXEL_FORMAT_NV12,   /* Y plane, then interleaved UV at half size */
  PX_PIXEL_FORMAT_YUY2,   /* packed Y0 U Y1 V */
  PX_PIXEL_FORMAT_UYVY,   /* packed U Y0 V Y1 */
  PX_PIXEL_FORMAT_RGBX,   /* R G B x bytes */
  PX_PIXEL_FORMAT_BGRX,   /* B G R x bytes */
  PX_PIXEL_FORMAT_RGBA,   /* R G B A bytes (the UI's textures) */
  PX_PIXEL_FORMAT_RGB,    /* R G B bytes */
  PX_PIXEL_FORMAT_BGR,    /* B G R bytes */
  PX_PIXEL_FORMAT_MJPG,   /* one JPEG image per frame */
} PxPixelFormat;

/* The name GStreamer and PipeWire give a format ("YUY2", "MJPG"…). */
const char    *px_pixel_format_to_string     (PxPixelFormat  format);

/* The format a name stands for (case-insensitive), or UNKNOWN. */
PxPixelFormat  px_pixel_format_from_string   (const char    *name);

/* A frame. The pixel fields are public and read-only; everything else is
 * private. Planes are 32-byte aligned and so are strides. A frame that
 * came from a pool goes back to it when its last reference is dropped. */
typedef struct _PxFrame PxFrame;

struct _PxFrame
{
  PxPixelFormat format;
  guint         width;
  guint         height;
  guint8       *planes[3];
  int           strides[3];
  guint         n_planes;
  /* When the camera took it: CLOCK_MONOTONIC microseconds, the clock of
   * g_get_monotonic_time(). */
  gint64        capture_time_us;
  /* Counts frames of one source from 0; a gap means frames were dropped. */
  guint64       sequence;

  /*< private >*/
  gint          ref_count;
  gsize         size;
  guint8       *data;
  gpointer      pool;
};

#define PX_TYPE_FRAME (px_frame_get_type ())

GType     px_frame_get_type       (void) G_GNUC_CONST;

/* A frame of its own (not from a pool), pixels uninitialised. Only
 * I420, RGBA, RGBX, BGRX, RGB, BGR, YUY2, UYVY and NV12 can be allocated.
 * Returns NULL for a zero or oversized dimension. */
PxFrame  *px_frame_new            (PxPixelFormat  format,
                                   guint          width,
                                   guint          height);

PxFrame  *px_frame_ref            (PxFrame       *frame);
void      px_frame_unref          (PxFrame       *frame);

/* Width and height of plane @plane (chroma planes are smaller). */
guint     px_frame_get_plane_width  (const PxFrame *frame,
                                     guint          plane);
guint     px_frame_get_plane_height (const PxFrame *frame,
                                     guint          plane);

/* Largest width or height a frame may have. */
#define PX_FRAME_MAX_SIZE 16384

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PxFrame, px_frame_unref)

G_END_DECLS
