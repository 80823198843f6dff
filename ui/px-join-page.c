/* px-join-page.c: server, room and name, then Join
 *
 * The page collects a join target and shows why it cannot be used. The
 * Join button and Enter in any field trigger win.join; the window decides
 * what joining means. The meeting is held on this computer unless the
 * switch is turned off, which shows the server's address. An invite link
 * pasted in any field goes to win.open-invite, which fills every field
 * (and keeps the link's token for Join).
 *
 * It also picks the camera, microphone and speaker: drop-downs over live
 * device lists (they follow hotplug), a preview of the chosen camera and a
 * level bar for the microphone while the page is on screen. Choices are
 * remembered in GSettings by PipeWire node name. Without a camera, or
 * without permission to use one, the preview says so and joining works
 * all the same. Frames arrive on the main context already converted to
 * I420 by the engine; turning a 640×480 one into a texture takes about a
 * millisecond.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include <math.h>

#include "capture/px-camera-source.h"
#include "capture/px-device-monitor.h"
#include "capture/px-microphone-source.h"
#include "media/px-pixel-convert.h"
#include "px-device-row.h"
#include "px-join-page.h"
#include "px-ui-resources.h"

#define PREVIEW_WIDTH 640
#define PREVIEW_HEIGHT 480
#define PREVIEW_FPS 30
#define LEVEL_INTERVAL_MS 50

struct _PxJoinPage
{
  GtkWidget parent_instance;

  GtkSwitch *this_computer_switch;
  AdwEntryRow *server_row;
  AdwEntryRow *room_row;
  AdwEntryRow *name_row;
  GtkLabel *error_label;
  GtkButton *join_button;
  GtkPicture *preview_picture;
  GtkLabel *camera_status_label;
  AdwComboRow *camera_row;
  AdwComboRow *microphone_row;
  GtkLevelBar *microphone_level;
  AdwComboRow *speaker_row;

  GSettings *settings;
  PxDeviceMonitor *cameras;
  PxDeviceMonitor *microphones;
  PxDeviceMonitor *speakers;
  PxCameraSource *camera;
  PxMicrophoneSource *microphone;
  guint level_source_id;
  /* Set while a list changes, when the drop-down picks an item by itself:
   * such a pick is not the user's choice and is not remembered. */
  gboolean lists_changing;
  guint invite_idle_id;
};

G_DEFINE_FINAL_TYPE (PxJoinPage, px_join_page, GTK_TYPE_WIDGET)

static void
px_join_page_entry_activated_cb (PxJoinPage *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "win.join", NULL);
}

/* A link pasted into a field: the window turns it into every field. Done
 * from idle, as the fields change again on the way. */
static gboolean
px_join_page_open_invite_cb (gpointer user_data)
{
  PxJoinPage *self = user_data;
  AdwEntryRow *rows[] = { self->server_row, self->room_row, self->name_row };

  self->invite_idle_id = 0;
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (rows[i]))));

      if (g_str_has_prefix (text, PX_INVITE_SCHEME "://"))
        {
          gtk_editable_set_text (GTK_EDITABLE (rows[i]), "");
          gtk_widget_activate_action (GTK_WIDGET (self), "win.open-invite", "s", text);
          break;
        }
    }
  return G_SOURCE_REMOVE;
}

static void
px_join_page_changed_cb (PxJoinPage *self)
{
  /* An error refers to what was typed before; once the user edits, it is
   * stale and only gets in the way. */
  px_join_page_show_error (self, NULL);
  if (self->invite_idle_id == 0)
    self->invite_idle_id = g_idle_add (px_join_page_open_invite_cb, self);
}

static void
px_join_page_this_computer_cb (PxJoinPage *self)
{
  gboolean here = gtk_switch_get_active (self->this_computer_switch);

  gtk_widget_set_visible (GTK_WIDGET (self->server_row), !here);
  px_join_page_show_error (self, NULL);
}

/* Devices ----------------------------------------------------------------------------------- */

static PxCaptureDevice *
selected_device (AdwComboRow *row)
{
  return adw_combo_row_get_selected_item (row);
}

static void
update_camera_status (PxJoinPage *self)
{
  PxPipewireConnection *connection = px_device_monitor_get_connection (self->cameras);
  const char *status = NULL;

  if (px_pipewire_connection_get_state (connection) == PX_PIPEWIRE_STATE_ACCESS_DENIED)
    status = _("Camera access denied");
  else if (g_list_model_get_n_items (G_LIST_MODEL (self->cameras)) == 0)
    status = _("No camera found");
  else if (self->camera == NULL)
    status = NULL;
  else
    switch (px_camera_source_get_state (self->camera))
      {
      case PX_CAMERA_SOURCE_STATE_ENDED:
        status = _("The camera stopped");
        break;
      case PX_CAMERA_SOURCE_STATE_WAITING:
      case PX_CAMERA_SOURCE_STATE_NEGOTIATING:
        status = _("Starting the camera…");
        break;
      case PX_CAMERA_SOURCE_STATE_IDLE:
      case PX_CAMERA_SOURCE_STATE_STREAMING:
      default:
        status = NULL;
        break;
      }

  gtk_label_set_text (self->camera_status_label, status != NULL ? status : "");
  gtk_widget_set_visible (GTK_WIDGET (self->camera_status_label), status != NULL);
  if (status != NULL)
    gtk_picture_set_paintable (self->preview_picture, NULL);
}

static void
camera_frame_ready_cb (PxJoinPage     *self,
                       PxCameraSource *source)
{
  g_autoptr(PxFrame) frame = px_camera_source_take_frame (source);
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gsize stride;
  guint8 *pixels;

  if (frame == NULL || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;

  stride = (gsize) frame->width * 4;
  pixels = g_malloc (stride * frame->height);
  px_pixel_convert_i420_to_rgb (frame, PX_PIXEL_FORMAT_RGBA, pixels, stride);
  bytes = g_bytes_new_take (pixels, stride * frame->height);
  texture = gdk_memory_texture_new ((int) frame->width, (int) frame->height,
                                    GDK_MEMORY_R8G8B8A8, bytes, stride);
  gtk_picture_set_paintable (self->preview_picture, GDK_PAINTABLE (texture));
}

static void
stop_camera (PxJoinPage *self)
{
  if (self->camera == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->camera, self);
  px_camera_source_stop (self->camera);
  g_clear_object (&self->camera);
  gtk_picture_set_paintable (self->preview_picture, NULL);
}

static void
start_camera (PxJoinPage *self)
{
  PxCaptureDevice *device = selected_device (self->camera_row);
  g_autoptr(GError) error = NULL;

  stop_camera (self);
  if (device != NULL && gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      self->camera = px_camera_source_new (px_device_monitor_get_connection (self->cameras),
                                           px_capture_device_get_name (device),
                                           PREVIEW_WIDTH, PREVIEW_HEIGHT, PREVIEW_FPS);
      g_signal_connect_swapped (self->camera, "frame-ready",
                                G_CALLBACK (camera_frame_ready_cb), self);
      g_signal_connect_swapped (self->camera, "notify::state",
                                G_CALLBACK (update_camera_status), self);
      if (!px_camera_source_start (self->camera, &error))
        {
          g_debug ("No preview: %s", error->message);
          stop_camera (self);
        }
    }
  update_camera_status (self);
}

static gboolean
level_tick_cb (gpointer data)
{
  PxJoinPage *self = data;
  float rms = 0, peak = 0;
  double value = 0;

  if (self->microphone != NULL)
    px_microphone_source_get_level (self->microphone, &rms, &peak);
  /* -60 dBFS to 0 dBFS across the bar, as people hear loudness. */
  if (rms > 0)
    value = CLAMP ((20 * log10 (rms) + 60) / 60, 0, 1);
  gtk_level_bar_set_value (self->microphone_level, value);

  return G_SOURCE_CONTINUE;
}

static void
stop_microphone (PxJoinPage *self)
{
  g_clear_handle_id (&self->level_source_id, g_source_remove);
  if (self->microphone != NULL)
    {
      px_microphone_source_stop (self->microphone);
      g_clear_object (&self->microphone);
    }
  gtk_level_bar_set_value (self->microphone_level, 0);
}

static void
start_microphone (PxJoinPage *self)
{
  PxCaptureDevice *device = selected_device (self->microphone_row);
  g_autoptr(GError) error = NULL;

  stop_microphone (self);
  if (device == NULL || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;

  self->microphone = px_microphone_source_new (px_device_monitor_get_connection (self->microphones),
                                               px_capture_device_get_name (device));
  if (!px_microphone_source_start (self->microphone, &error))
    {
      g_debug ("No microphone level: %s", error->message);
      g_clear_object (&self->microphone);
      return;
    }
  self->level_source_id = g_timeout_add (LEVEL_INTERVAL_MS, level_tick_cb, self);
}

/* Selects the remembered device of @key if the list holds it. */
static void
select_remembered (PxJoinPage  *self,
                   AdwComboRow *row,
                   const char  *key)
{
  g_autofree char *wanted = g_settings_get_string (self->settings, key);

  px_device_row_select_name (row, wanted);
}

static void
lists_changing_cb (PxJoinPage *self)
{
  self->lists_changing = TRUE;
}

static void
lists_changed_cb (PxJoinPage *self)
{
  select_remembered (self, self->camera_row, "camera-device");
  select_remembered (self, self->microphone_row, "microphone-device");
  select_remembered (self, self->speaker_row, "speaker-device");
  self->lists_changing = FALSE;
  update_camera_status (self);
}

static void
remember (PxJoinPage  *self,
          AdwComboRow *row,
          const char  *key)
{
  PxCaptureDevice *device = selected_device (row);

  if (!self->lists_changing && device != NULL)
    g_settings_set_string (self->settings, key, px_capture_device_get_name (device));
}

static void
camera_selected_cb (PxJoinPage *self)
{
  remember (self, self->camera_row, "camera-device");
  /* The same camera re-selected after a list change keeps its stream. */
  if (self->camera != NULL && selected_device (self->camera_row) != NULL &&
      g_str_equal (px_camera_source_get_camera (self->camera),
                   px_capture_device_get_name (selected_device (self->camera_row))) &&
      px_camera_source_get_state (self->camera) != PX_CAMERA_SOURCE_STATE_ENDED)
    return;
  start_camera (self);
}

static void
microphone_selected_cb (PxJoinPage *self)
{
  remember (self, self->microphone_row, "microphone-device");
  start_microphone (self);
}

static void
speaker_selected_cb (PxJoinPage *self)
{
  remember (self, self->speaker_row, "speaker-device");
}

static void
set_up_row (PxJoinPage      *self,
            AdwComboRow     *row,
            PxDeviceMonitor *monitor,
            GCallback        selected_cb)
{
  /* See lists_changing. */
  px_device_row_bind (row, G_LIST_MODEL (monitor), G_CALLBACK (lists_changing_cb),
                      G_CALLBACK (lists_changed_cb), self);
  g_signal_connect_swapped (row, "notify::selected", selected_cb, self);
}

static void
px_join_page_map (GtkWidget *widget)
{
  PxJoinPage *self = PX_JOIN_PAGE (widget);

  GTK_WIDGET_CLASS (px_join_page_parent_class)->map (widget);

  start_camera (self);
  start_microphone (self);
}

static void
px_join_page_unmap (GtkWidget *widget)
{
  PxJoinPage *self = PX_JOIN_PAGE (widget);

  /* Nobody looks: the camera light goes off. */
  stop_camera (self);
  stop_microphone (self);

  GTK_WIDGET_CLASS (px_join_page_parent_class)->unmap (widget);
}

static void
px_join_page_dispose (GObject *object)
{
  PxJoinPage *self = PX_JOIN_PAGE (object);
  GtkWidget *child;

  stop_camera (self);
  stop_microphone (self);
  g_clear_handle_id (&self->invite_idle_id, g_source_remove);
  if (self->cameras != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->cameras, self);
      g_signal_handlers_disconnect_by_data (self->microphones, self);
      g_signal_handlers_disconnect_by_data (self->speakers, self);
      g_signal_handlers_disconnect_by_data (px_device_monitor_get_connection (self->cameras), self);
    }

  gtk_widget_dispose_template (GTK_WIDGET (object), PX_TYPE_JOIN_PAGE);
  /* Template children without an id are ours to unparent. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  g_clear_object (&self->cameras);
  g_clear_object (&self->microphones);
  g_clear_object (&self->speakers);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (px_join_page_parent_class)->dispose (object);
}

static void
px_join_page_class_init (PxJoinPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = px_join_page_dispose;
  widget_class->map = px_join_page_map;
  widget_class->unmap = px_join_page_unmap;

  px_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/parallax/Parallax/px-join-page.ui");
  gtk_widget_class_bind_template_child (widget_class, PxJoinPage, this_computer_switch);
  gtk_widget_class_bind_template_child (widget_class, PxJoinPage, server_row);
  gtk_widget_class_bind_template_child (widget_class, PxJoinPage, room_row);
  gtk_widget_class_bind_template_child (widget_class, PxJoinPage, name_row);
  gtk_widget_class_bind_template_child (widget_class, PxJoinPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, PxJoinPage, join_button);
  gtk_widget_class_bind_template_child (widget_class, PxJoinPage, preview_picture);
  gtk_widget_class_bind_template_child (widget_class, PxJoinPage, camera_status_label);
  gtk_widget_class_bind_template_child (widget_class, PxJoinPage, camera_row);
  gtk_widget_class_bind_template_child (widget_class, PxJoinPage, microphone_row);
  gtk_widget_class_bind_template_child (widget_class, PxJoinPage, microphone_level);
  gtk_widget_class_bind_template_child (widget_class, PxJoinPage, speaker_row);
  gtk_widget_class_bind_template_callback (widget_class, px_join_page_entry_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, px_join_page_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, px_join_page_this_computer_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "joinpage");
}

static void
px_join_page_init (PxJoinPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APPLICATION_ID);
  self->cameras = px_camera_monitor_new ();
  self->microphones = px_device_monitor_new (PX_DEVICE_KIND_MICROPHONE, NULL);
  self->speakers = px_device_monitor_new (PX_DEVICE_KIND_SPEAKER, NULL);

  set_up_row (self, self->camera_row, self->cameras, G_CALLBACK (camera_selected_cb));
  set_up_row (self, self->microphone_row, self->microphones, G_CALLBACK (microphone_selected_cb));
  set_up_row (self, self->speaker_row, self->speakers, G_CALLBACK (speaker_selected_cb));
  g_signal_connect_object (px_device_monitor_get_connection (self->cameras), "notify::state",
                           G_CALLBACK (update_camera_status), self, G_CONNECT_SWAPPED);
  lists_changed_cb (self);
}

void
px_join_page_fill (PxJoinPage   *self,
                   PxJoinTarget *target)
{
  g_return_if_fail (PX_IS_JOIN_PAGE (self));
  g_return_if_fail (PX_IS_JOIN_TARGET (target));

  gtk_switch_set_active (self->this_computer_switch, px_join_target_is_embedded (target));
  gtk_editable_set_text (GTK_EDITABLE (self->server_row), px_join_target_get_server_url (target));
  gtk_editable_set_text (GTK_EDITABLE (self->room_row), px_join_target_get_room (target));
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), px_join_target_get_display_name (target));
  px_join_page_show_error (self, NULL);
}

/* Returns a validated, normalized target, or NULL with the error that the
 * page also shows (and focus moved to the field at fault). */
PxJoinTarget *
px_join_page_build_target (PxJoinPage  *self,
                           GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *server = NULL;
  g_autofree char *name = NULL;
  const char *room;

  g_return_val_if_fail (PX_IS_JOIN_PAGE (self), NULL);

  if (gtk_switch_get_active (self->this_computer_switch))
    server = g_strdup ("");
  else
    server = px_join_target_normalize_server (gtk_editable_get_text (GTK_EDITABLE (self->server_row)),
                                              &local_error);
  if (server != NULL && server[0] == '\0' && !gtk_switch_get_active (self->this_computer_switch))
    {
      g_clear_pointer (&server, g_free);
      g_set_error_literal (&local_error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_SERVER,
                           _("Enter the server’s address, or hold the meeting on this computer."));
    }
  if (server == NULL)
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->server_row));
      goto failed;
    }

  room = gtk_editable_get_text (GTK_EDITABLE (self->room_row));
  if (!px_join_target_check_room (room, &local_error))
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->room_row));
      goto failed;
    }

  name = px_join_target_normalize_name (gtk_editable_get_text (GTK_EDITABLE (self->name_row)),
                                        &local_error);
  if (name == NULL)
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
      goto failed;
    }

  px_join_page_show_error (self, NULL);
  return px_join_target_new (server, room, name);

failed:
  px_join_page_show_error (self, local_error);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

void
px_join_page_show_error (PxJoinPage   *self,
                         const GError *error)
{
  g_return_if_fail (PX_IS_JOIN_PAGE (self));

  gtk_label_set_text (self->error_label, error ? error->message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), error != NULL);
}

const char *
px_join_page_get_error (PxJoinPage *self)
{
  g_return_val_if_fail (PX_IS_JOIN_PAGE (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->error_label)))
    return NULL;
  return gtk_label_get_text (self->error_label);
}

/* The chosen devices' node names, or NULL when there is none to choose. */
const char *
px_join_page_get_camera (PxJoinPage *self)
{
  g_return_val_if_fail (PX_IS_JOIN_PAGE (self), NULL);

  return selected_device (self->camera_row) != NULL
         ? px_capture_device_get_name (selected_device (self->camera_row)) : NULL;
}

const char *
px_join_page_get_microphone (PxJoinPage *self)
{
  g_return_val_if_fail (PX_IS_JOIN_PAGE (self), NULL);

  return selected_device (self->microphone_row) != NULL
         ? px_capture_device_get_name (selected_device (self->microphone_row)) : NULL;
}

const char *
px_join_page_get_speaker (PxJoinPage *self)
{
  g_return_val_if_fail (PX_IS_JOIN_PAGE (self), NULL);

  return selected_device (self->speaker_row) != NULL
         ? px_capture_device_get_name (selected_device (self->speaker_row)) : NULL;
}

/* What the preview says instead of a picture ("No camera found"…), or NULL. */
const char *
px_join_page_get_camera_status (PxJoinPage *self)
{
  g_return_val_if_fail (PX_IS_JOIN_PAGE (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->camera_status_label)))
    return NULL;
  return gtk_label_get_text (self->camera_status_label);
}

/* The texture the preview shows now, or NULL. */
GdkPaintable *
px_join_page_get_preview (PxJoinPage *self)
{
  g_return_val_if_fail (PX_IS_JOIN_PAGE (self), NULL);

  return gtk_picture_get_paintable (self->preview_picture);
}

/* Whether the meeting is to be held on this computer (the switch). */
gboolean
px_join_page_get_this_computer (PxJoinPage *self)
{
  g_return_val_if_fail (PX_IS_JOIN_PAGE (self), FALSE);
  return gtk_switch_get_active (self->this_computer_switch);
}
