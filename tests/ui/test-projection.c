/* test-projection.c: projection mode and the stage with a participant
 *
 * Runs PxApplication on a private X server: a synthetic participant stands
 * on the stage (a screenshot is written), the "not life-size" indicator
 * follows the stage, F5's action makes the only display's stage
 * full-screen, a display picked from the list gets a borderless
 * full-screen projection window whose stage is sized for that display,
 * Escape leaves, and a display that goes away ends its projection.
 *
 * Xvfb gives GTK one monitor only, so the cases with several monitors run
 * in a subprocess on a private Xorg server (dummy video driver) whose RandR
 * outputs are separate monitors that the test plugs in and out: F5 lands
 * full-screen on the monitor the main window is not on, a monitor picked
 * by name gets it, and unplugging or plugging monitors while projecting
 * moves or ends projection without disturbing the main window.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <math.h>

#include "px-application.h"
#include "px-preferences-window.h"
#include "px-projection-window.h"
#include "px-test-harness.h"
#include "px-ui-test.h"
#include "px-window.h"

#define WAIT_SECONDS 30

static PxApplication *app;
static PxWindow *window;
static PxParticipant *person;

#define wait_for(condition, data, what) \
  px_ui_test_wait_for ((condition), (data), WAIT_SECONDS, (what))

static void
settle (void)
{
  for (int i = 0; i < 50; i++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (2000);
    }
}

static gboolean
widget_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data));
}

typedef struct
{
  PxStage *stage;
  guint before;
} DrawWait;

static gboolean
stage_drew (gpointer data)
{
  DrawWait *wait = data;

  return px_stage_get_frames_drawn (wait->stage) > wait->before;
}

static void
wait_for_draw (PxStage *stage)
{
  DrawWait wait = { stage, px_stage_get_frames_drawn (stage) };

  gtk_gl_area_queue_render (GTK_GL_AREA (stage));
  gtk_widget_queue_draw (GTK_WIDGET (stage));
  wait_for (stage_drew, &wait, "the stage to draw");
}

static PxProjectionWindow *
find_projection_window (void)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (PX_IS_PROJECTION_WINDOW (l->data))
      return l->data;
  return NULL;
}

static gboolean
no_projection_window (gpointer data)
{
  return find_projection_window () == NULL;
}

static gboolean
projecting (void)
{
  g_autoptr(GVariant) state = g_action_group_get_action_state (G_ACTION_GROUP (window),
                                                               "projection");

  return g_variant_get_boolean (state);
}

static gboolean
window_fullscreen (gpointer data)
{
  return gtk_window_is_fullscreen (GTK_WINDOW (data));
}

static void fill_person (PxParticipant *participant);

/* A 1.75 m tall, 0.5 m wide billboard person 3 m in front of one camera:
 * depth is 3 m across the plane, nothing elsewhere. */
static PxParticipant *
make_person (void)
{
  PxParticipant *participant = px_participant_new (PX_PARTICIPANT_VOLUMETRIC, "synthetic");

  fill_person (participant);
  return participant;
}

static gpointer
refill_cb (gpointer data)
{
  fill_person (PX_PARTICIPANT (data));
  return NULL;
}

static void
fill_person (PxParticipant *participant)
{
  const double eye[3] = { 0.0, 1.0, 3.0 }, target[3] = { 0.0, 1.0, 0.0 };
  const int width = 640, height = 480, grid_width = 160, grid_height = 120;
  g_autofree guint8 *rgba = g_malloc ((gsize) width * height * 4);
  g_autofree float *depth = g_new (float, grid_width * grid_height);
  g_autoptr(GError) error = NULL;
  PxParticipantView view = { 0 };

  view.camera.width = width;
  view.camera.height = height;
  view.camera.fx = view.camera.fy = 600.0;
  view.camera.cx = (width - 1) / 2.0;
  view.camera.cy = (height - 1) / 2.0;
  px_camera_model_look_at (&view.camera, eye, target);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        double point[3];
        guint8 *p = rgba + ((gsize) y * width + x) * 4;
        gboolean on_person;

        px_camera_model_unproject (&view.camera, x, y, 3.0, point);
        on_person = fabs (point[0]) <= 0.25 && point[1] >= 0 && point[1] <= 1.75;
        p[0] = on_person ? 210 : 40;
        p[1] = on_person ? 140 : 40;
        p[2] = on_person ? 60 : 40;
        p[3] = 255;
      }
  for (int y = 0; y < grid_height; y++)
    for (int x = 0; x < grid_width; x++)
      {
        double point[3];

        px_camera_model_unproject (&view.camera, (x + 0.5) * 4 - 0.5, (y + 0.5) * 4 - 0.5,
                                   3.0, point);
        depth[y * grid_width + x] =
          fabs (point[0]) <= 0.25 && point[1] >= 0 && point[1] <= 1.75 ? 3.0f : 0.0f;
      }

  view.color.format = PX_COLOR_FORMAT_RGBA;
  view.color.width = width;
  view.color.height = height;
  view.color.planes[0] = rgba;
  view.color.strides[0] = width * 4;
  view.depth = depth;
  view.depth_width = grid_width;
  view.depth_height = grid_height;
  view.depth_stride = grid_width;
  if (!px_participant_set_views (participant, &view, 1, &error))
    g_error ("%s", error->message);
}

static void
save_screenshot (GtkWidget  *widget,
                 const char *name,
                 guint8      centre_rgb[3])
{
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree guint8 *pixels = NULL;
  gsize stride;

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)),
                                         node, &GRAPHENE_RECT_INIT (0, 0, width, height));

  dir = g_strdup (g_getenv ("PX_TEST_OUTPUT") ? g_getenv ("PX_TEST_OUTPUT") : ".");
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("Screenshot: %s", path);

  stride = (gsize) gdk_texture_get_width (texture) * 4;
  pixels = g_malloc (stride * gdk_texture_get_height (texture));
  gdk_texture_download (texture, pixels, stride);
  {
    /* Cairo's byte order: B, G, R, A on little-endian machines. */
    const guint8 *p = pixels + (gsize) (gdk_texture_get_height (texture) / 2) * stride +
                      (gsize) (gdk_texture_get_width (texture) / 2) * 4;

    centre_rgb[0] = p[2];
    centre_rgb[1] = p[1];
    centre_rgb[2] = p[0];
  }
}

/* Joining is asynchronous: the call page shows once the session joined. */
static gboolean
on_call_page (gpointer data)
{
  return g_strcmp0 (px_window_get_page_name (window), "call") == 0;
}

static void
test_stage_with_participant (void)
{
  g_autoptr(PxJoinTarget) target = px_join_target_new ("", "projection-test", "Presenter");
  PxStage *stage = px_call_page_get_stage (px_window_get_call_page (window));
  GtkLabel *scale_label;
  g_autofree char *expected = NULL;
  double width_mm, height_mm;
  guint8 rgb[3];

  px_window_show_join (window, target);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.join", NULL);
  wait_for (on_call_page, NULL, "the app to join the room on this computer");

  px_stage_add_participant (stage, person);
  px_call_page_set_participants (px_window_get_call_page (window), 1);
  g_assert_cmpuint (g_list_model_get_n_items (px_stage_get_participants (stage)), ==, 1);
  wait_for_draw (stage);
  settle ();

  /* Xvfb at 96 dpi: the stage's glass is its size in pixels at 0.2646 mm. */
  px_stage_get_physical_size (stage, &width_mm, &height_mm);
  g_test_message ("Stage glass %.0f × %.0f mm, scale %.3f", width_mm, height_mm,
                  px_stage_get_scale (stage));
  g_assert_cmpfloat_with_epsilon (width_mm, gtk_widget_get_width (GTK_WIDGET (stage)) * 25.4 / 96,
                                  2.0);
  g_assert_cmpfloat_with_epsilon (height_mm, gtk_widget_get_height (GTK_WIDGET (stage)) * 25.4 / 96,
                                  2.0);

  /* A 1.75 m person does not fit a window of a desktop monitor. */
  g_assert_false (px_stage_get_life_size (px_call_page_get_stage (px_window_get_call_page (window))));
  g_assert_cmpfloat_with_epsilon (px_stage_get_scale (stage), height_mm / 1750.0, 0.01);
  scale_label = GTK_LABEL (gtk_widget_get_template_child (GTK_WIDGET (window), PX_TYPE_WINDOW,
                                                          "scale_label"));
  expected = px_stage_dup_scale_label (stage);
  g_assert_nonnull (expected);
  g_assert_true (g_str_has_prefix (expected, "Not life-size ("));
  g_assert_cmpstr (gtk_label_get_label (scale_label), ==, expected);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (scale_label)));

  /* The person stands in the middle of the stage. */
  save_screenshot (GTK_WIDGET (window), "stage-with-participant.png", rgb);
  g_test_message ("Centre pixel %02x%02x%02x", rgb[0], rgb[1], rgb[2]);
  g_assert_cmpint (ABS (rgb[0] - 210), <=, 12);
  g_assert_cmpint (ABS (rgb[1] - 140), <=, 12);
  g_assert_cmpint (ABS (rgb[2] - 60), <=, 12);
}

static gpointer
publish_frame_thread (gpointer data)
{
  return make_person ();
}

/* A frame arriving on another thread is drawn without anyone asking; an
 * idle stage draws nothing. */
static void
test_new_frame_redraws (void)
{
  PxStage *stage = px_call_page_get_stage (px_window_get_call_page (window));
  g_autoptr(PxParticipant) other = NULL;
  GThread *thread;
  DrawWait wait;
  guint idle_before;

  settle ();
  settle ();
  idle_before = px_stage_get_frames_drawn (stage);
  settle ();
  g_assert_cmpuint (px_stage_get_frames_drawn (stage), ==, idle_before);

  /* A second participant made and filled on a thread, then added. */
  thread = g_thread_new ("decoder", publish_frame_thread, NULL);
  other = g_thread_join (thread);
  wait.stage = stage;
  wait.before = px_stage_get_frames_drawn (stage);
  px_stage_add_participant (stage, other);
  wait_for (stage_drew, &wait, "the stage to draw the new participant");

  /* New frames of a participant already there: drawn by the tick. */
  wait.before = px_stage_get_frames_drawn (stage);
  thread = g_thread_new ("decoder", (GThreadFunc) refill_cb, other);
  g_thread_join (thread);
  wait_for (stage_drew, &wait, "the stage to draw the new frame");

  px_stage_remove_participant (stage, other);
  g_assert_cmpuint (g_list_model_get_n_items (px_stage_get_participants (stage)), ==, 1);
}

static void
test_display_list (void)
{
  GListModel *monitors = gdk_display_get_monitors (gdk_display_get_default ());
  GMenuModel *menu = G_MENU_MODEL (gtk_widget_get_template_child (GTK_WIDGET (window),
                                                                  PX_TYPE_WINDOW, "project_menu"));

  g_assert_cmpint (g_menu_model_get_n_items (menu), ==, g_list_model_get_n_items (monitors));
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *label = NULL;
      g_autofree char *action = NULL;

      g_assert_true (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_LABEL, "s", &label));
      g_assert_true (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_ACTION, "s", &action));
      g_test_message ("Display %d: %s", i, label);
      g_assert_cmpstr (action, ==, "win.project-to");
      /* Names and sizes: Xvfb's 1920 × 1080 at 96 dpi is 508 × 286 mm. */
      g_assert_nonnull (strstr (label, " mm"));
      g_assert_nonnull (strstr (label, "1920 × 1080"));
    }
}

static void
test_f5_single_display (void)
{
  GListModel *monitors = gdk_display_get_monitors (gdk_display_get_default ());
  GtkWidget *header = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (window), PX_TYPE_WINDOW,
                                                                 "call_header"));
  g_auto(GStrv) actions = gtk_application_get_actions_for_accel (GTK_APPLICATION (app), "F5");

  g_assert_cmpuint (g_strv_length (actions), ==, 1);
  g_assert_cmpstr (actions[0], ==, "win.projection");

  if (g_list_model_get_n_items (monitors) != 1)
    {
      g_test_skip ("This display has more than one monitor");
      return;
    }

  g_assert_false (projecting ());
  g_action_group_activate_action (G_ACTION_GROUP (window), "projection", NULL);
  g_assert_true (projecting ());
  /* One display: the main window's stage fills it, no second window. */
  g_assert_null (find_projection_window ());
  g_assert_false (gtk_widget_get_visible (header));
  settle ();

  /* Escape leaves. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.leave-projection", NULL);
  g_assert_false (projecting ());
  g_assert_true (gtk_widget_get_visible (header));

  /* F5 twice: on and off again. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "projection", NULL);
  g_action_group_activate_action (G_ACTION_GROUP (window), "projection", NULL);
  g_assert_false (projecting ());
  g_assert_true (gtk_widget_get_visible (header));
}

static GdkMonitor *
first_monitor (void)
{
  GListModel *monitors = gdk_display_get_monitors (gdk_display_get_default ());
  GdkMonitor *monitor = g_list_model_get_item (monitors, 0);

  g_object_unref (monitor);
  return monitor;
}

static PxProjectionWindow *
project_to (GdkMonitor *monitor)
{
  g_autofree char *key = px_stage_dup_monitor_key (monitor);
  PxProjectionWindow *projection;

  gtk_widget_activate_action (GTK_WIDGET (window), "win.project-to", "s", key);
  g_assert_true (projecting ());
  projection = find_projection_window ();
  g_assert_nonnull (projection);
  wait_for (widget_mapped, projection, "the projection window to map");
  return projection;
}

static void
test_projection_window (void)
{
  GdkMonitor *monitor = first_monitor ();
  PxProjectionWindow *projection = project_to (monitor);
  PxStage *stage = px_projection_window_get_stage (projection);
  GtkLabel *scale_label = GTK_LABEL (gtk_widget_get_template_child (GTK_WIDGET (window),
                                                                    PX_TYPE_WINDOW, "scale_label"));
  g_autofree char *expected = NULL;
  GdkRectangle geometry;
  double width_mm, height_mm;
  guint8 rgb[3];

  /* Borderless and full-screen on the chosen display. */
  g_assert_false (gtk_window_get_decorated (GTK_WINDOW (projection)));
  wait_for (window_fullscreen, projection, "the projection window to be full-screen");
  g_assert_true (px_projection_window_get_monitor (projection) == monitor);
  g_assert_true (gdk_display_get_monitor_at_surface (gdk_display_get_default (),
                                                     gtk_native_get_surface (GTK_NATIVE (projection)))
                 == monitor);

  /* It shows the main stage's people, drawn for that display's glass. */
  g_assert_true (px_stage_get_participants (stage) ==
                 px_stage_get_participants (px_call_page_get_stage (px_window_get_call_page (window))));
  wait_for_draw (stage);
  settle ();
  g_assert_true (px_stage_get_monitor (stage) == monitor);
  gdk_monitor_get_geometry (monitor, &geometry);
  px_stage_get_physical_size (stage, &width_mm, &height_mm);
  g_test_message ("Projection glass %.0f × %.0f mm on %d × %d", width_mm, height_mm,
                  geometry.width, geometry.height);
  g_assert_cmpfloat_with_epsilon (width_mm * geometry.width / MAX (gtk_widget_get_width (GTK_WIDGET (stage)), 1),
                                  gdk_monitor_get_width_mm (monitor), 2.0);

  /* The indicator now speaks for the projection. */
  expected = px_stage_dup_scale_label (stage);
  g_assert_cmpstr (gtk_label_get_label (scale_label), ==, expected != NULL ? expected : "");

  save_screenshot (GTK_WIDGET (projection), "projection-window.png", rgb);
  g_assert_cmpint (ABS (rgb[0] - 210), <=, 12);

  /* Escape closes it and projection ends. */
  gtk_widget_activate_action (GTK_WIDGET (projection), "window.close", NULL);
  wait_for (no_projection_window, NULL, "the projection window to close");
  g_assert_false (projecting ());

  /* A user-entered width for the display wins over what it reports. */
  {
    g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
    g_autofree char *key = px_stage_dup_monitor_key (monitor);
    GVariantBuilder builder;

    g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sd}"));
    g_variant_builder_add (&builder, "{sd}", key, 3000.0);
    g_settings_set_value (settings, "display-widths", g_variant_builder_end (&builder));

    projection = project_to (monitor);
    stage = px_projection_window_get_stage (projection);
    wait_for_draw (stage);
    settle ();
    px_stage_get_physical_size (stage, &width_mm, &height_mm);
    g_test_message ("Projection glass with 3 m entered: %.0f × %.0f mm", width_mm, height_mm);
    g_assert_cmpfloat_with_epsilon (width_mm * geometry.width / gtk_widget_get_width (GTK_WIDGET (stage)),
                                    3000.0, 2.0);
    g_assert_cmpfloat_with_epsilon (height_mm / width_mm,
                                    (double) gtk_widget_get_height (GTK_WIDGET (stage)) /
                                    gtk_widget_get_width (GTK_WIDGET (stage)), 0.01);

    /* F5 (the toggle) also ends a projection window. */
    g_action_group_activate_action (G_ACTION_GROUP (window), "projection", NULL);
    wait_for (no_projection_window, NULL, "the projection window to close");
    g_assert_false (projecting ());
    g_settings_reset (settings, "display-widths");
  }
}

/* The display is unplugged while projecting (GDK invalidates its monitor):
 * the projection window goes, and with no other display projection ends. */
static void
test_display_unplugged (void)
{
  GdkMonitor *monitor = first_monitor ();
  PxProjectionWindow *projection = project_to (monitor);

  g_assert_nonnull (projection);
  g_signal_emit_by_name (monitor, "invalidate");
  wait_for (no_projection_window, NULL, "the projection window to close");
  g_assert_false (projecting ());
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (window)));
}

static GtkSpinButton *
find_display_spin (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkSpinButton *found;

      if (GTK_IS_SPIN_BUTTON (child) && g_object_get_data (G_OBJECT (child), "px-monitor-key"))
        return GTK_SPIN_BUTTON (child);
      found = find_display_spin (child);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static PxPreferencesWindow *
find_preferences (void)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (PX_IS_PREFERENCES_WINDOW (l->data))
      return l->data;
  return NULL;
}

static gboolean
preferences_gone (gpointer data)
{
  return find_preferences () == NULL;
}

/* Preferences has a Displays group: a width per display, remembered by
 * model and connector, and the viewer distance. */
static void
test_preferences_displays (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr(GVariant) widths = NULL;
  g_autofree char *key = px_stage_dup_monitor_key (first_monitor ());
  PxPreferencesWindow *preferences;
  GtkSpinButton *width_spin, *distance_spin;
  double width = 0;
  guint8 rgb[3];

  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  preferences = find_preferences ();
  g_assert_nonnull (preferences);
  wait_for (widget_mapped, preferences, "the preferences window to map");

  width_spin = find_display_spin (GTK_WIDGET (preferences));
  g_assert_nonnull (width_spin);
  g_assert_cmpstr (g_object_get_data (G_OBJECT (width_spin), "px-monitor-key"), ==, key);
  gtk_spin_button_set_value (width_spin, 2400);
  widths = g_settings_get_value (settings, "display-widths");
  g_assert_true (g_variant_lookup (widths, key, "d", &width));
  g_assert_cmpfloat (width, ==, 2400);

  distance_spin = GTK_SPIN_BUTTON (gtk_widget_get_template_child (GTK_WIDGET (preferences),
                                                                  PX_TYPE_PREFERENCES_WINDOW,
                                                                  "viewer_distance_spin"));
  gtk_spin_button_set_value (distance_spin, 3000);
  g_assert_cmpint (g_settings_get_int (settings, "viewer-distance-mm"), ==, 3000);
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (preferences), "displays");
  settle ();
  save_screenshot (GTK_WIDGET (preferences), "preferences-displays.png", rgb);

  /* 0 forgets the display's width: its own report counts again. */
  gtk_spin_button_set_value (width_spin, 0);
  g_clear_pointer (&widths, g_variant_unref);
  widths = g_settings_get_value (settings, "display-widths");
  g_assert_false (g_variant_lookup (widths, key, "d", &width));

  gtk_window_close (GTK_WINDOW (preferences));
  wait_for (preferences_gone, NULL, "the preferences window to close");
  g_settings_reset (settings, "viewer-distance-mm");
}

/* -- Several monitors (a subprocess on Xorg) ------------------------------ */

#define TWO_MONITORS_PATH "/ui/projection/two-monitors"

/* The main window maps at the origin, on the first monitor (no window
 * manager places it elsewhere); the second is a small projector. */
static const PxTestMonitor desk = { 0, 0, 1920, 1080 };
static const PxTestMonitor projector = { 1920, 0, 1280, 720 };
static const PxTestMonitor wall = { 3200, 0, 1024, 768 };

static PxTestHarness *monitors_harness;

static GListModel *
display_monitors (void)
{
  return gdk_display_get_monitors (gdk_display_get_default ());
}

/* The GdkMonitor at @place, or NULL. */
static GdkMonitor *
monitor_at (const PxTestMonitor *place)
{
  GListModel *monitors = display_monitors ();

  for (guint i = 0; i < g_list_model_get_n_items (monitors); i++)
    {
      g_autoptr(GdkMonitor) monitor = g_list_model_get_item (monitors, i);
      GdkRectangle geometry;

      gdk_monitor_get_geometry (monitor, &geometry);
      if (geometry.x == place->x && geometry.y == place->y &&
          geometry.width == (int) place->width && geometry.height == (int) place->height)
        return monitor;
    }
  return NULL;
}

static gboolean
n_monitors_is (gpointer data)
{
  return g_list_model_get_n_items (display_monitors ()) == GPOINTER_TO_UINT (data);
}

static void
plug_monitor (guint                index,
              const PxTestMonitor *place)
{
  guint expected = g_list_model_get_n_items (display_monitors ()) + (place != NULL ? 1 : -1);

  g_assert_true (px_test_harness_set_monitor (monitors_harness, index, place));
  wait_for (n_monitors_is, GUINT_TO_POINTER (expected),
            place != NULL ? "GDK to see the monitor plugged in"
                          : "GDK to see the monitor unplugged");
}

static GdkMonitor *
window_monitor (GtkWindow *window_)
{
  return gdk_display_get_monitor_at_surface (gdk_display_get_default (),
                                             gtk_native_get_surface (GTK_NATIVE (window_)));
}

static GtkWidget *
call_header (void)
{
  return GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (window), PX_TYPE_WINDOW,
                                                    "call_header"));
}

/* Whether a projection window for @data (a GdkMonitor) is mapped and
 * full-screen there: on that monitor and exactly its size. */
static gboolean
projection_on (gpointer data)
{
  GdkMonitor *monitor = data;
  PxProjectionWindow *projection = find_projection_window ();
  GdkRectangle geometry;

  if (projection == NULL || px_projection_window_get_monitor (projection) != monitor ||
      !gtk_widget_get_mapped (GTK_WIDGET (projection)) ||
      !gtk_window_is_fullscreen (GTK_WINDOW (projection)))
    return FALSE;

  gdk_monitor_get_geometry (monitor, &geometry);
  return window_monitor (GTK_WINDOW (projection)) == monitor &&
         gtk_widget_get_width (GTK_WIDGET (projection)) == geometry.width &&
         gtk_widget_get_height (GTK_WIDGET (projection)) == geometry.height;
}

/* Waits for the projection to be full-screen on @monitor, then checks the
 * rest: borderless, its stage drawn for that monitor, the main window
 * unchanged with its controls. */
static PxProjectionWindow *
assert_projecting_on (GdkMonitor *monitor)
{
  PxProjectionWindow *projection;
  PxStage *stage, *main_stage;
  GdkRectangle geometry;
  double width_mm, height_mm;

  g_assert_nonnull (monitor);
  wait_for (projection_on, monitor, "the projection window full-screen on its monitor");
  g_assert_true (projecting ());

  projection = find_projection_window ();
  gdk_monitor_get_geometry (monitor, &geometry);
  g_test_message ("Projecting on %s: %d × %d at %d,%d", gdk_monitor_get_connector (monitor),
                  gtk_widget_get_width (GTK_WIDGET (projection)),
                  gtk_widget_get_height (GTK_WIDGET (projection)), geometry.x, geometry.y);
  g_assert_false (gtk_window_get_decorated (GTK_WINDOW (projection)));

  /* Its stage shows the main stage's people, sized for that monitor. */
  stage = px_projection_window_get_stage (projection);
  main_stage = px_call_page_get_stage (px_window_get_call_page (window));
  g_assert_true (px_stage_get_monitor (stage) == monitor);
  g_assert_true (px_stage_get_participants (stage) == px_stage_get_participants (main_stage));
  wait_for_draw (stage);
  px_stage_get_physical_size (stage, &width_mm, &height_mm);
  g_assert_cmpfloat_with_epsilon (width_mm, gdk_monitor_get_width_mm (monitor), 2.0);

  /* The main window keeps the controls, where it was. */
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (window)));
  g_assert_false (gtk_window_is_fullscreen (GTK_WINDOW (window)));
  g_assert_true (gtk_widget_get_visible (call_header ()));
  g_assert_cmpstr (px_window_get_page_name (window), ==, "call");
  g_assert_true (window_monitor (GTK_WINDOW (window)) == monitor_at (&desk));

  return projection;
}

static void
assert_not_projecting (void)
{
  wait_for (no_projection_window, NULL, "the projection window to close");
  g_assert_false (projecting ());
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (window)));
  g_assert_false (gtk_window_is_fullscreen (GTK_WINDOW (window)));
  g_assert_true (gtk_widget_get_visible (call_header ()));
}

/* Does what pressing @accelerator in the projection window does: the first
 * of its shortcuts for that key whose action can run there (the
 * application's accelerators, for the main window's "win." actions, are
 * attached to every window; the key goes on past those that cannot). */
static void
press_in_projection (PxProjectionWindow *projection,
                     const char         *accelerator)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (projection));

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutAction *action = gtk_shortcut_get_action (shortcut);
          GtkShortcutTrigger *key = gtk_shortcut_get_trigger (shortcut);
          g_autofree char *trigger = gtk_shortcut_trigger_to_string (key);

          if (!g_str_equal (trigger, accelerator))
            continue;
          if (gtk_shortcut_action_activate (action, 0, GTK_WIDGET (projection), NULL))
            {
              g_autofree char *description = gtk_shortcut_action_to_string (action);

              g_test_message ("%s in the projection window: %s", accelerator, description);
              return;
            }
        }
    }
  g_error ("Nothing in the projection window handles %s", accelerator);
}

static void
project_to_key (GdkMonitor *monitor)
{
  g_autofree char *key = px_stage_dup_monitor_key (monitor);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.project-to", "s", key);
}

static void
test_monitors_listed (void)
{
  GMenuModel *menu = G_MENU_MODEL (gtk_widget_get_template_child (GTK_WIDGET (window),
                                                                  PX_TYPE_WINDOW, "project_menu"));
  g_autoptr(PxJoinTarget) target = px_join_target_new ("", "projection-test", "Presenter");
  PxStage *stage = px_call_page_get_stage (px_window_get_call_page (window));

  g_assert_cmpuint (g_list_model_get_n_items (display_monitors ()), ==, 2);
  g_assert_nonnull (monitor_at (&desk));
  g_assert_nonnull (monitor_at (&projector));
  g_assert_true (window_monitor (GTK_WINDOW (window)) == monitor_at (&desk));

  /* One entry per monitor, in order, with its name and size. */
  g_assert_cmpint (g_menu_model_get_n_items (menu), ==, 2);
  for (int i = 0; i < 2; i++)
    {
      g_autoptr(GdkMonitor) monitor = g_list_model_get_item (display_monitors (), i);
      g_autofree char *label = NULL;
      g_autofree char *size = NULL;
      GdkRectangle geometry;

      gdk_monitor_get_geometry (monitor, &geometry);
      size = g_strdup_printf ("%d × %d", geometry.width, geometry.height);
      g_assert_true (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_LABEL, "s",
                                                      &label));
      g_test_message ("Display %d: %s", i, label);
      g_assert_nonnull (strstr (label, size));
      g_assert_nonnull (strstr (label, gdk_monitor_get_connector (monitor)));
    }

  /* In a call with someone on the stage, as a presenter would be. */
  px_window_show_join (window, target);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.join", NULL);
  wait_for (on_call_page, NULL, "the app to join the room on this computer");
  px_stage_add_participant (stage, person);
  wait_for_draw (stage);
}

/* F5 puts the stage on the monitor the main window is not on; Escape or
 * F5 in the projection window, or F5 and Escape in the main window, leave. */
static void
test_f5_other_monitor (void)
{
  GdkMonitor *projector_monitor = monitor_at (&projector);
  PxProjectionWindow *projection;
  guint8 rgb[3];

  g_assert_false (projecting ());
  g_action_group_activate_action (G_ACTION_GROUP (window), "projection", NULL);
  projection = assert_projecting_on (projector_monitor);
  settle ();
  save_screenshot (GTK_WIDGET (projection), "projection-second-monitor.png", rgb);
  g_test_message ("Centre pixel %02x%02x%02x", rgb[0], rgb[1], rgb[2]);
  g_assert_cmpint (ABS (rgb[0] - 210), <=, 12);
  g_assert_cmpint (ABS (rgb[1] - 140), <=, 12);
  g_assert_cmpint (ABS (rgb[2] - 60), <=, 12);

  /* Escape in the projection window. */
  press_in_projection (projection, "Escape");
  assert_not_projecting ();

  /* F5 in the projection window. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "projection", NULL);
  projection = assert_projecting_on (projector_monitor);
  press_in_projection (projection, "F5");
  assert_not_projecting ();

  /* F5 twice in the main window. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "projection", NULL);
  assert_projecting_on (projector_monitor);
  g_action_group_activate_action (G_ACTION_GROUP (window), "projection", NULL);
  assert_not_projecting ();

  /* Escape in the main window. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "projection", NULL);
  assert_projecting_on (projector_monitor);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.leave-projection", NULL);
  assert_not_projecting ();
}

/* A monitor picked from the list gets the projection, even the main
 * window's own; picking another moves it; F5 goes back to the last one
 * picked unless the main window is on it. */
static void
test_project_to_chosen (void)
{
  GdkMonitor *desk_monitor = monitor_at (&desk);
  GdkMonitor *projector_monitor = monitor_at (&projector);
  PxProjectionWindow *first;

  project_to_key (desk_monitor);
  first = assert_projecting_on (desk_monitor);
  g_object_add_weak_pointer (G_OBJECT (first), (gpointer *) &first);

  project_to_key (projector_monitor);
  assert_projecting_on (projector_monitor);
  g_assert_null (first);
  g_assert_cmpuint (g_list_length (gtk_application_get_windows (GTK_APPLICATION (app))), ==, 2);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.leave-projection", NULL);
  assert_not_projecting ();

  /* Remembered: the projector. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "projection", NULL);
  assert_projecting_on (projector_monitor);
  g_action_group_activate_action (G_ACTION_GROUP (window), "projection", NULL);
  assert_not_projecting ();

  /* Remembered: the main window's monitor, which F5 passes over. */
  project_to_key (desk_monitor);
  assert_projecting_on (desk_monitor);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.leave-projection", NULL);
  assert_not_projecting ();
  g_action_group_activate_action (G_ACTION_GROUP (window), "projection", NULL);
  assert_projecting_on (projector_monitor);
  g_action_group_activate_action (G_ACTION_GROUP (window), "projection", NULL);
  assert_not_projecting ();
}

/* Unplugged while projecting with nowhere else to go: projection ends, the
 * main window stays as it was; plugged back, F5 finds it again. */
static void
test_unplugged_ends (void)
{
  GMenuModel *menu = G_MENU_MODEL (gtk_widget_get_template_child (GTK_WIDGET (window),
                                                                  PX_TYPE_WINDOW, "project_menu"));

  g_action_group_activate_action (G_ACTION_GROUP (window), "projection", NULL);
  assert_projecting_on (monitor_at (&projector));

  plug_monitor (1, NULL);
  assert_not_projecting ();
  g_assert_null (monitor_at (&projector));
  g_assert_cmpint (g_menu_model_get_n_items (menu), ==, 1);
  g_assert_true (window_monitor (GTK_WINDOW (window)) == monitor_at (&desk));

  plug_monitor (1, &projector);
  g_assert_cmpint (g_menu_model_get_n_items (menu), ==, 2);
  g_action_group_activate_action (G_ACTION_GROUP (window), "projection", NULL);
  assert_projecting_on (monitor_at (&projector));
  g_action_group_activate_action (G_ACTION_GROUP (window), "projection", NULL);
  assert_not_projecting ();
}

/* A monitor plugged in while projecting joins the list and leaves the
 * projection where it is; unplugging the projection's monitor while
 * another is free moves the projection there. */
static void
test_plugged_and_moved (void)
{
  GMenuModel *menu = G_MENU_MODEL (gtk_widget_get_template_child (GTK_WIDGET (window),
                                                                  PX_TYPE_WINDOW, "project_menu"));
  PxProjectionWindow *projection;

  g_action_group_activate_action (G_ACTION_GROUP (window), "projection", NULL);
  projection = assert_projecting_on (monitor_at (&projector));

  plug_monitor (2, &wall);
  g_assert_cmpint (g_menu_model_get_n_items (menu), ==, 3);
  settle ();
  g_assert_true (find_projection_window () == projection);
  g_assert_true (projection_on (monitor_at (&projector)));

  plug_monitor (1, NULL);
  assert_projecting_on (monitor_at (&wall));
  g_assert_cmpint (g_menu_model_get_n_items (menu), ==, 2);

  /* And the last free monitor going too ends it. */
  plug_monitor (2, NULL);
  assert_not_projecting ();
  g_assert_cmpint (g_menu_model_get_n_items (menu), ==, 1);

  plug_monitor (1, &projector);
}

/* The subprocess: the same application on a display with two monitors. */
static int
run_two_monitors (void)
{
  static const PxTestMonitor monitors[] = { desk, projector };
  int status;

  monitors_harness = px_test_harness_new ();
  if (px_test_harness_start_display_monitors (monitors_harness, monitors,
                                              G_N_ELEMENTS (monitors), 0) == NULL ||
      px_test_harness_start_session_bus (monitors_harness) == NULL)
    {
      px_test_harness_free (monitors_harness);
      g_error ("No Xorg display with two monitors or session bus could be started");
    }

  person = make_person ();
  app = px_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, NULL));
  g_application_activate (G_APPLICATION (app));
  window = PX_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  wait_for (widget_mapped, window, "the main window to map");

  g_test_add_func (TWO_MONITORS_PATH "/monitors-listed", test_monitors_listed);
  g_test_add_func (TWO_MONITORS_PATH "/f5-other-monitor", test_f5_other_monitor);
  g_test_add_func (TWO_MONITORS_PATH "/project-to-chosen", test_project_to_chosen);
  g_test_add_func (TWO_MONITORS_PATH "/unplugged-ends", test_unplugged_ends);
  g_test_add_func (TWO_MONITORS_PATH "/plugged-and-moved", test_plugged_and_moved);

  status = g_test_run ();

  g_clear_object (&person);
  px_ui_test_quit_app ((GApplication **) &app);
  px_test_harness_free (monitors_harness);

  return status;
}

/* In the parent, whose application lives on Xvfb: runs the cases above in
 * a subprocess, where the Xorg display is the default one from the start.
 * Its stderr shows as it comes; on failure GLib adds what it printed. */
static void
test_two_monitors (void)
{
  if (!px_test_require_display_monitors () ||
      !px_test_require_programs ("xrandr", "dbus-daemon", NULL))
    return;

  g_test_trap_subprocess (TWO_MONITORS_PATH, (guint64) px_test_timeout_ms (90000) * 1000,
                          G_TEST_SUBPROCESS_INHERIT_STDERR);
  if (g_test_trap_reached_timeout ())
    g_test_message ("The subprocess on two monitors timed out");
  g_test_trap_assert_passed ();
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

  if (g_test_subprocess ())
    return run_two_monitors ();

  harness = px_test_harness_new ();
  if (!px_test_require_programs ("Xvfb", "dbus-daemon", NULL) ||
      px_test_harness_start_display (harness) == NULL ||
      px_test_harness_start_session_bus (harness) == NULL)
    {
      px_test_harness_free (harness);
      g_test_add_func ("/ui/projection/no-display", skip_without_display);
      g_test_add_func (TWO_MONITORS_PATH, test_two_monitors);
      return g_test_run ();
    }

  person = make_person ();
  app = px_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, NULL));
  g_application_activate (G_APPLICATION (app));
  window = PX_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  wait_for (widget_mapped, window, "the main window to map");

  g_test_add_func ("/ui/projection/stage-with-participant", test_stage_with_participant);
  g_test_add_func ("/ui/projection/new-frame-redraws", test_new_frame_redraws);
  g_test_add_func ("/ui/projection/display-list", test_display_list);
  g_test_add_func ("/ui/projection/f5-single-display", test_f5_single_display);
  g_test_add_func ("/ui/projection/projection-window", test_projection_window);
  g_test_add_func ("/ui/projection/display-unplugged", test_display_unplugged);
  g_test_add_func ("/ui/projection/preferences-displays", test_preferences_displays);
  g_test_add_func (TWO_MONITORS_PATH, test_two_monitors);

  status = g_test_run ();

  g_clear_object (&person);
  px_ui_test_quit_app ((GApplication **) &app);
  px_test_harness_free (harness);

  return status;
}
