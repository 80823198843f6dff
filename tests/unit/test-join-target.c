/* test-join-target.c: server, room and name validation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include "net/px-join-target.h"

static void
test_server_normalized (void)
{
  const struct { const char *in; const char *out; } cases[] = {
    { "", "" },
    { "   ", "" },
    { "meet.example.org", "ws://meet.example.org" },
    { " meet.example.org:8443 ", "ws://meet.example.org:8443" },
    { "ws://10.0.0.2:9000", "ws://10.0.0.2:9000" },
    { "wss://meet.example.org/", "wss://meet.example.org" },
    { "https://meet.example.org", "wss://meet.example.org" },
    { "http://[::1]:8443", "ws://[::1]:8443" },
    { "WSS://Meet.Example.org", "wss://meet.example.org" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = px_join_target_normalize_server (cases[i].in, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (out, ==, cases[i].out);
    }
}

static void
test_server_rejected (void)
{
  const char *bad[] = {
    "ftp://meet.example.org",
    "ws://user:secret@meet.example.org",
    "wss://meet.example.org/v1/rooms/x",
    "wss://meet.example.org?token=1",
    "ws://",
    "ws://host:99999",
    "not a host",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = px_join_target_normalize_server (bad[i], &error);

      g_assert_null (out);
      g_assert_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_SERVER);
      g_assert_cmpstr (error->message, !=, "");
    }
}

static void
test_room (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *long_room = g_strnfill (PX_ROOM_NAME_MAX + 1, 'a');
  g_autofree char *max_room = g_strnfill (PX_ROOM_NAME_MAX, 'a');

  g_assert_true (px_join_target_check_room ("board-meeting_2026.q4", &error));
  g_assert_no_error (error);
  g_assert_true (px_join_target_check_room (max_room, &error));
  g_assert_no_error (error);

  g_assert_false (px_join_target_check_room ("", &error));
  g_assert_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_ROOM);
  g_clear_error (&error);

  g_assert_false (px_join_target_check_room (long_room, &error));
  g_assert_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_ROOM);
  g_clear_error (&error);

  g_assert_false (px_join_target_check_room ("a/../b", &error));
  g_assert_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_ROOM);
  g_clear_error (&error);

  g_assert_false (px_join_target_check_room ("room with spaces", &error));
  g_assert_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_ROOM);
}

static void
test_name (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *trimmed = px_join_target_normalize_name ("  李明 (Studio A) ", &error);
  g_autofree char *too_long = g_strnfill (PX_DISPLAY_NAME_MAX + 1, 'x');
  char *out;

  g_assert_no_error (error);
  g_assert_cmpstr (trimmed, ==, "李明 (Studio A)");

  out = px_join_target_normalize_name ("   ", &error);
  g_assert_null (out);
  g_assert_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_NAME);
  g_clear_error (&error);

  out = px_join_target_normalize_name (too_long, &error);
  g_assert_null (out);
  g_assert_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_NAME);
  g_clear_error (&error);

  out = px_join_target_normalize_name ("Eve\x07", &error);
  g_assert_null (out);
  g_assert_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_NAME);
  g_clear_error (&error);

  out = px_join_target_normalize_name ("\xff\xfe", &error);
  g_assert_null (out);
  g_assert_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_NAME);
}

static void
test_target (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PxJoinTarget) embedded = px_join_target_new ("", "lobby", "Ada");
  g_autoptr(PxJoinTarget) remote = px_join_target_new ("wss://meet.example.org", "lobby", "Ada");
  g_autoptr(PxJoinTarget) no_room = px_join_target_new ("", "", "Ada");

  g_assert_true (px_join_target_is_embedded (embedded));
  g_assert_false (px_join_target_is_embedded (remote));
  g_assert_true (px_join_target_validate (embedded, &error));
  g_assert_no_error (error);
  g_assert_true (px_join_target_validate (remote, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (px_join_target_get_room (remote), ==, "lobby");
  g_assert_cmpstr (px_join_target_get_display_name (remote), ==, "Ada");

  g_assert_false (px_join_target_validate (no_room, &error));
  g_assert_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_ROOM);
}

/* A token of the right shape; the server, not the link, judges its claims. */
#define TOKEN "eyJhbGciOiJIUzI1NiJ9.eyJyb29tIjoibG9iYnkifQ.c2lnbmF0dXJl"

static void
test_token (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PxJoinTarget) with = px_join_target_new_with_token ("ws://h", "lobby", "Ada", TOKEN);
  g_autoptr(PxJoinTarget) empty = px_join_target_new_with_token ("ws://h", "lobby", "Ada", "");
  g_autoptr(PxJoinTarget) bad = px_join_target_new_with_token ("ws://h", "lobby", "Ada", "a.b");
  g_autofree char *too_long = g_strnfill (4097, 'a');
  const char *malformed[] = { "", "abc", "a.b", "a.b.c.d", ".a.b", "a..b", "a.b.", "a b.c.d",
                              "a.b.c\n", "a.b.c%", too_long };

  g_assert_cmpstr (px_join_target_get_token (with), ==, TOKEN);
  g_assert_null (px_join_target_get_token (empty));
  g_assert_true (px_join_target_validate (with, &error));
  g_assert_no_error (error);

  g_assert_false (px_join_target_validate (bad, &error));
  g_assert_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_TOKEN);
  g_clear_error (&error);

  for (gsize i = 0; i < G_N_ELEMENTS (malformed); i++)
    {
      g_assert_false (px_join_target_check_token (malformed[i], &error));
      g_assert_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_TOKEN);
      g_clear_error (&error);
    }
}

static void
test_invite_parsed (void)
{
  const struct { const char *link; const char *server; const char *room; const char *name; } cases[] = {
    { "parallax://meet.example.org/lobby?token=" TOKEN, "ws://meet.example.org", "lobby", "" },
    { "  parallax://10.0.0.2:9000/lobby?token=" TOKEN "  ", "ws://10.0.0.2:9000", "lobby", "" },
    { "PARALLAX://Meet.Example.org:8443/lobby?token=" TOKEN "&tls=1", "wss://meet.example.org:8443", "lobby", "" },
    { "parallax://[::1]:8443/lobby?tls=0&token=" TOKEN, "ws://[::1]:8443", "lobby", "" },
    { "parallax://h/lobby?token=" TOKEN "&name=%E6%9D%8E%E6%98%8E%20A", "ws://h", "lobby", "李明 A" },
    /* Parameters of later versions are ignored. */
    { "parallax://h/lobby?token=" TOKEN "&layout=grid#x", "ws://h", "lobby", "" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PxJoinTarget) target = px_join_target_new_from_invite (cases[i].link, &error);

      g_assert_no_error (error);
      g_assert_nonnull (target);
      g_assert_cmpstr (px_join_target_get_server_url (target), ==, cases[i].server);
      g_assert_cmpstr (px_join_target_get_room (target), ==, cases[i].room);
      g_assert_cmpstr (px_join_target_get_display_name (target), ==, cases[i].name);
      g_assert_cmpstr (px_join_target_get_token (target), ==, TOKEN);
      g_assert_false (px_join_target_is_embedded (target));
    }
}

static void
test_invite_rejected (void)
{
  g_autofree char *huge = g_strdup_printf ("parallax://h/lobby?token=%0*d", PX_INVITE_LINK_MAX, 0);
  const struct { const char *link; PxJoinTargetError code; } cases[] = {
    { NULL, PX_JOIN_TARGET_ERROR_INVALID_LINK },
    { "", PX_JOIN_TARGET_ERROR_INVALID_LINK },
    { "https://h/lobby?token=" TOKEN, PX_JOIN_TARGET_ERROR_INVALID_LINK },
    { "parallax:lobby?token=" TOKEN, PX_JOIN_TARGET_ERROR_INVALID_LINK },
    { "parallax:///lobby?token=" TOKEN, PX_JOIN_TARGET_ERROR_INVALID_LINK },
    { "parallax://user:pw@h/lobby?token=" TOKEN, PX_JOIN_TARGET_ERROR_INVALID_LINK },
    { "parallax://h:99999/lobby?token=" TOKEN, PX_JOIN_TARGET_ERROR_INVALID_LINK },
    { "parallax://bad_host!/lobby?token=" TOKEN, PX_JOIN_TARGET_ERROR_INVALID_LINK },
    { "parallax://h?token=" TOKEN, PX_JOIN_TARGET_ERROR_INVALID_LINK },
    { "parallax://h/?token=" TOKEN, PX_JOIN_TARGET_ERROR_INVALID_LINK },
    { "parallax://h/a/b?token=" TOKEN, PX_JOIN_TARGET_ERROR_INVALID_ROOM },
    { "parallax://h/a%2Fb?token=" TOKEN, PX_JOIN_TARGET_ERROR_INVALID_ROOM },
    { "parallax://h/lobby", PX_JOIN_TARGET_ERROR_INVALID_TOKEN },
    { "parallax://h/lobby?token=", PX_JOIN_TARGET_ERROR_INVALID_TOKEN },
    { "parallax://h/lobby?token=not-a-jwt", PX_JOIN_TARGET_ERROR_INVALID_TOKEN },
    { "parallax://h/lobby?token=" TOKEN "&token=" TOKEN, PX_JOIN_TARGET_ERROR_INVALID_LINK },
    { "parallax://h/lobby?token=" TOKEN "&tls=yes", PX_JOIN_TARGET_ERROR_INVALID_LINK },
    { "parallax://h/lobby?token=" TOKEN "&tls=1&tls=1", PX_JOIN_TARGET_ERROR_INVALID_LINK },
    { "parallax://h/lobby?token=" TOKEN "&name=%ZZ", PX_JOIN_TARGET_ERROR_INVALID_LINK },
    { "parallax://h/lobby?token=" TOKEN "&name=%00x", PX_JOIN_TARGET_ERROR_INVALID_LINK },
    { "parallax://h/lobby?token=" TOKEN "&name=%FF", PX_JOIN_TARGET_ERROR_INVALID_LINK },
    { "parallax://h/lobby?token=" TOKEN "&name=%07", PX_JOIN_TARGET_ERROR_INVALID_NAME },
    { "parallax://h/lobby?token=" TOKEN "&name=%20", PX_JOIN_TARGET_ERROR_INVALID_NAME },
    { huge, PX_JOIN_TARGET_ERROR_INVALID_LINK },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PxJoinTarget) target = px_join_target_new_from_invite (cases[i].link, &error);

      g_test_message ("%.100s", cases[i].link ? cases[i].link : "(null)");
      g_assert_null (target);
      g_assert_error (error, PX_JOIN_TARGET_ERROR, (int) cases[i].code);
      g_assert_cmpstr (error->message, !=, "");
    }
}

static void
test_invite_round_trip (void)
{
  const struct { const char *server; const char *name; const char *link; } cases[] = {
    { "ws://127.0.0.1:43211", "", "parallax://127.0.0.1:43211/lobby?token=" TOKEN },
    { "wss://meet.example.org", "", "parallax://meet.example.org/lobby?token=" TOKEN "&tls=1" },
    { "ws://[::1]:9", "Ada & Bob?", "parallax://[::1]:9/lobby?token=" TOKEN "&name=Ada%20%26%20Bob%3F" },
    { "ws://h", "李明", "parallax://h/lobby?token=" TOKEN "&name=%E6%9D%8E%E6%98%8E" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PxJoinTarget) target = px_join_target_new_with_token (cases[i].server, "lobby",
                                                                      cases[i].name, TOKEN);
      g_autofree char *link = px_join_target_to_invite (target, &error);
      g_autoptr(PxJoinTarget) back = NULL;

      g_assert_no_error (error);
      g_assert_cmpstr (link, ==, cases[i].link);

      back = px_join_target_new_from_invite (link, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (px_join_target_get_server_url (back), ==, cases[i].server);
      g_assert_cmpstr (px_join_target_get_room (back), ==, "lobby");
      g_assert_cmpstr (px_join_target_get_display_name (back), ==, cases[i].name);
      g_assert_cmpstr (px_join_target_get_token (back), ==, TOKEN);
    }
}

static void
test_invite_needs_server_and_token (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PxJoinTarget) embedded = px_join_target_new_with_token ("", "lobby", "", TOKEN);
  g_autoptr(PxJoinTarget) no_token = px_join_target_new ("ws://h", "lobby", "");
  char *link;

  link = px_join_target_to_invite (embedded, &error);
  g_assert_null (link);
  g_assert_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_SERVER);
  g_clear_error (&error);

  link = px_join_target_to_invite (no_token, &error);
  g_assert_null (link);
  g_assert_error (error, PX_JOIN_TARGET_ERROR, PX_JOIN_TARGET_ERROR_INVALID_TOKEN);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/join-target/server/normalized", test_server_normalized);
  g_test_add_func ("/join-target/server/rejected", test_server_rejected);
  g_test_add_func ("/join-target/room", test_room);
  g_test_add_func ("/join-target/name", test_name);
  g_test_add_func ("/join-target/target", test_target);
  g_test_add_func ("/join-target/token", test_token);
  g_test_add_func ("/join-target/invite/parsed", test_invite_parsed);
  g_test_add_func ("/join-target/invite/rejected", test_invite_rejected);
  g_test_add_func ("/join-target/invite/round-trip", test_invite_round_trip);
  g_test_add_func ("/join-target/invite/needs-server-and-token", test_invite_needs_server_and_token);

  return g_test_run ();
}
