/* test-interop.c: the C client and a Python client written from PROTOCOL.md
 *
 * A PxSession and tests/net/interop-client.py (python3-websockets and
 * python3-jwt; the Python client mints its own token with the server's
 * secret) meet in a room on a real parallax-server, publish to each other
 * and check what they receive.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include "net/px-session.h"
#include "px-net-test.h"

#define ROOM "interop"
#define FRAMES 10

typedef struct
{
  PxSession *session;
  guint32 python_id;
  guint video_frames;
  guint audio_frames;
  guint next_video;
  guint next_audio;
  gboolean bad_frame;
  guint sent;
  guint source;
  gboolean joined;
  GError *join_error;
} Interop;

static void
media_frame_cb (PxSession            *session,
                PxSessionParticipant *from,
                guint                 kind,
                guint                 stream,
                guint                 flags,
                guint                 sequence,
                gint64                capture_time,
                GBytes               *payload,
                Interop              *interop)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (payload, &size);
  guint *next = kind == PX_WIRE_KIND_VIDEO ? &interop->next_video : &interop->next_audio;
  gsize expected_size = kind == PX_WIRE_KIND_VIDEO ? 1000 + sequence : 160;

  /* What the Python client sends: stream 1 video, stream 2 audio, payload
   * bytes equal to the sequence number, a forged participant field. */
  if (g_strcmp0 (px_session_participant_get_identity (from), "python") != 0 ||
      (kind == PX_WIRE_KIND_VIDEO && stream != 1) || (kind == PX_WIRE_KIND_AUDIO && stream != 2) ||
      sequence != *next || size != expected_size || (size > 0 && data[0] != sequence % 256) ||
      (kind == PX_WIRE_KIND_VIDEO && sequence == 0 && !(flags & PX_WIRE_FLAG_KEYFRAME)))
    {
      g_test_message ("unexpected frame: %s kind %u stream %u sequence %u size %" G_GSIZE_FORMAT,
                      px_session_participant_get_identity (from), kind, stream, sequence, size);
      interop->bad_frame = TRUE;
    }
  (*next)++;
  if (kind == PX_WIRE_KIND_VIDEO)
    interop->video_frames++;
  else
    interop->audio_frames++;
}

static gboolean
send_cb (gpointer user_data)
{
  Interop *interop = user_data;
  g_autoptr(GBytes) payload = g_bytes_new_take (g_malloc0 (2000), 2000);

  /* Keep publishing until the Python client has seen enough and left. */
  px_session_send_frame (interop->session, PX_WIRE_KIND_VIDEO, 7,
                         interop->sent == 0 ? PX_WIRE_FLAG_KEYFRAME : 0, interop->sent,
                         g_get_monotonic_time (), payload, NULL);
  interop->sent++;
  return G_SOURCE_CONTINUE;
}

static void
joined_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Interop *interop = user_data;

  px_session_join_finish (PX_SESSION (source), result, &interop->join_error);
  interop->joined = TRUE;
}

static gboolean
all_frames (gpointer   user_data,
            GError   **error)
{
  Interop *interop = user_data;

  return interop->video_frames >= FRAMES && interop->audio_frames >= FRAMES;
}

static gboolean
python_done (gpointer   user_data,
             GError   **error)
{
  return !px_test_process_is_running (user_data);
}

static void
test_python_client (void)
{
  const char *python = PX_NET_PYTHON;
  const char *script = PX_NET_INTEROP_CLIENT;
  g_autofree char *check = NULL;
  g_autofree char *token = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PxNetTestServer) server = NULL;
  PxTestHarness *harness;
  PxTestProcess *client;
  const PxSessionStream stream = { 7, PX_WIRE_KIND_VIDEO, "camera" };
  Interop interop = { 0 };
  int status;

  if (python[0] == '\0')
    {
      g_test_skip ("python3 was not found when the build was configured");
      return;
    }
  check = px_test_run_sync ((const char *[]) { python, "-c", "import websockets, jwt", NULL },
                            NULL, 60000, &error);
  if (check == NULL)
    {
      g_test_skip ("python3-websockets or python3-jwt is not installed");
      return;
    }

  harness = px_test_harness_new ();
  server = px_net_test_server_start (harness, NULL, NULL);
  g_assert_nonnull (server);

  token = px_net_test_token (NULL, ROOM, "c-client", 600, TRUE, TRUE);
  interop.session = px_session_new (server->url, ROOM, token);
  g_signal_connect (interop.session, "media-frame", G_CALLBACK (media_frame_cb), &interop);
  px_session_join_async (interop.session, NULL, joined_cb, &interop);
  g_assert_true (px_net_test_wait_flag (&interop.joined, PX_NET_TEST_TIMEOUT_MS, "the C client to join"));
  g_assert_no_error (interop.join_error);
  g_assert_true (px_session_set_streams (interop.session, &stream, 1, NULL));

  client = px_test_harness_spawn (harness, "interop-client",
                                  (const char *[]) { python, script, server->url, ROOM,
                                                     PX_NET_TEST_SECRET, "c-client",
                                                     G_STRINGIFY (FRAMES), NULL },
                                  NULL, &error);
  g_assert_no_error (error);
  interop.source = g_timeout_add (20, send_cb, &interop);

  g_assert_true (px_test_wait_until (python_done, client, 90000, "the Python client to finish", &error));
  g_source_remove (interop.source);
  {
    g_autofree char *log = px_test_process_read_log_tail (client, 4096);

    g_test_message ("%s", log);
    status = px_test_process_get_wait_status (client);
    g_assert_true (WIFEXITED (status));
    g_assert_cmpint (WEXITSTATUS (status), ==, 0);
    g_assert_nonnull (strstr (log, "interop-client: ok"));
  }

  /* And the C client got the Python client's frames, in order, its own. */
  g_assert_true (px_test_wait_until (all_frames, &interop, PX_NET_TEST_TIMEOUT_MS,
                                     "the Python client's frames", &error));
  g_assert_cmpuint (interop.video_frames, ==, FRAMES);
  g_assert_cmpuint (interop.audio_frames, ==, FRAMES);
  g_assert_false (interop.bad_frame);

  px_session_leave (interop.session);
  g_object_unref (interop.session);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/net/interop/python-client", test_python_client);

  return g_test_run ();
}
