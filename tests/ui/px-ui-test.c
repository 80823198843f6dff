/* px-ui-test.c: what the app's UI tests share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "px-ui-test.h"

void
px_ui_test_wait_for (PxUiTestCondition  condition,
                     gpointer           data,
                     guint              seconds,
                     const char        *what)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out after %u s waiting for %s", seconds, what);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

void
px_ui_test_spin (guint ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) ms * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static void
save (GdkTexture *texture,
      const char *dir,
      const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("Screenshot: %s", path);
}

GdkTexture *
px_ui_test_screenshot (GtkWidget  *widget,
                       const char *name,
                       gboolean    publish)
{
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GskRenderNode) node = NULL;
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  const char *output = g_getenv ("PX_TEST_OUTPUT");
  GdkTexture *texture;

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);

  /* A widget that has not drawn yet gives no node: wait for its frame. */
  while (node == NULL)
    {
      g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();

      gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
      node = gtk_snapshot_to_node (snapshot);
      if (node != NULL)
        break;
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for the window to draw %s", name);
      px_ui_test_spin (20);
    }

  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)),
                                         node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  save (texture, output != NULL ? output : ".", name);
  if (publish && g_getenv ("PX_SOURCE_DIR") != NULL)
    {
      g_autofree char *dir = g_build_filename (g_getenv ("PX_SOURCE_DIR"), "data", "screenshots",
                                               NULL);

      save (texture, dir, name);
    }
  return texture;
}

guint8 *
px_ui_test_download (GdkTexture *texture)
{
  gsize stride = (gsize) gdk_texture_get_width (texture) * 4;
  guint8 *pixels = g_malloc (stride * gdk_texture_get_height (texture));

  gdk_texture_download (texture, pixels, stride);
  return pixels;
}

void
px_ui_test_quit_app (GApplication **app)
{
  g_return_if_fail (app != NULL && G_IS_APPLICATION (*app));

  g_dbus_connection_set_exit_on_close (g_application_get_dbus_connection (*app), FALSE);
  g_action_group_activate_action (G_ACTION_GROUP (*app), "quit", NULL);
  px_ui_test_spin (300);
  g_clear_object (app);
  gdk_display_close (gdk_display_get_default ());
}
