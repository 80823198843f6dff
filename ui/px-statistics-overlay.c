/* px-statistics-overlay.c: what is measured of each participant, over the stage
 *
 * One line per other participant: end-to-end latency (capture at their
 * end to shown here), received bitrate, frame rate, loss and the server's
 * reconstruction time for a studio. Every figure is what PxRemoteMedia
 * measured over the last seconds; what was not measured yet shows as "—",
 * never as an estimate. The table is rebuilt every second while shown.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "px-statistics-overlay.h"

#define REFRESH_INTERVAL_S 1
#define NO_FIGURE "—"

struct _PxStatisticsOverlay
{
  GtkWidget parent_instance;

  GtkGrid *grid;
  GtkWidget *empty_label;
  PxCallMedia *call;
  GHashTable *texts;  /* name → char *[PX_N_STATISTICS] */
  guint refresh_id;
};

G_DEFINE_FINAL_TYPE (PxStatisticsOverlay, px_statistics_overlay, GTK_TYPE_WIDGET)

char *
px_statistics_format (const PxRemoteMediaStats *stats,
                      PxStatistic               statistic)
{
  gboolean has_video = stats->video_frames + stats->volumetric_frames > 0;
  guint64 video_total;

  switch (statistic)
    {
    case PX_STATISTIC_LATENCY:
      if (stats->latency_ms <= 0)
        return g_strdup (NO_FIGURE);
      /* TRANSLATORS: a delay in milliseconds */
      return g_strdup_printf (_("%.0f ms"), stats->latency_ms);
    case PX_STATISTIC_BITRATE:
      if (!has_video)
        return g_strdup (NO_FIGURE);
      if (stats->video_kbps >= 1000)
        /* TRANSLATORS: a bitrate in megabits per second */
        return g_strdup_printf (_("%.1f Mbit/s"), stats->video_kbps / 1000.0);
      /* TRANSLATORS: a bitrate in kilobits per second */
      return g_strdup_printf (_("%.0f kbit/s"), stats->video_kbps);
    case PX_STATISTIC_FRAME_RATE:
      if (!has_video)
        return g_strdup (NO_FIGURE);
      /* TRANSLATORS: frames per second */
      return g_strdup_printf (_("%.0f fps"), stats->frame_rate);
    case PX_STATISTIC_LOSS:
      video_total = stats->video_frames + stats->volumetric_frames + stats->video_lost;
      if (video_total == 0 && stats->voice_packets == 0)
        return g_strdup (NO_FIGURE);
      if (video_total == 0)
        /* TRANSLATORS: the share of voice packets lost, in percent */
        return g_strdup_printf (_("voice %.1f %%"), 100.0 * stats->voice_loss);
      if (stats->voice_packets == 0)
        /* TRANSLATORS: the share of video frames lost, in percent */
        return g_strdup_printf (_("video %.1f %%"), 100.0 * stats->video_loss);
      /* TRANSLATORS: the shares of video frames and voice packets lost */
      return g_strdup_printf (_("video %.1f %%, voice %.1f %%"),
                              100.0 * stats->video_loss, 100.0 * stats->voice_loss);
    case PX_STATISTIC_RECONSTRUCTION:
      if (stats->reconstruction_ms <= 0)
        return g_strdup (NO_FIGURE);
      return g_strdup_printf (_("%.0f ms"), stats->reconstruction_ms);
    case PX_N_STATISTICS:
    default:
      g_return_val_if_reached (NULL);
    }
}

static void
texts_free (gpointer data)
{
  char **texts = data;

  for (guint i = 0; i < PX_N_STATISTICS; i++)
    g_free (texts[i]);
  g_free (texts);
}

static void
attach_label (PxStatisticsOverlay *self,
              const char          *text,
              int                  column,
              int                  row,
              gboolean             heading)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), column == 0 ? 0.0f : 1.0f);
  gtk_widget_add_css_class (label, heading ? "heading" : "numeric");
  if (column == 0 && !heading)
    {
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 20);
    }
  gtk_grid_attach (self->grid, label, column, row, 1, 1);
}

void
px_statistics_overlay_refresh (PxStatisticsOverlay *self)
{
  static const char *headings[PX_N_STATISTICS] = {
    N_("Latency"), N_("Bitrate"), N_("Frame rate"), N_("Loss"), N_("Reconstruction"),
  };
  g_autoptr(GPtrArray) remotes = NULL;
  GtkWidget *child;

  g_return_if_fail (PX_IS_STATISTICS_OVERLAY (self));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->grid))) != NULL)
    gtk_grid_remove (self->grid, child);
  g_hash_table_remove_all (self->texts);

  remotes = self->call != NULL ? px_call_media_list_remotes (self->call)
                               : g_ptr_array_new ();
  gtk_widget_set_visible (self->empty_label, remotes->len == 0);
  gtk_widget_set_visible (GTK_WIDGET (self->grid), remotes->len > 0);
  if (remotes->len == 0)
    return;

  attach_label (self, _("Participant"), 0, 0, TRUE);
  for (guint i = 0; i < PX_N_STATISTICS; i++)
    attach_label (self, _(headings[i]), (int) i + 1, 0, TRUE);

  for (guint r = 0; r < remotes->len; r++)
    {
      PxRemoteMedia *remote = g_ptr_array_index (remotes, r);
      const char *name = px_session_participant_get_name (px_remote_media_get_participant (remote));
      char **texts = g_new0 (char *, PX_N_STATISTICS);
      PxRemoteMediaStats stats;

      px_remote_media_get_stats (remote, &stats);
      attach_label (self, name, 0, (int) r + 1, FALSE);
      for (guint i = 0; i < PX_N_STATISTICS; i++)
        {
          texts[i] = px_statistics_format (&stats, i);
          attach_label (self, texts[i], (int) i + 1, (int) r + 1, FALSE);
        }
      g_hash_table_replace (self->texts, g_strdup (name), texts);
    }
}

static gboolean
refresh_cb (gpointer user_data)
{
  px_statistics_overlay_refresh (PX_STATISTICS_OVERLAY (user_data));
  return G_SOURCE_CONTINUE;
}

void
px_statistics_overlay_set_call_media (PxStatisticsOverlay *self,
                                      PxCallMedia         *call)
{
  g_return_if_fail (PX_IS_STATISTICS_OVERLAY (self));
  g_return_if_fail (call == NULL || PX_IS_CALL_MEDIA (call));

  if (g_set_object (&self->call, call))
    px_statistics_overlay_refresh (self);
}

guint
px_statistics_overlay_get_n_rows (PxStatisticsOverlay *self)
{
  g_return_val_if_fail (PX_IS_STATISTICS_OVERLAY (self), 0);
  return g_hash_table_size (self->texts);
}

const char *
px_statistics_overlay_get_text (PxStatisticsOverlay *self,
                                const char          *name,
                                PxStatistic          statistic)
{
  char **texts;

  g_return_val_if_fail (PX_IS_STATISTICS_OVERLAY (self), NULL);
  g_return_val_if_fail (statistic < PX_N_STATISTICS, NULL);

  texts = g_hash_table_lookup (self->texts, name);
  return texts != NULL ? texts[statistic] : NULL;
}

static void
px_statistics_overlay_map (GtkWidget *widget)
{
  PxStatisticsOverlay *self = PX_STATISTICS_OVERLAY (widget);

  GTK_WIDGET_CLASS (px_statistics_overlay_parent_class)->map (widget);

  px_statistics_overlay_refresh (self);
  if (self->refresh_id == 0)
    self->refresh_id = g_timeout_add_seconds (REFRESH_INTERVAL_S, refresh_cb, self);
}

static void
px_statistics_overlay_unmap (GtkWidget *widget)
{
  PxStatisticsOverlay *self = PX_STATISTICS_OVERLAY (widget);

  g_clear_handle_id (&self->refresh_id, g_source_remove);

  GTK_WIDGET_CLASS (px_statistics_overlay_parent_class)->unmap (widget);
}

static void
px_statistics_overlay_dispose (GObject *object)
{
  PxStatisticsOverlay *self = PX_STATISTICS_OVERLAY (object);
  GtkWidget *child;

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_clear_object (&self->call);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (px_statistics_overlay_parent_class)->dispose (object);
}

static void
px_statistics_overlay_finalize (GObject *object)
{
  PxStatisticsOverlay *self = PX_STATISTICS_OVERLAY (object);

  g_hash_table_unref (self->texts);

  G_OBJECT_CLASS (px_statistics_overlay_parent_class)->finalize (object);
}

static void
px_statistics_overlay_class_init (PxStatisticsOverlayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = px_statistics_overlay_dispose;
  object_class->finalize = px_statistics_overlay_finalize;
  widget_class->map = px_statistics_overlay_map;
  widget_class->unmap = px_statistics_overlay_unmap;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "statisticsoverlay");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
px_statistics_overlay_init (PxStatisticsOverlay *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *title = gtk_label_new (_("Statistics"));

  self->texts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, texts_free);

  gtk_label_set_xalign (GTK_LABEL (title), 0.0f);
  gtk_widget_add_css_class (title, "heading");
  gtk_box_append (GTK_BOX (box), title);

  self->empty_label = gtk_label_new (_("Nobody else is in the meeting yet."));
  gtk_label_set_xalign (GTK_LABEL (self->empty_label), 0.0f);
  gtk_widget_add_css_class (self->empty_label, "dim-label");
  gtk_box_append (GTK_BOX (box), self->empty_label);

  self->grid = GTK_GRID (gtk_grid_new ());
  gtk_grid_set_column_spacing (self->grid, 18);
  gtk_grid_set_row_spacing (self->grid, 4);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->grid));

  gtk_widget_add_css_class (box, "osd");
  gtk_widget_add_css_class (box, "statistics");
  gtk_widget_set_parent (box, GTK_WIDGET (self));
  gtk_widget_set_can_target (GTK_WIDGET (self), FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Statistics"), -1);
}

GtkWidget *
px_statistics_overlay_new (void)
{
  return g_object_new (PX_TYPE_STATISTICS_OVERLAY, NULL);
}
