/* px-studio-setup-window.c: the cameras and calibration of this computer's studio
 *
 * A window of its own, opened from Preferences, rather than a page of
 * them: it runs two cameras and a calibration check (and, with a server,
 * a reconstruction), which should happen only while someone is setting
 * the studio up, and it needs the room to show both live images side by
 * side.
 *
 * The person setting up imports a calibration (a rig file, or what
 * OpenCV's stereoCalibrate wrote), picks the two cameras of the pair and
 * sees each one's live image with its name. About once a second the
 * newest frames of both go to PxRigCheck on a worker thread, and the
 * verdict says in words whether calibration and cameras belong together:
 * swapped cameras and a calibration of other cameras are told apart.
 * Choices apply at once, as everywhere in Preferences: the rig is saved
 * to the user's data folder and GSettings studio-rig-file and
 * studio-cameras point the meetings at it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>

#include <glib/gi18n.h>

#include "capture/px-device-monitor.h"
#include "recon/px-rig-check.h"
#include "recon/px-stereo-calibration.h"
#include "px-studio-setup-preview.h"
#include "px-studio-setup-window.h"
#include "px-device-row.h"
#include "px-ui-resources.h"

#define CHECK_INTERVAL_MS 1000
/* A calibration file is small; anything much larger is not one. */
#define MAX_CALIBRATION_BYTES (4 * 1024 * 1024)

struct _PxStudioSetupWindow
{
  AdwWindow parent_instance;

  AdwActionRow *calibration_row;
  GtkSpinButton *unit_spin;
  GtkLabel *error_label;
  AdwComboRow *left_row;
  AdwComboRow *right_row;
  GtkButton *swap_button;
  GtkBox *views_box;
  AdwActionRow *verdict_row;
  GtkImage *verdict_icon;
  AdwPreferencesGroup *preview_group;

  GSettings *settings;
  PxDeviceMonitor *cameras;
  PxStudioSetupCameraView *views[2];
  PxStudioSetupPreview *preview;
  PxRig *rig;
  PxRigCheck *checker;
  GCancellable *cancellable;
  guint check_source_id;
  gboolean checking;
  /* Bumped whenever the rig or the cameras change: a check started
   * before tells nothing about the new choice. */
  guint generation;
  /* Selections the window makes itself are not the user's choice. */
  gboolean updating;
  int verdict;
  char *verdict_text;
  char *error;
  guint n_imports;
  guint n_checks;
};

G_DEFINE_FINAL_TYPE (PxStudioSetupWindow, px_studio_setup_window, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static char *
rig_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "parallax", "studio-rig.json", NULL);
}

static const char *
selected_camera (AdwComboRow *row)
{
  PxCaptureDevice *device = adw_combo_row_get_selected_item (row);

  return device != NULL ? px_capture_device_get_name (device) : NULL;
}

/* The verdict ---------------------------------------------------------------------------------- */

static void
show_verdict (PxStudioSetupWindow *self,
              int                  verdict,
              const char          *icon,
              const char          *title,
              const char          *subtitle)
{
  self->verdict = verdict;
  g_free (self->verdict_text);
  self->verdict_text = g_strdup (title);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->verdict_row), title);
  adw_action_row_set_subtitle (self->verdict_row, subtitle != NULL ? subtitle : "");
  gtk_image_set_from_icon_name (self->verdict_icon, icon);
  gtk_widget_remove_css_class (GTK_WIDGET (self->verdict_icon), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->verdict_icon), "warning");
  if (verdict == PX_RIG_CHECK_OK)
    gtk_widget_add_css_class (GTK_WIDGET (self->verdict_icon), "success");
  else if (verdict >= 0)
    gtk_widget_add_css_class (GTK_WIDGET (self->verdict_icon), "warning");
  /* Swapped cameras have one fix: point at it. */
  if (verdict == PX_RIG_CHECK_SWAPPED)
    gtk_widget_add_css_class (GTK_WIDGET (self->swap_button), "suggested-action");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->swap_button), "suggested-action");
}

static void
show_result (PxStudioSetupWindow    *self,
             const PxRigCheckResult *result)
{
  g_autofree char *subtitle = NULL;

  switch (result->verdict)
    {
    case PX_RIG_CHECK_OK:
      if (result->row_offset < 0.1)
        subtitle = g_strdup_printf (_("Rectified rows agree to a tenth of a pixel at %u points."),
                                    result->n_matches);
      else
        subtitle = g_strdup_printf (_("Rectified rows agree within %.1f pixels at %u points."),
                                    result->row_offset, result->n_matches);
      show_verdict (self, result->verdict, "emblem-ok-symbolic",
                    _("Calibration and cameras match"), subtitle);
      break;
    case PX_RIG_CHECK_SWAPPED:
      show_verdict (self, result->verdict, "dialog-warning-symbolic",
                    _("The cameras are swapped"),
                    _("The left camera is the right one of the calibration and the other way "
                      "round. Press Swap."));
      break;
    case PX_RIG_CHECK_ROWS_DISAGREE:
      subtitle = g_strdup_printf (_("Once rectified, the two images disagree by %.1f pixels "
                                    "vertically. Import the calibration of these cameras, or "
                                    "calibrate again if one of them moved."),
                                  result->row_offset);
      show_verdict (self, result->verdict, "dialog-warning-symbolic",
                    _("The calibration does not match these cameras"), subtitle);
      break;
    case PX_RIG_CHECK_NO_TEXTURE:
      show_verdict (self, result->verdict, "dialog-warning-symbolic",
                    _("Not enough detail to check"),
                    _("Light the scene and put something with texture in front of the "
                      "cameras."));
      break;
    case PX_RIG_CHECK_NO_MATCH:
    default:
      show_verdict (self, result->verdict, "dialog-warning-symbolic",
                    _("The cameras do not see the same scene"),
                    _("Check that both cameras belong to the rig and face the same way."));
      break;
    }
}

/* Says what the check waits for, or FALSE when it can run. */
static gboolean
show_waiting (PxStudioSetupWindow *self)
{
  const char *left = selected_camera (self->left_row);
  const char *right = selected_camera (self->right_row);
  PxFrame *frames[2];

  if (self->checker == NULL)
    {
      show_verdict (self, -1, "dialog-information-symbolic",
                    _("Import a calibration to check it"), NULL);
      return TRUE;
    }
  if (left == NULL || right == NULL || g_str_equal (left, right))
    {
      show_verdict (self, -1, "dialog-information-symbolic", _("Choose two different cameras"),
                    NULL);
      return TRUE;
    }
  for (guint i = 0; i < 2; i++)
    frames[i] = px_studio_setup_camera_view_get_frame (self->views[i]);
  if (frames[0] == NULL || frames[1] == NULL)
    {
      if (self->verdict < 0)
        show_verdict (self, -1, "dialog-information-symbolic", _("Waiting for both cameras…"),
                      NULL);
      return TRUE;
    }
  for (guint i = 0; i < 2; i++)
    if (frames[i]->width != px_rig_check_get_width (self->checker) ||
        frames[i]->height != px_rig_check_get_height (self->checker))
      {
        g_autofree char *title = g_strdup_printf (_("The cameras send %u×%u pictures but the "
                                                    "calibration is for %u×%u"),
                                                  frames[i]->width, frames[i]->height,
                                                  px_rig_check_get_width (self->checker),
                                                  px_rig_check_get_height (self->checker));

        show_verdict (self, -1, "dialog-warning-symbolic", title,
                      _("Calibrate the cameras at the size they film, or choose cameras that "
                        "offer the calibrated size."));
        return TRUE;
      }
  return FALSE;
}

/* A weak reference: a check still running when the window closes must not
 * keep the window (and its display) alive until it ends. */
typedef struct
{
  GWeakRef self;
  guint generation;
} CheckData;

static void
check_data_free (CheckData *data)
{
  g_weak_ref_clear (&data->self);
  g_free (data);
}

static void
px_studio_setup_window_check_done_cb (GObject      *source,
                                      GAsyncResult *result,
                                      gpointer      user_data)
{
  CheckData *data = user_data;
  g_autoptr(PxStudioSetupWindow) self = g_weak_ref_get (&data->self);
  g_autoptr(GError) error = NULL;
  PxRigCheckResult check;
  gboolean ok;

  ok = px_rig_check_run_finish (PX_RIG_CHECK (source), result, &check, &error);
  if (self == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      check_data_free (data);
      return;
    }
  self->checking = FALSE;
  if (data->generation == self->generation)
    {
      self->n_checks++;
      if (ok)
        {
          g_debug ("Rig check: %s, %u/%u matches, rows %.2f px, disparity %.1f px",
                   px_rig_check_verdict_to_string (check.verdict), check.n_matches,
                   check.n_features, check.row_offset, check.disparity);
          show_result (self, &check);
        }
      else
        show_verdict (self, -1, "dialog-warning-symbolic", _("The calibration could not be checked"),
                      error->message);
    }
  check_data_free (data);
}

static gboolean
px_studio_setup_window_check_tick_cb (gpointer user_data)
{
  PxStudioSetupWindow *self = user_data;
  PxFrame *left, *right;
  CheckData *data;

  if (self->checking || show_waiting (self))
    return G_SOURCE_CONTINUE;

  left = px_studio_setup_camera_view_get_frame (self->views[0]);
  right = px_studio_setup_camera_view_get_frame (self->views[1]);
  data = g_new0 (CheckData, 1);
  g_weak_ref_init (&data->self, self);
  data->generation = self->generation;
  self->checking = TRUE;
  /* The Y plane is the grey image the check needs; it is copied now. */
  px_rig_check_run_async (self->checker, left->planes[0], left->strides[0], left->width,
                          left->height, right->planes[0], right->strides[0], right->width,
                          right->height, self->cancellable,
                          px_studio_setup_window_check_done_cb, data);
  return G_SOURCE_CONTINUE;
}

/* Each new left frame goes, with the newest right one, to the
 * reconstruction preview. */
static void
px_studio_setup_window_new_frame_cb (PxStudioSetupWindow *self)
{
  PxFrame *left = px_studio_setup_camera_view_get_frame (self->views[0]);
  PxFrame *right = px_studio_setup_camera_view_get_frame (self->views[1]);
  const char *left_camera = selected_camera (self->left_row);
  const char *right_camera = selected_camera (self->right_row);

  if (left != NULL && right != NULL && left_camera != NULL && right_camera != NULL
      && !g_str_equal (left_camera, right_camera))
    px_studio_setup_preview_push (self->preview, left, right);
}

/* A new rig or new cameras: whatever was said is stale. */
static void
invalidate (PxStudioSetupWindow *self)
{
  self->generation++;
  self->verdict = -1;
  show_waiting (self);
}

/* Cameras ----------------------------------------------------------------------------------- */

static void
update_views (PxStudioSetupWindow *self)
{
  const PxCamera *left = NULL, *right = NULL;
  guint width = 0, height = 0;

  if (self->rig != NULL && px_rig_get_pair (self->rig, 0, &left, &right))
    {
      width = left->width;
      height = left->height;
    }
  px_studio_setup_camera_view_set_camera (self->views[0],
                                          px_device_monitor_get_connection (self->cameras),
                                          selected_camera (self->left_row), width, height);
  px_studio_setup_camera_view_set_camera (self->views[1],
                                          px_device_monitor_get_connection (self->cameras),
                                          selected_camera (self->right_row), width, height);
}

static void
remember_cameras (PxStudioSetupWindow *self)
{
  const char *left = selected_camera (self->left_row);
  const char *right = selected_camera (self->right_row);

  if (left != NULL && right != NULL && !g_str_equal (left, right))
    g_settings_set_strv (self->settings, "studio-cameras", (const char *[]) { left, right, NULL });
}

/* The remembered cameras, else the rig's cameras when PipeWire has nodes
 * of those names, else the first two cameras there are. */
static void
select_initial (PxStudioSetupWindow *self)
{
  g_auto(GStrv) remembered = g_settings_get_strv (self->settings, "studio-cameras");
  const PxCamera *left = NULL, *right = NULL;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->cameras));

  self->updating = TRUE;
  if (g_strv_length (remembered) == 2 && px_device_row_select_name (self->left_row, remembered[0])
      && px_device_row_select_name (self->right_row, remembered[1]))
    ;
  else if (self->rig != NULL && px_rig_get_pair (self->rig, 0, &left, &right)
           && px_device_row_select_name (self->left_row, left->id)
           && px_device_row_select_name (self->right_row, right->id))
    ;
  else if (n >= 2 && g_strcmp0 (selected_camera (self->left_row),
                                selected_camera (self->right_row)) == 0)
    {
      adw_combo_row_set_selected (self->left_row, 0);
      adw_combo_row_set_selected (self->right_row, 1);
    }
  self->updating = FALSE;
  update_views (self);
  invalidate (self);
}

static void
px_studio_setup_window_lists_changing_cb (PxStudioSetupWindow *self)
{
  self->updating = TRUE;
}

static void
px_studio_setup_window_lists_changed_cb (PxStudioSetupWindow *self)
{
  self->updating = FALSE;
  select_initial (self);
}

static void
px_studio_setup_window_camera_selected_cb (PxStudioSetupWindow *self)
{
  if (self->updating)
    return;
  remember_cameras (self);
  update_views (self);
  invalidate (self);
}

static void
px_studio_setup_window_swap_cb (GtkWidget  *widget,
                                const char *action_name,
                                GVariant   *parameter)
{
  PxStudioSetupWindow *self = PX_STUDIO_SETUP_WINDOW (widget);
  guint left = adw_combo_row_get_selected (self->left_row);
  guint right = adw_combo_row_get_selected (self->right_row);

  if (left == GTK_INVALID_LIST_POSITION || right == GTK_INVALID_LIST_POSITION)
    return;
  self->updating = TRUE;
  adw_combo_row_set_selected (self->left_row, right);
  adw_combo_row_set_selected (self->right_row, left);
  self->updating = FALSE;
  px_studio_setup_window_camera_selected_cb (self);
}

/* Calibration -------------------------------------------------------------------------------- */

static void
show_rig (PxStudioSetupWindow *self)
{
  g_autofree char *path = g_settings_get_string (self->settings, "studio-rig-file");
  const PxCamera *left, *right;

  if (self->rig == NULL || !px_rig_get_pair (self->rig, 0, &left, &right))
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->calibration_row),
                                     _("No calibration imported"));
      adw_action_row_set_subtitle (self->calibration_row, "");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->calibration_row), NULL);
      return;
    }
  {
    g_autofree char *subtitle = g_strdup_printf (_("Cameras “%s” and “%s”, %u×%u"), left->id,
                                                 right->id, left->width, left->height);
    const char *name = px_rig_get_name (self->rig);

    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->calibration_row),
                                   name != NULL && *name != '\0' ? name : _("Studio rig"));
    adw_action_row_set_subtitle (self->calibration_row, subtitle);
    /* Where it is saved, for whoever wants to copy it to another computer. */
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->calibration_row), path);
  }
}

static void
show_error (PxStudioSetupWindow *self,
            const char          *message)
{
  g_free (self->error);
  self->error = g_strdup (message);
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

/* Makes @rig the studio's; the checker comes with it. */
static gboolean
use_rig (PxStudioSetupWindow *self,
         PxRig               *rig,
         GError             **error)
{
  g_autoptr(PxRigCheck) checker = px_rig_check_new (rig, 0, error);

  if (checker == NULL)
    return FALSE;
  g_set_object (&self->rig, rig);
  g_set_object (&self->checker, checker);
  show_rig (self);
  px_studio_setup_preview_set_rig (self->preview, rig);
  return TRUE;
}

/* Parses a rig file or an OpenCV calibration, by its first character. */
static PxRig *
parse_calibration (PxStudioSetupWindow *self,
                   const char          *data,
                   gsize                length,
                   GError             **error)
{
  PxStereoCalibration calibration = { 0, };
  gsize i = 0;

  while (i < length && g_ascii_isspace (data[i]))
    i++;
  if (i < length && data[i] == '{')
    return px_rig_new_from_data (data, length, error);

  if (!px_stereo_calibration_parse_opencv (&calibration, data, length, error) ||
      !px_stereo_calibration_check (&calibration, error))
    return NULL;
  return px_stereo_calibration_to_rig (&calibration,
                                       gtk_spin_button_get_value (self->unit_spin) / 1000.0,
                                       error);
}

static gboolean
import_data (PxStudioSetupWindow *self,
             const char          *data,
             gsize                length,
             GError             **error)
{
  g_autoptr(PxRig) rig = NULL;
  g_autoptr(PxRigCheck) checker = NULL;
  g_autofree char *path = rig_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  const PxCamera *left, *right;

  if (length > MAX_CALIBRATION_BYTES)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The file is too large for a calibration"));
      return FALSE;
    }
  rig = parse_calibration (self, data, length, error);
  if (rig == NULL)
    return FALSE;
  if (px_rig_get_n_pairs (rig) == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The rig has no stereo pair of cameras"));
      return FALSE;
    }
  /* Refuse what cannot be rectified before anything is saved. */
  checker = px_rig_check_new (rig, 0, error);
  if (checker == NULL)
    return FALSE;
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot create the folder %s: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }
  if (!px_rig_save (rig, path, error) || !use_rig (self, rig, error))
    return FALSE;
  g_settings_set_string (self->settings, "studio-rig-file", path);
  show_rig (self);

  /* Cameras named as in the rig are the rig's cameras. */
  px_rig_get_pair (rig, 0, &left, &right);
  self->updating = TRUE;
  if (px_device_row_select_name (self->left_row, left->id) && px_device_row_select_name (self->right_row, right->id))
    {
      self->updating = FALSE;
      remember_cameras (self);
    }
  self->updating = FALSE;
  update_views (self);
  invalidate (self);
  return TRUE;
}

typedef struct
{
  PxStudioSetupWindow *self;
  char *name;
} ImportData;

static void
px_studio_setup_window_loaded_cb (GObject      *source,
                                  GAsyncResult *result,
                                  gpointer      user_data)
{
  ImportData *import = user_data;
  g_autoptr(PxStudioSetupWindow) self = import->self;
  g_autofree char *name = import->name;
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;

  g_free (import);
  if (!g_file_load_contents_finish (G_FILE (source), result, &contents, &length, NULL, &error)
      && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (error == NULL)
    import_data (self, contents, length, &error);
  if (error != NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not import “%s”: %s"), name,
                                                  error->message);

      show_error (self, message);
    }
  else
    show_error (self, NULL);
  self->n_imports++;
}

void
px_studio_setup_window_import (PxStudioSetupWindow *self,
                               GFile               *file)
{
  ImportData *import;

  g_return_if_fail (PX_IS_STUDIO_SETUP_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  import = g_new0 (ImportData, 1);
  import->self = g_object_ref (self);
  import->name = g_file_get_basename (file);
  g_file_load_contents_async (file, self->cancellable, px_studio_setup_window_loaded_cb, import);
}

static void
px_studio_setup_window_chooser_response_cb (GtkNativeDialog     *chooser,
                                            int                  response,
                                            PxStudioSetupWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (file != NULL)
        px_studio_setup_window_import (self, file);
    }
  g_object_unref (chooser);
}

static void
px_studio_setup_window_import_cb (GtkWidget  *widget,
                                  const char *action_name,
                                  GVariant   *parameter)
{
  PxStudioSetupWindow *self = PX_STUDIO_SETUP_WINDOW (widget);
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  chooser = gtk_file_chooser_native_new (_("Import a Calibration"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"), NULL);
  gtk_file_filter_set_name (filter, _("Rig files and OpenCV calibrations"));
  gtk_file_filter_add_suffix (filter, "json");
  gtk_file_filter_add_suffix (filter, "yml");
  gtk_file_filter_add_suffix (filter, "yaml");
  gtk_file_filter_add_suffix (filter, "xml");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response",
                    G_CALLBACK (px_studio_setup_window_chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* The rig saved before, if any. Reading a small local file once when the
 * window opens is quick. */
static void
load_saved_rig (PxStudioSetupWindow *self)
{
  g_autofree char *path = g_settings_get_string (self->settings, "studio-rig-file");
  g_autoptr(PxRig) rig = NULL;
  g_autoptr(GError) error = NULL;

  if (*path == '\0')
    return;
  rig = px_rig_new_from_file (path, &error);
  if (rig == NULL || !use_rig (self, rig, &error))
    {
      g_autofree char *message = g_strdup_printf (_("The studio’s calibration %s cannot be used: "
                                                    "%s"), path, error->message);

      show_error (self, message);
    }
}

/* GObject ------------------------------------------------------------------------------------ */

static void
px_studio_setup_window_constructed (GObject *object)
{
  PxStudioSetupWindow *self = PX_STUDIO_SETUP_WINDOW (object);

  G_OBJECT_CLASS (px_studio_setup_window_parent_class)->constructed (object);

  load_saved_rig (self);
  show_rig (self);

  self->cameras = px_camera_monitor_new ();
  for (guint i = 0; i < 2; i++)
    {
      AdwComboRow *row = i == 0 ? self->left_row : self->right_row;

      /* The list-changed handler once, after both rows followed. */
      px_device_row_bind (row, G_LIST_MODEL (self->cameras),
                          G_CALLBACK (px_studio_setup_window_lists_changing_cb),
                          i == 1 ? G_CALLBACK (px_studio_setup_window_lists_changed_cb) : NULL,
                          self);
      g_signal_connect_swapped (row, "notify::selected",
                                G_CALLBACK (px_studio_setup_window_camera_selected_cb), self);
    }
  select_initial (self);

  self->check_source_id = g_timeout_add (CHECK_INTERVAL_MS, px_studio_setup_window_check_tick_cb,
                                         self);
}

static void
px_studio_setup_window_dispose (GObject *object)
{
  PxStudioSetupWindow *self = PX_STUDIO_SETUP_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->check_source_id, g_source_remove);
  if (self->cameras != NULL)
    g_signal_handlers_disconnect_by_data (self->cameras, self);
  /* The drop-downs must stop following the camera list now: hotplug may
   * come after the window is gone. */
  if (self->left_row != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->left_row, self);
      g_signal_handlers_disconnect_by_data (self->right_row, self);
      adw_combo_row_set_model (self->left_row, NULL);
      adw_combo_row_set_model (self->right_row, NULL);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), PX_TYPE_STUDIO_SETUP_WINDOW);
  g_clear_object (&self->cameras);
  g_clear_object (&self->checker);
  g_clear_object (&self->rig);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (px_studio_setup_window_parent_class)->dispose (object);
}

static void
px_studio_setup_window_finalize (GObject *object)
{
  PxStudioSetupWindow *self = PX_STUDIO_SETUP_WINDOW (object);

  g_free (self->verdict_text);
  g_free (self->error);

  G_OBJECT_CLASS (px_studio_setup_window_parent_class)->finalize (object);
}

static void
px_studio_setup_window_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  PxStudioSetupWindow *self = PX_STUDIO_SETUP_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
px_studio_setup_window_class_init (PxStudioSetupWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = px_studio_setup_window_constructed;
  object_class->dispose = px_studio_setup_window_dispose;
  object_class->finalize = px_studio_setup_window_finalize;
  object_class->set_property = px_studio_setup_window_set_property;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  px_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/parallax/Parallax/px-studio-setup-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PxStudioSetupWindow, calibration_row);
  gtk_widget_class_bind_template_child (widget_class, PxStudioSetupWindow, unit_spin);
  gtk_widget_class_bind_template_child (widget_class, PxStudioSetupWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, PxStudioSetupWindow, left_row);
  gtk_widget_class_bind_template_child (widget_class, PxStudioSetupWindow, right_row);
  gtk_widget_class_bind_template_child (widget_class, PxStudioSetupWindow, swap_button);
  gtk_widget_class_bind_template_child (widget_class, PxStudioSetupWindow, views_box);
  gtk_widget_class_bind_template_child (widget_class, PxStudioSetupWindow, verdict_row);
  gtk_widget_class_bind_template_child (widget_class, PxStudioSetupWindow, verdict_icon);
  gtk_widget_class_bind_template_child (widget_class, PxStudioSetupWindow, preview_group);

  gtk_widget_class_install_action (widget_class, "studio.import", NULL,
                                   px_studio_setup_window_import_cb);
  gtk_widget_class_install_action (widget_class, "studio.swap", NULL,
                                   px_studio_setup_window_swap_cb);
}

static void
px_studio_setup_window_init (PxStudioSetupWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->verdict = -1;
  self->views[0] = PX_STUDIO_SETUP_CAMERA_VIEW (px_studio_setup_camera_view_new (_("Left camera")));
  self->views[1] = PX_STUDIO_SETUP_CAMERA_VIEW (px_studio_setup_camera_view_new (_("Right camera")));
  gtk_box_append (self->views_box, GTK_WIDGET (self->views[0]));
  gtk_box_append (self->views_box, GTK_WIDGET (self->views[1]));
  g_signal_connect_swapped (self->views[0], "new-frame",
                            G_CALLBACK (px_studio_setup_window_new_frame_cb), self);

  self->preview = PX_STUDIO_SETUP_PREVIEW (px_studio_setup_preview_new ());
  adw_preferences_group_add (self->preview_group, GTK_WIDGET (self->preview));
}

GtkWidget *
px_studio_setup_window_new (GtkWindow *parent,
                            GSettings *settings)
{
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (PX_TYPE_STUDIO_SETUP_WINDOW,
                       "transient-for", parent,
                       "modal", parent != NULL,
                       "settings", settings,
                       NULL);
}

guint
px_studio_setup_window_get_n_imports (PxStudioSetupWindow *self)
{
  g_return_val_if_fail (PX_IS_STUDIO_SETUP_WINDOW (self), 0);
  return self->n_imports;
}

const char *
px_studio_setup_window_get_error (PxStudioSetupWindow *self)
{
  g_return_val_if_fail (PX_IS_STUDIO_SETUP_WINDOW (self), NULL);
  return self->error;
}

PxRig *
px_studio_setup_window_get_rig (PxStudioSetupWindow *self)
{
  g_return_val_if_fail (PX_IS_STUDIO_SETUP_WINDOW (self), NULL);
  return self->rig;
}

gboolean
px_studio_setup_window_select_cameras (PxStudioSetupWindow *self,
                                       const char          *left,
                                       const char          *right)
{
  gboolean found;

  g_return_val_if_fail (PX_IS_STUDIO_SETUP_WINDOW (self), FALSE);

  self->updating = TRUE;
  found = px_device_row_select_name (self->left_row, left) && px_device_row_select_name (self->right_row, right);
  self->updating = FALSE;
  px_studio_setup_window_camera_selected_cb (self);
  return found;
}

PxStudioSetupCameraView *
px_studio_setup_window_get_camera_view (PxStudioSetupWindow *self,
                                        guint                side)
{
  g_return_val_if_fail (PX_IS_STUDIO_SETUP_WINDOW (self), NULL);
  g_return_val_if_fail (side < 2, NULL);
  return self->views[side];
}

int
px_studio_setup_window_get_verdict (PxStudioSetupWindow *self)
{
  g_return_val_if_fail (PX_IS_STUDIO_SETUP_WINDOW (self), -1);
  return self->verdict;
}

const char *
px_studio_setup_window_get_verdict_text (PxStudioSetupWindow *self)
{
  g_return_val_if_fail (PX_IS_STUDIO_SETUP_WINDOW (self), NULL);
  return self->verdict_text;
}

guint
px_studio_setup_window_get_n_checks (PxStudioSetupWindow *self)
{
  g_return_val_if_fail (PX_IS_STUDIO_SETUP_WINDOW (self), 0);
  return self->n_checks;
}

/* The reconstruction preview, for tests. */
PxStudioSetupPreview *
px_studio_setup_window_get_preview (PxStudioSetupWindow *self)
{
  g_return_val_if_fail (PX_IS_STUDIO_SETUP_WINDOW (self), NULL);
  return self->preview;
}
