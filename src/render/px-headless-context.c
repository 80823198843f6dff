/* px-headless-context.c: an OpenGL context without a window, for tools and tests
 *
 * EGL on Mesa's surfaceless platform where it exists (no display server
 * needed at all), otherwise the default EGL display with a tiny pbuffer.
 * The context renders into its own framebuffer object (RGBA8 + depth), so
 * the size is the caller's choice and reading pixels back is exact.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <dlfcn.h>
#include <epoxy/egl.h>
#include <epoxy/gl.h>
#include <string.h>

#include "render/px-headless-context.h"
#include "render/px-render-types.h"

#ifndef EGL_PLATFORM_SURFACELESS_MESA
#define EGL_PLATFORM_SURFACELESS_MESA 0x31DD
#endif

struct _PxHeadlessContext
{
  GObject parent_instance;

  PxHeadlessApi api;
  EGLDisplay display;
  EGLContext context;
  EGLSurface surface;  /* a 1x1 pbuffer where surfaceless is not offered */
  GLuint framebuffer;
  GLuint color;
  GLuint depth;
  int width;
  int height;
  char *description;
};

G_DEFINE_FINAL_TYPE (PxHeadlessContext, px_headless_context, G_TYPE_OBJECT)

static gboolean
px_headless_egl_available (void)
{
  static gsize checked = 0;
  static gboolean available = FALSE;

  if (g_once_init_enter (&checked))
    {
      void *library = dlopen ("libEGL.so.1", RTLD_LAZY | RTLD_LOCAL);

      available = library != NULL;
      /* Kept loaded: epoxy opens the same library right after. */
      g_once_init_leave (&checked, 1);
    }
  return available;
}

static EGLDisplay
px_headless_open_display (gboolean *surfaceless)
{
  const char *client = eglQueryString (EGL_NO_DISPLAY, EGL_EXTENSIONS);
  EGLDisplay display = EGL_NO_DISPLAY;

  *surfaceless = FALSE;
  if (client != NULL && epoxy_extension_in_string (client, "EGL_MESA_platform_surfaceless") &&
      epoxy_extension_in_string (client, "EGL_EXT_platform_base"))
    {
      display = eglGetPlatformDisplayEXT (EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, NULL);
      if (display != EGL_NO_DISPLAY && eglInitialize (display, NULL, NULL))
        {
          *surfaceless = TRUE;
          return display;
        }
    }

  display = eglGetDisplay (EGL_DEFAULT_DISPLAY);
  if (display != EGL_NO_DISPLAY && eglInitialize (display, NULL, NULL))
    return display;

  return EGL_NO_DISPLAY;
}

static gboolean
px_headless_context_create_framebuffer (PxHeadlessContext  *self,
                                        GError            **error)
{
  GLenum status;

  if (self->framebuffer == 0)
    {
      glGenFramebuffers (1, &self->framebuffer);
      glGenRenderbuffers (1, &self->color);
      glGenRenderbuffers (1, &self->depth);
    }

  glBindRenderbuffer (GL_RENDERBUFFER, self->color);
  glRenderbufferStorage (GL_RENDERBUFFER, GL_RGBA8, self->width, self->height);
  glBindRenderbuffer (GL_RENDERBUFFER, self->depth);
  glRenderbufferStorage (GL_RENDERBUFFER, GL_DEPTH_COMPONENT24, self->width, self->height);
  glBindRenderbuffer (GL_RENDERBUFFER, 0);

  glBindFramebuffer (GL_FRAMEBUFFER, self->framebuffer);
  glFramebufferRenderbuffer (GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, self->color);
  glFramebufferRenderbuffer (GL_FRAMEBUFFER, GL_DEPTH_ATTACHMENT, GL_RENDERBUFFER, self->depth);
  status = glCheckFramebufferStatus (GL_FRAMEBUFFER);
  if (status != GL_FRAMEBUFFER_COMPLETE)
    {
      g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_FRAMEBUFFER,
                   "A %dx%d framebuffer is incomplete (0x%x)", self->width, self->height, status);
      return FALSE;
    }
  glViewport (0, 0, self->width, self->height);
  return TRUE;
}

/* A context of @api with a @width x @height framebuffer bound, current on
 * the calling thread. Fails cleanly where EGL or the API is missing. */
PxHeadlessContext *
px_headless_context_new (PxHeadlessApi   api,
                         int             width,
                         int             height,
                         GError        **error)
{
  g_autoptr(PxHeadlessContext) self = NULL;
  gboolean surfaceless;
  EGLConfig config;
  EGLint n_configs = 0;
  EGLint renderable = api == PX_HEADLESS_API_GL ? EGL_OPENGL_BIT : EGL_OPENGL_ES3_BIT;
  const EGLint config_attributes[] = {
    EGL_SURFACE_TYPE, EGL_PBUFFER_BIT,
    EGL_RENDERABLE_TYPE, renderable,
    EGL_NONE
  };
  /* Surfaceless configurations need not support any surface type. */
  const EGLint surfaceless_config_attributes[] = {
    EGL_SURFACE_TYPE, 0,
    EGL_RENDERABLE_TYPE, renderable,
    EGL_NONE
  };
  const EGLint gl_attributes[] = {
    EGL_CONTEXT_MAJOR_VERSION, 3,
    EGL_CONTEXT_MINOR_VERSION, 3,
    EGL_CONTEXT_OPENGL_PROFILE_MASK, EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT,
    EGL_NONE
  };
  const EGLint gles_attributes[] = {
    EGL_CONTEXT_MAJOR_VERSION, 3,
    EGL_CONTEXT_MINOR_VERSION, 0,
    EGL_NONE
  };
  const EGLint pbuffer_attributes[] = { EGL_WIDTH, 1, EGL_HEIGHT, 1, EGL_NONE };

  g_return_val_if_fail (width > 0 && height > 0, NULL);

  self = g_object_new (PX_TYPE_HEADLESS_CONTEXT, NULL);
  self->api = api;
  self->width = width;
  self->height = height;

  /* libepoxy aborts the process when it cannot load libEGL; a machine
   * without it gets an error instead. */
  if (!px_headless_egl_available ())
    {
      g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_NO_CONTEXT,
                   "libEGL is not installed");
      return NULL;
    }

  self->display = px_headless_open_display (&surfaceless);
  if (self->display == EGL_NO_DISPLAY)
    {
      g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_NO_CONTEXT,
                   "No EGL display is available (0x%x)", eglGetError ());
      return NULL;
    }

  if (surfaceless && !epoxy_has_egl_extension (self->display, "EGL_KHR_surfaceless_context"))
    surfaceless = FALSE;

  if (!eglChooseConfig (self->display,
                        surfaceless ? surfaceless_config_attributes : config_attributes,
                        &config, 1, &n_configs) || n_configs < 1)
    {
      g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_NO_CONTEXT,
                   "EGL offers no configuration for %s",
                   api == PX_HEADLESS_API_GL ? "OpenGL" : "OpenGL ES 3");
      return NULL;
    }

  if (!eglBindAPI (api == PX_HEADLESS_API_GL ? EGL_OPENGL_API : EGL_OPENGL_ES_API))
    {
      g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_NO_CONTEXT,
                   "EGL cannot bind the %s API", api == PX_HEADLESS_API_GL ? "OpenGL" : "OpenGL ES");
      return NULL;
    }

  self->context = eglCreateContext (self->display, config, EGL_NO_CONTEXT,
                                    api == PX_HEADLESS_API_GL ? gl_attributes : gles_attributes);
  if (self->context == EGL_NO_CONTEXT)
    {
      g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_NO_CONTEXT,
                   "EGL cannot create an %s context (0x%x)",
                   api == PX_HEADLESS_API_GL ? "OpenGL 3.3 core" : "OpenGL ES 3.0",
                   eglGetError ());
      return NULL;
    }

  if (!surfaceless)
    {
      self->surface = eglCreatePbufferSurface (self->display, config, pbuffer_attributes);
      if (self->surface == EGL_NO_SURFACE)
        {
          g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_NO_CONTEXT,
                       "EGL cannot create a pbuffer (0x%x)", eglGetError ());
          return NULL;
        }
    }

  if (!px_headless_context_make_current (self, error))
    return NULL;

  self->description = g_strdup_printf ("%s — %s", (const char *) glGetString (GL_VERSION),
                                       (const char *) glGetString (GL_RENDERER));

  if (!px_headless_context_create_framebuffer (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

gboolean
px_headless_context_make_current (PxHeadlessContext  *self,
                                  GError            **error)
{
  g_return_val_if_fail (PX_IS_HEADLESS_CONTEXT (self), FALSE);

  if (!eglMakeCurrent (self->display, self->surface, self->surface, self->context))
    {
      g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_NO_CONTEXT,
                   "EGL cannot make the context current (0x%x)", eglGetError ());
      return FALSE;
    }
  if (self->framebuffer != 0)
    glBindFramebuffer (GL_FRAMEBUFFER, self->framebuffer);
  return TRUE;
}

/* Resizes the framebuffer; the context must be current. */
gboolean
px_headless_context_set_size (PxHeadlessContext  *self,
                              int                 width,
                              int                 height,
                              GError            **error)
{
  g_return_val_if_fail (PX_IS_HEADLESS_CONTEXT (self), FALSE);

  if (width <= 0 || height <= 0 || width > 16384 || height > 16384)
    {
      g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_INVALID_INPUT,
                   "A framebuffer of %dx%d pixels is out of range", width, height);
      return FALSE;
    }
  if (width == self->width && height == self->height)
    return TRUE;

  self->width = width;
  self->height = height;
  return px_headless_context_create_framebuffer (self, error);
}

void
px_headless_context_get_size (PxHeadlessContext *self,
                              int               *width,
                              int               *height)
{
  g_return_if_fail (PX_IS_HEADLESS_CONTEXT (self));

  if (width != NULL)
    *width = self->width;
  if (height != NULL)
    *height = self->height;
}

const char *
px_headless_context_get_description (PxHeadlessContext *self)
{
  g_return_val_if_fail (PX_IS_HEADLESS_CONTEXT (self), NULL);
  return self->description;
}

/* Waits for the GPU: for benchmarks, which time whole frames. */
void
px_headless_context_finish (PxHeadlessContext *self)
{
  g_return_if_fail (PX_IS_HEADLESS_CONTEXT (self));
  glFinish ();
}

/* The framebuffer's pixels, top row first, 8-bit RGBA (straight alpha). */
guint8 *
px_headless_context_read_rgba (PxHeadlessContext *self,
                               gsize             *stride)
{
  gsize row = (gsize) self->width * 4;
  guint8 *pixels;
  g_autofree guint8 *scratch = NULL;

  g_return_val_if_fail (PX_IS_HEADLESS_CONTEXT (self), NULL);

  pixels = g_malloc (row * self->height);
  scratch = g_malloc (row);

  glBindFramebuffer (GL_FRAMEBUFFER, self->framebuffer);
  glPixelStorei (GL_PACK_ALIGNMENT, 1);
  glReadPixels (0, 0, self->width, self->height, GL_RGBA, GL_UNSIGNED_BYTE, pixels);

  /* GL's first row is the bottom one. */
  for (int y = 0; y < self->height / 2; y++)
    {
      guint8 *top = pixels + row * y;
      guint8 *bottom = pixels + row * (self->height - 1 - y);

      memcpy (scratch, top, row);
      memcpy (top, bottom, row);
      memcpy (bottom, scratch, row);
    }

  if (stride != NULL)
    *stride = row;
  return pixels;
}

static void
px_headless_free_pixels (guchar   *pixels,
                         gpointer  user_data)
{
  g_free (pixels);
}

GdkPixbuf *
px_headless_context_read_pixbuf (PxHeadlessContext *self)
{
  gsize stride;
  guint8 *pixels = px_headless_context_read_rgba (self, &stride);

  return gdk_pixbuf_new_from_data (pixels, GDK_COLORSPACE_RGB, TRUE, 8,
                                   self->width, self->height, (int) stride,
                                   px_headless_free_pixels, NULL);
}

static void
px_headless_context_finalize (GObject *object)
{
  PxHeadlessContext *self = PX_HEADLESS_CONTEXT (object);

  if (self->context != EGL_NO_CONTEXT)
    {
      if (self->framebuffer != 0 &&
          eglMakeCurrent (self->display, self->surface, self->surface, self->context))
        {
          glBindFramebuffer (GL_FRAMEBUFFER, 0);
          glDeleteFramebuffers (1, &self->framebuffer);
          glDeleteRenderbuffers (1, &self->color);
          glDeleteRenderbuffers (1, &self->depth);
        }
      eglMakeCurrent (self->display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
      eglDestroyContext (self->display, self->context);
    }
  if (self->surface != EGL_NO_SURFACE)
    eglDestroySurface (self->display, self->surface);
  /* The display is shared by every context of the process (EGL returns the
   * same handle), so it is never terminated here. */
  g_free (self->description);

  G_OBJECT_CLASS (px_headless_context_parent_class)->finalize (object);
}

static void
px_headless_context_class_init (PxHeadlessContextClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = px_headless_context_finalize;
}

static void
px_headless_context_init (PxHeadlessContext *self)
{
  self->display = EGL_NO_DISPLAY;
  self->context = EGL_NO_CONTEXT;
  self->surface = EGL_NO_SURFACE;
}
