/* px-rig-publisher.c: a calibrated camera rig, published for reconstruction
 *
 * Threads: the session's thread owns the session, the cameras and the
 * grouping of their frames. A complete frame set goes to the two encoder
 * threads, one per camera, which encode their frame of it at the same time;
 * the one that finishes second hands both packets back to the session's
 * main context, where they are sent in one go (so a clock update cannot
 * come between them), and starts the set that waited meanwhile. Only one
 * set waits: a newer one replaces it (latest wins).
 *
 * Keyframes: the server needs both cameras decodable from the same
 * instant, so every keyframe, asked for or periodic, is made on both.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "capture/px-camera-source.h"
#include "media/px-bitrate-controller.h"
#include "media/px-flow-report.h"
#include "media/px-rig-publisher.h"
#include "media/px-video-encoder.h"

#define DEFAULT_STEP          4
#define MAX_STEP              64
#define DEFAULT_KBPS          1200
#define MIN_KBPS              150
#define FLOW_CHECK_MS         500
#define DEFAULT_FPS           30.0
/* Subscribers' keyframe requests closer than this share one keyframe. */
#define KEYFRAME_COALESCE_US  (300 * 1000)

typedef struct
{
  PxRigPublisher *self;       /* not a reference: joined before it goes */
  guint index;                /* 0 left, 1 right */
  PxVideoEncoder *encoder;
  GThread *thread;
  PxFrame *input;             /* under the lock */
  PxVideoPacket *output;      /* under the lock */
} CameraEncoder;

struct _PxRigPublisher
{
  GObject parent_instance;

  PxSession *session;
  GMainContext *context;
  PxRig *rig;
  const PxCamera *pair[2];

  PxPipewireConnection *connection;
  char **node_names;
  guint step;
  guint kbps;

  gboolean started;
  guint generation;           /* counts starts: packets of an earlier run are dropped */
  PxCameraSource *cameras[2];
  gulong frame_ready_ids[2];
  gulong ended_ids[2];
  PxFrame *unpaired[2];       /* the newest frame of each camera, not yet in a set */
  PxBitrateController *bitrate;
  guint flow_source;
  guint64 last_dropped;
  gulong keyframe_id;
  gulong state_id;
  gint64 last_forced_keyframe;
  guint64 sets_sent;

  gint camera_off;            /* atomic */
  gint running;               /* atomic: encoder threads keep going while set */
  gint size_warned;           /* atomic */

  GMutex lock;
  GCond cond;
  CameraEncoder encoders[2];
  /* Under the lock: */
  PxFrame *waiting[2];        /* the set that waits for the encoders */
  gint64 waiting_capture_time;
  gint64 waiting_grouped;
  gboolean busy;              /* the encoders have a set */
  guint remaining;            /* encoders still at work on it */
  gint64 capture_time;        /* of the set being encoded */
  gint64 grouped;
  gint64 next_keyframe;       /* capture time from which both make a keyframe */
  gint64 keyframe_interval;   /* µs of capture time; 0: only when asked */
  guint run_generation;
};

G_DEFINE_FINAL_TYPE (PxRigPublisher, px_rig_publisher, G_TYPE_OBJECT)

enum
{
  SIGNAL_SET_SENT,
  SIGNAL_CAMERA_ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const guint32 camera_streams[2] = {
  PX_RIG_PUBLISHER_LEFT_STREAM,
  PX_RIG_PUBLISHER_RIGHT_STREAM,
};

/* Both cameras' packets of one set, on their way to the session. */
typedef struct
{
  PxRigPublisher *self;
  guint generation;
  PxVideoPacket *packets[2];  /* NULL where the rate control skipped the frame */
  PxRigPublisherTimings timings;
} Outgoing;

static void
outgoing_free (gpointer data)
{
  Outgoing *outgoing = data;

  g_object_unref (outgoing->self);
  for (guint i = 0; i < 2; i++)
    g_clear_pointer (&outgoing->packets[i], px_video_packet_unref);
  g_free (outgoing);
}

static void
request_keyframes (PxRigPublisher *self)
{
  for (guint i = 0; i < 2; i++)
    if (self->encoders[i].encoder != NULL)
      px_video_encoder_request_keyframe (self->encoders[i].encoder);
}

static gboolean
send_outgoing_cb (gpointer data)
{
  Outgoing *outgoing = data;
  PxRigPublisher *self = outgoing->self;
  gboolean complete = TRUE;

  if (!self->started || outgoing->generation != self->generation)
    return G_SOURCE_REMOVE;
  /* The camera may have gone off while the set was encoded. */
  if (g_atomic_int_get (&self->camera_off))
    return G_SOURCE_REMOVE;
  if (px_session_get_state (self->session) != PX_SESSION_STATE_JOINED)
    {
      /* What follows could not be decoded without what is lost here. */
      request_keyframes (self);
      return G_SOURCE_REMOVE;
    }

  for (guint i = 0; i < 2; i++)
    {
      PxVideoPacket *packet = outgoing->packets[i];
      g_autoptr(GError) error = NULL;

      if (packet == NULL)
        {
          complete = FALSE;
          continue;
        }
      /* A lone packet still goes: the camera's next frames refer to it. */
      if (!px_session_send_frame (self->session, PX_WIRE_KIND_VIDEO, camera_streams[i],
                                  packet->keyframe ? PX_WIRE_FLAG_KEYFRAME : 0,
                                  (guint32) packet->sequence, outgoing->timings.capture_time,
                                  packet->data, &error))
        {
          g_debug ("Could not send a frame of rig stream %u: %s", camera_streams[i],
                   error->message);
          request_keyframes (self);
          complete = FALSE;
          continue;
        }
      outgoing->timings.bytes += g_bytes_get_size (packet->data);
    }

  if (complete)
    {
      outgoing->timings.sent = g_get_monotonic_time ();
      self->sets_sent++;
      g_signal_emit (self, signals[SIGNAL_SET_SENT], 0, &outgoing->timings);
    }
  return G_SOURCE_REMOVE;
}

/* With the lock held: gives the waiting set to both encoders. */
static void
dispatch_locked (PxRigPublisher *self)
{
  if (self->busy || self->waiting[0] == NULL || !g_atomic_int_get (&self->running))
    return;

  /* Periodic keyframes come on both cameras at once. */
  if (self->keyframe_interval > 0 && self->waiting_capture_time >= self->next_keyframe)
    {
      request_keyframes (self);
      self->next_keyframe = self->waiting_capture_time + self->keyframe_interval;
    }
  for (guint i = 0; i < 2; i++)
    {
      g_clear_pointer (&self->encoders[i].input, px_frame_unref);
      self->encoders[i].input = g_steal_pointer (&self->waiting[i]);
      g_clear_pointer (&self->encoders[i].output, px_video_packet_unref);
    }
  self->capture_time = self->waiting_capture_time;
  self->grouped = self->waiting_grouped;
  self->remaining = 2;
  self->busy = TRUE;
  g_cond_broadcast (&self->cond);
}

/* With the lock held, by the encoder that finished the set last. */
static void
finish_set_locked (PxRigPublisher *self)
{
  Outgoing *outgoing = g_new0 (Outgoing, 1);
  g_autoptr(GSource) source = g_idle_source_new ();

  outgoing->self = g_object_ref (self);
  outgoing->generation = self->run_generation;
  for (guint i = 0; i < 2; i++)
    outgoing->packets[i] = g_steal_pointer (&self->encoders[i].output);
  outgoing->timings.sequence = outgoing->packets[0] != NULL
                               ? (guint32) outgoing->packets[0]->sequence : 0;
  outgoing->timings.capture_time = self->capture_time;
  outgoing->timings.grouped = self->grouped;
  outgoing->timings.encoded = g_get_monotonic_time ();

  /* Above the default so that a busy main loop does not hold media back. */
  g_source_set_priority (source, G_PRIORITY_HIGH_IDLE - 10);
  g_source_set_callback (source, send_outgoing_cb, outgoing, outgoing_free);
  g_source_attach (source, self->context);

  self->busy = FALSE;
  dispatch_locked (self);
}

static gpointer
encoder_thread_func (gpointer data)
{
  CameraEncoder *camera = data;
  PxRigPublisher *self = camera->self;

  g_mutex_lock (&self->lock);
  while (g_atomic_int_get (&self->running))
    {
      g_autoptr(PxFrame) frame = NULL;
      PxVideoPacket *packet;
      g_autoptr(GError) error = NULL;

      if (camera->input == NULL)
        {
          g_cond_wait (&self->cond, &self->lock);
          continue;
        }
      frame = g_steal_pointer (&camera->input);
      g_mutex_unlock (&self->lock);

      packet = px_video_encoder_encode (camera->encoder, frame, &error);
      if (packet == NULL && error != NULL)
        g_warning ("Could not encode a frame of rig camera %s: %s",
                   self->pair[camera->index]->id, error->message);

      g_mutex_lock (&self->lock);
      g_clear_pointer (&camera->output, px_video_packet_unref);
      camera->output = packet;
      if (--self->remaining == 0)
        finish_set_locked (self);
    }
  g_mutex_unlock (&self->lock);
  return NULL;
}

/* Takes both frames. Any thread. */
static void
submit_set (PxRigPublisher *self,
            PxFrame        *left,
            PxFrame        *right,
            gint64          capture_time)
{
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&self->lock);
  if (!g_atomic_int_get (&self->running) || g_atomic_int_get (&self->camera_off))
    {
      g_mutex_unlock (&self->lock);
      px_frame_unref (left);
      px_frame_unref (right);
      return;
    }
  /* Latest wins: a set still waiting is replaced, never queued behind. */
  g_clear_pointer (&self->waiting[0], px_frame_unref);
  g_clear_pointer (&self->waiting[1], px_frame_unref);
  self->waiting[0] = left;
  self->waiting[1] = right;
  self->waiting_capture_time = capture_time;
  self->waiting_grouped = now;
  dispatch_locked (self);
  g_mutex_unlock (&self->lock);
}

static void
clear_waiting (PxRigPublisher *self)
{
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < 2; i++)
    {
      g_clear_pointer (&self->waiting[i], px_frame_unref);
      g_clear_pointer (&self->encoders[i].input, px_frame_unref);
      g_clear_pointer (&self->encoders[i].output, px_video_packet_unref);
    }
  self->busy = FALSE;
  self->remaining = 0;
  g_mutex_unlock (&self->lock);
}

/* ---- PipeWire cameras: grouping frames of one instant ---------------------- */

typedef struct
{
  PxRigPublisher *self;
  GError *error;
} CameraError;

static void
camera_error_free (gpointer data)
{
  CameraError *camera_error = data;

  g_object_unref (camera_error->self);
  g_error_free (camera_error->error);
  g_free (camera_error);
}

static gboolean
emit_camera_error_cb (gpointer data)
{
  CameraError *camera_error = data;

  if (camera_error->self->started)
    g_signal_emit (camera_error->self, signals[SIGNAL_CAMERA_ERROR], 0, camera_error->error);
  return G_SOURCE_REMOVE;
}

/* From the main loop, not from within a camera's signal: a handler may
 * well stop the publisher, and with it the cameras. */
static void
emit_camera_error_later (PxRigPublisher *self,
                         const GError   *error)
{
  CameraError *camera_error = g_new0 (CameraError, 1);
  g_autoptr(GSource) source = g_idle_source_new ();

  camera_error->self = g_object_ref (self);
  camera_error->error = g_error_copy (error);
  g_source_set_callback (source, emit_camera_error_cb, camera_error, camera_error_free);
  g_source_attach (source, self->context);
}

static gboolean
frame_fits (PxRigPublisher *self,
            guint           index,
            PxFrame        *frame)
{
  g_autoptr(GError) error = NULL;

  if (frame->format == PX_PIXEL_FORMAT_I420 && frame->width == self->pair[index]->width
      && frame->height == self->pair[index]->height)
    return TRUE;

  /* The server could not use it with this calibration: say so once. */
  if (g_atomic_int_compare_and_exchange (&self->size_warned, FALSE, TRUE))
    {
      error = g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("Camera “%s” delivers %u×%u, but the rig calibrates it "
                             "at %u×%u"),
                           self->node_names[index], frame->width, frame->height,
                           self->pair[index]->width, self->pair[index]->height);
      emit_camera_error_later (self, error);
    }
  return FALSE;
}

static gint64
frame_interval_us (PxRigPublisher *self)
{
  double fps = 0;

  for (guint i = 0; i < 2; i++)
    if (self->cameras[i] != NULL)
      fps = MAX (fps, px_camera_source_get_fps (self->cameras[i]));
  return (gint64) (G_USEC_PER_SEC / (fps > 0 ? fps : DEFAULT_FPS));
}

static void
group_frames (PxRigPublisher *self)
{
  gint64 t0, t1, half;

  if (self->unpaired[0] == NULL || self->unpaired[1] == NULL)
    return;

  t0 = self->unpaired[0]->capture_time_us;
  t1 = self->unpaired[1]->capture_time_us;
  half = frame_interval_us (self) / 2;
  if (ABS (t0 - t1) <= half)
    {
      /* The earlier time is the nearer to the instant both filmed. */
      submit_set (self, g_steal_pointer (&self->unpaired[0]),
                  g_steal_pointer (&self->unpaired[1]), MIN (t0, t1));
      return;
    }
  /* The older one can have no partner any more: the other camera is past it. */
  g_clear_pointer (&self->unpaired[t0 < t1 ? 0 : 1], px_frame_unref);
}

static void
frame_ready_cb (PxCameraSource *camera,
                PxRigPublisher *self)
{
  guint index = camera == self->cameras[0] ? 0 : 1;
  PxFrame *frame = px_camera_source_take_frame (camera);

  if (frame == NULL)
    return;
  if (g_atomic_int_get (&self->camera_off) || !frame_fits (self, index, frame))
    {
      px_frame_unref (frame);
      return;
    }
  g_clear_pointer (&self->unpaired[index], px_frame_unref);
  self->unpaired[index] = frame;
  group_frames (self);
}

static void
camera_ended_cb (PxCameraSource *camera,
                 const GError   *error,
                 PxRigPublisher *self)
{
  if (error != NULL)
    emit_camera_error_later (self, error);
}

/* ---- the session ------------------------------------------------------------ */

static JsonObject *
make_calibration (PxRigPublisher *self)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *rig_text = px_rig_to_data (self->rig, NULL);
  g_autoptr(GError) error = NULL;
  JsonObject *data, *streams;

  if (!json_parser_load_from_data (parser, rig_text, -1, &error))
    {
      /* PxRig writes what it reads: this would be a bug there. */
      g_critical ("The rig does not serialise: %s", error->message);
      return NULL;
    }
  data = json_object_new ();
  streams = json_object_new ();
  json_object_set_int_member (streams, self->pair[0]->id, PX_RIG_PUBLISHER_LEFT_STREAM);
  json_object_set_int_member (streams, self->pair[1]->id, PX_RIG_PUBLISHER_RIGHT_STREAM);
  json_object_set_member (data, "rig", json_node_copy (json_parser_get_root (parser)));
  json_object_set_object_member (data, "streams", streams);
  json_object_set_int_member (data, "pair", 0);
  json_object_set_int_member (data, "volumetric_stream", PX_RIG_PUBLISHER_VOLUMETRIC_STREAM);
  json_object_set_int_member (data, "step", self->step);
  return data;
}

static void
send_calibration (PxRigPublisher *self)
{
  g_autoptr(JsonObject) data = NULL;

  if (px_session_get_state (self->session) != PX_SESSION_STATE_JOINED)
    return;
  data = make_calibration (self);
  if (data != NULL)
    px_session_send_calibration (self->session, data);
}

static void
publish_mute_state (PxRigPublisher *self)
{
  PxSessionParticipant *local = px_session_get_local_participant (self->session);

  /* The audio state is someone else's (the microphone's publisher): kept. */
  px_session_set_muted (self->session, px_session_participant_get_audio_muted (local),
                        g_atomic_int_get (&self->camera_off));
}

static void
session_state_cb (PxSession      *session,
                  GParamSpec     *pspec,
                  PxRigPublisher *self)
{
  if (!self->started || px_session_get_state (session) != PX_SESSION_STATE_JOINED)
    return;
  /* A fresh join starts without the rig; the same data again is a no-op
   * for the server. The new decoders there start at a keyframe. */
  send_calibration (self);
  request_keyframes (self);
}

static void
keyframe_requested_cb (PxSession      *session,
                       guint           stream,
                       guint           requester,
                       PxRigPublisher *self)
{
  gint64 now = g_get_monotonic_time ();

  /* The volumetric stream's receivers decode the left camera; the server
   * needs both cameras decodable from the same instant. */
  if (stream != PX_RIG_PUBLISHER_LEFT_STREAM && stream != PX_RIG_PUBLISHER_RIGHT_STREAM
      && stream != PX_RIG_PUBLISHER_VOLUMETRIC_STREAM)
    return;
  /* Subscribers whose queues overflow ask again and again, for each
   * stream: one pair of keyframes answers every request of a short while.
   * The server's own requests (requester 0) are always answered. */
  if (requester != 0 && now - self->last_forced_keyframe < KEYFRAME_COALESCE_US)
    return;
  self->last_forced_keyframe = now;
  request_keyframes (self);
}

static gboolean
flow_check_cb (gpointer data)
{
  PxRigPublisher *self = data;
  PxFlowReport report = { 0 };
  guint kbps;

  px_flow_report_sample (&report, self->session, &self->last_dropped);
  kbps = px_bitrate_controller_update (self->bitrate, g_get_monotonic_time (), &report);
  for (guint i = 0; i < 2; i++)
    if (self->encoders[i].encoder != NULL
        && kbps != px_video_encoder_get_bitrate (self->encoders[i].encoder))
      px_video_encoder_set_bitrate (self->encoders[i].encoder, kbps);

  return G_SOURCE_CONTINUE;
}

/* ---- public ----------------------------------------------------------------- */

void
px_rig_publisher_set_cameras (PxRigPublisher       *self,
                              PxPipewireConnection *connection,
                              const char * const   *node_names)
{
  g_return_if_fail (PX_IS_RIG_PUBLISHER (self));
  g_return_if_fail (connection == NULL || PX_IS_PIPEWIRE_CONNECTION (connection));
  g_return_if_fail (node_names == NULL || (node_names[0] != NULL && node_names[1] != NULL));

  g_set_object (&self->connection, connection);
  g_strfreev (self->node_names);
  self->node_names = node_names != NULL
                     ? g_strdupv ((char **) (const char *[]) { node_names[0], node_names[1], NULL })
                     : NULL;
}

void
px_rig_publisher_set_grid_step (PxRigPublisher *self,
                                guint           step)
{
  g_return_if_fail (PX_IS_RIG_PUBLISHER (self));
  g_return_if_fail (step >= 1 && step <= MAX_STEP);

  if (self->step == step)
    return;
  self->step = step;
  /* A different calibration starts a new reconstruction on the server. */
  if (self->started)
    send_calibration (self);
}

void
px_rig_publisher_set_keyframe_interval (PxRigPublisher *self,
                                        guint           interval_ms)
{
  g_return_if_fail (PX_IS_RIG_PUBLISHER (self));

  g_mutex_lock (&self->lock);
  self->keyframe_interval = (gint64) interval_ms * 1000;
  self->next_keyframe = G_MININT64;
  g_mutex_unlock (&self->lock);
}

void
px_rig_publisher_set_bitrate (PxRigPublisher *self,
                              guint           kbps)
{
  g_return_if_fail (PX_IS_RIG_PUBLISHER (self));

  self->kbps = CLAMP (kbps, PX_VIDEO_ENCODER_MIN_BITRATE, PX_VIDEO_ENCODER_MAX_BITRATE);
  g_clear_object (&self->bitrate);
  self->bitrate = px_bitrate_controller_new (MIN (MIN_KBPS, self->kbps), self->kbps, self->kbps);
  for (guint i = 0; i < 2; i++)
    if (self->encoders[i].encoder != NULL)
      px_video_encoder_set_bitrate (self->encoders[i].encoder, self->kbps);
}

static gboolean
start_cameras (PxRigPublisher  *self,
               GError         **error)
{
  if (self->node_names == NULL)
    return TRUE;

  for (guint i = 0; i < 2; i++)
    {
      PxPipewireConnection *connection = self->connection;

      if (connection == NULL)
        connection = px_pipewire_connection_get_for_cameras ();
      self->cameras[i] = px_camera_source_new (connection, self->node_names[i],
                                               self->pair[i]->width, self->pair[i]->height, 0);
      self->frame_ready_ids[i] = g_signal_connect (self->cameras[i], "frame-ready",
                                                   G_CALLBACK (frame_ready_cb), self);
      self->ended_ids[i] = g_signal_connect (self->cameras[i], "ended",
                                             G_CALLBACK (camera_ended_cb), self);
      if (!px_camera_source_start (self->cameras[i], error))
        {
          if (i == 0)
            g_prefix_error (error, _("The rig’s left camera (%s) cannot be opened: "),
                            self->pair[i]->id);
          else
            g_prefix_error (error, _("The rig’s right camera (%s) cannot be opened: "),
                            self->pair[i]->id);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
px_rig_publisher_start (PxRigPublisher  *self,
                        GError         **error)
{
  PxSessionStream streams[3];

  g_return_val_if_fail (PX_IS_RIG_PUBLISHER (self), FALSE);

  if (self->started)
    return TRUE;

  /* The cameras' ids as labels, as the calibration names them. */
  streams[0] = (PxSessionStream) { PX_RIG_PUBLISHER_LEFT_STREAM, PX_WIRE_KIND_VIDEO,
                                   self->pair[0]->id };
  streams[1] = (PxSessionStream) { PX_RIG_PUBLISHER_RIGHT_STREAM, PX_WIRE_KIND_VIDEO,
                                   self->pair[1]->id };
  streams[2] = (PxSessionStream) { PX_RIG_PUBLISHER_VOLUMETRIC_STREAM, PX_WIRE_KIND_DEPTH,
                                   "volumetric" };

  for (guint i = 0; i < 2; i++)
    {
      guint kbps = px_bitrate_controller_get_target_kbps (self->bitrate);

      self->encoders[i].encoder = px_video_encoder_new (kbps);
      /* Periodic keyframes are made here, on both cameras at once. */
      px_video_encoder_set_keyframe_interval (self->encoders[i].encoder, 0);
    }

  if (!start_cameras (self, error))
    goto failed;
  /* Announced beside what else the session publishes (the voice). */
  if (!px_session_set_streams_for (self->session, self, streams, G_N_ELEMENTS (streams), error))
    goto failed;

  self->started = TRUE;
  self->generation++;
  g_atomic_int_set (&self->size_warned, FALSE);
  g_mutex_lock (&self->lock);
  self->run_generation = self->generation;
  self->next_keyframe = G_MININT64;
  g_mutex_unlock (&self->lock);
  g_atomic_int_set (&self->running, TRUE);
  for (guint i = 0; i < 2; i++)
    self->encoders[i].thread = g_thread_new (i == 0 ? "px-rig-encode-l" : "px-rig-encode-r",
                                             encoder_thread_func, &self->encoders[i]);

  self->last_dropped = px_session_get_dropped_frames (self->session);
  {
    g_autoptr(GSource) source = g_timeout_source_new (FLOW_CHECK_MS);

    g_source_set_callback (source, flow_check_cb, self, NULL);
    self->flow_source = g_source_attach (source, self->context);
  }
  send_calibration (self);
  publish_mute_state (self);
  return TRUE;

failed:
  px_rig_publisher_stop (self);
  return FALSE;
}

void
px_rig_publisher_stop (PxRigPublisher *self)
{
  g_return_if_fail (PX_IS_RIG_PUBLISHER (self));

  g_mutex_lock (&self->lock);
  g_atomic_int_set (&self->running, FALSE);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  for (guint i = 0; i < 2; i++)
    g_clear_pointer (&self->encoders[i].thread, g_thread_join);

  if (self->flow_source != 0)
    {
      GSource *source = g_main_context_find_source_by_id (self->context, self->flow_source);

      if (source != NULL)
        g_source_destroy (source);
      self->flow_source = 0;
    }
  for (guint i = 0; i < 2; i++)
    {
      if (self->cameras[i] != NULL)
        {
          g_clear_signal_handler (&self->frame_ready_ids[i], self->cameras[i]);
          g_clear_signal_handler (&self->ended_ids[i], self->cameras[i]);
          px_camera_source_stop (self->cameras[i]);
          g_clear_object (&self->cameras[i]);
        }
      g_clear_pointer (&self->unpaired[i], px_frame_unref);
    }
  clear_waiting (self);
  for (guint i = 0; i < 2; i++)
    g_clear_object (&self->encoders[i].encoder);
  if (self->started)
    px_session_set_streams_for (self->session, self, NULL, 0, NULL);
  self->started = FALSE;
}

void
px_rig_publisher_push_frame_set (PxRigPublisher *self,
                                 PxFrame        *left,
                                 PxFrame        *right)
{
  g_return_if_fail (PX_IS_RIG_PUBLISHER (self));
  g_return_if_fail (left != NULL && right != NULL);
  g_return_if_fail (left->format == PX_PIXEL_FORMAT_I420 && right->format == PX_PIXEL_FORMAT_I420);
  g_return_if_fail (left->width == self->pair[0]->width && left->height == self->pair[0]->height);
  g_return_if_fail (right->width == self->pair[1]->width && right->height == self->pair[1]->height);

  submit_set (self, px_frame_ref (left), px_frame_ref (right), left->capture_time_us);
}

void
px_rig_publisher_set_camera_off (PxRigPublisher *self,
                                 gboolean        off)
{
  g_return_if_fail (PX_IS_RIG_PUBLISHER (self));

  off = !!off;
  if (g_atomic_int_get (&self->camera_off) == off)
    return;
  g_atomic_int_set (&self->camera_off, off);

  if (off)
    {
      for (guint i = 0; i < 2; i++)
        g_clear_pointer (&self->unpaired[i], px_frame_unref);
    }
  else
    {
      /* What follows must be decodable alone. */
      request_keyframes (self);
    }
  if (self->started)
    publish_mute_state (self);
}

gboolean
px_rig_publisher_get_camera_off (PxRigPublisher *self)
{
  g_return_val_if_fail (PX_IS_RIG_PUBLISHER (self), FALSE);

  return g_atomic_int_get (&self->camera_off);
}

guint64
px_rig_publisher_get_sets_sent (PxRigPublisher *self)
{
  g_return_val_if_fail (PX_IS_RIG_PUBLISHER (self), 0);

  return self->sets_sent;
}

guint
px_rig_publisher_get_bitrate (PxRigPublisher *self)
{
  g_return_val_if_fail (PX_IS_RIG_PUBLISHER (self), 0);

  return px_bitrate_controller_get_target_kbps (self->bitrate);
}

JsonObject *
px_rig_publisher_dup_calibration (PxRigPublisher *self)
{
  g_return_val_if_fail (PX_IS_RIG_PUBLISHER (self), NULL);

  return make_calibration (self);
}

static void
px_rig_publisher_dispose (GObject *object)
{
  PxRigPublisher *self = PX_RIG_PUBLISHER (object);

  px_rig_publisher_stop (self);
  if (self->session != NULL)
    {
      g_clear_signal_handler (&self->keyframe_id, self->session);
      g_clear_signal_handler (&self->state_id, self->session);
    }
  g_clear_object (&self->session);
  g_clear_object (&self->connection);
  g_clear_object (&self->bitrate);

  G_OBJECT_CLASS (px_rig_publisher_parent_class)->dispose (object);
}

static void
px_rig_publisher_finalize (GObject *object)
{
  PxRigPublisher *self = PX_RIG_PUBLISHER (object);

  g_strfreev (self->node_names);
  g_clear_object (&self->rig);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (px_rig_publisher_parent_class)->finalize (object);
}

static void
px_rig_publisher_class_init (PxRigPublisherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = px_rig_publisher_dispose;
  object_class->finalize = px_rig_publisher_finalize;

  /**
   * PxRigPublisher::set-sent:
   * @timings: (type gpointer): a const PxRigPublisherTimings, valid during the emission
   */
  signals[SIGNAL_SET_SENT] =
    g_signal_new ("set-sent", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);

  /**
   * PxRigPublisher::camera-error:
   * @error: why a camera delivers nothing usable (it ended, or its frames
   *   do not match the calibration)
   */
  signals[SIGNAL_CAMERA_ERROR] =
    g_signal_new ("camera-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
px_rig_publisher_init (PxRigPublisher *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->step = DEFAULT_STEP;
  self->kbps = DEFAULT_KBPS;
  self->keyframe_interval = (gint64) PX_VIDEO_ENCODER_DEFAULT_KEYFRAME_INTERVAL_MS * 1000;
  self->bitrate = px_bitrate_controller_new (MIN_KBPS, DEFAULT_KBPS, DEFAULT_KBPS);
  for (guint i = 0; i < 2; i++)
    {
      self->encoders[i].self = self;
      self->encoders[i].index = i;
    }
}

PxRigPublisher *
px_rig_publisher_new (PxSession *session,
                      PxRig     *rig)
{
  PxRigPublisher *self;
  const PxCamera *left = NULL, *right = NULL;

  g_return_val_if_fail (PX_IS_SESSION (session), NULL);
  g_return_val_if_fail (PX_IS_RIG (rig), NULL);
  g_return_val_if_fail (px_rig_get_pair (rig, 0, &left, &right), NULL);

  self = g_object_new (PX_TYPE_RIG_PUBLISHER, NULL);
  self->session = g_object_ref (session);
  self->rig = g_object_ref (rig);
  self->pair[0] = left;
  self->pair[1] = right;
  self->context = g_main_context_ref_thread_default ();
  self->keyframe_id = g_signal_connect (session, "keyframe-requested",
                                        G_CALLBACK (keyframe_requested_cb), self);
  self->state_id = g_signal_connect (session, "notify::state",
                                     G_CALLBACK (session_state_cb), self);
  return self;
}
