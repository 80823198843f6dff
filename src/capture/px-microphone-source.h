/* px-microphone-source.h: 48 kHz mono audio from a microphone
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "px-audio-stream.h"

G_BEGIN_DECLS

#define PX_TYPE_MICROPHONE_SOURCE (px_microphone_source_get_type ())

G_DECLARE_FINAL_TYPE (PxMicrophoneSource, px_microphone_source, PX, MICROPHONE_SOURCE, PxAudioStream)

/* Captures 48 kHz mono float samples in 10 ms periods from the microphone
 * whose node.name is @device (NULL: the default one, followed when it
 * changes), with media.role Communication. A speaker's name records what
 * it plays. @connection NULL: the shared audio connection. */
PxMicrophoneSource *px_microphone_source_new       (PxPipewireConnection *connection,
                                                    const char           *device);

gboolean            px_microphone_source_start     (PxMicrophoneSource   *self,
                                                    GError              **error);
void                px_microphone_source_stop      (PxMicrophoneSource   *self);

/* Takes up to @n captured samples (from one thread at a time); returns how
 * many. Up to two seconds wait; more is dropped. */
guint               px_microphone_source_read      (PxMicrophoneSource   *self,
                                                    float                *samples,
                                                    guint                 n);

/* Drops every sample waiting, for a reader that starts late. */
void                px_microphone_source_flush     (PxMicrophoneSource   *self);

/* The level meter: RMS of the latest period and the peak since the last
 * call, 0 to 1 (full scale). Any thread. */
void                px_microphone_source_get_level (PxMicrophoneSource   *self,
                                                    float                *rms,
                                                    float                *peak);

PxAudioStreamState  px_microphone_source_get_state (PxMicrophoneSource   *self);
const GError       *px_microphone_source_get_error (PxMicrophoneSource   *self);

G_END_DECLS
