/* px-studio-setup-camera-view.c: one studio camera's live image and id
 *
 * The studio setup shows what each camera of the rig sees, named, so that
 * the person setting up can tell which is which. The view opens the camera
 * only while it is on screen (the camera light goes off with the window)
 * and keeps the newest frame for the calibration check.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "capture/px-camera-source.h"
#include "media/px-pixel-convert.h"
#include "px-studio-setup-camera-view.h"

#define CAMERA_FPS 15

struct _PxStudioSetupCameraView
{
  GtkWidget parent_instance;

  GtkWidget *box;
  GtkPicture *picture;
  GtkLabel *status_label;
  GtkLabel *title_label;

  char *role;
  PxPipewireConnection *connection;
  char *camera;
  guint width;
  guint height;
  PxCameraSource *source;
  PxFrame *frame;
  const char *status;
};

G_DEFINE_FINAL_TYPE (PxStudioSetupCameraView, px_studio_setup_camera_view, GTK_TYPE_WIDGET)

enum {
  SIGNAL_NEW_FRAME,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
set_status (PxStudioSetupCameraView *self,
            const char              *status)
{
  self->status = status;
  gtk_label_set_text (self->status_label, status != NULL ? status : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), status != NULL);
  if (status != NULL)
    {
      gtk_picture_set_paintable (self->picture, NULL);
      g_clear_pointer (&self->frame, px_frame_unref);
    }
}

static void
update_title (PxStudioSetupCameraView *self)
{
  g_autofree char *title = NULL;

  if (self->camera != NULL)
    /* TRANSLATORS: a camera's role in the rig, then its PipeWire node name */
    title = g_strdup_printf (_("%s: %s"), self->role, self->camera);
  else
    title = g_strdup_printf (_("%s: none chosen"), self->role);
  gtk_label_set_text (self->title_label, title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->picture), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  title, -1);
}

static void
update_status (PxStudioSetupCameraView *self)
{
  if (self->camera == NULL)
    {
      set_status (self, _("Choose a camera"));
      return;
    }
  if (self->source == NULL)
    {
      set_status (self, _("The camera could not be opened"));
      return;
    }
  switch (px_camera_source_get_state (self->source))
    {
    case PX_CAMERA_SOURCE_STATE_ENDED:
      set_status (self, _("The camera stopped"));
      break;
    case PX_CAMERA_SOURCE_STATE_WAITING:
    case PX_CAMERA_SOURCE_STATE_NEGOTIATING:
      if (self->frame == NULL)
        set_status (self, _("Starting the camera…"));
      break;
    case PX_CAMERA_SOURCE_STATE_IDLE:
    case PX_CAMERA_SOURCE_STATE_STREAMING:
    default:
      if (self->frame == NULL)
        set_status (self, _("Waiting for a picture…"));
      break;
    }
}

static void
px_studio_setup_camera_view_frame_ready_cb (PxStudioSetupCameraView *self,
                                            PxCameraSource          *source)
{
  g_autoptr(PxFrame) frame = px_camera_source_take_frame (source);
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gsize stride;
  guint8 *pixels;

  if (frame == NULL)
    return;

  stride = (gsize) frame->width * 4;
  pixels = g_malloc (stride * frame->height);
  px_pixel_convert_i420_to_rgb (frame, PX_PIXEL_FORMAT_RGBA, pixels, stride);
  bytes = g_bytes_new_take (pixels, stride * frame->height);
  texture = gdk_memory_texture_new ((int) frame->width, (int) frame->height,
                                    GDK_MEMORY_R8G8B8A8, bytes, stride);
  set_status (self, NULL);
  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (texture));
  g_clear_pointer (&self->frame, px_frame_unref);
  self->frame = g_steal_pointer (&frame);
  g_signal_emit (self, signals[SIGNAL_NEW_FRAME], 0);
}

static void
stop (PxStudioSetupCameraView *self)
{
  if (self->source != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->source, self);
      px_camera_source_stop (self->source);
      g_clear_object (&self->source);
    }
  gtk_picture_set_paintable (self->picture, NULL);
  g_clear_pointer (&self->frame, px_frame_unref);
}

static void
start (PxStudioSetupCameraView *self)
{
  g_autoptr(GError) error = NULL;

  stop (self);
  if (self->camera != NULL && gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      self->source = px_camera_source_new (self->connection, self->camera, self->width,
                                           self->height, CAMERA_FPS);
      g_signal_connect_swapped (self->source, "frame-ready",
                                G_CALLBACK (px_studio_setup_camera_view_frame_ready_cb), self);
      g_signal_connect_swapped (self->source, "notify::state", G_CALLBACK (update_status), self);
      if (!px_camera_source_start (self->source, &error))
        {
          g_debug ("Camera %s: %s", self->camera, error->message);
          stop (self);
        }
    }
  update_status (self);
}

static void
px_studio_setup_camera_view_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (px_studio_setup_camera_view_parent_class)->map (widget);
  start (PX_STUDIO_SETUP_CAMERA_VIEW (widget));
}

static void
px_studio_setup_camera_view_unmap (GtkWidget *widget)
{
  stop (PX_STUDIO_SETUP_CAMERA_VIEW (widget));
  GTK_WIDGET_CLASS (px_studio_setup_camera_view_parent_class)->unmap (widget);
}

static void
px_studio_setup_camera_view_dispose (GObject *object)
{
  PxStudioSetupCameraView *self = PX_STUDIO_SETUP_CAMERA_VIEW (object);

  stop (self);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (px_studio_setup_camera_view_parent_class)->dispose (object);
}

static void
px_studio_setup_camera_view_finalize (GObject *object)
{
  PxStudioSetupCameraView *self = PX_STUDIO_SETUP_CAMERA_VIEW (object);

  g_free (self->role);
  g_free (self->camera);

  G_OBJECT_CLASS (px_studio_setup_camera_view_parent_class)->finalize (object);
}

static void
px_studio_setup_camera_view_class_init (PxStudioSetupCameraViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = px_studio_setup_camera_view_dispose;
  object_class->finalize = px_studio_setup_camera_view_finalize;
  widget_class->map = px_studio_setup_camera_view_map;
  widget_class->unmap = px_studio_setup_camera_view_unmap;

  /* A new frame is shown (get_frame() has it). */
  signals[SIGNAL_NEW_FRAME] =
    g_signal_new ("new-frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "studiocameraview");
}

static void
px_studio_setup_camera_view_init (PxStudioSetupCameraView *self)
{
  GtkWidget *overlay = gtk_overlay_new ();
  GtkWidget *frame = gtk_frame_new (NULL);

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  self->picture = GTK_PICTURE (gtk_picture_new ());
  gtk_picture_set_can_shrink (self->picture, TRUE);
  gtk_picture_set_content_fit (self->picture, GTK_CONTENT_FIT_CONTAIN);
  gtk_widget_set_size_request (GTK_WIDGET (self->picture), 240, 180);
  gtk_widget_set_hexpand (GTK_WIDGET (self->picture), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self->picture), TRUE);
  gtk_overlay_set_child (GTK_OVERLAY (overlay), GTK_WIDGET (self->picture));

  self->status_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->status_label, TRUE);
  gtk_label_set_justify (self->status_label, GTK_JUSTIFY_CENTER);
  gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "dim-label");
  gtk_widget_set_halign (GTK_WIDGET (self->status_label), GTK_ALIGN_CENTER);
  gtk_widget_set_valign (GTK_WIDGET (self->status_label), GTK_ALIGN_CENTER);
  gtk_overlay_add_overlay (GTK_OVERLAY (overlay), GTK_WIDGET (self->status_label));

  gtk_frame_set_child (GTK_FRAME (frame), overlay);
  gtk_box_append (GTK_BOX (self->box), frame);

  self->title_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_ellipsize (self->title_label, PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_add_css_class (GTK_WIDGET (self->title_label), "heading");
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->title_label));

  self->width = 640;
  self->height = 480;
}

GtkWidget *
px_studio_setup_camera_view_new (const char *role)
{
  PxStudioSetupCameraView *self = g_object_new (PX_TYPE_STUDIO_SETUP_CAMERA_VIEW, NULL);

  self->role = g_strdup (role);
  update_title (self);
  update_status (self);
  return GTK_WIDGET (self);
}

void
px_studio_setup_camera_view_set_camera (PxStudioSetupCameraView *self,
                                        PxPipewireConnection    *connection,
                                        const char              *camera,
                                        guint                    width,
                                        guint                    height)
{
  g_return_if_fail (PX_IS_STUDIO_SETUP_CAMERA_VIEW (self));

  if (g_strcmp0 (camera, self->camera) == 0 && width == self->width && height == self->height
      && connection == self->connection && self->source != NULL
      && px_camera_source_get_state (self->source) != PX_CAMERA_SOURCE_STATE_ENDED)
    return;

  g_set_object (&self->connection, connection);
  g_free (self->camera);
  self->camera = g_strdup (camera);
  self->width = width > 0 ? width : 640;
  self->height = height > 0 ? height : 480;
  update_title (self);
  start (self);
}

const char *
px_studio_setup_camera_view_get_camera (PxStudioSetupCameraView *self)
{
  g_return_val_if_fail (PX_IS_STUDIO_SETUP_CAMERA_VIEW (self), NULL);
  return self->camera;
}

PxFrame *
px_studio_setup_camera_view_get_frame (PxStudioSetupCameraView *self)
{
  g_return_val_if_fail (PX_IS_STUDIO_SETUP_CAMERA_VIEW (self), NULL);
  return self->frame;
}

GdkPaintable *
px_studio_setup_camera_view_get_paintable (PxStudioSetupCameraView *self)
{
  g_return_val_if_fail (PX_IS_STUDIO_SETUP_CAMERA_VIEW (self), NULL);
  return gtk_picture_get_paintable (self->picture);
}

const char *
px_studio_setup_camera_view_get_status (PxStudioSetupCameraView *self)
{
  g_return_val_if_fail (PX_IS_STUDIO_SETUP_CAMERA_VIEW (self), NULL);
  return self->status;
}
