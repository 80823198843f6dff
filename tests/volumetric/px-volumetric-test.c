/* px-volumetric-test.c: a server, a rig publisher and subscribers in one process
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "net/px-token.h"
#include "px-volumetric-test.h"
#include "px-test-session.h"

#define SECRET "parallax-volumetric-test-secret-0123456789"
#define JOIN_TIMEOUT_MS 20000
/* Enough for 640×480 of a mostly still scene to look like a camera's. */
#define BITRATE_KBPS 12000

PxVolumetricTestServer *
px_volumetric_test_server_new (void)
{
  PxVolumetricTestServer *server = g_new0 (PxVolumetricTestServer, 1);
  g_autoptr(PxServerConfig) config = px_server_config_new ();
  g_autoptr(GError) error = NULL;

  server->secret = g_bytes_new_static (SECRET, strlen (SECRET));
  g_assert_true (px_server_config_set (config, "address", "127.0.0.1", &error));
  g_assert_true (px_server_config_set (config, "port", "0", &error));
  px_server_config_set_secret_bytes (config, server->secret);
  g_assert_true (px_server_config_finish (config, &error));
  g_assert_no_error (error);
  server->server = px_server_new (config);
  g_assert_true (px_server_listen (server->server, &error));
  g_assert_no_error (error);
  server->url = px_server_get_url (server->server);
  return server;
}

void
px_volumetric_test_server_free (PxVolumetricTestServer *server)
{
  px_server_stop (server->server);
  g_clear_object (&server->server);
  /* Let libsoup finish closing. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_free (server->url);
  g_bytes_unref (server->secret);
  g_free (server);
}

char *
px_volumetric_test_token (PxVolumetricTestServer *server,
                          const char             *identity,
                          gboolean                can_publish,
                          gboolean                can_subscribe)
{
  g_autoptr(PxTokenClaims) claims = px_token_claims_new (PX_VOLUMETRIC_TEST_ROOM, identity, identity,
                                                         g_get_real_time () / G_USEC_PER_SEC + 3600,
                                                         can_publish, can_subscribe);

  return px_token_mint (claims, server->secret);
}

double
px_volumetric_test_metric (PxVolumetricTestServer *server,
                           const char             *name)
{
  g_autofree char *metrics = px_server_render_metrics (server->server);
  g_auto(GStrv) lines = g_strsplit (metrics, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], name) && lines[i][strlen (name)] == ' ')
      return g_ascii_strtod (lines[i] + strlen (name) + 1, NULL);
  return -1;
}

gboolean
px_volumetric_test_wait (gboolean (*done) (gpointer data),
                         gpointer   data,
                         guint      timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!done (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      /* Wakes at least every 10 ms to look at the deadline. */
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  return TRUE;
}

PxSession *
px_volumetric_test_session_new (PxVolumetricTestServer *server,
                                const char             *identity,
                                gboolean                can_publish,
                                gboolean                can_subscribe)
{
  g_autofree char *token = px_volumetric_test_token (server, identity, can_publish, can_subscribe);

  return px_session_new (server->url, PX_VOLUMETRIC_TEST_ROOM, token);
}

void
px_volumetric_test_session_join (PxSession *session)
{
  g_autoptr(GError) error = px_test_session_join (session, "the session to join", JOIN_TIMEOUT_MS);

  g_assert_no_error (error);
  g_assert_cmpint (px_session_get_state (session), ==, PX_SESSION_STATE_JOINED);
}

PxSession *
px_volumetric_test_join (PxVolumetricTestServer *server,
                         const char             *identity,
                         gboolean                can_publish,
                         gboolean                can_subscribe)
{
  PxSession *session = px_volumetric_test_session_new (server, identity, can_publish, can_subscribe);

  px_volumetric_test_session_join (session);
  return session;
}

/* ------------------------------------------------------------------------ */
/* The rig publisher                                                        */

void
px_volumetric_test_bytes_unref (GBytes *bytes)
{
  if (bytes != NULL)
    g_bytes_unref (bytes);
}

static void
keyframe_requested_cb (PxSession *session,
                       guint      stream,
                       guint      requester,
                       gpointer   user_data)
{
  PxVolumetricTestPublisher *publisher = user_data;

  if (stream == PX_VOLUMETRIC_TEST_LEFT_STREAM)
    px_video_encoder_request_keyframe (publisher->encoders[0]);
  else if (stream == PX_VOLUMETRIC_TEST_RIGHT_STREAM)
    px_video_encoder_request_keyframe (publisher->encoders[1]);
}

PxVolumetricTestPublisher *
px_volumetric_test_publisher_new (PxSession *session)
{
  PxVolumetricTestPublisher *publisher = g_new0 (PxVolumetricTestPublisher, 1);
  g_autoptr(PxStudioRig) studio_rig = px_studio_rig_new_default ();
  g_autoptr(PxStudioPerson) person = px_studio_person_new (1.75, 1);
  g_autoptr(GError) error = NULL;
  const PxSessionStream streams[] = {
    { PX_VOLUMETRIC_TEST_LEFT_STREAM, PX_WIRE_KIND_VIDEO, "left" },
    { PX_VOLUMETRIC_TEST_RIGHT_STREAM, PX_WIRE_KIND_VIDEO, "right" },
    { PX_VOLUMETRIC_TEST_OUTPUT_STREAM, PX_WIRE_KIND_DEPTH, "volumetric" },
  };

  publisher->session = g_object_ref (session);
  publisher->studio = px_studio_new (studio_rig, person, 1, 2);
  publisher->rig = px_studio_rig_to_rig (studio_rig);
  for (int i = 0; i < 2; i++)
    {
      const PxCamera *camera = px_rig_get_camera (publisher->rig, i);

      publisher->encoders[i] = px_video_encoder_new (BITRATE_KBPS);
      publisher->i420[i] = px_frame_new (PX_PIXEL_FORMAT_I420, camera->width, camera->height);
    }
  publisher->left_packets = g_ptr_array_new_with_free_func ((GDestroyNotify) px_volumetric_test_bytes_unref);
  publisher->left_keyframes = g_array_new (FALSE, FALSE, sizeof (gboolean));
  g_assert_true (px_session_set_streams (session, streams, G_N_ELEMENTS (streams), &error));
  g_assert_no_error (error);
  g_signal_connect (session, "keyframe-requested", G_CALLBACK (keyframe_requested_cb), publisher);
  return publisher;
}

void
px_volumetric_test_publisher_free (PxVolumetricTestPublisher *publisher)
{
  g_signal_handlers_disconnect_by_data (publisher->session, publisher);
  g_object_unref (publisher->session);
  g_object_unref (publisher->studio);
  g_object_unref (publisher->rig);
  for (int i = 0; i < 2; i++)
    {
      g_object_unref (publisher->encoders[i]);
      px_frame_unref (publisher->i420[i]);
    }
  g_ptr_array_unref (publisher->left_packets);
  g_array_unref (publisher->left_keyframes);
  g_free (publisher);
}

JsonArray *
px_volumetric_test_announced_streams (void)
{
  JsonArray *streams = json_array_new ();
  const struct { guint32 stream; const char *kind; } list[] = {
    { PX_VOLUMETRIC_TEST_LEFT_STREAM, "video" },
    { PX_VOLUMETRIC_TEST_RIGHT_STREAM, "video" },
    { PX_VOLUMETRIC_TEST_OUTPUT_STREAM, "depth" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (list); i++)
    {
      JsonObject *stream = json_object_new ();

      json_object_set_int_member (stream, "stream", list[i].stream);
      json_object_set_string_member (stream, "kind", list[i].kind);
      json_array_add_object_element (streams, stream);
    }
  return streams;
}

JsonObject *
px_volumetric_test_rig_calibration (PxRig *rig,
                                    guint  step)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *rig_text = px_rig_to_data (rig, NULL);
  g_autoptr(GError) error = NULL;
  JsonObject *data = json_object_new ();
  JsonObject *streams = json_object_new ();
  const PxCamera *left, *right;

  g_assert_true (json_parser_load_from_data (parser, rig_text, -1, &error));
  g_assert_true (px_rig_get_pair (rig, 0, &left, &right));
  json_object_set_int_member (streams, left->id, PX_VOLUMETRIC_TEST_LEFT_STREAM);
  json_object_set_int_member (streams, right->id, PX_VOLUMETRIC_TEST_RIGHT_STREAM);
  json_object_set_member (data, "rig", json_node_copy (json_parser_get_root (parser)));
  json_object_set_object_member (data, "streams", streams);
  json_object_set_int_member (data, "pair", 0);
  json_object_set_int_member (data, "volumetric_stream", PX_VOLUMETRIC_TEST_OUTPUT_STREAM);
  json_object_set_int_member (data, "step", step);
  return data;
}

JsonObject *
px_volumetric_test_calibration (PxVolumetricTestPublisher *publisher,
                                guint                      step)
{
  return px_volumetric_test_rig_calibration (publisher->rig, step);
}

guint32
px_volumetric_test_publisher_send (PxVolumetricTestPublisher *publisher,
                                   gboolean                   render,
                                   double                     time)
{
  if (render || publisher->sequence == 0)
    {
      px_studio_render (publisher->studio, time, publisher->sequence);
      for (int i = 0; i < 2; i++)
        {
          const PxStudioView *view = px_studio_get_view (publisher->studio, i);
          PxFrame *frame = publisher->i420[i];

          px_studio_view_to_i420 (view, frame->planes[0], frame->strides[0], frame->planes[1],
                                  frame->strides[1], frame->planes[2], frame->strides[2]);
        }
    }

  /* The rate control may skip a frame: then the set is incomplete and the
   * next capture time is tried, as a camera's next frame would be. */
  for (guint attempt = 0; attempt < 10; attempt++)
    {
      gint64 capture_time = g_get_monotonic_time ();
      guint32 sequence = publisher->sequence++;
      gboolean complete = TRUE;

      for (int i = 0; i < 2; i++)
        {
          g_autoptr(PxVideoPacket) packet = NULL;
          g_autoptr(GError) error = NULL;
          guint32 stream = i == 0 ? PX_VOLUMETRIC_TEST_LEFT_STREAM : PX_VOLUMETRIC_TEST_RIGHT_STREAM;
          gboolean keyframe;

          publisher->i420[i]->capture_time_us = capture_time;
          publisher->i420[i]->sequence = sequence;
          packet = px_video_encoder_encode (publisher->encoders[i], publisher->i420[i], &error);
          g_assert_no_error (error);
          if (i == 0)
            {
              keyframe = packet != NULL && packet->keyframe;
              g_ptr_array_add (publisher->left_packets, packet ? g_bytes_ref (packet->data) : NULL);
              g_array_append_val (publisher->left_keyframes, keyframe);
            }
          if (packet == NULL)
            {
              complete = FALSE;
              continue;
            }
          g_assert_true (px_session_send_frame (publisher->session, PX_WIRE_KIND_VIDEO, stream,
                                                packet->keyframe ? PX_WIRE_FLAG_KEYFRAME : 0,
                                                sequence, capture_time, packet->data, &error));
          g_assert_no_error (error);
        }
      if (complete)
        return sequence;
    }
  g_assert_not_reached ();
}

static gboolean
flushed (gpointer data)
{
  return px_session_get_queued_bytes (data) == 0;
}

gboolean
px_volumetric_test_publisher_flush (PxVolumetricTestPublisher *publisher,
                                    guint                      timeout_ms)
{
  return px_volumetric_test_wait (flushed, publisher->session, timeout_ms);
}
