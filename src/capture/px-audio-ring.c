/* px-audio-ring.c: a lock-free single-producer single-consumer ring of samples
 *
 * Read and write positions only grow (modulo 2^32); the writer alone moves
 * the write position and the reader the read position. C11 acquire/release
 * ordering makes the samples visible before the position that announces
 * them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdatomic.h>
#include <string.h>

#include "px-audio-ring.h"

struct _PxAudioRing
{
  guint         capacity;
  float        *samples;
  _Atomic guint write_pos;
  _Atomic guint read_pos;
};

PxAudioRing *
px_audio_ring_new (guint capacity)
{
  PxAudioRing *ring;

  g_return_val_if_fail (capacity > 0 && capacity < G_MAXUINT / 2, NULL);

  ring = g_new0 (PxAudioRing, 1);
  ring->capacity = capacity;
  ring->samples = g_new0 (float, capacity);
  atomic_init (&ring->write_pos, 0);
  atomic_init (&ring->read_pos, 0);

  return ring;
}

void
px_audio_ring_free (PxAudioRing *ring)
{
  if (ring == NULL)
    return;
  g_free (ring->samples);
  g_free (ring);
}

guint
px_audio_ring_write (PxAudioRing *ring,
                     const float *samples,
                     guint        n)
{
  guint write_pos = atomic_load_explicit (&ring->write_pos, memory_order_relaxed);
  guint read_pos = atomic_load_explicit (&ring->read_pos, memory_order_acquire);
  guint space = ring->capacity - (write_pos - read_pos);
  guint start, first;

  n = MIN (n, space);
  start = write_pos % ring->capacity;
  first = MIN (n, ring->capacity - start);
  memcpy (ring->samples + start, samples, first * sizeof (float));
  memcpy (ring->samples, samples + first, (n - first) * sizeof (float));
  atomic_store_explicit (&ring->write_pos, write_pos + n, memory_order_release);

  return n;
}

guint
px_audio_ring_read (PxAudioRing *ring,
                    float       *samples,
                    guint        n)
{
  guint read_pos = atomic_load_explicit (&ring->read_pos, memory_order_relaxed);
  guint write_pos = atomic_load_explicit (&ring->write_pos, memory_order_acquire);
  guint fill = write_pos - read_pos;
  guint start, first;

  n = MIN (n, fill);
  start = read_pos % ring->capacity;
  first = MIN (n, ring->capacity - start);
  memcpy (samples, ring->samples + start, first * sizeof (float));
  memcpy (samples + first, ring->samples, (n - first) * sizeof (float));
  atomic_store_explicit (&ring->read_pos, read_pos + n, memory_order_release);

  return n;
}

guint
px_audio_ring_get_fill (PxAudioRing *ring)
{
  guint write_pos = atomic_load_explicit (&ring->write_pos, memory_order_acquire);
  guint read_pos = atomic_load_explicit (&ring->read_pos, memory_order_acquire);

  return write_pos - read_pos;
}

void
px_audio_ring_clear (PxAudioRing *ring)
{
  guint write_pos = atomic_load_explicit (&ring->write_pos, memory_order_acquire);

  atomic_store_explicit (&ring->read_pos, write_pos, memory_order_release);
}

void
px_audio_measure_level (const float *samples,
                        guint        n,
                        float       *rms,
                        float       *peak)
{
  double sum = 0;
  float max = 0;

  for (guint i = 0; i < n; i++)
    {
      float value = fabsf (samples[i]);

      sum += (double) samples[i] * samples[i];
      max = MAX (max, value);
    }
  *rms = n > 0 ? (float) sqrt (sum / n) : 0.f;
  *peak = max;
}
