/* px-rig.c: a calibrated camera rig
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "px-recon-error.h"
#include "px-rig.h"

/* Largest image side and focal length a rig may declare. */
#define MAX_SIDE 16384
#define MAX_FOCAL 1e6

struct _PxRig
{
  GObject parent_instance;

  char *name;
  double volume_min[3];
  double volume_max[3];
  GArray *cameras;   /* PxCamera */
  GArray *pairs;     /* guint[2], camera indices */
};

G_DEFINE_FINAL_TYPE (PxRig, px_rig, G_TYPE_OBJECT)

static void
camera_clear (gpointer data)
{
  PxCamera *camera = data;

  g_clear_pointer (&camera->id, g_free);
}

static void
px_rig_finalize (GObject *object)
{
  PxRig *self = PX_RIG (object);

  g_free (self->name);
  g_array_unref (self->cameras);
  g_array_unref (self->pairs);

  G_OBJECT_CLASS (px_rig_parent_class)->finalize (object);
}

static void
px_rig_class_init (PxRigClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = px_rig_finalize;
}

static void
px_rig_init (PxRig *self)
{
  /* A default volume for one person standing near the origin. */
  const double min[3] = { -1.0, 0.0, -1.0 }, max[3] = { 1.0, 2.2, 1.0 };

  memcpy (self->volume_min, min, sizeof min);
  memcpy (self->volume_max, max, sizeof max);
  self->cameras = g_array_new (FALSE, TRUE, sizeof (PxCamera));
  g_array_set_clear_func (self->cameras, camera_clear);
  self->pairs = g_array_new (FALSE, TRUE, 2 * sizeof (guint));
}

PxRig *
px_rig_new (const char *name)
{
  PxRig *self = g_object_new (PX_TYPE_RIG, NULL);

  self->name = g_strdup (name ? name : "");
  return self;
}

static gboolean
fail (GError    **error,
      const char *format,
      ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (GError    **error,
      const char *format,
      ...)
{
  va_list args;

  va_start (args, format);
  g_set_error_literal (error, PX_RECON_ERROR, PX_RECON_ERROR_PARSE, "");
  if (error && *error)
    {
      g_free ((*error)->message);
      (*error)->message = g_strdup_vprintf (format, args);
    }
  va_end (args);
  return FALSE;
}

/* No quantity of a rig comes near this (pixels, metres, coefficients);
 * a number beyond it is a corrupt file, and json-glib 1.6 would write it
 * back as invalid JSON ("3e+20.0"). */
#define MAX_MAGNITUDE 1e9

static gboolean
all_finite (const double *v,
            int           n)
{
  for (int i = 0; i < n; i++)
    if (!isfinite (v[i]) || fabs (v[i]) > MAX_MAGNITUDE)
      return FALSE;
  return TRUE;
}

/* Checks a camera for sense; @where names it in the error ("cameras[1]"). */
gboolean
px_camera_validate (const PxCamera  *camera,
                    const char      *where,
                    GError         **error)
{
  const double *r = camera->rotation;

  if (camera->id == NULL || camera->id[0] == '\0')
    return fail (error, "%s.id: missing or empty", where);
  if (camera->width == 0 || camera->height == 0 || camera->width > MAX_SIDE || camera->height > MAX_SIDE)
    return fail (error, "%s.width/height: %u×%u is not an image size (1 to %d)",
                 where, camera->width, camera->height, MAX_SIDE);
  if (!isfinite (camera->fx) || !isfinite (camera->fy) || camera->fx <= 0 || camera->fy <= 0
      || camera->fx > MAX_FOCAL || camera->fy > MAX_FOCAL)
    return fail (error, "%s.fx/fy: focal lengths must be positive pixels", where);
  if (!all_finite (&camera->cx, 1) || !all_finite (&camera->cy, 1))
    return fail (error, "%s.cx/cy: not numbers of plausible size", where);
  if (!all_finite (camera->distortion, 5))
    return fail (error, "%s.distortion: not numbers", where);
  if (!all_finite (camera->translation, 3))
    return fail (error, "%s.translation: not numbers", where);
  if (!all_finite (r, 9))
    return fail (error, "%s.rotation: not numbers", where);
  /* A rotation is orthonormal with determinant +1. */
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      {
        double dot = r[3 * i] * r[3 * j] + r[3 * i + 1] * r[3 * j + 1] + r[3 * i + 2] * r[3 * j + 2];

        if (fabs (dot - (i == j ? 1.0 : 0.0)) > 1e-3)
          return fail (error, "%s.rotation: not a rotation matrix (rows are not orthonormal)", where);
      }
  if (r[0] * (r[4] * r[8] - r[5] * r[7]) - r[1] * (r[3] * r[8] - r[5] * r[6])
      + r[2] * (r[3] * r[7] - r[4] * r[6]) < 0)
    return fail (error, "%s.rotation: a reflection, not a rotation (determinant −1)", where);
  return TRUE;
}

/* The pose of @right relative to @left: X_right = R·X_left + T. */
void
px_camera_relative_pose (const PxCamera *left,
                         const PxCamera *right,
                         double          rotation[9],
                         double          translation[3])
{
  const double *rl = left->rotation, *rr = right->rotation;

  /* R = Rr·Rlᵀ, T = tr − R·tl */
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      rotation[3 * i + j] = rr[3 * i] * rl[3 * j] + rr[3 * i + 1] * rl[3 * j + 1] + rr[3 * i + 2] * rl[3 * j + 2];
  for (int i = 0; i < 3; i++)
    translation[i] = right->translation[i]
                     - (rotation[3 * i] * left->translation[0] + rotation[3 * i + 1] * left->translation[1]
                        + rotation[3 * i + 2] * left->translation[2]);
}

static gboolean
read_number (JsonObject  *object,
             const char  *member,
             const char  *where,
             double      *value,
             GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || (json_node_get_value_type (node) != G_TYPE_DOUBLE && json_node_get_value_type (node) != G_TYPE_INT64))
    return fail (error, "%s.%s: missing or not a number", where, member);
  *value = json_node_get_double (node);
  if (!isfinite (*value) || fabs (*value) > MAX_MAGNITUDE)
    return fail (error, "%s.%s: not a finite number of plausible size", where, member);
  return TRUE;
}

static gboolean
read_numbers (JsonObject  *object,
              const char  *member,
              const char  *where,
              double      *values,
              guint        count,
              gboolean     optional,
              GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);
  JsonArray *array;

  if (node == NULL && optional)
    return TRUE;
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return fail (error, "%s.%s: missing or not an array", where, member);
  array = json_node_get_array (node);
  if (json_array_get_length (array) != count)
    return fail (error, "%s.%s: %u numbers expected, found %u", where, member, count,
                 json_array_get_length (array));
  for (guint i = 0; i < count; i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (element)
          || (json_node_get_value_type (element) != G_TYPE_DOUBLE
              && json_node_get_value_type (element) != G_TYPE_INT64))
        return fail (error, "%s.%s[%u]: not a number", where, member, i);
      values[i] = json_node_get_double (element);
      if (!isfinite (values[i]) || fabs (values[i]) > MAX_MAGNITUDE)
        return fail (error, "%s.%s[%u]: not a finite number of plausible size", where, member, i);
    }
  return TRUE;
}

static gboolean
read_size (JsonObject  *object,
           const char  *member,
           const char  *where,
           guint       *value,
           GError     **error)
{
  double v;

  if (!read_number (object, member, where, &v, error))
    return FALSE;
  if (v < 1 || v > MAX_SIDE || v != floor (v))
    return fail (error, "%s.%s: %g is not an image size (1 to %d)", where, member, v, MAX_SIDE);
  *value = (guint) v;
  return TRUE;
}

static gboolean
read_camera (JsonNode    *node,
             guint        index,
             PxCamera    *camera,
             GError     **error)
{
  g_autofree char *where = g_strdup_printf ("cameras[%u]", index);
  JsonObject *object;
  JsonNode *id;
  const double identity[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, "%s: not an object", where);
  object = json_node_get_object (node);
  id = json_object_get_member (object, "id");
  if (id == NULL || json_node_get_value_type (id) != G_TYPE_STRING)
    return fail (error, "%s.id: missing or not a string", where);
  camera->id = g_strdup (json_node_get_string (id));
  memcpy (camera->rotation, identity, sizeof identity);
  return read_size (object, "width", where, &camera->width, error)
         && read_size (object, "height", where, &camera->height, error)
         && read_number (object, "fx", where, &camera->fx, error)
         && read_number (object, "fy", where, &camera->fy, error)
         && read_number (object, "cx", where, &camera->cx, error)
         && read_number (object, "cy", where, &camera->cy, error)
         && read_numbers (object, "distortion", where, camera->distortion, 5, TRUE, error)
         && read_numbers (object, "rotation", where, camera->rotation, 9, FALSE, error)
         && read_numbers (object, "translation", where, camera->translation, 3, FALSE, error)
         && px_camera_validate (camera, where, error);
}

/* Parses a rig file held in memory. Errors name the offending field. */
PxRig *
px_rig_new_from_data (const char  *data,
                      gssize       length,
                      GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(PxRig) self = NULL;
  g_autoptr(GError) parse_error = NULL;
  JsonNode *root;
  JsonObject *object;
  JsonNode *node;
  JsonArray *array;
  double version;

  if (!json_parser_load_from_data (parser, data, length, &parse_error))
    {
      fail (error, "rig: not JSON: %s", parse_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      fail (error, "rig: the top level is not an object");
      return NULL;
    }
  object = json_node_get_object (root);
  if (!read_number (object, "version", "rig", &version, error))
    return NULL;
  if (version != 1)
    {
      fail (error, "rig.version: %g is not supported (1 is)", version);
      return NULL;
    }

  self = px_rig_new (NULL);
  node = json_object_get_member (object, "name");
  if (node != NULL)
    {
      if (json_node_get_value_type (node) != G_TYPE_STRING)
        {
          fail (error, "rig.name: not a string");
          return NULL;
        }
      g_free (self->name);
      self->name = g_strdup (json_node_get_string (node));
    }

  node = json_object_get_member (object, "capture_volume");
  if (node != NULL)
    {
      if (!JSON_NODE_HOLDS_OBJECT (node)
          || !read_numbers (json_node_get_object (node), "min", "capture_volume", self->volume_min, 3, FALSE, error)
          || !read_numbers (json_node_get_object (node), "max", "capture_volume", self->volume_max, 3, FALSE, error))
        {
          if (error && !*error)
            fail (error, "capture_volume: not an object");
          return NULL;
        }
      for (int i = 0; i < 3; i++)
        if (self->volume_min[i] >= self->volume_max[i])
          {
            fail (error, "capture_volume: min[%d] must be below max[%d]", i, i);
            return NULL;
          }
    }

  node = json_object_get_member (object, "cameras");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      fail (error, "rig.cameras: missing or not an array");
      return NULL;
    }
  array = json_node_get_array (node);
  if (json_array_get_length (array) > PX_RIG_MAX_CAMERAS)
    {
      fail (error, "rig.cameras: more than %d cameras", PX_RIG_MAX_CAMERAS);
      return NULL;
    }
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      PxCamera camera = { 0, };

      if (!read_camera (json_array_get_element (array, i), i, &camera, error))
        {
          camera_clear (&camera);
          return NULL;
        }
      if (px_rig_find_camera (self, camera.id))
        {
          fail (error, "cameras[%u].id: “%s” is used twice", i, camera.id);
          camera_clear (&camera);
          return NULL;
        }
      g_array_append_val (self->cameras, camera);
    }

  node = json_object_get_member (object, "pairs");
  if (node != NULL)
    {
      if (!JSON_NODE_HOLDS_ARRAY (node))
        {
          fail (error, "rig.pairs: not an array");
          return NULL;
        }
      array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          JsonObject *pair;
          const char *left, *right;
          g_autoptr(GError) pair_error = NULL;

          if (!JSON_NODE_HOLDS_OBJECT (element))
            {
              fail (error, "pairs[%u]: not an object", i);
              return NULL;
            }
          pair = json_node_get_object (element);
          left = json_object_has_member (pair, "left") ? json_object_get_string_member_with_default (pair, "left", NULL) : NULL;
          right = json_object_has_member (pair, "right") ? json_object_get_string_member_with_default (pair, "right", NULL) : NULL;
          if (left == NULL || right == NULL)
            {
              fail (error, "pairs[%u].%s: missing or not a string", i, left == NULL ? "left" : "right");
              return NULL;
            }
          if (!px_rig_add_pair (self, left, right, &pair_error))
            {
              fail (error, "pairs[%u]: %s", i, pair_error->message);
              return NULL;
            }
        }
    }

  return g_steal_pointer (&self);
}

PxRig *
px_rig_new_from_file (const char  *path,
                      GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length;
  GError *local_error = NULL;
  PxRig *rig;

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  rig = px_rig_new_from_data (contents, (gssize) length, &local_error);
  if (rig == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code, "%s: %s", path, local_error->message);
      g_error_free (local_error);
    }
  return rig;
}

static void
add_numbers (JsonBuilder  *builder,
             const char   *member,
             const double *values,
             int           count)
{
  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
  for (int i = 0; i < count; i++)
    json_builder_add_double_value (builder, values[i]);
  json_builder_end_array (builder);
}

/* The rig as JSON text, in the format px_rig_new_from_data() reads. */
char *
px_rig_to_data (PxRig *self,
                gsize *length)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (PX_IS_RIG (self), NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, self->name);
  json_builder_set_member_name (builder, "capture_volume");
  json_builder_begin_object (builder);
  add_numbers (builder, "min", self->volume_min, 3);
  add_numbers (builder, "max", self->volume_max, 3);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "cameras");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->cameras->len; i++)
    {
      const PxCamera *c = &g_array_index (self->cameras, PxCamera, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, c->id);
      json_builder_set_member_name (builder, "width");
      json_builder_add_int_value (builder, c->width);
      json_builder_set_member_name (builder, "height");
      json_builder_add_int_value (builder, c->height);
      json_builder_set_member_name (builder, "fx");
      json_builder_add_double_value (builder, c->fx);
      json_builder_set_member_name (builder, "fy");
      json_builder_add_double_value (builder, c->fy);
      json_builder_set_member_name (builder, "cx");
      json_builder_add_double_value (builder, c->cx);
      json_builder_set_member_name (builder, "cy");
      json_builder_add_double_value (builder, c->cy);
      add_numbers (builder, "distortion", c->distortion, 5);
      add_numbers (builder, "rotation", c->rotation, 9);
      add_numbers (builder, "translation", c->translation, 3);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "pairs");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->pairs->len; i++)
    {
      const guint *pair = &g_array_index (self->pairs, guint, 2 * i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "left");
      json_builder_add_string_value (builder, g_array_index (self->cameras, PxCamera, pair[0]).id);
      json_builder_set_member_name (builder, "right");
      json_builder_add_string_value (builder, g_array_index (self->cameras, PxCamera, pair[1]).id);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  return json_generator_to_data (generator, length);
}

gboolean
px_rig_save (PxRig       *self,
             const char  *path,
             GError     **error)
{
  gsize length;
  g_autofree char *data = px_rig_to_data (self, &length);

  return g_file_set_contents (path, data, (gssize) length, error);
}

const char *
px_rig_get_name (PxRig *self)
{
  g_return_val_if_fail (PX_IS_RIG (self), NULL);
  return self->name;
}

void
px_rig_set_name (PxRig      *self,
                 const char *name)
{
  g_return_if_fail (PX_IS_RIG (self));
  g_free (self->name);
  self->name = g_strdup (name ? name : "");
}

void
px_rig_get_capture_volume (PxRig  *self,
                           double  min[3],
                           double  max[3])
{
  g_return_if_fail (PX_IS_RIG (self));
  memcpy (min, self->volume_min, sizeof self->volume_min);
  memcpy (max, self->volume_max, sizeof self->volume_max);
}

void
px_rig_set_capture_volume (PxRig        *self,
                           const double  min[3],
                           const double  max[3])
{
  g_return_if_fail (PX_IS_RIG (self));
  memcpy (self->volume_min, min, sizeof self->volume_min);
  memcpy (self->volume_max, max, sizeof self->volume_max);
}

guint
px_rig_get_n_cameras (PxRig *self)
{
  g_return_val_if_fail (PX_IS_RIG (self), 0);
  return self->cameras->len;
}

const PxCamera *
px_rig_get_camera (PxRig *self,
                   guint  index)
{
  g_return_val_if_fail (PX_IS_RIG (self), NULL);
  g_return_val_if_fail (index < self->cameras->len, NULL);
  return &g_array_index (self->cameras, PxCamera, index);
}

const PxCamera *
px_rig_find_camera (PxRig      *self,
                    const char *id)
{
  g_return_val_if_fail (PX_IS_RIG (self), NULL);

  for (guint i = 0; i < self->cameras->len; i++)
    if (g_strcmp0 (g_array_index (self->cameras, PxCamera, i).id, id) == 0)
      return &g_array_index (self->cameras, PxCamera, i);
  return NULL;
}

/* Adds a copy of @camera after checking it. */
gboolean
px_rig_add_camera (PxRig           *self,
                   const PxCamera  *camera,
                   GError         **error)
{
  PxCamera copy;

  g_return_val_if_fail (PX_IS_RIG (self), FALSE);

  if (!px_camera_validate (camera, camera->id ? camera->id : "camera", error))
    return FALSE;
  if (px_rig_find_camera (self, camera->id))
    return fail (error, "%s: a camera with this id is already in the rig", camera->id);
  if (self->cameras->len >= PX_RIG_MAX_CAMERAS)
    return fail (error, "%s: the rig already has %d cameras", camera->id, PX_RIG_MAX_CAMERAS);
  copy = *camera;
  copy.id = g_strdup (camera->id);
  g_array_append_val (self->cameras, copy);
  return TRUE;
}

guint
px_rig_get_n_pairs (PxRig *self)
{
  g_return_val_if_fail (PX_IS_RIG (self), 0);
  return self->pairs->len;
}

gboolean
px_rig_get_pair (PxRig           *self,
                 guint            index,
                 const PxCamera **left,
                 const PxCamera **right)
{
  const guint *pair;

  g_return_val_if_fail (PX_IS_RIG (self), FALSE);
  if (index >= self->pairs->len)
    return FALSE;
  pair = &g_array_index (self->pairs, guint, 2 * index);
  *left = &g_array_index (self->cameras, PxCamera, pair[0]);
  *right = &g_array_index (self->cameras, PxCamera, pair[1]);
  return TRUE;
}

gboolean
px_rig_add_pair (PxRig       *self,
                 const char  *left_id,
                 const char  *right_id,
                 GError     **error)
{
  guint pair[2] = { G_MAXUINT, G_MAXUINT };

  g_return_val_if_fail (PX_IS_RIG (self), FALSE);

  for (guint i = 0; i < self->cameras->len; i++)
    {
      const char *id = g_array_index (self->cameras, PxCamera, i).id;

      if (g_strcmp0 (id, left_id) == 0)
        pair[0] = i;
      if (g_strcmp0 (id, right_id) == 0)
        pair[1] = i;
    }
  if (pair[0] == G_MAXUINT)
    return fail (error, "left: no camera “%s” in the rig", left_id);
  if (pair[1] == G_MAXUINT)
    return fail (error, "right: no camera “%s” in the rig", right_id);
  if (pair[0] == pair[1])
    return fail (error, "right: a camera cannot pair with itself (“%s”)", left_id);
  g_array_append_vals (self->pairs, pair, 1);
  return TRUE;
}
