/* px-frame-pool.h: frames recycled instead of allocated
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "px-frame.h"

G_BEGIN_DECLS

#define PX_TYPE_FRAME_POOL (px_frame_pool_get_type ())

G_DECLARE_FINAL_TYPE (PxFramePool, px_frame_pool, PX, FRAME_POOL, GObject)

/* A pool of at most @max_frames frames of one format and size. */
PxFramePool *px_frame_pool_new            (PxPixelFormat  format,
                                           guint          width,
                                           guint          height,
                                           guint          max_frames);

/* A frame for writing (reference count 1), re-used when one is free, or
 * NULL when all @max_frames are in use: the caller then drops its frame,
 * which is what "newest wins" wants anyway. Thread-safe. */
PxFrame     *px_frame_pool_acquire        (PxFramePool   *self);

/* Changes the format or size of frames handed out from now on; frames
 * still in use are freed instead of recycled when they come back. */
gboolean     px_frame_pool_configure      (PxFramePool   *self,
                                           PxPixelFormat  format,
                                           guint          width,
                                           guint          height);

guint        px_frame_pool_get_width      (PxFramePool   *self);
guint        px_frame_pool_get_height     (PxFramePool   *self);
PxPixelFormat px_frame_pool_get_format    (PxFramePool   *self);

/* How many frames the pool has allocated in its lifetime: it stops
 * growing once the pipeline runs steadily. */
guint        px_frame_pool_get_n_allocated (PxFramePool  *self);

G_END_DECLS
