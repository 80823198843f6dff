/* px-window.c: the main window: join page and call page
 *
 * The window owns the meeting actions (win.join, win.join-demo,
 * win.cancel-join, win.leave, win.leave-now, win.copy-invite,
 * win.microphone, win.camera, win.participants, win.statistics) so that
 * buttons, shortcuts and assistive technologies go through one path.
 * Settings remember the last join and the window size.
 *
 * Leaving (win.leave, Ctrl+W) asks first, as hanging up by accident is
 * costly; win.leave-now leaves without asking. Toasts say who joined and
 * left, which device was lost or came back, and when the user joined as a
 * viewer. While in a meeting the session is kept from going idle or
 * suspending.
 *
 * Joining is asynchronous and belongs to the application's
 * PxMeetingController: the window shows its progress (a spinner and Cancel
 * over the join page), its errors (worded for people, on the join page),
 * its people (the call page's waiting status) and its reconnections (a
 * notice over the stage). Tokens are never typed: they come with an invite
 * link or --token and are used when the join page still names the server
 * and room they came with (or the last one used, when the preferences say
 * to remember it).
 *
 * Projection mode (win.projection, F5) puts the stage alone on another
 * display, full-screen and life-size for it, while this window keeps the
 * controls; with a single display, this window's stage goes full-screen.
 * win.project-to picks the display from the header bar's list.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "px-window.h"
#include "px-projection-window.h"
#include "px-ui-resources.h"

struct _PxWindow
{
  AdwApplicationWindow parent_instance;

  GSettings *settings;
  PxMeetingController *controller;
  PxJoinTarget *joined_target;
  PxJoinTarget *invite;            /* the last link's target, with its token */
  gboolean joining;
  gboolean joining_secure;         /* over wss://: certificates may be at fault */

  GtkStack *pages;
  PxJoinPage *join_page;
  PxCallPage *call_page;
  AdwToastOverlay *toast_overlay;
  GtkWidget *join_progress;
  GtkSpinner *join_spinner;
  GtkWidget *cancel_join_button;
  GtkWidget *invite_button;
  GtkWidget *project_button;
  AdwWindowTitle *call_title;
  AdwHeaderBar *call_header;
  GtkLabel *scale_label;
  GMenu *project_menu;

  GListModel *monitors;
  GSimpleAction *projection_action;
  PxProjectionWindow *projection;  /* while projecting to another display */
  gboolean projecting_here;        /* full-screen on the only display */

  GSimpleAction *participants_action;
  GSimpleAction *statistics_action;
  AdwMessageDialog *leave_dialog;  /* while asking whether to leave */
  gboolean inhibited;               /* asked to: without a session manager there is no cookie */
  guint inhibit_cookie;
  PxCallMedia *toasted_call;       /* the call whose comings and goings are toasted */
  char *last_toast;
};

G_DEFINE_FINAL_TYPE (PxWindow, px_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  PROP_CONTROLLER,
  PROP_PAGE_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
px_window_update_call_actions (PxWindow *self)
{
  gboolean in_call = self->joined_target != NULL;
  gboolean embedded = in_call && px_join_target_is_embedded (self->joined_target);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.join", !in_call && !self->joining);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.join-demo", !in_call && !self->joining);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-join", self->joining);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.leave", in_call);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.leave-now", in_call);
  if (self->participants_action != NULL)
    {
      g_simple_action_set_enabled (self->participants_action, in_call);
      g_simple_action_set_enabled (self->statistics_action, in_call);
    }
  /* Only the app's own server can mint tokens for guests; elsewhere the
   * organizer hands out the links. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.copy-invite", embedded);
  gtk_widget_set_visible (self->invite_button, embedded);
}

static void
px_window_set_page (PxWindow   *self,
                    const char *name)
{
  gtk_stack_set_visible_child_name (self->pages, name);
  /* In a call, toasts rise above the floating control bar (style.css). */
  if (g_strcmp0 (name, "call") == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self->toast_overlay), "in-call");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->toast_overlay), "in-call");
  px_window_update_call_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAGE_NAME]);
}

static void
px_window_set_joining (PxWindow *self,
                       gboolean  joining)
{
  self->joining = joining;
  px_window_update_call_actions (self);
  gtk_widget_set_visible (self->join_progress, joining);
  gtk_spinner_set_spinning (self->join_spinner, joining);
  /* The fields stay as they are while joining: Cancel is the way out, and
   * takes the focus before the fields become insensitive. */
  if (joining)
    gtk_widget_grab_focus (self->cancel_join_button);
  gtk_widget_set_sensitive (GTK_WIDGET (self->join_page), !joining);
}

/* The name to offer when nothing else says one: the last one used, or on
 * first run the account's real name, as GNOME apps do. */
static char *
px_window_dup_default_name (PxWindow *self)
{
  g_autofree char *display_name = g_settings_get_string (self->settings, "display-name");
  const char *real_name = g_get_real_name ();

  if (display_name[0] != '\0')
    return g_steal_pointer (&display_name);
  return g_strdup (g_strcmp0 (real_name, "Unknown") != 0 ? real_name : g_get_user_name ());
}

static void
px_window_show_message_on_join_page (PxWindow   *self,
                                     const char *message)
{
  g_autoptr(GError) error = g_error_new_literal (PX_JOIN_TARGET_ERROR,
                                                 PX_JOIN_TARGET_ERROR_INVALID_SERVER, message);

  px_join_page_show_error (self->join_page, error);
}

static void
px_window_show_meeting_error (PxWindow     *self,
                              const GError *error,
                              gboolean      secure)
{
  g_autofree char *message = px_meeting_describe_error (error, secure);

  g_debug ("Meeting error: %s", error->message);
  px_window_show_message_on_join_page (self, message);
}

/* Every toast goes through here, so tests can read the last one. */
static void
px_window_toast (PxWindow   *self,
                 const char *message)
{
  AdwToast *toast = adw_toast_new (message);

  g_free (self->last_toast);
  self->last_toast = g_strdup (message);
  adw_toast_set_timeout (toast, 4);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* Keeps the screen on and the computer awake while in a meeting. */
static void
px_window_set_inhibited (PxWindow *self,
                         gboolean  inhibited)
{
  GtkApplication *application = gtk_window_get_application (GTK_WINDOW (self));

  if (self->inhibited == inhibited)
    return;
  self->inhibited = inhibited;
  if (inhibited && application != NULL)
    self->inhibit_cookie = gtk_application_inhibit (application, GTK_WINDOW (self),
                                                    GTK_APPLICATION_INHIBIT_IDLE |
                                                    GTK_APPLICATION_INHIBIT_SUSPEND,
                                                    _("In a meeting"));
  else if (!inhibited && self->inhibit_cookie != 0)
    {
      if (application != NULL)
        gtk_application_uninhibit (application, self->inhibit_cookie);
      self->inhibit_cookie = 0;
    }
}

static void
px_window_reset_title (PxWindow *self)
{
  gtk_window_set_title (GTK_WINDOW (self), _("Parallax"));
}

/* A token without the publish grant lets the user in to watch only. */
static void
px_window_toast_if_viewer (PxWindow *self)
{
  PxSession *session = px_meeting_controller_get_session (self->controller);
  PxSessionParticipant *local = session ? px_session_get_local_participant (session) : NULL;

  if (local != NULL && !px_session_participant_get_publisher (local))
    px_window_toast (self, _("You joined as a viewer: your invitation does not let others "
                             "see or hear you"));
}

static void
px_window_joined_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(PxWindow) self = user_data;
  PxMeetingController *controller = PX_MEETING_CONTROLLER (source);
  g_autoptr(GError) error = NULL;
  PxJoinTarget *target;
  g_autofree char *subtitle = NULL;

  if (!px_meeting_controller_join_finish (controller, result, &error))
    {
      /* Cancelled: the user knows; the window already moved on. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      px_window_set_joining (self, FALSE);
      px_window_show_meeting_error (self, error, self->joining_secure);
      return;
    }

  target = px_meeting_controller_get_target (controller);
  g_set_object (&self->joined_target, target);
  px_window_set_joining (self, FALSE);

  adw_window_title_set_title (self->call_title, px_join_target_get_room (target));
  if (px_join_target_is_embedded (target))
    subtitle = g_strdup (_("On this computer"));
  else
    subtitle = g_strdup (px_join_target_get_server_url (target));
  adw_window_title_set_subtitle (self->call_title, subtitle);
  gtk_window_set_title (GTK_WINDOW (self), px_join_target_get_room (target));

  px_call_page_set_participants (self->call_page, px_meeting_controller_get_n_others (controller));
  px_call_page_set_reconnecting (self->call_page, FALSE);
  px_window_set_page (self, "call");
  px_window_set_inhibited (self, TRUE);
  px_window_toast_if_viewer (self);
}

static void
px_window_join_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  PxWindow *self = PX_WINDOW (widget);
  g_autoptr(PxJoinTarget) typed = NULL;
  g_autoptr(PxJoinTarget) target = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *remembered = NULL;
  g_autofree char *previous_server = NULL;
  const char *token = NULL;

  if (self->joining || self->joined_target != NULL)
    return;

  typed = px_join_page_build_target (self->join_page, &error);
  if (typed == NULL)
    {
      g_debug ("Not joining: %s", error->message);
      return;
    }

  previous_server = g_settings_get_string (self->settings, "last-server");
  g_settings_set_string (self->settings, "last-server", px_join_target_get_server_url (typed));
  g_settings_set_string (self->settings, "last-room", px_join_target_get_room (typed));
  g_settings_set_string (self->settings, "display-name", px_join_target_get_display_name (typed));
  px_meeting_controller_set_demo (self->controller, FALSE);

  /* An invitation's token opens only the room on the server it came for. */
  if (!px_join_target_is_embedded (typed) && self->invite != NULL &&
      g_strcmp0 (px_join_target_get_server_url (self->invite), px_join_target_get_server_url (typed)) == 0 &&
      g_strcmp0 (px_join_target_get_room (self->invite), px_join_target_get_room (typed)) == 0)
    token = px_join_target_get_token (self->invite);

  /* The token of the last server, when the user asked to keep it. */
  remembered = g_settings_get_string (self->settings, "last-token");
  if (!g_settings_get_boolean (self->settings, "remember-token"))
    {
      if (remembered[0] != '\0')
        g_settings_set_string (self->settings, "last-token", "");
    }
  else if (token != NULL)
    g_settings_set_string (self->settings, "last-token", token);
  else if (!px_join_target_is_embedded (typed) && remembered[0] != '\0' &&
           g_strcmp0 (previous_server, px_join_target_get_server_url (typed)) == 0)
    /* Never handed to another server than the one it was for. */
    token = remembered;

  target = px_join_target_new_with_token (px_join_target_get_server_url (typed),
                                          px_join_target_get_room (typed),
                                          px_join_target_get_display_name (typed),
                                          token);
  self->joining_secure = g_str_has_prefix (px_join_target_get_server_url (target), "wss:");
  px_window_set_joining (self, TRUE);
  px_meeting_controller_join_async (self->controller, target, px_window_joined_cb,
                                    g_object_ref (self));
}

/* The demo: the user and the synthetic studio in a room on this computer.
 * It is not remembered as the last meeting: the join page keeps offering
 * the user's own. */
static void
px_window_join_demo_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *parameter)
{
  PxWindow *self = PX_WINDOW (widget);
  g_autofree char *name = NULL;
  g_autoptr(PxJoinTarget) target = NULL;

  if (self->joining || self->joined_target != NULL)
    return;

  name = px_window_dup_default_name (self);
  target = px_join_target_new ("", PX_WINDOW_DEMO_ROOM, name);
  px_join_page_fill (self->join_page, target);
  px_meeting_controller_set_demo (self->controller, TRUE);
  self->joining_secure = FALSE;
  px_window_set_joining (self, TRUE);
  px_meeting_controller_join_async (self->controller, target, px_window_joined_cb,
                                    g_object_ref (self));
}

static void
px_window_cancel_join_action (GtkWidget  *widget,
                              const char *action_name,
                              GVariant   *parameter)
{
  PxWindow *self = PX_WINDOW (widget);

  if (!self->joining)
    return;
  px_meeting_controller_leave (self->controller);
  px_window_set_joining (self, FALSE);
}

static void
px_window_back_to_join (PxWindow *self)
{
  if (self->leave_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->leave_dialog));
  px_window_set_inhibited (self, FALSE);
  if (self->participants_action != NULL)
    {
      g_action_change_state (G_ACTION (self->participants_action), g_variant_new_boolean (FALSE));
      g_action_change_state (G_ACTION (self->statistics_action), g_variant_new_boolean (FALSE));
    }
  g_clear_object (&self->joined_target);
  px_call_page_set_reconnecting (self->call_page, FALSE);
  px_window_reset_title (self);
  px_window_set_page (self, "join");
}

static void
px_window_leave_now_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *parameter)
{
  PxWindow *self = PX_WINDOW (widget);

  if (self->joined_target == NULL)
    return;
  px_meeting_controller_leave (self->controller);
  px_window_back_to_join (self);
}

static void
px_window_leave_response_cb (AdwMessageDialog *dialog,
                             const char       *response,
                             PxWindow         *self)
{
  /* The dialog closes itself after answering. */
  g_signal_handlers_disconnect_by_data (dialog, self);
  self->leave_dialog = NULL;
  if (g_strcmp0 (response, "leave") == 0)
    px_window_leave_now_action (GTK_WIDGET (self), "win.leave-now", NULL);
}

static void
px_window_leave_dialog_destroy_cb (PxWindow *self)
{
  self->leave_dialog = NULL;
}

static void
px_window_leave_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  PxWindow *self = PX_WINDOW (widget);
  GtkWidget *dialog;

  if (self->joined_target == NULL)
    return;
  if (self->leave_dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->leave_dialog));
      return;
    }

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Leave the Meeting?"), NULL);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog),
                               px_join_target_is_embedded (self->joined_target)
                               ? _("The meeting is held on this computer: when you leave, "
                                   "the others are left on their own.")
                               : _("You can join again later with the same invitation."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "leave", _("_Leave"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "leave",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (px_window_leave_response_cb), self, 0);
  g_signal_connect_object (dialog, "destroy", G_CALLBACK (px_window_leave_dialog_destroy_cb),
                           self, G_CONNECT_SWAPPED);
  self->leave_dialog = ADW_MESSAGE_DIALOG (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* An invite link pasted on the join page. */
static void
px_window_open_invite_action (GtkWidget  *widget,
                              const char *action_name,
                              GVariant   *parameter)
{
  PxWindow *self = PX_WINDOW (widget);
  g_autoptr(PxJoinTarget) target = NULL;
  g_autoptr(GError) error = NULL;

  target = px_join_target_new_from_invite (g_variant_get_string (parameter, NULL), &error);
  if (target != NULL)
    px_window_show_join (self, target);
  else
    px_window_show_join_error (self, error);
}

static void
px_window_copy_invite_action (GtkWidget  *widget,
                              const char *action_name,
                              GVariant   *parameter)
{
  PxWindow *self = PX_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  g_autofree char *link = px_meeting_controller_create_invite (self->controller, &error);
  AdwToast *toast;

  if (link == NULL)
    {
      toast = adw_toast_new (error->message);
    }
  else
    {
      gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), link);
      toast = adw_toast_new (g_str_has_prefix (link, PX_INVITE_SCHEME "://127.0.0.1")
                             ? _("Invite link copied: it works on this computer only")
                             : _("Invite link copied: it lets one person join"));
    }
  adw_toast_set_timeout (toast, 4);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
px_window_n_others_cb (PxWindow *self)
{
  px_call_page_set_participants (self->call_page, px_meeting_controller_get_n_others (self->controller));
}

static void
px_window_remote_added_cb (PxCallMedia   *call,
                           PxRemoteMedia *remote,
                           PxWindow      *self)
{
  g_autofree char *message = NULL;

  /* Coming back from a lost connection, the roster is rebuilt: not news. */
  if (px_meeting_controller_get_state (self->controller) == PX_MEETING_STATE_RECONNECTING)
    return;
  /* TRANSLATORS: a toast; %s is a participant's name */
  message = g_strdup_printf (_("%s joined"),
                             px_session_participant_get_name (px_remote_media_get_participant (remote)));
  px_window_toast (self, message);
}

static void
px_window_remote_removed_cb (PxCallMedia   *call,
                             PxRemoteMedia *remote,
                             PxWindow      *self)
{
  g_autofree char *message = NULL;

  /* The user leaving takes everyone off the stage: nobody left. */
  if (px_meeting_controller_get_call_media (self->controller) != call ||
      px_meeting_controller_get_state (self->controller) == PX_MEETING_STATE_RECONNECTING)
    return;
  /* TRANSLATORS: a toast; %s is a participant's name */
  message = g_strdup_printf (_("%s left"),
                             px_session_participant_get_name (px_remote_media_get_participant (remote)));
  px_window_toast (self, message);
}

static void
px_window_call_media_cb (PxWindow *self)
{
  PxCallMedia *call = px_meeting_controller_get_call_media (self->controller);

  if (self->toasted_call != NULL)
    g_signal_handlers_disconnect_by_data (self->toasted_call, self);
  g_set_object (&self->toasted_call, call);
  /* Those already there when the user arrives are not news. */
  if (call != NULL)
    {
      g_signal_connect_object (call, "remote-added", G_CALLBACK (px_window_remote_added_cb),
                               self, 0);
      g_signal_connect_object (call, "remote-removed", G_CALLBACK (px_window_remote_removed_cb),
                               self, 0);
    }
  px_call_page_set_call_media (self->call_page, call);
}

static void
px_window_device_lost_cb (PxWindow   *self,
                          int         kind,
                          const char *description)
{
  g_autofree char *message = NULL;

  if (kind == PX_DEVICE_KIND_CAMERA)
    /* TRANSLATORS: a toast; %s is the camera's name */
    message = g_strdup_printf (_("Camera “%s” disconnected: the meeting goes on without it"),
                               description);
  else
    /* TRANSLATORS: a toast; %s is the microphone's name */
    message = g_strdup_printf (_("Microphone “%s” disconnected: the meeting goes on without it"),
                               description);
  px_window_toast (self, message);
}

static void
px_window_device_recovered_cb (PxWindow   *self,
                               int         kind,
                               const char *description)
{
  g_autofree char *message = NULL;

  if (kind == PX_DEVICE_KIND_CAMERA)
    /* TRANSLATORS: a toast; %s is the camera's name */
    message = g_strdup_printf (_("Camera “%s” is back"), description);
  else
    /* TRANSLATORS: a toast; %s is the microphone's name */
    message = g_strdup_printf (_("Microphone “%s” is back"), description);
  px_window_toast (self, message);
}

static void
px_window_warning_cb (PxWindow   *self,
                      const char *message)
{
  px_window_toast (self, message);
}

/* -- Sidebar and statistics ---------------------------------------------- */

static void
px_window_participants_change_state_cb (GSimpleAction *action,
                                        GVariant      *state,
                                        gpointer       user_data)
{
  PxWindow *self = PX_WINDOW (user_data);

  g_simple_action_set_state (action, state);
  px_call_page_set_participants_revealed (self->call_page, g_variant_get_boolean (state));
}

/* The flap can also close by itself (Escape or a click outside when folded). */
static void
px_window_flap_revealed_cb (PxWindow *self)
{
  gboolean revealed;
  g_autoptr(GVariant) state = NULL;

  if (self->participants_action == NULL)
    return;
  revealed = px_call_page_get_participants_revealed (self->call_page);
  state = g_action_get_state (G_ACTION (self->participants_action));
  if (g_variant_get_boolean (state) != revealed)
    g_simple_action_set_state (self->participants_action, g_variant_new_boolean (revealed));
}

static void
px_window_statistics_change_state_cb (GSimpleAction *action,
                                      GVariant      *state,
                                      gpointer       user_data)
{
  PxWindow *self = PX_WINDOW (user_data);

  g_simple_action_set_state (action, state);
  px_call_page_set_statistics_visible (self->call_page, g_variant_get_boolean (state));
}

static void
px_window_meeting_state_cb (PxWindow *self)
{
  px_call_page_set_reconnecting (self->call_page,
                                 px_meeting_controller_get_state (self->controller)
                                 == PX_MEETING_STATE_RECONNECTING);
}

static void
px_window_meeting_ended_cb (PxWindow *self,
                            GError   *error)
{
  gboolean secure = self->joined_target != NULL &&
                    g_str_has_prefix (px_join_target_get_server_url (self->joined_target), "wss:");

  if (self->joined_target == NULL)
    return;
  px_window_back_to_join (self);
  px_window_show_meeting_error (self, error, secure);
}

/* -- Projection mode ----------------------------------------------------- */

static PxStage *
px_window_get_stage (PxWindow *self)
{
  return px_call_page_get_stage (self->call_page);
}

/* The indicator follows whichever stage the audience looks at. */
static void
px_window_update_scale_label (PxWindow *self)
{
  PxStage *stage = self->projection != NULL ? px_projection_window_get_stage (self->projection)
                                            : px_window_get_stage (self);
  g_autofree char *label = px_stage_dup_scale_label (stage);

  gtk_label_set_label (self->scale_label, label != NULL ? label : "");
  gtk_widget_set_visible (GTK_WIDGET (self->scale_label), label != NULL);
}

static void
px_window_stage_scale_cb (PxWindow *self)
{
  px_window_update_scale_label (self);
}

static GdkMonitor *
px_window_current_monitor (PxWindow *self)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (self));

  if (surface == NULL)
    return NULL;
  return gdk_display_get_monitor_at_surface (gtk_widget_get_display (GTK_WIDGET (self)), surface);
}

static GdkMonitor *
px_window_find_monitor (PxWindow   *self,
                        const char *key)
{
  guint n = g_list_model_get_n_items (self->monitors);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GdkMonitor) monitor = g_list_model_get_item (self->monitors, i);
      g_autofree char *monitor_key = px_stage_dup_monitor_key (monitor);

      if (g_strcmp0 (monitor_key, key) == 0 && gdk_monitor_is_valid (monitor))
        return monitor;
    }
  return NULL;
}

/* Where F5 projects: the display chosen last if it is there, else the
 * first one this window is not on. */
static GdkMonitor *
px_window_pick_projection_monitor (PxWindow   *self,
                                   GdkMonitor *avoid)
{
  g_autofree char *remembered = g_settings_get_string (self->settings, "projection-monitor");
  GdkMonitor *here = px_window_current_monitor (self);
  GdkMonitor *monitor = px_window_find_monitor (self, remembered);
  guint n = g_list_model_get_n_items (self->monitors);

  if (monitor != NULL && monitor != here && monitor != avoid)
    return monitor;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GdkMonitor) candidate = g_list_model_get_item (self->monitors, i);

      if (candidate != here && candidate != avoid && gdk_monitor_is_valid (candidate))
        return candidate;
    }
  return NULL;
}

static void px_window_start_projection (PxWindow   *self,
                                        GdkMonitor *monitor);

static void
px_window_set_projection_state (PxWindow *self,
                                gboolean  projecting)
{
  g_simple_action_set_state (self->projection_action, g_variant_new_boolean (projecting));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.leave-projection", projecting);
  px_window_update_scale_label (self);
}

static gboolean
px_window_projection_close_request_cb (PxWindow           *self,
                                       PxProjectionWindow *projection)
{
  GdkMonitor *lost = px_projection_window_get_monitor (projection);
  GdkMonitor *next = NULL;

  if (self->projection != projection)
    return FALSE;

  g_signal_handlers_disconnect_by_data (projection, self);
  g_signal_handlers_disconnect_by_data (px_projection_window_get_stage (projection), self);
  self->projection = NULL;

  /* Unplugged while projecting: carry on on another display if there is
   * one; otherwise projection ends and this window stays as it was. */
  if (!gdk_monitor_is_valid (lost))
    next = px_window_pick_projection_monitor (self, lost);

  if (next != NULL)
    px_window_start_projection (self, next);
  else
    px_window_set_projection_state (self, FALSE);
  return FALSE;
}

static void
px_window_start_projection (PxWindow   *self,
                            GdkMonitor *monitor)
{
  GtkApplication *application = gtk_window_get_application (GTK_WINDOW (self));
  g_autofree char *key = NULL;

  if (monitor == NULL)
    {
      /* One display: this window's stage becomes the projection. */
      self->projecting_here = TRUE;
      gtk_widget_set_visible (GTK_WIDGET (self->call_header), FALSE);
      gtk_window_fullscreen (GTK_WINDOW (self));
      px_window_set_projection_state (self, TRUE);
      return;
    }

  key = px_stage_dup_monitor_key (monitor);
  g_settings_set_string (self->settings, "projection-monitor", key);

  self->projection = px_projection_window_new (application, monitor, px_window_get_stage (self));
  g_signal_connect_object (self->projection, "close-request",
                           G_CALLBACK (px_window_projection_close_request_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (px_projection_window_get_stage (self->projection), "notify::scale",
                           G_CALLBACK (px_window_stage_scale_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (self->projection));
  px_window_set_projection_state (self, TRUE);
}

static void
px_window_stop_projection (PxWindow *self)
{
  if (self->projection != NULL)
    {
      PxProjectionWindow *projection = self->projection;

      g_signal_handlers_disconnect_by_data (projection, self);
      g_signal_handlers_disconnect_by_data (px_projection_window_get_stage (projection), self);
      self->projection = NULL;
      gtk_window_destroy (GTK_WINDOW (projection));
    }
  if (self->projecting_here)
    {
      self->projecting_here = FALSE;
      gtk_window_unfullscreen (GTK_WINDOW (self));
      gtk_widget_set_visible (GTK_WIDGET (self->call_header), TRUE);
    }
  px_window_set_projection_state (self, FALSE);
}

static void
px_window_projection_change_state_cb (GSimpleAction *action,
                                      GVariant      *state,
                                      gpointer       user_data)
{
  PxWindow *self = PX_WINDOW (user_data);
  gboolean projecting = self->projection != NULL || self->projecting_here;

  if (g_variant_get_boolean (state) == projecting)
    return;

  if (projecting)
    px_window_stop_projection (self);
  else if (g_list_model_get_n_items (self->monitors) > 1)
    px_window_start_projection (self, px_window_pick_projection_monitor (self, NULL));
  else
    px_window_start_projection (self, NULL);
}

static void
px_window_project_to_action (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *parameter)
{
  PxWindow *self = PX_WINDOW (widget);
  GdkMonitor *monitor = px_window_find_monitor (self, g_variant_get_string (parameter, NULL));

  if (monitor == NULL)
    {
      g_debug ("No display %s to project to", g_variant_get_string (parameter, NULL));
      return;
    }

  /* Picked by name, the display gets a projection window even when it is
   * the one this window is on: the user asked for it. */
  px_window_stop_projection (self);
  px_window_start_projection (self, monitor);
}

static void
px_window_leave_projection_action (GtkWidget  *widget,
                                   const char *action_name,
                                   GVariant   *parameter)
{
  px_window_stop_projection (PX_WINDOW (widget));
}

/* The header bar's list of displays, names and sizes, kept current. */
static void
px_window_rebuild_project_menu (PxWindow *self)
{
  guint n = g_list_model_get_n_items (self->monitors);

  g_menu_remove_all (self->project_menu);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GdkMonitor) monitor = g_list_model_get_item (self->monitors, i);
      g_autofree char *key = px_stage_dup_monitor_key (monitor);
      g_autofree char *label = px_stage_dup_monitor_label (monitor);
      g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

      g_menu_item_set_action_and_target_value (item, "win.project-to", g_variant_new_string (key));
      g_menu_append_item (self->project_menu, item);
    }
}

static void
px_window_monitors_changed_cb (PxWindow *self)
{
  px_window_rebuild_project_menu (self);
}

static void
px_window_restore_size (PxWindow *self)
{
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static gboolean
px_window_close_request (GtkWindow *window)
{
  PxWindow *self = PX_WINDOW (window);
  int width;
  int height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_delay (self->settings);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  g_settings_apply (self->settings);

  return GTK_WINDOW_CLASS (px_window_parent_class)->close_request (window);
}

static void
px_window_constructed (GObject *object)
{
  PxWindow *self = PX_WINDOW (object);
  g_autoptr(PxJoinTarget) last = NULL;
  g_autofree char *last_server = NULL;
  g_autofree char *last_room = NULL;
  g_autofree char *display_name = NULL;
  g_autoptr(GAction) microphone = NULL;
  g_autoptr(GAction) camera = NULL;

  G_OBJECT_CLASS (px_window_parent_class)->constructed (object);

  g_assert (G_IS_SETTINGS (self->settings));
  g_assert (PX_IS_MEETING_CONTROLLER (self->controller));

  g_signal_connect_object (self->controller, "notify::n-others",
                           G_CALLBACK (px_window_n_others_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->controller, "notify::state",
                           G_CALLBACK (px_window_meeting_state_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->controller, "ended",
                           G_CALLBACK (px_window_meeting_ended_cb), self, G_CONNECT_SWAPPED);

  /* Microphone and camera states are settings actions: what the user chose
   * in one meeting is how the next one starts. */
  microphone = g_settings_create_action (self->settings, "microphone");
  camera = g_settings_create_action (self->settings, "camera");
  g_action_map_add_action (G_ACTION_MAP (self), microphone);
  g_action_map_add_action (G_ACTION_MAP (self), camera);
  /* The meeting follows them, and the devices chosen in preferences. */
  g_settings_bind (self->settings, "microphone", self->controller, "microphone-on",
                   G_SETTINGS_BIND_GET);
  g_settings_bind (self->settings, "camera", self->controller, "camera-on",
                   G_SETTINGS_BIND_GET);
  g_settings_bind (self->settings, "camera-device", self->controller, "camera-device",
                   G_SETTINGS_BIND_GET);
  g_settings_bind (self->settings, "microphone-device", self->controller, "microphone-device",
                   G_SETTINGS_BIND_GET);
  g_settings_bind (self->settings, "speaker-device", self->controller, "speaker-device",
                   G_SETTINGS_BIND_GET);
  g_signal_connect_object (self->controller, "notify::call-media",
                           G_CALLBACK (px_window_call_media_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->controller, "device-lost",
                           G_CALLBACK (px_window_device_lost_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->controller, "device-recovered",
                           G_CALLBACK (px_window_device_recovered_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->controller, "warning",
                           G_CALLBACK (px_window_warning_cb), self, G_CONNECT_SWAPPED);
  g_settings_bind (self->settings, "studio-rig-file", self->controller, "studio-rig-file",
                   G_SETTINGS_BIND_GET);
  g_settings_bind (self->settings, "studio-cameras", self->controller, "studio-cameras",
                   G_SETTINGS_BIND_GET);
  g_settings_bind (self->settings, "video-max-height", self->controller, "video-max-height",
                   G_SETTINGS_BIND_GET);
  g_settings_bind (self->settings, "video-max-bitrate-kbps", self->controller,
                   "video-max-bitrate-kbps", G_SETTINGS_BIND_GET);

  self->participants_action = g_simple_action_new_stateful ("participants", NULL,
                                                            g_variant_new_boolean (FALSE));
  g_signal_connect (self->participants_action, "change-state",
                    G_CALLBACK (px_window_participants_change_state_cb), self);
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (self->participants_action));
  g_signal_connect_object (px_call_page_get_flap (self->call_page), "notify::reveal-flap",
                           G_CALLBACK (px_window_flap_revealed_cb), self, G_CONNECT_SWAPPED);
  self->statistics_action = g_simple_action_new_stateful ("statistics", NULL,
                                                          g_variant_new_boolean (FALSE));
  g_signal_connect (self->statistics_action, "change-state",
                    G_CALLBACK (px_window_statistics_change_state_cb), self);
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (self->statistics_action));
  px_window_update_call_actions (self);

  self->projection_action = g_simple_action_new_stateful ("projection", NULL,
                                                          g_variant_new_boolean (FALSE));
  g_signal_connect (self->projection_action, "change-state",
                    G_CALLBACK (px_window_projection_change_state_cb), self);
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (self->projection_action));

  self->monitors = g_object_ref (gdk_display_get_monitors (gtk_widget_get_display (GTK_WIDGET (self))));
  g_signal_connect_object (self->monitors, "items-changed",
                           G_CALLBACK (px_window_monitors_changed_cb), self, G_CONNECT_SWAPPED);
  px_window_rebuild_project_menu (self);
  g_signal_connect_object (px_window_get_stage (self), "notify::scale",
                           G_CALLBACK (px_window_stage_scale_cb), self, G_CONNECT_SWAPPED);

  px_window_restore_size (self);

  last_server = g_settings_get_string (self->settings, "last-server");
  last_room = g_settings_get_string (self->settings, "last-room");
  display_name = px_window_dup_default_name (self);
  last = px_join_target_new (last_server, last_room, display_name);
  px_window_show_join (self, last);
}

static void
px_window_dispose (GObject *object)
{
  PxWindow *self = PX_WINDOW (object);

  if (self->projection != NULL)
    px_window_stop_projection (self);
  if (self->leave_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->leave_dialog));
  px_window_set_inhibited (self, FALSE);
  /* The meeting lives in this window: closing it leaves. */
  if (self->controller != NULL && (self->joined_target != NULL || self->joining))
    px_meeting_controller_leave (self->controller);
  if (self->toasted_call != NULL)
    g_signal_handlers_disconnect_by_data (self->toasted_call, self);
  g_clear_object (&self->toasted_call);
  g_clear_object (&self->participants_action);
  g_clear_object (&self->statistics_action);
  g_clear_pointer (&self->last_toast, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), PX_TYPE_WINDOW);
  g_clear_object (&self->projection_action);
  g_clear_object (&self->monitors);
  g_clear_object (&self->joined_target);
  g_clear_object (&self->invite);
  g_clear_object (&self->controller);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (px_window_parent_class)->dispose (object);
}

static void
px_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  PxWindow *self = PX_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    case PROP_CONTROLLER:
      g_value_set_object (value, self->controller);
      break;
    case PROP_PAGE_NAME:
      g_value_set_string (value, px_window_get_page_name (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
px_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  PxWindow *self = PX_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    case PROP_CONTROLLER:
      self->controller = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
px_window_class_init (PxWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = px_window_constructed;
  object_class->dispose = px_window_dispose;
  object_class->get_property = px_window_get_property;
  object_class->set_property = px_window_set_property;
  window_class->close_request = px_window_close_request;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONTROLLER] =
    g_param_spec_object ("controller", NULL, NULL, PX_TYPE_MEETING_CONTROLLER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PAGE_NAME] =
    g_param_spec_string ("page-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (PX_TYPE_JOIN_PAGE);
  g_type_ensure (PX_TYPE_CALL_PAGE);

  px_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/parallax/Parallax/px-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PxWindow, pages);
  gtk_widget_class_bind_template_child (widget_class, PxWindow, join_page);
  gtk_widget_class_bind_template_child (widget_class, PxWindow, call_page);
  gtk_widget_class_bind_template_child (widget_class, PxWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, PxWindow, join_progress);
  gtk_widget_class_bind_template_child (widget_class, PxWindow, join_spinner);
  gtk_widget_class_bind_template_child (widget_class, PxWindow, cancel_join_button);
  gtk_widget_class_bind_template_child (widget_class, PxWindow, invite_button);
  gtk_widget_class_bind_template_child (widget_class, PxWindow, project_button);
  gtk_widget_class_bind_template_child (widget_class, PxWindow, call_title);
  gtk_widget_class_bind_template_child (widget_class, PxWindow, call_header);
  gtk_widget_class_bind_template_child (widget_class, PxWindow, scale_label);
  gtk_widget_class_bind_template_child (widget_class, PxWindow, project_menu);

  gtk_widget_class_install_action (widget_class, "win.join", NULL, px_window_join_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-join", NULL,
                                   px_window_cancel_join_action);
  gtk_widget_class_install_action (widget_class, "win.join-demo", NULL,
                                   px_window_join_demo_action);
  gtk_widget_class_install_action (widget_class, "win.leave", NULL, px_window_leave_action);
  gtk_widget_class_install_action (widget_class, "win.leave-now", NULL,
                                   px_window_leave_now_action);
  gtk_widget_class_install_action (widget_class, "win.open-invite", "s",
                                   px_window_open_invite_action);
  gtk_widget_class_install_action (widget_class, "win.copy-invite", NULL,
                                   px_window_copy_invite_action);
  gtk_widget_class_install_action (widget_class, "win.project-to", "s",
                                   px_window_project_to_action);
  gtk_widget_class_install_action (widget_class, "win.leave-projection", NULL,
                                   px_window_leave_projection_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0,
                                       "win.leave-projection", NULL);
}

static void
px_window_init (PxWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  px_window_update_call_actions (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.leave-projection", FALSE);
}

PxWindow *
px_window_new (AdwApplication      *application,
               GSettings           *settings,
               PxMeetingController *controller)
{
  return g_object_new (PX_TYPE_WINDOW,
                       "application", application,
                       "settings", settings,
                       "controller", controller,
                       NULL);
}

/* Shows the join page filled with @target; the user confirms with Join.
 * A target with a token (from an invite link or --token) is remembered, so
 * that Join uses the token for its server and room. Without a display
 * name, the user's own is kept. Never joins by itself. */
void
px_window_show_join (PxWindow     *self,
                     PxJoinTarget *target)
{
  g_autoptr(PxJoinTarget) filled = NULL;

  g_return_if_fail (PX_IS_WINDOW (self));
  g_return_if_fail (PX_IS_JOIN_TARGET (target));

  if (px_join_target_get_display_name (target)[0] == '\0')
    {
      g_autofree char *name = px_window_dup_default_name (self);

      filled = px_join_target_new_with_token (px_join_target_get_server_url (target),
                                              px_join_target_get_room (target), name,
                                              px_join_target_get_token (target));
    }
  else
    filled = g_object_ref (target);

  if (px_join_target_get_token (filled) != NULL)
    g_set_object (&self->invite, filled);

  /* While joining, the fields must keep what is being joined. */
  if (self->joining)
    return;
  px_join_page_fill (self->join_page, filled);
  if (self->joined_target == NULL)
    px_window_set_page (self, "join");
}

/* Shows why something (an invite link) could not fill the join page. */
void
px_window_show_join_error (PxWindow     *self,
                           const GError *error)
{
  g_return_if_fail (PX_IS_WINDOW (self));
  g_return_if_fail (error != NULL);

  if (self->joining)
    return;
  px_join_page_show_error (self->join_page, error);
  if (self->joined_target == NULL)
    px_window_set_page (self, "join");
}

/* The token Join would use for the server and room of the last invitation,
 * or NULL. */
const char *
px_window_get_invite_token (PxWindow *self)
{
  g_return_val_if_fail (PX_IS_WINDOW (self), NULL);
  return self->invite ? px_join_target_get_token (self->invite) : NULL;
}

gboolean
px_window_get_joining (PxWindow *self)
{
  g_return_val_if_fail (PX_IS_WINDOW (self), FALSE);
  return self->joining;
}

const char *
px_window_get_page_name (PxWindow *self)
{
  g_return_val_if_fail (PX_IS_WINDOW (self), NULL);
  return gtk_stack_get_visible_child_name (self->pages);
}

PxJoinPage *
px_window_get_join_page (PxWindow *self)
{
  g_return_val_if_fail (PX_IS_WINDOW (self), NULL);
  return self->join_page;
}

PxCallPage *
px_window_get_call_page (PxWindow *self)
{
  g_return_val_if_fail (PX_IS_WINDOW (self), NULL);
  return self->call_page;
}

/* The meeting the window is in, or NULL on the join page. */
PxJoinTarget *
px_window_get_joined_target (PxWindow *self)
{
  g_return_val_if_fail (PX_IS_WINDOW (self), NULL);
  return self->joined_target;
}

AdwMessageDialog *
px_window_get_leave_dialog (PxWindow *self)
{
  g_return_val_if_fail (PX_IS_WINDOW (self), NULL);
  return self->leave_dialog;
}

const char *
px_window_get_last_toast (PxWindow *self)
{
  g_return_val_if_fail (PX_IS_WINDOW (self), NULL);
  return self->last_toast;
}

gboolean
px_window_get_inhibiting (PxWindow *self)
{
  g_return_val_if_fail (PX_IS_WINDOW (self), FALSE);
  return self->inhibited;
}
