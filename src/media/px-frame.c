/* px-frame.c: a video frame in memory, reference counted
 *
 * One allocation holds all planes of a frame, aligned for vector loads.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "px-frame-private.h"

#define PX_FRAME_ALIGN 32

G_DEFINE_BOXED_TYPE (PxFrame, px_frame, px_frame_ref, px_frame_unref)

static const struct
{
  PxPixelFormat format;
  const char   *name;
} format_names[] = {
  { PX_PIXEL_FORMAT_I420, "I420" },
  { PX_PIXEL_FORMAT_NV12, "NV12" },
  { PX_PIXEL_FORMAT_YUY2, "YUY2" },
  { PX_PIXEL_FORMAT_UYVY, "UYVY" },
  { PX_PIXEL_FORMAT_RGBX, "RGBx" },
  { PX_PIXEL_FORMAT_BGRX, "BGRx" },
  { PX_PIXEL_FORMAT_RGBA, "RGBA" },
  { PX_PIXEL_FORMAT_RGB, "RGB" },
  { PX_PIXEL_FORMAT_BGR, "BGR" },
  { PX_PIXEL_FORMAT_MJPG, "MJPG" },
};

const char *
px_pixel_format_to_string (PxPixelFormat format)
{
  for (gsize i = 0; i < G_N_ELEMENTS (format_names); i++)
    {
      if (format_names[i].format == format)
        return format_names[i].name;
    }
  return "unknown";
}

PxPixelFormat
px_pixel_format_from_string (const char *name)
{
  g_return_val_if_fail (name != NULL, PX_PIXEL_FORMAT_UNKNOWN);

  for (gsize i = 0; i < G_N_ELEMENTS (format_names); i++)
    {
      if (g_ascii_strcasecmp (format_names[i].name, name) == 0)
        return format_names[i].format;
    }
  if (g_ascii_strcasecmp (name, "JPEG") == 0)
    return PX_PIXEL_FORMAT_MJPG;
  return PX_PIXEL_FORMAT_UNKNOWN;
}

static gsize
align_up (gsize value)
{
  return (value + PX_FRAME_ALIGN - 1) & ~(gsize) (PX_FRAME_ALIGN - 1);
}

guint
px_frame_get_plane_width (const PxFrame *frame,
                          guint          plane)
{
  g_return_val_if_fail (frame != NULL, 0);

  if (plane == 0)
    return frame->width;
  /* NV12's second plane holds U and V side by side: as wide as luma. */
  if (frame->format == PX_PIXEL_FORMAT_NV12)
    return (frame->width + 1) / 2 * 2;
  return (frame->width + 1) / 2;
}

guint
px_frame_get_plane_height (const PxFrame *frame,
                           guint          plane)
{
  g_return_val_if_fail (frame != NULL, 0);

  return plane == 0 ? frame->height : (frame->height + 1) / 2;
}

gboolean
px_frame_layout (PxFrame       *frame,
                 PxPixelFormat  format,
                 guint          width,
                 guint          height)
{
  gsize offsets[3] = { 0 };
  gsize size = 0;
  guint chroma_w = (width + 1) / 2;
  guint chroma_h = (height + 1) / 2;
  guint bytes_per_pixel = 0;

  if (width == 0 || height == 0 || width > PX_FRAME_MAX_SIZE || height > PX_FRAME_MAX_SIZE)
    return FALSE;

  memset (frame->planes, 0, sizeof frame->planes);
  memset (frame->strides, 0, sizeof frame->strides);

  switch (format)
    {
    case PX_PIXEL_FORMAT_I420:
      frame->n_planes = 3;
      frame->strides[0] = (int) align_up (width);
      frame->strides[1] = frame->strides[2] = (int) align_up (chroma_w);
      /* Luma rows rounded up to even: libjpeg-turbo writes whole 2×2
       * blocks when decoding 4:2:0 straight into the frame. */
      offsets[1] = align_up ((gsize) frame->strides[0] * chroma_h * 2);
      offsets[2] = offsets[1] + align_up ((gsize) frame->strides[1] * chroma_h);
      size = offsets[2] + align_up ((gsize) frame->strides[2] * chroma_h);
      break;
    case PX_PIXEL_FORMAT_NV12:
      frame->n_planes = 2;
      frame->strides[0] = (int) align_up (width);
      frame->strides[1] = (int) align_up (chroma_w * 2);
      offsets[1] = align_up ((gsize) frame->strides[0] * height);
      size = offsets[1] + align_up ((gsize) frame->strides[1] * chroma_h);
      break;
    case PX_PIXEL_FORMAT_YUY2:
    case PX_PIXEL_FORMAT_UYVY:
      bytes_per_pixel = 2;
      break;
    case PX_PIXEL_FORMAT_RGBX:
    case PX_PIXEL_FORMAT_BGRX:
    case PX_PIXEL_FORMAT_RGBA:
      bytes_per_pixel = 4;
      break;
    case PX_PIXEL_FORMAT_RGB:
    case PX_PIXEL_FORMAT_BGR:
      bytes_per_pixel = 3;
      break;
    case PX_PIXEL_FORMAT_MJPG:
    case PX_PIXEL_FORMAT_UNKNOWN:
    default:
      return FALSE;
    }

  if (bytes_per_pixel > 0)
    {
      frame->n_planes = 1;
      /* Packed 4:2:2 rows hold an even number of pixels. */
      if (bytes_per_pixel == 2)
        frame->strides[0] = (int) align_up ((gsize) chroma_w * 4);
      else
        frame->strides[0] = (int) align_up ((gsize) width * bytes_per_pixel);
      size = align_up ((gsize) frame->strides[0] * height);
    }

  if (frame->data == NULL || frame->size < size)
    {
      free (frame->data);
      frame->data = NULL;
      if (posix_memalign ((void **) &frame->data, PX_FRAME_ALIGN, size) != 0)
        {
          frame->data = NULL;
          frame->size = 0;
          return FALSE;
        }
      frame->size = size;
    }

  for (guint i = 0; i < frame->n_planes; i++)
    frame->planes[i] = frame->data + offsets[i];
  frame->format = format;
  frame->width = width;
  frame->height = height;

  return TRUE;
}

PxFrame *
px_frame_new (PxPixelFormat format,
              guint         width,
              guint         height)
{
  PxFrame *frame = g_new0 (PxFrame, 1);

  if (!px_frame_layout (frame, format, width, height))
    {
      px_frame_free_memory (frame);
      return NULL;
    }
  frame->ref_count = 1;

  return frame;
}

void
px_frame_free_memory (PxFrame *frame)
{
  free (frame->data);
  g_free (frame);
}

PxFrame *
px_frame_ref (PxFrame *frame)
{
  g_return_val_if_fail (frame != NULL, NULL);
  g_return_val_if_fail (frame->ref_count > 0, NULL);

  g_atomic_int_inc (&frame->ref_count);

  return frame;
}

void
px_frame_unref (PxFrame *frame)
{
  g_return_if_fail (frame != NULL);
  g_return_if_fail (frame->ref_count > 0);

  if (!g_atomic_int_dec_and_test (&frame->ref_count))
    return;

  if (frame->pool != NULL)
    px_frame_pool_take_back (frame->pool, frame);
  else
    px_frame_free_memory (frame);
}
