/* px-stage-renderer.c: draws the participants of a meeting, life-size
 *
 * The renderer draws into whatever framebuffer is bound on the current GL
 * context (a GtkGLArea, or an FBO of a headless EGL context): OpenGL 3.3
 * core or OpenGL ES 3.0, through libepoxy. It owns every GL object it
 * creates and deletes them all in px_stage_renderer_unrealize(), which the
 * caller runs with the same context current.
 *
 * A frame: new participant frames are uploaded into textures (allocated
 * once per size, then updated with glTexSubImage2D), the participants are
 * laid out side by side on the floor, the room is drawn behind them (or
 * copied, colour and depth, from an offscreen framebuffer while it stays
 * the same), each view of each participant is drawn as a depth-displaced
 * grid, and the self-view goes into a corner. Nothing waits for the GPU.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <cglm/cglm.h>
#include <epoxy/gl.h>
#include <math.h>
#include <string.h>

#include "render/px-gl-program.h"
#include "render/px-participant-private.h"
#include "render/px-stage-layout.h"
#include "render/px-stage-renderer.h"

/* #1e1f24, the stage's colour before the room is drawn (sRGB-encoded). */
#define PX_BACKGROUND_R (0x1e / 255.0f)
#define PX_BACKGROUND_G (0x1f / 255.0f)
#define PX_BACKGROUND_B (0x24 / 255.0f)

#define PX_ROOM_DEPTH_M 4.0
#define PX_ROOM_MIN_CEILING_M 2.6
#define PX_MAX_SHADOWS 8
#define PX_NEAR_M 0.02
#define PX_FAR_M 200.0
/* Another camera sees the same surface when its depth there agrees
 * within this fraction. */
#define PX_VISIBILITY_TOLERANCE 0.04f
/* Camera weights fade out over this many pixels at the image's edge. */
#define PX_BORDER_FADE_PX 24.0f
#define PX_SELF_VIEW_FRACTION 0.2
#define PX_SELF_VIEW_MARGIN_PX 16

typedef struct
{
  GLuint planes[2];  /* RGBA, or Y and interleaved U, V */
  GLuint depth;
  GLuint indices;  /* element buffer of the triangles to draw */
  gsize indices_size;
  PxColorFormat format;
  int width;
  int height;
  int depth_width;
  int depth_height;
} PxViewTextures;

typedef struct
{
  PxParticipant *participant;
  PxParticipantFrame *frame;  /* the frame in the textures */
  PxViewTextures views[PX_PARTICIPANT_MAX_VIEWS];
  /* Layout of the last render. */
  float model[16];
  double center_x;
  double width;
  double depth;
} PxStageEntry;

typedef struct
{
  GLint depth_self, self, grid, rotations, translations, intrinsics;
  GLint images, model, view_projection, eye_rig, visibility, border_fade;
  GLint centers, formats;
} PxViewUniforms;

typedef struct
{
  GLint model, view_projection, format;
} PxPanelUniforms;

typedef struct
{
  GLint model, view_projection, room_min, room_max, scale, n_shadows, shadows;
} PxRoomUniforms;

/* Everything the room's pixels depend on; zeroed before it is filled, so
 * that two can be compared with memcmp(). */
typedef struct
{
  int width_px;
  int height_px;
  GLenum color_format;  /* of the framebuffer drawn into */
  GLenum depth_format;
  float view_projection[16];
  float model[16];
  float room_min[3];
  float room_max[3];
  float scale;
  int n_shadows;
  float shadows[PX_MAX_SHADOWS * 4];
} PxRoomKey;

struct _PxStageRenderer
{
  GObject parent_instance;

  gboolean realized;
  PxGlFlavor flavor;
  /* view_programs[n - 1] blends n views. */
  GLuint view_programs[PX_PARTICIPANT_MAX_VIEWS];
  GLuint panel_program;
  GLuint room_program;
  GLuint empty_vao;
  GLuint room_vao;
  GLuint room_vbo;
  PxViewUniforms view_uniforms[PX_PARTICIPANT_MAX_VIEWS];
  PxPanelUniforms panel_uniforms;
  PxRoomUniforms room_uniforms;

  /* The room changes only with the layout, the screen or the viewer, but
   * is the most expensive thing on the stage for a software rasterizer:
   * once it has stayed the same for two frames it is drawn into this
   * framebuffer and copied from there until it changes. */
  GLuint room_cache_fbo;
  GLuint room_cache_color;
  GLuint room_cache_depth;
  gboolean room_cached;         /* the cache holds room_cache_key */
  gboolean room_cache_failed;   /* a copy did not work here: never again */
  PxRoomKey room_cache_key;
  PxRoomKey room_last_key;      /* the room of the previous frame */

  GPtrArray *entries;  /* PxStageEntry */
  GPtrArray *retired;  /* PxStageEntry whose textures await a context */
  PxStageEntry *self_view;

  double screen_width;
  double screen_height;
  double viewer_offset[2];
  double viewer_distance;
  gboolean transparent;

  double scale;
  PxStageRendererStats stats;
};

G_DEFINE_FINAL_TYPE (PxStageRenderer, px_stage_renderer, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SCALE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static PxStageEntry *
px_stage_entry_new (PxParticipant *participant)
{
  PxStageEntry *entry = g_new0 (PxStageEntry, 1);

  entry->participant = g_object_ref (participant);
  return entry;
}

static void
px_stage_entry_release_gl (PxStageEntry *entry)
{
  for (int i = 0; i < PX_PARTICIPANT_MAX_VIEWS; i++)
    {
      PxViewTextures *textures = &entry->views[i];

      glDeleteTextures (2, textures->planes);
      glDeleteTextures (1, &textures->depth);
      glDeleteBuffers (1, &textures->indices);
      memset (textures, 0, sizeof *textures);
    }
  /* Uploaded again when the context comes back. */
  g_clear_pointer (&entry->frame, px_participant_frame_unref);
}

static gboolean
px_stage_entry_has_gl (PxStageEntry *entry)
{
  for (int i = 0; i < PX_PARTICIPANT_MAX_VIEWS; i++)
    if (entry->views[i].planes[0] != 0 || entry->views[i].depth != 0)
      return TRUE;
  return FALSE;
}

static void
px_stage_entry_free (PxStageEntry *entry)
{
  /* Textures must be gone already (px_stage_renderer_unrealize). */
  g_clear_pointer (&entry->frame, px_participant_frame_unref);
  g_clear_object (&entry->participant);
  g_free (entry);
}

/* -- GL resources ------------------------------------------------------- */

static const float room_vertices[] = {
  /* floor */
  -1, 0, 0, 0,   1, 0, 0, 0,   1, 0, -1, 0,
  -1, 0, 0, 0,   1, 0, -1, 0, -1, 0, -1, 0,
  /* back wall */
  -1, 0, -1, 1,  1, 0, -1, 1,  1, 1, -1, 1,
  -1, 0, -1, 1,  1, 1, -1, 1, -1, 1, -1, 1,
  /* left wall */
  -1, 0, 0, 2,  -1, 0, -1, 2, -1, 1, -1, 2,
  -1, 0, 0, 2,  -1, 1, -1, 2, -1, 1, 0, 2,
  /* right wall */
   1, 0, 0, 2,   1, 0, -1, 2,  1, 1, -1, 2,
   1, 0, 0, 2,   1, 1, -1, 2,  1, 1, 0, 2,
  /* ceiling */
  -1, 1, 0, 3,   1, 1, 0, 3,   1, 1, -1, 3,
  -1, 1, 0, 3,   1, 1, -1, 3, -1, 1, -1, 3,
};

static void
px_stage_renderer_lookup_view_uniforms (GLuint          program,
                                        PxViewUniforms *v)
{
  v->depth_self = glGetUniformLocation (program, "u_depth_self");
  v->self = glGetUniformLocation (program, "u_self");
  v->grid = glGetUniformLocation (program, "u_grid");
  v->rotations = glGetUniformLocation (program, "u_rotations");
  v->translations = glGetUniformLocation (program, "u_translations");
  v->intrinsics = glGetUniformLocation (program, "u_intrinsics");
  v->images = glGetUniformLocation (program, "u_images");
  v->model = glGetUniformLocation (program, "u_model");
  v->view_projection = glGetUniformLocation (program, "u_view_projection");
  v->eye_rig = glGetUniformLocation (program, "u_eye_rig");
  v->visibility = glGetUniformLocation (program, "u_visibility");
  v->border_fade = glGetUniformLocation (program, "u_border_fade");
  v->centers = glGetUniformLocation (program, "u_centers");
  v->formats = glGetUniformLocation (program, "u_formats");

  /* Texture units are fixed: view k uses units 4k (Y or RGBA), 4k + 1
   * (U and V) and 4k + 3 (depth); 4k + 2 is unused. */
  glUseProgram (program);
  for (int k = 0; k < PX_PARTICIPANT_MAX_VIEWS; k++)
    {
      g_autofree char *depth_name = g_strdup_printf ("u_depth_%d", k);

      for (int plane = 0; plane < 2; plane++)
        {
          g_autofree char *name = g_strdup_printf ("u_plane%d_%d", plane, k);

          glUniform1i (glGetUniformLocation (program, name), k * 4 + plane);
        }
      glUniform1i (glGetUniformLocation (program, depth_name), k * 4 + 3);
    }
}

static void
px_stage_renderer_lookup_uniforms (PxStageRenderer *self)
{
  PxPanelUniforms *p = &self->panel_uniforms;
  PxRoomUniforms *r = &self->room_uniforms;
  GLuint program;

  for (int n = 0; n < PX_PARTICIPANT_MAX_VIEWS; n++)
    px_stage_renderer_lookup_view_uniforms (self->view_programs[n], &self->view_uniforms[n]);

  program = self->panel_program;
  p->model = glGetUniformLocation (program, "u_model");
  p->view_projection = glGetUniformLocation (program, "u_view_projection");
  p->format = glGetUniformLocation (program, "u_format");
  glUseProgram (program);
  glUniform1i (glGetUniformLocation (program, "u_plane0"), 0);
  glUniform1i (glGetUniformLocation (program, "u_plane1"), 1);

  program = self->room_program;
  r->model = glGetUniformLocation (program, "u_model");
  r->view_projection = glGetUniformLocation (program, "u_view_projection");
  r->room_min = glGetUniformLocation (program, "u_room_min");
  r->room_max = glGetUniformLocation (program, "u_room_max");
  r->scale = glGetUniformLocation (program, "u_scale");
  r->n_shadows = glGetUniformLocation (program, "u_n_shadows");
  r->shadows = glGetUniformLocation (program, "u_shadows");

  glUseProgram (0);
}

static void
px_stage_renderer_delete_programs (PxStageRenderer *self)
{
  for (int n = 0; n < PX_PARTICIPANT_MAX_VIEWS; n++)
    {
      glDeleteProgram (self->view_programs[n]);
      self->view_programs[n] = 0;
    }
  glDeleteProgram (self->panel_program);
  glDeleteProgram (self->room_program);
  self->panel_program = self->room_program = 0;
}

/* Compiles the shaders for the GL context that is current now (OpenGL 3.3
 * core or OpenGL ES 3.0, whichever it is). */
gboolean
px_stage_renderer_realize (PxStageRenderer  *self,
                           GError          **error)
{
  g_return_val_if_fail (PX_IS_STAGE_RENDERER (self), FALSE);

  if (self->realized)
    return TRUE;

  if (epoxy_gl_version () < (epoxy_is_desktop_gl () ? 33 : 30))
    {
      g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_NO_CONTEXT,
                   "The stage needs OpenGL 3.3 or OpenGL ES 3.0; the current context "
                   "offers %s %d.%d", epoxy_is_desktop_gl () ? "OpenGL" : "OpenGL ES",
                   epoxy_gl_version () / 10, epoxy_gl_version () % 10);
      return FALSE;
    }

  self->flavor = px_gl_flavor_of_current_context ();
  for (int n = 0; n < PX_PARTICIPANT_MAX_VIEWS; n++)
    {
      g_autofree char *defines = g_strdup_printf ("#define PX_VIEWS %d\n", n + 1);

      self->view_programs[n] = px_gl_program_new (self->flavor, "view.vert", "view.frag",
                                                  defines, error);
      if (self->view_programs[n] == 0)
        break;
    }
  if (self->view_programs[PX_PARTICIPANT_MAX_VIEWS - 1] != 0)
    self->panel_program = px_gl_program_new (self->flavor, "panel.vert", "panel.frag", NULL, error);
  if (self->panel_program != 0)
    self->room_program = px_gl_program_new (self->flavor, "room.vert", "room.frag", NULL, error);
  if (self->room_program == 0)
    {
      px_stage_renderer_delete_programs (self);
      return FALSE;
    }
  px_stage_renderer_lookup_uniforms (self);

  /* Core profiles draw nothing without a vertex array object, even when
   * every vertex comes from gl_VertexID. */
  glGenVertexArrays (1, &self->empty_vao);

  glGenVertexArrays (1, &self->room_vao);
  glGenBuffers (1, &self->room_vbo);
  glBindVertexArray (self->room_vao);
  glBindBuffer (GL_ARRAY_BUFFER, self->room_vbo);
  glBufferData (GL_ARRAY_BUFFER, sizeof room_vertices, room_vertices, GL_STATIC_DRAW);
  glEnableVertexAttribArray (0);
  glVertexAttribPointer (0, 4, GL_FLOAT, GL_FALSE, 4 * sizeof (float), NULL);
  glBindVertexArray (0);
  glBindBuffer (GL_ARRAY_BUFFER, 0);

  self->realized = TRUE;
  return TRUE;
}

/* Deletes every GL object; the context they were made in must be current.
 * Participants stay, and are uploaded again after the next realize. */
void
px_stage_renderer_unrealize (PxStageRenderer *self)
{
  g_return_if_fail (PX_IS_STAGE_RENDERER (self));

  if (!self->realized)
    return;

  for (guint i = 0; i < self->entries->len; i++)
    px_stage_entry_release_gl (g_ptr_array_index (self->entries, i));
  if (self->self_view != NULL)
    px_stage_entry_release_gl (self->self_view);
  for (guint i = 0; i < self->retired->len; i++)
    px_stage_entry_release_gl (g_ptr_array_index (self->retired, i));
  g_ptr_array_set_size (self->retired, 0);

  px_stage_renderer_delete_programs (self);
  glDeleteVertexArrays (1, &self->empty_vao);
  glDeleteVertexArrays (1, &self->room_vao);
  glDeleteBuffers (1, &self->room_vbo);
  self->empty_vao = self->room_vao = self->room_vbo = 0;
  glDeleteFramebuffers (1, &self->room_cache_fbo);
  glDeleteRenderbuffers (1, &self->room_cache_color);
  glDeleteRenderbuffers (1, &self->room_cache_depth);
  self->room_cache_fbo = self->room_cache_color = self->room_cache_depth = 0;
  self->room_cached = FALSE;
  /* The next context may copy where this one could not. */
  self->room_cache_failed = FALSE;
  memset (&self->room_last_key, 0, sizeof self->room_last_key);

  self->realized = FALSE;
}

/* -- Uploads ------------------------------------------------------------- */

static void
px_upload_plane (PxStageRenderer *self,
                 GLuint          *texture,
                 gboolean         reallocate,
                 GLenum           internal_format,
                 GLenum           format,
                 GLenum           type,
                 int              width,
                 int              height,
                 gsize            bytes_per_pixel,
                 const void      *data)
{
  if (*texture == 0)
    {
      GLint filter = type == GL_FLOAT ? GL_NEAREST : GL_LINEAR;

      glGenTextures (1, texture);
      glBindTexture (GL_TEXTURE_2D, *texture);
      /* Float textures are not filterable on OpenGL ES 3.0; depth is
       * fetched sample by sample anyway. */
      glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, filter);
      glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, filter);
      glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
      glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
      reallocate = TRUE;
    }
  else
    glBindTexture (GL_TEXTURE_2D, *texture);

  if (reallocate)
    {
      glTexImage2D (GL_TEXTURE_2D, 0, internal_format, width, height, 0, format, type, NULL);
      self->stats.textures_allocated++;
    }
  glTexSubImage2D (GL_TEXTURE_2D, 0, 0, 0, width, height, format, type, data);
  self->stats.bytes_uploaded += (guint64) width * height * bytes_per_pixel;
}

static void
px_stage_entry_upload (PxStageRenderer    *self,
                       PxStageEntry       *entry,
                       PxParticipantFrame *frame)
{
  gint64 start = g_get_monotonic_time ();

  glPixelStorei (GL_UNPACK_ALIGNMENT, 1);
  glPixelStorei (GL_UNPACK_ROW_LENGTH, 0);
  /* Element buffer bindings belong to the bound vertex array: ours. */
  glBindVertexArray (self->empty_vao);

  for (guint i = 0; i < frame->n_views; i++)
    {
      const PxStoredView *view = &frame->views[i];
      PxViewTextures *textures = &entry->views[i];
      gboolean color_resized = textures->width != view->width ||
                               textures->height != view->height ||
                               textures->format != view->format;

      if (view->format == PX_COLOR_FORMAT_RGBA)
        px_upload_plane (self, &textures->planes[0], color_resized, GL_RGBA8, GL_RGBA,
                         GL_UNSIGNED_BYTE, view->width, view->height, 4, view->planes[0]);
      else
        {
          /* Y, then U and V interleaved (px-participant-private.h). */
          px_upload_plane (self, &textures->planes[0], color_resized, GL_R8, GL_RED,
                           GL_UNSIGNED_BYTE, view->width, view->height, 1, view->planes[0]);
          px_upload_plane (self, &textures->planes[1], color_resized, GL_RG8, GL_RG,
                           GL_UNSIGNED_BYTE, view->width / 2, view->height / 2, 2,
                           view->planes[1]);
        }
      textures->format = view->format;
      textures->width = view->width;
      textures->height = view->height;

      if (view->depth != NULL)
        {
          gboolean depth_resized = textures->depth_width != view->depth_width ||
                                   textures->depth_height != view->depth_height;

          px_upload_plane (self, &textures->depth, depth_resized, GL_R32F, GL_RED, GL_FLOAT,
                           view->depth_width, view->depth_height, sizeof (float), view->depth);
          textures->depth_width = view->depth_width;
          textures->depth_height = view->depth_height;

          /* The buffer grows when it must and is otherwise rewritten in
           * place; a zero-size buffer draws nothing. */
          if (textures->indices == 0)
            glGenBuffers (1, &textures->indices);
          glBindBuffer (GL_ELEMENT_ARRAY_BUFFER, textures->indices);
          if (view->n_indices * sizeof (guint32) > textures->indices_size)
            {
              textures->indices_size = view->n_indices * sizeof (guint32);
              glBufferData (GL_ELEMENT_ARRAY_BUFFER, textures->indices_size, view->indices,
                            GL_STREAM_DRAW);
            }
          else if (view->n_indices > 0)
            glBufferSubData (GL_ELEMENT_ARRAY_BUFFER, 0, view->n_indices * sizeof (guint32),
                             view->indices);
          self->stats.bytes_uploaded += view->n_indices * sizeof (guint32);
        }
    }

  glBindVertexArray (0);
  glBindTexture (GL_TEXTURE_2D, 0);
  g_clear_pointer (&entry->frame, px_participant_frame_unref);
  entry->frame = px_participant_frame_ref (frame);
  self->stats.frames_uploaded++;
  self->stats.upload_time_us += g_get_monotonic_time () - start;
}

static void
px_stage_entry_update (PxStageRenderer *self,
                       PxStageEntry    *entry)
{
  g_autoptr(PxParticipantFrame) frame = px_participant_dup_frame (entry->participant);

  if (frame == NULL)
    return;
  if (entry->frame != NULL && entry->frame->generation == frame->generation)
    return;
  px_stage_entry_upload (self, entry, frame);
}

/* -- Layout -------------------------------------------------------------- */

/* The participant's own frame turned to face the viewer and centred on
 * the floor's origin: M = T(-centre) then a turn about y. */
static void
px_stage_entry_facing (PxStageEntry *entry,
                       mat4          facing)
{
  const PxParticipantExtent *extent = &entry->frame->extent;
  double cx = (extent->min[0] + extent->max[0]) / 2;
  double cz = (extent->min[2] + extent->max[2]) / 2;
  double angle = -atan2 (extent->front[0], extent->front[1]);
  double min_x = G_MAXDOUBLE, max_x = -G_MAXDOUBLE;
  double min_z = G_MAXDOUBLE, max_z = -G_MAXDOUBLE;
  vec3 to_origin = { (float) -cx, 0.0f, (float) -cz };

  glm_mat4_identity (facing);
  glm_rotate_y (facing, (float) angle, facing);
  glm_translate (facing, to_origin);

  /* The footprint as the viewer sees it, for the layout and the shadow. */
  for (int corner = 0; corner < 4; corner++)
    {
      double x = (corner & 1 ? extent->max[0] : extent->min[0]) - cx;
      double z = (corner & 2 ? extent->max[2] : extent->min[2]) - cz;
      double turned_x = cos (angle) * x + sin (angle) * z;
      double turned_z = -sin (angle) * x + cos (angle) * z;

      min_x = MIN (min_x, turned_x);
      max_x = MAX (max_x, turned_x);
      min_z = MIN (min_z, turned_z);
      max_z = MAX (max_z, turned_z);
    }
  entry->width = max_x - min_x;
  entry->depth = max_z - min_z;
}

static void
px_stage_renderer_set_scale (PxStageRenderer *self,
                             double           scale)
{
  if (fabs (self->scale - scale) < 1e-9)
    return;
  self->scale = scale;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCALE]);
}

/* Places every participant that has a frame; returns how many. */
static guint
px_stage_renderer_layout (PxStageRenderer *self,
                          PxStageEntry   **placed)
{
  PxStageLayoutItem items[64];
  double centers[64];
  mat4 facing[64];
  guint n = 0;
  double scale;

  for (guint i = 0; i < self->entries->len && n < G_N_ELEMENTS (items); i++)
    {
      PxStageEntry *entry = g_ptr_array_index (self->entries, i);

      if (entry->frame == NULL || !entry->frame->has_extent)
        continue;

      if (entry->frame->kind == PX_PARTICIPANT_FLAT)
        {
          glm_mat4_identity (facing[n]);
          entry->width = entry->frame->extent.max[0] - entry->frame->extent.min[0];
          entry->depth = 0.0;
        }
      else
        px_stage_entry_facing (entry, facing[n]);

      items[n].width = entry->width;
      items[n].height = MAX (entry->frame->extent.max[1], 0.0);
      placed[n++] = entry;
    }

  scale = px_stage_layout_compute (items, n, self->screen_width, self->screen_height, centers);
  px_stage_renderer_set_scale (self, scale);

  for (guint i = 0; i < n; i++)
    {
      PxStageEntry *entry = placed[i];
      mat4 model;
      vec3 scale_vec = { (float) scale, (float) scale, (float) scale };
      vec3 slot = { (float) centers[i], 0.0f, 0.0f };

      entry->center_x = centers[i];
      glm_scale_make (model, scale_vec);
      glm_translate (model, slot);
      if (entry->frame->kind == PX_PARTICIPANT_FLAT)
        {
          vec3 panel = { (float) entry->width, (float) entry->frame->panel_height, 1.0f };

          glm_scale (model, panel);
        }
      else
        glm_mat4_mul (model, facing[i], model);
      memcpy (entry->model, model, sizeof entry->model);
    }

  return n;
}

/* -- Drawing ------------------------------------------------------------- */

static void
px_bind_view_textures (const PxViewTextures *textures,
                       int                   first_unit)
{
  for (int p = 0; p < 2; p++)
    {
      glActiveTexture (GL_TEXTURE0 + first_unit + p);
      glBindTexture (GL_TEXTURE_2D, textures->planes[p]);
    }
  glActiveTexture (GL_TEXTURE0 + first_unit + 3);
  glBindTexture (GL_TEXTURE_2D, textures->depth);
}

/* What the room around @placed looks like, for drawing or comparing. */
static void
px_stage_renderer_room_key (PxStageRenderer *self,
                            PxStageEntry   **placed,
                            guint            n_placed,
                            const float     *view_projection,
                            PxRoomKey       *key)
{
  double scale = self->scale;
  double half_width = self->screen_width / (2 * scale) + 0.5;
  double ceiling = MAX (self->screen_height / scale, PX_ROOM_MIN_CEILING_M);
  float *shadows = key->shadows;
  int n_shadows = 0;
  mat4 model;
  vec3 size;

  for (guint i = 0; i < n_placed; i++)
    half_width = MAX (half_width, fabs (placed[i]->center_x) + placed[i]->width / 2 + 0.5);

  size[0] = (float) (half_width * scale);
  size[1] = (float) (ceiling * scale);
  size[2] = (float) (PX_ROOM_DEPTH_M * scale);
  glm_scale_make (model, size);

  for (guint i = 0; i < n_placed && n_shadows < PX_MAX_SHADOWS; i++, n_shadows++)
    {
      shadows[n_shadows * 4 + 0] = (float) (placed[i]->center_x * scale);
      shadows[n_shadows * 4 + 1] = 0.0f;
      shadows[n_shadows * 4 + 2] = (float) (MAX (placed[i]->width * 0.4, 0.25) * scale);
      shadows[n_shadows * 4 + 3] = (float) (MAX (placed[i]->depth * 0.5, 0.25) * scale);
    }

  memcpy (key->view_projection, view_projection, sizeof key->view_projection);
  memcpy (key->model, model, sizeof key->model);
  key->room_min[0] = -size[0];
  key->room_min[1] = 0.0f;
  key->room_min[2] = -size[2];
  key->room_max[0] = size[0];
  key->room_max[1] = size[1];
  key->room_max[2] = 0.0f;
  key->scale = (float) scale;
  key->n_shadows = n_shadows;
}

static void
px_stage_renderer_draw_room (PxStageRenderer *self,
                             const PxRoomKey *key)
{
  const PxRoomUniforms *u = &self->room_uniforms;

  glUseProgram (self->room_program);
  glUniformMatrix4fv (u->model, 1, GL_FALSE, key->model);
  glUniformMatrix4fv (u->view_projection, 1, GL_FALSE, key->view_projection);
  glUniform3fv (u->room_min, 1, key->room_min);
  glUniform3fv (u->room_max, 1, key->room_max);
  glUniform1f (u->scale, key->scale);
  glUniform1i (u->n_shadows, key->n_shadows);
  if (key->n_shadows > 0)
    glUniform4fv (u->shadows, key->n_shadows, key->shadows);

  glBindVertexArray (self->room_vao);
  glDrawArrays (GL_TRIANGLES, 0, G_N_ELEMENTS (room_vertices) / 4);
  self->stats.rooms_drawn++;
}

/* The formats of the draw framebuffer's colour and depth, as the sized
 * formats a copy of them needs (a depth copy needs the very same format),
 * or FALSE where the cache cannot match them: the default framebuffer,
 * multisampling, sRGB encoding, anything but 8-bit colour. */
static gboolean
px_stage_renderer_target_formats (GLenum *color_format,
                                  GLenum *depth_format)
{
  GLint framebuffer = 0, samples = 0, type = GL_NONE, encoding = GL_LINEAR;
  GLint red = 0, green = 0, blue = 0, alpha = 0, depth = 0, stencil = 0;
  GLint depth_type = GL_NONE;

  glGetIntegerv (GL_DRAW_FRAMEBUFFER_BINDING, &framebuffer);
  glGetIntegerv (GL_SAMPLES, &samples);
  if (framebuffer == 0 || samples > 0)
    return FALSE;

  glGetFramebufferAttachmentParameteriv (GL_DRAW_FRAMEBUFFER, GL_COLOR_ATTACHMENT0,
                                         GL_FRAMEBUFFER_ATTACHMENT_OBJECT_TYPE, &type);
  if (type == GL_NONE)
    return FALSE;
  glGetFramebufferAttachmentParameteriv (GL_DRAW_FRAMEBUFFER, GL_COLOR_ATTACHMENT0,
                                         GL_FRAMEBUFFER_ATTACHMENT_COLOR_ENCODING, &encoding);
  glGetFramebufferAttachmentParameteriv (GL_DRAW_FRAMEBUFFER, GL_COLOR_ATTACHMENT0,
                                         GL_FRAMEBUFFER_ATTACHMENT_RED_SIZE, &red);
  glGetFramebufferAttachmentParameteriv (GL_DRAW_FRAMEBUFFER, GL_COLOR_ATTACHMENT0,
                                         GL_FRAMEBUFFER_ATTACHMENT_GREEN_SIZE, &green);
  glGetFramebufferAttachmentParameteriv (GL_DRAW_FRAMEBUFFER, GL_COLOR_ATTACHMENT0,
                                         GL_FRAMEBUFFER_ATTACHMENT_BLUE_SIZE, &blue);
  glGetFramebufferAttachmentParameteriv (GL_DRAW_FRAMEBUFFER, GL_COLOR_ATTACHMENT0,
                                         GL_FRAMEBUFFER_ATTACHMENT_ALPHA_SIZE, &alpha);
  if (encoding != GL_LINEAR || red != 8 || green != 8 || blue != 8)
    return FALSE;
  if (alpha == 8)
    *color_format = GL_RGBA8;
  else if (alpha == 0)
    *color_format = GL_RGB8;
  else
    return FALSE;

  type = GL_NONE;
  glGetFramebufferAttachmentParameteriv (GL_DRAW_FRAMEBUFFER, GL_DEPTH_ATTACHMENT,
                                         GL_FRAMEBUFFER_ATTACHMENT_OBJECT_TYPE, &type);
  if (type == GL_NONE)
    {
      *depth_format = GL_NONE;
      return TRUE;
    }
  glGetFramebufferAttachmentParameteriv (GL_DRAW_FRAMEBUFFER, GL_DEPTH_ATTACHMENT,
                                         GL_FRAMEBUFFER_ATTACHMENT_DEPTH_SIZE, &depth);
  glGetFramebufferAttachmentParameteriv (GL_DRAW_FRAMEBUFFER, GL_DEPTH_ATTACHMENT,
                                         GL_FRAMEBUFFER_ATTACHMENT_STENCIL_SIZE, &stencil);
  glGetFramebufferAttachmentParameteriv (GL_DRAW_FRAMEBUFFER, GL_DEPTH_ATTACHMENT,
                                         GL_FRAMEBUFFER_ATTACHMENT_COMPONENT_TYPE, &depth_type);
  if (depth == 16 && stencil == 0)
    *depth_format = GL_DEPTH_COMPONENT16;
  else if (depth == 24)
    *depth_format = stencil == 8 ? GL_DEPTH24_STENCIL8 : GL_DEPTH_COMPONENT24;
  else if (depth == 32 && depth_type == GL_FLOAT)
    *depth_format = stencil == 8 ? GL_DEPTH32F_STENCIL8 : GL_DEPTH_COMPONENT32F;
  else
    return FALSE;
  return TRUE;
}

/* (Re)creates the cache's framebuffer for @key's size and formats. */
static gboolean
px_stage_renderer_allocate_room_cache (PxStageRenderer *self,
                                       const PxRoomKey *key)
{
  GLenum status;

  if (self->room_cache_fbo == 0)
    {
      glGenFramebuffers (1, &self->room_cache_fbo);
      glGenRenderbuffers (1, &self->room_cache_color);
      glGenRenderbuffers (1, &self->room_cache_depth);
    }
  glBindRenderbuffer (GL_RENDERBUFFER, self->room_cache_color);
  glRenderbufferStorage (GL_RENDERBUFFER, key->color_format, key->width_px, key->height_px);
  if (key->depth_format != GL_NONE)
    {
      glBindRenderbuffer (GL_RENDERBUFFER, self->room_cache_depth);
      glRenderbufferStorage (GL_RENDERBUFFER, key->depth_format, key->width_px, key->height_px);
    }
  glBindRenderbuffer (GL_RENDERBUFFER, 0);

  glBindFramebuffer (GL_DRAW_FRAMEBUFFER, self->room_cache_fbo);
  glFramebufferRenderbuffer (GL_DRAW_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER,
                             self->room_cache_color);
  glFramebufferRenderbuffer (GL_DRAW_FRAMEBUFFER, GL_DEPTH_ATTACHMENT, GL_RENDERBUFFER,
                             key->depth_format != GL_NONE ? self->room_cache_depth : 0);
  glFramebufferRenderbuffer (GL_DRAW_FRAMEBUFFER, GL_STENCIL_ATTACHMENT, GL_RENDERBUFFER,
                             key->depth_format == GL_DEPTH24_STENCIL8 ||
                             key->depth_format == GL_DEPTH32F_STENCIL8 ?
                             self->room_cache_depth : 0);
  status = glCheckFramebufferStatus (GL_DRAW_FRAMEBUFFER);
  return status == GL_FRAMEBUFFER_COMPLETE;
}

/* Draws the room into the framebuffer bound now (already cleared), from
 * the cache where it can. */
static void
px_stage_renderer_room (PxStageRenderer *self,
                        PxStageEntry   **placed,
                        guint            n_placed,
                        const float     *view_projection,
                        int              width_px,
                        int              height_px)
{
  PxRoomKey key;
  GLint target = 0, read = 0;
  GLbitfield mask;
  gboolean stable;

  memset (&key, 0, sizeof key);
  px_stage_renderer_room_key (self, placed, n_placed, view_projection, &key);
  key.width_px = width_px;
  key.height_px = height_px;
  if (self->room_cache_failed ||
      !px_stage_renderer_target_formats (&key.color_format, &key.depth_format))
    {
      px_stage_renderer_draw_room (self, &key);
      return;
    }

  /* A room that changes every frame (a moving viewer) is drawn directly:
   * through the cache it would cost a copy more. */
  stable = memcmp (&key, &self->room_last_key, sizeof key) == 0;
  self->room_last_key = key;
  if (!(self->room_cached && memcmp (&key, &self->room_cache_key, sizeof key) == 0) && !stable)
    {
      px_stage_renderer_draw_room (self, &key);
      return;
    }

  glGetIntegerv (GL_DRAW_FRAMEBUFFER_BINDING, &target);
  glGetIntegerv (GL_READ_FRAMEBUFFER_BINDING, &read);
  mask = GL_COLOR_BUFFER_BIT | (key.depth_format != GL_NONE ? GL_DEPTH_BUFFER_BIT : 0);

  if (!(self->room_cached && memcmp (&key, &self->room_cache_key, sizeof key) == 0))
    {
      gboolean reallocate = !self->room_cached ||
                            self->room_cache_key.width_px != key.width_px ||
                            self->room_cache_key.height_px != key.height_px ||
                            self->room_cache_key.color_format != key.color_format ||
                            self->room_cache_key.depth_format != key.depth_format;

      self->room_cached = FALSE;
      if (reallocate && !px_stage_renderer_allocate_room_cache (self, &key))
        {
          self->room_cache_failed = TRUE;
          glBindFramebuffer (GL_DRAW_FRAMEBUFFER, target);
          px_stage_renderer_draw_room (self, &key);
          return;
        }
      glBindFramebuffer (GL_DRAW_FRAMEBUFFER, self->room_cache_fbo);
      glClear (GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
      px_stage_renderer_draw_room (self, &key);
      self->room_cache_key = key;
      self->room_cached = TRUE;
      glBindFramebuffer (GL_DRAW_FRAMEBUFFER, target);

      /* Errors left by others would be taken for the copy's. */
      while (glGetError () != GL_NO_ERROR)
        ;
      glBindFramebuffer (GL_READ_FRAMEBUFFER, self->room_cache_fbo);
      glBlitFramebuffer (0, 0, width_px, height_px, 0, 0, width_px, height_px, mask, GL_NEAREST);
      glBindFramebuffer (GL_READ_FRAMEBUFFER, read);
      if (glGetError () != GL_NO_ERROR)
        {
          g_debug ("The room cannot be copied into this framebuffer; it is drawn every frame");
          self->room_cache_failed = TRUE;
          self->room_cached = FALSE;
          px_stage_renderer_draw_room (self, &key);
        }
      return;
    }

  glBindFramebuffer (GL_READ_FRAMEBUFFER, self->room_cache_fbo);
  glBlitFramebuffer (0, 0, width_px, height_px, 0, 0, width_px, height_px, mask, GL_NEAREST);
  glBindFramebuffer (GL_READ_FRAMEBUFFER, read);
  self->stats.rooms_copied++;
}

static void
px_stage_renderer_draw_volumetric (PxStageRenderer *self,
                                   PxStageEntry    *entry,
                                   const float     *view_projection,
                                   const double     eye[3])
{
  const PxParticipantFrame *frame = entry->frame;
  const PxViewUniforms *u = &self->view_uniforms[frame->n_views - 1];
  float rotations[PX_PARTICIPANT_MAX_VIEWS * 9];
  float translations[PX_PARTICIPANT_MAX_VIEWS * 3];
  float centers[PX_PARTICIPANT_MAX_VIEWS * 3];
  float intrinsics[PX_PARTICIPANT_MAX_VIEWS * 4];
  float images[PX_PARTICIPANT_MAX_VIEWS * 2];
  int formats[PX_PARTICIPANT_MAX_VIEWS];
  mat4 inverse_model;
  vec4 eye_stage = { (float) eye[0], (float) eye[1], (float) eye[2], 1.0f };
  vec4 eye_rig;
  int n_views = (int) frame->n_views;

  for (int k = 0; k < n_views; k++)
    {
      const PxCameraModel *camera = &frame->views[k].camera;
      double center[3];

      /* GLSL matrices are column-major; the pose is row-major. */
      for (int row = 0; row < 3; row++)
        for (int column = 0; column < 3; column++)
          rotations[k * 9 + column * 3 + row] = (float) camera->rotation[row * 3 + column];
      px_camera_model_center (camera, center);
      for (int i = 0; i < 3; i++)
        {
          translations[k * 3 + i] = (float) camera->translation[i];
          centers[k * 3 + i] = (float) center[i];
        }
      intrinsics[k * 4 + 0] = (float) camera->fx;
      intrinsics[k * 4 + 1] = (float) camera->fy;
      intrinsics[k * 4 + 2] = (float) camera->cx;
      intrinsics[k * 4 + 3] = (float) camera->cy;
      images[k * 2 + 0] = (float) camera->width;
      images[k * 2 + 1] = (float) camera->height;
      formats[k] = frame->views[k].format == PX_COLOR_FORMAT_RGBA ? 1 : 0;

      px_bind_view_textures (&entry->views[k], k * 4);
    }

  glm_mat4_inv ((vec4 *) entry->model, inverse_model);
  glm_mat4_mulv (inverse_model, eye_stage, eye_rig);

  glUseProgram (self->view_programs[n_views - 1]);
  glUniformMatrix3fv (u->rotations, n_views, GL_FALSE, rotations);
  glUniform3fv (u->translations, n_views, translations);
  glUniform3fv (u->centers, n_views, centers);
  glUniform4fv (u->intrinsics, n_views, intrinsics);
  glUniform2fv (u->images, n_views, images);
  glUniform1iv (u->formats, n_views, formats);
  glUniformMatrix4fv (u->model, 1, GL_FALSE, entry->model);
  glUniformMatrix4fv (u->view_projection, 1, GL_FALSE, view_projection);
  glUniform3f (u->eye_rig, eye_rig[0] / eye_rig[3], eye_rig[1] / eye_rig[3], eye_rig[2] / eye_rig[3]);
  glUniform1f (u->visibility, PX_VISIBILITY_TOLERANCE);
  glUniform1f (u->border_fade, PX_BORDER_FADE_PX);

  glBindVertexArray (self->empty_vao);
  for (int k = 0; k < n_views; k++)
    {
      const PxStoredView *view = &frame->views[k];

      if (view->n_indices == 0)
        continue;
      glUniform1i (u->self, k);
      glUniform1i (u->depth_self, k * 4 + 3);
      glUniform2i (u->grid, view->depth_width, view->depth_height);
      /* gl_VertexID is the index: the depth sample y × width + x. */
      glBindBuffer (GL_ELEMENT_ARRAY_BUFFER, entry->views[k].indices);
      glDrawElements (GL_TRIANGLES, (GLsizei) view->n_indices, GL_UNSIGNED_INT, NULL);
    }
}

static void
px_stage_renderer_draw_panel (PxStageRenderer *self,
                              PxStageEntry    *entry,
                              const float     *model,
                              const float     *view_projection)
{
  const PxPanelUniforms *u = &self->panel_uniforms;

  px_bind_view_textures (&entry->views[0], 0);
  glUseProgram (self->panel_program);
  glUniformMatrix4fv (u->model, 1, GL_FALSE, model);
  glUniformMatrix4fv (u->view_projection, 1, GL_FALSE, view_projection);
  glUniform1i (u->format, entry->frame->views[0].format == PX_COLOR_FORMAT_RGBA ? 1 : 0);
  glBindVertexArray (self->empty_vao);
  glDrawArrays (GL_TRIANGLE_STRIP, 0, 4);
}

/* The user's own camera, mirrored as in a mirror, in the bottom right
 * corner at a fifth of the stage's width. */
static void
px_stage_renderer_draw_self_view (PxStageRenderer *self,
                                  int              width_px,
                                  int              height_px)
{
  const PxStoredView *view;
  mat4 identity, projection;
  int view_width, view_height;

  px_stage_entry_update (self, self->self_view);
  if (self->self_view->frame == NULL)
    return;

  view = &self->self_view->frame->views[0];
  view_width = (int) (width_px * PX_SELF_VIEW_FRACTION);
  view_height = view_width * view->height / view->width;
  if (view_width < 16 || view_height < 16 || view_height > height_px / 2)
    return;

  glEnable (GL_SCISSOR_TEST);
  glScissor (width_px - view_width - PX_SELF_VIEW_MARGIN_PX, PX_SELF_VIEW_MARGIN_PX,
             view_width, view_height);
  glViewport (width_px - view_width - PX_SELF_VIEW_MARGIN_PX, PX_SELF_VIEW_MARGIN_PX,
              view_width, view_height);
  glClear (GL_DEPTH_BUFFER_BIT);
  glDisable (GL_SCISSOR_TEST);

  glm_mat4_identity (identity);
  glm_ortho (0.5f, -0.5f, 0.0f, 1.0f, -1.0f, 1.0f, projection);
  px_stage_renderer_draw_panel (self, self->self_view, (const float *) identity,
                                (const float *) projection);
  glViewport (0, 0, width_px, height_px);
}

gboolean
px_stage_renderer_has_new_frames (PxStageRenderer *self)
{
  g_return_val_if_fail (PX_IS_STAGE_RENDERER (self), FALSE);

  for (guint i = 0; i < self->entries->len; i++)
    {
      PxStageEntry *entry = g_ptr_array_index (self->entries, i);
      guint64 generation = px_participant_get_generation (entry->participant);

      if (generation != 0 && (entry->frame == NULL || entry->frame->generation != generation))
        return TRUE;
    }
  if (self->self_view != NULL)
    {
      guint64 generation = px_participant_get_generation (self->self_view->participant);

      if (generation != 0 && (self->self_view->frame == NULL ||
                              self->self_view->frame->generation != generation))
        return TRUE;
    }
  return FALSE;
}

/* Draws the stage into the framebuffer bound now, which is @width_px by
 * @height_px pixels and shows the screen set with set_screen(). */
gboolean
px_stage_renderer_render (PxStageRenderer  *self,
                          int               width_px,
                          int               height_px,
                          GError          **error)
{
  PxStageEntry *placed[64];
  float view_projection[16];
  double eye[3];
  guint n_placed;

  g_return_val_if_fail (PX_IS_STAGE_RENDERER (self), FALSE);

  if (!self->realized)
    {
      g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_NO_CONTEXT,
                   "The stage renderer is not realized");
      return FALSE;
    }
  if (width_px <= 0 || height_px <= 0)
    {
      g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_INVALID_INPUT,
                   "Cannot render into %dx%d pixels", width_px, height_px);
      return FALSE;
    }

  for (guint i = 0; i < self->retired->len; i++)
    px_stage_entry_release_gl (g_ptr_array_index (self->retired, i));
  g_ptr_array_set_size (self->retired, 0);

  for (guint i = 0; i < self->entries->len; i++)
    px_stage_entry_update (self, g_ptr_array_index (self->entries, i));

  n_placed = px_stage_renderer_layout (self, placed);

  eye[0] = self->viewer_offset[0];
  eye[1] = self->screen_height / 2 + self->viewer_offset[1];
  eye[2] = self->viewer_distance;
  px_stage_projection (self->screen_width, self->screen_height, eye,
                       MIN (PX_NEAR_M, eye[2] / 2), PX_FAR_M, view_projection);

  glViewport (0, 0, width_px, height_px);
  glDisable (GL_BLEND);
  glDisable (GL_CULL_FACE);
  glDisable (GL_SCISSOR_TEST);
  glDepthMask (GL_TRUE);
  glColorMask (GL_TRUE, GL_TRUE, GL_TRUE, GL_TRUE);
  if (self->transparent)
    glClearColor (0.0f, 0.0f, 0.0f, 0.0f);
  else
    glClearColor (PX_BACKGROUND_R, PX_BACKGROUND_G, PX_BACKGROUND_B, 1.0f);
  glClearDepthf (1.0f);
  glClear (GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
  glEnable (GL_DEPTH_TEST);
  glDepthFunc (GL_LESS);

  if (!self->transparent)
    px_stage_renderer_room (self, placed, n_placed, view_projection, width_px, height_px);

  for (guint i = 0; i < n_placed; i++)
    {
      if (placed[i]->frame->kind == PX_PARTICIPANT_FLAT)
        px_stage_renderer_draw_panel (self, placed[i], placed[i]->model, view_projection);
      else
        px_stage_renderer_draw_volumetric (self, placed[i], view_projection, eye);
    }

  if (self->self_view != NULL)
    px_stage_renderer_draw_self_view (self, width_px, height_px);

  glBindVertexArray (0);
  glUseProgram (0);
  for (int unit = 0; unit < 4 * PX_PARTICIPANT_MAX_VIEWS; unit++)
    {
      glActiveTexture (GL_TEXTURE0 + unit);
      glBindTexture (GL_TEXTURE_2D, 0);
    }
  glActiveTexture (GL_TEXTURE0);
  glDisable (GL_DEPTH_TEST);

  self->stats.frames_rendered++;
  return TRUE;
}

/* -- Configuration ------------------------------------------------------- */

/* The physical size of the surface the framebuffer covers. */
void
px_stage_renderer_set_screen (PxStageRenderer *self,
                              double           width_m,
                              double           height_m)
{
  g_return_if_fail (PX_IS_STAGE_RENDERER (self));
  g_return_if_fail (width_m > 0 && height_m > 0);

  self->screen_width = width_m;
  self->screen_height = height_m;
}

/* Where the viewer's eye is: @distance_m in front of the glass, offset
 * from its centre by @offset_x_m to the right and @offset_y_m up. */
void
px_stage_renderer_set_viewer (PxStageRenderer *self,
                              double           offset_x_m,
                              double           offset_y_m,
                              double           distance_m)
{
  g_return_if_fail (PX_IS_STAGE_RENDERER (self));
  g_return_if_fail (distance_m > 0);

  self->viewer_offset[0] = offset_x_m;
  self->viewer_offset[1] = offset_y_m;
  self->viewer_distance = distance_m;
}

/* Without the room: alpha 0 wherever no participant is, for compositing. */
void
px_stage_renderer_set_transparent (PxStageRenderer *self,
                                   gboolean         transparent)
{
  g_return_if_fail (PX_IS_STAGE_RENDERER (self));
  self->transparent = !!transparent;
}

static int
px_stage_renderer_find (PxStageRenderer *self,
                        PxParticipant   *participant)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      PxStageEntry *entry = g_ptr_array_index (self->entries, i);

      if (entry->participant == participant)
        return (int) i;
    }
  return -1;
}

/* Participants stand left to right in the order they were added. */
void
px_stage_renderer_add_participant (PxStageRenderer *self,
                                   PxParticipant   *participant)
{
  g_return_if_fail (PX_IS_STAGE_RENDERER (self));
  g_return_if_fail (PX_IS_PARTICIPANT (participant));

  if (px_stage_renderer_find (self, participant) >= 0)
    return;
  g_ptr_array_add (self->entries, px_stage_entry_new (participant));
}

static void
px_stage_renderer_retire (PxStageRenderer *self,
                          PxStageEntry    *entry)
{
  if (px_stage_entry_has_gl (entry))
    {
      /* Its textures go at the next render or unrealize, when the
       * context is current. */
      g_clear_object (&entry->participant);
      g_ptr_array_add (self->retired, entry);
    }
  else
    px_stage_entry_free (entry);
}

void
px_stage_renderer_remove_participant (PxStageRenderer *self,
                                      PxParticipant   *participant)
{
  int index;

  g_return_if_fail (PX_IS_STAGE_RENDERER (self));

  index = px_stage_renderer_find (self, participant);
  if (index < 0)
    return;
  px_stage_renderer_retire (self, g_ptr_array_steal_index (self->entries, index));
}

guint
px_stage_renderer_get_n_participants (PxStageRenderer *self)
{
  g_return_val_if_fail (PX_IS_STAGE_RENDERER (self), 0);
  return self->entries->len;
}

/* The user's own camera (a flat participant), or NULL for none. */
void
px_stage_renderer_set_self_view (PxStageRenderer *self,
                                 PxParticipant   *participant)
{
  g_return_if_fail (PX_IS_STAGE_RENDERER (self));
  g_return_if_fail (participant == NULL || PX_IS_PARTICIPANT (participant));

  if (self->self_view != NULL && self->self_view->participant == participant)
    return;
  if (self->self_view != NULL)
    px_stage_renderer_retire (self, g_steal_pointer (&self->self_view));
  if (participant != NULL)
    self->self_view = px_stage_entry_new (participant);
}

/* 1.0 when everyone stands life-size; less when the group was shrunk to
 * fit the screen (the "not life-size" factor). */
double
px_stage_renderer_get_scale (PxStageRenderer *self)
{
  g_return_val_if_fail (PX_IS_STAGE_RENDERER (self), 1.0);
  return self->scale;
}

gboolean
px_stage_renderer_get_life_size (PxStageRenderer *self)
{
  g_return_val_if_fail (PX_IS_STAGE_RENDERER (self), TRUE);
  return self->scale >= 1.0 - 1e-9;
}

gboolean
px_stage_renderer_get_realized (PxStageRenderer *self)
{
  g_return_val_if_fail (PX_IS_STAGE_RENDERER (self), FALSE);
  return self->realized;
}

gboolean
px_stage_renderer_get_uses_es (PxStageRenderer *self)
{
  g_return_val_if_fail (PX_IS_STAGE_RENDERER (self), FALSE);
  return self->realized && self->flavor == PX_GL_FLAVOR_GLES30;
}

void
px_stage_renderer_get_stats (PxStageRenderer      *self,
                             PxStageRendererStats *stats)
{
  g_return_if_fail (PX_IS_STAGE_RENDERER (self));
  *stats = self->stats;
}

static void
px_stage_renderer_finalize (GObject *object)
{
  PxStageRenderer *self = PX_STAGE_RENDERER (object);

  if (self->realized)
    g_warning ("A stage renderer was finalized while realized; its GL objects leak");

  g_ptr_array_unref (self->entries);
  g_ptr_array_unref (self->retired);
  g_clear_pointer (&self->self_view, px_stage_entry_free);

  G_OBJECT_CLASS (px_stage_renderer_parent_class)->finalize (object);
}

static void
px_stage_renderer_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  PxStageRenderer *self = PX_STAGE_RENDERER (object);

  switch (prop_id)
    {
    case PROP_SCALE:
      g_value_set_double (value, self->scale);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
px_stage_renderer_class_init (PxStageRendererClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = px_stage_renderer_finalize;
  object_class->get_property = px_stage_renderer_get_property;

  properties[PROP_SCALE] =
    g_param_spec_double ("scale", NULL, NULL, 0.0, 1.0, 1.0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
px_stage_renderer_init (PxStageRenderer *self)
{
  self->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) px_stage_entry_free);
  self->retired = g_ptr_array_new_with_free_func ((GDestroyNotify) px_stage_entry_free);
  /* A 27" monitor at arm's length until the caller says otherwise. */
  self->screen_width = 0.597;
  self->screen_height = 0.336;
  self->viewer_distance = 0.6;
  self->scale = 1.0;
}

PxStageRenderer *
px_stage_renderer_new (void)
{
  return g_object_new (PX_TYPE_STAGE_RENDERER, NULL);
}
