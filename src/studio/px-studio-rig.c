/* px-studio-rig.c: the studio's virtual, calibrated camera rig
 *
 * A virtual rig: PxRig's cameras (see src/recon, which reads and writes the
 * rig file) plus what a real sensor adds, exposure and noise. The studio
 * films ideal pinhole cameras only: a rig with lens distortion is refused.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "recon/px-rig.h"
#include "studio/px-studio-rig.h"

/* The person is filmed from chest height; the cameras look down a little so
 * that the whole body, shoes included, is in the picture. */
#define CAMERA_HEIGHT 1.2
#define CAMERA_TILT   (10.0 * G_PI / 180.0)

struct _PxStudioRig
{
  GObject parent_instance;

  char *name;
  GArray *cameras;   /* PxStudioCamera */
  GPtrArray *pairs;  /* char *, left and right in turn */
  double volume_min[3];
  double volume_max[3];
};

G_DEFINE_FINAL_TYPE (PxStudioRig, px_studio_rig, G_TYPE_OBJECT)
G_DEFINE_QUARK (px-studio-rig-error-quark, px_studio_rig_error)

static void
camera_clear (gpointer data)
{
  PxStudioCamera *camera = data;

  g_clear_pointer (&camera->id, g_free);
}

static void
px_studio_rig_finalize (GObject *object)
{
  PxStudioRig *self = PX_STUDIO_RIG (object);

  g_free (self->name);
  g_array_unref (self->cameras);
  g_ptr_array_unref (self->pairs);

  G_OBJECT_CLASS (px_studio_rig_parent_class)->finalize (object);
}

static void
px_studio_rig_class_init (PxStudioRigClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = px_studio_rig_finalize;
}

static void
px_studio_rig_init (PxStudioRig *self)
{
  static const double volume_min[3] = { -1.0, 0.0, -1.0 };
  static const double volume_max[3] = { 1.0, 2.2, 1.0 };

  self->cameras = g_array_new (FALSE, TRUE, sizeof (PxStudioCamera));
  g_array_set_clear_func (self->cameras, camera_clear);
  self->pairs = g_ptr_array_new_with_free_func (g_free);
  memcpy (self->volume_min, volume_min, sizeof volume_min);
  memcpy (self->volume_max, volume_max, sizeof volume_max);
}

PxStudioRig *
px_studio_rig_new (const char *name)
{
  PxStudioRig *self = g_object_new (PX_TYPE_STUDIO_RIG, NULL);

  self->name = g_strdup (name != NULL ? name : "Synthetic studio");
  return self;
}

PxStudioRig *
px_studio_rig_new_line (guint  n_cameras,
                        double baseline,
                        guint  width,
                        guint  height,
                        double distance)
{
  PxStudioRig *self = px_studio_rig_new ("Synthetic studio");
  double c = cos (CAMERA_TILT), s = sin (CAMERA_TILT);
  /* Rows: camera axes in the rig frame, looking towards -z and down. */
  const double rotation[9] = { 1, 0, 0,   0, -c, s,   0, -s, -c };
  /* 83° across at 640 pixels: head to shoes at 1.5 m. */
  double focal = 360.0 * width / 640.0;

  g_return_val_if_fail (n_cameras >= 1 && width >= 16 && height >= 16, self);

  for (guint i = 0; i < n_cameras; i++)
    {
      PxStudioCamera camera = { 0 };
      double centre[3] = { (i - (n_cameras - 1) / 2.0) * baseline, CAMERA_HEIGHT, distance };

      if (n_cameras == 2)
        camera.id = g_strdup (i == 0 ? "left" : "right");
      else
        camera.id = g_strdup_printf ("cam%u", i);
      camera.width = width;
      camera.height = height;
      camera.fx = camera.fy = focal;
      camera.cx = (width - 1) / 2.0;
      camera.cy = (height - 1) / 2.0;
      memcpy (camera.rotation, rotation, sizeof rotation);
      for (int r = 0; r < 3; r++)
        camera.translation[r] = -(rotation[3 * r] * centre[0] + rotation[3 * r + 1] * centre[1]
                                  + rotation[3 * r + 2] * centre[2]);
      camera.exposure = 1.0;
      camera.noise = 0;
      g_array_append_val (self->cameras, camera);
    }
  for (guint i = 0; i + 1 < n_cameras; i++)
    px_studio_rig_add_pair (self, g_array_index (self->cameras, PxStudioCamera, i).id,
                            g_array_index (self->cameras, PxStudioCamera, i + 1).id);
  return self;
}

PxStudioRig *
px_studio_rig_new_default (void)
{
  return px_studio_rig_new_line (2, 0.12, 640, 480, 1.5);
}

const char *
px_studio_rig_get_name (PxStudioRig *self)
{
  g_return_val_if_fail (PX_IS_STUDIO_RIG (self), NULL);

  return self->name;
}

guint
px_studio_rig_get_n_cameras (PxStudioRig *self)
{
  g_return_val_if_fail (PX_IS_STUDIO_RIG (self), 0);

  return self->cameras->len;
}

PxStudioCamera *
px_studio_rig_get_camera (PxStudioRig *self,
                          guint        index)
{
  g_return_val_if_fail (PX_IS_STUDIO_RIG (self), NULL);
  g_return_val_if_fail (index < self->cameras->len, NULL);

  return &g_array_index (self->cameras, PxStudioCamera, index);
}

static PxStudioCamera *
find_camera (PxStudioRig *self,
             const char  *id)
{
  for (guint i = 0; i < self->cameras->len; i++)
    if (g_strcmp0 (g_array_index (self->cameras, PxStudioCamera, i).id, id) == 0)
      return &g_array_index (self->cameras, PxStudioCamera, i);
  return NULL;
}

void
px_studio_rig_add_camera (PxStudioRig          *self,
                          const PxStudioCamera *camera)
{
  PxStudioCamera copy;

  g_return_if_fail (PX_IS_STUDIO_RIG (self));
  g_return_if_fail (camera->id != NULL && find_camera (self, camera->id) == NULL);

  copy = *camera;
  copy.id = g_strdup (camera->id);
  g_array_append_val (self->cameras, copy);
}

void
px_studio_rig_add_pair (PxStudioRig *self,
                        const char  *left,
                        const char  *right)
{
  g_return_if_fail (PX_IS_STUDIO_RIG (self));

  g_ptr_array_add (self->pairs, g_strdup (left));
  g_ptr_array_add (self->pairs, g_strdup (right));
}

guint
px_studio_rig_get_n_pairs (PxStudioRig *self)
{
  g_return_val_if_fail (PX_IS_STUDIO_RIG (self), 0);

  return self->pairs->len / 2;
}

void
px_studio_rig_get_pair (PxStudioRig  *self,
                        guint         index,
                        const char  **left,
                        const char  **right)
{
  g_return_if_fail (PX_IS_STUDIO_RIG (self));
  g_return_if_fail (index < self->pairs->len / 2);

  *left = g_ptr_array_index (self->pairs, 2 * index);
  *right = g_ptr_array_index (self->pairs, 2 * index + 1);
}

void
px_studio_rig_get_capture_volume (PxStudioRig *self,
                                  double       min[3],
                                  double       max[3])
{
  g_return_if_fail (PX_IS_STUDIO_RIG (self));

  memcpy (min, self->volume_min, sizeof self->volume_min);
  memcpy (max, self->volume_max, sizeof self->volume_max);
}

void
px_studio_rig_set_capture_volume (PxStudioRig  *self,
                                  const double  min[3],
                                  const double  max[3])
{
  g_return_if_fail (PX_IS_STUDIO_RIG (self));

  memcpy (self->volume_min, min, sizeof self->volume_min);
  memcpy (self->volume_max, max, sizeof self->volume_max);
}

/* ---- files: the format PxRig reads and writes ----------------------------------- */

PxRig *
px_studio_rig_to_rig (PxStudioRig  *self)
{
  g_autoptr(PxRig) rig = NULL;

  g_return_val_if_fail (PX_IS_STUDIO_RIG (self), NULL);

  rig = px_rig_new (self->name);
  px_rig_set_capture_volume (rig, self->volume_min, self->volume_max);
  for (guint i = 0; i < self->cameras->len; i++)
    {
      const PxStudioCamera *camera = &g_array_index (self->cameras, PxStudioCamera, i);
      g_autoptr(GError) error = NULL;
      PxCamera copy = { 0 };

      copy.id = camera->id;
      copy.width = camera->width;
      copy.height = camera->height;
      copy.fx = camera->fx;
      copy.fy = camera->fy;
      copy.cx = camera->cx;
      copy.cy = camera->cy;
      memcpy (copy.distortion, camera->distortion, sizeof copy.distortion);
      memcpy (copy.rotation, camera->rotation, sizeof copy.rotation);
      memcpy (copy.translation, camera->translation, sizeof copy.translation);
      if (!px_rig_add_camera (rig, &copy, &error))
        g_critical ("The studio holds a camera a rig refuses: %s", error->message);
    }
  for (guint i = 0; i + 1 < self->pairs->len; i += 2)
    {
      g_autoptr(GError) error = NULL;

      if (!px_rig_add_pair (rig, g_ptr_array_index (self->pairs, i),
                            g_ptr_array_index (self->pairs, i + 1), &error))
        g_critical ("The studio holds a pair a rig refuses: %s", error->message);
    }
  return g_steal_pointer (&rig);
}

char *
px_studio_rig_to_json (PxStudioRig *self)
{
  g_autoptr(PxRig) rig = px_studio_rig_to_rig (self);

  return px_rig_to_data (rig, NULL);
}

gboolean
px_studio_rig_save (PxStudioRig  *self,
                    const char   *path,
                    GError      **error)
{
  g_autoptr(PxRig) rig = px_studio_rig_to_rig (self);

  return px_rig_save (rig, path, error);
}

PxStudioRig *
px_studio_rig_new_from_rig (PxRig   *rig,
                            GError **error)
{
  g_autoptr(PxStudioRig) self = NULL;

  g_return_val_if_fail (PX_IS_RIG (rig), NULL);

  if (px_rig_get_n_cameras (rig) == 0)
    {
      g_set_error (error, PX_STUDIO_RIG_ERROR, PX_STUDIO_RIG_ERROR_UNSUPPORTED,
                   "The rig has no camera to film with");
      return NULL;
    }

  self = px_studio_rig_new (px_rig_get_name (rig));
  px_rig_get_capture_volume (rig, self->volume_min, self->volume_max);
  for (guint i = 0; i < px_rig_get_n_cameras (rig); i++)
    {
      const PxCamera *source = px_rig_get_camera (rig, i);
      PxStudioCamera camera = { 0 };

      for (int k = 0; k < 5; k++)
        if (source->distortion[k] != 0)
          {
            g_set_error (error, PX_STUDIO_RIG_ERROR, PX_STUDIO_RIG_ERROR_UNSUPPORTED,
                         "cameras[%u].distortion: the studio films ideal pinhole cameras only "
                         "(all five coefficients 0)", i);
            return NULL;
          }
      camera.id = source->id;
      camera.width = source->width;
      camera.height = source->height;
      camera.fx = source->fx;
      camera.fy = source->fy;
      camera.cx = source->cx;
      camera.cy = source->cy;
      memcpy (camera.rotation, source->rotation, sizeof camera.rotation);
      memcpy (camera.translation, source->translation, sizeof camera.translation);
      camera.exposure = 1.0;
      px_studio_rig_add_camera (self, &camera);
    }
  for (guint i = 0; i < px_rig_get_n_pairs (rig); i++)
    {
      const PxCamera *left, *right;

      if (px_rig_get_pair (rig, i, &left, &right))
        px_studio_rig_add_pair (self, left->id, right->id);
    }
  return g_steal_pointer (&self);
}

PxStudioRig *
px_studio_rig_new_from_data (const char  *data,
                             gssize       length,
                             GError     **error)
{
  g_autoptr(PxRig) rig = px_rig_new_from_data (data, length, error);

  return rig != NULL ? px_studio_rig_new_from_rig (rig, error) : NULL;
}

PxStudioRig *
px_studio_rig_new_from_file (const char  *path,
                             GError     **error)
{
  g_autoptr(PxRig) rig = px_rig_new_from_file (path, error);
  g_autoptr(GError) local_error = NULL;
  PxStudioRig *self;

  if (rig == NULL)
    return NULL;
  self = px_studio_rig_new_from_rig (rig, &local_error);
  if (self == NULL)
    g_set_error (error, local_error->domain, local_error->code, "%s: %s", path,
                 local_error->message);
  return self;
}

/* ---- geometry ------------------------------------------------------------- */

void
px_studio_camera_project (const PxStudioCamera *camera,
                          const double          point[3],
                          double               *x,
                          double               *y,
                          double               *z)
{
  const double *r = camera->rotation, *t = camera->translation;
  double xc = r[0] * point[0] + r[1] * point[1] + r[2] * point[2] + t[0];
  double yc = r[3] * point[0] + r[4] * point[1] + r[5] * point[2] + t[1];
  double zc = r[6] * point[0] + r[7] * point[1] + r[8] * point[2] + t[2];

  *x = camera->fx * xc / zc + camera->cx;
  *y = camera->fy * yc / zc + camera->cy;
  *z = zc;
}

void
px_studio_camera_unproject (const PxStudioCamera *camera,
                            double                x,
                            double                y,
                            double                z,
                            double                point[3])
{
  const double *r = camera->rotation, *t = camera->translation;
  double c[3] = {
    (x - camera->cx) / camera->fx * z - t[0],
    (y - camera->cy) / camera->fy * z - t[1],
    z - t[2],
  };

  /* X_rig = Rᵀ (X_cam − t) */
  for (int k = 0; k < 3; k++)
    point[k] = r[k] * c[0] + r[3 + k] * c[1] + r[6 + k] * c[2];
}
