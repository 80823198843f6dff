/* test-studio-pipewire.c: the studio's cameras through a real PipeWire
 *
 * `parallax-tool studio --pipewire` runs against a private PipeWire and
 * WirePlumber; consumers in this process link to its camera nodes, one in
 * I420 and one in YUY2, and every frame they receive must be, byte for byte,
 * the frame the studio renders for the frame number the buffer carries.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <pipewire/pipewire.h>
#include <signal.h>
#include <spa/param/video/format-utils.h>
#include <string.h>
#include <sys/wait.h>

#include "px-test-harness.h"
#include "studio/px-studio.h"

#define FPS        30
#define SEED       3
#define MAX_FRAMES 16

typedef struct
{
  guint64 seq;
  gboolean has_seq;
  GBytes *data;
  guint stride;
} Received;

typedef struct
{
  const char *target;
  enum spa_video_format format;
  struct pw_stream *stream;
  struct spa_hook listener;
  GMutex *lock;
  GCond *cond;
  Received frames[MAX_FRAMES];
  guint n_frames;
  enum spa_video_format negotiated;
} Consumer;

static void
on_param_changed (void                 *user_data,
                  uint32_t              id,
                  const struct spa_pod *param)
{
  Consumer *consumer = user_data;
  struct spa_video_info_raw info = { 0 };
  guint8 buffer[256];
  struct spa_pod_builder builder = SPA_POD_BUILDER_INIT (buffer, sizeof buffer);
  const struct spa_pod *params[1];

  if (param == NULL || id != SPA_PARAM_Format || spa_format_video_raw_parse (param, &info) < 0)
    return;
  consumer->negotiated = info.format;
  /* Ask for the header that carries the frame number. */
  params[0] = spa_pod_builder_add_object (&builder,
    SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta,
    SPA_PARAM_META_type, SPA_POD_Id (SPA_META_Header),
    SPA_PARAM_META_size, SPA_POD_Int (sizeof (struct spa_meta_header)));
  pw_stream_update_params (consumer->stream, params, 1);
}

static void
on_process (void *user_data)
{
  Consumer *consumer = user_data;
  struct pw_buffer *pw_buffer = pw_stream_dequeue_buffer (consumer->stream);
  struct spa_buffer *buffer;
  struct spa_meta_header *header;

  if (pw_buffer == NULL)
    return;
  buffer = pw_buffer->buffer;
  g_mutex_lock (consumer->lock);
  if (consumer->n_frames < MAX_FRAMES && buffer->datas[0].data != NULL
      && buffer->datas[0].chunk->size > 0)
    {
      Received *frame = &consumer->frames[consumer->n_frames++];
      struct spa_data *data = &buffer->datas[0];

      frame->data = g_bytes_new ((guint8 *) data->data + data->chunk->offset, data->chunk->size);
      frame->stride = data->chunk->stride;
      header = spa_buffer_find_meta_data (buffer, SPA_META_Header, sizeof *header);
      frame->has_seq = header != NULL;
      frame->seq = header != NULL ? header->seq : 0;
      g_cond_broadcast (consumer->cond);
    }
  g_mutex_unlock (consumer->lock);
  pw_stream_queue_buffer (consumer->stream, pw_buffer);
}

static const struct pw_stream_events consumer_events = {
  PW_VERSION_STREAM_EVENTS,
  .param_changed = on_param_changed,
  .process = on_process,
};

typedef struct
{
  struct pw_thread_loop *loop;
  struct pw_context *context;
  struct pw_core *core;
  GMutex lock;
  GCond cond;
  Consumer consumers[2];
} Consumers;

static gboolean
consumers_start (Consumers  *self,
                 GError    **error)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  pw_init (NULL, NULL);
  self->loop = pw_thread_loop_new ("test-consumer", NULL);
  self->context = pw_context_new (pw_thread_loop_get_loop (self->loop), NULL, 0);
  pw_thread_loop_start (self->loop);
  pw_thread_loop_lock (self->loop);
  self->core = pw_context_connect (self->context, NULL, 0);
  if (self->core == NULL)
    {
      pw_thread_loop_unlock (self->loop);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot connect to PipeWire");
      return FALSE;
    }
  for (guint i = 0; i < 2; i++)
    {
      Consumer *consumer = &self->consumers[i];
      guint8 buffer[512];
      struct spa_pod_builder builder = SPA_POD_BUILDER_INIT (buffer, sizeof buffer);
      const struct spa_pod *params[1];

      consumer->lock = &self->lock;
      consumer->cond = &self->cond;
      consumer->stream = pw_stream_new (self->core, "test-consumer",
                                        pw_properties_new (PW_KEY_MEDIA_TYPE, "Video",
                                                           PW_KEY_MEDIA_CATEGORY, "Capture",
                                                           PW_KEY_MEDIA_ROLE, "Camera",
                                                           PW_KEY_TARGET_OBJECT, consumer->target,
                                                           NULL));
      pw_stream_add_listener (consumer->stream, &consumer->listener, &consumer_events, consumer);
      params[0] = spa_pod_builder_add_object (&builder,
        SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat,
        SPA_FORMAT_mediaType, SPA_POD_Id (SPA_MEDIA_TYPE_video),
        SPA_FORMAT_mediaSubtype, SPA_POD_Id (SPA_MEDIA_SUBTYPE_raw),
        SPA_FORMAT_VIDEO_format, SPA_POD_Id (consumer->format),
        SPA_FORMAT_VIDEO_size, SPA_POD_Rectangle (&SPA_RECTANGLE (640, 480)),
        SPA_FORMAT_VIDEO_framerate, SPA_POD_CHOICE_RANGE_Fraction (&SPA_FRACTION (FPS, 1),
                                                                   &SPA_FRACTION (0, 1),
                                                                   &SPA_FRACTION (240, 1)));
      pw_stream_connect (consumer->stream, PW_DIRECTION_INPUT, PW_ID_ANY,
                         PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS, params, 1);
    }
  pw_thread_loop_unlock (self->loop);
  return TRUE;
}

static void
consumers_stop (Consumers *self)
{
  if (self->loop == NULL)
    return;
  pw_thread_loop_lock (self->loop);
  for (guint i = 0; i < 2; i++)
    if (self->consumers[i].stream != NULL)
      {
        spa_hook_remove (&self->consumers[i].listener);
        pw_stream_destroy (self->consumers[i].stream);
      }
  if (self->core != NULL)
    pw_core_disconnect (self->core);
  pw_thread_loop_unlock (self->loop);
  pw_thread_loop_stop (self->loop);
  pw_context_destroy (self->context);
  pw_thread_loop_destroy (self->loop);
  self->loop = NULL;
}

static void
consumers_free (Consumers *self)
{
  consumers_stop (self);
  for (guint i = 0; i < 2; i++)
    for (guint k = 0; k < self->consumers[i].n_frames; k++)
      g_bytes_unref (self->consumers[i].frames[k].data);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
}

/* Waits until each consumer has @count frames, or the deadline passes. */
static gboolean
consumers_wait (Consumers *self,
                guint      count,
                guint      timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) px_test_timeout_ms (timeout_ms) * 1000;
  gboolean done;

  g_mutex_lock (&self->lock);
  while (!(done = self->consumers[0].n_frames >= count && self->consumers[1].n_frames >= count)
         && g_cond_wait_until (&self->cond, &self->lock, deadline))
    ;
  done = self->consumers[0].n_frames >= count && self->consumers[1].n_frames >= count;
  g_mutex_unlock (&self->lock);
  return done;
}

/* The frame the studio draws for @seq, in @format. */
static GBytes *
expected_frame (PxStudio              *studio,
                guint                  camera,
                guint64                seq,
                enum spa_video_format  format)
{
  const PxStudioView *view;
  g_autofree guint8 *i420 = g_malloc (640 * 480 * 3 / 2);
  guint8 *y = i420, *u = y + 640 * 480, *v = u + 320 * 240;

  px_studio_render (studio, (double) seq / FPS, seq);
  view = px_studio_get_view (studio, camera);
  px_studio_view_to_i420 (view, y, 640, u, 320, v, 320);
  if (format == SPA_VIDEO_FORMAT_YUY2)
    {
      guint8 *yuy2 = g_malloc (640 * 480 * 2);

      for (guint row = 0; row < 480; row++)
        for (guint x = 0; x < 640; x++)
          {
            yuy2[row * 1280 + 2 * x] = y[row * 640 + x];
            yuy2[row * 1280 + 2 * x + 1] = x % 2 == 0 ? u[(row / 2) * 320 + x / 2]
                                                      : v[(row / 2) * 320 + x / 2];
          }
      return g_bytes_new_take (yuy2, 640 * 480 * 2);
    }
  return g_bytes_new_take (g_steal_pointer (&i420), 640 * 480 * 3 / 2);
}

static void
check_frames (Consumers *consumers,
              guint      at_least)
{
  g_autoptr(PxStudioRig) rig = px_studio_rig_new_default ();
  g_autoptr(PxStudioPerson) person = px_studio_person_new (1.75, SEED);
  g_autoptr(PxStudio) studio = px_studio_new (rig, person, SEED, 0);

  for (guint c = 0; c < 2; c++)
    {
      Consumer *consumer = &consumers->consumers[c];
      guint64 previous = 0;

      g_assert_cmpuint (consumer->n_frames, >=, at_least);
      g_assert_cmpint (consumer->negotiated, ==, consumer->format);
      for (guint k = 0; k < consumer->n_frames; k++)
        {
          Received *frame = &consumer->frames[k];
          g_autoptr(GBytes) expected = NULL;

          g_assert_true (frame->has_seq);
          if (k > 0)
            g_assert_cmpuint (frame->seq, >, previous);
          previous = frame->seq;
          g_assert_cmpuint (frame->stride, ==, consumer->format == SPA_VIDEO_FORMAT_YUY2
                                               ? 1280 : 640);
          expected = expected_frame (studio, c, frame->seq, consumer->format);
          g_assert_cmpmem (g_bytes_get_data (frame->data, NULL), g_bytes_get_size (frame->data),
                           g_bytes_get_data (expected, NULL), g_bytes_get_size (expected));
        }
      g_test_message ("camera %s: %u frames in %s, numbers up to %" G_GUINT64_FORMAT,
                      consumer->target, consumer->n_frames,
                      consumer->format == SPA_VIDEO_FORMAT_YUY2 ? "YUY2" : "I420", previous);
    }
}

static PxTestProcess *
spawn_studio (PxTestHarness *harness,
              const char    *frames)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tool = g_build_filename (PX_TEST_BUILD_DIR, "app", "parallax-tool", NULL);
  const char *argv[] = { tool, "studio", "--pipewire", "--seed", G_STRINGIFY (SEED),
                         "--noise", "0", "--fps", G_STRINGIFY (FPS),
                         frames != NULL ? "--frames" : NULL, frames, NULL };
  PxTestProcess *process = px_test_harness_spawn (harness, "parallax-tool-studio", argv, NULL,
                                                  &error);

  g_assert_no_error (error);
  return process;
}

static void
assert_camera_node (PxTestHarness *harness,
                    const char    *name)
{
  g_autoptr(GError) error = NULL;
  JsonNode *dump;
  JsonObject *node;
  g_autofree char *media_class = NULL;
  g_autofree char *role = NULL;
  g_autofree char *description = NULL;

  g_assert_true (px_test_harness_wait_for_object (harness, PX_TEST_PW_TYPE_NODE, "node.name",
                                                  name, px_test_timeout_ms (20000), NULL,
                                                  &error));
  g_assert_no_error (error);
  dump = px_test_harness_pipewire_dump (harness, &error);
  g_assert_no_error (error);
  node = px_test_pipewire_find (dump, PX_TEST_PW_TYPE_NODE, "node.name", name);
  g_assert_nonnull (node);
  media_class = px_test_pipewire_dup_prop (node, "media.class");
  role = px_test_pipewire_dup_prop (node, "media.role");
  description = px_test_pipewire_dup_prop (node, "node.description");
  g_assert_cmpstr (media_class, ==, "Video/Source");
  g_assert_cmpstr (role, ==, "Camera");
  g_assert_cmpstr (description, ==, name);
  json_node_unref (dump);
}

static void
test_publish_until_stopped (void)
{
  PxTestHarness *harness = px_test_harness_new ();
  g_autoptr(GError) error = NULL;
  PxTestProcess *studio;
  Consumers consumers = { 0 };

  if (!px_test_harness_start_pipewire (harness))
    return;
  studio = spawn_studio (harness, NULL);
  assert_camera_node (harness, "left");
  assert_camera_node (harness, "right");

  consumers.consumers[0] = (Consumer) { .target = "left", .format = SPA_VIDEO_FORMAT_I420 };
  consumers.consumers[1] = (Consumer) { .target = "right", .format = SPA_VIDEO_FORMAT_YUY2 };
  g_assert_true (consumers_start (&consumers, &error));
  g_assert_no_error (error);
  g_assert_true (consumers_wait (&consumers, 3, 30000));
  consumers_stop (&consumers);
  check_frames (&consumers, 3);
  consumers_free (&consumers);

  /* SIGTERM ends it cleanly. */
  g_assert_true (px_test_process_signal (studio, SIGTERM));
  g_assert_true (px_test_process_wait (studio, 10000, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (px_test_process_get_wait_status (studio)));
  g_assert_cmpint (WEXITSTATUS (px_test_process_get_wait_status (studio)), ==, 0);
}

static void
test_publish_frame_count (void)
{
  PxTestHarness *harness = px_test_harness_new ();
  g_autoptr(GError) error = NULL;
  PxTestProcess *studio;
  Consumers consumers = { 0 };

  if (!px_test_harness_start_pipewire (harness))
    return;
  studio = spawn_studio (harness, "4");
  assert_camera_node (harness, "left");
  assert_camera_node (harness, "right");

  consumers.consumers[0] = (Consumer) { .target = "left", .format = SPA_VIDEO_FORMAT_YUY2 };
  consumers.consumers[1] = (Consumer) { .target = "right", .format = SPA_VIDEO_FORMAT_I420 };
  g_assert_true (consumers_start (&consumers, &error));
  g_assert_no_error (error);

  /* Once both cameras have sent four frames, the tool ends by itself. */
  g_assert_true (px_test_process_wait (studio, 30000, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (px_test_process_get_wait_status (studio)));
  g_assert_cmpint (WEXITSTATUS (px_test_process_get_wait_status (studio)), ==, 0);
  g_assert_true (consumers_wait (&consumers, 4, 10000));
  consumers_stop (&consumers);
  check_frames (&consumers, 4);
  g_assert_cmpuint (consumers.consumers[0].n_frames, ==, 4);
  g_assert_cmpuint (consumers.consumers[1].n_frames, ==, 4);
  consumers_free (&consumers);
}

/* When the daemon dies, the tool says so and exits instead of hanging. */
static void
test_daemon_dies (void)
{
  PxTestHarness *harness = px_test_harness_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;
  PxTestProcess *studio;

  if (!px_test_harness_start_pipewire (harness))
    return;
  studio = spawn_studio (harness, NULL);
  assert_camera_node (harness, "left");

  g_assert_true (px_test_harness_kill_pipewire (harness, SIGKILL));
  g_assert_true (px_test_process_wait (studio, 20000, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (px_test_process_get_wait_status (studio)));
  g_assert_cmpint (WEXITSTATUS (px_test_process_get_wait_status (studio)), ==, 1);
  log = px_test_process_read_log_tail (studio, 2048);
  g_test_message ("%s", log);
  g_assert_nonnull (strstr (log, "PipeWire"));
}

static void
test_no_daemon (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tool = g_build_filename (PX_TEST_BUILD_DIR, "app", "parallax-tool", NULL);
  g_autofree char *dir = g_dir_make_tmp ("px-studio-XXXXXX", &error);
  g_autofree char *env_runtime = g_strconcat ("XDG_RUNTIME_DIR=", dir, NULL);
  g_autofree char *env_pw = g_strconcat ("PIPEWIRE_RUNTIME_DIR=", dir, NULL);
  const char *argv[] = { tool, "studio", "--pipewire", "--frames", "1", NULL };
  const char *envp[] = { env_runtime, env_pw, "PIPEWIRE_REMOTE=pipewire-missing", NULL };
  g_autofree char *out = NULL;

  g_assert_no_error (error);
  out = px_test_run_sync (argv, envp, px_test_timeout_ms (20000), &error);
  g_assert_null (out);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "PipeWire"));
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/studio/pipewire/publish-until-stopped", test_publish_until_stopped);
  g_test_add_func ("/studio/pipewire/publish-frame-count", test_publish_frame_count);
  g_test_add_func ("/studio/pipewire/daemon-dies", test_daemon_dies);
  g_test_add_func ("/studio/pipewire/no-daemon", test_no_daemon);

  return g_test_run ();
}
