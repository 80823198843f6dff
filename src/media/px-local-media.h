/* px-local-media.h: this participant's camera and microphone, into a session
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A PxLocalMedia publishes the local camera as VP8 (stream
 * PX_LOCAL_MEDIA_VIDEO_STREAM) and the local microphone as Opus in 20 ms
 * packets (stream PX_LOCAL_MEDIA_VOICE_STREAM) through one PxSession.
 *
 * Mute is real: with the microphone muted no voice packet leaves (the
 * encoder is not fed); with the camera off its frames are dropped before
 * the encoder and no video packet leaves (the camera stays open so that
 * video returns at once). Both states go to the roster through
 * px_session_set_muted(), so others see them.
 *
 * The video bitrate follows the session's flow control (dropped frames and
 * bytes in flight, through PxBitrateController); keyframes are made when
 * the session asks for one.
 *
 * Threading: create it and call every method on the session's thread (the
 * thread whose main context was current at px_session_new()). Encoding runs
 * on two threads of its own, one for video and one for voice; packets come
 * back to the session's main context to be sent.
 *
 *   local = px_local_media_new (session);
 *   px_local_media_set_camera (local, NULL, "my-camera-node");
 *   px_local_media_set_microphone (local, NULL, NULL);   default microphone
 *   if (!px_local_media_start (local, &error))
 *     …
 *   px_local_media_set_microphone_muted (local, TRUE);
 */
#pragma once

#include <gio/gio.h>

#include "capture/px-pipewire-connection.h"
#include "net/px-session.h"

G_BEGIN_DECLS

#define PX_LOCAL_MEDIA_VIDEO_STREAM 1
#define PX_LOCAL_MEDIA_VOICE_STREAM 2

#define PX_TYPE_LOCAL_MEDIA (px_local_media_get_type ())

G_DECLARE_FINAL_TYPE (PxLocalMedia, px_local_media, PX, LOCAL_MEDIA, GObject)

PxLocalMedia   *px_local_media_new                  (PxSession            *session);

/* The camera to publish, by node.name (or object serial); @camera NULL:
 * publish no video. @connection NULL: the shared camera connection.
 * Applies at the next start. */
void            px_local_media_set_camera           (PxLocalMedia         *self,
                                                     PxPipewireConnection *connection,
                                                     const char           *camera);
/* The microphone, by node.name; @microphone NULL: the default one.
 * @connection NULL: the shared audio connection. Applies at the next
 * start. */
void            px_local_media_set_microphone       (PxLocalMedia         *self,
                                                     PxPipewireConnection *connection,
                                                     const char           *microphone);
/* Whether to publish voice at all (default TRUE). Applies at the next start. */
void            px_local_media_set_voice_enabled    (PxLocalMedia         *self,
                                                     gboolean              enabled);

/* Opus frames of 20 ms (the default) or 10 ms: 10 ms takes 10 ms off
 * the mouth-to-ear delay for a little more bitrate. Applies at the next
 * start. */
void            px_local_media_set_voice_frame_ms   (PxLocalMedia         *self,
                                                     guint                 frame_ms);

/* Announces the streams, opens the devices and starts encoding. Fails
 * (with a PX_CAPTURE_ERROR or PX_CODEC_ERROR) when a device cannot be used
 * or a codec cannot be made; nothing is left running then. Publishing
 * waits until the session has joined. */
gboolean        px_local_media_start                (PxLocalMedia         *self,
                                                     GError              **error);
/* Stops encoding and closes the devices; start() may be called again. */
void            px_local_media_stop                 (PxLocalMedia         *self);

/* Mic mute and camera off (properties "microphone-muted", "camera-off"). */
void            px_local_media_set_microphone_muted (PxLocalMedia         *self,
                                                     gboolean              muted);
gboolean        px_local_media_get_microphone_muted (PxLocalMedia         *self);
void            px_local_media_set_camera_off       (PxLocalMedia         *self,
                                                     gboolean              off);
gboolean        px_local_media_get_camera_off       (PxLocalMedia         *self);

/* The current video bitrate target, kbit/s. */
guint           px_local_media_get_video_bitrate    (PxLocalMedia         *self);

/* Packets handed to the session so far, for meters and tests. */
guint64         px_local_media_get_video_packets    (PxLocalMedia         *self);
guint64         px_local_media_get_voice_packets    (PxLocalMedia         *self);

/* The microphone's level (RMS of the latest 10 ms, 0–1), measured even
 * while muted so the UI can tell someone they speak into a muted mic. */
float           px_local_media_get_microphone_level (PxLocalMedia         *self);

G_END_DECLS
