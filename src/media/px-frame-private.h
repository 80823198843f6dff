/* px-frame-private.h: how frames and their pool meet
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "px-frame.h"

G_BEGIN_DECLS

/* Lays out and allocates (or re-uses, when big enough) the pixel memory of
 * @frame for @format at @width × @height. FALSE for an impossible layout. */
gboolean  px_frame_layout          (PxFrame       *frame,
                                    PxPixelFormat  format,
                                    guint          width,
                                    guint          height);

/* Frees a frame whose reference count reached zero, pool or not. */
void      px_frame_free_memory     (PxFrame       *frame);

/* Called by px_frame_unref() for a pooled frame; defined in px-frame-pool.c. */
void      px_frame_pool_take_back  (gpointer       pool,
                                    PxFrame       *frame);

G_END_DECLS
