/* test-window.c: the parallax app in a real window
 *
 * Runs PxApplication on a private X server and session bus, drives it
 * through its actions as a user's clicks and shortcuts would, and writes
 * screenshots of both pages (the GL stage included) to PX_TEST_OUTPUT.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include "px-application.h"
#include "px-preferences-window.h"
#include "px-test-harness.h"
#include "px-ui-test.h"
#include "px-window.h"

#define WAIT_SECONDS 20

typedef struct
{
  PxApplication *app;
  PxWindow *window;
} Fixture;

static Fixture fixture;

#define wait_for(condition, data, what) \
  px_ui_test_wait_for ((condition), (data), WAIT_SECONDS, (what))

static gboolean
window_mapped (gpointer data)
{
  return fixture.window != NULL && gtk_widget_get_mapped (GTK_WIDGET (fixture.window));
}

static gboolean
on_call_page (gpointer data)
{
  return g_strcmp0 (px_window_get_page_name (fixture.window), "call") == 0;
}

static gboolean
stage_drawn (gpointer data)
{
  PxStage *stage = px_call_page_get_stage (px_window_get_call_page (fixture.window));
  guint *before = data;

  return px_stage_get_frames_drawn (stage) > *before;
}

static gboolean
no_other_windows (gpointer data)
{
  return g_list_length (gtk_application_get_windows (GTK_APPLICATION (fixture.app))) == 1;
}

static void
settle (void)
{
  /* Let pending layout and frame clock work run. */
  for (int i = 0; i < 50; i++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (2000);
    }
}

typedef struct
{
  guint distinct_colours;
  guint32 centre;
} ScreenshotStats;

/* Renders the window as GTK draws it, GL stage included, saves it as a PNG
 * and returns a few facts about its pixels. */
static ScreenshotStats
take_screenshot (const char *name)
{
  GtkWidget *widget = GTK_WIDGET (fixture.window);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GHashTable) colours = g_hash_table_new (NULL, NULL);
  g_autofree guchar *pixels = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  ScreenshotStats stats = { 0 };
  gsize stride;
  GskRenderer *renderer;

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_to_node (snapshot);
  g_assert_nonnull (node);

  renderer = gtk_native_get_renderer (GTK_NATIVE (widget));
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));

  dir = g_strdup (g_getenv ("PX_TEST_OUTPUT") ? g_getenv ("PX_TEST_OUTPUT") : ".");
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("Screenshot: %s", path);

  stride = (gsize) gdk_texture_get_width (texture) * 4;
  pixels = g_malloc (stride * gdk_texture_get_height (texture));
  gdk_texture_download (texture, pixels, stride);

  for (int y = 0; y < gdk_texture_get_height (texture); y += 4)
    for (int x = 0; x < gdk_texture_get_width (texture); x += 4)
      {
        guint32 pixel;

        memcpy (&pixel, pixels + y * stride + x * 4, 4);
        g_hash_table_add (colours, GUINT_TO_POINTER (pixel));
      }
  stats.distinct_colours = g_hash_table_size (colours);

  return stats;
}

/* The colour (ARGB in memory order B,G,R,A) at a point of the window. */
static void
pixel_at (const char *name,
          int         x,
          int         y,
          guint8      rgb[3])
{
  g_autofree char *path = g_build_filename (g_getenv ("PX_TEST_OUTPUT") ? g_getenv ("PX_TEST_OUTPUT") : ".",
                                            name, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = gdk_texture_new_from_filename (path, &error);
  g_autofree guchar *pixels = NULL;
  gsize stride;

  g_assert_no_error (error);
  stride = (gsize) gdk_texture_get_width (texture) * 4;
  pixels = g_malloc (stride * gdk_texture_get_height (texture));
  gdk_texture_download (texture, pixels, stride);

  /* gdk_texture_download gives premultiplied B, G, R, A on little endian. */
  rgb[0] = pixels[y * stride + x * 4 + 2];
  rgb[1] = pixels[y * stride + x * 4 + 1];
  rgb[2] = pixels[y * stride + x * 4 + 0];
}

static void
test_join_page (void)
{
  PxJoinPage *join_page = px_window_get_join_page (fixture.window);
  ScreenshotStats stats;

  g_assert_cmpstr (px_window_get_page_name (fixture.window), ==, "join");
  g_assert_null (px_window_get_joined_target (fixture.window));
  g_assert_null (px_join_page_get_error (join_page));

  settle ();
  stats = take_screenshot ("join-page.png");
  /* A blank or single-colour window would have a handful of colours; the
   * page has an icon, text and entries. */
  g_assert_cmpuint (stats.distinct_colours, >, 20);
}

static void
test_keyboard_reaches_join (void)
{
  GtkWidget *window = GTK_WIDGET (fixture.window);
  gboolean reached_join = FALSE;
  gboolean reached_room = FALSE;

  gtk_window_set_focus (GTK_WINDOW (window), NULL);
  for (int i = 0; i < 20 && !reached_join; i++)
    {
      GtkWidget *focus;

      gtk_widget_child_focus (window, GTK_DIR_TAB_FORWARD);
      focus = gtk_window_get_focus (GTK_WINDOW (window));
      g_assert_nonnull (focus);

      for (GtkWidget *w = focus; w != NULL; w = gtk_widget_get_parent (w))
        {
          const char *action = GTK_IS_ACTIONABLE (w) ? gtk_actionable_get_action_name (GTK_ACTIONABLE (w)) : NULL;

          if (g_strcmp0 (action, "win.join") == 0)
            reached_join = TRUE;
          if (ADW_IS_ENTRY_ROW (w) && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (w)), "Room") == 0)
            reached_room = TRUE;
        }
    }

  g_assert_true (reached_room);
  g_assert_true (reached_join);
}

static void
test_invalid_join_stays (void)
{
  g_autoptr(PxJoinTarget) bad = px_join_target_new ("", "no spaces allowed", "Tester");
  PxJoinPage *join_page = px_window_get_join_page (fixture.window);

  px_window_show_join (fixture.window, bad);
  gtk_widget_activate_action (GTK_WIDGET (fixture.window), "win.join", NULL);

  g_assert_cmpstr (px_window_get_page_name (fixture.window), ==, "join");
  g_assert_nonnull (px_join_page_get_error (join_page));
  g_assert_true (strstr (px_join_page_get_error (join_page), "Room names") != NULL);
}

static void
test_call_page (void)
{
  g_autoptr(PxJoinTarget) target = px_join_target_new ("", "design-review", "Tester");
  PxCallPage *call_page = px_window_get_call_page (fixture.window);
  PxStage *stage = px_call_page_get_stage (call_page);
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autofree char *room = NULL;
  ScreenshotStats stats;
  guint drawn_before;
  guint8 rgb[3];
  int x, y;
  graphene_point_t centre;

  px_window_show_join (fixture.window, target);
  drawn_before = px_stage_get_frames_drawn (stage);
  gtk_widget_activate_action (GTK_WIDGET (fixture.window), "win.join", NULL);

  /* Joining goes through the embedded server: it takes a moment. */
  g_assert_true (px_window_get_joining (fixture.window));
  wait_for (on_call_page, NULL, "the app to join the room on this computer");
  g_assert_false (px_window_get_joining (fixture.window));
  g_assert_nonnull (px_window_get_joined_target (fixture.window));
  g_assert_true (px_join_target_is_embedded (px_window_get_joined_target (fixture.window)));
  g_assert_nonnull (px_application_get_embedded_server (fixture.app));
  g_assert_true (px_call_page_get_waiting (call_page));
  g_assert_false (px_call_page_get_reconnecting (call_page));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (fixture.window)), ==, "design-review");

  room = g_settings_get_string (settings, "last-room");
  g_assert_cmpstr (room, ==, "design-review");

  wait_for (stage_drawn, &drawn_before, "the stage to draw a frame");
  g_assert_nonnull (px_stage_get_gl_description (stage));
  g_test_message ("Stage GL: %s%s", px_stage_get_gl_description (stage),
                  px_stage_get_uses_es (stage) ? " (ES)" : "");

  settle ();
  stats = take_screenshot ("call-page.png");
  g_assert_cmpuint (stats.distinct_colours, >, 10);

  /* A point of the stage away from the status text and the controls must
   * show what the GL context drew there: the dim room of the stage, not the
   * window's light background nor an empty (black) framebuffer. */
  g_assert_true (gtk_widget_compute_point (GTK_WIDGET (stage), GTK_WIDGET (fixture.window),
                                           &GRAPHENE_POINT_INIT (24, 24), &centre));
  x = (int) centre.x;
  y = (int) centre.y;
  pixel_at ("call-page.png", x, y, rgb);
  g_test_message ("Stage pixel at %d,%d: %02x%02x%02x", x, y, rgb[0], rgb[1], rgb[2]);
  for (int i = 0; i < 3; i++)
    {
      g_assert_cmpint (rgb[i], >=, 0x10);
      g_assert_cmpint (rgb[i], <=, 0x40);
    }
}

static void
test_microphone_action (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  gboolean before = g_settings_get_boolean (settings, "microphone");

  gtk_widget_activate_action (GTK_WIDGET (fixture.window), "win.microphone", NULL);
  g_assert_cmpint (g_settings_get_boolean (settings, "microphone"), !=, before);
  gtk_widget_activate_action (GTK_WIDGET (fixture.window), "win.microphone", NULL);
  g_assert_cmpint (g_settings_get_boolean (settings, "microphone"), ==, before);
}

static void
test_leave (void)
{
  PxMeetingController *controller = px_application_get_meeting_controller (fixture.app);
  AdwMessageDialog *dialog;

  /* Ctrl+W asks first; the meeting goes on until the user says Leave. */
  gtk_widget_activate_action (GTK_WIDGET (fixture.window), "win.leave", NULL);
  dialog = px_window_get_leave_dialog (fixture.window);
  g_assert_nonnull (dialog);
  g_assert_cmpstr (px_window_get_page_name (fixture.window), ==, "call");
  g_assert_nonnull (px_meeting_controller_get_session (controller));
  adw_message_dialog_response (dialog, "leave");
  g_assert_null (px_window_get_leave_dialog (fixture.window));
  g_assert_cmpstr (px_window_get_page_name (fixture.window), ==, "join");
  g_assert_null (px_window_get_joined_target (fixture.window));
  g_assert_null (px_meeting_controller_get_session (controller));
  g_assert_cmpint (px_meeting_controller_get_state (controller), ==, PX_MEETING_STATE_IDLE);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (fixture.window)), ==, "Parallax");
}

static void
test_preferences (void)
{
  GList *windows;
  GtkWindow *preferences = NULL;

  g_action_group_activate_action (G_ACTION_GROUP (fixture.app), "preferences", NULL);
  windows = gtk_application_get_windows (GTK_APPLICATION (fixture.app));
  for (GList *l = windows; l != NULL; l = l->next)
    if (PX_IS_PREFERENCES_WINDOW (l->data))
      preferences = l->data;

  g_assert_nonnull (preferences);
  g_assert_true (gtk_window_get_transient_for (preferences) == GTK_WINDOW (fixture.window));
  gtk_window_destroy (preferences);
  wait_for (no_other_windows, NULL, "the preferences window to close");
}

static void
test_accels (void)
{
  g_auto(GStrv) leave = gtk_application_get_accels_for_action (GTK_APPLICATION (fixture.app), "win.leave");
  g_auto(GStrv) microphone = gtk_application_get_accels_for_action (GTK_APPLICATION (fixture.app), "win.microphone");
  g_auto(GStrv) help = gtk_application_get_accels_for_action (GTK_APPLICATION (fixture.app), "win.show-help-overlay");

  g_assert_cmpstr (leave[0], ==, "<Control>w");
  g_assert_cmpstr (microphone[0], ==, "<Control>d");
  /* AdwApplication found gtk/help-overlay.ui in the resources. */
  g_assert_nonnull (help[0]);
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

  /* One X server and bus for the whole run: the app lives across cases. */
  harness = px_test_harness_new ();
  if (!px_test_require_programs ("Xvfb", "dbus-daemon", NULL) ||
      px_test_harness_start_display (harness) == NULL ||
      px_test_harness_start_session_bus (harness) == NULL)
    {
      px_test_harness_free (harness);
      g_test_add_func ("/ui/window/no-display", skip_without_display);
      return g_test_run ();
    }

  fixture.app = px_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (fixture.app), NULL, NULL));
  g_application_activate (G_APPLICATION (fixture.app));
  fixture.window = PX_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (fixture.app)));
  wait_for (window_mapped, NULL, "the main window to map");

  g_test_add_func ("/ui/window/join-page", test_join_page);
  g_test_add_func ("/ui/window/keyboard-reaches-join", test_keyboard_reaches_join);
  g_test_add_func ("/ui/window/invalid-join-stays", test_invalid_join_stays);
  g_test_add_func ("/ui/window/call-page", test_call_page);
  g_test_add_func ("/ui/window/microphone-action", test_microphone_action);
  g_test_add_func ("/ui/window/leave", test_leave);
  g_test_add_func ("/ui/window/preferences", test_preferences);
  g_test_add_func ("/ui/window/accels", test_accels);

  status = g_test_run ();

  px_ui_test_quit_app ((GApplication **) &fixture.app);
  px_test_harness_free (harness);

  return status;
}
