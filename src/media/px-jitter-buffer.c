/* px-jitter-buffer.c: one remote voice, from packets to a steady stream
 *
 * Timing. Every packet's transit (local arrival minus sender capture time;
 * the two clocks' offset cancels out below) goes into a window of the last
 * 128 packets. The smallest transit in the window is the path's base; the
 * 95th percentile minus the base is the jitter. The target delay is the
 * jitter plus 10 ms (one pull of the speaker), bounded to [min, max]; it
 * starts at 40 ms, rises at once when jitter grows and falls back slowly
 * (over about 64 packets, 1.3 s at 20 ms). A packet that comes after its
 * turn raises the target at once to what would have caught it: bursts
 * (a link holding packets back and letting them go together) put a few
 * transits above the 95th percentile, and each of those costs a frame.
 *
 * Playout. A frame's delay is its play time minus its capture time minus
 * the base transit: how long it waited beyond the fastest packet. When its
 * turn comes and it is there, it plays. When it is missing, it is lost:
 * rebuilt from the next packet's in-band FEC when that packet is at hand,
 * else concealed by Opus PLC; the schedule moves on, and the packet is
 * dropped as late if it turns up. When nothing later has come either, the
 * stream ran dry: after 200 ms of that (after a DTX packet too: the
 * next packet may only be held back), the buffer goes idle and plays
 * silence until a packet is due again.
 *
 * Delay control, which also absorbs clock drift. Because the base follows
 * the transit window, a sender whose clock runs fast shows as frames
 * waiting longer and longer, a slow one as shorter and shorter. Above the
 * target by more than half a frame, a frame is dropped after decoding if it
 * is quiet (the decoder still sees it, so its state stays right); above by
 * three frames or beyond the maximum, the next frame is dropped whatever it
 * holds. At most one frame is skipped between two played ones, so the
 * voice never jumps by more than a frame. Below the target by more than half a frame, one concealment frame
 * is inserted when the last frame was quiet, or at once when a whole frame
 * short. The band is one frame wide, so a drop never calls for a stretch
 * straight after, nor the other way round. So the delay tracks the target
 * instead of drifting; the cost is a skipped or stretched pause every so
 * often, never a growing lag.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "media/px-jitter-buffer.h"
#include "media/px-voice-decoder.h"
#include "media/px-voice-encoder.h"

#define N_SLOTS             128
#define WINDOW              128
#define MARGIN_US           (10 * 1000)
#define INITIAL_TARGET_US   (40 * 1000)
#define MIN_WINDOW_FOR_FALL 16
#define DRY_LIMIT_US        (200 * 1000)
/* RMS below about -40 dBFS counts as a pause. */
#define QUIET_RMS           330.0
#define MAX_TIME_US         (G_GINT64_CONSTANT (1) << 60)

typedef struct
{
  gboolean used;
  guint64 sequence;
  gint64 capture_time_us;
  guint8 *data;
  gsize size;
} Slot;

struct _PxJitterBuffer
{
  GObject parent_instance;

  GMutex lock;
  PxVoiceDecoder *decoder;

  gint64 min_target_us;
  gint64 max_target_us;
  gint64 target_us;

  Slot slots[N_SLOTS];
  gboolean have_highest;
  guint64 highest_sequence;

  gint64 transit[WINDOW];
  guint n_transit;
  guint transit_next;
  gint64 base_transit_us;
  gint64 jitter_us;

  gboolean playing;
  gboolean ever_played;
  guint64 next_sequence;
  gint64 next_capture_us;      /* capture time right after the last frame made */
  guint frame_samples;         /* length of the last real frame */
  gboolean last_quiet;
  gint64 dry_us;

  gint16 fifo[PX_VOICE_MAX_FRAME_SAMPLES];
  guint fifo_pos;
  guint fifo_len;
  gint64 fifo_capture_us;      /* capture time of fifo[0] */

  gboolean have_clock;
  gint64 clock_local_us;
  gint64 clock_capture_us;
  gint64 current_delay_us;

  PxJitterBufferStats stats;
};

G_DEFINE_FINAL_TYPE (PxJitterBuffer, px_jitter_buffer, G_TYPE_OBJECT)

static void
clear_slot (Slot *slot)
{
  g_clear_pointer (&slot->data, g_free);
  slot->used = FALSE;
  slot->size = 0;
}

static void
px_jitter_buffer_finalize (GObject *object)
{
  PxJitterBuffer *self = PX_JITTER_BUFFER (object);

  for (guint i = 0; i < N_SLOTS; i++)
    clear_slot (&self->slots[i]);
  g_clear_object (&self->decoder);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (px_jitter_buffer_parent_class)->finalize (object);
}

static void
px_jitter_buffer_class_init (PxJitterBufferClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = px_jitter_buffer_finalize;
}

static void
px_jitter_buffer_init (PxJitterBuffer *self)
{
  g_autoptr(GError) error = NULL;

  g_mutex_init (&self->lock);
  self->decoder = px_voice_decoder_new (&error);
  if (self->decoder == NULL)
    g_critical ("No voice decoder: %s", error->message);
  self->min_target_us = PX_JITTER_BUFFER_DEFAULT_MIN_DELAY_MS * 1000;
  self->max_target_us = PX_JITTER_BUFFER_DEFAULT_MAX_DELAY_MS * 1000;
  self->target_us = INITIAL_TARGET_US;
  self->frame_samples = PX_VOICE_SAMPLE_RATE / 50;
}

PxJitterBuffer *
px_jitter_buffer_new (void)
{
  return g_object_new (PX_TYPE_JITTER_BUFFER, NULL);
}

void
px_jitter_buffer_set_delay_bounds (PxJitterBuffer *self,
                                   guint           min_ms,
                                   guint           max_ms)
{
  g_return_if_fail (PX_IS_JITTER_BUFFER (self));
  g_return_if_fail (min_ms <= max_ms);

  g_mutex_lock (&self->lock);
  self->min_target_us = (gint64) min_ms * 1000;
  self->max_target_us = (gint64) max_ms * 1000;
  self->target_us = CLAMP (self->target_us, self->min_target_us, self->max_target_us);
  g_mutex_unlock (&self->lock);
}

static gint64
samples_to_us (gint64 samples)
{
  return samples * G_USEC_PER_SEC / PX_VOICE_SAMPLE_RATE;
}

static int
compare_gint64 (const void *a,
                const void *b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
update_timing (PxJitterBuffer *self,
               gint64          transit_us)
{
  gint64 sorted[WINDOW];
  gint64 wanted;

  self->transit[self->transit_next] = transit_us;
  self->transit_next = (self->transit_next + 1) % WINDOW;
  self->n_transit = MIN (self->n_transit + 1, WINDOW);

  memcpy (sorted, self->transit, self->n_transit * sizeof *sorted);
  qsort (sorted, self->n_transit, sizeof *sorted, compare_gint64);
  self->base_transit_us = sorted[0];
  self->jitter_us = sorted[(self->n_transit - 1) * 95 / 100] - sorted[0];

  wanted = CLAMP (self->jitter_us + MARGIN_US, self->min_target_us, self->max_target_us);
  if (wanted > self->target_us)
    self->target_us = wanted;
  else if (self->n_transit >= MIN_WINDOW_FOR_FALL)
    self->target_us -= (self->target_us - wanted) / 64;
}

/* Forgets every packet and waits for the stream to start again. */
static void
flush (PxJitterBuffer *self)
{
  for (guint i = 0; i < N_SLOTS; i++)
    clear_slot (&self->slots[i]);
  self->have_highest = FALSE;
  self->playing = FALSE;
  self->ever_played = FALSE;
  self->fifo_len = 0;
  self->n_transit = 0;
  self->transit_next = 0;
}

void
px_jitter_buffer_push (PxJitterBuffer *self,
                       guint64         sequence,
                       gint64          capture_time_us,
                       gint64          arrival_time_us,
                       const guint8   *data,
                       gsize           size)
{
  Slot *slot;

  g_return_if_fail (PX_IS_JITTER_BUFFER (self));
  g_return_if_fail (data != NULL || size == 0);

  g_mutex_lock (&self->lock);

  /* Times beyond ±36 000 years are not times; refusing them keeps every
   * sum below free of overflow. */
  if (px_voice_decoder_packet_samples (data, size) < 0
      || capture_time_us > MAX_TIME_US || capture_time_us < -MAX_TIME_US
      || arrival_time_us > MAX_TIME_US || arrival_time_us < -MAX_TIME_US)
    {
      self->stats.invalid++;
      goto out;
    }

  /* A jump of more than the buffer holds either way is a new stream (the
   * sender restarted), not lateness. */
  if (self->ever_played
      && (sequence >= self->next_sequence + N_SLOTS || sequence + N_SLOTS <= self->next_sequence))
    flush (self);

  update_timing (self, arrival_time_us - capture_time_us);

  /* Frames whose turn passed while the stream ran dry were lost if
   * something after them turns up. */
  if (self->ever_played && self->have_highest && sequence > self->highest_sequence
      && self->highest_sequence + 1 < self->next_sequence)
    self->stats.lost += MIN (sequence, self->next_sequence - 1) - self->highest_sequence;

  if (!self->have_highest || sequence > self->highest_sequence)
    {
      self->highest_sequence = sequence;
      self->have_highest = TRUE;
    }

  if (self->ever_played && sequence < self->next_sequence)
    {
      /* Its transit is in the window, but maybe above the percentile the
       * target follows: a packet that missed its turn raises the target
       * to what would have caught it (falling back slowly as usual). */
      gint64 needed = arrival_time_us - capture_time_us - self->base_transit_us + MARGIN_US;

      self->target_us = MAX (self->target_us, MIN (needed, self->max_target_us));
      self->stats.late++;
      goto out;
    }

  slot = &self->slots[sequence % N_SLOTS];
  if (slot->used && slot->sequence == sequence)
    {
      self->stats.duplicate++;
      goto out;
    }

  clear_slot (slot);
  slot->used = TRUE;
  slot->sequence = sequence;
  slot->capture_time_us = capture_time_us;
  slot->data = g_memdup2 (data, size);
  slot->size = size;
  self->stats.received++;

out:
  g_mutex_unlock (&self->lock);
}

static Slot *
find_slot (PxJitterBuffer *self,
           guint64         sequence)
{
  Slot *slot = &self->slots[sequence % N_SLOTS];

  return slot->used && slot->sequence == sequence ? slot : NULL;
}

static Slot *
oldest_slot (PxJitterBuffer *self)
{
  Slot *oldest = NULL;

  for (guint i = 0; i < N_SLOTS; i++)
    if (self->slots[i].used && (oldest == NULL || self->slots[i].sequence < oldest->sequence))
      oldest = &self->slots[i];
  return oldest;
}

static gboolean
is_quiet (const gint16 *samples,
          guint         n_samples)
{
  double sum = 0.0;

  if (n_samples == 0)
    return TRUE;
  for (guint i = 0; i < n_samples; i++)
    sum += (double) samples[i] * samples[i];
  return sum / n_samples < QUIET_RMS * QUIET_RMS;
}

static void
fill_fifo (PxJitterBuffer *self,
           int             n_samples,
           gint64          capture_time_us)
{
  self->fifo_pos = 0;
  self->fifo_len = n_samples > 0 ? (guint) n_samples : 0;
  self->fifo_capture_us = capture_time_us;
}

static void
conceal (PxJitterBuffer *self,
         gint64          capture_time_us)
{
  int n = px_voice_decoder_conceal (self->decoder, self->fifo, self->frame_samples);

  self->stats.concealed++;
  fill_fifo (self, n, capture_time_us);
}

/* Makes the next frame, to be heard from @play_time_us, into the fifo.
 * Returns FALSE when the buffer is idle: nothing to play yet. */
static gboolean
produce_frame (PxJitterBuffer *self,
               gint64          play_time_us)
{
  Slot *slot;
  gint64 frame_us;

  if (!self->playing)
    {
      Slot *first = oldest_slot (self);

      if (first == NULL
          || play_time_us < first->capture_time_us + self->base_transit_us + self->target_us)
        return FALSE;
      self->playing = TRUE;
      self->ever_played = TRUE;
      self->next_sequence = first->sequence;
      self->next_capture_us = first->capture_time_us;
      self->dry_us = 0;
    }

  /* At most one frame is skipped between two played ones (unless beyond
   * the maximum): the capture time never jumps by more than a frame. */
  for (gboolean skipped = FALSE;;)
    {
      gint64 capture_us;
      gint64 delay_us;
      gboolean above;
      gboolean far_above;

      frame_us = samples_to_us (self->frame_samples);
      slot = find_slot (self, self->next_sequence);
      capture_us = slot != NULL ? slot->capture_time_us : self->next_capture_us;
      delay_us = play_time_us - capture_us - self->base_transit_us;
      self->current_delay_us = delay_us;

      if (slot == NULL)
        break;

      above = delay_us > self->target_us + frame_us / 2;
      far_above = delay_us > self->target_us + 3 * frame_us || delay_us > self->max_target_us;

      /* Too little buffered: stretch with one concealment frame, in a
       * pause if there is one, at once if far too little. */
      if (delay_us < self->target_us - frame_us / 2
          && (self->last_quiet || delay_us < self->target_us - frame_us))
        {
          self->stats.stretched++;
          conceal (self, capture_us - frame_us);
          self->next_capture_us = capture_us;
          return TRUE;
        }

      {
        g_autoptr(GError) error = NULL;
        int n = px_voice_decoder_decode (self->decoder, slot->data, slot->size,
                                         self->fifo, G_N_ELEMENTS (self->fifo), &error);

        self->next_sequence++;
        clear_slot (slot);
        self->dry_us = 0;

        if (n <= 0)
          {
            self->stats.invalid++;
            conceal (self, capture_us);
            self->next_capture_us = capture_us + frame_us;
            return TRUE;
          }

        self->frame_samples = (guint) n;
        self->last_quiet = is_quiet (self->fifo, (guint) n);
        self->next_capture_us = capture_us + samples_to_us (n);

        /* Too much buffered: skip this frame, if quiet or if far too much. */
        if ((!skipped && (far_above || (above && self->last_quiet)))
            || delay_us > self->max_target_us + frame_us)
          {
            self->stats.dropped++;
            skipped = TRUE;
            continue;
          }

        fill_fifo (self, n, capture_us);
        return TRUE;
      }
    }

  /* The frame whose turn it is has not arrived: it is lost (or so late
   * that it will be dropped when it comes). When nothing newer has come
   * either, the stream ran dry: conceal for a while (after DTX that is
   * comfort noise), then go idle. Even after DTX the wait is the full one:
   * a network that holds packets back and lets them go in bursts makes the
   * first packet of a talk spurt look missing for a moment, and going idle
   * then would cut a hole of a whole target delay into the voice. */
  if (!self->have_highest || self->highest_sequence <= self->next_sequence)
    {
      if (self->dry_us >= DRY_LIMIT_US)
        {
          self->playing = FALSE;
          return FALSE;
        }
      self->dry_us += frame_us;
    }
  else
    {
      self->stats.lost++;
    }

  {
    Slot *following = find_slot (self, self->next_sequence + 1);

    if (following != NULL
        && px_voice_decoder_packet_may_carry_fec (following->data, following->size))
      {
        int n = px_voice_decoder_recover (self->decoder, following->data, following->size,
                                          self->fifo, self->frame_samples);
        self->stats.recovered++;
        fill_fifo (self, n, self->next_capture_us);
      }
    else
      {
        conceal (self, self->next_capture_us);
      }
  }
  self->last_quiet = FALSE;
  self->next_sequence++;
  self->next_capture_us += frame_us;
  return TRUE;
}

gboolean
px_jitter_buffer_pull (PxJitterBuffer *self,
                       gint64          now_us,
                       gint16         *samples,
                       guint           n_samples,
                       gint64         *capture_time_us)
{
  guint done = 0;
  gboolean voice = FALSE;
  gint64 first_capture_us = 0;

  g_return_val_if_fail (PX_IS_JITTER_BUFFER (self), FALSE);
  g_return_val_if_fail (samples != NULL || n_samples == 0, FALSE);

  g_mutex_lock (&self->lock);

  while (done < n_samples)
    {
      guint take;

      if (self->fifo_len == 0)
        {
          if (self->decoder == NULL
              || !produce_frame (self, now_us + samples_to_us (done)))
            {
              memset (samples + done, 0, (n_samples - done) * sizeof *samples);
              break;
            }
          if (self->fifo_len == 0)
            continue;
        }

      take = MIN (self->fifo_len, n_samples - done);
      if (!voice)
        {
          voice = TRUE;
          first_capture_us = self->fifo_capture_us + samples_to_us (self->fifo_pos);
        }
      memcpy (samples + done, self->fifo + self->fifo_pos, take * sizeof *samples);
      self->fifo_pos += take;
      self->fifo_len -= take;
      done += take;
    }

  if (voice)
    {
      self->have_clock = TRUE;
      self->clock_local_us = now_us;
      self->clock_capture_us = first_capture_us;
      if (capture_time_us != NULL)
        *capture_time_us = first_capture_us;
    }
  else
    {
      self->have_clock = FALSE;
    }

  g_mutex_unlock (&self->lock);
  return voice;
}

gboolean
px_jitter_buffer_get_playout_clock (PxJitterBuffer *self,
                                    gint64         *local_time_us,
                                    gint64         *capture_time_us)
{
  gboolean have;

  g_return_val_if_fail (PX_IS_JITTER_BUFFER (self), FALSE);

  g_mutex_lock (&self->lock);
  have = self->have_clock;
  if (have && local_time_us != NULL)
    *local_time_us = self->clock_local_us;
  if (have && capture_time_us != NULL)
    *capture_time_us = self->clock_capture_us;
  g_mutex_unlock (&self->lock);
  return have;
}

void
px_jitter_buffer_get_stats (PxJitterBuffer      *self,
                            PxJitterBufferStats *stats)
{
  g_return_if_fail (PX_IS_JITTER_BUFFER (self));
  g_return_if_fail (stats != NULL);

  g_mutex_lock (&self->lock);
  *stats = self->stats;
  stats->target_delay_ms = (guint) (self->target_us / 1000);
  stats->current_delay_ms = (guint) (MAX (self->current_delay_us, 0) / 1000);
  stats->jitter_ms = (guint) (self->jitter_us / 1000);
  g_mutex_unlock (&self->lock);
}
