/* px-audio-ring.h: a lock-free single-producer single-consumer ring of samples
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One thread writes, one thread reads, neither waits: the hand-over between
 * PipeWire's thread and whoever produces or consumes audio. A full ring
 * drops what does not fit (the writer learns how much was taken). */
typedef struct _PxAudioRing PxAudioRing;

PxAudioRing *px_audio_ring_new        (guint         capacity);
void         px_audio_ring_free       (PxAudioRing  *ring);

/* Writer side: copies up to @n samples in, returns how many fit. */
guint        px_audio_ring_write      (PxAudioRing  *ring,
                                       const float  *samples,
                                       guint         n);

/* Reader side: copies up to @n samples out, returns how many there were. */
guint        px_audio_ring_read       (PxAudioRing  *ring,
                                       float        *samples,
                                       guint         n);

/* Samples waiting to be read (either side; a snapshot). */
guint        px_audio_ring_get_fill   (PxAudioRing  *ring);

/* Reader side: throws away everything waiting. */
void         px_audio_ring_clear      (PxAudioRing  *ring);

/* The level of a block of samples: root mean square and absolute peak,
 * both 0 to 1 for full-scale audio. */
void         px_audio_measure_level   (const float  *samples,
                                       guint         n,
                                       float        *rms,
                                       float        *peak);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PxAudioRing, px_audio_ring_free)

G_END_DECLS
