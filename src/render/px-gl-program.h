/* px-gl-program.h: the renderer's shader programs, for GL 3.3 or GLES 3.0
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <epoxy/gl.h>
#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  PX_GL_FLAVOR_GL33,
  PX_GL_FLAVOR_GLES30,
} PxGlFlavor;

PxGlFlavor  px_gl_flavor_of_current_context (void);
GLuint      px_gl_program_new              (PxGlFlavor   flavor,
                                            const char  *vertex_name,
                                            const char  *fragment_name,
                                            const char  *defines,
                                            GError     **error);
char      **px_gl_program_list_shaders     (void);

G_END_DECLS
