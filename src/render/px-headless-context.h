/* px-headless-context.h: an OpenGL context without a window, for tools and tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  PX_HEADLESS_API_GL,    /* OpenGL 3.3 core */
  PX_HEADLESS_API_GLES,  /* OpenGL ES 3.0 */
} PxHeadlessApi;

#define PX_TYPE_HEADLESS_CONTEXT (px_headless_context_get_type ())

G_DECLARE_FINAL_TYPE (PxHeadlessContext, px_headless_context, PX, HEADLESS_CONTEXT, GObject)

PxHeadlessContext *px_headless_context_new             (PxHeadlessApi       api,
                                                        int                 width,
                                                        int                 height,
                                                        GError            **error);
gboolean           px_headless_context_make_current    (PxHeadlessContext  *self,
                                                        GError            **error);
gboolean           px_headless_context_set_size        (PxHeadlessContext  *self,
                                                        int                 width,
                                                        int                 height,
                                                        GError            **error);
void               px_headless_context_get_size        (PxHeadlessContext  *self,
                                                        int                *width,
                                                        int                *height);
const char        *px_headless_context_get_description (PxHeadlessContext  *self);
guint8            *px_headless_context_read_rgba       (PxHeadlessContext  *self,
                                                        gsize              *stride);
GdkPixbuf         *px_headless_context_read_pixbuf     (PxHeadlessContext  *self);
void               px_headless_context_finish          (PxHeadlessContext  *self);

G_END_DECLS
