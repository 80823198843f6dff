/* px-call-test.c: two clients, a server and devices, for the call tests and benchmark
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "px-call-test.h"
#include "px-test-session.h"

gboolean
px_call_test_world_start (PxCallTestWorld *world,
                          guint            width,
                          guint            height,
                          double           frequency,
                          double           volume)
{
  const char *create_speaker[] = {
    "pw-cli", "create-node", "adapter",
    "{ factory.name=support.null-audio-sink node.name=" PX_CALL_TEST_SPEAKER " "
    "node.description=\"Call Test Speaker\" media.class=Audio/Sink object.linger=true "
    "audio.channels=1 audio.position=[ MONO ] audio.rate=48000 priority.driver=30000 }",
    NULL
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;

  world->harness = px_test_harness_new ();
  /* This process keeps fatal criticals; the daemons and fake devices run as
   * on a desktop. */
  px_test_harness_setenv (world->harness, "G_DEBUG", NULL);
  if (!px_test_require_programs ("pw-cli", NULL))
    return FALSE;
  if (!px_test_harness_start_pipewire (world->harness))
    return FALSE;

  world->connection = px_pipewire_connection_new (PX_PIPEWIRE_ACCESS_DIRECT);
  if (!px_pipewire_connection_wait_ready (world->connection, PX_CALL_TEST_WAIT_MS))
    {
      g_test_fail_printf ("No connection to the private PipeWire: %s",
                          px_pipewire_connection_get_last_error (world->connection));
      return FALSE;
    }

  /* The speaker first, as the preferred driver, the way a sound card is:
   * otherwise PipeWire may let the fake camera (a driver too) pace the
   * microphone at its frame rate. */
  output = px_test_run_sync (create_speaker, NULL, PX_CALL_TEST_WAIT_MS, &error);
  g_assert_no_error (error);

  if (width > 0)
    {
      PxTestCameraSpec camera = {
        .name = "px-call-camera", .format = "I420", .width = width, .height = height,
        .framerate = 15, .pattern = "smpte",
      };

      world->camera = px_test_harness_add_camera (world->harness, &camera);
      if (world->camera == NULL)
        return FALSE;
    }
  if (frequency > 0)
    {
      PxTestMicrophoneSpec microphone = {
        .name = "px-call-microphone", .frequency = frequency, .volume = volume,

      };

      world->microphone = px_test_harness_add_microphone (world->harness, &microphone);
      if (world->microphone == NULL)
        return FALSE;
    }

  /* The devices must be known to the connection before anyone opens them. */
  if ((world->camera != NULL
       && !px_call_test_wait_device (world, px_test_node_get_name (world->camera)))
      || (world->microphone != NULL
          && !px_call_test_wait_device (world, px_test_node_get_name (world->microphone)))
      || !px_call_test_wait_device (world, PX_CALL_TEST_SPEAKER))
    return FALSE;

  world->server = px_embedded_server_new (NULL);
  g_assert_true (px_embedded_server_start (world->server, &error));
  g_assert_no_error (error);

  return TRUE;
}

typedef struct
{
  PxCallTestWorld *world;
  const char *name;
} DeviceWait;

static gboolean
device_cb (gpointer   data,
           GError   **error)
{
  DeviceWait *wait = data;

  return px_pipewire_connection_find_device (wait->world->connection, wait->name) != NULL;
}

gboolean
px_call_test_wait_device (PxCallTestWorld *world,
                          const char      *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *what = g_strdup_printf ("the device %s", name);
  DeviceWait wait = { world, name };

  if (!px_call_test_wait_until (device_cb, &wait, what, &error))
    {
      g_test_fail_printf ("%s", error->message);
      return FALSE;
    }
  return TRUE;
}

const char *
px_call_test_world_add_studio_camera (PxCallTestWorld *world,
                                      guint            width,
                                      guint            height)
{
  g_autoptr(PxStudioRig) rig = px_studio_rig_new_line (1, 0.12, width, height, 1.5);
  g_autoptr(PxStudioPerson) person = px_studio_person_new (1.75, 1);
  g_autoptr(GError) error = NULL;
  const char *name = px_studio_rig_get_camera (rig, 0)->id;

  world->studio = px_studio_new (rig, person, 1, 1);
  world->studio_publisher = px_studio_publisher_new (world->studio, 15, 0);
  if (!px_studio_publisher_start (world->studio_publisher, &error))
    {
      g_test_fail_printf ("The studio camera did not start: %s", error->message);
      return NULL;
    }
  if (!px_call_test_wait_device (world, name))
    return NULL;
  /* The rig goes with this function; the node is named after its camera. */
  return px_capture_device_get_name (px_pipewire_connection_find_device (world->connection, name));
}

void
px_call_test_world_stop (PxCallTestWorld *world)
{
  if (world->studio_publisher != NULL)
    px_studio_publisher_stop (world->studio_publisher);
  g_clear_object (&world->studio_publisher);
  g_clear_object (&world->studio);
  if (world->server != NULL)
    px_embedded_server_stop (world->server);
  g_clear_object (&world->server);
  g_clear_object (&world->connection);
  /* Whatever the objects above left queued goes before PipeWire does. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  /* The harness of a running test stops with the test. */
}

PxSession *
px_call_test_join (PxCallTestWorld *world,
                   const char      *room,
                   const char      *identity,
                   const char      *name)
{
  g_autofree char *token = px_embedded_server_mint_token (world->server, room, identity, name,
                                                          3600, TRUE);
  PxSession *session = px_session_new (px_embedded_server_get_url (world->server), room, token);
  g_autoptr(GError) error = px_test_session_join (session, "joining the room", 30000);

  g_assert_no_error (error);

  return session;
}

double
px_call_test_tone_power (const float *samples,
                         guint        n,
                         double       frequency)
{
  double coefficient = 2 * cos (2 * G_PI * frequency / PX_CALL_TEST_RATE);
  double s1 = 0, s2 = 0;

  for (guint i = 0; i < n; i++)
    {
      double s0 = samples[i] + coefficient * s1 - s2;

      s2 = s1;
      s1 = s0;
    }

  return 2 * (s1 * s1 + s2 * s2 - coefficient * s1 * s2) / ((double) n * n);
}

static void
mean_yuv (const PxFrame *frame,
          guint          bar,
          double        *y,
          double        *u,
          double        *v)
{
  /* The middle half of the bar, in the upper half of the picture. */
  guint x0 = (4 * bar + 1) * frame->width / 28;
  guint x1 = (4 * bar + 3) * frame->width / 28;
  guint y0 = frame->height / 8;
  guint y1 = frame->height / 2;
  double sy = 0, su = 0, sv = 0;
  guint n = 0, nc = 0;

  for (guint row = y0; row < y1; row++)
    for (guint col = x0; col < x1; col++)
      {
        sy += frame->planes[0][row * frame->strides[0] + col];
        n++;
        if (row % 2 == 0 && col % 2 == 0)
          {
            su += frame->planes[1][(row / 2) * frame->strides[1] + col / 2];
            sv += frame->planes[2][(row / 2) * frame->strides[2] + col / 2];
            nc++;
          }
      }

  *y = sy / n;
  *u = su / nc;
  *v = sv / nc;
}

void
px_call_test_assert_smpte_bars (const PxFrame *frame)
{
  double y[7], u[7], v[7];

  g_assert_cmpint (frame->format, ==, PX_PIXEL_FORMAT_I420);
  for (guint bar = 0; bar < 7; bar++)
    mean_yuv (frame, bar, &y[bar], &u[bar], &v[bar]);

  g_test_message ("bars: Y %.0f %.0f %.0f %.0f %.0f %.0f %.0f", y[0], y[1], y[2], y[3], y[4],
                  y[5], y[6]);
  /* White, yellow, cyan, green, magenta, red, blue: each darker than the last. */
  for (guint bar = 1; bar < 7; bar++)
    g_assert_cmpfloat (y[bar], <, y[bar - 1] - 8);
  g_assert_cmpfloat (y[0] - y[6], >, 100);
  /* Blue is strong in U, red in V; white has neither. */
  g_assert_cmpfloat (u[6], >, 128 + 40);
  g_assert_cmpfloat (v[5], >, 128 + 40);
  g_assert_cmpfloat (fabs (u[0] - 128), <, 15);
  g_assert_cmpfloat (fabs (v[0] - 128), <, 15);
}

typedef struct
{
  GObject *object;
  const char *name;
  gboolean value;
} PropertyWait;

static gboolean
property_cb (gpointer   data,
             GError   **error)
{
  PropertyWait *wait = data;
  gboolean value = FALSE;

  g_object_get (wait->object, wait->name, &value, NULL);
  return value == wait->value;
}

gboolean
px_call_test_wait_property (GObject    *object,
                            const char *name,
                            gboolean    value)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *what = g_strdup_printf ("%s to become %s", name, value ? "TRUE" : "FALSE");
  PropertyWait wait = { object, name, value };

  if (!px_call_test_wait_until (property_cb, &wait, what, &error))
    {
      g_test_message ("%s", error->message);
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  PxSession *session;
  guint32 id;
} GoneWait;

static gboolean
gone_cb (gpointer   data,
         GError   **error)
{
  GoneWait *wait = data;

  return px_session_lookup_participant (wait->session, wait->id) == NULL;
}

gboolean
px_call_test_wait_gone (PxSession *session,
                        guint32    id)
{
  g_autoptr(GError) error = NULL;
  GoneWait wait = { session, id };

  if (!px_call_test_wait_until (gone_cb, &wait, "the participant to leave", &error))
    {
      g_test_message ("%s", error->message);
      return FALSE;
    }
  return TRUE;
}

guint
px_call_test_count_remotes (PxCallMedia *call)
{
  g_autoptr(GPtrArray) remotes = px_call_media_list_remotes (call);

  return remotes->len;
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates the main context, blocking in poll for at most 5 ms. */
static void
iterate (void)
{
  g_autoptr(GSource) wake = g_timeout_source_new (5);

  g_source_set_callback (wake, wake_cb, NULL, NULL);
  g_source_attach (wake, NULL);
  g_main_context_iteration (NULL, TRUE);
  g_source_destroy (wake);
}

gboolean
px_call_test_wait_until (PxTestWaitFunc   func,
                         gpointer         user_data,
                         const char      *what,
                         GError         **error)
{
  gint64 deadline = g_get_monotonic_time ()
                    + px_test_timeout_ms (PX_CALL_TEST_WAIT_MS) * (gint64) 1000;

  for (;;)
    {
      GError *local_error = NULL;

      if (func (user_data, &local_error))
        return TRUE;
      if (local_error != NULL)
        {
          g_propagate_prefixed_error (error, local_error, "While waiting for %s: ", what);
          return FALSE;
        }
      if (g_get_monotonic_time () >= deadline)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "Timed out waiting for %s", what);
          return FALSE;
        }
      iterate ();
    }
}

void
px_call_test_spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    iterate ();
}
