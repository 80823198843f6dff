/* test-send-queue.c: latest-wins queues with acknowledged flow control
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "net/px-send-queue.h"
#include "net/px-wire.h"

/* A frame of @size bytes filled with @tag, so that frames differ. */
static GBytes *
frame_of (gsize  size,
          guint8 tag)
{
  guint8 *data = g_malloc (size);

  memset (data, tag, size);
  return g_bytes_new_take (data, size);
}

typedef struct
{
  guint drops[PX_SEND_DROP_N_REASONS];
  guint audio_drops;
} Drops;

static void
drop_cb (guint64          key,
         guint            kind,
         PxSendDropReason reason,
         gpointer         user_data)
{
  Drops *drops = user_data;

  drops->drops[reason]++;
  if (px_wire_kind_is_audio (kind))
    drops->audio_drops++;
}

static void
test_window (void)
{
  PxSendQueue *queue = px_send_queue_new (1 << 20, 1000);
  g_autoptr(GBytes) a = frame_of (600, 1);
  g_autoptr(GBytes) b = frame_of (600, 2);
  GBytes *popped;

  px_send_queue_push (queue, a, 1, PX_WIRE_KIND_AUDIO, FALSE);
  px_send_queue_push (queue, b, 1, PX_WIRE_KIND_AUDIO, FALSE);

  /* The first fits; the second would exceed the window. */
  popped = px_send_queue_pop (queue, NULL);
  g_assert_true (popped == a);
  g_bytes_unref (popped);
  g_assert_null (px_send_queue_pop (queue, NULL));
  g_assert_cmpuint (px_send_queue_get_in_flight (queue), ==, 600);

  /* Acknowledging more than was sent is refused. */
  g_assert_false (px_send_queue_ack (queue, 601));
  g_assert_true (px_send_queue_ack (queue, 600));
  g_assert_cmpuint (px_send_queue_get_in_flight (queue), ==, 0);
  popped = px_send_queue_pop (queue, NULL);
  g_assert_true (popped == b);
  g_bytes_unref (popped);

  /* An old, smaller ack changes nothing. */
  g_assert_true (px_send_queue_ack (queue, 100));
  g_assert_cmpuint (px_send_queue_get_in_flight (queue), ==, 600);
  px_send_queue_free (queue);
}

static void
test_oversized_frame_goes_alone (void)
{
  PxSendQueue *queue = px_send_queue_new (1 << 20, 1000);
  g_autoptr(GBytes) big = frame_of (5000, 1);
  GBytes *popped;

  px_send_queue_push (queue, big, 1, PX_WIRE_KIND_VIDEO, TRUE);
  popped = px_send_queue_pop (queue, NULL);
  g_assert_true (popped == big);
  g_bytes_unref (popped);
}

static void
test_latest_wins (void)
{
  PxSendQueue *queue = px_send_queue_new (1 << 20, 100);
  g_autoptr(GBytes) key1 = frame_of (100, 1);
  g_autoptr(GBytes) delta1 = frame_of (100, 2);
  g_autoptr(GBytes) delta2 = frame_of (100, 3);
  g_autoptr(GBytes) key2 = frame_of (100, 4);
  g_autoptr(GBytes) other = frame_of (100, 5);
  Drops drops = { 0 };
  GBytes *popped;

  px_send_queue_set_drop_func (queue, drop_cb, &drops);

  /* Fill the window so that everything after waits. */
  px_send_queue_push (queue, key1, 1, PX_WIRE_KIND_VIDEO, TRUE);
  g_bytes_unref (px_send_queue_pop (queue, NULL));

  px_send_queue_push (queue, delta1, 1, PX_WIRE_KIND_VIDEO, FALSE);
  px_send_queue_push (queue, other, 2, PX_WIRE_KIND_VIDEO, TRUE);
  /* delta2 makes delta1 stale; delta2 alone cannot be decoded without it. */
  px_send_queue_push (queue, delta2, 1, PX_WIRE_KIND_VIDEO, FALSE);
  g_assert_cmpuint (drops.drops[PX_SEND_DROP_STALE], ==, 1);
  g_assert_cmpuint (drops.drops[PX_SEND_DROP_UNDECODABLE], ==, 1);
  g_assert_cmpuint (px_send_queue_get_queued_frames (queue), ==, 1);

  /* Until a keyframe, deltas of the broken stream go nowhere. */
  px_send_queue_push (queue, delta2, 1, PX_WIRE_KIND_VIDEO, FALSE);
  g_assert_cmpuint (drops.drops[PX_SEND_DROP_UNDECODABLE], ==, 2);
  px_send_queue_push (queue, key2, 1, PX_WIRE_KIND_VIDEO, TRUE);
  g_assert_cmpuint (px_send_queue_get_queued_frames (queue), ==, 2);

  g_assert_true (px_send_queue_ack (queue, 100));
  popped = px_send_queue_pop (queue, NULL);
  g_assert_true (popped == other);
  g_bytes_unref (popped);
  g_assert_true (px_send_queue_ack (queue, 200));
  popped = px_send_queue_pop (queue, NULL);
  g_assert_true (popped == key2);
  g_bytes_unref (popped);

  g_assert_cmpuint (px_send_queue_get_dropped (queue, PX_SEND_DROP_STALE), ==, 1);

  /* A waiting keyframe is not pushed out by a delta: the receiver can show
   * the keyframe; the delta (and those after it) wait for the next one. */
  px_send_queue_push (queue, key1, 1, PX_WIRE_KIND_VIDEO, TRUE);
  px_send_queue_push (queue, delta1, 1, PX_WIRE_KIND_VIDEO, FALSE);
  px_send_queue_push (queue, delta2, 1, PX_WIRE_KIND_VIDEO, FALSE);
  g_assert_cmpuint (px_send_queue_get_queued_frames (queue), ==, 1);
  g_assert_cmpuint (drops.drops[PX_SEND_DROP_UNDECODABLE], ==, 4);
  g_assert_true (px_send_queue_ack (queue, 300));
  popped = px_send_queue_pop (queue, NULL);
  g_assert_true (popped == key1);
  g_bytes_unref (popped);
  px_send_queue_free (queue);
}

static void
test_budget_audio_last (void)
{
  PxSendQueue *queue = px_send_queue_new (1000, 1);
  g_autoptr(GBytes) blocker = frame_of (10, 0);
  Drops drops = { 0 };
  GBytes *popped;

  px_send_queue_set_drop_func (queue, drop_cb, &drops);
  px_send_queue_push (queue, blocker, 99, PX_WIRE_KIND_AUDIO, FALSE);
  g_bytes_unref (px_send_queue_pop (queue, NULL));

  /* Interleave audio and video of many streams beyond the budget. */
  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(GBytes) audio = frame_of (40, i);
      g_autoptr(GBytes) video = frame_of (200, i);

      px_send_queue_push (queue, audio, 1000, PX_WIRE_KIND_AUDIO, FALSE);
      px_send_queue_push (queue, video, i, PX_WIRE_KIND_VIDEO, TRUE);
      g_assert_cmpuint (px_send_queue_get_queued_bytes (queue), <=, 1000);
    }

  /* 20 audio frames (800 bytes) fit; video made room for them. */
  g_assert_cmpuint (drops.audio_drops, ==, 0);
  g_assert_cmpuint (drops.drops[PX_SEND_DROP_QUEUE_FULL], >, 0);

  /* Audio goes first. */
  g_assert_true (px_send_queue_ack (queue, 10));
  popped = px_send_queue_pop (queue, NULL);
  g_assert_cmpuint (g_bytes_get_size (popped), ==, 40);
  g_bytes_unref (popped);

  /* Audio alone beyond the budget: the oldest audio goes. */
  for (guint i = 0; i < 40; i++)
    {
      g_autoptr(GBytes) audio = frame_of (40, i);

      px_send_queue_push (queue, audio, 1000, PX_WIRE_KIND_AUDIO, FALSE);
      g_assert_cmpuint (px_send_queue_get_queued_bytes (queue), <=, 1000);
    }
  g_assert_cmpuint (drops.audio_drops, >, 0);

  px_send_queue_reset (queue);
  g_assert_cmpuint (px_send_queue_get_queued_bytes (queue), ==, 0);
  g_assert_cmpuint (px_send_queue_get_in_flight (queue), ==, 0);
  px_send_queue_free (queue);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/net/send-queue/window", test_window);
  g_test_add_func ("/net/send-queue/oversized", test_oversized_frame_goes_alone);
  g_test_add_func ("/net/send-queue/latest-wins", test_latest_wins);
  g_test_add_func ("/net/send-queue/budget-audio-last", test_budget_audio_last);

  return g_test_run ();
}
