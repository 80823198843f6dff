/* test-meeting.c: the meeting as users meet it
 *
 * Runs PxApplication on a private X server and session bus. Plain start
 * shows the join page set to hold the meeting on this computer. The demo
 * (app.demo, what parallax --demo runs) joins a room on the embedded
 * server with the synthetic studio: "Demo studio" appears in the roster
 * as a 3D participant and stands on the stage, where the screenshot shows
 * a person-sized figure in the middle of the glass. The sidebar (F9), the
 * statistics (Ctrl+I) and projection mode (F5) open and close from their
 * shortcuts; leaving (Ctrl+W) asks first, and Cancel keeps the meeting.
 * Every control of the call page is reached with Tab and has a tooltip;
 * the shortcuts window lists the meeting's shortcuts. A studio rig that
 * cannot be loaded leaves the user on their webcam, with a toast.
 * Screenshots of the join page, the demo, the sidebar and projection mode
 * go to data/screenshots for the README.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "px-application.h"
#include "px-test-harness.h"
#include "px-ui-test.h"
#include "px-window.h"

/* The demo renders, encodes, reconstructs and decodes on a loaded machine
 * with software GL: give it time. */
#define WAIT_SECONDS 90
#define DEMO_NAME "Demo studio"

typedef struct
{
  PxApplication *app;
  PxWindow *window;
  PxMeetingController *controller;
} Fixture;

static Fixture fixture;

#define wait_for(condition, data, what) \
  px_ui_test_wait_for ((condition), (data), WAIT_SECONDS, (what))

static PxCallPage *
call_page (void)
{
  return px_window_get_call_page (fixture.window);
}

/* Conditions ---------------------------------------------------------------- */

static gboolean
window_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (fixture.window));
}

static gboolean
on_page (gpointer data)
{
  return g_strcmp0 (px_window_get_page_name (fixture.window), data) == 0 &&
         !px_window_get_joining (fixture.window);
}

static PxParticipant *
demo_on_stage (void)
{
  GListModel *participants = px_stage_get_participants (px_call_page_get_stage (call_page ()));

  for (guint i = 0; i < g_list_model_get_n_items (participants); i++)
    {
      g_autoptr(PxParticipant) participant = g_list_model_get_item (participants, i);

      if (g_strcmp0 (px_participant_get_name (participant), DEMO_NAME) == 0)
        return participant;
    }
  return NULL;
}

static gboolean
demo_in_roster (gpointer data)
{
  PxParticipantRow *row = px_participant_list_find_row (px_call_page_get_participant_list (call_page ()),
                                                        DEMO_NAME);

  return row != NULL && g_strcmp0 (px_participant_row_get_badge (row), "Studio 3D") == 0;
}

static gboolean
demo_stands_in_3d (gpointer data)
{
  PxParticipant *participant = demo_on_stage ();

  return participant != NULL &&
         px_participant_get_kind (participant) == PX_PARTICIPANT_VOLUMETRIC &&
         px_participant_get_generation (participant) > GPOINTER_TO_UINT (data);
}

/* The overlay shows figures once the 3D frames flow: a bitrate and a
 * frame rate measured over the last seconds. */
static gboolean
statistics_measured (gpointer data)
{
  PxStatisticsOverlay *overlay = px_call_page_get_statistics_overlay (call_page ());
  const char *bitrate = px_statistics_overlay_get_text (overlay, DEMO_NAME, PX_STATISTIC_BITRATE);
  const char *rate = px_statistics_overlay_get_text (overlay, DEMO_NAME, PX_STATISTIC_FRAME_RATE);

  return bitrate != NULL && strcmp (bitrate, "—") != 0 && strcmp (bitrate, "0 kbit/s") != 0 &&
         rate != NULL && strcmp (rate, "—") != 0 && strcmp (rate, "0 fps") != 0;
}

/* Without a window manager full-screen is only asked for: the header bar
 * going away is what the window itself does. */
static gboolean
header_visible (void)
{
  return gtk_widget_get_visible (GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (fixture.window),
                                                                            PX_TYPE_WINDOW,
                                                                            "call_header")));
}

static gboolean
dialog_gone (gpointer data)
{
  return px_window_get_leave_dialog (fixture.window) == NULL;
}

/* Helpers ------------------------------------------------------------------- */

static gboolean
action_state (const char *name)
{
  g_autoptr(GVariant) state = g_action_group_get_action_state (G_ACTION_GROUP (fixture.window),
                                                               name);

  g_assert_nonnull (state);
  return g_variant_get_boolean (state);
}

/* Presses @accel as the window's shortcut controllers see it: the trigger
 * is looked up among their shortcuts and its action activated, as a key
 * press would. Fails when no shortcut of the window answers to it. */
static void
press (const char *accel)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (fixture.window));
  g_autoptr(GtkShortcutTrigger) wanted = gtk_shortcut_trigger_parse_string (accel);
  gboolean pressed = FALSE;

  g_assert_nonnull (wanted);
  for (guint i = 0; i < g_list_model_get_n_items (controllers) && !pressed; i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)) && !pressed; j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);

          if (!gtk_shortcut_trigger_equal (gtk_shortcut_get_trigger (shortcut), wanted))
            continue;
          pressed = gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut), 0,
                                                  GTK_WIDGET (fixture.window),
                                                  gtk_shortcut_get_arguments (shortcut));
        }
    }
  if (!pressed)
    g_error ("No shortcut of the window answers to %s", accel);
}

typedef struct
{
  guint figure;      /* pixels that are not the room's */
  int left, right, top, bottom;
} Figure;

/* The stage's room (walls and floor) is dim and nearly grey; a person is
 * lit, and coloured (skin, clothes). */
static gboolean
is_room (const guint8 *p)
{
  int high = MAX (p[0], MAX (p[1], p[2]));
  int low = MIN (p[0], MIN (p[1], p[2]));

  return high < 100 && high - low < 40;
}

/* Finds what stands on the stage: the columns and rows where a good share
 * of the pixels are not the room's, so that stray specks and the thin
 * fringes a reconstruction leaves on the floor do not count. The control
 * bar floating over the stage is left out. */
static Figure
find_figure (GdkTexture *texture)
{
  GtkWidget *window = GTK_WIDGET (fixture.window);
  PxStage *stage = px_call_page_get_stage (call_page ());
  g_autofree guint8 *pixels = px_ui_test_download (texture);
  int width = gdk_texture_get_width (texture);
  graphene_rect_t area, bar;
  Figure figure = { 0, G_MAXINT, -1, G_MAXINT, -1 };
  g_autofree int *columns = NULL;
  g_autofree int *rows = NULL;
  int x0, y0, w, h;

  g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (stage), window, &area));
  g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (px_call_page_get_control_bar (call_page ())),
                                            window, &bar));
  /* Inset: the window's frame may be drawn around the widgets' area. */
  x0 = (int) area.origin.x + 8;
  y0 = (int) area.origin.y + 8;
  w = (int) area.size.width - 16;
  h = (int) area.size.height - 16;
  columns = g_new0 (int, w);
  rows = g_new0 (int, h);

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        const guint8 *p = pixels + (gsize) (y0 + y) * width * 4 + (gsize) (x0 + x) * 4;

        if (is_room (p) ||
            graphene_rect_contains_point (&bar, &GRAPHENE_POINT_INIT (x0 + x, y0 + y)))
          continue;
        figure.figure++;
        columns[x]++;
        rows[y]++;
      }

  for (int x = 0; x < w; x++)
    if (columns[x] > h / 8)
      {
        figure.left = MIN (figure.left, x0 + x);
        figure.right = MAX (figure.right, x0 + x);
      }
  for (int y = 0; y < h; y++)
    if (rows[y] > w / 50)
      {
        figure.top = MIN (figure.top, y0 + y);
        figure.bottom = MAX (figure.bottom, y0 + y);
      }
  return figure;
}

/* The tests ----------------------------------------------------------------- */

static void
test_join_page (void)
{
  g_autoptr(PxJoinTarget) target = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  PxJoinPage *page = px_window_get_join_page (fixture.window);

  /* Plain start: the join page, the meeting held on this computer. */
  g_assert_cmpstr (px_window_get_page_name (fixture.window), ==, "join");
  g_assert_true (px_join_page_get_this_computer (page));

  target = px_join_target_new ("", "weekly", "Alex Doe");
  px_window_show_join (fixture.window, target);
  g_clear_object (&target);
  target = px_join_page_build_target (page, &error);
  g_assert_no_error (error);
  g_assert_true (px_join_target_is_embedded (target));
  /* The entries animate their titles as their text changes. */
  px_ui_test_spin (1500);
  texture = px_ui_test_screenshot (GTK_WIDGET (fixture.window), "join.png", TRUE);
  g_assert_nonnull (texture);
}

static void
test_demo (void)
{
  g_autoptr(GdkTexture) texture = NULL;
  PxStage *stage = px_call_page_get_stage (call_page ());
  graphene_rect_t area;
  Figure figure;
  double height_m = 0;
  guint64 generation;

  /* What parallax --demo does. */
  g_action_group_activate_action (G_ACTION_GROUP (fixture.app), "demo", NULL);
  wait_for (on_page, (gpointer) "call", "the demo meeting to start");
  g_assert_true (px_meeting_controller_get_demo (fixture.controller));
  g_assert_cmpstr (px_join_target_get_room (px_window_get_joined_target (fixture.window)), ==,
                   PX_WINDOW_DEMO_ROOM);
  g_assert_true (px_join_target_is_embedded (px_window_get_joined_target (fixture.window)));
  g_assert_nonnull (px_meeting_controller_get_demo_studio (fixture.controller));
  g_assert_true (px_window_get_inhibiting (fixture.window));

  /* The studio joins as a 3D participant and stands on the stage. */
  wait_for (demo_in_roster, NULL, "the Demo studio in the roster, as a 3D studio");
  wait_for (demo_stands_in_3d, GUINT_TO_POINTER (0), "the Demo studio on the stage in 3D");
  generation = px_participant_get_generation (demo_on_stage ());
  wait_for (demo_stands_in_3d, GUINT_TO_POINTER (generation + 10), "ten more 3D frames");
  g_assert_false (px_call_page_get_waiting (call_page ()));
  g_assert_true (px_participant_get_height (demo_on_stage (), &height_m));
  g_test_message ("The Demo studio's figure is %.2f m tall", height_m);
  g_assert_cmpfloat (height_m, >, 1.2);
  g_assert_cmpfloat (height_m, <, 2.3);

  px_ui_test_spin (500);
  texture = px_ui_test_screenshot (GTK_WIDGET (fixture.window), "call-demo.png", TRUE);

  g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (stage), GTK_WIDGET (fixture.window), &area));
  figure = find_figure (texture);
  g_test_message ("Figure: %u pixels, x %d–%d, y %d–%d, on a stage of %.0f×%.0f at %.0f,%.0f",
                  figure.figure, figure.left, figure.right, figure.top, figure.bottom,
                  area.size.width, area.size.height, area.origin.x, area.origin.y);
  /* A standing person: tall rather than wide, in the middle of the glass,
   * filling a good part of its height. */
  g_assert_cmpuint (figure.figure, >, area.size.width * area.size.height * 0.01);
  g_assert_cmpint (figure.bottom - figure.top, >, area.size.height * 0.35);
  g_assert_cmpint (figure.right - figure.left, <, area.size.width * 0.5);
  g_assert_cmpint (figure.bottom - figure.top, >, figure.right - figure.left);
  g_assert_cmpfloat ((figure.left + figure.right) / 2.0, >, area.origin.x + area.size.width * 0.25);
  g_assert_cmpfloat ((figure.left + figure.right) / 2.0, <, area.origin.x + area.size.width * 0.75);
}

static void
test_sidebar_and_statistics (void)
{
  g_autoptr(GdkTexture) texture = NULL;
  PxParticipantList *list = px_call_page_get_participant_list (call_page ());
  PxParticipantRow *row;

  /* F9: everyone, the user first. */
  g_assert_false (px_call_page_get_participants_revealed (call_page ()));
  press ("F9");
  g_assert_true (action_state ("participants"));
  g_assert_true (px_call_page_get_participants_revealed (call_page ()));
  g_assert_cmpuint (px_participant_list_get_n_rows (list), ==, 2);
  g_assert_true (px_participant_row_get_participant (px_participant_list_get_row (list, 0)) ==
                 px_session_get_local_participant (px_meeting_controller_get_session (fixture.controller)));
  row = px_participant_list_find_row (list, DEMO_NAME);
  g_assert_nonnull (row);
  g_assert_cmpstr (px_participant_row_get_badge (row), ==, "Studio 3D");
  g_assert_nonnull (px_participant_row_get_remote (row));
  /* The studio sends no voice: its microphone shows as off. */
  px_ui_test_spin (1500);
  texture = px_ui_test_screenshot (GTK_WIDGET (fixture.window), "participants.png", TRUE);
  press ("F9");
  g_assert_false (px_call_page_get_participants_revealed (call_page ()));

  /* Ctrl+I: the figures as measured; none made up before they exist. */
  press ("<Control>i");
  g_assert_true (action_state ("statistics"));
  g_assert_true (px_call_page_get_statistics_visible (call_page ()));
  wait_for (statistics_measured, NULL, "the Demo studio's bitrate and frame rate");
  for (PxStatistic s = 0; s < PX_N_STATISTICS; s++)
    g_test_message ("Statistic %d of the Demo studio: %s", s,
                    px_statistics_overlay_get_text (px_call_page_get_statistics_overlay (call_page ()),
                                                    DEMO_NAME, s));
  g_assert_cmpuint (px_statistics_overlay_get_n_rows (px_call_page_get_statistics_overlay (call_page ())),
                    ==, 1);
  g_clear_object (&texture);
  texture = px_ui_test_screenshot (GTK_WIDGET (fixture.window), "statistics.png", FALSE);
  press ("<Control>i");
  g_assert_false (px_call_page_get_statistics_visible (call_page ()));
}

static void
test_projection (void)
{
  g_autoptr(GdkTexture) texture = NULL;

  /* F5 with one display: this window's stage goes full-screen. */
  press ("F5");
  g_assert_true (action_state ("projection"));
  g_assert_false (header_visible ());
  px_ui_test_spin (1000);
  texture = px_ui_test_screenshot (GTK_WIDGET (fixture.window), "projection.png", TRUE);
  press ("Escape");
  g_assert_false (action_state ("projection"));
  g_assert_true (header_visible ());
}

static void
test_keyboard (void)
{
  static const struct { const char *accel; const char *action; } shortcuts[] = {
    { "<Control>d", "win.microphone" },
    { "<Control>e", "win.camera" },
    { "F5", "win.projection" },
    { "F9", "win.participants" },
    { "<Control>i", "win.statistics" },
    { "<Control>w", "win.leave" },
  };
  GtkWidget *bar = GTK_WIDGET (px_call_page_get_control_bar (call_page ()));
  g_autoptr(GHashTable) reached = g_hash_table_new (NULL, NULL);
  g_autoptr(GtkBuilder) help = gtk_builder_new_from_resource ("/io/github/parallax/Parallax/gtk/help-overlay.ui");
  g_autoptr(GPtrArray) listed = g_ptr_array_new_with_free_func (g_free);
  GSList *objects = gtk_builder_get_objects (help);
  guint n_buttons = 0;
  gboolean microphone;

  /* The shortcuts window lists what the shortcuts do. */
  for (GSList *l = objects; l != NULL; l = l->next)
    if (GTK_IS_SHORTCUTS_SHORTCUT (l->data))
      {
        char *action = NULL;

        g_object_get (l->data, "action-name", &action, NULL);
        if (action != NULL)
          g_ptr_array_add (listed, action);
      }
  g_slist_free (objects);
  g_ptr_array_add (listed, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (shortcuts); i++)
    {
      g_auto(GStrv) actions = gtk_application_get_actions_for_accel (GTK_APPLICATION (fixture.app),
                                                                     shortcuts[i].accel);

      g_assert_true (g_strv_contains ((const char * const *) actions, shortcuts[i].action));
      g_assert_true (g_strv_contains ((const char * const *) listed->pdata, shortcuts[i].action));
    }

  /* Ctrl+D really goes through the shortcut to the action. */
  microphone = action_state ("microphone");
  press ("<Control>d");
  g_assert_cmpint (action_state ("microphone"), ==, !microphone);
  press ("<Control>d");
  g_assert_cmpint (action_state ("microphone"), ==, microphone);

  /* Tab goes round every control of the call page. */
  gtk_window_set_focus (GTK_WINDOW (fixture.window), NULL);
  for (int i = 0; i < 200; i++)
    {
      GtkWidget *focus;

      if (!gtk_widget_child_focus (GTK_WIDGET (fixture.window), GTK_DIR_TAB_FORWARD))
        continue;
      focus = gtk_root_get_focus (GTK_ROOT (fixture.window));
      /* The focus may sit on a button's inner part (a menu button's
       * toggle): count the buttons around it. */
      for (; focus != NULL; focus = gtk_widget_get_parent (focus))
        if (GTK_IS_BUTTON (focus) || GTK_IS_MENU_BUTTON (focus))
          g_hash_table_add (reached, focus);
    }

  for (GtkWidget *child = gtk_widget_get_first_child (gtk_widget_get_first_child (bar));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      const char *tooltip = gtk_widget_get_tooltip_text (child);

      if (!GTK_IS_BUTTON (child))
        continue;
      n_buttons++;
      g_test_message ("Control: %s", tooltip);
      g_assert_nonnull (tooltip);
      g_assert_true (g_hash_table_contains (reached, child));
    }
  g_assert_cmpuint (n_buttons, ==, 6);

  /* And the header bar's. */
  for (guint i = 0; i < 2; i++)
    {
      const char *name = i == 0 ? "invite_button" : "project_button";
      GtkWidget *button = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (fixture.window),
                                                                     PX_TYPE_WINDOW, name));

      g_assert_nonnull (gtk_widget_get_tooltip_text (button));
      g_assert_true (g_hash_table_contains (reached, button));
    }
}

static void
test_leave_asks (void)
{
  AdwMessageDialog *dialog;

  /* Ctrl+W asks; Cancel keeps the meeting. */
  press ("<Control>w");
  dialog = px_window_get_leave_dialog (fixture.window);
  g_assert_nonnull (dialog);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  adw_message_dialog_response (dialog, "cancel");
  wait_for (dialog_gone, NULL, "the dialog to close");
  g_assert_cmpstr (px_window_get_page_name (fixture.window), ==, "call");
  g_assert_nonnull (px_meeting_controller_get_demo_studio (fixture.controller));

  /* Leave leaves, stops the demo and lets the computer sleep again. */
  gtk_widget_activate_action (GTK_WIDGET (fixture.window), "win.leave", NULL);
  dialog = px_window_get_leave_dialog (fixture.window);
  g_assert_nonnull (dialog);
  adw_message_dialog_response (dialog, "leave");
  wait_for (dialog_gone, NULL, "the dialog to close");
  g_assert_cmpstr (px_window_get_page_name (fixture.window), ==, "join");
  g_assert_null (px_meeting_controller_get_demo_studio (fixture.controller));
  g_assert_null (px_meeting_controller_get_session (fixture.controller));
  g_assert_false (px_window_get_inhibiting (fixture.window));
  g_assert_false (action_state ("participants"));
}

static gboolean
toast_starts_with (gpointer data)
{
  const char *toast = px_window_get_last_toast (fixture.window);

  return toast != NULL && g_str_has_prefix (toast, data);
}

/* A studio rig that cannot be loaded: the meeting goes on with the
 * webcam (here none), and a toast says why. */
static void
test_rig_fallback (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr(PxJoinTarget) target = px_join_target_new ("", "rig-check", "Alex Doe");
  const char *cameras[] = { "left-camera", "right-camera", NULL };

  g_settings_set_string (settings, "studio-rig-file", "/nonexistent/rig.json");
  g_settings_set_strv (settings, "studio-cameras", cameras);
  px_window_show_join (fixture.window, target);
  gtk_widget_activate_action (GTK_WIDGET (fixture.window), "win.join", NULL);
  wait_for (on_page, (gpointer) "call", "the meeting to start without the rig");
  wait_for (toast_starts_with, (gpointer) "The studio rig could not be loaded",
            "the toast about the rig");
  g_assert_null (px_meeting_controller_get_rig_publisher (fixture.controller));
  g_assert_false (px_meeting_controller_get_demo (fixture.controller));
  g_assert_null (px_meeting_controller_get_demo_studio (fixture.controller));

  gtk_widget_activate_action (GTK_WIDGET (fixture.window), "win.leave-now", NULL);
  g_assert_cmpstr (px_window_get_page_name (fixture.window), ==, "join");
  g_settings_reset (settings, "studio-rig-file");
  g_settings_reset (settings, "studio-cameras");
}

static void
skip_without_display (void)
{
  g_test_skip ("No X server or session bus could be started");
}

int
main (int   argc,
      char *argv[])
{
  PxTestHarness *harness;
  int status;

  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  /* One X server and bus for the whole run: the cases follow each other
   * through one meeting. No PipeWire: the demo studio renders in-process
   * and the user has no devices. */
  harness = px_test_harness_new ();
  if (!px_test_require_programs ("Xvfb", "dbus-daemon", NULL) ||
      px_test_harness_start_display (harness) == NULL ||
      px_test_harness_start_session_bus (harness) == NULL)
    {
      px_test_harness_free (harness);
      g_test_add_func ("/ui/meeting/no-display", skip_without_display);
      return g_test_run ();
    }

  fixture.app = px_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (fixture.app), NULL, NULL));
  g_application_activate (G_APPLICATION (fixture.app));
  fixture.window = PX_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (fixture.app)));
  fixture.controller = px_application_get_meeting_controller (fixture.app);
  wait_for (window_mapped, NULL, "the main window to map");

  g_test_add_func ("/ui/meeting/join-page", test_join_page);
  g_test_add_func ("/ui/meeting/demo", test_demo);
  g_test_add_func ("/ui/meeting/sidebar-and-statistics", test_sidebar_and_statistics);
  g_test_add_func ("/ui/meeting/projection", test_projection);
  g_test_add_func ("/ui/meeting/keyboard", test_keyboard);
  g_test_add_func ("/ui/meeting/leave-asks", test_leave_asks);
  g_test_add_func ("/ui/meeting/rig-fallback", test_rig_fallback);

  status = g_test_run ();

  px_ui_test_quit_app ((GApplication **) &fixture.app);
  px_test_harness_free (harness);

  return status;
}
