/* px-participant-private.h: the frames a participant hands the renderer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "render/px-participant.h"

G_BEGIN_DECLS

/* A view as stored: planes packed (stride = width of the plane) and depth
 * cleaned (anything not a positive finite number is 0). */
typedef struct
{
  PxCameraModel camera;
  PxColorFormat format;
  int width;
  int height;
  guint8 *planes[3];
  int strides[3];
  float *depth;
  int depth_width;
  int depth_height;
  /* The grid cells with any depth, as the vertex indices that draw them
   * (cell × 6 + corner): empty space costs the GPU nothing. */
  guint32 *indices;
  guint n_indices;
} PxStoredView;

/* Where the participant stands in their own frame, for the layout:
 * a horizontal box, a height above the floor and the side the cameras
 * (the person's front) are on. */
typedef struct
{
  double min[3];
  double max[3];
  double front[2];  /* unit x, z direction towards the cameras */
} PxParticipantExtent;

/* Immutable once published; shared between the producer and the renderer. */
typedef struct
{
  gatomicrefcount ref_count;
  guint64 generation;
  PxParticipantKind kind;
  guint n_views;
  PxStoredView views[PX_PARTICIPANT_MAX_VIEWS];
  double panel_height;
  gboolean has_extent;
  PxParticipantExtent extent;
} PxParticipantFrame;

PxParticipantFrame *px_participant_frame_ref   (PxParticipantFrame *frame);
void                px_participant_frame_unref (PxParticipantFrame *frame);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PxParticipantFrame, px_participant_frame_unref)

/* The latest frame (a new reference), or NULL before the first one. */
PxParticipantFrame *px_participant_dup_frame   (PxParticipant      *self);

G_END_DECLS
