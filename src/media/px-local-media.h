/* px-local-media.h: this participant's camera and microphone, into a session
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A PxLocalMedia publishes the local camera as VP8 (stream
 * PX_LOCAL_MEDIA_VIDEO_STREAM) and the local microphone as Opus in 10 ms
 * packets (stream PX_LOCAL_MEDIA_VOICE_STREAM) through one PxSession.
 *
 * Mute is real: with the microphone muted no voice packet leaves (the
 * encoder is not fed); with the camera off the camera is closed (its light
 * goes off) and no video packet leaves; turned on, it opens again and
 * video resumes with a keyframe. Both states go to the roster through
 * px_session_set_muted(), so others see them.
 *
 * The video bitrate follows the session's flow control (dropped frames and
 * bytes in flight, through PxBitrateController) up to the limit of
 * px_local_media_set_video_limits(); keyframes are made when the session
 * asks for one. The voice's in-band FEC follows the loss receivers report
 * (PxSession::receiver-report): on while any of them lost packets lately,
 * off again some seconds after the reports are clean.
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

/* Opus frames of 10 ms (the default) or 20 ms: 20 ms frames add 10 ms to
 * the mouth-to-ear delay and save a few kbit/s of packet headers. Applies
 * at the next start. */
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

/* What the user allows for video, from the preferences: the camera opens
 * at no more than @max_height lines where it offers such a size (0: the
 * default, 640×480; otherwise that height in 16:9 or the camera's largest
 * size below it), and the bitrate never goes above @max_kbps (0: the
 * default, 2500). Applies at once: an open camera reopens at the new size. */
void            px_local_media_set_video_limits     (PxLocalMedia         *self,
                                                     guint                 max_height,
                                                     guint                 max_kbps);
guint           px_local_media_get_video_max_height (PxLocalMedia         *self);
guint           px_local_media_get_video_max_kbps   (PxLocalMedia         *self);

/* Whether the camera is open now (FALSE while it is off), and the height
 * it delivers (0 before its format is agreed). */
gboolean        px_local_media_get_camera_open      (PxLocalMedia         *self);
guint           px_local_media_get_camera_height    (PxLocalMedia         *self);

/* The packet loss, percent, the voice encoder works with now (the worst
 * receivers reported lately), and whether in-band FEC is on (loss > 0). */
guint           px_local_media_get_voice_packet_loss (PxLocalMedia        *self);
gboolean        px_local_media_get_voice_fec        (PxLocalMedia         *self);

/* The current video bitrate target, kbit/s. */
guint           px_local_media_get_video_bitrate    (PxLocalMedia         *self);

/* Packets handed to the session so far, for meters and tests. */
guint64         px_local_media_get_video_packets    (PxLocalMedia         *self);
guint64         px_local_media_get_voice_packets    (PxLocalMedia         *self);

/* The microphone's level (RMS of the latest 10 ms, 0–1), measured even
 * while muted so the UI can tell someone they speak into a muted mic. */
float           px_local_media_get_microphone_level (PxLocalMedia         *self);

G_END_DECLS
