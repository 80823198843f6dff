/* test-join.c: the app joins meetings for real
 *
 * Runs PxApplication on a private X server and session bus. The app joins
 * its own embedded server; a second participant (a PxSession in this
 * process) comes and goes and the call page follows; an invite link made
 * by the app lets someone in, over the LAN address once LAN guests are
 * allowed; a real parallax-server refuses a token it did
 * not sign, and a closed port cannot be reached, each with the sentence the
 * user reads, as does an expired one; the right token joins it, and when
 * it goes away the call page says it is reconnecting, until it is back on
 * the same port and the meeting resumes; a token without the publish
 * grant joins as a viewer, and a toast says so; an invite link opened on
 * the app, or pasted into a field, fills the join page and waits for the
 * user. Every error a join can end with is worded for people.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "net/px-session.h"
#include "net/px-token.h"
#include "px-application.h"
#include "px-test-harness.h"
#include "px-ui-test.h"
#include "px-window.h"

#define WAIT_SECONDS 30
#define ROOM "standup"
#define SERVER_SECRET "test-join-secret-0123456789abcdef"

typedef struct
{
  PxTestHarness *harness;
  PxApplication *app;
  PxWindow *window;
  PxMeetingController *controller;
} Fixture;

static Fixture fixture;

#define wait_for(condition, data, what) \
  px_ui_test_wait_for ((condition), (data), WAIT_SECONDS, (what))

/* Lets the app run for a while (a spinner animating keeps the main
 * context busy, so "until idle" might never come). */
static void
settle (void)
{
  gint64 until = g_get_monotonic_time () + 300 * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* Saves the window as GTK draws it to PX_TEST_OUTPUT, for people to look at
 * what the user saw in each state. */
static void
save_screenshot (const char *name)
{
  GtkWidget *widget = GTK_WIDGET (fixture.window);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  const char *dir = g_getenv ("PX_TEST_OUTPUT") ? g_getenv ("PX_TEST_OUTPUT") : ".";
  gint64 deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;

  /* A page shown a moment ago may not have been drawn yet: nothing to
   * snapshot until the next frame. */
  while (node == NULL)
    {
      g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();

      gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
      node = gtk_snapshot_to_node (snapshot);
      if (node != NULL)
        break;
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out after %d s waiting for the window to draw %s", WAIT_SECONDS, name);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("Screenshot: %s", path);
}

static gboolean
window_mapped (gpointer data)
{
  return fixture.window != NULL && gtk_widget_get_mapped (GTK_WIDGET (fixture.window));
}

static gboolean
on_page (gpointer data)
{
  return g_strcmp0 (px_window_get_page_name (fixture.window), data) == 0 &&
         !px_window_get_joining (fixture.window);
}

static gboolean
not_joining (gpointer data)
{
  return !px_window_get_joining (fixture.window);
}

static gboolean
waiting_is (gpointer data)
{
  PxCallPage *call_page = px_window_get_call_page (fixture.window);

  return px_call_page_get_waiting (call_page) == GPOINTER_TO_INT (data);
}

static gboolean
reconnecting (gpointer data)
{
  return px_call_page_get_reconnecting (px_window_get_call_page (fixture.window));
}

static gboolean
n_others_is (gpointer data)
{
  return px_meeting_controller_get_n_others (fixture.controller) == GPOINTER_TO_UINT (data);
}

/* A second participant ---------------------------------------------------- */

typedef struct
{
  gboolean done;
  gboolean joined;
  GError *error;
} JoinResult;

static void
guest_joined_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  JoinResult *join = user_data;

  join->joined = px_session_join_finish (PX_SESSION (source), result, &join->error);
  join->done = TRUE;
}

static gboolean
join_done (gpointer data)
{
  return ((JoinResult *) data)->done;
}

static PxSession *
join_guest (const char *url,
            const char *room,
            const char *token)
{
  PxSession *guest = px_session_new (url, room, token);
  JoinResult join = { 0 };

  px_session_join_async (guest, NULL, guest_joined_cb, &join);
  wait_for (join_done, &join, "the guest to join");
  g_assert_no_error (join.error);
  g_assert_true (join.joined);
  return guest;
}

/* The join page as the user sees it, read back through Join's own path. */
static PxJoinTarget *
join_page_target (void)
{
  g_autoptr(GError) error = NULL;
  PxJoinTarget *target = px_join_page_build_target (px_window_get_join_page (fixture.window),
                                                    &error);

  g_assert_no_error (error);
  return target;
}

static void
press_join (PxJoinTarget *target)
{
  px_window_show_join (fixture.window, target);
  gtk_widget_activate_action (GTK_WIDGET (fixture.window), "win.join", NULL);
}

static void
leave (void)
{
  gtk_widget_activate_action (GTK_WIDGET (fixture.window), "win.leave-now", NULL);
  g_assert_cmpstr (px_window_get_page_name (fixture.window), ==, "join");
  g_assert_cmpint (px_meeting_controller_get_state (fixture.controller), ==, PX_MEETING_STATE_IDLE);
}

/* Tests ------------------------------------------------------------------- */

static void
test_embedded_by_default (void)
{
  g_autoptr(PxJoinTarget) target = px_join_target_new ("", ROOM, "Host");
  PxEmbeddedServer *server;
  PxSession *session;

  g_assert_null (px_application_get_embedded_server (fixture.app));

  press_join (target);
  wait_for (on_page, "call", "the app to join its own server");

  server = px_application_get_embedded_server (fixture.app);
  g_assert_nonnull (server);
  g_assert_true (px_embedded_server_is_running (server));
  session = px_meeting_controller_get_session (fixture.controller);
  g_assert_nonnull (session);
  g_assert_cmpint (px_session_get_state (session), ==, PX_SESSION_STATE_JOINED);
  g_assert_cmpuint (g_list_model_get_n_items (px_session_get_participants (session)), ==, 1);
  g_assert_true (px_call_page_get_waiting (px_window_get_call_page (fixture.window)));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (fixture.window)), ==, ROOM);
  g_assert_null (px_join_page_get_error (px_window_get_join_page (fixture.window)));
}

static void
test_second_participant (void)
{
  PxEmbeddedServer *server = px_application_get_embedded_server (fixture.app);
  PxSession *session = px_meeting_controller_get_session (fixture.controller);
  g_autofree char *token = NULL;
  g_autoptr(PxSession) guest = NULL;

  g_assert_nonnull (server);
  token = px_embedded_server_mint_token (server, ROOM, "guest-test", "Guest", 600, TRUE);
  guest = join_guest (px_embedded_server_get_url (server), ROOM, token);

  wait_for (n_others_is, GUINT_TO_POINTER (1), "the app to see the guest");
  g_assert_cmpuint (g_list_model_get_n_items (px_session_get_participants (session)), ==, 2);
  wait_for (waiting_is, GINT_TO_POINTER (FALSE), "the waiting status to hide");

  px_session_leave (guest);
  wait_for (n_others_is, GUINT_TO_POINTER (0), "the app to see the guest leave");
  wait_for (waiting_is, GINT_TO_POINTER (TRUE), "the waiting status to come back");
  g_assert_cmpstr (px_window_get_page_name (fixture.window), ==, "call");
}

static char *
clipboard_text (void)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (fixture.window));
  GdkContentProvider *content = gdk_clipboard_get_content (clipboard);
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (content);
  g_value_init (&value, G_TYPE_STRING);
  g_assert_true (gdk_content_provider_get_value (content, &value, &error));
  g_assert_no_error (error);
  return g_value_dup_string (&value);
}

static void
test_copy_invite (void)
{
  PxEmbeddedServer *server = px_application_get_embedded_server (fixture.app);
  g_autofree char *link = NULL;
  g_autofree char *second_link = NULL;
  g_autofree char *expected_server = NULL;
  g_autoptr(PxJoinTarget) invite = NULL;
  g_autoptr(PxSession) guest = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture.window), "win.copy-invite", NULL));
  link = clipboard_text ();
  g_test_message ("Invite link: %.60s…", link);
  g_assert_true (g_str_has_prefix (link, "parallax://"));

  invite = px_join_target_new_from_invite (link, &error);
  g_assert_no_error (error);
  /* LAN guests are not allowed by default: the link is for this computer. */
  expected_server = g_strdup_printf ("ws://127.0.0.1:%u", px_embedded_server_get_port (server));
  g_assert_cmpstr (px_join_target_get_server_url (invite), ==, expected_server);
  g_assert_cmpstr (px_join_target_get_room (invite), ==, ROOM);
  g_assert_nonnull (px_join_target_get_token (invite));

  /* The link really lets someone in. */
  guest = join_guest (px_join_target_get_server_url (invite), px_join_target_get_room (invite),
                      px_join_target_get_token (invite));
  wait_for (n_others_is, GUINT_TO_POINTER (1), "the app to see the invited guest");

  /* Each link is for one more person: a second one has another token. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture.window), "win.copy-invite", NULL));
  second_link = clipboard_text ();
  g_assert_cmpstr (second_link, !=, link);

  px_session_leave (guest);
  wait_for (n_others_is, GUINT_TO_POINTER (0), "the invited guest to leave");
  leave ();

  /* Out of the meeting, there is nothing to invite to. */
  g_assert_null (px_meeting_controller_create_invite (fixture.controller, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
}

static void
test_lan_invite (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr(PxJoinTarget) target = px_join_target_new ("", ROOM, "Host");
  g_autoptr(PxEmbeddedServer) local_only = NULL;
  g_autoptr(PxJoinTarget) invite = NULL;
  g_autoptr(PxSession) guest = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *link = NULL;

  local_only = g_object_ref (px_application_get_embedded_server (fixture.app));
  g_settings_set_boolean (settings, "embedded-server-lan", TRUE);
  g_assert_true (px_meeting_controller_get_allow_lan (fixture.controller));

  /* The next meeting here starts the server again, on every interface. */
  press_join (target);
  wait_for (on_page, "call", "the app to join its server open to the LAN");
  g_assert_true (px_application_get_embedded_server (fixture.app) != local_only);
  g_assert_false (px_embedded_server_is_running (local_only));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture.window), "win.copy-invite", NULL));
  link = clipboard_text ();
  invite = px_join_target_new_from_invite (link, &error);
  g_assert_no_error (error);
  g_test_message ("LAN invite for %s", px_join_target_get_server_url (invite));

  /* The computer's LAN address (or 127.0.0.1 without a network) reaches it. */
  guest = join_guest (px_join_target_get_server_url (invite), px_join_target_get_room (invite),
                      px_join_target_get_token (invite));
  wait_for (n_others_is, GUINT_TO_POINTER (1), "the app to see the LAN guest");
  px_session_leave (guest);
  wait_for (n_others_is, GUINT_TO_POINTER (0), "the LAN guest to leave");

  leave ();
  g_settings_set_boolean (settings, "embedded-server-lan", FALSE);
}

/* A real parallax-server ------------------------------------------------- */

typedef struct
{
  PxTestProcess *process;
  guint port;
} ServerWait;

static gboolean
server_listening_cb (gpointer   user_data,
                     GError   **error)
{
  ServerWait *wait = user_data;
  g_autofree char *log = px_test_process_read_log_tail (wait->process, 65536);
  const char *line = strstr (log, "listening on ws://127.0.0.1:");

  if (line != NULL)
    {
      wait->port = strtoul (line + strlen ("listening on ws://127.0.0.1:"), NULL, 10);
      return wait->port != 0;
    }
  if (!px_test_process_is_running (wait->process))
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "parallax-server exited:\n%s", log);
  return FALSE;
}

/* Starts parallax-server on *@port (0: any free one), and says where. */
static PxTestProcess *
start_server (guint *port)
{
  g_autofree char *path = g_build_filename (g_getenv ("PX_BUILD_DIR"), "app", "parallax-server", NULL);
  g_autofree char *port_text = g_strdup_printf ("%u", *port);
  const char *argv[] = { path, "--address", "127.0.0.1", "--port", port_text, NULL };
  const char *env[] = { "PARALLAX_SECRET=" SERVER_SECRET, NULL };
  g_autoptr(GError) error = NULL;
  ServerWait wait = { 0 };

  wait.process = px_test_harness_spawn (fixture.harness, "parallax-server", argv, env, &error);
  g_assert_no_error (error);
  if (!px_test_wait_until (server_listening_cb, &wait, WAIT_SECONDS * 1000,
                           "parallax-server to listen", &error))
    g_error ("%s", error->message);
  *port = wait.port;
  return wait.process;
}

static char *
mint_full (const char *secret,
           const char *room,
           gint64      valid_s,
           gboolean    can_publish)
{
  g_autoptr(PxTokenClaims) claims = px_token_claims_new (room, "visitor", "Visitor",
                                                         g_get_real_time () / G_USEC_PER_SEC + valid_s,
                                                         can_publish, TRUE);
  g_autoptr(GBytes) key = g_bytes_new (secret, strlen (secret));

  return px_token_mint (claims, key);
}

static char *
mint (const char *secret,
      const char *room)
{
  return mint_full (secret, room, 600, TRUE);
}

static gboolean
not_reconnecting (gpointer data)
{
  return !px_call_page_get_reconnecting (px_window_get_call_page (fixture.window)) &&
         px_meeting_controller_get_state (fixture.controller) == PX_MEETING_STATE_JOINED;
}

static gboolean
toast_starts_with (gpointer data)
{
  return g_str_has_prefix (px_window_get_last_toast (fixture.window) ?
                           px_window_get_last_toast (fixture.window) : "", data);
}

static void
assert_join_error (const char *fragment)
{
  const char *message = px_join_page_get_error (px_window_get_join_page (fixture.window));

  g_assert_cmpstr (px_window_get_page_name (fixture.window), ==, "join");
  g_assert_null (px_window_get_joined_target (fixture.window));
  g_assert_cmpint (px_meeting_controller_get_state (fixture.controller), ==, PX_MEETING_STATE_IDLE);
  g_assert_nonnull (message);
  /* The user can correct the fields and try again. */
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (px_window_get_join_page (fixture.window))));
  g_test_message ("The join page says: %s", message);
  g_assert_nonnull (strstr (message, fragment));
}

static void
test_remote_server (void)
{
  guint port = 0;
  PxTestProcess *server = start_server (&port);
  g_autofree char *url = g_strdup_printf ("ws://127.0.0.1:%u", port);
  g_autofree char *wrong = mint ("some-other-secret-0123456789abcdef", ROOM);
  g_autofree char *right = mint (SERVER_SECRET, ROOM);
  g_autofree char *expired = mint_full (SERVER_SECRET, ROOM, -3600, TRUE);
  g_autofree char *viewer = mint_full (SERVER_SECRET, ROOM, 600, FALSE);
  g_autoptr(PxJoinTarget) wrong_target = px_join_target_new_with_token (url, ROOM, "Visitor", wrong);
  g_autoptr(PxJoinTarget) expired_target = px_join_target_new_with_token (url, ROOM, "Visitor", expired);
  g_autoptr(PxJoinTarget) viewer_target = px_join_target_new_with_token (url, ROOM, "Visitor", viewer);
  g_autoptr(PxJoinTarget) no_token = px_join_target_new (url, "other-room", "Visitor");
  g_autoptr(PxJoinTarget) right_target = px_join_target_new_with_token (url, ROOM, "Visitor", right);

  /* A token the server did not sign. */
  press_join (wrong_target);
  wait_for (not_joining, NULL, "the server to refuse the token");
  assert_join_error ("did not accept your invitation");
  settle ();
  save_screenshot ("join-refused.png");

  /* An invitation past its time. */
  press_join (expired_target);
  wait_for (not_joining, NULL, "the server to refuse the expired token");
  assert_join_error ("has expired");

  /* An invitation to watch only: in, as a viewer, and told so. */
  press_join (viewer_target);
  wait_for (on_page, "call", "the app to join as a viewer");
  wait_for (toast_starts_with, (gpointer) "You joined as a viewer", "the viewer toast");
  leave ();

  /* No invitation for that room at all: refused before connecting. */
  press_join (no_token);
  wait_for (not_joining, NULL, "the app to refuse to join without a token");
  assert_join_error ("only lets in people it invited");

  /* The right token joins the real server; the subtitle names it. */
  press_join (right_target);
  wait_for (on_page, "call", "the app to join parallax-server");
  g_assert_cmpstr (px_join_target_get_server_url (px_window_get_joined_target (fixture.window)),
                   ==, url);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (fixture.window)), ==, ROOM);
  g_assert_false (px_call_page_get_reconnecting (px_window_get_call_page (fixture.window)));

  /* The server goes away: the call page says it is reconnecting and keeps
   * the stage, rather than throwing the user out. */
  px_test_harness_stop_process (fixture.harness, server);
  wait_for (reconnecting, NULL, "the call page to say it is reconnecting");
  g_assert_cmpstr (px_window_get_page_name (fixture.window), ==, "call");
  settle ();
  save_screenshot ("call-reconnecting.png");
  g_assert_nonnull (px_window_get_joined_target (fixture.window));

  /* Back on the same port: the meeting resumes by itself. */
  server = start_server (&port);
  wait_for (not_reconnecting, NULL, "the meeting to resume on the restarted server");
  g_assert_cmpstr (px_window_get_page_name (fixture.window), ==, "call");
  g_assert_cmpstr (px_join_target_get_server_url (px_window_get_joined_target (fixture.window)),
                   ==, url);

  leave ();
  g_assert_false (px_call_page_get_reconnecting (px_window_get_call_page (fixture.window)));
}

static void
test_unreachable (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *url = NULL;
  g_autofree char *token = mint (SERVER_SECRET, ROOM);
  g_autoptr(PxJoinTarget) target = NULL;

  /* A port that was free a moment ago and is closed now. */
  g_assert_true (g_socket_bind (socket, any_port, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  url = g_strdup_printf ("ws://127.0.0.1:%u",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_socket_close (socket, NULL);

  target = px_join_target_new_with_token (url, ROOM, "Visitor", token);
  press_join (target);
  wait_for (not_joining, NULL, "the connection to fail");
  assert_join_error ("could not be reached");
}

/* Every way a join can fail reads as a sentence that says what to do. */
static void
test_error_words (void)
{
  static const struct { int code; const char *fragment; } cases[] = {
    { PX_SESSION_ERROR_UNREACHABLE, "could not be reached" },
    { PX_SESSION_ERROR_UNAUTHORIZED, "Ask the organizer for a new invite link" },
    { PX_SESSION_ERROR_TOKEN_EXPIRED, "has expired" },
    { PX_SESSION_ERROR_WRONG_ROOM, "another room" },
    { PX_SESSION_ERROR_ROOM_FULL, "full" },
    { PX_SESSION_ERROR_NOT_ALLOWED, "does not allow" },
    { PX_SESSION_ERROR_SERVER_DRAINING, "shutting down" },
    { PX_SESSION_ERROR_INVALID_URL, "Check the address" },
    { PX_SESSION_ERROR_CERTIFICATE, "certificate is not trusted" },
  };
  g_autoptr(GError) tls = g_error_new_literal (PX_SESSION_ERROR, PX_SESSION_ERROR_UNREACHABLE,
                                               "TLS certificate unknown");
  g_autofree char *certificate = px_meeting_describe_error (tls, TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = g_error_new_literal (PX_SESSION_ERROR, cases[i].code, "raw");
      g_autofree char *words = px_meeting_describe_error (error, FALSE);

      g_test_message ("%d: %s", cases[i].code, words);
      g_assert_nonnull (strstr (words, cases[i].fragment));
      /* Never the engine's own wording. */
      g_assert_null (strstr (words, "raw"));
    }
  /* Over TLS, the certificate is named as a possible cause. */
  g_assert_nonnull (strstr (certificate, "certificate"));
}

static void
test_cancel (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *token = mint (SERVER_SECRET, ROOM);
  g_autoptr(PxJoinTarget) target = NULL;

  /* A server that accepts connections and never answers: joining hangs
   * until the user cancels. */
  g_assert_true (g_socket_listener_add_address (listener, any_port, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error));
  g_assert_no_error (error);
  url = g_strdup_printf ("ws://127.0.0.1:%u",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  target = px_join_target_new_with_token (url, ROOM, "Visitor", token);
  press_join (target);
  g_assert_true (px_window_get_joining (fixture.window));
  g_assert_cmpint (px_meeting_controller_get_state (fixture.controller), ==,
                   PX_MEETING_STATE_CONNECTING);
  settle ();
  g_assert_true (px_window_get_joining (fixture.window));
  save_screenshot ("join-connecting.png");

  gtk_widget_activate_action (GTK_WIDGET (fixture.window), "win.cancel-join", NULL);
  g_assert_false (px_window_get_joining (fixture.window));
  settle ();
  g_assert_cmpstr (px_window_get_page_name (fixture.window), ==, "join");
  g_assert_null (px_join_page_get_error (px_window_get_join_page (fixture.window)));
  g_assert_cmpint (px_meeting_controller_get_state (fixture.controller), ==, PX_MEETING_STATE_IDLE);
  g_socket_listener_close (listener);
}

static void
test_invite_link_fills (void)
{
  g_autofree char *token = mint (SERVER_SECRET, "lobby");
  g_autofree char *link = g_strdup_printf ("parallax://127.0.0.1:9/lobby?token=%s&name=Visitor", token);
  g_autoptr(GFile) file = g_file_new_for_uri (link);
  g_autoptr(GFile) bad = g_file_new_for_uri ("parallax://127.0.0.1:9/lobby");
  g_autoptr(PxJoinTarget) filled = NULL;

  g_application_open (G_APPLICATION (fixture.app), &file, 1, "");
  settle ();

  /* Filled in, and waiting for the user: a link never joins by itself. */
  g_assert_cmpstr (px_window_get_page_name (fixture.window), ==, "join");
  g_assert_false (px_window_get_joining (fixture.window));
  g_assert_cmpint (px_meeting_controller_get_state (fixture.controller), ==, PX_MEETING_STATE_IDLE);
  g_assert_null (px_join_page_get_error (px_window_get_join_page (fixture.window)));
  filled = join_page_target ();
  g_assert_cmpstr (px_join_target_get_server_url (filled), ==, "ws://127.0.0.1:9");
  g_assert_cmpstr (px_join_target_get_room (filled), ==, "lobby");
  g_assert_cmpstr (px_join_target_get_display_name (filled), ==, "Visitor");
  g_assert_cmpstr (px_window_get_invite_token (fixture.window), ==, token);

  /* A broken link says so on the join page. */
  g_application_open (G_APPLICATION (fixture.app), &bad, 1, "");
  settle ();
  g_assert_cmpstr (px_window_get_page_name (fixture.window), ==, "join");
  g_assert_false (px_window_get_joining (fixture.window));
  g_assert_nonnull (px_join_page_get_error (px_window_get_join_page (fixture.window)));
  g_assert_nonnull (strstr (px_join_page_get_error (px_window_get_join_page (fixture.window)),
                            "no access token"));

  /* Pasted into a field, a link fills them all and brings its token. */
  {
    g_autofree char *pasted_token = mint (SERVER_SECRET, "pasted");
    g_autofree char *pasted = g_strdup_printf ("parallax://127.0.0.1:9/pasted?token=%s&name=Paster",
                                               pasted_token);
    g_autoptr(PxJoinTarget) here = px_join_target_new ("", "", "Someone");
    GObject *room_row;

    px_window_show_join (fixture.window, here);
    g_assert_true (px_join_page_get_this_computer (px_window_get_join_page (fixture.window)));
    room_row = gtk_widget_get_template_child (GTK_WIDGET (px_window_get_join_page (fixture.window)),
                                              PX_TYPE_JOIN_PAGE, "room_row");
    gtk_editable_set_text (GTK_EDITABLE (room_row), pasted);
    settle ();
    g_clear_object (&filled);
    filled = join_page_target ();
    g_assert_false (px_join_page_get_this_computer (px_window_get_join_page (fixture.window)));
    g_assert_cmpstr (px_join_target_get_server_url (filled), ==, "ws://127.0.0.1:9");
    g_assert_cmpstr (px_join_target_get_room (filled), ==, "pasted");
    g_assert_cmpstr (px_join_target_get_display_name (filled), ==, "Paster");
    g_assert_cmpstr (px_window_get_invite_token (fixture.window), ==, pasted_token);
  }
}

/* Screenshots show each state, not a crossfade between two. */
static void
no_animations_cb (GApplication *application)
{
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
}

static void
skip_without_display (void)
{
  g_test_skip ("No X server or session bus could be started");
}

int
main (int   argc,
      char *argv[])
{
  int status;

  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  /* One X server and bus for the whole run: the app lives across cases. */
  fixture.harness = px_test_harness_new ();
  if (!px_test_require_programs ("Xvfb", "dbus-daemon", NULL) ||
      px_test_harness_start_display (fixture.harness) == NULL ||
      px_test_harness_start_session_bus (fixture.harness) == NULL)
    {
      px_test_harness_free (fixture.harness);
      g_test_add_func ("/ui/join/no-display", skip_without_display);
      return g_test_run ();
    }

  fixture.app = px_application_new ();
  g_signal_connect (fixture.app, "startup", G_CALLBACK (no_animations_cb), NULL);
  g_assert_true (g_application_register (G_APPLICATION (fixture.app), NULL, NULL));
  g_application_activate (G_APPLICATION (fixture.app));
  fixture.window = PX_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (fixture.app)));
  fixture.controller = px_application_get_meeting_controller (fixture.app);
  wait_for (window_mapped, NULL, "the main window to map");

  g_test_add_func ("/ui/join/embedded-by-default", test_embedded_by_default);
  g_test_add_func ("/ui/join/second-participant", test_second_participant);
  g_test_add_func ("/ui/join/copy-invite", test_copy_invite);
  g_test_add_func ("/ui/join/lan-invite", test_lan_invite);
  g_test_add_func ("/ui/join/remote-server", test_remote_server);
  g_test_add_func ("/ui/join/unreachable", test_unreachable);
  g_test_add_func ("/ui/join/cancel", test_cancel);
  g_test_add_func ("/ui/join/error-words", test_error_words);
  g_test_add_func ("/ui/join/invite-link-fills", test_invite_link_fills);

  status = g_test_run ();

  px_ui_test_quit_app ((GApplication **) &fixture.app);
  px_test_harness_free (fixture.harness);

  return status;
}
