/* px-bitrate-controller.h: the video bitrate a link can carry
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define PX_TYPE_BITRATE_CONTROLLER (px_bitrate_controller_get_type ())

G_DECLARE_FINAL_TYPE (PxBitrateController, px_bitrate_controller, PX, BITRATE_CONTROLLER, GObject)

/* What the sender's flow control saw since the previous report. */
typedef struct
{
  guint  frames_dropped;     /* video frames dropped because the budget was full */
  gsize  bytes_in_flight;    /* sent and not yet acknowledged, now */
  gsize  in_flight_budget;   /* the most the sender lets be in flight */
  gint64 ack_delay_us;       /* send-to-acknowledgement time of the latest ack; < 0 unknown */
} PxFlowReport;

/* A controller starting at @start_kbps, kept within [@min_kbps, @max_kbps].
 * Property "target-kbps" (read-only, notifies) is the bitrate to give the
 * encoder. */
PxBitrateController *px_bitrate_controller_new        (guint                 min_kbps,
                                                       guint                 start_kbps,
                                                       guint                 max_kbps);

/* Feeds one report taken at @now_us (monotonic); call it a few times a
 * second. Returns the new target. */
guint                px_bitrate_controller_update     (PxBitrateController  *self,
                                                       gint64                now_us,
                                                       const PxFlowReport   *report);

/* A new ceiling (kept at or above the minimum); a target above it drops to
 * it at once, a lower one climbs no higher. */
void                 px_bitrate_controller_set_max_kbps    (PxBitrateController *self,
                                                            guint                max_kbps);

guint                px_bitrate_controller_get_target_kbps (PxBitrateController *self);
guint                px_bitrate_controller_get_min_kbps    (PxBitrateController *self);
guint                px_bitrate_controller_get_max_kbps    (PxBitrateController *self);

G_END_DECLS
