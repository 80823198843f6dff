/* px-join-target.c: where and as whom to join a meeting
 *
 * A join target is what the join page, the command line and invite links
 * produce: a server, a room, a display name and, for a server other than
 * the app's own, an access token. An empty server means "this computer",
 * the server embedded in the app. Validation lives here so that every entry
 * point words its errors the same way.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "px-join-target.h"
#include "px-token.h"

struct _PxJoinTarget
{
  GObject parent_instance;

  char *server_url;
  char *room;
  char *display_name;
  char *token;
};

G_DEFINE_FINAL_TYPE (PxJoinTarget, px_join_target, G_TYPE_OBJECT)

G_DEFINE_QUARK (px-join-target-error-quark, px_join_target_error)

enum {
  PROP_0,
  PROP_SERVER_URL,
  PROP_ROOM,
  PROP_DISPLAY_NAME,
  PROP_TOKEN,
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
  g_free (self->token);

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
    case PROP_TOKEN:
      g_value_set_string (value, self->token);
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
    case PROP_TOKEN:
      /* "" and NULL both mean no token. */
      g_free (self->token);
      self->token = g_strdup (g_value_get_string (value));
      if (self->token != NULL && self->token[0] == '\0')
        g_clear_pointer (&self->token, g_free);
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
  properties[PROP_TOKEN] =
    g_param_spec_string ("token", NULL, NULL, NULL,
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

PxJoinTarget *
px_join_target_new_with_token (const char *server_url,
                               const char *room,
                               const char *display_name,
                               const char *token)
{
  return g_object_new (PX_TYPE_JOIN_TARGET,
                       "server-url", server_url,
                       "room", room,
                       "display-name", display_name,
                       "token", token,
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

const char *
px_join_target_get_token (PxJoinTarget *self)
{
  g_return_val_if_fail (PX_IS_JOIN_TARGET (self), NULL);
  return self->token;
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
  if (name == NULL)
    return FALSE;

  return self->token == NULL || px_join_target_check_token (self->token, error);
}

/* A token is a compact JWT: three base64url parts joined by dots. Only its
 * shape is checked here; the server checks the rest. */
gboolean
px_join_target_check_token (const char  *token,
                            GError     **error)
{
  gsize length = token ? strlen (token) : 0;
  guint dots = 0;

  if (length == 0)
    {
      g_set_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_TOKEN,
                   _("The access token is missing."));
      return FALSE;
    }

  if (length > PX_TOKEN_MAX_LENGTH)
    {
      g_set_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_TOKEN,
                   _("The access token is too long to be genuine."));
      return FALSE;
    }

  for (gsize i = 0; i < length; i++)
    {
      char c = token[i];

      if (c == '.')
        dots++;
      else if (!g_ascii_isalnum (c) && c != '-' && c != '_')
        {
          g_set_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_TOKEN,
                       _("The access token is damaged. Ask for a new invite link."));
          return FALSE;
        }
    }

  if (dots != 2 || token[0] == '.' || token[length - 1] == '.' || strstr (token, "..") != NULL)
    {
      g_set_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_TOKEN,
                   _("The access token is damaged. Ask for a new invite link."));
      return FALSE;
    }

  return TRUE;
}

static gboolean
invite_link_error (GError    **error,
                   const char *detail)
{
  g_set_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_LINK,
               _("This is not a valid Parallax invite link: %s"), detail);
  return FALSE;
}

/* Reads one "key=value" of the query; each known key may appear once,
 * unknown keys are left for later versions. */
static gboolean
invite_read_param (const char  *param,
                   char       **token,
                   char       **name,
                   int         *tls,
                   GError     **error)
{
  const char *equals = strchr (param, '=');
  g_autofree char *key = NULL;
  g_autofree char *value = NULL;
  char **slot = NULL;

  if (param[0] == '\0')
    return TRUE;

  key = equals ? g_strndup (param, equals - param) : g_strdup (param);
  value = g_uri_unescape_string (equals ? equals + 1 : "", NULL);
  if (value == NULL || !g_utf8_validate (value, -1, NULL))
    return invite_link_error (error, _("a parameter is badly encoded."));

  if (g_str_equal (key, "token"))
    slot = token;
  else if (g_str_equal (key, "name"))
    slot = name;
  else if (g_str_equal (key, "tls"))
    {
      if (*tls != -1)
        return invite_link_error (error, _("“tls” is given twice."));
      if (g_str_equal (value, "1"))
        *tls = 1;
      else if (g_str_equal (value, "0"))
        *tls = 0;
      else
        return invite_link_error (error, _("“tls” must be 1 or 0."));
      return TRUE;
    }
  else
    return TRUE;

  if (*slot != NULL)
    return invite_link_error (error, _("a parameter is given twice."));
  *slot = g_steal_pointer (&value);
  return TRUE;
}

PxJoinTarget *
px_join_target_new_from_invite (const char  *link,
                                GError     **error)
{
  g_autofree char *trimmed = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *host = NULL;
  g_autofree char *server = NULL;
  g_autofree char *token = NULL;
  g_autofree char *name = NULL;
  g_autofree char *display_name = NULL;
  g_auto(GStrv) params = NULL;
  const char *scheme;
  const char *path;
  const char *room;
  int tls = -1;

  if (link == NULL || strlen (link) > PX_INVITE_LINK_MAX || !g_utf8_validate (link, -1, NULL))
    {
      invite_link_error (error, _("it is too long or not text."));
      return NULL;
    }

  /* Links pasted from mail often carry spaces around them. */
  trimmed = g_strstrip (g_strdup (link));
  scheme = g_uri_peek_scheme (trimmed);
  if (g_strcmp0 (scheme, PX_INVITE_SCHEME) != 0)
    {
      invite_link_error (error, _("it must start with parallax://."));
      return NULL;
    }
  uri = g_uri_parse (trimmed, G_URI_FLAGS_ENCODED_QUERY, NULL);
  if (uri == NULL)
    {
      invite_link_error (error, _("it is malformed, perhaps cut short when it was copied."));
      return NULL;
    }

  if (g_uri_get_userinfo (uri) != NULL)
    {
      invite_link_error (error, _("it must not contain a user name or password."));
      return NULL;
    }

  host = g_uri_get_host (uri) && g_uri_get_host (uri)[0]
         ? px_join_target_canonical_host (g_uri_get_host (uri)) : NULL;
  if (host == NULL)
    {
      invite_link_error (error, _("it names no valid server."));
      return NULL;
    }

  path = g_uri_get_path (uri);
  if (path[0] != '/' || path[1] == '\0')
    {
      invite_link_error (error, _("it names no room."));
      return NULL;
    }
  room = path + 1;
  if (!px_join_target_check_room (room, error))
    return NULL;

  params = g_strsplit (g_uri_get_query (uri) ? g_uri_get_query (uri) : "", "&", -1);
  for (guint i = 0; params[i] != NULL; i++)
    {
      if (!invite_read_param (params[i], &token, &name, &tls, error))
        return NULL;
    }

  if (token == NULL)
    {
      g_set_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_TOKEN,
                   _("The invite link has no access token. Ask for a new invite link."));
      return NULL;
    }
  if (!px_join_target_check_token (token, error))
    return NULL;

  if (name != NULL)
    {
      display_name = px_join_target_normalize_name (name, error);
      if (display_name == NULL)
        return NULL;
    }

  if (g_uri_get_port (uri) > 0)
    server = g_strdup_printf ("%s://%s:%d", tls == 1 ? "wss" : "ws", host, g_uri_get_port (uri));
  else
    server = g_strdup_printf ("%s://%s", tls == 1 ? "wss" : "ws", host);

  return px_join_target_new_with_token (server, room, display_name ? display_name : "", token);
}

char *
px_join_target_to_invite (PxJoinTarget  *self,
                          GError       **error)
{
  g_autofree char *server = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *host = NULL;
  g_autofree char *name = NULL;
  GString *link;
  gboolean tls;

  g_return_val_if_fail (PX_IS_JOIN_TARGET (self), NULL);

  server = px_join_target_normalize_server (self->server_url, error);
  if (server == NULL)
    return NULL;
  if (server[0] == '\0')
    {
      g_set_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_SERVER,
                   _("An invite link needs the address others reach the server at."));
      return NULL;
    }
  if (!px_join_target_check_room (self->room, error))
    return NULL;
  if (!px_join_target_check_token (self->token, error))
    return NULL;
  if (self->display_name[0] != '\0')
    {
      name = px_join_target_normalize_name (self->display_name, error);
      if (name == NULL)
        return NULL;
    }

  uri = g_uri_parse (server, G_URI_FLAGS_NONE, NULL);
  g_assert (uri != NULL);
  tls = g_str_equal (g_uri_get_scheme (uri), "wss");
  host = px_join_target_canonical_host (g_uri_get_host (uri));

  link = g_string_new (PX_INVITE_SCHEME "://");
  g_string_append (link, host);
  if (g_uri_get_port (uri) > 0)
    g_string_append_printf (link, ":%d", g_uri_get_port (uri));
  g_string_append_printf (link, "/%s?token=%s", self->room, self->token);
  if (name != NULL)
    {
      g_autofree char *escaped = g_uri_escape_string (name, NULL, FALSE);

      g_string_append_printf (link, "&name=%s", escaped);
    }
  if (tls)
    g_string_append (link, "&tls=1");

  return g_string_free (link, FALSE);
}
