/* px-gl-program.c: the renderer's shader programs, for GL 3.3 or GLES 3.0
 *
 * Each shader is written once in the common subset of GLSL 3.30 and GLSL
 * ES 3.00 and compiled behind the header of whichever API the context
 * speaks, so the two variants cannot drift apart. The sources are
 * resources compiled into the library.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>

#include "render/px-gl-program.h"
#include "render/px-render-types.h"
#include "render/px-render-resources.h"

#define PX_SHADER_PREFIX "/io/github/parallax/render/"

static const char gl33_header[] =
  "#version 330 core\n";

/* ES leaves precision to the shader; depth in metres needs highp, and so
 * do the samplers that return it. */
static const char gles30_header[] =
  "#version 300 es\n"
  "precision highp float;\n"
  "precision highp int;\n"
  "precision highp sampler2D;\n";

PxGlFlavor
px_gl_flavor_of_current_context (void)
{
  return epoxy_is_desktop_gl () ? PX_GL_FLAVOR_GL33 : PX_GL_FLAVOR_GLES30;
}

/* The resource is registered on first use: a constructor would be dropped
 * from a static library when nothing else references its object file. */
static GResource *
px_gl_resource (void)
{
  static gsize registered = 0;

  if (g_once_init_enter (&registered))
    {
      px_render_register_resource ();
      g_once_init_leave (&registered, 1);
    }
  return px_render_get_resource ();
}

static GBytes *
px_gl_shader_source (const char  *name,
                     GError     **error)
{
  g_autofree char *path = g_strconcat (PX_SHADER_PREFIX, name, NULL);

  return g_resource_lookup_data (px_gl_resource (), path,
                                 G_RESOURCE_LOOKUP_FLAGS_NONE, error);
}

static GLuint
px_gl_compile (PxGlFlavor   flavor,
               GLenum       stage,
               const char  *name,
               const char  *defines,
               GError     **error)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) common = NULL;
  const char *sources[4];
  GLint lengths[4];
  GLint status = GL_FALSE;
  GLuint shader;
  gsize size;
  int n = 0;

  body = px_gl_shader_source (name, error);
  if (body == NULL)
    return 0;

  sources[n] = flavor == PX_GL_FLAVOR_GL33 ? gl33_header : gles30_header;
  lengths[n++] = -1;
  sources[n] = defines != NULL ? defines : "";
  lengths[n++] = -1;
  if (stage == GL_FRAGMENT_SHADER)
    {
      common = px_gl_shader_source ("color.glsl", error);
      if (common == NULL)
        return 0;
      sources[n] = g_bytes_get_data (common, &size);
      lengths[n++] = (GLint) size;
    }
  sources[n] = g_bytes_get_data (body, &size);
  lengths[n++] = (GLint) size;

  shader = glCreateShader (stage);
  glShaderSource (shader, n, sources, lengths);
  glCompileShader (shader);
  glGetShaderiv (shader, GL_COMPILE_STATUS, &status);
  if (status != GL_TRUE)
    {
      char log[4096] = "";

      glGetShaderInfoLog (shader, sizeof log, NULL, log);
      g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_SHADER,
                   "Shader %s (%s) does not compile: %s", name,
                   flavor == PX_GL_FLAVOR_GL33 ? "GL 3.3" : "GLES 3.0", log);
      glDeleteShader (shader);
      return 0;
    }

  return shader;
}

/* Compiles and links a program from two shader resources, with @defines
 * (preprocessor lines, or NULL) before both; 0 on error. */
GLuint
px_gl_program_new (PxGlFlavor   flavor,
                   const char  *vertex_name,
                   const char  *fragment_name,
                   const char  *defines,
                   GError     **error)
{
  GLuint vertex, fragment, program;
  GLint status = GL_FALSE;

  vertex = px_gl_compile (flavor, GL_VERTEX_SHADER, vertex_name, defines, error);
  if (vertex == 0)
    return 0;
  fragment = px_gl_compile (flavor, GL_FRAGMENT_SHADER, fragment_name, defines, error);
  if (fragment == 0)
    {
      glDeleteShader (vertex);
      return 0;
    }

  program = glCreateProgram ();
  glAttachShader (program, vertex);
  glAttachShader (program, fragment);
  glLinkProgram (program);
  glDetachShader (program, vertex);
  glDetachShader (program, fragment);
  glDeleteShader (vertex);
  glDeleteShader (fragment);

  glGetProgramiv (program, GL_LINK_STATUS, &status);
  if (status != GL_TRUE)
    {
      char log[4096] = "";

      glGetProgramInfoLog (program, sizeof log, NULL, log);
      g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_SHADER,
                   "Program %s + %s does not link: %s", vertex_name, fragment_name, log);
      glDeleteProgram (program);
      return 0;
    }

  return program;
}

/* The shader resources, for tests that compile every one of them. */
char **
px_gl_program_list_shaders (void)
{
  return g_resource_enumerate_children (px_gl_resource (), PX_SHADER_PREFIX,
                                        G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
}
