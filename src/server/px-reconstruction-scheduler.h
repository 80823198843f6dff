/* px-reconstruction-scheduler.h: rig publishers turned into volumetric frames
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The server hands the scheduler every rig calibration and every frame of
 * a rig publisher's camera streams (PROTOCOL.md §13). Frames are decoded
 * in order on a serial worker per publisher, assembled into frame sets by
 * capture time, and the sets are reconstructed on a shared worker pool;
 * when the pool is behind, a newer set replaces one still waiting. Results
 * come back as signals on the GMainContext that was the thread default
 * when the scheduler was created.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "net/px-wire.h"

G_BEGIN_DECLS

#define PX_RECONSTRUCTION_ERROR (px_reconstruction_error_quark ())

typedef enum
{
  PX_RECONSTRUCTION_ERROR_INVALID_CALIBRATION,
} PxReconstructionError;

/* Stages whose time the scheduler adds up, in pipeline order. */
typedef enum
{
  PX_RECONSTRUCTION_STAGE_DECODE,
  PX_RECONSTRUCTION_STAGE_GREY,
  PX_RECONSTRUCTION_STAGE_RECTIFY,
  PX_RECONSTRUCTION_STAGE_STEREO,
  PX_RECONSTRUCTION_STAGE_DEPTH,
  PX_RECONSTRUCTION_STAGE_SEGMENT,
  PX_RECONSTRUCTION_STAGE_DEPTH_CODING,
  PX_RECONSTRUCTION_N_STAGES,
} PxReconstructionStage;

typedef struct
{
  guint64 sets_in;            /* complete frame sets assembled */
  guint64 sets_reconstructed; /* turned into volumetric frames */
  guint64 sets_stale;         /* replaced by a newer set while waiting for the pool */
  guint64 sets_failed;        /* frames that could not be decoded or did not fit the rig */
  double  stage_seconds[PX_RECONSTRUCTION_N_STAGES];
  guint64 stage_count[PX_RECONSTRUCTION_N_STAGES];
  guint64 depth_raw_bytes;    /* 16-bit millimetre grids before coding */
  guint64 depth_coded_bytes;
} PxReconstructionStats;

#define PX_TYPE_RECONSTRUCTION_SCHEDULER (px_reconstruction_scheduler_get_type ())

G_DECLARE_FINAL_TYPE (PxReconstructionScheduler, px_reconstruction_scheduler,
                      PX, RECONSTRUCTION_SCHEDULER, GObject)

GQuark       px_reconstruction_error_quark (void);

const char  *px_reconstruction_stage_to_string (PxReconstructionStage stage);

/* A pool of @n_threads workers (0: one per core). */
PxReconstructionScheduler *px_reconstruction_scheduler_new (guint n_threads);

/* Checks a rig calibration (the "data" of a calibration message) against
 * the streams @publisher announced and starts reconstructing it, replacing
 * any earlier calibration of that publisher; @calibration_id goes into
 * every volumetric frame made with it. On error the publisher is no longer
 * reconstructed. */
gboolean     px_reconstruction_scheduler_configure (PxReconstructionScheduler *self,
                                                    guint32                    publisher,
                                                    JsonObject                *data,
                                                    JsonArray                 *streams,
                                                    guint32                    calibration_id,
                                                    GError                   **error);

/* Forgets @publisher (it left, or sent a calibration without a rig). */
void         px_reconstruction_scheduler_remove    (PxReconstructionScheduler *self,
                                                    guint32                    publisher);

/* Offers one received frame; frames of streams that are not a camera of a
 * configured rig are ignored. Returns whether it was taken. */
gboolean     px_reconstruction_scheduler_push      (PxReconstructionScheduler *self,
                                                    guint32                    publisher,
                                                    const PxWireHeader        *header,
                                                    GBytes                    *payload);

/* The stream whose keyframe a receiver of @stream (the volumetric one)
 * needs: the left camera's; @stream itself for any other. */
guint32      px_reconstruction_scheduler_map_keyframe_stream (PxReconstructionScheduler *self,
                                                              guint32                    publisher,
                                                              guint32                    stream);

/* The largest binary message a volumetric frame may be (the server's
 * max_payload_bytes, which receivers also accept); 0: no limit. */
void         px_reconstruction_scheduler_set_max_frame_bytes (PxReconstructionScheduler *self,
                                                              gsize                      max_frame_bytes);

/* While held, no frame set starts reconstructing: sets keep arriving and
 * replacing each other as when the pool is busy. Releasing starts the
 * latest waiting set of each publisher. */
void         px_reconstruction_scheduler_set_held  (PxReconstructionScheduler *self,
                                                    gboolean                   held);

/* Stops the workers, waiting for the sets being reconstructed; nothing is
 * emitted afterwards. Also done on dispose. */
void         px_reconstruction_scheduler_shutdown  (PxReconstructionScheduler *self);

void         px_reconstruction_scheduler_get_stats (PxReconstructionScheduler *self,
                                                    PxReconstructionStats     *stats);

/* Appends the parallax_volumetric_* metrics in Prometheus text format. */
void         px_reconstruction_scheduler_render_metrics (PxReconstructionScheduler *self,
                                                         GString                   *out);

G_END_DECLS
