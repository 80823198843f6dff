/* px-send-queue.c: a bounded send queue with acknowledged flow control
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "px-send-queue.h"
#include "px-wire.h"

typedef struct
{
  GBytes  *frame;
  guint64  stream_key;
  guint    kind;
  gboolean keyframe;
  gint64   queued_at;
} QueuedFrame;

struct _PxSendQueue
{
  gsize budget_bytes;
  gsize window_bytes;

  /* Audio and everything else wait apart so that audio can go first and
   * is only ever dropped when no video is left to drop. */
  GQueue audio;
  GQueue video;
  gsize queued_bytes;

  guint64 sent_bytes;
  guint64 acked_bytes;

  /* Streams that lost a frame and wait for a keyframe. */
  GHashTable *broken_streams;

  guint64 dropped[PX_SEND_DROP_N_REASONS];

  PxSendQueueDropFunc drop_func;
  gpointer drop_data;
};

static void
queued_frame_free (QueuedFrame *queued)
{
  g_bytes_unref (queued->frame);
  g_free (queued);
}

PxSendQueue *
px_send_queue_new (gsize budget_bytes,
                   gsize window_bytes)
{
  PxSendQueue *self = g_new0 (PxSendQueue, 1);

  self->budget_bytes = budget_bytes;
  self->window_bytes = window_bytes;
  g_queue_init (&self->audio);
  g_queue_init (&self->video);
  self->broken_streams = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  return self;
}

void
px_send_queue_reset (PxSendQueue *self)
{
  g_queue_clear_full (&self->audio, (GDestroyNotify) queued_frame_free);
  g_queue_clear_full (&self->video, (GDestroyNotify) queued_frame_free);
  g_hash_table_remove_all (self->broken_streams);
  self->queued_bytes = 0;
  self->sent_bytes = 0;
  self->acked_bytes = 0;
}

void
px_send_queue_free (PxSendQueue *self)
{
  if (self == NULL)
    return;
  px_send_queue_reset (self);
  g_hash_table_destroy (self->broken_streams);
  g_free (self);
}

void
px_send_queue_set_drop_func (PxSendQueue         *self,
                             PxSendQueueDropFunc  func,
                             gpointer             user_data)
{
  self->drop_func = func;
  self->drop_data = user_data;
}

static void
mark_broken (PxSendQueue *self,
             guint64      stream_key)
{
  gint64 *key = g_new (gint64, 1);

  *key = (gint64) stream_key;
  g_hash_table_add (self->broken_streams, key);
}

static void
drop (PxSendQueue      *self,
      QueuedFrame      *queued,
      PxSendDropReason  reason)
{
  self->dropped[reason]++;
  /* Losing a video frame breaks its stream until the next keyframe; audio
   * frames decode on their own (with concealment). */
  if (!px_wire_kind_is_audio (queued->kind))
    mark_broken (self, queued->stream_key);
  if (self->drop_func != NULL)
    self->drop_func (queued->stream_key, queued->kind, reason, self->drop_data);
}

void
px_send_queue_push (PxSendQueue *self,
                    GBytes      *frame,
                    guint64      stream_key,
                    guint        kind,
                    gboolean     keyframe)
{
  gint64 key = (gint64) stream_key;
  QueuedFrame *queued;
  gboolean audio = px_wire_kind_is_audio (kind);

  if (!audio)
    {
      GList *waiting = NULL;

      for (GList *l = self->video.head; l != NULL && waiting == NULL; l = l->next)
        if (((QueuedFrame *) l->data)->stream_key == stream_key)
          waiting = l;

      if (keyframe)
        {
          /* Latest wins: a fresh keyframe replaces whatever still waits. */
          if (waiting != NULL)
            {
              QueuedFrame *old = waiting->data;

              self->queued_bytes -= g_bytes_get_size (old->frame);
              g_queue_delete_link (&self->video, waiting);
              drop (self, old, PX_SEND_DROP_STALE);
              queued_frame_free (old);
            }
          g_hash_table_remove (self->broken_streams, &key);
        }
      else if (g_hash_table_contains (self->broken_streams, &key) || waiting != NULL)
        {
          /* A delta frame needs every frame before it. If one waits, the
           * newer delta cannot overtake it: a waiting keyframe stays (the
           * receiver can at least show it) and a waiting delta is stale;
           * either way the stream skips to its next keyframe. */
          if (waiting != NULL && !((QueuedFrame *) waiting->data)->keyframe)
            {
              QueuedFrame *old = waiting->data;

              self->queued_bytes -= g_bytes_get_size (old->frame);
              g_queue_delete_link (&self->video, waiting);
              drop (self, old, PX_SEND_DROP_STALE);
              queued_frame_free (old);
            }
          mark_broken (self, stream_key);
          self->dropped[PX_SEND_DROP_UNDECODABLE]++;
          if (self->drop_func != NULL)
            self->drop_func (stream_key, kind, PX_SEND_DROP_UNDECODABLE, self->drop_data);
          return;
        }
    }

  queued = g_new0 (QueuedFrame, 1);
  queued->frame = g_bytes_ref (frame);
  queued->stream_key = stream_key;
  queued->kind = kind;
  queued->keyframe = keyframe;
  queued->queued_at = g_get_monotonic_time ();
  g_queue_push_tail (audio ? &self->audio : &self->video, queued);
  self->queued_bytes += g_bytes_get_size (frame);

  /* Over budget: the oldest video goes first, audio only when no video is left. */
  while (self->queued_bytes > self->budget_bytes)
    {
      QueuedFrame *victim = g_queue_pop_head (&self->video);

      if (victim == NULL)
        victim = g_queue_pop_head (&self->audio);
      if (victim == NULL)
        break;
      self->queued_bytes -= g_bytes_get_size (victim->frame);
      drop (self, victim, PX_SEND_DROP_QUEUE_FULL);
      queued_frame_free (victim);
    }
}

GBytes *
px_send_queue_pop (PxSendQueue *self,
                   gint64      *queued_since)
{
  GQueue *queue;
  QueuedFrame *queued;
  GBytes *frame;
  gsize in_flight = px_send_queue_get_in_flight (self);
  gsize size;

  queue = !g_queue_is_empty (&self->audio) ? &self->audio : &self->video;
  queued = g_queue_peek_head (queue);
  if (queued == NULL)
    return NULL;

  size = g_bytes_get_size (queued->frame);
  /* A frame larger than the window still goes once nothing is in flight. */
  if (in_flight > 0 && in_flight + size > self->window_bytes)
    return NULL;

  g_queue_pop_head (queue);
  self->queued_bytes -= size;
  self->sent_bytes += size;
  if (queued_since != NULL)
    *queued_since = queued->queued_at;
  frame = g_bytes_ref (queued->frame);
  queued_frame_free (queued);
  return frame;
}

gboolean
px_send_queue_ack (PxSendQueue *self,
                   guint64      total_bytes)
{
  if (total_bytes > self->sent_bytes)
    return FALSE;
  if (total_bytes > self->acked_bytes)
    self->acked_bytes = total_bytes;
  return TRUE;
}

gsize
px_send_queue_get_queued_bytes (PxSendQueue *self)
{
  return self->queued_bytes;
}

guint
px_send_queue_get_queued_frames (PxSendQueue *self)
{
  return self->audio.length + self->video.length;
}

gsize
px_send_queue_get_in_flight (PxSendQueue *self)
{
  return self->sent_bytes - self->acked_bytes;
}

guint64
px_send_queue_get_sent_bytes (PxSendQueue *self)
{
  return self->sent_bytes;
}

guint64
px_send_queue_get_dropped (PxSendQueue      *self,
                           PxSendDropReason  reason)
{
  g_return_val_if_fail (reason < PX_SEND_DROP_N_REASONS, 0);
  return self->dropped[reason];
}

const char *
px_send_drop_reason_to_string (PxSendDropReason reason)
{
  switch (reason)
    {
    case PX_SEND_DROP_STALE:
      return "stale";
    case PX_SEND_DROP_QUEUE_FULL:
      return "queue-full";
    case PX_SEND_DROP_UNDECODABLE:
      return "undecodable";
    case PX_SEND_DROP_N_REASONS:
    default:
      return "unknown";
    }
}
