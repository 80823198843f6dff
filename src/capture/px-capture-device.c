/* px-capture-device.c: a camera, microphone or speaker PipeWire offers
 *
 * Immutable once made, so it may be built on the PipeWire thread and read
 * anywhere.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "px-capture-device.h"

struct _PxCaptureDevice
{
  GObject parent_instance;

  PxDeviceKind kind;
  guint32      id;
  guint64      serial;
  char        *name;
  char        *description;
  char        *path;
  char        *serial_number;
  GArray      *formats;
};

G_DEFINE_FINAL_TYPE (PxCaptureDevice, px_capture_device, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (PxDeviceKind, px_device_kind,
                    G_DEFINE_ENUM_VALUE (PX_DEVICE_KIND_CAMERA, "camera"),
                    G_DEFINE_ENUM_VALUE (PX_DEVICE_KIND_MICROPHONE, "microphone"),
                    G_DEFINE_ENUM_VALUE (PX_DEVICE_KIND_SPEAKER, "speaker"))

enum {
  PROP_0,
  PROP_NAME,
  PROP_DESCRIPTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
px_capture_device_finalize (GObject *object)
{
  PxCaptureDevice *self = PX_CAPTURE_DEVICE (object);

  g_free (self->name);
  g_free (self->description);
  g_free (self->path);
  g_free (self->serial_number);
  g_array_unref (self->formats);

  G_OBJECT_CLASS (px_capture_device_parent_class)->finalize (object);
}

static void
px_capture_device_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  PxCaptureDevice *self = PX_CAPTURE_DEVICE (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, self->description);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
px_capture_device_class_init (PxCaptureDeviceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = px_capture_device_finalize;
  object_class->get_property = px_capture_device_get_property;

  /* Read-only properties, so that list widgets can bind to them. */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
px_capture_device_init (PxCaptureDevice *self)
{
  self->formats = g_array_new (FALSE, TRUE, sizeof (PxCameraFormat));
}

PxCaptureDevice *
px_capture_device_new (PxDeviceKind          kind,
                       guint32               id,
                       guint64               serial,
                       const char           *name,
                       const char           *description,
                       const char           *path,
                       const char           *serial_number,
                       const PxCameraFormat *formats,
                       guint                 n_formats)
{
  PxCaptureDevice *self;

  g_return_val_if_fail (name != NULL, NULL);

  self = g_object_new (PX_TYPE_CAPTURE_DEVICE, NULL);
  self->kind = kind;
  self->id = id;
  self->serial = serial;
  self->name = g_strdup (name);
  self->description = g_strdup (description != NULL && *description != '\0' ? description : name);
  self->path = g_strdup (path);
  self->serial_number = g_strdup (serial_number);
  if (n_formats > 0)
    g_array_append_vals (self->formats, formats, n_formats);

  return self;
}

PxDeviceKind
px_capture_device_get_kind (PxCaptureDevice *self)
{
  g_return_val_if_fail (PX_IS_CAPTURE_DEVICE (self), PX_DEVICE_KIND_CAMERA);
  return self->kind;
}

guint32
px_capture_device_get_id (PxCaptureDevice *self)
{
  g_return_val_if_fail (PX_IS_CAPTURE_DEVICE (self), 0);
  return self->id;
}

guint64
px_capture_device_get_serial (PxCaptureDevice *self)
{
  g_return_val_if_fail (PX_IS_CAPTURE_DEVICE (self), 0);
  return self->serial;
}

const char *
px_capture_device_get_name (PxCaptureDevice *self)
{
  g_return_val_if_fail (PX_IS_CAPTURE_DEVICE (self), NULL);
  return self->name;
}

const char *
px_capture_device_get_description (PxCaptureDevice *self)
{
  g_return_val_if_fail (PX_IS_CAPTURE_DEVICE (self), NULL);
  return self->description;
}

const char *
px_capture_device_get_path (PxCaptureDevice *self)
{
  g_return_val_if_fail (PX_IS_CAPTURE_DEVICE (self), NULL);
  return self->path;
}

const char *
px_capture_device_get_serial_number (PxCaptureDevice *self)
{
  g_return_val_if_fail (PX_IS_CAPTURE_DEVICE (self), NULL);
  return self->serial_number;
}

const PxCameraFormat *
px_capture_device_get_formats (PxCaptureDevice *self,
                               guint           *n_formats)
{
  g_return_val_if_fail (PX_IS_CAPTURE_DEVICE (self), NULL);

  if (n_formats != NULL)
    *n_formats = self->formats->len;
  return (const PxCameraFormat *) (gpointer) self->formats->data;
}

gboolean
px_capture_device_has_supported_format (PxCaptureDevice *self)
{
  g_return_val_if_fail (PX_IS_CAPTURE_DEVICE (self), FALSE);

  for (guint i = 0; i < self->formats->len; i++)
    {
      if (g_array_index (self->formats, PxCameraFormat, i).format != PX_PIXEL_FORMAT_UNKNOWN)
        return TRUE;
    }
  return FALSE;
}

char *
px_capture_device_describe_formats (PxCaptureDevice *self)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();

  g_return_val_if_fail (PX_IS_CAPTURE_DEVICE (self), NULL);

  for (guint i = 0; i < self->formats->len; i++)
    {
      const PxCameraFormat *format = &g_array_index (self->formats, PxCameraFormat, i);

      if (!g_ptr_array_find_with_equal_func (names, format->format_name, g_str_equal, NULL))
        g_ptr_array_add (names, (gpointer) format->format_name);
    }
  if (names->len == 0)
    return g_strdup ("none");

  g_ptr_array_add (names, NULL);
  return g_strjoinv (", ", (char **) names->pdata);
}
