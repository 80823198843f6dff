/* px-call-media.h: the media of one meeting, for one session
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A PxCallMedia ties one joined PxSession to the devices: it publishes the
 * local camera and microphone (its PxLocalMedia), keeps a PxRemoteMedia
 * for every other participant in the roster (following the session's
 * GListModel as people come and go), and plays every remote voice, mixed,
 * on the speaker in 10 ms blocks.
 *
 * Use from the user interface:
 *
 *   call = px_call_media_new (session);
 *   local = px_call_media_get_local (call);
 *   px_local_media_set_camera (local, NULL, camera_node_name);  NULL: no video
 *   px_local_media_set_microphone (local, NULL, NULL);          default mic
 *   px_call_media_set_speaker (call, NULL, NULL);               default speaker
 *   g_signal_connect (call, "remote-added", G_CALLBACK (remote_added_cb), self);
 *   g_signal_connect (call, "remote-removed", G_CALLBACK (remote_removed_cb), self);
 *   if (!px_call_media_start (call, &error))
 *     show error->message;
 *   … mute button: px_local_media_set_microphone_muted (local, TRUE)
 *   … camera button: px_local_media_set_camera_off (local, TRUE)
 *   … for each remote: px_remote_media_dup_frame() on "frame-changed",
 *     "speaking" for the indicator, set_muted()/set_volume() from its menu;
 *     whether the remote's mic or camera is off: the PxSessionParticipant's
 *     "audio-muted" and "video-muted".
 *   px_call_media_stop (call);   before px_session_leave()
 *
 * The remote medias exist whether or not start() was called (so the stage
 * can lay out people before media flows); the voice is only heard while
 * started. While started, how each remote voice arrives (loss, jitter) is
 * reported back to its publisher once a second, which is what switches
 * their in-band FEC on (px_session_send_receiver_report()).
 *
 * Threading: create, call and receive signals on the session's thread. It
 * runs one playout thread (mixing into the speaker) besides the encoder
 * threads of its PxLocalMedia; see the top of px-call-media.c.
 */
#pragma once

#include <gio/gio.h>

#include "capture/px-pipewire-connection.h"
#include "media/px-local-media.h"
#include "media/px-remote-media.h"
#include "net/px-session.h"

G_BEGIN_DECLS

#define PX_TYPE_CALL_MEDIA (px_call_media_get_type ())

G_DECLARE_FINAL_TYPE (PxCallMedia, px_call_media, PX, CALL_MEDIA, GObject)

PxCallMedia    *px_call_media_new            (PxSession            *session);

PxSession      *px_call_media_get_session    (PxCallMedia          *self);

/* This participant's camera and microphone; configure before start(). */
PxLocalMedia   *px_call_media_get_local      (PxCallMedia          *self);

/* The speaker, by node.name (NULL: the default one, followed as it
 * changes). @connection NULL: the shared audio connection. Applies at the
 * next start. */
void            px_call_media_set_speaker    (PxCallMedia          *self,
                                              PxPipewireConnection *connection,
                                              const char           *speaker);
/* Whether to play remote voices at all (default TRUE); a call without a
 * speaker still shows video. Applies at the next start. */
void            px_call_media_set_playback_enabled (PxCallMedia    *self,
                                                    gboolean        enabled);

/* Opens the speaker and starts publishing (px_local_media_start()). On
 * failure nothing is left running and @error says which device failed. */
gboolean        px_call_media_start          (PxCallMedia          *self,
                                              GError              **error);
void            px_call_media_stop           (PxCallMedia          *self);

/* The PxRemoteMedia of @participant (not a new reference), or NULL for
 * the local participant and people not in the roster. */
PxRemoteMedia  *px_call_media_lookup_remote  (PxCallMedia          *self,
                                              PxSessionParticipant *participant);

/* Every PxRemoteMedia now (a new array of references). */
GPtrArray      *px_call_media_list_remotes   (PxCallMedia          *self);

/* Samples of the speaker stream waiting to be played (its share of the
 * mouth-to-ear delay). */
guint           px_call_media_get_speaker_queued (PxCallMedia      *self);

G_END_DECLS
