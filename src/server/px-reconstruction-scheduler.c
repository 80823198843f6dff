/* px-reconstruction-scheduler.c: rig publishers turned into volumetric frames
 *
 * Threads: the scheduler's API is called from the server's thread. Each
 * configured publisher (a Publisher, reference counted) has a serial
 * decode pool of one thread per camera, so the two frames of a set decode
 * at the same time: VP8 needs every packet in order, so every frame is
 * decoded on arrival even if its set is later skipped (unless the worker
 * fell behind and a keyframe waits, see decode_cb()). Decoded frames are
 * paired by capture time under the Publisher's assembly lock. Complete
 * sets go to the Publisher's single "pending" slot; the shared
 * reconstruction pool takes it from there. A set arriving while another
 * still waits replaces it (latest wins) and inherits its colour packets,
 * so receivers still get every packet of the left camera. One publisher is
 * reconstructed by one worker at a time (its PxPairReconstructor keeps
 * state); the pool's other workers serve other publishers, and each
 * reconstructor spreads its stereo matching over the cores itself.
 *
 * Results travel back as idle sources on the creator's GMainContext and
 * are emitted there as signals; a result of a publisher that was removed
 * or reconfigured meanwhile is dropped.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "media/px-depth-codec.h"
#include "media/px-video-decoder.h"
#include "net/px-volumetric.h"
#include "recon/px-pair-reconstructor.h"
#include "recon/px-rig.h"
#include "px-reconstruction-scheduler.h"

/* Grid step when the calibration names none: 160×120 samples at 640×480. */
#define DEFAULT_STEP 4
#define MAX_STEP 64
/* zstd level of the depth coder: fast, since it runs per frame. */
#define DEPTH_CODING_LEVEL 1
/* A publisher's frame-set errors are reported at most this often. */
#define ERROR_INTERVAL_US G_USEC_PER_SEC
/* A camera frame that waited this long for the decode worker, with more
 * behind it, means the worker is behind: it catches up, skipping to a
 * keyframe rather than decoding through the queue (about 3 frames at 30 fps). */
#define DECODE_LAG_US 100000
/* Keyframe requests of a publisher that is catching up, at most this often. */
#define CATCH_UP_INTERVAL_US G_USEC_PER_SEC

G_DEFINE_QUARK (px-reconstruction-error-quark, px_reconstruction_error)

static const char * const stage_names[PX_RECONSTRUCTION_N_STAGES] = {
  "decode", "grey", "rectify", "stereo", "depth", "segment", "depth-coding",
};

typedef struct
{
  GBytes  *bytes;
  guint32  sequence;
  gboolean keyframe;
} ColourPacket;

typedef struct
{
  PxFrame   *frames[2];   /* left, right */
  gint64     capture_time;
  GPtrArray *packets;     /* ColourPacket, oldest first, the set's left frame last */
  gint64     received;    /* the later of its two frames arrived (server clock) */
  guint32    decode_us;   /* both frames' decoding */
} FrameSet;

/* A decoded camera frame waiting for its partner. */
typedef struct
{
  PxFrame *frame;
  gint64   received;
  guint32  decode_us;
} Decoded;

/* Decoded frames a camera keeps while the other catches up. */
#define MAX_UNPAIRED 32

typedef struct _Publisher Publisher;

struct _Publisher
{
  gint ref_count;
  PxReconstructionScheduler *scheduler;  /* not a reference: outlives every job */
  guint32 id;
  guint32 calibration_id;
  guint32 streams[2];       /* left and right camera streams */
  guint32 output_stream;
  guint widths[2], heights[2];
  guint step;

  /* Decode workers: each camera's own. */
  GThreadPool *decode_pools[2];
  PxVideoDecoder *decoders[2];
  gint64 last_catch_up[2];  /* a keyframe was asked for to catch up */
  gint queued_keyframes[2]; /* atomic: keyframes waiting for the decode worker */

  /* Under the assembly lock (both decode workers). */
  GMutex assembly_lock;
  GQueue unpaired[2];       /* Decoded, oldest first */
  gint64 skipped_through[2];  /* the newest instant each camera skipped (catching up) */
  GPtrArray *backlog;       /* ColourPacket since the last complete set */
  gboolean backlog_broken;  /* packets were lost: wait for a keyframe */
  gint64 last_error;

  /* Reconstruction worker only (one at a time, see busy). */
  PxPairReconstructor *reconstructor;
  PxDepthCodec *depth_codec;
  float *depth;
  guint16 *depth_mm;
  guint grid_width, grid_height;
  guint32 next_sequence;

  /* Under the scheduler's lock. */
  FrameSet *pending;
  gboolean queued;
  gboolean busy;
  gboolean removed;
};

struct _PxReconstructionScheduler
{
  GObject parent_instance;

  GMainContext *context;
  GThreadPool *pool;
  guint n_threads;
  gsize max_frame_bytes;    /* what receivers accept; 0: no limit */
  GHashTable *publishers;   /* id → Publisher (a reference); server thread only */

  GMutex lock;
  gboolean shut_down;
  gboolean held;
  PxReconstructionStats stats;
};

G_DEFINE_FINAL_TYPE (PxReconstructionScheduler, px_reconstruction_scheduler, G_TYPE_OBJECT)

enum {
  SIGNAL_VOLUMETRIC_FRAME,
  SIGNAL_FRAME_SET_ERROR,
  SIGNAL_KEYFRAME_NEEDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

const char *
px_reconstruction_stage_to_string (PxReconstructionStage stage)
{
  g_return_val_if_fail (stage < PX_RECONSTRUCTION_N_STAGES, NULL);
  return stage_names[stage];
}

/* ------------------------------------------------------------------------ */
/* Frame sets and publishers                                                */

static void
colour_packet_free (ColourPacket *packet)
{
  g_bytes_unref (packet->bytes);
  g_free (packet);
}

static GPtrArray *
colour_packets_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) colour_packet_free);
}

static void
frame_set_free (FrameSet *set)
{
  for (int i = 0; i < 2; i++)
    g_clear_pointer (&set->frames[i], px_frame_unref);
  g_ptr_array_unref (set->packets);
  g_free (set);
}

static void
decoded_free (Decoded *decoded)
{
  px_frame_unref (decoded->frame);
  g_free (decoded);
}

static Publisher *
publisher_ref (Publisher *publisher)
{
  g_atomic_int_inc (&publisher->ref_count);
  return publisher;
}

static void
publisher_unref (Publisher *publisher)
{
  if (!g_atomic_int_dec_and_test (&publisher->ref_count))
    return;

  for (int i = 0; i < 2; i++)
    {
      g_clear_object (&publisher->decoders[i]);
      g_queue_clear_full (&publisher->unpaired[i], (GDestroyNotify) decoded_free);
    }
  g_mutex_clear (&publisher->assembly_lock);
  g_clear_pointer (&publisher->backlog, g_ptr_array_unref);
  g_clear_object (&publisher->reconstructor);
  g_clear_object (&publisher->depth_codec);
  g_free (publisher->depth);
  g_free (publisher->depth_mm);
  g_clear_pointer (&publisher->pending, frame_set_free);
  g_free (publisher);
}

/* ------------------------------------------------------------------------ */
/* Back to the server's thread                                              */

typedef enum
{
  EVENT_FRAME,
  EVENT_ERROR,
  EVENT_KEYFRAME,
} EventKind;

typedef struct
{
  PxReconstructionScheduler *scheduler;  /* a reference */
  Publisher *publisher;                  /* a reference */
  EventKind kind;
  guint32 stream;
  gboolean keyframe;
  GBytes *frame;
  char *message;
} Event;

static void
event_free (Event *event)
{
  g_object_unref (event->scheduler);
  publisher_unref (event->publisher);
  g_clear_pointer (&event->frame, g_bytes_unref);
  g_free (event->message);
  g_free (event);
}

static gboolean
event_dispatch_cb (gpointer user_data)
{
  Event *event = user_data;
  PxReconstructionScheduler *self = event->scheduler;
  Publisher *current = g_hash_table_lookup (self->publishers, GUINT_TO_POINTER (event->publisher->id));

  /* A publisher that left or was reconfigured meanwhile gets nothing. */
  if (self->shut_down || current != event->publisher)
    return G_SOURCE_REMOVE;

  switch (event->kind)
    {
    case EVENT_FRAME:
      g_signal_emit (self, signals[SIGNAL_VOLUMETRIC_FRAME], 0, event->publisher->id,
                     event->stream, event->keyframe, event->frame);
      break;
    case EVENT_ERROR:
      g_signal_emit (self, signals[SIGNAL_FRAME_SET_ERROR], 0, event->publisher->id, event->message);
      break;
    case EVENT_KEYFRAME:
      g_signal_emit (self, signals[SIGNAL_KEYFRAME_NEEDED], 0, event->publisher->id, event->stream);
      break;
    }
  return G_SOURCE_REMOVE;
}

static void
post_event (Publisher *publisher,
            Event     *event)
{
  GSource *source = g_idle_source_new ();

  event->scheduler = g_object_ref (publisher->scheduler);
  event->publisher = publisher_ref (publisher);
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, event_dispatch_cb, event, (GDestroyNotify) event_free);
  g_source_attach (source, publisher->scheduler->context);
  g_source_unref (source);
}

static void
report_error (Publisher  *publisher,
              const char *message)
{
  Event *event;
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&publisher->assembly_lock);
  if (publisher->last_error != 0 && now - publisher->last_error < ERROR_INTERVAL_US)
    {
      g_mutex_unlock (&publisher->assembly_lock);
      return;
    }
  publisher->last_error = now;
  g_mutex_unlock (&publisher->assembly_lock);
  event = g_new0 (Event, 1);
  event->kind = EVENT_ERROR;
  event->message = g_strdup (message);
  post_event (publisher, event);
}

static void
ask_keyframe (Publisher *publisher,
              guint32    stream)
{
  Event *event = g_new0 (Event, 1);

  event->kind = EVENT_KEYFRAME;
  event->stream = stream;
  post_event (publisher, event);
}

static void
add_stage_time (PxReconstructionScheduler *self,
                PxReconstructionStage      stage,
                double                     seconds)
{
  self->stats.stage_seconds[stage] += seconds;
  self->stats.stage_count[stage]++;
}

/* ------------------------------------------------------------------------ */
/* Reconstruction (pool workers)                                            */

static void
reconstruct_set (Publisher *publisher,
                 FrameSet  *set)
{
  PxReconstructionScheduler *self = publisher->scheduler;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) coded = NULL;
  g_autoptr(GBytes) payload = NULL;
  PxVolumetricPayload layout = { 0 };
  PxWireHeader header = { 0 };
  PxReconTimings timings;
  gsize n = (gsize) publisher->grid_width * publisher->grid_height;
  gint64 start;
  double coding_seconds;
  gboolean keyframe = FALSE;
  gsize max_frame_bytes;
  Event *event;

  if (!px_pair_reconstructor_process (publisher->reconstructor,
                                      set->frames[0]->planes[0], set->frames[0]->strides[0],
                                      set->frames[1]->planes[0], set->frames[1]->strides[0],
                                      1, publisher->depth, &timings, &error))
    {
      g_mutex_lock (&self->lock);
      self->stats.sets_failed++;
      g_mutex_unlock (&self->lock);
      return;
    }

  start = g_get_monotonic_time ();
  px_depth_quantize_mm (publisher->depth, px_pair_reconstructor_get_mask (publisher->reconstructor),
                        n, publisher->depth_mm);
  coded = px_depth_codec_encode (publisher->depth_codec, publisher->depth_mm,
                                 publisher->grid_width, publisher->grid_height,
                                 publisher->grid_width, &error);
  coding_seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  if (coded == NULL)
    {
      g_mutex_lock (&self->lock);
      self->stats.sets_failed++;
      g_mutex_unlock (&self->lock);
      return;
    }

  /* Packets before the newest keyframe are not needed to decode what
   * follows it. */
  for (guint i = set->packets->len - 1; i > 0; i--)
    if (((ColourPacket *) set->packets->pdata[i])->keyframe)
      {
        g_ptr_array_remove_range (set->packets, 0, i);
        break;
      }
  /* The frame must fit what receivers accept (max_payload_bytes): after a
   * long stall the oldest packets go, and the chain restarts at a keyframe. */
  g_mutex_lock (&self->lock);
  max_frame_bytes = self->max_frame_bytes;
  g_mutex_unlock (&self->lock);
  if (max_frame_bytes > 0)
    {
      gsize frame_size = PX_WIRE_HEADER_SIZE + PX_VOLUMETRIC_HEADER_SIZE + g_bytes_get_size (coded);
      gboolean trimmed = FALSE;

      for (guint i = 0; i < set->packets->len; i++)
        frame_size += PX_VOLUMETRIC_PACKET_HEADER_SIZE
                      + g_bytes_get_size (((ColourPacket *) set->packets->pdata[i])->bytes);
      while (frame_size > max_frame_bytes && set->packets->len > 1)
        {
          frame_size -= PX_VOLUMETRIC_PACKET_HEADER_SIZE
                        + g_bytes_get_size (((ColourPacket *) set->packets->pdata[0])->bytes);
          g_ptr_array_remove_index (set->packets, 0);
          trimmed = TRUE;
        }
      if (frame_size > max_frame_bytes)
        {
          g_mutex_lock (&self->lock);
          self->stats.sets_failed++;
          g_mutex_unlock (&self->lock);
          return;
        }
      if (trimmed)
        ask_keyframe (publisher, publisher->streams[0]);
    }

  layout.calibration_id = publisher->calibration_id;
  layout.colour_stream = publisher->streams[0];
  layout.grid_width = publisher->grid_width;
  layout.grid_height = publisher->grid_height;
  layout.grid_step = publisher->step;
  layout.n_packets = set->packets->len;
  for (guint i = 0; i < set->packets->len; i++)
    {
      ColourPacket *packet = set->packets->pdata[i];

      layout.packets[i].sequence = packet->sequence;
      layout.packets[i].keyframe = packet->keyframe;
      layout.packets[i].data = g_bytes_get_data (packet->bytes, &layout.packets[i].size);
      keyframe |= packet->keyframe;
    }
  layout.depth = g_bytes_get_data (coded, &layout.depth_size);
  /* Where the time went, for receivers' statistics and benchmarks; the
   * server's clock is the one capture times travel in. */
  layout.has_timings = TRUE;
  layout.timings.received = set->received;
  layout.timings.decode_us = set->decode_us;
  layout.timings.rectify_us = (guint32) lround ((timings.grey + timings.rectify) * 1000);
  layout.timings.stereo_us = (guint32) lround (timings.stereo * 1000);
  layout.timings.segment_us = (guint32) lround (timings.segment * 1000);
  layout.timings.depth_us = (guint32) lround (timings.depth * 1000);
  layout.timings.depth_coding_us = (guint32) lround (coding_seconds * G_USEC_PER_SEC);
  layout.timings.built = g_get_monotonic_time ();
  payload = px_volumetric_payload_build (&layout);

  header.kind = PX_WIRE_KIND_DEPTH;
  header.flags = keyframe ? PX_WIRE_FLAG_KEYFRAME : 0;
  header.stream = publisher->output_stream;
  header.participant = publisher->id;
  header.sequence = publisher->next_sequence++;
  header.capture_time = set->capture_time;
  header.payload_length = g_bytes_get_size (payload);

  event = g_new0 (Event, 1);
  event->kind = EVENT_FRAME;
  event->stream = publisher->output_stream;
  event->keyframe = keyframe;
  event->frame = px_wire_frame_new (&header, g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));

  g_mutex_lock (&self->lock);
  self->stats.sets_reconstructed++;
  add_stage_time (self, PX_RECONSTRUCTION_STAGE_GREY, timings.grey / 1000.0);
  add_stage_time (self, PX_RECONSTRUCTION_STAGE_RECTIFY, timings.rectify / 1000.0);
  add_stage_time (self, PX_RECONSTRUCTION_STAGE_STEREO, timings.stereo / 1000.0);
  add_stage_time (self, PX_RECONSTRUCTION_STAGE_DEPTH, timings.depth / 1000.0);
  add_stage_time (self, PX_RECONSTRUCTION_STAGE_SEGMENT, timings.segment / 1000.0);
  add_stage_time (self, PX_RECONSTRUCTION_STAGE_DEPTH_CODING, coding_seconds);
  self->stats.depth_raw_bytes += n * sizeof (guint16);
  self->stats.depth_coded_bytes += layout.depth_size;
  g_mutex_unlock (&self->lock);

  post_event (publisher, event);
}

static void
reconstruct_cb (gpointer data,
                gpointer user_data)
{
  Publisher *publisher = data;
  PxReconstructionScheduler *self = user_data;
  FrameSet *set;

  g_mutex_lock (&self->lock);
  publisher->queued = FALSE;
  set = g_steal_pointer (&publisher->pending);
  if (set == NULL || publisher->removed || self->shut_down)
    {
      g_mutex_unlock (&self->lock);
      g_clear_pointer (&set, frame_set_free);
      publisher_unref (publisher);
      return;
    }
  publisher->busy = TRUE;
  g_mutex_unlock (&self->lock);

  reconstruct_set (publisher, set);
  frame_set_free (set);

  g_mutex_lock (&self->lock);
  publisher->busy = FALSE;
  /* A set that came in meanwhile goes next. */
  if (publisher->pending != NULL && !publisher->queued && !publisher->removed && !self->held &&
      !self->shut_down)
    {
      publisher->queued = TRUE;
      g_thread_pool_push (self->pool, publisher_ref (publisher), NULL);
    }
  g_mutex_unlock (&self->lock);
  publisher_unref (publisher);
}

/* ------------------------------------------------------------------------ */
/* Decoding and frame sets (the publisher's serial worker)                  */

typedef struct
{
  PxWireHeader header;
  GBytes *payload;
  gint64 received;  /* when the server handed it over */
} DecodeJob;

static void
decode_job_free (DecodeJob *job)
{
  g_bytes_unref (job->payload);
  g_free (job);
}

/* Hands a complete set to the pool; a set still waiting is replaced and
 * its colour packets go first in the new one. */
static void
submit_set (Publisher *publisher,
            FrameSet  *set)
{
  PxReconstructionScheduler *self = publisher->scheduler;

  g_mutex_lock (&self->lock);
  self->stats.sets_in++;
  if (publisher->pending != NULL)
    {
      FrameSet *stale = g_steal_pointer (&publisher->pending);

      self->stats.sets_stale++;
      if (stale->packets->len + set->packets->len <= PX_VOLUMETRIC_MAX_PACKETS)
        {
          g_ptr_array_extend_and_steal (stale->packets, g_steal_pointer (&set->packets));
          set->packets = g_steal_pointer (&stale->packets);
          stale->packets = colour_packets_new ();
        }
      else if (!((ColourPacket *) set->packets->pdata[0])->keyframe)
        /* Receivers lose the stale packets: they need a fresh start. */
        ask_keyframe (publisher, publisher->streams[0]);
      frame_set_free (stale);
    }
  publisher->pending = set;
  if (!publisher->queued && !publisher->busy && !self->held && !self->shut_down)
    {
      publisher->queued = TRUE;
      g_thread_pool_push (self->pool, publisher_ref (publisher), NULL);
    }
  g_mutex_unlock (&self->lock);
}

static void
keep_colour_packet (Publisher          *publisher,
                    const PxWireHeader *header,
                    GBytes             *payload)
{
  gboolean keyframe = (header->flags & PX_WIRE_FLAG_KEYFRAME) != 0;
  ColourPacket *packet;

  if ((publisher->backlog_broken && !keyframe) || g_bytes_get_size (payload) == 0)
    return;
  /* Nothing older than a keyframe is needed to decode what follows it. */
  if (keyframe)
    g_ptr_array_set_size (publisher->backlog, 0);
  if (publisher->backlog->len == PX_VOLUMETRIC_MAX_PACKETS)
    {
      /* No set completed for a long while: start over at a keyframe. */
      g_ptr_array_set_size (publisher->backlog, 0);
      publisher->backlog_broken = TRUE;
      ask_keyframe (publisher, publisher->streams[0]);
      return;
    }
  publisher->backlog_broken = FALSE;
  packet = g_new (ColourPacket, 1);
  packet->bytes = g_bytes_ref (payload);
  packet->sequence = header->sequence;
  packet->keyframe = keyframe;
  g_ptr_array_add (publisher->backlog, packet);
}

/* A set is complete when both cameras have a frame of the same instant.
 * The two workers decode at their own pace, so each camera keeps its last
 * few frames until the other's of the same instant comes (or a newer one
 * shows it never will). Takes @decoded. */
static void
pair_frame (Publisher *publisher,
            guint      camera,
            Decoded   *decoded)
{
  GQueue *mine = &publisher->unpaired[camera], *other = &publisher->unpaired[1 - camera];
  gint64 instant = decoded->frame->capture_time_us;
  Decoded *partner = NULL;
  FrameSet *set;
  guint kept = 0;

  g_mutex_lock (&publisher->assembly_lock);
  /* The other camera decodes in order: its frames older than this one's
   * instant will never find a partner. */
  while (!g_queue_is_empty (other) && ((Decoded *) g_queue_peek_head (other))->frame->capture_time_us < instant)
    decoded_free (g_queue_pop_head (other));
  if (!g_queue_is_empty (other) && ((Decoded *) g_queue_peek_head (other))->frame->capture_time_us == instant)
    partner = g_queue_pop_head (other);
  /* The other camera skipped this instant (catching up): so does this one. */
  if (partner == NULL && instant <= publisher->skipped_through[1 - camera])
    {
      g_mutex_unlock (&publisher->assembly_lock);
      decoded_free (decoded);
      return;
    }
  if (partner == NULL)
    {
      g_queue_push_tail (mine, decoded);
      while (g_queue_get_length (mine) > MAX_UNPAIRED)
        decoded_free (g_queue_pop_head (mine));
      g_mutex_unlock (&publisher->assembly_lock);
      return;
    }
  /* Older frames of this camera have lost their chance as well. */
  while (!g_queue_is_empty (mine))
    decoded_free (g_queue_pop_head (mine));

  /* The set's colour packets: the backlog up to its left frame, which the
   * left worker may already have passed. */
  {
    Decoded *left = camera == 0 ? decoded : partner;

    for (guint i = publisher->backlog->len; i > 0; i--)
      if (((ColourPacket *) publisher->backlog->pdata[i - 1])->sequence == (guint32) left->frame->sequence)
        {
          kept = i;
          break;
        }
  }
  if (kept == 0)
    {
      /* Its packet was not kept (the backlog restarts at a keyframe). */
      g_mutex_unlock (&publisher->assembly_lock);
      decoded_free (decoded);
      decoded_free (partner);
      return;
    }
  set = g_new0 (FrameSet, 1);
  set->packets = colour_packets_new ();
  for (guint i = 0; i < kept; i++)
    g_ptr_array_add (set->packets, g_ptr_array_steal_index (publisher->backlog, 0));
  g_mutex_unlock (&publisher->assembly_lock);

  set->frames[camera] = px_frame_ref (decoded->frame);
  set->frames[1 - camera] = px_frame_ref (partner->frame);
  set->capture_time = instant;
  set->received = MAX (decoded->received, partner->received);
  set->decode_us = decoded->decode_us + partner->decode_us;
  decoded_free (decoded);
  decoded_free (partner);
  submit_set (publisher, set);
}

/* @camera skips its frame of @instant to catch up: the set counts as one
 * replaced by a newer set (once, by whichever camera skips it first), and
 * the other camera's frame of that instant, if decoded, goes too. */
static void
skip_instant (Publisher *publisher,
              guint      camera,
              gint64     instant)
{
  PxReconstructionScheduler *self = publisher->scheduler;
  GQueue *other = &publisher->unpaired[1 - camera];
  gboolean counted;

  g_mutex_lock (&publisher->assembly_lock);
  counted = instant <= publisher->skipped_through[1 - camera];
  publisher->skipped_through[camera] = instant;
  for (GList *l = other->head; l != NULL; l = l->next)
    if (((Decoded *) l->data)->frame->capture_time_us == instant)
      {
        decoded_free (l->data);
        g_queue_delete_link (other, l);
        break;
      }
  g_mutex_unlock (&publisher->assembly_lock);

  if (!counted)
    {
      g_mutex_lock (&self->lock);
      self->stats.sets_in++;
      self->stats.sets_stale++;
      g_mutex_unlock (&self->lock);
    }
}

static gboolean
keyframe_job (const DecodeJob *job)
{
  return (job->header.flags & PX_WIRE_FLAG_KEYFRAME) != 0;
}

static void
decode_cb (gpointer data,
           gpointer user_data)
{
  DecodeJob *job = data;
  Publisher *publisher = user_data;
  PxReconstructionScheduler *self = publisher->scheduler;
  g_autoptr(GError) error = NULL;
  g_autoptr(PxFrame) frame = NULL;
  guint camera = job->header.stream == publisher->streams[0] ? 0 : 1;
  gsize size;
  const guint8 *bytes = g_bytes_get_data (job->payload, &size);
  gint64 start = g_get_monotonic_time ();
  Decoded *decoded;

  if (camera == 0)
    {
      g_mutex_lock (&publisher->assembly_lock);
      keep_colour_packet (publisher, &job->header, job->payload);
      g_mutex_unlock (&publisher->assembly_lock);
    }

  /* Behind (a slow or busy machine): decoding every queued frame would
   * only make each result later than the one before. A keyframe waiting in
   * the queue makes every frame of that camera before it unnecessary, so
   * those are skipped (latest wins, and nothing after is lost); without
   * one, a keyframe is asked for, at most once a second. The colour
   * packets above still reach receivers, whose decoders need them all. */
  if (keyframe_job (job))
    g_atomic_int_add (&publisher->queued_keyframes[camera], -1);
  else if (start - job->received >= DECODE_LAG_US
           && g_thread_pool_unprocessed (publisher->decode_pools[camera]) >= 1)
    {
      if (g_atomic_int_get (&publisher->queued_keyframes[camera]) > 0)
        {
          skip_instant (publisher, camera, job->header.capture_time);
          decode_job_free (job);
          return;
        }
      if (publisher->last_catch_up[camera] == 0
          || start - publisher->last_catch_up[camera] >= CATCH_UP_INTERVAL_US)
        {
          publisher->last_catch_up[camera] = start;
          for (int i = 0; i < 2; i++)
            ask_keyframe (publisher, publisher->streams[i]);
        }
    }

  /* Not the publisher's fault: this decoder started (or restarted) after
   * the stream did. */
  if (px_video_decoder_get_needs_keyframe (publisher->decoders[camera]) &&
      (job->header.flags & PX_WIRE_FLAG_KEYFRAME) == 0)
    {
      ask_keyframe (publisher, job->header.stream);
      decode_job_free (job);
      return;
    }

  frame = px_video_decoder_decode (publisher->decoders[camera], bytes, size, job->header.sequence,
                                   job->header.capture_time, &error);
  g_mutex_lock (&self->lock);
  add_stage_time (self, PX_RECONSTRUCTION_STAGE_DECODE, (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
  if (error != NULL)
    self->stats.sets_failed++;
  g_mutex_unlock (&self->lock);

  if (error != NULL)
    {
      g_autofree char *message = g_strdup_printf ("Frame %u of stream %u: %s", job->header.sequence,
                                                  job->header.stream, error->message);

      report_error (publisher, message);
      if (px_video_decoder_get_needs_keyframe (publisher->decoders[camera]))
        ask_keyframe (publisher, job->header.stream);
      decode_job_free (job);
      return;
    }
  if (frame == NULL)
    {
      /* Waiting for a keyframe: the first ones, or after a loss. */
      if (px_video_decoder_get_needs_keyframe (publisher->decoders[camera]))
        ask_keyframe (publisher, job->header.stream);
      decode_job_free (job);
      return;
    }
  if (frame->width != publisher->widths[camera] || frame->height != publisher->heights[camera])
    {
      g_autofree char *message = g_strdup_printf ("Stream %u sends %u×%u frames but its camera is %u×%u in the rig",
                                                  job->header.stream, frame->width, frame->height,
                                                  publisher->widths[camera], publisher->heights[camera]);

      g_mutex_lock (&self->lock);
      self->stats.sets_failed++;
      g_mutex_unlock (&self->lock);
      report_error (publisher, message);
      decode_job_free (job);
      return;
    }

  decoded = g_new (Decoded, 1);
  decoded->frame = g_steal_pointer (&frame);
  decoded->received = job->received;
  decoded->decode_us = (guint32) (g_get_monotonic_time () - start);
  decode_job_free (job);
  pair_frame (publisher, camera, decoded);
}

/* ------------------------------------------------------------------------ */
/* Configuration                                                            */

static gboolean
find_stream (JsonArray   *streams,
             gint64       number,
             const char  *kind)
{
  for (guint i = 0; i < json_array_get_length (streams); i++)
    {
      JsonObject *stream = json_array_get_object_element (streams, i);

      if (json_object_get_int_member (stream, "stream") == number &&
          g_strcmp0 (json_object_get_string_member (stream, "kind"), kind) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
get_int_member (JsonObject  *object,
                const char  *member,
                gint64       fallback,
                gint64       min,
                gint64       max,
                gint64      *value,
                GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL)
    {
      if (fallback < min)
        {
          g_set_error (error, PX_RECONSTRUCTION_ERROR, PX_RECONSTRUCTION_ERROR_INVALID_CALIBRATION,
                       "The calibration has no \"%s\"", member);
          return FALSE;
        }
      *value = fallback;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
      json_node_get_int (node) < min || json_node_get_int (node) > max)
    {
      g_set_error (error, PX_RECONSTRUCTION_ERROR, PX_RECONSTRUCTION_ERROR_INVALID_CALIBRATION,
                   "\"%s\" must be an integer from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
                   member, min, max);
      return FALSE;
    }
  *value = json_node_get_int (node);
  return TRUE;
}

static Publisher *
publisher_new (PxReconstructionScheduler  *self,
               guint32                     id,
               JsonObject                 *data,
               JsonArray                  *streams,
               guint32                     calibration_id,
               GError                    **error)
{
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(JsonNode) rig_node = NULL;
  g_autoptr(PxRig) rig = NULL;
  g_autofree char *rig_text = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *node;
  JsonObject *camera_streams;
  const PxCamera *cameras[2];
  gint64 pair, step, max_disparity, output;
  Publisher *publisher;

  node = json_object_get_member (data, "rig");
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, PX_RECONSTRUCTION_ERROR, PX_RECONSTRUCTION_ERROR_INVALID_CALIBRATION,
                           "\"rig\" must be a rig object (RIG.md)");
      return NULL;
    }
  generator = json_generator_new ();
  json_generator_set_root (generator, node);
  rig_text = json_generator_to_data (generator, NULL);
  rig = px_rig_new_from_data (rig_text, -1, &local_error);
  if (rig == NULL)
    {
      g_set_error (error, PX_RECONSTRUCTION_ERROR, PX_RECONSTRUCTION_ERROR_INVALID_CALIBRATION,
                   "Bad rig: %s", local_error->message);
      return NULL;
    }

  if (!get_int_member (data, "pair", 0, 0, G_MAXUINT32, &pair, error) ||
      !get_int_member (data, "step", DEFAULT_STEP, 1, MAX_STEP, &step, error) ||
      !get_int_member (data, "max_disparity", 0, 0, G_MAXUINT16, &max_disparity, error) ||
      !get_int_member (data, "volumetric_stream", -1, 0, G_MAXUINT32, &output, error))
    return NULL;
  if (!px_rig_get_pair (rig, pair, &cameras[0], &cameras[1]))
    {
      g_set_error (error, PX_RECONSTRUCTION_ERROR, PX_RECONSTRUCTION_ERROR_INVALID_CALIBRATION,
                   "The rig has no pair %" G_GINT64_FORMAT, pair);
      return NULL;
    }
  if (!find_stream (streams, output, "depth"))
    {
      g_set_error (error, PX_RECONSTRUCTION_ERROR, PX_RECONSTRUCTION_ERROR_INVALID_CALIBRATION,
                   "\"volumetric_stream\" %" G_GINT64_FORMAT " was not announced as a depth stream", output);
      return NULL;
    }
  node = json_object_get_member (data, "streams");
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, PX_RECONSTRUCTION_ERROR, PX_RECONSTRUCTION_ERROR_INVALID_CALIBRATION,
                           "\"streams\" must map camera ids to stream numbers");
      return NULL;
    }
  camera_streams = json_node_get_object (node);

  publisher = g_new0 (Publisher, 1);
  publisher->ref_count = 1;
  publisher->scheduler = self;
  publisher->id = id;
  publisher->calibration_id = calibration_id;
  publisher->output_stream = output;
  publisher->step = step;
  for (int i = 0; i < 2; i++)
    {
      gint64 number;

      if (!get_int_member (camera_streams, cameras[i]->id, -1, 0, G_MAXUINT32, &number, error))
        goto fail;
      if (!find_stream (streams, number, "video"))
        {
          g_set_error (error, PX_RECONSTRUCTION_ERROR, PX_RECONSTRUCTION_ERROR_INVALID_CALIBRATION,
                       "Camera \"%s\" is on stream %" G_GINT64_FORMAT ", which was not announced as video",
                       cameras[i]->id, number);
          goto fail;
        }
      publisher->streams[i] = number;
      publisher->widths[i] = cameras[i]->width;
      publisher->heights[i] = cameras[i]->height;
    }
  if (publisher->streams[0] == publisher->streams[1])
    {
      g_set_error_literal (error, PX_RECONSTRUCTION_ERROR, PX_RECONSTRUCTION_ERROR_INVALID_CALIBRATION,
                           "The two cameras of the pair need streams of their own");
      goto fail;
    }

  publisher->reconstructor = px_pair_reconstructor_new (rig, pair, step, max_disparity,
                                                        g_get_num_processors (), &local_error);
  if (publisher->reconstructor == NULL)
    {
      g_set_error (error, PX_RECONSTRUCTION_ERROR, PX_RECONSTRUCTION_ERROR_INVALID_CALIBRATION,
                   "The rig cannot be reconstructed: %s", local_error->message);
      goto fail;
    }
  /* Only the person's surroundings are matched; the output is the
   * capture volume's points around them, for a fraction of the work. */
  px_pair_reconstructor_set_crop (publisher->reconstructor, PX_RECON_CROP_TRACK);
  px_pair_reconstructor_get_size (publisher->reconstructor, &publisher->grid_width, &publisher->grid_height);
  publisher->depth = g_new (float, (gsize) publisher->grid_width * publisher->grid_height);
  publisher->depth_mm = g_new (guint16, (gsize) publisher->grid_width * publisher->grid_height);
  publisher->depth_codec = px_depth_codec_new (DEPTH_CODING_LEVEL);
  for (int i = 0; i < 2; i++)
    publisher->decoders[i] = px_video_decoder_new ();
  publisher->backlog = colour_packets_new ();
  g_mutex_init (&publisher->assembly_lock);
  for (int i = 0; i < 2; i++)
    {
      g_queue_init (&publisher->unpaired[i]);
      publisher->decode_pools[i] = g_thread_pool_new_full (decode_cb, publisher,
                                                           (GDestroyNotify) decode_job_free, 1, FALSE, NULL);
    }
  return publisher;

fail:
  publisher_unref (publisher);
  return NULL;
}

/* Stops a publisher's decoding; the server's thread waits for the packet
 * being decoded, which takes milliseconds. */
static void
publisher_retire (PxReconstructionScheduler *self,
                  Publisher                 *publisher)
{
  g_mutex_lock (&self->lock);
  publisher->removed = TRUE;
  g_clear_pointer (&publisher->pending, frame_set_free);
  g_mutex_unlock (&self->lock);
  for (int i = 0; i < 2; i++)
    if (publisher->decode_pools[i] != NULL)
      g_thread_pool_free (g_steal_pointer (&publisher->decode_pools[i]), TRUE, TRUE);
  publisher_unref (publisher);
}

gboolean
px_reconstruction_scheduler_configure (PxReconstructionScheduler *self,
                                       guint32                    publisher_id,
                                       JsonObject                *data,
                                       JsonArray                 *streams,
                                       guint32                    calibration_id,
                                       GError                   **error)
{
  Publisher *publisher;

  g_return_val_if_fail (PX_IS_RECONSTRUCTION_SCHEDULER (self), FALSE);
  g_return_val_if_fail (data != NULL && streams != NULL, FALSE);

  px_reconstruction_scheduler_remove (self, publisher_id);
  if (self->shut_down)
    {
      g_set_error_literal (error, PX_RECONSTRUCTION_ERROR, PX_RECONSTRUCTION_ERROR_INVALID_CALIBRATION,
                           "The server is shutting down");
      return FALSE;
    }
  publisher = publisher_new (self, publisher_id, data, streams, calibration_id, error);
  if (publisher == NULL)
    return FALSE;
  g_hash_table_insert (self->publishers, GUINT_TO_POINTER (publisher_id), publisher);
  /* The new decoders start at a keyframe. */
  for (int i = 0; i < 2; i++)
    ask_keyframe (publisher, publisher->streams[i]);
  return TRUE;
}

void
px_reconstruction_scheduler_remove (PxReconstructionScheduler *self,
                                    guint32                    publisher_id)
{
  Publisher *publisher;

  g_return_if_fail (PX_IS_RECONSTRUCTION_SCHEDULER (self));

  if (!g_hash_table_steal_extended (self->publishers, GUINT_TO_POINTER (publisher_id),
                                    NULL, (gpointer *) &publisher))
    return;
  publisher_retire (self, publisher);
}

gboolean
px_reconstruction_scheduler_push (PxReconstructionScheduler *self,
                                  guint32                    publisher_id,
                                  const PxWireHeader        *header,
                                  GBytes                    *payload)
{
  Publisher *publisher;
  DecodeJob *job;
  guint camera;

  g_return_val_if_fail (PX_IS_RECONSTRUCTION_SCHEDULER (self), FALSE);

  publisher = g_hash_table_lookup (self->publishers, GUINT_TO_POINTER (publisher_id));
  if (publisher == NULL || header->kind != PX_WIRE_KIND_VIDEO ||
      (header->stream != publisher->streams[0] && header->stream != publisher->streams[1]))
    return FALSE;

  job = g_new (DecodeJob, 1);
  job->header = *header;
  job->payload = g_bytes_ref (payload);
  job->received = g_get_monotonic_time ();
  camera = header->stream == publisher->streams[0] ? 0 : 1;
  if (header->flags & PX_WIRE_FLAG_KEYFRAME)
    g_atomic_int_inc (&publisher->queued_keyframes[camera]);
  g_thread_pool_push (publisher->decode_pools[camera], job, NULL);
  return TRUE;
}

guint32
px_reconstruction_scheduler_map_keyframe_stream (PxReconstructionScheduler *self,
                                                 guint32                    publisher_id,
                                                 guint32                    stream)
{
  Publisher *publisher;

  g_return_val_if_fail (PX_IS_RECONSTRUCTION_SCHEDULER (self), stream);

  publisher = g_hash_table_lookup (self->publishers, GUINT_TO_POINTER (publisher_id));
  if (publisher != NULL && stream == publisher->output_stream)
    return publisher->streams[0];
  return stream;
}

void
px_reconstruction_scheduler_set_max_frame_bytes (PxReconstructionScheduler *self,
                                                 gsize                      max_frame_bytes)
{
  g_return_if_fail (PX_IS_RECONSTRUCTION_SCHEDULER (self));

  g_mutex_lock (&self->lock);
  self->max_frame_bytes = max_frame_bytes;
  g_mutex_unlock (&self->lock);
}

void
px_reconstruction_scheduler_set_held (PxReconstructionScheduler *self,
                                      gboolean                   held)
{
  GHashTableIter iter;
  Publisher *publisher;

  g_return_if_fail (PX_IS_RECONSTRUCTION_SCHEDULER (self));

  g_mutex_lock (&self->lock);
  self->held = held;
  g_hash_table_iter_init (&iter, self->publishers);
  while (!held && !self->shut_down && g_hash_table_iter_next (&iter, NULL, (gpointer *) &publisher))
    if (publisher->pending != NULL && !publisher->queued && !publisher->busy)
      {
        publisher->queued = TRUE;
        g_thread_pool_push (self->pool, publisher_ref (publisher), NULL);
      }
  g_mutex_unlock (&self->lock);
}

void
px_reconstruction_scheduler_shutdown (PxReconstructionScheduler *self)
{
  GHashTableIter iter;
  Publisher *publisher;

  g_return_if_fail (PX_IS_RECONSTRUCTION_SCHEDULER (self));

  if (self->shut_down)
    return;
  g_mutex_lock (&self->lock);
  self->shut_down = TRUE;
  g_mutex_unlock (&self->lock);

  g_hash_table_iter_init (&iter, self->publishers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &publisher))
    {
      g_hash_table_iter_steal (&iter);
      publisher_retire (self, publisher);
    }
  /* Sets still queued are dropped; the ones being reconstructed finish. */
  g_thread_pool_free (g_steal_pointer (&self->pool), TRUE, TRUE);
}

void
px_reconstruction_scheduler_get_stats (PxReconstructionScheduler *self,
                                       PxReconstructionStats     *stats)
{
  g_return_if_fail (PX_IS_RECONSTRUCTION_SCHEDULER (self));

  g_mutex_lock (&self->lock);
  *stats = self->stats;
  g_mutex_unlock (&self->lock);
}

void
px_reconstruction_scheduler_render_metrics (PxReconstructionScheduler *self,
                                            GString                   *out)
{
  PxReconstructionStats stats;

  px_reconstruction_scheduler_get_stats (self, &stats);

  g_string_append (out,
                   "# HELP parallax_volumetric_frame_sets_total Frame sets of rig publishers, by what became of them.\n"
                   "# TYPE parallax_volumetric_frame_sets_total counter\n");
  g_string_append_printf (out, "parallax_volumetric_frame_sets_total{state=\"in\"} %" G_GUINT64_FORMAT "\n", stats.sets_in);
  g_string_append_printf (out, "parallax_volumetric_frame_sets_total{state=\"reconstructed\"} %" G_GUINT64_FORMAT "\n",
                          stats.sets_reconstructed);
  g_string_append_printf (out, "parallax_volumetric_frame_sets_total{state=\"stale\"} %" G_GUINT64_FORMAT "\n", stats.sets_stale);
  g_string_append_printf (out, "parallax_volumetric_frame_sets_total{state=\"failed\"} %" G_GUINT64_FORMAT "\n", stats.sets_failed);

  g_string_append (out,
                   "# HELP parallax_volumetric_stage_seconds Time spent per reconstruction stage.\n"
                   "# TYPE parallax_volumetric_stage_seconds summary\n");
  for (guint i = 0; i < PX_RECONSTRUCTION_N_STAGES; i++)
    {
      g_string_append_printf (out, "parallax_volumetric_stage_seconds_sum{stage=\"%s\"} %.6f\n",
                              stage_names[i], stats.stage_seconds[i]);
      g_string_append_printf (out, "parallax_volumetric_stage_seconds_count{stage=\"%s\"} %" G_GUINT64_FORMAT "\n",
                              stage_names[i], stats.stage_count[i]);
    }

  g_string_append (out,
                   "# HELP parallax_volumetric_depth_bytes_total Depth grids before (raw) and after coding.\n"
                   "# TYPE parallax_volumetric_depth_bytes_total counter\n");
  g_string_append_printf (out, "parallax_volumetric_depth_bytes_total{form=\"raw\"} %" G_GUINT64_FORMAT "\n",
                          stats.depth_raw_bytes);
  g_string_append_printf (out, "parallax_volumetric_depth_bytes_total{form=\"coded\"} %" G_GUINT64_FORMAT "\n",
                          stats.depth_coded_bytes);
}

/* ------------------------------------------------------------------------ */
/* GObject                                                                  */

static void
px_reconstruction_scheduler_dispose (GObject *object)
{
  PxReconstructionScheduler *self = PX_RECONSTRUCTION_SCHEDULER (object);

  px_reconstruction_scheduler_shutdown (self);

  G_OBJECT_CLASS (px_reconstruction_scheduler_parent_class)->dispose (object);
}

static void
px_reconstruction_scheduler_finalize (GObject *object)
{
  PxReconstructionScheduler *self = PX_RECONSTRUCTION_SCHEDULER (object);

  g_hash_table_destroy (self->publishers);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (px_reconstruction_scheduler_parent_class)->finalize (object);
}

static void
px_reconstruction_scheduler_class_init (PxReconstructionSchedulerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = px_reconstruction_scheduler_dispose;
  object_class->finalize = px_reconstruction_scheduler_finalize;

  /**
   * PxReconstructionScheduler::volumetric-frame:
   * @publisher: whose frame set it is
   * @stream: the publisher's volumetric stream
   * @keyframe: whether a receiver can start decoding its colour here
   * @frame: the complete binary message (header and payload)
   */
  signals[SIGNAL_VOLUMETRIC_FRAME] =
    g_signal_new ("volumetric-frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 4,
                  G_TYPE_UINT, G_TYPE_UINT, G_TYPE_BOOLEAN, G_TYPE_BYTES);

  /**
   * PxReconstructionScheduler::frame-set-error:
   * @publisher: who sent the frame
   * @message: what was wrong with it
   *
   * At most once a second per publisher.
   */
  signals[SIGNAL_FRAME_SET_ERROR] =
    g_signal_new ("frame-set-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);

  /**
   * PxReconstructionScheduler::keyframe-needed:
   * @publisher: whose camera
   * @stream: the camera's stream
   */
  signals[SIGNAL_KEYFRAME_NEEDED] =
    g_signal_new ("keyframe-needed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
}

static void
px_reconstruction_scheduler_init (PxReconstructionScheduler *self)
{
  g_mutex_init (&self->lock);
  self->context = g_main_context_ref_thread_default ();
  self->publishers = g_hash_table_new (NULL, NULL);
}

PxReconstructionScheduler *
px_reconstruction_scheduler_new (guint n_threads)
{
  PxReconstructionScheduler *self = g_object_new (PX_TYPE_RECONSTRUCTION_SCHEDULER, NULL);

  self->n_threads = n_threads > 0 ? n_threads : g_get_num_processors ();
  self->pool = g_thread_pool_new_full (reconstruct_cb, self, (GDestroyNotify) publisher_unref,
                                       self->n_threads, FALSE, NULL);
  return self;
}
