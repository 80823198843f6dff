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

  return g_test_run ();
}
