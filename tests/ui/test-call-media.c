/* test-call-media.c: the app in a call with a second client
 *
 * Runs PxApplication on a private X server, session bus and PipeWire with
 * two fake cameras (SMPTE bars for the second client, plain red for the
 * app), a fake microphone playing a tone and a null sink as the speaker.
 * The app joins its own server; a second client in this process (a
 * PxSession with its PxCallMedia) joins the same room. The app's stage
 * shows the client as a panel with the bars; the client receives the
 * app's red picture and its voice; win.microphone and win.camera in the
 * app mute its voice and its video for real, and the client's roster says
 * so; the client leaving takes its panel off the stage. A second meeting
 * starts with the microphone off, as the settings say, and with chosen
 * devices that are gone: the first camera and the default microphone
 * stand in.
 *
 * The app's participants sidebar lists the client with a webcam badge and
 * follows its microphone and camera; toasts say when it joins and leaves.
 * The app's camera unplugged mid-call: a toast says so and the meeting
 * goes on (the client still hears the app); plugged back, the picture
 * returns and a toast says so.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include "px-application.h"
#include "px-call-test.h"
#include "px-ui-test.h"
#include "px-window.h"

#define ROOM "call-room"
#define APP_CAMERA "px-app-camera"
#define CLIENT_CAMERA "px-call-camera"
#define MICROPHONE "px-call-microphone"
#define TONE_HZ 440.0

typedef struct
{
  PxCallTestWorld world;
  PxApplication *app;
  PxWindow *window;
  PxMeetingController *controller;
  PxSession *client;
  PxCallMedia *client_call;
} Fixture;

static gboolean
wait_cb (gpointer  data,
         GError  **error)
{
  gboolean (*condition) (void) = data;

  return condition ();
}

static Fixture fixture;

static void
wait_for (gboolean   (*condition) (void),
          const char *what)
{
  g_autoptr(GError) error = NULL;

  px_call_test_wait_until (wait_cb, condition, what, &error);
  g_assert_no_error (error);
}

/* Conditions ---------------------------------------------------------------- */

static gboolean
window_mapped (void)
{
  return gtk_widget_get_mapped (GTK_WIDGET (fixture.window));
}

static gboolean
app_sees_devices (void)
{
  PxPipewireConnection *audio = px_pipewire_connection_get_default ();
  PxPipewireConnection *video = px_pipewire_connection_get_for_cameras ();

  return px_pipewire_connection_find_device (video, APP_CAMERA) != NULL &&
         px_pipewire_connection_find_device (audio, MICROPHONE) != NULL &&
         px_pipewire_connection_find_device (audio, PX_CALL_TEST_SPEAKER) != NULL;
}

static gboolean
app_in_call (void)
{
  return g_strcmp0 (px_window_get_page_name (fixture.window), "call") == 0 &&
         px_meeting_controller_get_call_media (fixture.controller) != NULL;
}

static GListModel *
stage_participants (void)
{
  return px_stage_get_participants (px_call_page_get_stage (px_window_get_call_page (fixture.window)));
}

static gboolean
one_panel (void)
{
  return g_list_model_get_n_items (stage_participants ()) == 1;
}

static gboolean
no_panel (void)
{
  return g_list_model_get_n_items (stage_participants ()) == 0;
}

static gboolean
waiting_again (void)
{
  return px_call_page_get_waiting (px_window_get_call_page (fixture.window));
}

static guint64 panel_generation_floor;

static gboolean
panel_frames_grow (void)
{
  g_autoptr(PxParticipant) panel = g_list_model_get_item (stage_participants (), 0);

  return panel != NULL && px_participant_get_generation (panel) > panel_generation_floor;
}

static gboolean
client_sees_app (void)
{
  return px_call_test_count_remotes (fixture.client_call) == 1;
}

static PxRemoteMedia *
app_at_client (void)
{
  g_autoptr(GPtrArray) remotes = px_call_media_list_remotes (fixture.client_call);

  g_assert_cmpuint (remotes->len, ==, 1);
  /* The call keeps its own reference for as long as the app is there. */
  return g_ptr_array_index (remotes, 0);
}

static gboolean
client_has_app_frame (void)
{
  g_autoptr(PxFrame) frame = px_remote_media_dup_frame (app_at_client ());

  return frame != NULL;
}

static PxParticipantRow *
client_row (void)
{
  PxParticipantList *list = px_call_page_get_participant_list (px_window_get_call_page (fixture.window));

  return px_participant_list_find_row (list, "Client");
}

static gboolean
client_row_has_remote (void)
{
  return client_row () != NULL && px_participant_row_get_remote (client_row ()) != NULL &&
         g_strcmp0 (px_participant_row_get_badge (client_row ()), "Webcam") == 0;
}

/* The client's tone is a voice: the row shows it speaking, and what was
 * measured of its connection. */
static gboolean
client_row_speaking (void)
{
  return client_row () != NULL && px_participant_row_get_speaking (client_row ()) &&
         px_participant_row_get_quality (client_row ()) != PX_CONNECTION_QUALITY_UNKNOWN;
}

static gboolean
client_row_muted (void)
{
  return client_row () != NULL && px_participant_row_get_mic_muted_shown (client_row ());
}

static gboolean
client_row_unmuted (void)
{
  return client_row () != NULL && !px_participant_row_get_mic_muted_shown (client_row ());
}

static gboolean
client_row_camera_off (void)
{
  return client_row () != NULL && px_participant_row_get_camera_off_shown (client_row ());
}

static gboolean
client_row_gone (void)
{
  return client_row () == NULL;
}

static const char *toast_wanted;

static gboolean
toast_shown (void)
{
  return g_strcmp0 (px_window_get_last_toast (fixture.window), toast_wanted) == 0;
}

static void
wait_for_toast (const char *text)
{
  toast_wanted = text;
  wait_for (toast_shown, text);
}

static gboolean
app_camera_open (void)
{
  PxCallMedia *call = px_meeting_controller_get_call_media (fixture.controller);

  return call != NULL && px_local_media_get_camera_open (px_call_media_get_local (call));
}

static gboolean
app_sends_video (void)
{
  static guint64 floor;
  PxRemoteMediaStats stats;

  px_remote_media_get_stats (app_at_client (), &stats);
  if (floor == 0)
    floor = stats.video_frames + 1;
  if (stats.video_frames >= floor + 10)
    {
      floor = 0;
      return TRUE;
    }
  return FALSE;
}

static gboolean
client_decodes_voice (void)
{
  PxJitterBufferStats voice;
  PxRemoteMediaStats stats;

  px_remote_media_get_stats (app_at_client (), &stats);
  return stats.voice_packets >= 25 &&
         px_remote_media_get_voice_stats (app_at_client (), &voice) && voice.received >= 25;
}

/* Helpers ------------------------------------------------------------------- */

/* The app's red camera: V well above neutral, U below, at the middle. */
static void
assert_red (const PxFrame *frame)
{
  guint cx = frame->width / 4, cy = frame->height / 4;
  guint8 u = frame->planes[1][cy * frame->strides[1] + cx];
  guint8 v = frame->planes[2][cy * frame->strides[2] + cx];

  g_test_message ("App's picture at the client: U %u V %u", u, v);
  g_assert_cmpuint (v, >, 180);
  g_assert_cmpuint (u, <, 128);
}

/* Renders the window as GTK draws it and saves it to PX_TEST_OUTPUT. */
static GdkTexture *
screenshot (const char *name)
{
  GtkWidget *widget = GTK_WIDGET (fixture.window);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GskRenderNode) node = NULL;
  g_autofree char *path = NULL;
  const char *dir = g_getenv ("PX_TEST_OUTPUT") ? g_getenv ("PX_TEST_OUTPUT") : ".";
  gint64 deadline = g_get_monotonic_time () + PX_CALL_TEST_WAIT_MS * G_TIME_SPAN_MILLISECOND;
  GdkTexture *texture;

  while (node == NULL)
    {
      g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();

      gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
      node = gtk_snapshot_to_node (snapshot);
      if (node != NULL)
        break;
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for the window to draw %s", name);
      px_call_test_spin (20);
    }
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("Screenshot: %s", path);
  return texture;
}

typedef struct
{
  guint yellow;
  guint cyan;
  guint magenta;
} BarPixels;

/* Counts the pixels of the window in the colours of SMPTE bars (shaded a
 * little by the stage's light). */
static void
count_bar_pixels (GdkTexture *texture,
                  BarPixels  *bars)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  gsize stride = width * 4;
  g_autofree guint8 *pixels = g_malloc (stride * height);

  /* Cairo's ARGB32: B, G, R, A in memory on little-endian machines. */
  gdk_texture_download (texture, pixels, stride);
  *bars = (BarPixels) { 0 };
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        const guint8 *p = pixels + y * stride + x * 4;
        guint32 argb = *(const guint32 *) p;
        int r = (argb >> 16) & 0xff, g = (argb >> 8) & 0xff, b = argb & 0xff;

        if (r > 110 && g > 110 && b < 70)
          bars->yellow++;
        else if (r < 70 && g > 110 && b > 110)
          bars->cyan++;
        else if (r > 110 && g < 70 && b > 110)
          bars->magenta++;
      }
}

static void
toggle (const char *action)
{
  gtk_widget_activate_action (GTK_WIDGET (fixture.window), action, NULL);
}

static void
app_join (void)
{
  g_autoptr(PxJoinTarget) target = px_join_target_new ("", ROOM, "Host");

  px_window_show_join (fixture.window, target);
  gtk_widget_activate_action (GTK_WIDGET (fixture.window), "win.join", NULL);
  wait_for (app_in_call, "the app to join with its media");
}

/* The second client joins the app's server with the SMPTE camera. */
static void
client_join (void)
{
  PxEmbeddedServer *server = px_application_get_embedded_server (fixture.app);
  PxLocalMedia *local;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (server);
  /* px_call_test_join() joins the world's server: point it at the app's. */
  if (fixture.world.server != server)
    {
      PxEmbeddedServer *own = g_steal_pointer (&fixture.world.server);

      px_embedded_server_stop (own);
      g_object_unref (own);
      fixture.world.server = g_object_ref (server);
    }
  fixture.client = px_call_test_join (&fixture.world, ROOM, "client", "Client");
  fixture.client_call = px_call_media_new (fixture.client);
  local = px_call_media_get_local (fixture.client_call);
  px_local_media_set_camera (local, fixture.world.connection, CLIENT_CAMERA);
  px_local_media_set_microphone (local, fixture.world.connection, MICROPHONE);
  px_call_media_set_speaker (fixture.client_call, fixture.world.connection, PX_CALL_TEST_SPEAKER);
  g_assert_true (px_call_media_start (fixture.client_call, &error));
  g_assert_no_error (error);
}

static void
client_leave (void)
{
  px_call_media_stop (fixture.client_call);
  g_clear_object (&fixture.client_call);
  px_session_leave (fixture.client);
  g_clear_object (&fixture.client);
}

/* The test ------------------------------------------------------------------ */

static void
test_two_clients (void)
{
  PxTestCameraSpec app_camera = {
    .name = APP_CAMERA, .description = "App Camera", .format = "I420", .width = 320, .height = 240,
    .framerate = 15, .pattern = "red",
  };
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(PxFrame) frame = NULL;
  PxSessionParticipant *app_participant;
  PxLocalMedia *app_local;
  PxRemoteMediaStats before, after;
  guint64 app_sent_before;
  BarPixels bars;
  PxTestNode *app_camera_node;

  /* PipeWire (with its session bus), the client's camera, the microphone
   * and the speaker first: the app finds them as a desktop's devices. */
  if (!px_call_test_world_start (&fixture.world, 320, 240, TONE_HZ, 0.5))
    return;
  app_camera_node = px_test_harness_add_camera (fixture.world.harness, &app_camera);
  if (app_camera_node == NULL ||
      !px_test_require_programs ("Xvfb", "dbus-daemon", NULL) ||
      px_test_harness_start_display (fixture.world.harness) == NULL)
    {
      px_call_test_world_stop (&fixture.world);
      return;
    }

  settings = g_settings_new (APPLICATION_ID);
  g_settings_set_string (settings, "camera-device", APP_CAMERA);
  g_settings_set_string (settings, "microphone-device", MICROPHONE);
  g_settings_set_string (settings, "speaker-device", PX_CALL_TEST_SPEAKER);
  g_settings_set_boolean (settings, "microphone", TRUE);
  g_settings_set_boolean (settings, "camera", TRUE);

  fixture.app = px_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (fixture.app), NULL, NULL));
  g_application_activate (G_APPLICATION (fixture.app));
  fixture.window = PX_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (fixture.app)));
  fixture.controller = px_application_get_meeting_controller (fixture.app);
  wait_for (window_mapped, "the main window to map");
  wait_for (app_sees_devices, "the app to list the devices");

  /* The app joins its own server, with camera and microphone on. */
  app_join ();
  g_assert_true (px_call_page_get_waiting (px_window_get_call_page (fixture.window)));
  g_assert_cmpuint (g_list_model_get_n_items (stage_participants ()), ==, 0);

  client_join ();

  /* The app's stage: one panel, of the client, whose frames keep coming. */
  wait_for (one_panel, "the client's panel on the app's stage");
  {
    g_autoptr(PxParticipant) panel = g_list_model_get_item (stage_participants (), 0);
    double height_m = 0;

    g_assert_cmpint (px_participant_get_kind (panel), ==, PX_PARTICIPANT_FLAT);
    g_assert_cmpstr (px_participant_get_name (panel), ==, "Client");
    panel_generation_floor = 0;
    wait_for (panel_frames_grow, "the client's first frame on the panel");
    g_assert_true (px_participant_get_height (panel, &height_m));
    g_assert_cmpfloat_with_epsilon (height_m, PX_CALL_PAGE_PANEL_HEIGHT_M, 1e-9);
    panel_generation_floor = px_participant_get_generation (panel) + 10;
    wait_for (panel_frames_grow, "ten more frames on the panel");
  }
  g_assert_false (px_call_page_get_waiting (px_window_get_call_page (fixture.window)));

  /* The sidebar lists the client, with its webcam; a toast said it came. */
  wait_for (client_row_has_remote, "the client in the app's participants list");
  g_assert_cmpuint (px_participant_list_get_n_rows (
                      px_call_page_get_participant_list (px_window_get_call_page (fixture.window))),
                    ==, 2);
  wait_for_toast ("Client joined");
  toggle ("win.participants");
  g_assert_true (px_call_page_get_participants_revealed (px_window_get_call_page (fixture.window)));
  wait_for (client_row_speaking, "the client speaking, in the app's sidebar");
  toggle ("win.participants");
  px_call_test_spin (500);
  texture = screenshot ("call-with-participant.png");
  count_bar_pixels (texture, &bars);
  g_test_message ("Bar pixels on the stage: yellow %u, cyan %u, magenta %u",
                  bars.yellow, bars.cyan, bars.magenta);
  g_assert_cmpuint (bars.yellow, >, 200);
  g_assert_cmpuint (bars.cyan, >, 200);
  g_assert_cmpuint (bars.magenta, >, 200);

  /* The client: the app's red picture and its voice, decoded. */
  wait_for (client_sees_app, "the client to see the app");
  wait_for (client_has_app_frame, "the app's picture at the client");
  frame = px_remote_media_dup_frame (app_at_client ());
  assert_red (frame);
  wait_for (client_decodes_voice, "the app's voice at the client");
  app_participant = px_remote_media_get_participant (app_at_client ());
  g_assert_false (px_session_participant_get_audio_muted (app_participant));
  g_assert_false (px_session_participant_get_video_muted (app_participant));
  app_local = px_call_media_get_local (px_meeting_controller_get_call_media (fixture.controller));

  /* Ctrl+D: the roster shows the app muted, and no voice comes. */
  toggle ("win.microphone");
  g_assert_false (g_settings_get_boolean (settings, "microphone"));
  g_assert_true (px_call_test_wait_property (G_OBJECT (app_participant), "audio-muted", TRUE));
  px_call_test_spin (300);  /* what was on the way */
  px_remote_media_get_stats (app_at_client (), &before);
  app_sent_before = px_local_media_get_voice_packets (app_local);
  px_call_test_spin (1000);
  px_remote_media_get_stats (app_at_client (), &after);
  g_assert_cmpuint (after.voice_packets, ==, before.voice_packets);
  g_assert_cmpuint (px_local_media_get_voice_packets (app_local), ==, app_sent_before);
  g_assert_cmpuint (after.video_frames, >, before.video_frames);

  toggle ("win.microphone");
  g_assert_true (px_call_test_wait_property (G_OBJECT (app_participant), "audio-muted", FALSE));
  px_remote_media_get_stats (app_at_client (), &before);
  px_call_test_spin (1000);
  px_remote_media_get_stats (app_at_client (), &after);
  g_assert_cmpuint (after.voice_packets, >, before.voice_packets);

  /* Ctrl+E: likewise for the picture. */
  toggle ("win.camera");
  g_assert_false (g_settings_get_boolean (settings, "camera"));
  g_assert_true (px_call_test_wait_property (G_OBJECT (app_participant), "video-muted", TRUE));
  px_call_test_spin (300);
  px_remote_media_get_stats (app_at_client (), &before);
  app_sent_before = px_local_media_get_video_packets (app_local);
  px_call_test_spin (1000);
  px_remote_media_get_stats (app_at_client (), &after);
  g_assert_cmpuint (after.video_packets, ==, before.video_packets);
  g_assert_cmpuint (px_local_media_get_video_packets (app_local), ==, app_sent_before);
  g_assert_null (px_remote_media_dup_frame (app_at_client ()));
  g_assert_cmpuint (after.voice_packets, >, before.voice_packets);

  /* Camera on again: the camera is opened again and the roster says so.
   * The GStreamer fake camera sends nothing to a consumer that left and
   * came back (tests/call's camera-off test uses the studio's camera for
   * the pictures); the unplug and replug below brings its picture back. */
  toggle ("win.camera");
  g_assert_true (px_call_test_wait_property (G_OBJECT (app_participant), "video-muted", FALSE));
  wait_for (app_camera_open, "the app's camera open again");

  /* The client mutes and turns its camera off: the app's sidebar shows it. */
  px_local_media_set_microphone_muted (px_call_media_get_local (fixture.client_call), TRUE);
  wait_for (client_row_muted, "the client's microphone off in the app's sidebar");
  px_local_media_set_camera_off (px_call_media_get_local (fixture.client_call), TRUE);
  wait_for (client_row_camera_off, "the client's camera off in the app's sidebar");
  px_local_media_set_microphone_muted (px_call_media_get_local (fixture.client_call), FALSE);
  px_local_media_set_camera_off (px_call_media_get_local (fixture.client_call), FALSE);
  wait_for (client_row_unmuted, "the client's microphone on again in the app's sidebar");

  /* The app's camera is unplugged: the meeting goes on, a toast says why
   * the picture stopped; plugged back in, the picture returns. */
  g_assert_true (px_test_harness_remove_node (fixture.world.harness, app_camera_node));
  wait_for_toast ("Camera “App Camera” disconnected: the meeting goes on without it");
  g_assert_cmpint (px_meeting_controller_get_state (fixture.controller), ==, PX_MEETING_STATE_JOINED);
  g_assert_cmpstr (px_window_get_page_name (fixture.window), ==, "call");
  px_remote_media_get_stats (app_at_client (), &before);
  px_call_test_spin (1000);
  px_remote_media_get_stats (app_at_client (), &after);
  g_assert_cmpuint (after.voice_packets, >, before.voice_packets);
  app_camera_node = px_test_harness_add_camera (fixture.world.harness, &app_camera);
  g_assert_nonnull (app_camera_node);
  wait_for_toast ("Camera “App Camera” is back");
  wait_for (app_sends_video, "the app's picture at the client after the camera came back");

  /* The client leaves: its panel and its row go, a toast says so. */
  client_leave ();
  wait_for (no_panel, "the client's panel to leave the stage");
  wait_for (client_row_gone, "the client to leave the app's sidebar");
  wait_for_toast ("Client left");
  wait_for (waiting_again, "the waiting status to come back");
  g_assert_nonnull (px_meeting_controller_get_call_media (fixture.controller));

  /* Leaving stops the app's media. */
  toggle ("win.leave-now");
  g_assert_null (px_meeting_controller_get_call_media (fixture.controller));

  /* The next meeting starts as the settings say, microphone off; chosen
   * devices that are gone are left out: the first camera found (the
   * bars) and the default microphone stand in, and it has no speaker. */
  g_settings_set_boolean (settings, "microphone", FALSE);
  g_settings_set_string (settings, "camera-device", "no-such-camera");
  g_settings_set_string (settings, "microphone-device", "no-such-microphone");
  g_settings_set_string (settings, "speaker-device", "no-such-speaker");
  app_join ();
  app_local = px_call_media_get_local (px_meeting_controller_get_call_media (fixture.controller));
  g_assert_true (px_local_media_get_microphone_muted (app_local));
  g_assert_false (px_local_media_get_camera_off (app_local));
  client_join ();
  wait_for (client_sees_app, "the client to see the app again");
  app_participant = px_remote_media_get_participant (app_at_client ());
  g_assert_true (px_call_test_wait_property (G_OBJECT (app_participant), "audio-muted", TRUE));
  wait_for (client_has_app_frame, "the first camera's picture at the client");
  g_clear_pointer (&frame, px_frame_unref);
  frame = px_remote_media_dup_frame (app_at_client ());
  px_call_test_assert_smpte_bars (frame);
  px_remote_media_get_stats (app_at_client (), &after);
  g_assert_cmpuint (after.voice_packets, ==, 0);
  g_assert_cmpuint (px_local_media_get_voice_packets (app_local), ==, 0);
  toggle ("win.microphone");
  g_assert_true (px_call_test_wait_property (G_OBJECT (app_participant), "audio-muted", FALSE));
  wait_for (client_decodes_voice, "the default microphone's voice at the client");
  client_leave ();
  wait_for (no_panel, "the client's panel to leave the stage again");
  toggle ("win.leave-now");

  g_clear_object (&texture);
  px_ui_test_quit_app ((GApplication **) &fixture.app);
  px_call_test_world_stop (&fixture.world);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ui/call-media/two-clients", test_two_clients);

  return g_test_run ();
}
