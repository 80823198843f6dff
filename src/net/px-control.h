/* px-control.h: JSON control messages of protocol parallax.v1
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Text WebSocket messages are JSON objects with a "type" member. The parser
 * checks the type and the members that type requires (and their JSON types)
 * so that the server and the session act only on well-formed messages.
 * PROTOCOL.md lists every message.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The largest control message either side accepts, in bytes. */
#define PX_CONTROL_MAX_SIZE 65536

#define PX_CONTROL_ERROR (px_control_error_quark ())

typedef enum
{
  PX_CONTROL_ERROR_TOO_LARGE,
  PX_CONTROL_ERROR_MALFORMED,
  PX_CONTROL_ERROR_UNKNOWN_TYPE,
  PX_CONTROL_ERROR_INVALID_FIELD,
} PxControlError;

typedef enum
{
  PX_CONTROL_TYPE_JOIN = 1,
  PX_CONTROL_TYPE_WELCOME,
  PX_CONTROL_TYPE_JOINED,
  PX_CONTROL_TYPE_LEFT,
  PX_CONTROL_TYPE_UPDATED,
  PX_CONTROL_TYPE_PUBLISH,
  PX_CONTROL_TYPE_MUTE,
  PX_CONTROL_TYPE_KEYFRAME_REQUEST,
  PX_CONTROL_TYPE_CALIBRATION,
  PX_CONTROL_TYPE_PING,
  PX_CONTROL_TYPE_PONG,
  PX_CONTROL_TYPE_ACK,
  PX_CONTROL_TYPE_ERROR,
  PX_CONTROL_TYPE_DRAINING,
  PX_CONTROL_TYPE_LEAVE,
  PX_CONTROL_TYPE_SUBSCRIBE,
  PX_CONTROL_TYPE_RECEIVER_REPORT,
} PxControlType;

#define PX_CONTROL_TYPE_LAST PX_CONTROL_TYPE_RECEIVER_REPORT

/* Bounds of a receiver report's members. */
#define PX_CONTROL_MAX_JITTER_MS 60000

typedef struct
{
  PxControlType  type;
  JsonObject    *object;
} PxControlMessage;

GQuark            px_control_error_quark     (void);

/* Parses and checks one control message; @text need not be nul-terminated. */
PxControlMessage *px_control_parse           (const char        *text,
                                              gsize              length,
                                              GError           **error);
void              px_control_message_free    (PxControlMessage  *message);

const char       *px_control_type_to_string  (PxControlType      type);

/* Serialises @object (which must have a "type" member) compactly. */
char             *px_control_to_string       (JsonObject        *object);

/* A new object with "type" set, for building outgoing messages. */
JsonObject       *px_control_object_new      (PxControlType      type);

/* Members that may be absent. */
gint64            px_control_get_int         (PxControlMessage  *message,
                                              const char        *member,
                                              gint64             fallback);
gboolean          px_control_get_bool        (PxControlMessage  *message,
                                              const char        *member,
                                              gboolean           fallback);
const char       *px_control_get_string      (PxControlMessage  *message,
                                              const char        *member,
                                              const char        *fallback);
/* A number, integer or not. */
double            px_control_get_double      (PxControlMessage  *message,
                                              const char        *member,
                                              double             fallback);

/* Checks a subscription {"participant": N, "stream": M}. */
gboolean          px_control_check_subscription (JsonNode       *node,
                                                 GError        **error);

/* Checks a stream description {"stream": N, "kind": "video", "label": "…"}. */
gboolean          px_control_check_stream    (JsonNode          *node,
                                              GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PxControlMessage, px_control_message_free)

G_END_DECLS
