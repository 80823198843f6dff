/* px-flow-report.c: a session's flow control, as a bitrate controller reads it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "media/px-flow-report.h"

void
px_flow_report_sample (PxFlowReport *report,
                       PxSession    *session,
                       guint64      *last_dropped)
{
  guint64 dropped;
  gint64 round_trip;

  g_return_if_fail (report != NULL);
  g_return_if_fail (PX_IS_SESSION (session));
  g_return_if_fail (last_dropped != NULL);

  dropped = px_session_get_dropped_frames (session);
  round_trip = px_session_get_round_trip (session);

  /* A fresh join may start the count again. */
  report->frames_dropped = dropped >= *last_dropped
                           ? (guint) MIN (dropped - *last_dropped, G_MAXUINT) : 0;
  *last_dropped = dropped;
  report->bytes_in_flight = px_session_get_in_flight_bytes (session)
                            + px_session_get_queued_bytes (session);
  report->in_flight_budget = PX_FLOW_REPORT_WINDOW_BYTES;
  report->ack_delay_us = round_trip > 0 ? round_trip : -1;
}
