/* test-net-codec.c: the frame header, control messages and tokens
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "net/px-control.h"
#include "net/px-token.h"
#include "net/px-wire.h"

/* The example of PROTOCOL.md section 4. */
static const guint8 example_frame[] = {
  0x01, 0x01, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,
  0x40, 0x42, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0xaa, 0xbb, 0xcc,
};

static void
test_header_example (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) built = NULL;
  PxWireHeader header = { 0 };
  const guint8 payload[] = { 0xaa, 0xbb, 0xcc };

  g_assert_true (px_wire_header_parse (example_frame, sizeof example_frame, &header, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (header.version, ==, 1);
  g_assert_cmpuint (header.kind, ==, PX_WIRE_KIND_VIDEO);
  g_assert_cmpuint (header.flags, ==, PX_WIRE_FLAG_KEYFRAME);
  g_assert_cmpuint (header.stream, ==, 1);
  g_assert_cmpuint (header.participant, ==, 0);
  g_assert_cmpuint (header.sequence, ==, 5);
  g_assert_cmpint (header.capture_time, ==, 1000000);
  g_assert_cmpuint (header.payload_length, ==, 3);

  built = px_wire_frame_new (&header, payload, sizeof payload);
  g_assert_cmpmem (g_bytes_get_data (built, NULL), g_bytes_get_size (built),
                   example_frame, sizeof example_frame);
}

static void
test_header_round_trip (void)
{
  PxWireHeader in = {
    .kind = PX_WIRE_KIND_AUDIO, .flags = PX_WIRE_FLAG_END_OF_SET, .stream = 0xfedcba98,
    .participant = 0x12345678, .sequence = G_MAXUINT32, .capture_time = -1234567890123,
  };
  PxWireHeader out;
  g_autoptr(GBytes) frame = px_wire_frame_new (&in, (const guint8 *) "xyz", 3);
  g_autoptr(GBytes) stamped = px_wire_frame_with_participant (frame, 42);
  gsize size;
  const guint8 *data = g_bytes_get_data (frame, &size);

  g_assert_true (px_wire_header_parse (data, size, &out, NULL));
  g_assert_cmpuint (out.kind, ==, in.kind);
  g_assert_cmpuint (out.flags, ==, in.flags);
  g_assert_cmpuint (out.stream, ==, in.stream);
  g_assert_cmpuint (out.participant, ==, in.participant);
  g_assert_cmpuint (out.sequence, ==, in.sequence);
  g_assert_cmpint (out.capture_time, ==, in.capture_time);

  /* Only the participant changes, in a copy. */
  data = g_bytes_get_data (stamped, &size);
  g_assert_true (px_wire_header_parse (data, size, &out, NULL));
  g_assert_cmpuint (out.participant, ==, 42);
  g_assert_cmpuint (out.sequence, ==, in.sequence);
  g_assert_cmpmem (data + PX_WIRE_HEADER_SIZE, 3, "xyz", 3);
  data = g_bytes_get_data (frame, &size);
  g_assert_true (px_wire_header_parse (data, size, &out, NULL));
  g_assert_cmpuint (out.participant, ==, 0x12345678);
}

static void
check_bad_header (const guint8 *data,
                  gsize         size,
                  int           expected)
{
  g_autoptr(GError) error = NULL;
  PxWireHeader header = { .sequence = 77 };

  g_assert_false (px_wire_header_parse (data, size, &header, &error));
  g_assert_error (error, PX_WIRE_ERROR, expected);
  /* A failed parse leaves the output alone. */
  g_assert_cmpuint (header.sequence, ==, 77);
}

static void
test_header_bad (void)
{
  guint8 frame[sizeof example_frame];

  check_bad_header (NULL, 0, PX_WIRE_ERROR_TRUNCATED);
  check_bad_header (example_frame, PX_WIRE_HEADER_SIZE - 1, PX_WIRE_ERROR_TRUNCATED);
  /* Header present, payload cut short. */
  check_bad_header (example_frame, sizeof example_frame - 1, PX_WIRE_ERROR_LENGTH);

  memcpy (frame, example_frame, sizeof frame);
  frame[0] = 2;
  check_bad_header (frame, sizeof frame, PX_WIRE_ERROR_VERSION);

  memcpy (frame, example_frame, sizeof frame);
  frame[1] = 0;
  check_bad_header (frame, sizeof frame, PX_WIRE_ERROR_KIND);
  frame[1] = 9;
  check_bad_header (frame, sizeof frame, PX_WIRE_ERROR_KIND);

  memcpy (frame, example_frame, sizeof frame);
  frame[3] = 0x80;
  check_bad_header (frame, sizeof frame, PX_WIRE_ERROR_FLAGS);

  memcpy (frame, example_frame, sizeof frame);
  frame[31] = 1;
  check_bad_header (frame, sizeof frame, PX_WIRE_ERROR_RESERVED);

  /* A length that would overflow a careless addition. */
  memcpy (frame, example_frame, sizeof frame);
  frame[24] = frame[25] = frame[26] = frame[27] = 0xff;
  check_bad_header (frame, sizeof frame, PX_WIRE_ERROR_LENGTH);
}

static void
test_kind_names (void)
{
  PxWireKind kind;

  for (guint i = PX_WIRE_KIND_VIDEO; i <= PX_WIRE_KIND_LAST; i++)
    {
      g_assert_true (px_wire_kind_from_string (px_wire_kind_to_string (i), &kind));
      g_assert_cmpuint (kind, ==, i);
    }
  g_assert_false (px_wire_kind_from_string ("smell", &kind));
  g_assert_false (px_wire_kind_from_string (NULL, &kind));
  g_assert_cmpstr (px_wire_kind_to_string (0), ==, "unknown");
}

static PxControlMessage *
parse (const char  *text,
       GError     **error)
{
  return px_control_parse (text, strlen (text), error);
}

static void
test_control_valid (void)
{
  static const struct
  {
    const char *text;
    PxControlType type;
  } cases[] = {
    { "{\"type\":\"join\"}", PX_CONTROL_TYPE_JOIN },
    { "{\"type\":\"join\",\"resume\":\"abc\",\"name\":\"ignored\"}", PX_CONTROL_TYPE_JOIN },
    { "{\"type\":\"publish\",\"streams\":[{\"stream\":1,\"kind\":\"video\",\"label\":\"c\"},"
      "{\"stream\":2,\"kind\":\"audio\"}]}", PX_CONTROL_TYPE_PUBLISH },
    { "{\"type\":\"mute\",\"audio\":true}", PX_CONTROL_TYPE_MUTE },
    { "{\"type\":\"keyframe-request\",\"participant\":3,\"stream\":1}", PX_CONTROL_TYPE_KEYFRAME_REQUEST },
    { "{\"type\":\"calibration\",\"data\":{\"fx\":500.5}}", PX_CONTROL_TYPE_CALIBRATION },
    { "{\"type\":\"ping\",\"t0\":123456789}", PX_CONTROL_TYPE_PING },
    { "{\"type\":\"ping\",\"t0\":1.0}", PX_CONTROL_TYPE_PING },
    { "{\"type\":\"pong\",\"t0\":1,\"t1\":2,\"t2\":3}", PX_CONTROL_TYPE_PONG },
    { "{\"type\":\"ack\",\"bytes\":9007199254740991}", PX_CONTROL_TYPE_ACK },
    { "{\"type\":\"leave\",\"extra\":[1,2,3]}", PX_CONTROL_TYPE_LEAVE },
    { "{\"type\":\"subscribe\",\"all\":true}", PX_CONTROL_TYPE_SUBSCRIBE },
    { "{\"type\":\"subscribe\",\"streams\":[]}", PX_CONTROL_TYPE_SUBSCRIBE },
    { "{\"type\":\"subscribe\",\"streams\":[{\"participant\":3,\"stream\":1}]}", PX_CONTROL_TYPE_SUBSCRIBE },
    { "{\"type\":\"error\",\"code\":\"not-allowed\"}", PX_CONTROL_TYPE_ERROR },
    { "{\"type\":\"draining\",\"grace_seconds\":30}", PX_CONTROL_TYPE_DRAINING },
    { "{\"type\":\"left\",\"participant\":4,\"reason\":\"timeout\"}", PX_CONTROL_TYPE_LEFT },
    { "{\"type\":\"receiver-report\",\"participant\":3,\"stream\":2,\"loss\":0.07,\"jitter_ms\":12}",
      PX_CONTROL_TYPE_RECEIVER_REPORT },
    { "{\"type\":\"receiver-report\",\"participant\":3,\"stream\":2,\"loss\":0}",
      PX_CONTROL_TYPE_RECEIVER_REPORT },
    { "{\"type\":\"receiver-report\",\"participant\":3,\"stream\":2,\"loss\":1,\"jitter_ms\":60000}",
      PX_CONTROL_TYPE_RECEIVER_REPORT },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PxControlMessage) message = parse (cases[i].text, &error);

      g_assert_no_error (error);
      g_assert_nonnull (message);
      g_assert_cmpint (message->type, ==, cases[i].type);
    }

  {
    g_autoptr(PxControlMessage) message = parse ("{\"type\":\"ping\",\"t0\":42}", NULL);

    g_assert_cmpint (px_control_get_int (message, "t0", 0), ==, 42);
    g_assert_cmpint (px_control_get_int (message, "t9", -1), ==, -1);
    g_assert_cmpstr (px_control_get_string (message, "type", NULL), ==, "ping");
    g_assert_true (px_control_get_bool (message, "absent", TRUE));
  }

  {
    g_autoptr(PxControlMessage) message =
      parse ("{\"type\":\"receiver-report\",\"participant\":3,\"stream\":2,\"loss\":0.25}", NULL);

    g_assert_cmpfloat (px_control_get_double (message, "loss", -1.0), ==, 0.25);
    g_assert_cmpfloat (px_control_get_double (message, "stream", -1.0), ==, 2.0);
    g_assert_cmpfloat (px_control_get_double (message, "type", -1.0), ==, -1.0);
    g_assert_cmpfloat (px_control_get_double (message, "jitter_ms", -1.0), ==, -1.0);
  }
}

static void
test_control_invalid (void)
{
  static const struct
  {
    const char *text;
    int error;
  } cases[] = {
    { "", PX_CONTROL_ERROR_MALFORMED },
    { "{", PX_CONTROL_ERROR_MALFORMED },
    { "[1,2]", PX_CONTROL_ERROR_MALFORMED },
    { "\"join\"", PX_CONTROL_ERROR_MALFORMED },
    { "{\"kind\":\"join\"}", PX_CONTROL_ERROR_MALFORMED },
    { "{\"type\":7}", PX_CONTROL_ERROR_MALFORMED },
    { "{\"type\":\"dance\"}", PX_CONTROL_ERROR_UNKNOWN_TYPE },
    { "{\"type\":\"ping\"}", PX_CONTROL_ERROR_INVALID_FIELD },
    { "{\"type\":\"ping\",\"t0\":\"now\"}", PX_CONTROL_ERROR_INVALID_FIELD },
    { "{\"type\":\"ping\",\"t0\":1.5}", PX_CONTROL_ERROR_INVALID_FIELD },
    { "{\"type\":\"ack\",\"bytes\":1e300}", PX_CONTROL_ERROR_INVALID_FIELD },
    { "{\"type\":\"ack\",\"bytes\":9007199254740993}", PX_CONTROL_ERROR_INVALID_FIELD },
    { "{\"type\":\"mute\",\"audio\":\"yes\"}", PX_CONTROL_ERROR_INVALID_FIELD },
    { "{\"type\":\"join\",\"resume\":5}", PX_CONTROL_ERROR_INVALID_FIELD },
    { "{\"type\":\"publish\",\"streams\":{}}", PX_CONTROL_ERROR_INVALID_FIELD },
    { "{\"type\":\"publish\",\"streams\":[1]}", PX_CONTROL_ERROR_INVALID_FIELD },
    { "{\"type\":\"publish\",\"streams\":[{\"stream\":1,\"kind\":\"smell\"}]}", PX_CONTROL_ERROR_INVALID_FIELD },
    { "{\"type\":\"publish\",\"streams\":[{\"stream\":-1,\"kind\":\"video\"}]}", PX_CONTROL_ERROR_INVALID_FIELD },
    { "{\"type\":\"publish\",\"streams\":[{\"stream\":4294967296,\"kind\":\"video\"}]}", PX_CONTROL_ERROR_INVALID_FIELD },
    { "{\"type\":\"calibration\",\"data\":[]}", PX_CONTROL_ERROR_INVALID_FIELD },
    { "{\"type\":\"subscribe\"}", PX_CONTROL_ERROR_INVALID_FIELD },
    { "{\"type\":\"subscribe\",\"all\":false}", PX_CONTROL_ERROR_INVALID_FIELD },
    { "{\"type\":\"subscribe\",\"all\":true,\"streams\":[]}", PX_CONTROL_ERROR_INVALID_FIELD },
    { "{\"type\":\"subscribe\",\"streams\":[{\"participant\":3}]}", PX_CONTROL_ERROR_INVALID_FIELD },
    { "{\"type\":\"subscribe\",\"streams\":[{\"participant\":-3,\"stream\":1}]}", PX_CONTROL_ERROR_INVALID_FIELD },
    { "{\"type\":\"receiver-report\",\"participant\":3,\"stream\":2}", PX_CONTROL_ERROR_INVALID_FIELD },
    { "{\"type\":\"receiver-report\",\"participant\":3,\"loss\":0.1}", PX_CONTROL_ERROR_INVALID_FIELD },
    { "{\"type\":\"receiver-report\",\"participant\":3,\"stream\":2,\"loss\":\"7%\"}", PX_CONTROL_ERROR_INVALID_FIELD },
    { "{\"type\":\"receiver-report\",\"participant\":3,\"stream\":2,\"loss\":1.5}", PX_CONTROL_ERROR_INVALID_FIELD },
    { "{\"type\":\"receiver-report\",\"participant\":3,\"stream\":2,\"loss\":-0.1}", PX_CONTROL_ERROR_INVALID_FIELD },
    { "{\"type\":\"receiver-report\",\"participant\":3,\"stream\":2,\"loss\":1e999}", PX_CONTROL_ERROR_INVALID_FIELD },
    { "{\"type\":\"receiver-report\",\"participant\":3,\"stream\":2,\"loss\":0,\"jitter_ms\":-1}", PX_CONTROL_ERROR_INVALID_FIELD },
    { "{\"type\":\"receiver-report\",\"participant\":3,\"stream\":2,\"loss\":0,\"jitter_ms\":60001}", PX_CONTROL_ERROR_INVALID_FIELD },
    { "{\"type\":\"receiver-report\",\"participant\":3,\"stream\":2,\"loss\":0,\"jitter_ms\":1.5}", PX_CONTROL_ERROR_INVALID_FIELD },
    { "{\"type\":\"receiver-report\",\"participant\":-3,\"stream\":2,\"loss\":0}", PX_CONTROL_ERROR_INVALID_FIELD },
    { "{\"type\":\"receiver-report\",\"participant\":3,\"stream\":4294967296,\"loss\":0}", PX_CONTROL_ERROR_INVALID_FIELD },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PxControlMessage) message = parse (cases[i].text, &error);

      g_test_message ("%s", cases[i].text);
      g_assert_null (message);
      g_assert_error (error, PX_CONTROL_ERROR, cases[i].error);
    }
}

static void
test_control_hostile (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) deep = g_string_new ("{\"type\":\"calibration\",\"data\":");
  g_autofree char *huge = NULL;
  const char with_nul[] = "{\"type\":\"join\"}\0{}";
  const char not_utf8[] = "{\"type\":\"join\",\"name\":\"\xff\xfe\"}";

  /* Deep nesting is refused before json-glib recurses into it. */
  for (guint i = 0; i < 5000; i++)
    g_string_append_c (deep, '[');
  g_assert_null (px_control_parse (deep->str, deep->len, &error));
  g_assert_error (error, PX_CONTROL_ERROR, PX_CONTROL_ERROR_MALFORMED);
  g_clear_error (&error);

  huge = g_strnfill (PX_CONTROL_MAX_SIZE + 1, ' ');
  g_assert_null (px_control_parse (huge, strlen (huge), &error));
  g_assert_error (error, PX_CONTROL_ERROR, PX_CONTROL_ERROR_TOO_LARGE);
  g_clear_error (&error);

  g_assert_null (px_control_parse (with_nul, sizeof with_nul - 1, &error));
  g_assert_error (error, PX_CONTROL_ERROR, PX_CONTROL_ERROR_MALFORMED);
  g_clear_error (&error);

  g_assert_null (px_control_parse (not_utf8, strlen (not_utf8), &error));
  g_assert_error (error, PX_CONTROL_ERROR, PX_CONTROL_ERROR_MALFORMED);
  g_clear_error (&error);

  /* Brackets inside strings do not count as nesting. */
  {
    g_autoptr(GString) text = g_string_new ("{\"type\":\"join\",\"name\":\"");
    g_autoptr(PxControlMessage) message = NULL;

    for (guint i = 0; i < 100; i++)
      g_string_append (text, "[{");
    g_string_append (text, "\\\"\"}");
    message = px_control_parse (text->str, text->len, &error);
    g_assert_no_error (error);
    g_assert_nonnull (message);
  }
}

static void
test_control_build (void)
{
  g_autoptr(JsonObject) object = px_control_object_new (PX_CONTROL_TYPE_ACK);
  g_autofree char *text = NULL;
  g_autoptr(PxControlMessage) message = NULL;

  json_object_set_int_member (object, "bytes", 123);
  text = px_control_to_string (object);
  message = parse (text, NULL);
  g_assert_nonnull (message);
  g_assert_cmpint (message->type, ==, PX_CONTROL_TYPE_ACK);
  g_assert_cmpint (px_control_get_int (message, "bytes", 0), ==, 123);
}

/* Tokens -------------------------------------------------------------------- */

#define SECRET "0123456789abcdef0123456789abcdef"

static GBytes *
secret_bytes (const char *text)
{
  return g_bytes_new (text, strlen (text));
}

/* A token with any header and payload, signed (HS256) with @secret. */
static char *
craft_token (const char *header,
             const char *payload,
             const char *secret)
{
  g_autofree char *h = px_base64url_encode ((const guint8 *) header, strlen (header));
  g_autofree char *p = px_base64url_encode ((const guint8 *) payload, strlen (payload));
  g_autofree char *input = g_strconcat (h, ".", p, NULL);
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) secret, strlen (secret));
  guint8 digest[32];
  gsize length = sizeof digest;
  g_autofree char *signature = NULL;

  g_hmac_update (hmac, (const guchar *) input, strlen (input));
  g_hmac_get_digest (hmac, digest, &length);
  signature = px_base64url_encode (digest, length);
  return g_strconcat (input, ".", signature, NULL);
}

static void
test_token_round_trip (void)
{
  g_autoptr(GBytes) secret = secret_bytes (SECRET);
  g_autoptr(PxTokenClaims) claims = px_token_claims_new ("standup", "alice", "Alice Ä",
                                                         2000000000, FALSE, TRUE);
  g_autofree char *token = px_token_mint (claims, secret);
  g_autoptr(PxTokenClaims) verified = NULL;
  g_autoptr(GError) error = NULL;

  verified = px_token_verify (token, secret, 1900000000, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (verified->room, ==, "standup");
  g_assert_cmpstr (verified->identity, ==, "alice");
  g_assert_cmpstr (verified->name, ==, "Alice Ä");
  g_assert_cmpint (verified->expires_at, ==, 2000000000);
  g_assert_false (verified->can_publish);
  g_assert_true (verified->can_subscribe);
}

static void
check_rejected (const char   *token,
                int           expected,
                const char   *code)
{
  g_autoptr(GBytes) secret = secret_bytes (SECRET);
  g_autoptr(GError) error = NULL;
  g_autoptr(PxTokenClaims) claims = px_token_verify (token, secret, 1900000000, &error);

  g_test_message ("token %s", token ? token : "(null)");
  g_assert_null (claims);
  g_assert_error (error, PX_TOKEN_ERROR, expected);
  g_assert_cmpstr (px_token_error_code (error), ==, code);
}

static void
test_token_rejected (void)
{
  const char *payload = "{\"room\":\"r\",\"sub\":\"s\",\"exp\":2000000000}";
  g_autofree char *good = craft_token ("{\"alg\":\"HS256\"}", payload, SECRET);
  g_autofree char *none = NULL;
  g_autofree char *rs256 = craft_token ("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", payload, SECRET);
  g_autofree char *lower = craft_token ("{\"alg\":\"hs256\"}", payload, SECRET);
  g_autofree char *no_alg = craft_token ("{\"typ\":\"JWT\"}", payload, SECRET);
  g_autofree char *wrong_secret = craft_token ("{\"alg\":\"HS256\"}", payload, "another-secret-of-some-length");
  g_autofree char *expired = craft_token ("{\"alg\":\"HS256\"}",
                                          "{\"room\":\"r\",\"sub\":\"s\",\"exp\":1900000000}", SECRET);
  g_autofree char *no_room = craft_token ("{\"alg\":\"HS256\"}", "{\"sub\":\"s\",\"exp\":2000000000}", SECRET);
  g_autofree char *empty_sub = craft_token ("{\"alg\":\"HS256\"}",
                                            "{\"room\":\"r\",\"sub\":\"\",\"exp\":2000000000}", SECRET);
  g_autofree char *string_exp = craft_token ("{\"alg\":\"HS256\"}",
                                             "{\"room\":\"r\",\"sub\":\"s\",\"exp\":\"2000000000\"}", SECRET);
  g_autofree char *huge_exp = craft_token ("{\"alg\":\"HS256\"}",
                                           "{\"room\":\"r\",\"sub\":\"s\",\"exp\":1e300}", SECRET);
  g_autofree char *array_payload = craft_token ("{\"alg\":\"HS256\"}", "[1]", SECRET);
  g_autofree char *tampered = NULL;
  g_autofree char *long_token = g_strnfill (PX_TOKEN_MAX_LENGTH + 1, 'a');
  g_autofree char *h = px_base64url_encode ((const guint8 *) "{\"alg\":\"none\"}", 14);
  g_autofree char *p = px_base64url_encode ((const guint8 *) payload, strlen (payload));
  g_autoptr(GBytes) secret = secret_bytes (SECRET);
  g_autoptr(PxTokenClaims) ok = px_token_verify (good, secret, 1900000000, NULL);
  char *dot;

  g_assert_nonnull (ok);

  /* alg "none" with an empty signature, and with a signature. */
  none = g_strconcat (h, ".", p, ".", NULL);
  check_rejected (none, PX_TOKEN_ERROR_ALGORITHM, "token-algorithm");
  g_free (none);
  none = g_strconcat (h, ".", p, ".c2ln", NULL);
  check_rejected (none, PX_TOKEN_ERROR_ALGORITHM, "token-algorithm");

  check_rejected (rs256, PX_TOKEN_ERROR_ALGORITHM, "token-algorithm");
  check_rejected (lower, PX_TOKEN_ERROR_ALGORITHM, "token-algorithm");
  check_rejected (no_alg, PX_TOKEN_ERROR_ALGORITHM, "token-algorithm");
  check_rejected (wrong_secret, PX_TOKEN_ERROR_SIGNATURE, "token-signature");
  check_rejected (expired, PX_TOKEN_ERROR_EXPIRED, "token-expired");
  check_rejected (no_room, PX_TOKEN_ERROR_CLAIMS, "token-claims");
  check_rejected (empty_sub, PX_TOKEN_ERROR_CLAIMS, "token-claims");
  check_rejected (string_exp, PX_TOKEN_ERROR_CLAIMS, "token-claims");
  check_rejected (huge_exp, PX_TOKEN_ERROR_CLAIMS, "token-claims");
  check_rejected (array_payload, PX_TOKEN_ERROR_MALFORMED, "token-malformed");

  /* Changing one character of the payload breaks the signature. */
  tampered = g_strdup (good);
  dot = strchr (tampered, '.');
  dot[1] = dot[1] == 'A' ? 'B' : 'A';
  check_rejected (tampered, PX_TOKEN_ERROR_SIGNATURE, "token-signature");

  check_rejected ("", PX_TOKEN_ERROR_MALFORMED, "token-malformed");
  check_rejected (NULL, PX_TOKEN_ERROR_MALFORMED, "token-malformed");
  check_rejected ("abc", PX_TOKEN_ERROR_MALFORMED, "token-malformed");
  check_rejected ("a.b", PX_TOKEN_ERROR_MALFORMED, "token-malformed");
  check_rejected ("a.b.c.d", PX_TOKEN_ERROR_MALFORMED, "token-malformed");
  check_rejected ("!!!.b.c", PX_TOKEN_ERROR_MALFORMED, "token-malformed");
  check_rejected ("e30.e30.", PX_TOKEN_ERROR_ALGORITHM, "token-algorithm");
  check_rejected (long_token, PX_TOKEN_ERROR_MALFORMED, "token-malformed");
}

static void
test_token_grants_default_false (void)
{
  g_autofree char *token = craft_token ("{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
                                        "{\"room\":\"r\",\"sub\":\"s\",\"exp\":2000000000.0,"
                                        "\"grants\":{\"publish\":1}}", SECRET);
  g_autoptr(GBytes) secret = secret_bytes (SECRET);
  g_autoptr(GError) error = NULL;
  g_autoptr(PxTokenClaims) claims = px_token_verify (token, secret, 1900000000, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (claims->name, ==, "s");
  /* Only true itself grants; 1 is not true. */
  g_assert_false (claims->can_publish);
  g_assert_false (claims->can_subscribe);
}

static void
test_base64url (void)
{
  static const struct
  {
    const char *plain;
    const char *encoded;
  } vectors[] = {
    { "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" }, { "foob", "Zm9vYg" },
    { "\xfb\xff", "-_8" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autofree char *encoded = px_base64url_encode ((const guint8 *) vectors[i].plain,
                                                      strlen (vectors[i].plain));
      g_autofree guint8 *decoded = NULL;
      gsize length = 0;

      g_assert_cmpstr (encoded, ==, vectors[i].encoded);
      decoded = px_base64url_decode (encoded, strlen (encoded), &length);
      g_assert_nonnull (decoded);
      g_assert_cmpmem (decoded, length, vectors[i].plain, strlen (vectors[i].plain));
    }

  {
    gsize length;

    g_assert_null (px_base64url_decode ("Zm9v=", 5, &length));
    g_assert_null (px_base64url_decode ("Zm+v", 4, &length));
    g_assert_null (px_base64url_decode ("Z", 1, &length));
  }

  {
    g_autofree char *a = px_random_hex (16);
    g_autofree char *b = px_random_hex (16);

    g_assert_cmpuint (strlen (a), ==, 32);
    g_assert_cmpstr (a, !=, b);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/net/wire/example", test_header_example);
  g_test_add_func ("/net/wire/round-trip", test_header_round_trip);
  g_test_add_func ("/net/wire/bad", test_header_bad);
  g_test_add_func ("/net/wire/kind-names", test_kind_names);
  g_test_add_func ("/net/control/valid", test_control_valid);
  g_test_add_func ("/net/control/invalid", test_control_invalid);
  g_test_add_func ("/net/control/hostile", test_control_hostile);
  g_test_add_func ("/net/control/build", test_control_build);
  g_test_add_func ("/net/token/round-trip", test_token_round_trip);
  g_test_add_func ("/net/token/rejected", test_token_rejected);
  g_test_add_func ("/net/token/grants", test_token_grants_default_false);
  g_test_add_func ("/net/token/base64url", test_base64url);

  return g_test_run ();
}
