/* px-background-model.h: what a camera sees of the empty studio
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define PX_TYPE_BACKGROUND_MODEL (px_background_model_get_type ())

G_DECLARE_FINAL_TYPE (PxBackgroundModel, px_background_model, PX, BACKGROUND_MODEL, GObject)

PxBackgroundModel *px_background_model_new        (guint               width,
                                                   guint               height);
guint              px_background_model_get_n_frames (PxBackgroundModel *self);
gboolean           px_background_model_learn      (PxBackgroundModel  *self,
                                                   const float        *depth,
                                                   const guint8       *image,
                                                   guint               image_width,
                                                   guint               image_height,
                                                   gsize               stride,
                                                   guint               channels,
                                                   guint               step,
                                                   GError            **error);
gboolean           px_background_model_segment    (PxBackgroundModel  *self,
                                                   float              *depth,
                                                   const guint8       *image,
                                                   guint               image_width,
                                                   guint               image_height,
                                                   gsize               stride,
                                                   guint               channels,
                                                   guint               step,
                                                   guint8             *mask,
                                                   GError            **error);

G_END_DECLS
