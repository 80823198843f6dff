/* px-statistics-overlay.h: what is measured of each participant, over the stage
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "media/px-call-media.h"

G_BEGIN_DECLS

#define PX_TYPE_STATISTICS_OVERLAY (px_statistics_overlay_get_type ())

G_DECLARE_FINAL_TYPE (PxStatisticsOverlay, px_statistics_overlay, PX, STATISTICS_OVERLAY, GtkWidget)

/* The columns, in order after the name. */
typedef enum
{
  PX_STATISTIC_LATENCY,
  PX_STATISTIC_BITRATE,
  PX_STATISTIC_FRAME_RATE,
  PX_STATISTIC_LOSS,
  PX_STATISTIC_RECONSTRUCTION,
  PX_N_STATISTICS,
} PxStatistic;

GtkWidget  *px_statistics_overlay_new            (void);
void        px_statistics_overlay_set_call_media (PxStatisticsOverlay *self,
                                                  PxCallMedia         *call);
/* Reads every figure again (done every second while shown). */
void        px_statistics_overlay_refresh        (PxStatisticsOverlay *self);

/* How many participants it shows, and what it shows of one ("—" when
 * nothing was measured yet); NULL when there is no such participant. */
guint       px_statistics_overlay_get_n_rows     (PxStatisticsOverlay *self);
const char *px_statistics_overlay_get_text       (PxStatisticsOverlay *self,
                                                  const char          *name,
                                                  PxStatistic          statistic);

/* Formats one figure of @stats as the overlay shows it (a new string). */
char       *px_statistics_format                 (const PxRemoteMediaStats *stats,
                                                  PxStatistic               statistic);

G_END_DECLS
