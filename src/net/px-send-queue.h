/* px-send-queue.h: a bounded send queue with acknowledged flow control
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libsoup queues whatever it is handed without limit, so neither side hands
 * it more than a window of unacknowledged bytes. Frames wait here until the
 * window opens. The queue keeps within a byte budget by dropping video
 * before audio and stale video before fresh: a newer frame of a stream
 * replaces a waiting older one (latest wins), and after a drop the stream's
 * delta frames are skipped until its next keyframe, since they could not be
 * decoded anyway. The owner asks the publisher for that keyframe.
 *
 * Not thread-safe: use it from the thread that owns the connection.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  PX_SEND_DROP_STALE,        /* replaced by a newer frame of the same stream */
  PX_SEND_DROP_QUEUE_FULL,   /* the queue budget was exceeded */
  PX_SEND_DROP_UNDECODABLE,  /* a delta frame after a drop, before a keyframe */
  PX_SEND_DROP_N_REASONS,
} PxSendDropReason;

typedef struct _PxSendQueue PxSendQueue;

/* Called for every dropped frame: @stream_key as given to push(). */
typedef void (*PxSendQueueDropFunc) (guint64           stream_key,
                                     guint             kind,
                                     PxSendDropReason  reason,
                                     gpointer          user_data);

PxSendQueue *px_send_queue_new                (gsize                budget_bytes,
                                               gsize                window_bytes);
void         px_send_queue_free               (PxSendQueue         *self);

void         px_send_queue_set_drop_func      (PxSendQueue         *self,
                                               PxSendQueueDropFunc  func,
                                               gpointer             user_data);

/* Queues a complete binary message. @stream_key identifies the stream
 * (participant and stream number); @kind is a PxWireKind. */
void         px_send_queue_push               (PxSendQueue         *self,
                                               GBytes              *frame,
                                               guint64              stream_key,
                                               guint                kind,
                                               gboolean             keyframe);

/* The next frame to hand to the connection, or NULL when the queue is
 * empty or the window is full. Audio goes first. @queued_since receives
 * g_get_monotonic_time() of the push. The bytes count as in flight. */
GBytes      *px_send_queue_pop                (PxSendQueue         *self,
                                               gint64              *queued_since);

/* The receiver has acknowledged @total_bytes since the start (cumulative).
 * Returns FALSE if that is more than was ever sent. */
gboolean     px_send_queue_ack                (PxSendQueue         *self,
                                               guint64              total_bytes);

gsize        px_send_queue_get_queued_bytes   (PxSendQueue         *self);
guint        px_send_queue_get_queued_frames  (PxSendQueue         *self);
gsize        px_send_queue_get_in_flight      (PxSendQueue         *self);
guint64      px_send_queue_get_sent_bytes     (PxSendQueue         *self);
guint64      px_send_queue_get_dropped        (PxSendQueue         *self,
                                               PxSendDropReason     reason);
const char  *px_send_drop_reason_to_string    (PxSendDropReason     reason);

/* Forgets what is in flight and waiting, for a new connection. */
void         px_send_queue_reset              (PxSendQueue         *self);

G_END_DECLS
