/* px-application.c: the Parallax application
 *
 * A single-instance, D-Bus activatable AdwApplication. Command-line options
 * (--server, --room, --name, --token) are validated in the launching
 * process, so a typo is reported on the terminal that made it; they then
 * reach the primary instance as the app.show-join action, which fills the
 * join page. Invite links (parallax://…) arrive through GApplication's
 * open: they fill the join page too, and never join by themselves, since a
 * link is untrusted input until the user presses Join. --demo (the
 * app.demo action) goes straight into the demo meeting: the user and the
 * synthetic studio in a room on this computer.
 *
 * The application owns the PxMeetingController, and with it the embedded
 * server, for its whole lifetime: the server is stopped on shutdown.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "px-application.h"
#include "px-meeting-controller.h"
#include "px-preferences-window.h"
#include "px-ui-resources.h"
#include "px-window.h"

struct _PxApplication
{
  AdwApplication parent_instance;

  GSettings *settings;
  PxMeetingController *controller;
};

G_DEFINE_FINAL_TYPE (PxApplication, px_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "server", 's', G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, NULL,
    N_("Meeting server to join (empty: this computer)"), N_("URL") },
  { "room", 'r', G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, NULL,
    N_("Room to join"), N_("NAME") },
  { "name", 'n', G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, NULL,
    N_("Display name others see"), N_("NAME") },
  { "token", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, NULL,
    N_("Access token for the room on --server"), N_("TOKEN") },
  { "demo", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, NULL,
    N_("Join the demo meeting with a synthetic 3D studio, on this computer"), NULL },
  { "version", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, NULL,
    N_("Print the version and exit"), NULL },
  { NULL }
};

const GOptionEntry *
px_application_get_option_entries (void)
{
  return option_entries;
}

/* Builds the join target the options ask for, or NULL with @error when one
 * of them is unusable. Options left out stay empty; the join page asks for
 * them. Returns NULL without error when no join option was given. */
PxJoinTarget *
px_application_join_target_from_options (GVariantDict  *options,
                                         GError       **error)
{
  const char *server = NULL;
  const char *room = NULL;
  const char *name = NULL;
  const char *token = NULL;
  g_autofree char *normalized_server = NULL;
  g_autofree char *normalized_name = NULL;

  g_variant_dict_lookup (options, "server", "&s", &server);
  g_variant_dict_lookup (options, "room", "&s", &room);
  g_variant_dict_lookup (options, "name", "&s", &name);
  g_variant_dict_lookup (options, "token", "&s", &token);

  if (server == NULL && room == NULL && name == NULL && token == NULL)
    return NULL;

  normalized_server = px_join_target_normalize_server (server ? server : "", error);
  if (normalized_server == NULL)
    return NULL;

  if (token != NULL)
    {
      /* This computer's server makes its own tokens. */
      if (normalized_server[0] == '\0')
        {
          g_set_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_TOKEN,
                       _("--token needs --server: meetings on this computer need no token."));
          return NULL;
        }
      if (!px_join_target_check_token (token, error))
        return NULL;
    }

  if (room != NULL && !px_join_target_check_room (room, error))
    return NULL;

  if (name != NULL)
    {
      normalized_name = px_join_target_normalize_name (name, error);
      if (normalized_name == NULL)
        return NULL;
    }

  return px_join_target_new_with_token (normalized_server, room ? room : "",
                                        normalized_name ? normalized_name : "", token);
}

static PxWindow *
px_application_ensure_window (PxApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    window = GTK_WINDOW (px_window_new (ADW_APPLICATION (self), self->settings, self->controller));

  return PX_WINDOW (window);
}

static int
px_application_handle_local_options (GApplication *application,
                                     GVariantDict *options)
{
  g_autoptr(PxJoinTarget) target = NULL;
  g_autoptr(GError) error = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("parallax %s\n", PACKAGE_VERSION);
      return 0;
    }

  if (g_variant_dict_contains (options, "demo"))
    {
      if (!g_application_register (application, NULL, &error))
        {
          g_printerr ("parallax: %s\n", error->message);
          return 1;
        }
      g_action_group_activate_action (G_ACTION_GROUP (application), "demo", NULL);
      return g_application_get_is_remote (application) ? 0 : -1;
    }

  target = px_application_join_target_from_options (options, &error);
  if (error != NULL)
    {
      g_printerr ("parallax: %s\n", error->message);
      return 2;
    }

  if (target == NULL)
    return -1;

  if (!g_application_register (application, NULL, &error))
    {
      g_printerr ("parallax: %s\n", error->message);
      return 1;
    }

  /* Works the same in the primary instance and in a second launch, which
   * forwards the action to the running one. */
  g_action_group_activate_action (G_ACTION_GROUP (application), "show-join",
                                  g_variant_new ("(ssss)",
                                                 px_join_target_get_server_url (target),
                                                 px_join_target_get_room (target),
                                                 px_join_target_get_display_name (target),
                                                 px_join_target_get_token (target)
                                                 ? px_join_target_get_token (target) : ""));
  return g_application_get_is_remote (application) ? 0 : -1;
}

static void
px_application_activate (GApplication *application)
{
  PxApplication *self = PX_APPLICATION (application);

  gtk_window_present (GTK_WINDOW (px_application_ensure_window (self)));
}

/* Invite links: the last one wins, as only one can be on the join page. */
static void
px_application_open (GApplication  *application,
                     GFile        **files,
                     int            n_files,
                     const char    *hint)
{
  PxApplication *self = PX_APPLICATION (application);
  PxWindow *window = px_application_ensure_window (self);
  g_autofree char *link = NULL;
  g_autoptr(PxJoinTarget) target = NULL;
  g_autoptr(GError) error = NULL;

  if (n_files > 0)
    {
      link = g_file_get_uri (files[n_files - 1]);
      target = px_join_target_new_from_invite (link, &error);
      if (target != NULL)
        px_window_show_join (window, target);
      else
        px_window_show_join_error (window, error);
    }
  gtk_window_present (GTK_WINDOW (window));
}

static void
px_application_show_join_action (GSimpleAction *action,
                                 GVariant      *parameter,
                                 gpointer       user_data)
{
  PxApplication *self = PX_APPLICATION (user_data);
  g_autoptr(PxJoinTarget) target = NULL;
  const char *server;
  const char *room;
  const char *name;
  const char *token;
  PxWindow *window;

  g_autofree char *last_room = NULL;
  g_autofree char *last_name = NULL;

  g_variant_get (parameter, "(&s&s&s&s)", &server, &room, &name, &token);
  window = px_application_ensure_window (self);

  /* What the command line left out is what the app remembers. */
  last_room = g_settings_get_string (self->settings, "last-room");
  last_name = g_settings_get_string (self->settings, "display-name");
  target = px_join_target_new_with_token (server,
                                          room[0] ? room : last_room,
                                          name[0] ? name : last_name,
                                          token);
  px_window_show_join (window, target);
  gtk_window_present (GTK_WINDOW (window));
}

static void
px_application_demo_action (GSimpleAction *action,
                            GVariant      *parameter,
                            gpointer       user_data)
{
  PxApplication *self = PX_APPLICATION (user_data);
  PxWindow *window = px_application_ensure_window (self);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.join-demo", NULL);
  gtk_window_present (GTK_WINDOW (window));
}

static void
px_application_preferences_action (GSimpleAction *action,
                                   GVariant      *parameter,
                                   gpointer       user_data)
{
  PxApplication *self = PX_APPLICATION (user_data);
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkWidget *preferences = px_preferences_window_new (parent, self->settings);

  /* Belonging to the application keeps it running while only this window
   * is open, and lets app.quit close it. */
  gtk_window_set_application (GTK_WINDOW (preferences), GTK_APPLICATION (self));
  gtk_window_present (GTK_WINDOW (preferences));
}

static void
px_application_about_action (GSimpleAction *action,
                             GVariant      *parameter,
                             gpointer       user_data)
{
  PxApplication *self = PX_APPLICATION (user_data);
  static const char *developers[] = { "The Parallax developers", NULL };

  adw_show_about_window (gtk_application_get_active_window (GTK_APPLICATION (self)),
                         "application-name", _("Parallax"),
                         "application-icon", APPLICATION_ID,
                         "developer-name", _("The Parallax developers"),
                         "version", PACKAGE_VERSION,
                         "comments", _("Life-size 3D meetings"),
                         "website", "https://github.com/parallax/Parallax",
                         "issue-url", "https://github.com/parallax/Parallax/issues",
                         "developers", developers,
                         "translator-credits", _("translator-credits"),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         NULL);
}

static void
px_application_quit_action (GSimpleAction *action,
                            GVariant      *parameter,
                            gpointer       user_data)
{
  PxApplication *self = PX_APPLICATION (user_data);
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));

  /* Closing each window first lets it save its size. */
  for (GList *l = windows; l != NULL;)
    {
      GtkWindow *window = l->data;

      l = l->next;
      gtk_window_close (window);
    }

  g_application_quit (G_APPLICATION (self));
}

static const GActionEntry app_actions[] = {
  { "show-join", px_application_show_join_action, "(ssss)" },
  { "demo", px_application_demo_action },
  { "preferences", px_application_preferences_action },
  { "about", px_application_about_action },
  { "quit", px_application_quit_action },
};

static void
px_application_startup (GApplication *application)
{
  PxApplication *self = PX_APPLICATION (application);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  static const char *microphone_accels[] = { "<Control>d", NULL };
  static const char *camera_accels[] = { "<Control>e", NULL };
  static const char *leave_accels[] = { "<Control>w", NULL };
  static const char *projection_accels[] = { "F5", NULL };
  static const char *participants_accels[] = { "F9", NULL };
  static const char *statistics_accels[] = { "<Control>i", NULL };

  G_APPLICATION_CLASS (px_application_parent_class)->startup (application);

  self->settings = g_settings_new (APPLICATION_ID);
  self->controller = px_meeting_controller_new ();
  g_settings_bind (self->settings, "embedded-server-lan", self->controller, "allow-lan",
                   G_SETTINGS_BIND_GET);

  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences", preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.microphone", microphone_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.camera", camera_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.leave", leave_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.projection", projection_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.participants", participants_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.statistics", statistics_accels);
}

static void
px_application_shutdown (GApplication *application)
{
  PxApplication *self = PX_APPLICATION (application);

  /* Others in a meeting here are told it ends, rather than left hanging. */
  if (self->controller != NULL)
    px_meeting_controller_shutdown (self->controller);

  G_APPLICATION_CLASS (px_application_parent_class)->shutdown (application);

  if (self->controller != NULL)
    g_settings_unbind (self->controller, "allow-lan");
  g_clear_object (&self->controller);
  g_clear_object (&self->settings);
}

static void
px_application_class_init (PxApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->handle_local_options = px_application_handle_local_options;
  app_class->startup = px_application_startup;
  app_class->activate = px_application_activate;
  app_class->open = px_application_open;
  app_class->shutdown = px_application_shutdown;
}

static void
px_application_init (PxApplication *self)
{
  /* Before startup: that is when GTK loads style.css and the shortcuts
   * window from the resource base path. */
  px_ui_ensure_resources ();

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), NULL);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Life-size 3D meetings."));
}

PxApplication *
px_application_new (void)
{
  return g_object_new (PX_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/parallax/Parallax",
                       NULL);
}

GSettings *
px_application_get_settings (PxApplication *self)
{
  g_return_val_if_fail (PX_IS_APPLICATION (self), NULL);
  return self->settings;
}

/* The meetings of this application; NULL before startup. */
PxMeetingController *
px_application_get_meeting_controller (PxApplication *self)
{
  g_return_val_if_fail (PX_IS_APPLICATION (self), NULL);
  return self->controller;
}

/* The server embedded in the app, or NULL until a meeting on this computer
 * started it. */
PxEmbeddedServer *
px_application_get_embedded_server (PxApplication *self)
{
  g_return_val_if_fail (PX_IS_APPLICATION (self), NULL);
  return self->controller ? px_meeting_controller_get_embedded_server (self->controller) : NULL;
}
