/* px-participant.c: one person on the stage, as the renderer receives them
 *
 * Frames come from decoder threads and are drawn on the thread that owns
 * the GL context. Each new frame is copied into an immutable, reference
 * counted PxParticipantFrame and published under a lock; the renderer takes
 * a reference to the latest one, so a slow draw never blocks a decoder and
 * a stale frame is simply replaced (latest frame wins).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "render/px-participant-private.h"

/* Depth beyond this is a sentinel, not a person in a room. */
#define PX_MAX_DEPTH_M 1000.0f

struct _PxParticipant
{
  GObject parent_instance;

  PxParticipantKind kind;
  char *name;

  GMutex lock;
  PxParticipantFrame *frame;  /* owned, under lock */
  guint64 generation;         /* under lock */
  gboolean has_volume;        /* under lock */
  double volume_min[3];
  double volume_max[3];
};

G_DEFINE_FINAL_TYPE (PxParticipant, px_participant, G_TYPE_OBJECT)

PxParticipantFrame *
px_participant_frame_ref (PxParticipantFrame *frame)
{
  g_atomic_ref_count_inc (&frame->ref_count);
  return frame;
}

void
px_participant_frame_unref (PxParticipantFrame *frame)
{
  if (!g_atomic_ref_count_dec (&frame->ref_count))
    return;

  for (guint i = 0; i < frame->n_views; i++)
    {
      for (int p = 0; p < 3; p++)
        g_free (frame->views[i].planes[p]);
      g_free (frame->views[i].depth);
      g_free (frame->views[i].indices);
    }
  g_free (frame);
}

static PxParticipantFrame *
px_participant_frame_new (PxParticipantKind kind)
{
  PxParticipantFrame *frame = g_new0 (PxParticipantFrame, 1);

  g_atomic_ref_count_init (&frame->ref_count);
  frame->kind = kind;
  return frame;
}

static void
px_stored_view_copy_color (PxStoredView       *stored,
                           const PxColorFrame *color)
{
  int row_bytes = color->format == PX_COLOR_FORMAT_RGBA ? color->width * 4 : color->width;

  stored->format = color->format;
  stored->width = color->width;
  stored->height = color->height;

  /* RGBA, or Y. */
  stored->strides[0] = row_bytes;
  stored->planes[0] = g_malloc ((gsize) row_bytes * color->height);
  for (int y = 0; y < color->height; y++)
    memcpy (stored->planes[0] + (gsize) y * row_bytes,
            color->planes[0] + (gsize) y * color->strides[0],
            row_bytes);

  if (color->format == PX_COLOR_FORMAT_I420)
    {
      int chroma_width = color->width / 2, chroma_height = color->height / 2;

      stored->strides[1] = chroma_width * 2;
      stored->planes[1] = g_malloc ((gsize) stored->strides[1] * chroma_height);
      for (int y = 0; y < chroma_height; y++)
        {
          const guint8 *u = color->planes[1] + (gsize) y * color->strides[1];
          const guint8 *v = color->planes[2] + (gsize) y * color->strides[2];
          guint8 *uv = stored->planes[1] + (gsize) y * stored->strides[1];

          for (int x = 0; x < chroma_width; x++)
            {
              uv[2 * x] = u[x];
              uv[2 * x + 1] = v[x];
            }
        }
    }
}

/* Whether the triangle of samples @a, @b, @c is a surface: depth at all
 * three corners, and no jump between them (a hand in front of the chest,
 * the person's edge against nothing) larger than @tear_limit relative to
 * the nearest. In single precision, as a shader would compute it. */
static inline gboolean
px_triangle_is_surface (float a,
                        float b,
                        float c,
                        float tear_limit)
{
  float nearest = MIN (a, MIN (b, c));
  float farthest = MAX (a, MAX (b, c));

  return nearest > 0.0f && !(farthest - nearest > tear_limit * nearest);
}

/* Lists the triangles of the depth grid that draw something, two per
 * cell at most: (0,0) (1,0) (0,1) and (1,0) (1,1) (0,1). Tears are cut
 * here rather than in the vertex shader, so that the triangles can share
 * their vertices. */
static void
px_stored_view_index_triangles (PxStoredView *view)
{
  int width = view->depth_width;
  const float *d = view->depth;
  /* The jump is relative to the depth, since a step of 1 cm means more at
   * 1 m than at 4 m, and scales with the angle between two samples. */
  double step = (double) view->camera.width / view->depth_width / view->camera.fx;
  float tear_limit = (float) MAX (PX_TEAR_MIN, PX_TEAR_SLOPE * step);
  guint n = 0;

  view->indices = g_new (guint32, (gsize) (width - 1) * (view->depth_height - 1) * 6);
  for (int y = 0; y + 1 < view->depth_height; y++)
    for (int x = 0; x + 1 < width; x++)
      {
        guint32 top_left = (guint32) (y * width + x), top_right = top_left + 1;
        guint32 bottom_left = top_left + (guint32) width, bottom_right = bottom_left + 1;

        if (px_triangle_is_surface (d[top_left], d[top_right], d[bottom_left], tear_limit))
          {
            view->indices[n++] = top_left;
            view->indices[n++] = top_right;
            view->indices[n++] = bottom_left;
          }
        if (px_triangle_is_surface (d[top_right], d[bottom_right], d[bottom_left], tear_limit))
          {
            view->indices[n++] = top_right;
            view->indices[n++] = bottom_right;
            view->indices[n++] = bottom_left;
          }
      }
  view->n_indices = n;
}

static void
px_participant_frame_publish (PxParticipant      *self,
                              PxParticipantFrame *frame)
{
  PxParticipantFrame *old;

  g_mutex_lock (&self->lock);
  old = self->frame;
  frame->generation = ++self->generation;
  self->frame = frame;
  g_mutex_unlock (&self->lock);

  if (old != NULL)
    px_participant_frame_unref (old);
}

/* The front of a volumetric participant is where their cameras stand. */
static void
px_participant_compute_front (PxParticipantFrame *frame)
{
  double center[2] = { 0, 0 };
  double cx = (frame->extent.min[0] + frame->extent.max[0]) / 2;
  double cz = (frame->extent.min[2] + frame->extent.max[2]) / 2;
  double x = 0, z = 0, norm;

  for (guint i = 0; i < frame->n_views; i++)
    {
      double c[3];

      px_camera_model_center (&frame->views[i].camera, c);
      center[0] += c[0] / frame->n_views;
      center[1] += c[2] / frame->n_views;
    }

  x = center[0] - cx;
  z = center[1] - cz;
  norm = sqrt (x * x + z * z);
  if (norm < 1e-6)
    {
      frame->extent.front[0] = 0;
      frame->extent.front[1] = 1;
      return;
    }
  frame->extent.front[0] = x / norm;
  frame->extent.front[1] = z / norm;
}

gboolean
px_participant_set_views (PxParticipant            *self,
                          const PxParticipantView  *views,
                          guint                     n_views,
                          GError                  **error)
{
  g_autoptr(PxParticipantFrame) frame = NULL;
  gboolean any_point = FALSE;
  gboolean has_volume;
  double volume_min[3], volume_max[3];

  g_return_val_if_fail (PX_IS_PARTICIPANT (self), FALSE);
  g_return_val_if_fail (views != NULL || n_views == 0, FALSE);

  if (self->kind != PX_PARTICIPANT_VOLUMETRIC)
    {
      g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_INVALID_INPUT,
                   "%s is a flat participant and takes no depth views", self->name);
      return FALSE;
    }
  if (n_views == 0 || n_views > PX_PARTICIPANT_MAX_VIEWS)
    {
      g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_INVALID_INPUT,
                   "A participant has 1 to %d views, not %u", PX_PARTICIPANT_MAX_VIEWS, n_views);
      return FALSE;
    }

  for (guint i = 0; i < n_views; i++)
    {
      const PxParticipantView *view = &views[i];

      if (!px_camera_model_validate (&view->camera, error) ||
          !px_color_frame_validate (&view->color, error))
        return FALSE;
      if (view->depth == NULL || view->depth_width < 2 || view->depth_height < 2 ||
          view->depth_width > view->camera.width || view->depth_height > view->camera.height ||
          view->depth_stride < view->depth_width)
        {
          g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_INVALID_INPUT,
                       "View %u: the depth map (%dx%d, stride %d) must be at least 2x2 and "
                       "no larger than the camera image (%dx%d)", i,
                       view->depth_width, view->depth_height, view->depth_stride,
                       view->camera.width, view->camera.height);
          return FALSE;
        }
    }

  /* With a capture volume the extent is known: no need to unproject
   * every depth sample to find it. */
  g_mutex_lock (&self->lock);
  has_volume = self->has_volume;
  memcpy (volume_min, self->volume_min, sizeof volume_min);
  memcpy (volume_max, self->volume_max, sizeof volume_max);
  g_mutex_unlock (&self->lock);

  frame = px_participant_frame_new (PX_PARTICIPANT_VOLUMETRIC);
  frame->n_views = n_views;
  for (int k = 0; k < 3; k++)
    {
      frame->extent.min[k] = G_MAXDOUBLE;
      frame->extent.max[k] = -G_MAXDOUBLE;
    }

  for (guint i = 0; i < n_views; i++)
    {
      const PxParticipantView *view = &views[i];
      PxStoredView *stored = &frame->views[i];
      double step_u = (double) view->camera.width / view->depth_width;
      double step_v = (double) view->camera.height / view->depth_height;

      stored->camera = view->camera;
      px_stored_view_copy_color (stored, &view->color);

      stored->depth_width = view->depth_width;
      stored->depth_height = view->depth_height;
      stored->depth = g_new (float, (gsize) view->depth_width * view->depth_height);

      for (int y = 0; y < view->depth_height; y++)
        for (int x = 0; x < view->depth_width; x++)
          {
            float d = view->depth[(gsize) y * view->depth_stride + x];
            double point[3];

            if (!(isfinite (d) && d > 0.0f && d < PX_MAX_DEPTH_M))
              d = 0.0f;
            stored->depth[(gsize) y * view->depth_width + x] = d;
            if (d == 0.0f || has_volume)
              continue;

            /* The same sample position as the vertex shader uses. */
            px_camera_model_unproject (&view->camera, (x + 0.5) * step_u - 0.5,
                                       (y + 0.5) * step_v - 0.5, d, point);
            for (int k = 0; k < 3; k++)
              {
                frame->extent.min[k] = MIN (frame->extent.min[k], point[k]);
                frame->extent.max[k] = MAX (frame->extent.max[k], point[k]);
              }
            any_point = TRUE;
          }
    }

  if (has_volume)
    {
      memcpy (frame->extent.min, volume_min, sizeof frame->extent.min);
      memcpy (frame->extent.max, volume_max, sizeof frame->extent.max);
      any_point = TRUE;
    }

  for (guint i = 0; i < n_views; i++)
    px_stored_view_index_triangles (&frame->views[i]);

  frame->has_extent = any_point;
  if (any_point)
    px_participant_compute_front (frame);

  px_participant_frame_publish (self, g_steal_pointer (&frame));
  return TRUE;
}

gboolean
px_participant_set_flat_frame (PxParticipant       *self,
                               const PxColorFrame  *color,
                               double               height_m,
                               GError             **error)
{
  PxParticipantFrame *frame;
  double width_m;

  g_return_val_if_fail (PX_IS_PARTICIPANT (self), FALSE);
  g_return_val_if_fail (color != NULL, FALSE);

  if (self->kind != PX_PARTICIPANT_FLAT)
    {
      g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_INVALID_INPUT,
                   "%s is a volumetric participant and takes views, not a flat frame",
                   self->name);
      return FALSE;
    }
  if (!px_color_frame_validate (color, error))
    return FALSE;
  if (!(isfinite (height_m) && height_m > 0.01 && height_m < 100.0))
    {
      g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_INVALID_INPUT,
                   "A panel height of %g m is out of range", height_m);
      return FALSE;
    }

  frame = px_participant_frame_new (PX_PARTICIPANT_FLAT);
  frame->n_views = 1;
  px_stored_view_copy_color (&frame->views[0], color);
  frame->panel_height = height_m;

  width_m = height_m * color->width / color->height;
  frame->has_extent = TRUE;
  frame->extent.min[0] = -width_m / 2;
  frame->extent.min[1] = 0;
  frame->extent.min[2] = 0;
  frame->extent.max[0] = width_m / 2;
  frame->extent.max[1] = height_m;
  frame->extent.max[2] = 0;
  frame->extent.front[0] = 0;
  frame->extent.front[1] = 1;

  px_participant_frame_publish (self, frame);
  return TRUE;
}

/* A rig's capture volume makes a steadier layout than the points of each
 * frame: people move inside it, the stage does not jump. */
void
px_participant_set_capture_volume (PxParticipant *self,
                                   const double   min[3],
                                   const double   max[3])
{
  g_return_if_fail (PX_IS_PARTICIPANT (self));

  g_mutex_lock (&self->lock);
  self->has_volume = min != NULL && max != NULL;
  if (self->has_volume)
    {
      memcpy (self->volume_min, min, sizeof self->volume_min);
      memcpy (self->volume_max, max, sizeof self->volume_max);
    }
  g_mutex_unlock (&self->lock);
}

PxParticipantFrame *
px_participant_dup_frame (PxParticipant *self)
{
  PxParticipantFrame *frame = NULL;

  g_mutex_lock (&self->lock);
  if (self->frame != NULL)
    frame = px_participant_frame_ref (self->frame);
  g_mutex_unlock (&self->lock);

  return frame;
}

/* Increases with every frame; 0 before the first. Safe from any thread. */
guint64
px_participant_get_generation (PxParticipant *self)
{
  guint64 generation;

  g_return_val_if_fail (PX_IS_PARTICIPANT (self), 0);

  g_mutex_lock (&self->lock);
  generation = self->generation;
  g_mutex_unlock (&self->lock);

  return generation;
}

/* The height of the participant's top above the floor in the latest frame. */
gboolean
px_participant_get_height (PxParticipant *self,
                           double        *height_m)
{
  g_autoptr(PxParticipantFrame) frame = px_participant_dup_frame (self);

  if (frame == NULL || !frame->has_extent)
    return FALSE;
  if (height_m != NULL)
    *height_m = MAX (frame->extent.max[1], 0.0);
  return TRUE;
}

PxParticipantKind
px_participant_get_kind (PxParticipant *self)
{
  g_return_val_if_fail (PX_IS_PARTICIPANT (self), PX_PARTICIPANT_VOLUMETRIC);
  return self->kind;
}

const char *
px_participant_get_name (PxParticipant *self)
{
  g_return_val_if_fail (PX_IS_PARTICIPANT (self), NULL);
  return self->name;
}

static void
px_participant_finalize (GObject *object)
{
  PxParticipant *self = PX_PARTICIPANT (object);

  g_clear_pointer (&self->frame, px_participant_frame_unref);
  g_mutex_clear (&self->lock);
  g_free (self->name);

  G_OBJECT_CLASS (px_participant_parent_class)->finalize (object);
}

static void
px_participant_class_init (PxParticipantClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = px_participant_finalize;
}

static void
px_participant_init (PxParticipant *self)
{
  g_mutex_init (&self->lock);
}

PxParticipant *
px_participant_new (PxParticipantKind  kind,
                    const char        *name)
{
  PxParticipant *self = g_object_new (PX_TYPE_PARTICIPANT, NULL);

  self->kind = kind;
  self->name = g_strdup (name != NULL ? name : "");
  return self;
}
