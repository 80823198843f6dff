/* px-volumetric-receiver.c: one rig publisher's 3D frames, decoded
 *
 * Every colour packet of a payload goes through one VP8 decoder in order:
 * the server sends each of the left camera's packets exactly once, so a
 * packet left undecoded would break the prediction of all that follow.
 * Only the last packet's picture is kept; the depth belongs to it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "media/px-codec-error.h"
#include "media/px-depth-codec.h"
#include "media/px-video-decoder.h"
#include "media/px-volumetric-receiver.h"
#include "recon/px-rig.h"

/* zstd's level only matters for encoding. */
#define DEPTH_CODEC_LEVEL 1

struct _PxVolumetricReceiver
{
  GObject parent_instance;

  gboolean has_calibration;
  guint32 calibration_id;
  guint32 stream;             /* the volumetric stream */
  guint32 colour_stream;      /* the left camera's */
  PxCameraModel camera;
  double volume_min[3];
  double volume_max[3];

  PxVideoDecoder *decoder;
  PxDepthCodec *depth_codec;
};

G_DEFINE_FINAL_TYPE (PxVolumetricReceiver, px_volumetric_receiver, G_TYPE_OBJECT)

enum
{
  SIGNAL_KEYFRAME_NEEDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ------------------------------------------------------------------------ */
/* Views                                                                    */

static void
view_clear (PxVolumetricView *view)
{
  g_clear_pointer (&view->color, px_frame_unref);
  g_clear_pointer (&view->depth, g_free);
}

PxVolumetricView *
px_volumetric_view_ref (PxVolumetricView *view)
{
  g_return_val_if_fail (view != NULL, NULL);

  return g_atomic_rc_box_acquire (view);
}

void
px_volumetric_view_unref (PxVolumetricView *view)
{
  g_return_if_fail (view != NULL);

  g_atomic_rc_box_release_full (view, (GDestroyNotify) view_clear);
}

/* The largest extent (colour pixels) that a whole number of grid cells
 * covers, even for I420. */
static void
crop_to_grid (int  image_size,
              int  grid_size,
              int  step,
              int *cropped_image,
              int *cropped_grid)
{
  int cells = grid_size;

  if (cells * step != image_size)
    {
      cells = MIN (grid_size, image_size / step);
      if ((cells * step) % 2 != 0)
        cells--;
    }
  *cropped_grid = MAX (cells, 0);
  *cropped_image = *cropped_grid * step;
}

void
px_volumetric_view_get_participant_view (const PxVolumetricView *view,
                                         PxParticipantView      *out)
{
  int width, height, grid_width, grid_height;

  g_return_if_fail (view != NULL);
  g_return_if_fail (out != NULL);

  /* The renderer samples depth (x, y) at ((x + 0.5)·w/grid_width − 0.5),
   * which is the wire's (x·step + (step − 1)/2) when the image is exactly
   * grid_width·step wide. The server's last cell may hang over the edge
   * of the image; then the view shows the cells that fit, and a camera
   * cropped to them (same intrinsics: cropping moves no pixel). */
  crop_to_grid ((int) view->color->width, view->depth_width, (int) view->grid_step,
                &width, &grid_width);
  crop_to_grid ((int) view->color->height, view->depth_height, (int) view->grid_step,
                &height, &grid_height);

  memset (out, 0, sizeof *out);
  out->camera = view->camera;
  out->camera.width = width;
  out->camera.height = height;
  out->color.format = PX_COLOR_FORMAT_I420;
  out->color.width = width;
  out->color.height = height;
  for (int i = 0; i < 3; i++)
    {
      out->color.planes[i] = view->color->planes[i];
      out->color.strides[i] = view->color->strides[i];
    }
  out->depth = view->depth;
  out->depth_width = grid_width;
  out->depth_height = grid_height;
  out->depth_stride = view->depth_width;
}

/* ------------------------------------------------------------------------ */
/* Calibration                                                              */

static gboolean
get_uint_member (JsonObject  *object,
                 const char  *name,
                 gint64       fallback,
                 guint32     *value,
                 GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);
  gint64 number;

  if (node == NULL && fallback >= 0)
    {
      *value = (guint32) fallback;
      return TRUE;
    }
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    {
      g_set_error (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_CALIBRATION,
                   "The calibration's \"%s\" must be a whole number", name);
      return FALSE;
    }
  number = json_node_get_int (node);
  if (number < 0 || number > G_MAXUINT32)
    {
      g_set_error (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_CALIBRATION,
                   "The calibration's \"%s\" is out of range: %" G_GINT64_FORMAT, name, number);
      return FALSE;
    }
  *value = (guint32) number;
  return TRUE;
}

static void
decoder_keyframe_needed_cb (PxVideoDecoder       *decoder,
                            PxVolumetricReceiver *self)
{
  g_signal_emit (self, signals[SIGNAL_KEYFRAME_NEEDED], 0);
}

static void
reset_decoder (PxVolumetricReceiver *self)
{
  if (self->decoder != NULL)
    g_signal_handlers_disconnect_by_data (self->decoder, self);
  g_clear_object (&self->decoder);
  self->decoder = px_video_decoder_new ();
  g_signal_connect (self->decoder, "keyframe-needed", G_CALLBACK (decoder_keyframe_needed_cb), self);
}

gboolean
px_volumetric_receiver_set_calibration (PxVolumetricReceiver *self,
                                        JsonObject           *data,
                                        GError              **error)
{
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(PxRig) rig = NULL;
  g_autofree char *rig_text = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *node;
  JsonObject *streams;
  const PxCamera *left, *right;
  guint32 pair, stream, colour_stream, calibration_id;
  PxCameraModel camera;

  g_return_val_if_fail (PX_IS_VOLUMETRIC_RECEIVER (self), FALSE);
  g_return_val_if_fail (data != NULL, FALSE);

  node = json_object_get_member (data, "rig");
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_CALIBRATION,
                           "The calibration has no rig");
      return FALSE;
    }
  generator = json_generator_new ();
  json_generator_set_root (generator, node);
  rig_text = json_generator_to_data (generator, NULL);
  rig = px_rig_new_from_data (rig_text, -1, &local_error);
  if (rig == NULL)
    {
      g_set_error (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_CALIBRATION,
                   "The calibration's rig is not usable: %s", local_error->message);
      return FALSE;
    }

  if (!get_uint_member (data, "calibration_id", -1, &calibration_id, error) ||
      !get_uint_member (data, "volumetric_stream", -1, &stream, error) ||
      !get_uint_member (data, "pair", 0, &pair, error))
    return FALSE;
  if (!px_rig_get_pair (rig, pair, &left, &right))
    {
      g_set_error (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_CALIBRATION,
                   "The rig has no pair %u", pair);
      return FALSE;
    }
  node = json_object_get_member (data, "streams");
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_CALIBRATION,
                           "The calibration's \"streams\" must map camera ids to streams");
      return FALSE;
    }
  streams = json_node_get_object (node);
  if (!get_uint_member (streams, left->id, -1, &colour_stream, error))
    return FALSE;

  px_camera_model_from_rig_camera (left, &camera);
  if (!px_camera_model_validate (&camera, &local_error))
    {
      g_set_error (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_CALIBRATION,
                   "The left camera cannot be drawn: %s", local_error->message);
      return FALSE;
    }

  if (!self->has_calibration || colour_stream != self->colour_stream)
    reset_decoder (self);
  self->has_calibration = TRUE;
  self->calibration_id = calibration_id;
  self->stream = stream;
  self->colour_stream = colour_stream;
  self->camera = camera;
  px_rig_get_capture_volume (rig, self->volume_min, self->volume_max);
  return TRUE;
}

guint32
px_volumetric_receiver_get_stream (PxVolumetricReceiver *self)
{
  g_return_val_if_fail (PX_IS_VOLUMETRIC_RECEIVER (self), 0);

  return self->has_calibration ? self->stream : 0;
}

guint32
px_volumetric_receiver_get_calibration_id (PxVolumetricReceiver *self)
{
  g_return_val_if_fail (PX_IS_VOLUMETRIC_RECEIVER (self), 0);

  return self->calibration_id;
}

/* ------------------------------------------------------------------------ */
/* Frames                                                                   */

/* Samples a grid of @step covers @size pixels with (the server's, which
 * may hang over the edge). */
static guint
grid_cells (guint size,
            guint step)
{
  return (size + step - 1) / step;
}

/* Decodes the payload's colour packets in order; the last one's picture,
 * or NULL (with @error set only when a packet was damaged). */
static PxFrame *
decode_colour (PxVolumetricReceiver      *self,
               const PxVolumetricPayload *payload,
               gint64                     capture_time,
               GError                   **error)
{
  g_autoptr(GError) damage = NULL;
  PxFrame *frame = NULL;

  for (guint i = 0; i < payload->n_packets; i++)
    {
      const PxVolumetricPacket *packet = &payload->packets[i];
      g_autoptr(GError) local_error = NULL;

      /* A packet out of sequence makes the decoder wait for a keyframe. */
      g_clear_pointer (&frame, px_frame_unref);
      frame = px_video_decoder_decode (self->decoder, packet->data, packet->size, packet->sequence,
                                       capture_time, &local_error);
      if (frame == NULL && g_error_matches (local_error, PX_CODEC_ERROR, PX_CODEC_ERROR_CORRUPT))
        {
          g_clear_error (&damage);
          damage = g_steal_pointer (&local_error);
        }
    }

  /* A damaged packet followed by a keyframe that decoded is forgotten. */
  if (frame == NULL && damage != NULL)
    g_propagate_error (error, g_steal_pointer (&damage));
  return frame;
}

PxVolumetricView *
px_volumetric_receiver_push (PxVolumetricReceiver *self,
                             guint32               sequence,
                             guint16               flags,
                             gint64                capture_time,
                             GBytes               *payload,
                             GError              **error)
{
  gint64 received_local = g_get_monotonic_time ();
  g_autoptr(PxFrame) color = NULL;
  g_autofree guint16 *depth_mm = NULL;
  PxVolumetricPayload parsed;
  PxVolumetricView *view;
  const guint8 *data;
  gsize size, n;
  guint width, height;

  g_return_val_if_fail (PX_IS_VOLUMETRIC_RECEIVER (self), NULL);
  g_return_val_if_fail (payload != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (payload, &size);
  if (!px_volumetric_payload_parse (data, size, &parsed, error))
    return NULL;
  if (!self->has_calibration)
    {
      g_set_error (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_CALIBRATION,
                   "A volumetric frame of calibration %u came before any calibration",
                   parsed.calibration_id);
      return NULL;
    }
  if (parsed.calibration_id != self->calibration_id)
    {
      g_set_error (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_CALIBRATION,
                   "A volumetric frame of calibration %u, not %u", parsed.calibration_id,
                   self->calibration_id);
      return NULL;
    }
  if (parsed.colour_stream != self->colour_stream)
    {
      g_set_error (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_CALIBRATION,
                   "A volumetric frame with the colour of stream %u, not %u",
                   parsed.colour_stream, self->colour_stream);
      return NULL;
    }
  if (parsed.grid_width != grid_cells (self->camera.width, parsed.grid_step) ||
      parsed.grid_height != grid_cells (self->camera.height, parsed.grid_step))
    {
      g_set_error (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_INVALID,
                   "A depth grid of %u×%u at step %u does not cover a %d×%d camera",
                   parsed.grid_width, parsed.grid_height, parsed.grid_step,
                   self->camera.width, self->camera.height);
      return NULL;
    }

  /* The colour first: its packets must reach the decoder even when the
   * depth turns out to be damaged. */
  color = decode_colour (self, &parsed, capture_time, error);
  if (color == NULL)
    return NULL;
  if ((int) color->width != self->camera.width || (int) color->height != self->camera.height)
    {
      g_set_error (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_INVALID,
                   "The left camera sends %u×%u, its calibration says %d×%d",
                   color->width, color->height, self->camera.width, self->camera.height);
      return NULL;
    }

  depth_mm = px_depth_codec_decode (self->depth_codec, parsed.depth, parsed.depth_size,
                                    &width, &height, error);
  if (depth_mm == NULL)
    return NULL;
  if (width != parsed.grid_width || height != parsed.grid_height)
    {
      g_set_error (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_INVALID,
                   "The depth is %u×%u, the frame says %u×%u", width, height,
                   parsed.grid_width, parsed.grid_height);
      return NULL;
    }

  view = g_atomic_rc_box_new0 (PxVolumetricView);
  view->color = g_steal_pointer (&color);
  n = (gsize) width * height;
  view->depth = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    view->depth[i] = depth_mm[i] * 0.001f;
  view->depth_width = (int) width;
  view->depth_height = (int) height;
  view->grid_step = parsed.grid_step;
  view->camera = self->camera;
  memcpy (view->volume_min, self->volume_min, sizeof view->volume_min);
  memcpy (view->volume_max, self->volume_max, sizeof view->volume_max);
  view->sequence = sequence;
  view->capture_time = capture_time;
  view->has_timings = parsed.has_timings;
  view->timings = parsed.timings;
  view->received_local = received_local;
  view->decoded_local = g_get_monotonic_time ();
  return view;
}

/* ------------------------------------------------------------------------ */

static void
px_volumetric_receiver_dispose (GObject *object)
{
  PxVolumetricReceiver *self = PX_VOLUMETRIC_RECEIVER (object);

  if (self->decoder != NULL)
    g_signal_handlers_disconnect_by_data (self->decoder, self);
  g_clear_object (&self->decoder);
  g_clear_object (&self->depth_codec);

  G_OBJECT_CLASS (px_volumetric_receiver_parent_class)->dispose (object);
}

static void
px_volumetric_receiver_class_init (PxVolumetricReceiverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = px_volumetric_receiver_dispose;

  /**
   * PxVolumetricReceiver::keyframe-needed:
   *
   * The colour can only be decoded again from a keyframe: ask the
   * publisher for one on the volumetric stream. Emitted when the receiver
   * starts waiting and again every second of capture time while it waits.
   */
  signals[SIGNAL_KEYFRAME_NEEDED] =
    g_signal_new ("keyframe-needed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
px_volumetric_receiver_init (PxVolumetricReceiver *self)
{
  self->depth_codec = px_depth_codec_new (DEPTH_CODEC_LEVEL);
}

PxVolumetricReceiver *
px_volumetric_receiver_new (void)
{
  return g_object_new (PX_TYPE_VOLUMETRIC_RECEIVER, NULL);
}
