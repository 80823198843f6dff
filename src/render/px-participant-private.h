/* px-participant-private.h: the frames a participant hands the renderer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "render/px-participant.h"

G_BEGIN_DECLS

/* A view as stored: planes packed (stride = width of the plane) and depth
 * cleaned (anything not a positive finite number is 0). I420 is stored as
 * two planes, Y and the U and V samples interleaved (planes[2] is NULL):
 * one texture fetch less per pixel drawn, which a software rasterizer
 * feels. */
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
  /* The triangles of the depth grid that are a surface, three indices of
   * depth samples (y × depth_width + x) each: every sample is shaded once
   * however many triangles share it, and empty space or a tear costs the
   * GPU nothing. */
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

/* A surface steeper than about 85° to a camera is a depth jump, not a
 * surface: tan (85°) ≈ 11.4 grid steps of relative depth change. Steep but
 * real surfaces (a forearm pointing at the camera) stay whole; a hand
 * 20 cm in front of a chest at 1.5 m is still a jump of 13 %. */
#define PX_TEAR_SLOPE 11.4
#define PX_TEAR_MIN 0.03

PxParticipantFrame *px_participant_frame_ref   (PxParticipantFrame *frame);
void                px_participant_frame_unref (PxParticipantFrame *frame);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PxParticipantFrame, px_participant_frame_unref)

/* The latest frame (a new reference), or NULL before the first one. */
PxParticipantFrame *px_participant_dup_frame   (PxParticipant      *self);

G_END_DECLS
