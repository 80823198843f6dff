/* px-frame-pool.c: frames recycled instead of allocated
 *
 * A frame that is out of the pool holds a reference on it, so the pool
 * lives as long as any of its frames. Free frames hold none (no cycle).
 * Any thread may acquire and release: one mutex guards the free list.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>

#include "px-frame-pool.h"
#include "px-frame-private.h"

struct _PxFramePool
{
  GObject parent_instance;

  GMutex        mutex;
  GPtrArray    *free_frames;
  PxPixelFormat format;
  guint         width;
  guint         height;
  guint         max_frames;
  guint         n_out;        /* frames handed out and not yet back */
  guint         n_allocated;
};

G_DEFINE_FINAL_TYPE (PxFramePool, px_frame_pool, G_TYPE_OBJECT)

static void
px_frame_pool_finalize (GObject *object)
{
  PxFramePool *self = PX_FRAME_POOL (object);

  for (guint i = 0; i < self->free_frames->len; i++)
    px_frame_free_memory (g_ptr_array_index (self->free_frames, i));
  g_ptr_array_unref (self->free_frames);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (px_frame_pool_parent_class)->finalize (object);
}

static void
px_frame_pool_class_init (PxFramePoolClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = px_frame_pool_finalize;
}

static void
px_frame_pool_init (PxFramePool *self)
{
  g_mutex_init (&self->mutex);
  self->free_frames = g_ptr_array_new ();
}

PxFramePool *
px_frame_pool_new (PxPixelFormat format,
                   guint         width,
                   guint         height,
                   guint         max_frames)
{
  PxFramePool *self;

  g_return_val_if_fail (max_frames > 0, NULL);

  self = g_object_new (PX_TYPE_FRAME_POOL, NULL);
  self->format = format;
  self->width = width;
  self->height = height;
  self->max_frames = max_frames;

  return self;
}

PxFrame *
px_frame_pool_acquire (PxFramePool *self)
{
  PxFrame *frame = NULL;
  gboolean allocated = FALSE;

  g_return_val_if_fail (PX_IS_FRAME_POOL (self), NULL);

  g_mutex_lock (&self->mutex);
  if (self->free_frames->len > 0)
    {
      frame = g_ptr_array_steal_index_fast (self->free_frames, self->free_frames->len - 1);
    }
  else if (self->n_out < self->max_frames)
    {
      frame = g_new0 (PxFrame, 1);
      if (px_frame_layout (frame, self->format, self->width, self->height))
        {
          allocated = TRUE;
        }
      else
        {
          px_frame_free_memory (frame);
          frame = NULL;
        }
    }
  if (frame != NULL)
    {
      self->n_out++;
      if (allocated)
        self->n_allocated++;
    }
  g_mutex_unlock (&self->mutex);

  if (frame == NULL)
    return NULL;

  frame->ref_count = 1;
  frame->sequence = 0;
  frame->capture_time_us = 0;
  frame->pool = g_object_ref (self);

  return frame;
}

void
px_frame_pool_take_back (gpointer  pool,
                         PxFrame  *frame)
{
  PxFramePool *self = pool;
  gboolean recycle;

  g_mutex_lock (&self->mutex);
  self->n_out--;
  recycle = frame->format == self->format &&
            frame->width == self->width &&
            frame->height == self->height &&
            self->free_frames->len < self->max_frames;
  if (recycle)
    {
      frame->pool = NULL;
      g_ptr_array_add (self->free_frames, frame);
    }
  g_mutex_unlock (&self->mutex);

  if (!recycle)
    px_frame_free_memory (frame);

  /* Last: this may finalize the pool. */
  g_object_unref (self);
}

gboolean
px_frame_pool_configure (PxFramePool   *self,
                         PxPixelFormat  format,
                         guint          width,
                         guint          height)
{
  PxFrame probe = { 0 };
  gboolean possible;

  g_return_val_if_fail (PX_IS_FRAME_POOL (self), FALSE);

  possible = px_frame_layout (&probe, format, width, height);
  free (probe.data);
  if (!possible)
    return FALSE;

  g_mutex_lock (&self->mutex);
  if (format != self->format || width != self->width || height != self->height)
    {
      for (guint i = 0; i < self->free_frames->len; i++)
        px_frame_free_memory (g_ptr_array_index (self->free_frames, i));
      g_ptr_array_set_size (self->free_frames, 0);
      self->format = format;
      self->width = width;
      self->height = height;
    }
  g_mutex_unlock (&self->mutex);

  return TRUE;
}

guint
px_frame_pool_get_width (PxFramePool *self)
{
  g_return_val_if_fail (PX_IS_FRAME_POOL (self), 0);
  return self->width;
}

guint
px_frame_pool_get_height (PxFramePool *self)
{
  g_return_val_if_fail (PX_IS_FRAME_POOL (self), 0);
  return self->height;
}

PxPixelFormat
px_frame_pool_get_format (PxFramePool *self)
{
  g_return_val_if_fail (PX_IS_FRAME_POOL (self), PX_PIXEL_FORMAT_UNKNOWN);
  return self->format;
}

guint
px_frame_pool_get_n_allocated (PxFramePool *self)
{
  guint n;

  g_return_val_if_fail (PX_IS_FRAME_POOL (self), 0);

  g_mutex_lock (&self->mutex);
  n = self->n_allocated;
  g_mutex_unlock (&self->mutex);

  return n;
}
