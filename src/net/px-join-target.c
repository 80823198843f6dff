/* px-join-target.c: where and as whom to join a meeting
 *
 * A join target is what the join page, the command line and (later) invite
 * links produce: a server, a room and a display name. An empty server means
 * "this computer", the server embedded in the app. Validation lives here so
 * that every entry point words its errors the same way.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "px-join-target.h"

struct _PxJoinTarget
{
  GObject parent_instance;

  char *server_url;
  char *room;
  char *display_name;
};

G_DEFINE_FINAL_TYPE (PxJoinTarget, px_join_target, G_TYPE_OBJECT)

G_DEFINE_QUARK (px-join-target-error-quark, px_join_target_error)

enum {
  PROP_0,
  PROP_SERVER_URL,
  PROP_ROOM,
  PROP_DISPLAY_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
px_join_target_finalize (GObject *object)
{
  PxJoinTarget *self = PX_JOIN_TARGET (object);

  g_free (self->server_url);
  g_free (self->room);
  g_free (self->display_name);

  G_OBJECT_CLASS (px_join_target_parent_class)->finalize (object);
}

static void
px_join_target_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  PxJoinTarget *self = PX_JOIN_TARGET (object);

  switch (prop_id)
    {
    case PROP_SERVER_URL:
      g_value_set_string (value, self->server_url);
      break;
    case PROP_ROOM:
      g_value_set_string (value, self->room);
      break;
    case PROP_DISPLAY_NAME:
      g_value_set_string (value, self->display_name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
px_join_target_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  PxJoinTarget *self = PX_JOIN_TARGET (object);

  switch (prop_id)
    {
    case PROP_SERVER_URL:
      g_free (self->server_url);
      self->server_url = g_strdup (g_value_get_string (value) ? g_value_get_string (value) : "");
      break;
    case PROP_ROOM:
      g_free (self->room);
      self->room = g_strdup (g_value_get_string (value) ? g_value_get_string (value) : "");
      break;
    case PROP_DISPLAY_NAME:
      g_free (self->display_name);
      self->display_name = g_strdup (g_value_get_string (value) ? g_value_get_string (value) : "");
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
px_join_target_class_init (PxJoinTargetClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = px_join_target_finalize;
  object_class->get_property = px_join_target_get_property;
  object_class->set_property = px_join_target_set_property;

  properties[PROP_SERVER_URL] =
    g_param_spec_string ("server-url", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ROOM] =
    g_param_spec_string ("room", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DISPLAY_NAME] =
    g_param_spec_string ("display-name", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
px_join_target_init (PxJoinTarget *self)
{
  self->server_url = g_strdup ("");
  self->room = g_strdup ("");
  self->display_name = g_strdup ("");
}

PxJoinTarget *
px_join_target_new (const char *server_url,
                    const char *room,
                    const char *display_name)
{
  return g_object_new (PX_TYPE_JOIN_TARGET,
                       "server-url", server_url,
                       "room", room,
                       "display-name", display_name,
                       NULL);
}

const char *
px_join_target_get_server_url (PxJoinTarget *self)
{
  g_return_val_if_fail (PX_IS_JOIN_TARGET (self), NULL);
  return self->server_url;
}

const char *
px_join_target_get_room (PxJoinTarget *self)
{
  g_return_val_if_fail (PX_IS_JOIN_TARGET (self), NULL);
  return self->room;
}

const char *
px_join_target_get_display_name (PxJoinTarget *self)
{
  g_return_val_if_fail (PX_IS_JOIN_TARGET (self), NULL);
  return self->display_name;
}

gboolean
px_join_target_is_embedded (PxJoinTarget *self)
{
  g_return_val_if_fail (PX_IS_JOIN_TARGET (self), FALSE);
  return self->server_url[0] == '\0';
}

/* An IP literal, or a DNS name (international names in their ASCII form),
 * lower-cased since host names are case-insensitive; IPv6 literals get
 * their brackets back. NULL when @host is neither. */
static char *
px_join_target_canonical_host (const char *host)
{
  g_autofree char *ascii = NULL;

  if (g_hostname_is_ip_address (host))
    return strchr (host, ':') ? g_strdup_printf ("[%s]", host) : g_strdup (host);

  ascii = g_hostname_to_ascii (host);
  if (ascii == NULL || ascii[0] == '\0' || ascii[0] == '.' || ascii[0] == '-')
    return NULL;

  for (const char *p = ascii; *p; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.')
        return NULL;
    }

  return g_ascii_strdown (ascii, -1);
}

/* Accepts what people type or paste: "host", "host:port", ws://, wss://,
 * http:// and https:// (mapped to their WebSocket schemes). The result is a
 * ws:// or wss:// URL with no path, query or credentials; the room is not
 * part of it. An empty text stays empty: the embedded server. */
char *
px_join_target_normalize_server (const char  *text,
                                 GError     **error)
{
  g_autofree char *trimmed = NULL;
  g_autofree char *with_scheme = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *host = NULL;
  const char *scheme;
  const char *ws_scheme;
  const char *path;

  if (text == NULL)
    return g_strdup ("");

  trimmed = g_strstrip (g_strdup (text));
  if (trimmed[0] == '\0')
    return g_strdup ("");

  if (strstr (trimmed, "://") == NULL)
    with_scheme = g_strconcat ("ws://", trimmed, NULL);
  else
    with_scheme = g_strdup (trimmed);

  uri = g_uri_parse (with_scheme, G_URI_FLAGS_NONE, &local_error);
  if (uri == NULL || g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    {
      g_set_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_SERVER,
                   _("“%s” is not a server address. Use a host name such as "
                     "meet.example.org, optionally with a port."), trimmed);
      return NULL;
    }

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "ws") == 0 || g_ascii_strcasecmp (scheme, "http") == 0)
    ws_scheme = "ws";
  else if (g_ascii_strcasecmp (scheme, "wss") == 0 || g_ascii_strcasecmp (scheme, "https") == 0)
    ws_scheme = "wss";
  else
    {
      g_set_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_SERVER,
                   _("Servers are reached over ws://, wss://, http:// or https://, not %s://."),
                   scheme);
      return NULL;
    }

  if (g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_SERVER,
                   _("A server address must not contain a user name or password."));
      return NULL;
    }

  path = g_uri_get_path (uri);
  if ((path[0] != '\0' && g_strcmp0 (path, "/") != 0) || g_uri_get_query (uri) != NULL)
    {
      g_set_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_SERVER,
                   _("Give the server address without a path; the room is entered separately."));
      return NULL;
    }

  host = px_join_target_canonical_host (g_uri_get_host (uri));
  if (host == NULL)
    {
      g_set_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_SERVER,
                   _("“%s” is not a valid host name."), g_uri_get_host (uri));
      return NULL;
    }

  if (g_uri_get_port (uri) > 0)
    return g_strdup_printf ("%s://%s:%d", ws_scheme, host, g_uri_get_port (uri));
  return g_strdup_printf ("%s://%s", ws_scheme, host);
}

/* Room names end up in URLs and logs: keep them to a safe, readable set. */
gboolean
px_join_target_check_room (const char  *room,
                           GError     **error)
{
  gsize length = room ? strlen (room) : 0;

  if (length == 0)
    {
      g_set_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_ROOM,
                   _("Enter the name of the room to join."));
      return FALSE;
    }

  if (length > PX_ROOM_NAME_MAX)
    {
      g_set_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_ROOM,
                   _("Room names are at most %d characters long."), PX_ROOM_NAME_MAX);
      return FALSE;
    }

  for (gsize i = 0; i < length; i++)
    {
      char c = room[i];

      if (!g_ascii_isalnum (c) && c != '-' && c != '_' && c != '.')
        {
          g_set_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_ROOM,
                       _("Room names may contain only letters, digits, “-”, “_” and “.”."));
          return FALSE;
        }
    }

  return TRUE;
}

/* Display names are free text for people, but never empty, never control
 * characters, and short enough for a roster row. */
char *
px_join_target_normalize_name (const char  *name,
                               GError     **error)
{
  g_autofree char *trimmed = NULL;
  const char *p;

  if (name == NULL || !g_utf8_validate (name, -1, NULL))
    {
      g_set_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_NAME,
                   _("The display name is not valid text."));
      return NULL;
    }

  trimmed = g_strstrip (g_strdup (name));
  if (trimmed[0] == '\0')
    {
      g_set_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_NAME,
                   _("Enter the name others will see."));
      return NULL;
    }

  if (g_utf8_strlen (trimmed, -1) > PX_DISPLAY_NAME_MAX)
    {
      g_set_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_NAME,
                   _("Display names are at most %d characters long."), PX_DISPLAY_NAME_MAX);
      return NULL;
    }

  for (p = trimmed; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c))
        {
          g_set_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_NAME,
                       _("The display name must not contain control characters."));
          return NULL;
        }
    }

  return g_steal_pointer (&trimmed);
}

gboolean
px_join_target_validate (PxJoinTarget  *self,
                         GError       **error)
{
  g_autofree char *server = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (PX_IS_JOIN_TARGET (self), FALSE);

  server = px_join_target_normalize_server (self->server_url, error);
  if (server == NULL)
    return FALSE;

  if (!px_join_target_check_room (self->room, error))
    return FALSE;

  name = px_join_target_normalize_name (self->display_name, error);
  return name != NULL;
}
