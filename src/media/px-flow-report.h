/* px-flow-report.h: a session's flow control, as a bitrate controller reads it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every video publisher (PxLocalMedia, PxRigPublisher) samples its
 * session a few times a second and feeds the result to its
 * PxBitrateController:
 *
 *   px_flow_report_sample (&report, session, &self->last_dropped);
 *   kbps = px_bitrate_controller_update (bitrate, g_get_monotonic_time (), &report);
 */
#pragma once

#include "media/px-bitrate-controller.h"
#include "net/px-session.h"

G_BEGIN_DECLS

/* The server's default flow window (PROTOCOL.md §6): the congestion test
 * of the controller only needs its order of magnitude. */
#define PX_FLOW_REPORT_WINDOW_BYTES (1024 * 1024)

/* Fills @report with what @session's flow control saw since the previous
 * sample. @last_dropped holds the session's count of dropped frames
 * between calls (start it at px_session_get_dropped_frames()). Call it on
 * the session's thread. */
void px_flow_report_sample (PxFlowReport *report,
                            PxSession    *session,
                            guint64      *last_dropped);

G_END_DECLS
