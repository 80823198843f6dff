/* px-token.c: access tokens (HS256 JSON Web Tokens)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <errno.h>
#include <math.h>
#include <sys/random.h>
#include <json-glib/json-glib.h>

#include "px-token.h"

G_DEFINE_QUARK (px-token-error-quark, px_token_error)

PxTokenClaims *
px_token_claims_new (const char *room,
                     const char *identity,
                     const char *name,
                     gint64      expires_at,
                     gboolean    can_publish,
                     gboolean    can_subscribe)
{
  PxTokenClaims *claims = g_new0 (PxTokenClaims, 1);

  claims->room = g_strdup (room);
  claims->identity = g_strdup (identity);
  claims->name = g_strdup (name != NULL ? name : identity);
  claims->expires_at = expires_at;
  claims->can_publish = can_publish;
  claims->can_subscribe = can_subscribe;
  return claims;
}

void
px_token_claims_free (PxTokenClaims *claims)
{
  if (claims == NULL)
    return;
  g_free (claims->room);
  g_free (claims->identity);
  g_free (claims->name);
  g_free (claims);
}

char *
px_base64url_encode (const guint8 *data,
                     gsize         length)
{
  char *text = g_base64_encode (data, length);
  gsize out = 0;

  for (gsize i = 0; text[i] != '\0'; i++)
    {
      if (text[i] == '=')
        break;
      text[out++] = text[i] == '+' ? '-' : text[i] == '/' ? '_' : text[i];
    }
  text[out] = '\0';
  return text;
}

guint8 *
px_base64url_decode (const char *text,
                     gsize       text_length,
                     gsize      *out_length)
{
  g_autofree char *standard = NULL;
  gsize padded;

  /* g_base64_decode() skips characters it does not know; be strict here so
   * that two different texts never verify as the same token. */
  if (text_length % 4 == 1)
    return NULL;
  for (gsize i = 0; i < text_length; i++)
    if (!g_ascii_isalnum (text[i]) && text[i] != '-' && text[i] != '_')
      return NULL;

  padded = (text_length + 3) / 4 * 4;
  standard = g_malloc (padded + 1);
  for (gsize i = 0; i < padded; i++)
    {
      if (i >= text_length)
        standard[i] = '=';
      else
        standard[i] = text[i] == '-' ? '+' : text[i] == '_' ? '/' : text[i];
    }
  standard[padded] = '\0';

  if (padded == 0)
    {
      *out_length = 0;
      return g_malloc0 (1);
    }
  return g_base64_decode (standard, out_length);
}

char *
px_random_hex (gsize length)
{
  g_autofree guint8 *bytes = g_malloc (length);
  GString *hex = g_string_sized_new (length * 2);
  gsize filled = 0;

  while (filled < length)
    {
      ssize_t got = getrandom (bytes + filled, length - filled, 0);

      if (got > 0)
        filled += got;
      else
        g_assert (errno == EINTR);
    }
  for (gsize i = 0; i < length; i++)
    g_string_append_printf (hex, "%02x", bytes[i]);
  return g_string_free (hex, FALSE);
}

static char *
sign (const char *signing_input,
      GBytes     *secret)
{
  gsize key_length;
  const guint8 *key = g_bytes_get_data (secret, &key_length);
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, key, key_length);
  guint8 digest[32];
  gsize digest_length = sizeof digest;

  g_hmac_update (hmac, (const guchar *) signing_input, strlen (signing_input));
  g_hmac_get_digest (hmac, digest, &digest_length);
  return px_base64url_encode (digest, digest_length);
}

static char *
encode_json (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;

  json_node_set_object (node, object);
  text = json_to_string (node, FALSE);
  return px_base64url_encode ((const guint8 *) text, strlen (text));
}

char *
px_token_mint (const PxTokenClaims *claims,
               GBytes              *secret)
{
  g_autoptr(JsonObject) header = json_object_new ();
  g_autoptr(JsonObject) payload = json_object_new ();
  JsonObject *grants = json_object_new ();
  g_autofree char *header_b64 = NULL;
  g_autofree char *payload_b64 = NULL;
  g_autofree char *signing_input = NULL;
  g_autofree char *signature = NULL;

  json_object_set_string_member (header, "alg", "HS256");
  json_object_set_string_member (header, "typ", "JWT");

  json_object_set_string_member (payload, "room", claims->room);
  json_object_set_string_member (payload, "sub", claims->identity);
  json_object_set_string_member (payload, "name", claims->name ? claims->name : claims->identity);
  json_object_set_int_member (payload, "iat", g_get_real_time () / G_USEC_PER_SEC);
  json_object_set_int_member (payload, "exp", claims->expires_at);
  json_object_set_boolean_member (grants, "publish", claims->can_publish);
  json_object_set_boolean_member (grants, "subscribe", claims->can_subscribe);
  json_object_set_object_member (payload, "grants", grants);

  header_b64 = encode_json (header);
  payload_b64 = encode_json (payload);
  signing_input = g_strconcat (header_b64, ".", payload_b64, NULL);
  signature = sign (signing_input, secret);
  return g_strconcat (signing_input, ".", signature, NULL);
}

static JsonObject *
decode_json_part (const char  *text,
                  gsize        length,
                  const char  *what,
                  GError     **error)
{
  g_autofree guint8 *decoded = NULL;
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  gsize decoded_length = 0;
  JsonNode *root;

  decoded = px_base64url_decode (text, length, &decoded_length);
  if (decoded == NULL || decoded_length == 0 ||
      !g_utf8_validate ((const char *) decoded, decoded_length, NULL) ||
      !json_parser_load_from_data (parser, (const char *) decoded, decoded_length, NULL))
    {
      g_set_error (error, PX_TOKEN_ERROR, PX_TOKEN_ERROR_MALFORMED,
                   "The token's %s is not base64url-encoded JSON", what);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, PX_TOKEN_ERROR, PX_TOKEN_ERROR_MALFORMED,
                   "The token's %s is not a JSON object", what);
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
bool_member (JsonObject *object,
             const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_BOOLEAN && json_node_get_boolean (node);
}

static gboolean
constant_time_equal (const char *a,
                     const char *b)
{
  gsize length = strlen (a);
  guint8 difference = 0;

  if (length != strlen (b))
    return FALSE;
  for (gsize i = 0; i < length; i++)
    difference |= (guint8) a[i] ^ (guint8) b[i];
  return difference == 0;
}

PxTokenClaims *
px_token_verify (const char  *token,
                 GBytes      *secret,
                 gint64       now,
                 GError     **error)
{
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) payload = NULL;
  g_autofree char *signing_input = NULL;
  g_autofree char *expected = NULL;
  const char *first_dot;
  const char *second_dot;
  const char *alg;
  const char *room;
  const char *identity;
  JsonNode *exp_node;
  JsonNode *grants_node;
  JsonObject *grants = NULL;
  gsize length;
  gint64 exp;

  length = token ? strlen (token) : 0;
  if (length == 0 || length > PX_TOKEN_MAX_LENGTH)
    {
      g_set_error (error, PX_TOKEN_ERROR, PX_TOKEN_ERROR_MALFORMED,
                   length == 0 ? "The token is empty" : "The token is too long");
      return NULL;
    }

  first_dot = strchr (token, '.');
  second_dot = first_dot ? strchr (first_dot + 1, '.') : NULL;
  if (first_dot == NULL || second_dot == NULL || strchr (second_dot + 1, '.') != NULL)
    {
      g_set_error (error, PX_TOKEN_ERROR, PX_TOKEN_ERROR_MALFORMED,
                   "The token does not have three dot-separated parts");
      return NULL;
    }

  header = decode_json_part (token, first_dot - token, "header", error);
  if (header == NULL)
    return NULL;

  /* The algorithm is pinned: look at nothing else before this check. */
  alg = string_member (header, "alg");
  if (g_strcmp0 (alg, "HS256") != 0)
    {
      g_set_error (error, PX_TOKEN_ERROR, PX_TOKEN_ERROR_ALGORITHM,
                   "The token's algorithm “%.16s” is not HS256", alg ? alg : "(none)");
      return NULL;
    }

  signing_input = g_strndup (token, second_dot - token);
  expected = sign (signing_input, secret);
  if (!constant_time_equal (expected, second_dot + 1))
    {
      g_set_error (error, PX_TOKEN_ERROR, PX_TOKEN_ERROR_SIGNATURE,
                   "The token's signature does not match this server's secret");
      return NULL;
    }

  payload = decode_json_part (first_dot + 1, second_dot - first_dot - 1, "payload", error);
  if (payload == NULL)
    return NULL;

  room = string_member (payload, "room");
  identity = string_member (payload, "sub");
  exp_node = json_object_get_member (payload, "exp");
  if (room == NULL || identity == NULL || identity[0] == '\0' || exp_node == NULL ||
      !JSON_NODE_HOLDS_VALUE (exp_node) ||
      (json_node_get_value_type (exp_node) != G_TYPE_INT64 &&
       json_node_get_value_type (exp_node) != G_TYPE_DOUBLE))
    {
      g_set_error (error, PX_TOKEN_ERROR, PX_TOKEN_ERROR_CLAIMS,
                   "The token lacks one of the claims room, sub and exp");
      return NULL;
    }

  if (json_node_get_value_type (exp_node) == G_TYPE_INT64)
    exp = json_node_get_int (exp_node);
  else if (isfinite (json_node_get_double (exp_node)) &&
           fabs (json_node_get_double (exp_node)) < 1e15)
    exp = (gint64) json_node_get_double (exp_node);
  else
    {
      g_set_error (error, PX_TOKEN_ERROR, PX_TOKEN_ERROR_CLAIMS,
                   "The token's exp claim is out of range");
      return NULL;
    }
  if (exp <= now)
    {
      g_set_error (error, PX_TOKEN_ERROR, PX_TOKEN_ERROR_EXPIRED, "The token has expired");
      return NULL;
    }

  grants_node = json_object_get_member (payload, "grants");
  if (grants_node != NULL && JSON_NODE_HOLDS_OBJECT (grants_node))
    grants = json_node_get_object (grants_node);

  return px_token_claims_new (room, identity, string_member (payload, "name"), exp,
                              bool_member (grants, "publish"), bool_member (grants, "subscribe"));
}

const char *
px_token_error_code (const GError *error)
{
  if (error == NULL || error->domain != PX_TOKEN_ERROR)
    return "token-invalid";

  switch ((PxTokenError) error->code)
    {
    case PX_TOKEN_ERROR_MALFORMED:
      return "token-malformed";
    case PX_TOKEN_ERROR_ALGORITHM:
      return "token-algorithm";
    case PX_TOKEN_ERROR_SIGNATURE:
      return "token-signature";
    case PX_TOKEN_ERROR_EXPIRED:
      return "token-expired";
    case PX_TOKEN_ERROR_CLAIMS:
      return "token-claims";
    default:
      return "token-invalid";
    }
}
