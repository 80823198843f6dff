/* px-jitter-buffer.h: one remote voice, from packets to a steady stream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define PX_JITTER_BUFFER_DEFAULT_MIN_DELAY_MS 20
#define PX_JITTER_BUFFER_DEFAULT_MAX_DELAY_MS 200

typedef struct
{
  guint   target_delay_ms;   /* the delay the buffer aims for now */
  guint   current_delay_ms;  /* how long the audio now playing waited beyond the fastest packet */
  guint   jitter_ms;         /* spread of transit times (95th percentile minus minimum) */
  guint64 received;          /* packets pushed and kept */
  guint64 late;              /* arrived after their turn to play had passed: dropped */
  guint64 duplicate;         /* arrived twice */
  guint64 invalid;           /* not Opus, or failed to decode */
  guint64 lost;              /* missing when their turn came */
  guint64 recovered;         /* lost ones rebuilt from the next packet's in-band FEC */
  guint64 concealed;         /* frames made up by Opus packet loss concealment */
  guint64 dropped;           /* played frames skipped to bring the delay down */
  guint64 stretched;         /* concealment frames added to bring the delay up */
} PxJitterBufferStats;

#define PX_TYPE_JITTER_BUFFER (px_jitter_buffer_get_type ())

G_DECLARE_FINAL_TYPE (PxJitterBuffer, px_jitter_buffer, PX, JITTER_BUFFER, GObject)

/* A buffer with its own Opus decoder (48 kHz mono). Push and pull may come
 * from different threads (network and audio). */
PxJitterBuffer *px_jitter_buffer_new              (void);

/* Bounds of the target delay, milliseconds (defaults 20 and 200). */
void            px_jitter_buffer_set_delay_bounds (PxJitterBuffer *self,
                                                   guint           min_ms,
                                                   guint           max_ms);

/* Hands over one Opus packet: its stream @sequence, the sender's
 * @capture_time_us (any clock, as long as the sender keeps to it) and the
 * local monotonic @arrival_time_us. The bytes are copied. */
void            px_jitter_buffer_push             (PxJitterBuffer *self,
                                                   guint64         sequence,
                                                   gint64          capture_time_us,
                                                   gint64          arrival_time_us,
                                                   const guint8   *data,
                                                   gsize           size);

/* Fills @n_samples with the voice to play from local monotonic time
 * @now_us on. Always fills the whole block (silence when nothing plays).
 * Returns TRUE when the block carries the participant's voice, and then
 * sets @capture_time_us (may be NULL) to the sender's capture time of its
 * first sample. */
gboolean        px_jitter_buffer_pull             (PxJitterBuffer *self,
                                                   gint64          now_us,
                                                   gint16         *samples,
                                                   guint           n_samples,
                                                   gint64         *capture_time_us);

/* The latest pull that played voice: at local time @local_time_us the
 * audio captured at @capture_time_us was heard. FALSE while idle. */
gboolean        px_jitter_buffer_get_playout_clock (PxJitterBuffer *self,
                                                    gint64         *local_time_us,
                                                    gint64         *capture_time_us);

void            px_jitter_buffer_get_stats        (PxJitterBuffer      *self,
                                                   PxJitterBufferStats *stats);

G_END_DECLS
