/* px-stage.c: the GL area where participants stand
 *
 * The stage asks for an OpenGL 3.3 core context and falls back to OpenGL ES
 * 3.0 where desktop GL is not offered (some ARM boards, some remote
 * sessions). The renderer of src/render/ draws the people into it.
 *
 * Life-size needs the physical size of the widget: the monitor the window
 * is on says how many millimetres its pixels are (or the user says so in
 * Preferences, since projectors and wall displays report nonsense), and
 * the widget's share of the monitor gives the size of the glass the
 * people stand behind. It is recomputed when the window moves to another
 * monitor, when the widget is resized and when the preferences change.
 *
 * Frames arrive from decoder threads into the participants; a tick
 * callback asks for a new render only when one of them has a new frame,
 * so an idle stage draws nothing, and the main thread only uploads.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <epoxy/gl.h>
#include <glib/gi18n.h>
#include <math.h>

#include "render/px-stage-renderer.h"
#include "px-stage.h"

/* #1e1f24, a dark grey: reads as a dim room behind the people, and keeps
 * projectors from washing the wall out. GtkGLArea's framebuffer stores
 * sRGB-encoded values as they are, so these are the encoded values. */
#define PX_STAGE_BACKGROUND_R (0x1e / 255.0f)
#define PX_STAGE_BACKGROUND_G (0x1f / 255.0f)
#define PX_STAGE_BACKGROUND_B (0x24 / 255.0f)

/* What X11 and Wayland assume when a monitor does not say. */
#define PX_STAGE_FALLBACK_MM_PER_PX (25.4 / 96.0)
#define PX_STAGE_DEFAULT_VIEWER_MM 700.0

struct _PxStage
{
  GtkGLArea parent_instance;

  char *gl_description;
  gboolean uses_es;
  guint frames_drawn;

  PxStageRenderer *renderer;
  GListStore *participants;
  GPtrArray *shown;  /* PxParticipant in the renderer, in order */
  gulong participants_changed_id;
  GSettings *settings;

  GdkMonitor *fixed_monitor;  /* set by the projection window */
  GdkMonitor *monitor;        /* the one the size comes from */
  GdkSurface *surface;
  gulong enter_monitor_id;
  double width_mm;
  double height_mm;
  double viewer_mm;
  double fit_height_mm;    /* > 0: a scaled-down room of this height, not life-size */

  guint tick_id;
  gboolean has_self_view;
  guint notify_idle_id;
  gboolean render_failed;
};

G_DEFINE_FINAL_TYPE (PxStage, px_stage, GTK_TYPE_GL_AREA)

enum {
  PROP_0,
  PROP_GL_DESCRIPTION,
  PROP_SCALE,
  PROP_LIFE_SIZE,
  PROP_MONITOR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GdkGLContext *
px_stage_try_context (GdkSurface  *surface,
                      gboolean     use_es,
                      GError     **error)
{
  g_autoptr(GdkGLContext) context = gdk_surface_create_gl_context (surface, error);

  if (context == NULL)
    return NULL;

  if (use_es)
    {
      gdk_gl_context_set_allowed_apis (context, GDK_GL_API_GLES);
      gdk_gl_context_set_required_version (context, 3, 0);
    }
  else
    {
      gdk_gl_context_set_allowed_apis (context, GDK_GL_API_GL);
      gdk_gl_context_set_required_version (context, 3, 3);
    }

  if (!gdk_gl_context_realize (context, error))
    return NULL;

  return g_steal_pointer (&context);
}

static GdkGLContext *
px_stage_create_context (GtkGLArea *area)
{
  GtkNative *native = gtk_widget_get_native (GTK_WIDGET (area));
  GdkSurface *surface = gtk_native_get_surface (native);
  g_autoptr(GError) gl_error = NULL;
  g_autoptr(GError) es_error = NULL;
  GdkGLContext *context;

  context = px_stage_try_context (surface, FALSE, &gl_error);
  if (context != NULL)
    return context;

  g_debug ("OpenGL 3.3 core is not available (%s); trying OpenGL ES 3.0", gl_error->message);
  context = px_stage_try_context (surface, TRUE, &es_error);
  if (context != NULL)
    return context;

  gtk_gl_area_set_error (area, es_error);
  return NULL;
}

/* -- Physical size ------------------------------------------------------- */

/* The name a display is remembered by in the settings: its model and the
 * connector it is plugged into, so two identical projectors in two rooms
 * (on different outputs) can differ, and a monitor keeps its size when
 * the user comes back to it. */
char *
px_stage_dup_monitor_key (GdkMonitor *monitor)
{
  const char *manufacturer, *model, *connector;

  g_return_val_if_fail (GDK_IS_MONITOR (monitor), NULL);

  manufacturer = gdk_monitor_get_manufacturer (monitor);
  model = gdk_monitor_get_model (monitor);
  connector = gdk_monitor_get_connector (monitor);
  return g_strdup_printf ("%s|%s|%s", manufacturer != NULL ? manufacturer : "",
                          model != NULL ? model : "", connector != NULL ? connector : "");
}

/* "DELL U2720Q (DP-1), 597 × 336 mm, 3840 × 2160" for lists. */
char *
px_stage_dup_monitor_label (GdkMonitor *monitor)
{
  const char *manufacturer, *model, *connector;
  g_autofree char *name = NULL;
  GdkRectangle geometry;
  int scale;

  g_return_val_if_fail (GDK_IS_MONITOR (monitor), NULL);

  manufacturer = gdk_monitor_get_manufacturer (monitor);
  model = gdk_monitor_get_model (monitor);
  connector = gdk_monitor_get_connector (monitor);
  gdk_monitor_get_geometry (monitor, &geometry);
  scale = gdk_monitor_get_scale_factor (monitor);

  if (manufacturer != NULL && model != NULL)
    name = g_strdup_printf ("%s %s", manufacturer, model);
  else if (model != NULL || manufacturer != NULL)
    name = g_strdup (model != NULL ? model : manufacturer);
  else
    name = g_strdup (_("Display"));

  /* X servers without EDID call the model after the connector. */
  if (connector != NULL && g_str_equal (name, connector))
    connector = NULL;

  if (connector == NULL && gdk_monitor_get_width_mm (monitor) > 0 &&
      gdk_monitor_get_height_mm (monitor) > 0)
    /* TRANSLATORS: a display: name, physical size, resolution */
    return g_strdup_printf (_("%s, %d × %d mm, %d × %d"), name,
                            gdk_monitor_get_width_mm (monitor), gdk_monitor_get_height_mm (monitor),
                            geometry.width * scale, geometry.height * scale);
  if (connector == NULL)
    /* TRANSLATORS: a display that does not report its physical size */
    return g_strdup_printf (_("%s, %d × %d"), name, geometry.width * scale, geometry.height * scale);

  if (gdk_monitor_get_width_mm (monitor) > 0 && gdk_monitor_get_height_mm (monitor) > 0)
    /* TRANSLATORS: a display: name, connector, physical size, resolution */
    return g_strdup_printf (_("%s (%s), %d × %d mm, %d × %d"), name,
                            connector,
                            gdk_monitor_get_width_mm (monitor), gdk_monitor_get_height_mm (monitor),
                            geometry.width * scale, geometry.height * scale);

  /* TRANSLATORS: a display that does not report its physical size */
  return g_strdup_printf (_("%s (%s), %d × %d"), name, connector,
                          geometry.width * scale, geometry.height * scale);
}

static double
px_stage_user_width_mm (PxStage    *self,
                        GdkMonitor *monitor)
{
  g_autoptr(GVariant) widths = NULL;
  g_autofree char *key = NULL;
  double width = 0.0;

  if (self->settings == NULL)
    return 0.0;

  key = px_stage_dup_monitor_key (monitor);
  widths = g_settings_get_value (self->settings, "display-widths");
  if (!g_variant_lookup (widths, key, "d", &width) || !(width > 0))
    return 0.0;
  return width;
}

/* Millimetres per logical pixel of @monitor, across and down. */
static void
px_stage_monitor_mm_per_px (PxStage    *self,
                            GdkMonitor *monitor,
                            double     *across,
                            double     *down)
{
  GdkRectangle geometry;
  double user_width = px_stage_user_width_mm (self, monitor);
  int width_mm = gdk_monitor_get_width_mm (monitor);
  int height_mm = gdk_monitor_get_height_mm (monitor);
  double pixel_aspect, physical_aspect;

  gdk_monitor_get_geometry (monitor, &geometry);
  *across = *down = PX_STAGE_FALLBACK_MM_PER_PX;
  if (geometry.width <= 0 || geometry.height <= 0)
    return;

  /* What the user measured wins; pixels are square. */
  if (user_width > 0)
    {
      *across = *down = user_width / geometry.width;
      return;
    }

  /* Projectors report 0, 1 cm or 160 × 90 cm for any wall; a size whose
   * shape disagrees with the resolution is not believed either. */
  pixel_aspect = (double) geometry.width / geometry.height;
  physical_aspect = height_mm > 0 ? (double) width_mm / height_mm : 0.0;
  if (width_mm < 100 || height_mm < 50 ||
      fabs (physical_aspect - pixel_aspect) > 0.15 * pixel_aspect)
    return;

  *across = (double) width_mm / geometry.width;
  *down = (double) height_mm / geometry.height;
}

static void
px_stage_update_physical_size (PxStage *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GdkMonitor *monitor = self->fixed_monitor;
  double across = PX_STAGE_FALLBACK_MM_PER_PX, down = PX_STAGE_FALLBACK_MM_PER_PX;
  double width_mm, height_mm;

  if (monitor == NULL && self->surface != NULL)
    monitor = gdk_display_get_monitor_at_surface (gtk_widget_get_display (widget), self->surface);

  if (monitor != NULL)
    px_stage_monitor_mm_per_px (self, monitor, &across, &down);

  width_mm = MAX (gtk_widget_get_width (widget), 1) * across;
  height_mm = MAX (gtk_widget_get_height (widget), 1) * down;
  self->viewer_mm = self->settings != NULL
                    ? g_settings_get_int (self->settings, "viewer-distance-mm")
                    : PX_STAGE_DEFAULT_VIEWER_MM;
  if (self->fit_height_mm > 0)
    {
      /* The whole scene shrinks alike, the viewer's distance with it, so
       * the picture keeps its perspective at a smaller scale. */
      double factor = self->fit_height_mm / height_mm;

      width_mm *= factor;
      height_mm = self->fit_height_mm;
      self->viewer_mm *= factor;
    }

  if (monitor != self->monitor)
    {
      g_set_object (&self->monitor, monitor);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MONITOR]);
    }
  if (fabs (width_mm - self->width_mm) > 0.01 || fabs (height_mm - self->height_mm) > 0.01)
    {
      self->width_mm = width_mm;
      self->height_mm = height_mm;
      g_debug ("Stage glass: %.0f × %.0f mm", width_mm, height_mm);
    }
  gtk_gl_area_queue_render (GTK_GL_AREA (self));
}

static void
px_stage_enter_monitor_cb (PxStage    *self,
                           GdkMonitor *monitor)
{
  px_stage_update_physical_size (self);
}

static void
px_stage_settings_changed_cb (PxStage    *self,
                              const char *key)
{
  px_stage_update_physical_size (self);
}

static void
px_stage_resize (GtkGLArea *area,
                 int        width,
                 int        height)
{
  if (GTK_GL_AREA_CLASS (px_stage_parent_class)->resize != NULL)
    GTK_GL_AREA_CLASS (px_stage_parent_class)->resize (area, width, height);

  px_stage_update_physical_size (PX_STAGE (area));
}

/* -- Participants -------------------------------------------------------- */

static gboolean px_stage_tick_cb (GtkWidget     *widget,
                                  GdkFrameClock *frame_clock,
                                  gpointer       user_data);

/* The frame clock only runs while there is someone whose frames may
 * arrive: an empty stage costs no wake-ups. */
static void
px_stage_update_tick (PxStage *self)
{
  gboolean wanted = gtk_widget_get_mapped (GTK_WIDGET (self)) &&
                    (self->shown->len > 0 || self->has_self_view);

  if (wanted && self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), px_stage_tick_cb, NULL, NULL);
  else if (!wanted && self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
}

/* Few people, rare changes: the renderer's list is rebuilt from the
 * model, which keeps the order exact (a removed participant is already
 * gone from the model when its signal comes, so @shown remembers). */
static void
px_stage_sync_participants (PxStage *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->participants));

  for (guint i = 0; i < self->shown->len; i++)
    px_stage_renderer_remove_participant (self->renderer, g_ptr_array_index (self->shown, i));
  g_ptr_array_set_size (self->shown, 0);

  for (guint i = 0; i < n; i++)
    {
      PxParticipant *participant = g_list_model_get_item (G_LIST_MODEL (self->participants), i);

      px_stage_renderer_add_participant (self->renderer, participant);
      g_ptr_array_add (self->shown, participant);
    }
  px_stage_update_tick (self);
  gtk_gl_area_queue_render (GTK_GL_AREA (self));
}

static void
px_stage_participants_changed_cb (PxStage    *self,
                                  guint       position,
                                  guint       removed,
                                  guint       added,
                                  GListModel *model)
{
  px_stage_sync_participants (self);
}

static void
px_stage_set_participant_store (PxStage    *self,
                                GListStore *store)
{
  if (self->participants != NULL)
    {
      g_clear_signal_handler (&self->participants_changed_id, self->participants);
      g_clear_object (&self->participants);
    }

  self->participants = g_object_ref (store);
  self->participants_changed_id =
    g_signal_connect_object (store, "items-changed",
                             G_CALLBACK (px_stage_participants_changed_cb), self,
                             G_CONNECT_SWAPPED);
  px_stage_sync_participants (self);
}

/* -- Rendering ----------------------------------------------------------- */

static gboolean
px_stage_tick_cb (GtkWidget     *widget,
                  GdkFrameClock *frame_clock,
                  gpointer       user_data)
{
  PxStage *self = PX_STAGE (widget);

  if (px_stage_renderer_has_new_frames (self->renderer))
    gtk_gl_area_queue_render (GTK_GL_AREA (self));
  return G_SOURCE_CONTINUE;
}

static void
px_stage_realize (GtkWidget *widget)
{
  PxStage *self = PX_STAGE (widget);
  GtkGLArea *area = GTK_GL_AREA (widget);
  g_autoptr(GError) renderer_error = NULL;
  GdkGLContext *context;
  GError *error;

  GTK_WIDGET_CLASS (px_stage_parent_class)->realize (widget);

  self->surface = gtk_native_get_surface (gtk_widget_get_native (widget));
  self->enter_monitor_id = g_signal_connect_object (self->surface, "enter-monitor",
                                                    G_CALLBACK (px_stage_enter_monitor_cb),
                                                    self, G_CONNECT_SWAPPED);

  gtk_gl_area_make_current (area);
  error = gtk_gl_area_get_error (area);
  if (error != NULL)
    {
      g_warning ("The stage has no GL context: %s", error->message);
      return;
    }

  context = gtk_gl_area_get_context (area);
  self->uses_es = gdk_gl_context_get_use_es (context);
  g_free (self->gl_description);
  self->gl_description = g_strdup_printf ("%s — %s",
                                          (const char *) glGetString (GL_VERSION),
                                          (const char *) glGetString (GL_RENDERER));
  g_debug ("Stage context: %s", self->gl_description);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GL_DESCRIPTION]);

  if (!px_stage_renderer_realize (self->renderer, &renderer_error))
    g_warning ("The stage cannot draw people: %s", renderer_error->message);

  px_stage_update_physical_size (self);
}

static void
px_stage_unrealize (GtkWidget *widget)
{
  PxStage *self = PX_STAGE (widget);
  GtkGLArea *area = GTK_GL_AREA (widget);

  /* The renderer's GL objects go with the context they live in. */
  if (px_stage_renderer_get_realized (self->renderer))
    {
      gtk_gl_area_make_current (area);
      if (gtk_gl_area_get_error (area) == NULL)
        px_stage_renderer_unrealize (self->renderer);
    }

  if (self->surface != NULL)
    g_clear_signal_handler (&self->enter_monitor_id, self->surface);
  self->surface = NULL;
  g_clear_pointer (&self->gl_description, g_free);

  GTK_WIDGET_CLASS (px_stage_parent_class)->unrealize (widget);
}

static void
px_stage_map (GtkWidget *widget)
{
  PxStage *self = PX_STAGE (widget);

  GTK_WIDGET_CLASS (px_stage_parent_class)->map (widget);
  px_stage_update_tick (self);
}

static void
px_stage_unmap (GtkWidget *widget)
{
  PxStage *self = PX_STAGE (widget);

  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (widget, self->tick_id);
      self->tick_id = 0;
    }
  GTK_WIDGET_CLASS (px_stage_parent_class)->unmap (widget);
}

static gboolean
px_stage_notify_scale_cb (gpointer user_data)
{
  PxStage *self = PX_STAGE (user_data);

  self->notify_idle_id = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCALE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LIFE_SIZE]);
  return G_SOURCE_REMOVE;
}

static gboolean
px_stage_render (GtkGLArea    *area,
                 GdkGLContext *context)
{
  PxStage *self = PX_STAGE (area);
  GtkWidget *widget = GTK_WIDGET (area);
  int scale = gtk_widget_get_scale_factor (widget);
  int width = gtk_widget_get_width (widget) * scale;
  int height = gtk_widget_get_height (widget) * scale;
  double old_scale = px_stage_renderer_get_scale (self->renderer);
  g_autoptr(GError) error = NULL;

  if (px_stage_renderer_get_realized (self->renderer) && width > 0 && height > 0)
    {
      px_stage_renderer_set_screen (self->renderer, self->width_mm / 1000, self->height_mm / 1000);
      px_stage_renderer_set_viewer (self->renderer, 0.0, 0.0, self->viewer_mm / 1000);
      if (!px_stage_renderer_render (self->renderer, width, height, &error) && !self->render_failed)
        {
          g_warning ("The stage cannot draw: %s", error->message);
          self->render_failed = TRUE;
        }
    }
  else
    {
      glClearColor (PX_STAGE_BACKGROUND_R, PX_STAGE_BACKGROUND_G, PX_STAGE_BACKGROUND_B, 1.0f);
      glClearDepthf (1.0f);
      glClear (GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
    }

  /* Told after the frame: listeners change labels, which must not happen
   * while GTK is drawing. */
  if (fabs (old_scale - px_stage_renderer_get_scale (self->renderer)) > 1e-9 &&
      self->notify_idle_id == 0)
    self->notify_idle_id = g_idle_add (px_stage_notify_scale_cb, self);

  self->frames_drawn++;
  return TRUE;
}

/* -- GObject ------------------------------------------------------------- */

static void
px_stage_dispose (GObject *object)
{
  PxStage *self = PX_STAGE (object);

  g_clear_handle_id (&self->notify_idle_id, g_source_remove);
  if (self->participants != NULL)
    g_clear_signal_handler (&self->participants_changed_id, self->participants);
  g_clear_object (&self->participants);
  g_clear_object (&self->fixed_monitor);
  g_clear_object (&self->monitor);

  G_OBJECT_CLASS (px_stage_parent_class)->dispose (object);
}

static void
px_stage_finalize (GObject *object)
{
  PxStage *self = PX_STAGE (object);

  g_free (self->gl_description);
  g_clear_pointer (&self->shown, g_ptr_array_unref);
  g_clear_object (&self->renderer);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (px_stage_parent_class)->finalize (object);
}

static void
px_stage_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  PxStage *self = PX_STAGE (object);

  switch (prop_id)
    {
    case PROP_GL_DESCRIPTION:
      g_value_set_string (value, self->gl_description);
      break;
    case PROP_SCALE:
      g_value_set_double (value, px_stage_get_scale (self));
      break;
    case PROP_LIFE_SIZE:
      g_value_set_boolean (value, px_stage_get_life_size (self));
      break;
    case PROP_MONITOR:
      g_value_set_object (value, self->monitor);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
px_stage_class_init (PxStageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkGLAreaClass *area_class = GTK_GL_AREA_CLASS (klass);

  object_class->dispose = px_stage_dispose;
  object_class->finalize = px_stage_finalize;
  object_class->get_property = px_stage_get_property;

  widget_class->realize = px_stage_realize;
  widget_class->unrealize = px_stage_unrealize;
  widget_class->map = px_stage_map;
  widget_class->unmap = px_stage_unmap;

  area_class->create_context = px_stage_create_context;
  area_class->render = px_stage_render;
  area_class->resize = px_stage_resize;

  properties[PROP_GL_DESCRIPTION] =
    g_param_spec_string ("gl-description", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SCALE] =
    g_param_spec_double ("scale", NULL, NULL, 0.0, 1.0, 1.0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LIFE_SIZE] =
    g_param_spec_boolean ("life-size", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MONITOR] =
    g_param_spec_object ("monitor", NULL, NULL, GDK_TYPE_MONITOR,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "stage");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
px_stage_init (PxStage *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GListStore) store = g_list_store_new (PX_TYPE_PARTICIPANT);

  gtk_gl_area_set_has_depth_buffer (GTK_GL_AREA (self), TRUE);
  gtk_gl_area_set_auto_render (GTK_GL_AREA (self), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Stage"),
                                  -1);

  self->renderer = px_stage_renderer_new ();
  self->shown = g_ptr_array_new_with_free_func (g_object_unref);
  self->width_mm = 1;
  self->height_mm = 1;
  self->viewer_mm = PX_STAGE_DEFAULT_VIEWER_MM;

  /* Without the schema installed (a tool embedding the widget) the stage
   * still works, on the monitors' own sizes. */
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE);
  if (schema != NULL && g_settings_schema_has_key (schema, "display-widths"))
    {
      self->settings = g_settings_new (APPLICATION_ID);
      g_signal_connect_object (self->settings, "changed::display-widths",
                               G_CALLBACK (px_stage_settings_changed_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self->settings, "changed::viewer-distance-mm",
                               G_CALLBACK (px_stage_settings_changed_cb), self,
                               G_CONNECT_SWAPPED);
    }

  px_stage_set_participant_store (self, store);
}

GtkWidget *
px_stage_new (void)
{
  return g_object_new (PX_TYPE_STAGE, NULL);
}

/* The GL version and renderer the stage runs on, for statistics and tests;
 * NULL until the stage is realized, or when it has no context. */
const char *
px_stage_get_gl_description (PxStage *self)
{
  g_return_val_if_fail (PX_IS_STAGE (self), NULL);
  return self->gl_description;
}

gboolean
px_stage_get_uses_es (PxStage *self)
{
  g_return_val_if_fail (PX_IS_STAGE (self), FALSE);
  return self->uses_es;
}

guint
px_stage_get_frames_drawn (PxStage *self)
{
  g_return_val_if_fail (PX_IS_STAGE (self), 0);
  return self->frames_drawn;
}

/* Participants stand left to right in the order they were added. */
void
px_stage_add_participant (PxStage       *self,
                          PxParticipant *participant)
{
  g_return_if_fail (PX_IS_STAGE (self));
  g_return_if_fail (PX_IS_PARTICIPANT (participant));

  if (g_list_store_find (self->participants, participant, NULL))
    return;
  g_list_store_append (self->participants, participant);
}

void
px_stage_remove_participant (PxStage       *self,
                             PxParticipant *participant)
{
  guint position;

  g_return_if_fail (PX_IS_STAGE (self));

  if (g_list_store_find (self->participants, participant, &position))
    g_list_store_remove (self->participants, position);
}

GListModel *
px_stage_get_participants (PxStage *self)
{
  g_return_val_if_fail (PX_IS_STAGE (self), NULL);
  return G_LIST_MODEL (self->participants);
}

/* Shows the same people as @source, following its changes: the
 * projection window's stage mirrors the main window's. */
void
px_stage_share_participants (PxStage *self,
                             PxStage *source)
{
  g_return_if_fail (PX_IS_STAGE (self));
  g_return_if_fail (PX_IS_STAGE (source));

  px_stage_set_participant_store (self, source->participants);
}

/* The user's own camera in a corner, or NULL for none. */
void
px_stage_set_self_view (PxStage       *self,
                        PxParticipant *participant)
{
  g_return_if_fail (PX_IS_STAGE (self));

  px_stage_renderer_set_self_view (self->renderer, participant);
  self->has_self_view = participant != NULL;
  px_stage_update_tick (self);
  gtk_gl_area_queue_render (GTK_GL_AREA (self));
}

/* Takes the physical size from @monitor instead of from wherever the
 * window is: a full-screen projection window knows its surface. */
void
px_stage_set_monitor (PxStage    *self,
                      GdkMonitor *monitor)
{
  g_return_if_fail (PX_IS_STAGE (self));
  g_return_if_fail (monitor == NULL || GDK_IS_MONITOR (monitor));

  g_set_object (&self->fixed_monitor, monitor);
  px_stage_update_physical_size (self);
}

GdkMonitor *
px_stage_get_monitor (PxStage *self)
{
  g_return_val_if_fail (PX_IS_STAGE (self), NULL);
  return self->monitor;
}

/* The size of the glass the stage covers, in millimetres. */
void
px_stage_get_physical_size (PxStage *self,
                            double  *width_mm,
                            double  *height_mm)
{
  g_return_if_fail (PX_IS_STAGE (self));

  if (width_mm != NULL)
    *width_mm = self->width_mm;
  if (height_mm != NULL)
    *height_mm = self->height_mm;
}

/* 1.0 when everyone is life-size, less when they were shrunk to fit. */
double
px_stage_get_scale (PxStage *self)
{
  g_return_val_if_fail (PX_IS_STAGE (self), 1.0);
  return px_stage_renderer_get_scale (self->renderer);
}

gboolean
px_stage_get_life_size (PxStage *self)
{
  g_return_val_if_fail (PX_IS_STAGE (self), TRUE);
  return px_stage_renderer_get_life_size (self->renderer);
}

/* "Not life-size (42 %)", or NULL while everyone is life-size. */
char *
px_stage_dup_scale_label (PxStage *self)
{
  g_return_val_if_fail (PX_IS_STAGE (self), NULL);

  if (px_stage_get_life_size (self))
    return NULL;
  /* TRANSLATORS: the people on the stage were shrunk to this percentage */
  return g_strdup_printf (_("Not life-size (%.0f %%)"), floor (px_stage_get_scale (self) * 100));
}

/* Shows @height_m metres of the room over the widget's height instead of
 * life-size (0 goes back to life-size): for small previews that must show
 * a whole person. */
void
px_stage_set_fit_height (PxStage *self,
                         double   height_m)
{
  g_return_if_fail (PX_IS_STAGE (self));
  g_return_if_fail (height_m >= 0);

  self->fit_height_mm = height_m * 1000;
  px_stage_update_physical_size (self);
}
