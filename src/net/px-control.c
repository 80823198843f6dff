/* px-control.c: JSON control messages of protocol parallax.v1
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include <string.h>

#include "px-control.h"
#include "px-wire.h"

G_DEFINE_QUARK (px-control-error-quark, px_control_error)

typedef enum
{
  FIELD_STRING,
  FIELD_INT,
  FIELD_BOOL,
  FIELD_OBJECT,
  FIELD_ARRAY,
  FIELD_NUMBER,
} FieldType;

typedef struct
{
  const char *name;
  FieldType   type;
  gboolean    required;
} FieldSpec;

typedef struct
{
  const char      *name;
  const FieldSpec *fields;
} TypeSpec;

/* Integers on the wire must fit a double exactly (JavaScript clients). */
#define MAX_SAFE_INTEGER ((gint64) 9007199254740991)

static const FieldSpec join_fields[] = {
  { "resume", FIELD_STRING, FALSE },
  { NULL },
};
static const FieldSpec welcome_fields[] = {
  { "participant", FIELD_INT, TRUE },
  { "room", FIELD_STRING, TRUE },
  { "resume", FIELD_STRING, TRUE },
  { "resumed", FIELD_BOOL, TRUE },
  { "participants", FIELD_ARRAY, TRUE },
  { "server_time", FIELD_INT, TRUE },
  { NULL },
};
static const FieldSpec participant_fields[] = {
  { "participant", FIELD_OBJECT, TRUE },
  { NULL },
};
static const FieldSpec left_fields[] = {
  { "participant", FIELD_INT, TRUE },
  { "reason", FIELD_STRING, FALSE },
  { NULL },
};
static const FieldSpec publish_fields[] = {
  { "streams", FIELD_ARRAY, TRUE },
  { NULL },
};
static const FieldSpec mute_fields[] = {
  { "audio", FIELD_BOOL, FALSE },
  { "video", FIELD_BOOL, FALSE },
  { NULL },
};
static const FieldSpec keyframe_fields[] = {
  { "stream", FIELD_INT, TRUE },
  { "participant", FIELD_INT, FALSE },
  { NULL },
};
static const FieldSpec calibration_fields[] = {
  { "data", FIELD_OBJECT, TRUE },
  { "participant", FIELD_INT, FALSE },
  { NULL },
};
static const FieldSpec ping_fields[] = {
  { "t0", FIELD_INT, TRUE },
  { NULL },
};
static const FieldSpec pong_fields[] = {
  { "t0", FIELD_INT, TRUE },
  { "t1", FIELD_INT, TRUE },
  { "t2", FIELD_INT, TRUE },
  { NULL },
};
static const FieldSpec ack_fields[] = {
  { "bytes", FIELD_INT, TRUE },
  { NULL },
};
static const FieldSpec error_fields[] = {
  { "code", FIELD_STRING, TRUE },
  { "message", FIELD_STRING, FALSE },
  { NULL },
};
static const FieldSpec draining_fields[] = {
  { "grace_seconds", FIELD_INT, FALSE },
  { NULL },
};
static const FieldSpec subscribe_fields[] = {
  { "all", FIELD_BOOL, FALSE },
  { "streams", FIELD_ARRAY, FALSE },
  { NULL },
};
static const FieldSpec receiver_report_fields[] = {
  { "participant", FIELD_INT, TRUE },
  { "stream", FIELD_INT, TRUE },
  { "loss", FIELD_NUMBER, TRUE },
  { "jitter_ms", FIELD_INT, FALSE },
  { NULL },
};
static const FieldSpec no_fields[] = {
  { NULL },
};

static const TypeSpec types[] = {
  [PX_CONTROL_TYPE_JOIN] = { "join", join_fields },
  [PX_CONTROL_TYPE_WELCOME] = { "welcome", welcome_fields },
  [PX_CONTROL_TYPE_JOINED] = { "joined", participant_fields },
  [PX_CONTROL_TYPE_LEFT] = { "left", left_fields },
  [PX_CONTROL_TYPE_UPDATED] = { "updated", participant_fields },
  [PX_CONTROL_TYPE_PUBLISH] = { "publish", publish_fields },
  [PX_CONTROL_TYPE_MUTE] = { "mute", mute_fields },
  [PX_CONTROL_TYPE_KEYFRAME_REQUEST] = { "keyframe-request", keyframe_fields },
  [PX_CONTROL_TYPE_CALIBRATION] = { "calibration", calibration_fields },
  [PX_CONTROL_TYPE_PING] = { "ping", ping_fields },
  [PX_CONTROL_TYPE_PONG] = { "pong", pong_fields },
  [PX_CONTROL_TYPE_ACK] = { "ack", ack_fields },
  [PX_CONTROL_TYPE_ERROR] = { "error", error_fields },
  [PX_CONTROL_TYPE_DRAINING] = { "draining", draining_fields },
  [PX_CONTROL_TYPE_LEAVE] = { "leave", no_fields },
  [PX_CONTROL_TYPE_SUBSCRIBE] = { "subscribe", subscribe_fields },
  [PX_CONTROL_TYPE_RECEIVER_REPORT] = { "receiver-report", receiver_report_fields },
};

const char *
px_control_type_to_string (PxControlType type)
{
  if (type < PX_CONTROL_TYPE_JOIN || type > PX_CONTROL_TYPE_LAST)
    return "unknown";
  return types[type].name;
}

static gboolean
node_is_int (JsonNode *node)
{
  double value;

  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    {
      gint64 integer = json_node_get_int (node);
      return integer >= -MAX_SAFE_INTEGER && integer <= MAX_SAFE_INTEGER;
    }
  if (json_node_get_value_type (node) != G_TYPE_DOUBLE)
    return FALSE;
  /* "1.0" is accepted as an integer, "1.5" is not. The range check comes
   * first (it also rejects NaN): converting a double outside gint64 is
   * undefined. */
  value = json_node_get_double (node);
  if (!(value >= (double) -MAX_SAFE_INTEGER && value <= (double) MAX_SAFE_INTEGER))
    return FALSE;
  return value == (double) (gint64) value;
}

static gboolean
check_field (JsonObject       *object,
             const FieldSpec  *spec,
             const char       *type_name,
             GError          **error)
{
  JsonNode *node = json_object_get_member (object, spec->name);
  gboolean ok = FALSE;
  const char *expected = NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (!spec->required)
        return TRUE;
      g_set_error (error, PX_CONTROL_ERROR, PX_CONTROL_ERROR_INVALID_FIELD,
                   "Message “%s” lacks the member “%s”", type_name, spec->name);
      return FALSE;
    }

  switch (spec->type)
    {
    case FIELD_STRING:
      expected = "a string";
      ok = JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
      break;
    case FIELD_INT:
      expected = "an integer";
      ok = node_is_int (node);
      break;
    case FIELD_BOOL:
      expected = "true or false";
      ok = JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN;
      break;
    case FIELD_OBJECT:
      expected = "an object";
      ok = JSON_NODE_HOLDS_OBJECT (node);
      break;
    case FIELD_ARRAY:
      expected = "an array";
      ok = JSON_NODE_HOLDS_ARRAY (node);
      break;
    case FIELD_NUMBER:
      expected = "a number";
      ok = JSON_NODE_HOLDS_VALUE (node)
           && (json_node_get_value_type (node) == G_TYPE_INT64
               || json_node_get_value_type (node) == G_TYPE_DOUBLE);
      break;
    }

  if (!ok)
    g_set_error (error, PX_CONTROL_ERROR, PX_CONTROL_ERROR_INVALID_FIELD,
                 "Member “%s” of message “%s” must be %s", spec->name, type_name, expected);
  return ok;
}

gboolean
px_control_check_subscription (JsonNode  *node,
                               GError   **error)
{
  static const FieldSpec subscription_fields[] = {
    { "participant", FIELD_INT, TRUE },
    { "stream", FIELD_INT, TRUE },
    { NULL },
  };
  JsonObject *object;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, PX_CONTROL_ERROR, PX_CONTROL_ERROR_INVALID_FIELD,
                   "A subscription must be an object");
      return FALSE;
    }
  object = json_node_get_object (node);
  for (const FieldSpec *spec = subscription_fields; spec->name != NULL; spec++)
    if (!check_field (object, spec, "subscription", error))
      return FALSE;
  for (const FieldSpec *spec = subscription_fields; spec->name != NULL; spec++)
    {
      gint64 value = json_object_get_int_member (object, spec->name);

      if (value < 0 || value > G_MAXUINT32)
        {
          g_set_error (error, PX_CONTROL_ERROR, PX_CONTROL_ERROR_INVALID_FIELD,
                       "Subscription member “%s” is out of range", spec->name);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
px_control_check_stream (JsonNode  *node,
                         GError   **error)
{
  static const FieldSpec stream_fields[] = {
    { "stream", FIELD_INT, TRUE },
    { "kind", FIELD_STRING, TRUE },
    { "label", FIELD_STRING, FALSE },
    { NULL },
  };
  JsonObject *object;
  PxWireKind kind;
  gint64 stream;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, PX_CONTROL_ERROR, PX_CONTROL_ERROR_INVALID_FIELD,
                   "A stream description must be an object");
      return FALSE;
    }
  object = json_node_get_object (node);
  for (const FieldSpec *spec = stream_fields; spec->name != NULL; spec++)
    if (!check_field (object, spec, "stream", error))
      return FALSE;

  stream = json_object_get_int_member (object, "stream");
  if (stream < 0 || stream > G_MAXUINT32)
    {
      g_set_error (error, PX_CONTROL_ERROR, PX_CONTROL_ERROR_INVALID_FIELD,
                   "Stream number %" G_GINT64_FORMAT " is out of range", stream);
      return FALSE;
    }
  if (!px_wire_kind_from_string (json_object_get_string_member (object, "kind"), &kind))
    {
      g_set_error (error, PX_CONTROL_ERROR, PX_CONTROL_ERROR_INVALID_FIELD,
                   "Stream kind “%s” is unknown",
                   json_object_get_string_member (object, "kind"));
      return FALSE;
    }
  return TRUE;
}

static double
node_get_number (JsonNode *node)
{
  return json_node_get_value_type (node) == G_TYPE_DOUBLE ? json_node_get_double (node)
                                                         : (double) json_node_get_int (node);
}

/* Ids in range, a loss fraction 0–1, a jitter of at most a minute. */
static gboolean
check_receiver_report (JsonObject  *object,
                       GError     **error)
{
  gint64 participant = json_object_get_int_member (object, "participant");
  gint64 stream = json_object_get_int_member (object, "stream");
  double loss = node_get_number (json_object_get_member (object, "loss"));
  gint64 jitter = json_object_get_int_member_with_default (object, "jitter_ms", 0);

  if (participant < 0 || participant > G_MAXUINT32 || stream < 0 || stream > G_MAXUINT32)
    {
      g_set_error (error, PX_CONTROL_ERROR, PX_CONTROL_ERROR_INVALID_FIELD,
                   "Message “receiver-report” names a participant or stream out of range");
      return FALSE;
    }
  if (!(loss >= 0.0 && loss <= 1.0))
    {
      g_set_error (error, PX_CONTROL_ERROR, PX_CONTROL_ERROR_INVALID_FIELD,
                   "Member “loss” of message “receiver-report” must be within 0 and 1");
      return FALSE;
    }
  if (jitter < 0 || jitter > PX_CONTROL_MAX_JITTER_MS)
    {
      g_set_error (error, PX_CONTROL_ERROR, PX_CONTROL_ERROR_INVALID_FIELD,
                   "Member “jitter_ms” of message “receiver-report” must be within 0 and %d",
                   PX_CONTROL_MAX_JITTER_MS);
      return FALSE;
    }
  return TRUE;
}

/* Every number a message carries is far below this; json-glib reads an
 * overlong exponent as infinity and writes round huge doubles as invalid
 * JSON ("1e+20.0"), so such numbers are refused rather than relayed. */
#define MAX_NUMBER_MAGNITUDE 1e15

static gboolean
numbers_plausible (JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        JsonNode *member;

        json_object_iter_init (&iter, json_node_get_object (node));
        while (json_object_iter_next (&iter, NULL, &member))
          if (!numbers_plausible (member))
            return FALSE;
        return TRUE;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        for (guint i = 0; i < json_array_get_length (array); i++)
          if (!numbers_plausible (json_array_get_element (array, i)))
            return FALSE;
        return TRUE;
      }
    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
        {
          double value = json_node_get_double (node);

          return isfinite (value) && fabs (value) <= MAX_NUMBER_MAGNITUDE;
        }
      return TRUE;
    case JSON_NODE_NULL:
    default:
      return TRUE;
    }
}

/* json-glib parses recursively: bound the nesting so that a small message
 * made of brackets cannot exhaust the stack. */
#define MAX_NESTING 32

static gboolean
nesting_within_limit (const char *text,
                      gsize       length)
{
  gboolean in_string = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < length; i++)
    {
      char c = text[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > MAX_NESTING)
            return FALSE;
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return TRUE;
}

PxControlMessage *
px_control_parse (const char  *text,
                  gsize        length,
                  GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) parse_error = NULL;
  JsonNode *root;
  JsonObject *object;
  JsonNode *type_node;
  const char *type_name;
  PxControlMessage *message;

  if (length > PX_CONTROL_MAX_SIZE)
    {
      g_set_error (error, PX_CONTROL_ERROR, PX_CONTROL_ERROR_TOO_LARGE,
                   "Control message of %" G_GSIZE_FORMAT " bytes exceeds %d",
                   length, PX_CONTROL_MAX_SIZE);
      return NULL;
    }
  if (text == NULL || length == 0 || memchr (text, '\0', length) != NULL ||
      !g_utf8_validate (text, length, NULL))
    {
      g_set_error (error, PX_CONTROL_ERROR, PX_CONTROL_ERROR_MALFORMED,
                   "Control message is empty or not UTF-8 text");
      return NULL;
    }

  if (!nesting_within_limit (text, length))
    {
      g_set_error (error, PX_CONTROL_ERROR, PX_CONTROL_ERROR_MALFORMED,
                   "Control message nests deeper than %d levels", MAX_NESTING);
      return NULL;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, text, length, &parse_error))
    {
      g_set_error (error, PX_CONTROL_ERROR, PX_CONTROL_ERROR_MALFORMED,
                   "Control message is not JSON: %s", parse_error->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, PX_CONTROL_ERROR, PX_CONTROL_ERROR_MALFORMED,
                   "Control message is not a JSON object");
      return NULL;
    }

  if (!numbers_plausible (root))
    {
      g_set_error (error, PX_CONTROL_ERROR, PX_CONTROL_ERROR_INVALID_FIELD,
                   "Control message has a number that is not finite or far out of range");
      return NULL;
    }

  object = json_node_get_object (root);
  type_node = json_object_get_member (object, "type");
  if (type_node == NULL || !JSON_NODE_HOLDS_VALUE (type_node) ||
      json_node_get_value_type (type_node) != G_TYPE_STRING)
    {
      g_set_error (error, PX_CONTROL_ERROR, PX_CONTROL_ERROR_MALFORMED,
                   "Control message has no “type” string");
      return NULL;
    }

  type_name = json_node_get_string (type_node);
  for (guint type = PX_CONTROL_TYPE_JOIN; type <= PX_CONTROL_TYPE_LAST; type++)
    {
      if (g_strcmp0 (type_name, types[type].name) != 0)
        continue;

      for (const FieldSpec *spec = types[type].fields; spec->name != NULL; spec++)
        if (!check_field (object, spec, type_name, error))
          return NULL;

      if (type == PX_CONTROL_TYPE_PUBLISH)
        {
          JsonArray *streams = json_object_get_array_member (object, "streams");

          for (guint i = 0; i < json_array_get_length (streams); i++)
            if (!px_control_check_stream (json_array_get_element (streams, i), error))
              return NULL;
        }
      if (type == PX_CONTROL_TYPE_SUBSCRIBE)
        {
          JsonNode *streams = json_object_get_member (object, "streams");
          gboolean all = json_object_get_boolean_member_with_default (object, "all", FALSE);

          /* Exactly one of "all": true and "streams". */
          if (all == (streams != NULL && !JSON_NODE_HOLDS_NULL (streams)))
            {
              g_set_error (error, PX_CONTROL_ERROR, PX_CONTROL_ERROR_INVALID_FIELD,
                           "Message “subscribe” needs either \"all\": true or \"streams\"");
              return NULL;
            }
          for (guint i = 0; !all && i < json_array_get_length (json_node_get_array (streams)); i++)
            if (!px_control_check_subscription (json_array_get_element (json_node_get_array (streams), i),
                                                error))
              return NULL;
        }

      if (type == PX_CONTROL_TYPE_RECEIVER_REPORT && !check_receiver_report (object, error))
        return NULL;

      message = g_new0 (PxControlMessage, 1);
      message->type = type;
      message->object = json_object_ref (object);
      return message;
    }

  g_set_error (error, PX_CONTROL_ERROR, PX_CONTROL_ERROR_UNKNOWN_TYPE,
               "Control message type “%.64s” is unknown", type_name);
  return NULL;
}

void
px_control_message_free (PxControlMessage *message)
{
  if (message == NULL)
    return;
  json_object_unref (message->object);
  g_free (message);
}

char *
px_control_to_string (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  return json_to_string (node, FALSE);
}

JsonObject *
px_control_object_new (PxControlType type)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "type", px_control_type_to_string (type));
  return object;
}

gint64
px_control_get_int (PxControlMessage *message,
                    const char       *member,
                    gint64            fallback)
{
  JsonNode *node = json_object_get_member (message->object, member);

  if (node == NULL || !node_is_int (node))
    return fallback;
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return (gint64) json_node_get_double (node);
  return json_node_get_int (node);
}

gboolean
px_control_get_bool (PxControlMessage *message,
                     const char       *member,
                     gboolean          fallback)
{
  JsonNode *node = json_object_get_member (message->object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return fallback;
  return json_node_get_boolean (node);
}

const char *
px_control_get_string (PxControlMessage *message,
                       const char       *member,
                       const char       *fallback)
{
  JsonNode *node = json_object_get_member (message->object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return fallback;
  return json_node_get_string (node);
}

double
px_control_get_double (PxControlMessage *message,
                       const char       *member,
                       double            fallback)
{
  JsonNode *node = json_object_get_member (message->object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || (json_node_get_value_type (node) != G_TYPE_DOUBLE
          && json_node_get_value_type (node) != G_TYPE_INT64))
    return fallback;
  return node_get_number (node);
}
