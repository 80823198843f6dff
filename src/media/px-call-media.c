/* px-call-media.c: the media of one meeting, for one session
 *
 * Threads:
 *   - the session's thread: the roster, every PxRemoteMedia (video decoding,
 *     jitter buffer pushes), the PxLocalMedia's devices, all signals;
 *   - the playout thread (here): keeps the speaker's queue at about one and
 *     a half 10 ms blocks, mixing each block from the jitter buffers at the
 *     time it will be heard (PxAudioMixer and PxJitterBuffer lock for
 *     themselves);
 *   - PxLocalMedia's video and voice encoder threads, and the PipeWire
 *     threads of the capture layer.
 *
 * Keeping the speaker queue that short is what holds the mouth-to-ear
 * delay down; the jitter buffer, not the speaker queue, absorbs the network.
 *
 * Once a second, while started, every remote voice that played is
 * reported back to its publisher (PROTOCOL.md, receiver reports): the
 * share of its packets missing at their turn since the last report, and
 * its jitter. That is what switches the publisher's in-band FEC on.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "capture/px-speaker-sink.h"
#include "media/px-audio-mixer.h"
#include "media/px-call-media.h"

#define BLOCK_SAMPLES      PX_AUDIO_MIXER_BLOCK_SAMPLES
/* One and a half blocks: the speaker never runs dry between two of
 * PipeWire's 10 ms cycles, and adds no more than 15 ms. */
#define QUEUE_TARGET       (3 * BLOCK_SAMPLES / 2)
#define PLAYOUT_POLL_US    2000
#define REPORT_INTERVAL_MS 1000

struct _PxCallMedia
{
  GObject parent_instance;

  PxSession *session;
  PxLocalMedia *local;
  PxAudioMixer *mixer;
  GHashTable *remotes;         /* PxSessionParticipant → PxRemoteMedia */
  GListModel *participants;
  gulong items_changed_id;
  gulong media_frame_id;
  char *subscribed;            /* what the session receives now; NULL: everything */
  GMainContext *context;
  GSource *report_source;
  GHashTable *reported;        /* participant id → VoiceCounts at the last report */

  PxPipewireConnection *speaker_connection;
  char *speaker_name;
  gboolean playback_enabled;
  PxSpeakerSink *speaker;
  GThread *playout_thread;
  gint running;                /* atomic */
  gboolean started;
};

G_DEFINE_FINAL_TYPE (PxCallMedia, px_call_media, G_TYPE_OBJECT)

enum
{
  SIGNAL_REMOTE_ADDED,
  SIGNAL_REMOTE_REMOVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gpointer
playout_thread_func (gpointer data)
{
  PxCallMedia *self = data;
  gint16 mixed[BLOCK_SAMPLES];
  float samples[BLOCK_SAMPLES];

  while (g_atomic_int_get (&self->running))
    {
      guint queued = px_speaker_sink_get_queued (self->speaker);
      gint64 heard_at;

      if (queued >= QUEUE_TARGET)
        {
          g_usleep (PLAYOUT_POLL_US);
          continue;
        }

      /* This block plays once what is queued before it has played. */
      heard_at = g_get_monotonic_time () + (gint64) queued * G_USEC_PER_SEC / PX_AUDIO_RATE;
      px_audio_mixer_mix (self->mixer, heard_at, mixed, BLOCK_SAMPLES);
      for (guint i = 0; i < BLOCK_SAMPLES; i++)
        samples[i] = mixed[i] / 32768.0f;
      px_speaker_sink_write (self->speaker, samples, BLOCK_SAMPLES);
    }

  return NULL;
}

/* Receives every stream of flat participants, and of volumetric ones
 * everything but their cameras: the volumetric frames carry the left
 * camera's picture already, so the flat camera streams would only cost
 * downlink. With nobody volumetric the session simply receives all. */
static void
update_subscriptions (PxCallMedia *self)
{
  g_autoptr(GArray) chosen = g_array_new (FALSE, FALSE, sizeof (PxSessionSubscription));
  g_autoptr(GString) key = g_string_new (NULL);
  gboolean any_volumetric = FALSE;
  GHashTableIter iter;
  gpointer participant, remote;

  g_hash_table_iter_init (&iter, self->remotes);
  while (g_hash_table_iter_next (&iter, &participant, &remote))
    {
      gboolean volumetric = px_remote_media_get_volumetric (remote);
      guint n = px_session_participant_get_n_streams (participant);

      any_volumetric |= volumetric;
      for (guint i = 0; i < n; i++)
        {
          PxSessionSubscription subscription = { participant, 0 };
          PxWireKind kind;

          if (!px_session_participant_get_stream (participant, i, &subscription.stream, &kind, NULL) ||
              (volumetric && kind == PX_WIRE_KIND_VIDEO))
            continue;
          g_array_append_val (chosen, subscription);
          g_string_append_printf (key, "%u:%u ", px_session_participant_get_id (participant),
                                  subscription.stream);
        }
    }

  /* The protocol takes 1024 subscriptions at most (PROTOCOL.md §7): a
   * room that large receives everything rather than be cut off. */
  if (!any_volumetric || chosen->len > 1024)
    {
      if (self->subscribed != NULL)
        {
          g_clear_pointer (&self->subscribed, g_free);
          px_session_subscribe_all (self->session);
        }
      return;
    }

  /* A subscribe the server already has would only cost keyframes. The
   * hash table's order is stable while its contents are. */
  if (g_strcmp0 (self->subscribed, key->str) == 0)
    return;
  g_free (self->subscribed);
  self->subscribed = g_strdup (key->str);
  px_session_set_subscriptions (self->session, (const PxSessionSubscription *) (gpointer) chosen->data,
                                chosen->len);
}

static void
add_remote (PxCallMedia          *self,
            PxSessionParticipant *participant)
{
  g_autoptr(PxRemoteMedia) remote = NULL;

  if (px_session_participant_get_local (participant)
      || g_hash_table_contains (self->remotes, participant))
    return;

  remote = px_remote_media_new (self->session, participant, self->mixer);
  g_hash_table_insert (self->remotes, g_object_ref (participant), g_object_ref (remote));
  g_signal_connect_object (remote, "notify::volumetric", G_CALLBACK (update_subscriptions),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (participant, "notify::n-streams", G_CALLBACK (update_subscriptions),
                           self, G_CONNECT_SWAPPED);
  g_signal_emit (self, signals[SIGNAL_REMOTE_ADDED], 0, remote);
}

static void
sync_roster (PxCallMedia *self)
{
  guint n = g_list_model_get_n_items (self->participants);
  g_autoptr(GHashTable) present = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PxSessionParticipant) participant = g_list_model_get_item (self->participants, i);

      g_hash_table_add (present, participant);
      add_remote (self, participant);
    }

  g_hash_table_iter_init (&iter, self->remotes);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (g_hash_table_contains (present, key))
        continue;
      g_ptr_array_add (gone, g_object_ref (value));
      g_hash_table_iter_remove (&iter);
    }

  for (guint i = 0; i < gone->len; i++)
    {
      PxRemoteMedia *remote = g_ptr_array_index (gone, i);

      g_signal_emit (self, signals[SIGNAL_REMOTE_REMOVED], 0, remote);
      g_object_run_dispose (G_OBJECT (remote));
    }

  update_subscriptions (self);
}

static void
items_changed_cb (GListModel  *model,
                  guint        position,
                  guint        removed,
                  guint        added,
                  PxCallMedia *self)
{
  sync_roster (self);
}

static void
media_frame_cb (PxSession            *session,
                PxSessionParticipant *participant,
                guint                 kind,
                guint                 stream,
                guint                 flags,
                guint                 sequence,
                gint64                capture_time,
                GBytes               *payload,
                PxCallMedia          *self)
{
  PxRemoteMedia *remote = g_hash_table_lookup (self->remotes, participant);

  if (remote == NULL)
    {
      /* A frame can come before the roster's items-changed reaches us. */
      sync_roster (self);
      remote = g_hash_table_lookup (self->remotes, participant);
      if (remote == NULL)
        return;
    }

  px_remote_media_push_frame (remote, (PxWireKind) kind, stream, (guint16) flags, sequence,
                              capture_time, payload);
}

typedef struct
{
  guint64 received;
  guint64 lost;
} VoiceCounts;

static gboolean
voice_stream_of (PxSessionParticipant *participant,
                 guint32              *stream)
{
  guint n = px_session_participant_get_n_streams (participant);

  for (guint i = 0; i < n; i++)
    {
      PxWireKind kind;

      if (px_session_participant_get_stream (participant, i, stream, &kind, NULL)
          && kind == PX_WIRE_KIND_AUDIO)
        return TRUE;
    }
  return FALSE;
}

static gboolean
send_reports_cb (gpointer data)
{
  PxCallMedia *self = data;
  g_autoptr(GHashTable) reported = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  GHashTableIter iter;
  gpointer participant, remote;

  g_hash_table_iter_init (&iter, self->remotes);
  while (g_hash_table_iter_next (&iter, &participant, &remote))
    {
      gpointer id = GUINT_TO_POINTER (px_session_participant_get_id (participant));
      PxJitterBufferStats stats;
      VoiceCounts *counts;
      guint64 received, lost;
      guint32 stream;

      if (!px_remote_media_get_voice_stats (remote, &stats) || !voice_stream_of (participant, &stream))
        continue;

      counts = g_hash_table_lookup (self->reported, id);
      if (counts != NULL)
        g_hash_table_steal (self->reported, id);
      else
        counts = g_new0 (VoiceCounts, 1);
      /* A new jitter buffer (the participant came back) counts from zero. */
      if (stats.received < counts->received || stats.lost < counts->lost)
        counts->received = counts->lost = 0;
      received = stats.received - counts->received;
      lost = stats.lost - counts->lost;
      counts->received = stats.received;
      counts->lost = stats.lost;
      g_hash_table_insert (reported, id, counts);

      /* Nothing played (silence, or mute): nothing to say. */
      if (received + lost == 0)
        continue;
      px_session_send_receiver_report (self->session, GPOINTER_TO_UINT (id), stream,
                                       (double) lost / (double) (received + lost), stats.jitter_ms);
    }

  /* People who left are forgotten. */
  g_hash_table_unref (self->reported);
  self->reported = g_steal_pointer (&reported);
  return G_SOURCE_CONTINUE;
}

static void
stop_reports (PxCallMedia *self)
{
  if (self->report_source != NULL)
    {
      g_source_destroy (self->report_source);
      g_clear_pointer (&self->report_source, g_source_unref);
    }
}

gboolean
px_call_media_start (PxCallMedia  *self,
                     GError      **error)
{
  g_return_val_if_fail (PX_IS_CALL_MEDIA (self), FALSE);

  if (self->started)
    return TRUE;

  if (self->playback_enabled)
    {
      self->speaker = px_speaker_sink_new (self->speaker_connection, self->speaker_name);
      if (!px_speaker_sink_start (self->speaker, error))
        {
          g_clear_object (&self->speaker);
          return FALSE;
        }
      g_atomic_int_set (&self->running, TRUE);
      self->playout_thread = g_thread_new ("px-playout", playout_thread_func, self);
    }

  if (!px_local_media_start (self->local, error))
    {
      px_call_media_stop (self);
      return FALSE;
    }

  self->report_source = g_timeout_source_new (REPORT_INTERVAL_MS);
  g_source_set_callback (self->report_source, send_reports_cb, self, NULL);
  g_source_attach (self->report_source, self->context);

  self->started = TRUE;
  return TRUE;
}

void
px_call_media_stop (PxCallMedia *self)
{
  g_return_if_fail (PX_IS_CALL_MEDIA (self));

  stop_reports (self);
  px_local_media_stop (self->local);
  g_atomic_int_set (&self->running, FALSE);
  g_clear_pointer (&self->playout_thread, g_thread_join);
  if (self->speaker != NULL)
    {
      px_speaker_sink_stop (self->speaker);
      g_clear_object (&self->speaker);
    }
  self->started = FALSE;
}

PxSession *
px_call_media_get_session (PxCallMedia *self)
{
  g_return_val_if_fail (PX_IS_CALL_MEDIA (self), NULL);

  return self->session;
}

PxLocalMedia *
px_call_media_get_local (PxCallMedia *self)
{
  g_return_val_if_fail (PX_IS_CALL_MEDIA (self), NULL);

  return self->local;
}

void
px_call_media_set_speaker (PxCallMedia          *self,
                           PxPipewireConnection *connection,
                           const char           *speaker)
{
  g_return_if_fail (PX_IS_CALL_MEDIA (self));

  g_set_object (&self->speaker_connection, connection);
  g_free (self->speaker_name);
  self->speaker_name = g_strdup (speaker);
}

void
px_call_media_set_playback_enabled (PxCallMedia *self,
                                    gboolean     enabled)
{
  g_return_if_fail (PX_IS_CALL_MEDIA (self));

  self->playback_enabled = !!enabled;
}

PxRemoteMedia *
px_call_media_lookup_remote (PxCallMedia          *self,
                             PxSessionParticipant *participant)
{
  g_return_val_if_fail (PX_IS_CALL_MEDIA (self), NULL);

  return g_hash_table_lookup (self->remotes, participant);
}

GPtrArray *
px_call_media_list_remotes (PxCallMedia *self)
{
  GPtrArray *remotes = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (PX_IS_CALL_MEDIA (self), remotes);

  g_hash_table_iter_init (&iter, self->remotes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (remotes, g_object_ref (value));
  return remotes;
}

guint
px_call_media_get_speaker_queued (PxCallMedia *self)
{
  g_return_val_if_fail (PX_IS_CALL_MEDIA (self), 0);

  return self->speaker != NULL ? px_speaker_sink_get_queued (self->speaker) : 0;
}

static void
px_call_media_dispose (GObject *object)
{
  PxCallMedia *self = PX_CALL_MEDIA (object);

  if (self->local != NULL)
    px_call_media_stop (self);
  if (self->participants != NULL)
    g_clear_signal_handler (&self->items_changed_id, self->participants);
  if (self->session != NULL)
    g_clear_signal_handler (&self->media_frame_id, self->session);
  if (self->remotes != NULL)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->remotes);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        g_object_run_dispose (value);
      g_clear_pointer (&self->remotes, g_hash_table_unref);
    }
  g_clear_object (&self->local);
  g_clear_object (&self->mixer);
  g_clear_object (&self->participants);
  g_clear_object (&self->speaker_connection);
  /* The session may outlive this call's media: leave it receiving all. */
  if (self->session != NULL && self->subscribed != NULL)
    px_session_subscribe_all (self->session);
  g_clear_pointer (&self->subscribed, g_free);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (px_call_media_parent_class)->dispose (object);
}

static void
px_call_media_finalize (GObject *object)
{
  PxCallMedia *self = PX_CALL_MEDIA (object);

  g_free (self->speaker_name);
  g_free (self->subscribed);
  g_clear_pointer (&self->reported, g_hash_table_unref);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (px_call_media_parent_class)->finalize (object);
}

static void
px_call_media_class_init (PxCallMediaClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = px_call_media_dispose;
  object_class->finalize = px_call_media_finalize;

  /* Someone else is in the room now: their PxRemoteMedia. */
  signals[SIGNAL_REMOTE_ADDED] =
    g_signal_new ("remote-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, PX_TYPE_REMOTE_MEDIA);
  /* Someone left: their PxRemoteMedia decodes nothing more. */
  signals[SIGNAL_REMOTE_REMOVED] =
    g_signal_new ("remote-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, PX_TYPE_REMOTE_MEDIA);
}

static void
px_call_media_init (PxCallMedia *self)
{
  self->playback_enabled = TRUE;
  self->mixer = px_audio_mixer_new ();
  self->reported = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->context = g_main_context_ref_thread_default ();
  self->remotes = g_hash_table_new_full (NULL, NULL, g_object_unref, g_object_unref);
}

PxCallMedia *
px_call_media_new (PxSession *session)
{
  PxCallMedia *self;

  g_return_val_if_fail (PX_IS_SESSION (session), NULL);

  self = g_object_new (PX_TYPE_CALL_MEDIA, NULL);
  self->session = g_object_ref (session);
  self->local = px_local_media_new (session);
  self->participants = g_object_ref (px_session_get_participants (session));
  self->items_changed_id = g_signal_connect (self->participants, "items-changed",
                                             G_CALLBACK (items_changed_cb), self);
  self->media_frame_id = g_signal_connect (session, "media-frame",
                                           G_CALLBACK (media_frame_cb), self);
  sync_roster (self);
  return self;
}
