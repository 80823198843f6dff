/* px-session-participant.c: one person in a room, as a session sees them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "px-session-participant-private.h"

typedef struct
{
  guint32 stream;
  PxWireKind kind;
  char *label;
} StreamInfo;

struct _PxSessionParticipant
{
  GObject parent_instance;

  guint32 id;
  char *identity;
  char *name;
  gboolean audio_muted;
  gboolean video_muted;
  gboolean local;
  gboolean publisher;
  GArray *streams;
  JsonObject *calibration;  /* the last one sent, or NULL */
};

G_DEFINE_FINAL_TYPE (PxSessionParticipant, px_session_participant, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_IDENTITY,
  PROP_NAME,
  PROP_AUDIO_MUTED,
  PROP_VIDEO_MUTED,
  PROP_LOCAL,
  PROP_PUBLISHER,
  PROP_N_STREAMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
stream_info_clear (StreamInfo *info)
{
  g_clear_pointer (&info->label, g_free);
}

static void
px_session_participant_finalize (GObject *object)
{
  PxSessionParticipant *self = PX_SESSION_PARTICIPANT (object);

  g_free (self->identity);
  g_free (self->name);
  g_array_unref (self->streams);
  g_clear_pointer (&self->calibration, json_object_unref);

  G_OBJECT_CLASS (px_session_participant_parent_class)->finalize (object);
}

static void
px_session_participant_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  PxSessionParticipant *self = PX_SESSION_PARTICIPANT (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_uint (value, self->id);
      break;
    case PROP_IDENTITY:
      g_value_set_string (value, self->identity);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_AUDIO_MUTED:
      g_value_set_boolean (value, self->audio_muted);
      break;
    case PROP_VIDEO_MUTED:
      g_value_set_boolean (value, self->video_muted);
      break;
    case PROP_LOCAL:
      g_value_set_boolean (value, self->local);
      break;
    case PROP_PUBLISHER:
      g_value_set_boolean (value, self->publisher);
      break;
    case PROP_N_STREAMS:
      g_value_set_uint (value, self->streams->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
px_session_participant_class_init (PxSessionParticipantClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = px_session_participant_finalize;
  object_class->get_property = px_session_participant_get_property;

  properties[PROP_ID] =
    g_param_spec_uint ("id", NULL, NULL, 0, G_MAXUINT32, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_IDENTITY] =
    g_param_spec_string ("identity", NULL, NULL, "",
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, "",
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_AUDIO_MUTED] =
    g_param_spec_boolean ("audio-muted", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VIDEO_MUTED] =
    g_param_spec_boolean ("video-muted", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOCAL] =
    g_param_spec_boolean ("local", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PUBLISHER] =
    g_param_spec_boolean ("publisher", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_STREAMS] =
    g_param_spec_uint ("n-streams", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
px_session_participant_init (PxSessionParticipant *self)
{
  self->identity = g_strdup ("");
  self->name = g_strdup ("");
  self->streams = g_array_new (FALSE, TRUE, sizeof (StreamInfo));
  g_array_set_clear_func (self->streams, (GDestroyNotify) stream_info_clear);
}

PxSessionParticipant *
px_session_participant_new (guint32  id,
                    gboolean local)
{
  PxSessionParticipant *self = g_object_new (PX_TYPE_SESSION_PARTICIPANT, NULL);

  self->id = id;
  self->local = local;
  return self;
}

guint32
px_session_participant_get_id (PxSessionParticipant *self)
{
  g_return_val_if_fail (PX_IS_SESSION_PARTICIPANT (self), 0);
  return self->id;
}

const char *
px_session_participant_get_identity (PxSessionParticipant *self)
{
  g_return_val_if_fail (PX_IS_SESSION_PARTICIPANT (self), NULL);
  return self->identity;
}

const char *
px_session_participant_get_name (PxSessionParticipant *self)
{
  g_return_val_if_fail (PX_IS_SESSION_PARTICIPANT (self), NULL);
  return self->name;
}

gboolean
px_session_participant_get_audio_muted (PxSessionParticipant *self)
{
  g_return_val_if_fail (PX_IS_SESSION_PARTICIPANT (self), FALSE);
  return self->audio_muted;
}

gboolean
px_session_participant_get_video_muted (PxSessionParticipant *self)
{
  g_return_val_if_fail (PX_IS_SESSION_PARTICIPANT (self), FALSE);
  return self->video_muted;
}

gboolean
px_session_participant_get_local (PxSessionParticipant *self)
{
  g_return_val_if_fail (PX_IS_SESSION_PARTICIPANT (self), FALSE);
  return self->local;
}

gboolean
px_session_participant_get_publisher (PxSessionParticipant *self)
{
  g_return_val_if_fail (PX_IS_SESSION_PARTICIPANT (self), FALSE);
  return self->publisher;
}

guint
px_session_participant_get_n_streams (PxSessionParticipant *self)
{
  g_return_val_if_fail (PX_IS_SESSION_PARTICIPANT (self), 0);
  return self->streams->len;
}

gboolean
px_session_participant_get_stream (PxSessionParticipant  *self,
                           guint           index,
                           guint32        *stream,
                           PxWireKind     *kind,
                           const char    **label)
{
  StreamInfo *info;

  g_return_val_if_fail (PX_IS_SESSION_PARTICIPANT (self), FALSE);

  if (index >= self->streams->len)
    return FALSE;
  info = &g_array_index (self->streams, StreamInfo, index);
  if (stream != NULL)
    *stream = info->stream;
  if (kind != NULL)
    *kind = info->kind;
  if (label != NULL)
    *label = info->label;
  return TRUE;
}

void
px_session_participant_set_id (PxSessionParticipant *self,
                       guint32        id)
{
  if (self->id == id)
    return;
  self->id = id;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ID]);
}

void
px_session_participant_set_identity (PxSessionParticipant *self,
                             const char    *identity)
{
  if (identity == NULL || g_strcmp0 (self->identity, identity) == 0)
    return;
  g_free (self->identity);
  self->identity = g_strdup (identity);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IDENTITY]);
}

void
px_session_participant_set_name (PxSessionParticipant *self,
                         const char    *name)
{
  if (name == NULL || g_strcmp0 (self->name, name) == 0)
    return;
  g_free (self->name);
  self->name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

void
px_session_participant_set_muted (PxSessionParticipant *self,
                          gboolean       audio_muted,
                          gboolean       video_muted)
{
  if (self->audio_muted != !!audio_muted)
    {
      self->audio_muted = !!audio_muted;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUDIO_MUTED]);
    }
  if (self->video_muted != !!video_muted)
    {
      self->video_muted = !!video_muted;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VIDEO_MUTED]);
    }
}

void
px_session_participant_set_publisher (PxSessionParticipant *self,
                              gboolean       publisher)
{
  if (self->publisher == !!publisher)
    return;
  self->publisher = !!publisher;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PUBLISHER]);
}

void
px_session_participant_set_streams (PxSessionParticipant *self,
                            JsonArray     *streams)
{
  g_array_set_size (self->streams, 0);
  for (guint i = 0; streams != NULL && i < json_array_get_length (streams); i++)
    {
      JsonNode *node = json_array_get_element (streams, i);
      JsonObject *object;
      StreamInfo info = { 0 };

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      object = json_node_get_object (node);
      if (!px_wire_kind_from_string (json_object_get_string_member_with_default (object, "kind", ""),
                                     &info.kind))
        continue;
      info.stream = json_object_get_int_member_with_default (object, "stream", 0);
      info.label = g_strdup (json_object_get_string_member_with_default (object, "label", ""));
      g_array_append_val (self->streams, info);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_STREAMS]);
}

void
px_session_participant_update (PxSessionParticipant *self,
                       JsonObject    *description)
{
  JsonNode *streams;

  g_object_freeze_notify (G_OBJECT (self));
  px_session_participant_set_identity (self, json_object_get_string_member_with_default (description, "identity", NULL));
  px_session_participant_set_name (self, json_object_get_string_member_with_default (description, "name", NULL));
  px_session_participant_set_muted (self,
                            json_object_get_boolean_member_with_default (description, "audio_muted", FALSE),
                            json_object_get_boolean_member_with_default (description, "video_muted", FALSE));
  px_session_participant_set_publisher (self,
                                json_object_get_boolean_member_with_default (description, "publisher", FALSE));
  streams = json_object_get_member (description, "streams");
  if (streams != NULL && JSON_NODE_HOLDS_ARRAY (streams))
    px_session_participant_set_streams (self, json_node_get_array (streams));
  g_object_thaw_notify (G_OBJECT (self));
}

void
px_session_participant_set_calibration (PxSessionParticipant *self,
                                        JsonObject           *data)
{
  g_return_if_fail (PX_IS_SESSION_PARTICIPANT (self));

  if (data != NULL)
    json_object_ref (data);
  g_clear_pointer (&self->calibration, json_object_unref);
  self->calibration = data;
}

/* Whoever starts listening late (a PxRemoteMedia made after the message
 * came) still learns the participant's calibration from here. */
JsonObject *
px_session_participant_dup_calibration (PxSessionParticipant *self)
{
  g_return_val_if_fail (PX_IS_SESSION_PARTICIPANT (self), NULL);

  return self->calibration != NULL ? json_object_ref (self->calibration) : NULL;
}
