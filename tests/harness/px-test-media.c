/* px-test-media.c: fake cameras and microphones (GStreamer into PipeWire) for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "px-test-harness.h"
#include "px-test-private.h"

#include <string.h>

#include <gio/gio.h>

#define NODE_APPEAR_MS 15000
#define NODE_GONE_MS 10000

struct _PxTestNode
{
  PxTestProcess *process;        /* owned by the harness's process list */
  char          *name;
  char          *description;
  char          *media_class;
  guint32        id;
};

void
px_test_node_free (PxTestNode *node)
{
  if (node == NULL)
    return;

  g_free (node->name);
  g_free (node->description);
  g_free (node->media_class);
  g_free (node);
}

/* Appends @value to @str quoted with double quotes and backslash escapes, the way both
 * gst-launch property values and GstStructure strings read them. */
static void
append_quoted (GString    *str,
               const char *value)
{
  g_string_append_c (str, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (str, '\\');
      g_string_append_c (str, *p);
    }
  g_string_append_c (str, '"');
}

/* The stream-properties=… argument of pipewiresink: a GstStructure, quoted once more for the
 * gst-launch parser. */
static char *
stream_properties_arg (const char *media_class,
                       const char *role,
                       const char *name,
                       const char *description,
                       const char *extra)
{
  g_autoptr(GString) structure = g_string_new ("props");
  GString *arg = g_string_new ("stream-properties=");

  g_string_append_printf (structure, ",media.class=%s", media_class);
  if (role != NULL)
    g_string_append_printf (structure, ",media.role=%s", role);
  g_string_append (structure, ",node.name=");
  append_quoted (structure, name);
  g_string_append (structure, ",node.description=");
  append_quoted (structure, description);
  if (extra != NULL && *extra != '\0')
    g_string_append_printf (structure, ",%s", extra);

  append_quoted (arg, structure->str);

  return g_string_free (arg, FALSE);
}

typedef struct
{
  PxTestHarness *harness;
  PxTestNode    *node;
} NodeWait;

static gboolean
node_appeared_cb (gpointer   user_data,
                  GError   **error)
{
  NodeWait *wait = user_data;
  g_autoptr(JsonNode) globals = NULL;
  JsonObject *object;

  if (!px_test_process_is_running (wait->node->process))
    {
      g_autofree char *status = px_test_process_describe_status (wait->node->process);

      g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "the producer %s", status);
      return FALSE;
    }

  globals = px_test_harness_pipewire_list (wait->harness, NULL);
  if (globals == NULL)
    return FALSE;

  object = px_test_pipewire_find (globals, PX_TEST_PW_TYPE_NODE, "node.name", wait->node->name);
  if (object == NULL)
    return FALSE;

  wait->node->id = px_test_pipewire_get_id (object);
  return TRUE;
}

/* gst-launch names a missing element in its output; such a test is skipped, not failed. */
static char *
find_missing_element (PxTestProcess *process)
{
  g_autofree char *log = px_test_process_read_log_tail (process, 4096);
  const char *start = strstr (log, "no element \"");
  const char *end;

  if (start == NULL)
    return NULL;
  start += strlen ("no element \"");
  end = strchr (start, '"');
  if (end == NULL)
    return NULL;

  return g_strndup (start, end - start);
}

static PxTestNode *
start_producer (PxTestHarness      *self,
                const char * const *argv,
                const char         *name,
                const char         *description,
                const char         *media_class)
{
  /* GStreamer's pipewiresink logs an occasional harmless critical under
   * load; a fake device must not die of the test's fatal-criticals. */
  static const char * const device_env[] = { "G_DEBUG=", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *what = NULL;
  PxTestProcess *process;
  PxTestNode *node;
  NodeWait wait;

  process = px_test_harness_spawn (self, name, argv, device_env, &error);
  if (process == NULL)
    {
      px_test_harness_fail (self, NULL, "%s", error->message);
      return NULL;
    }

  node = g_new0 (PxTestNode, 1);
  node->process = process;
  node->name = g_strdup (name);
  node->description = g_strdup (description);
  node->media_class = g_strdup (media_class);
  node->id = G_MAXUINT32;
  g_ptr_array_add (self->nodes, node);

  wait.harness = self;
  wait.node = node;
  what = g_strdup_printf ("the %s node %s to appear in the PipeWire graph", media_class, name);
  if (!px_test_wait_until (node_appeared_cb, &wait, NODE_APPEAR_MS, what, &error))
    {
      g_autofree char *missing = find_missing_element (process);

      if (missing != NULL)
        px_test_report_skip ("The GStreamer element %s is not installed", missing);
      else
        px_test_harness_fail (self, process, "%s", error->message);

      px_test_process_stop (process, PX_TEST_STOP_GRACE_MS);
      g_ptr_array_remove (self->nodes, node);
      return NULL;
    }

  return node;
}

/* GStreamer 1.22's pipewiresink on PipeWire 0.3.65 now and then crashes on
 * its first buffer (after "gst_buffer_peek_memory: assertion 'idx <
 * GST_BUFFER_MEM_LEN'"). A real camera does not vanish like that, so a fake
 * one is kept alive by a small supervisor: a crash (SIGSEGV, SIGABRT) starts
 * the same pipeline again, under the same node name, a few times at most; any
 * other exit ends it, and SIGTERM stops the pipeline and the supervisor. The
 * pipeline gets SIGKILL should the supervisor die without that. */
static const char camera_supervisor[] =
  "trap 'kill -TERM \"$child\" 2>/dev/null; wait \"$child\"; exit 0' TERM INT\n"
  "restarts=0\n"
  "while :; do\n"
  "  setpriv --pdeathsig KILL \"$@\" &\n"
  "  child=$!\n"
  "  wait \"$child\"\n"
  "  status=$?\n"
  "  case $status in\n"
  "    134|139) ;;\n"
  "    *) exit \"$status\" ;;\n"
  "  esac\n"
  "  restarts=$((restarts + 1))\n"
  "  [ \"$restarts\" -le 5 ] || exit \"$status\"\n"
  "  echo \"fake camera exited with status $status; starting it again\" >&2\n"
  "done\n";

static PxTestNode *
start_camera (PxTestHarness      *self,
              const char * const *pipeline,
              const char         *name,
              const char         *description)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (char *) "sh");
  g_ptr_array_add (argv, (char *) "-c");
  g_ptr_array_add (argv, (char *) camera_supervisor);
  g_ptr_array_add (argv, (char *) "px-fake-camera");
  for (guint i = 0; pipeline[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) pipeline[i]);
  g_ptr_array_add (argv, NULL);

  return start_producer (self, (const char * const *) argv->pdata, name, description,
                         "Video/Source");
}

static gboolean
prepare_producer (PxTestHarness *self)
{
  if (!px_test_harness_check_usable (self))
    return FALSE;
  if (!px_test_require_programs ("gst-launch-1.0", NULL))
    return FALSE;

  return px_test_harness_start_pipewire (self);
}

PxTestNode *
px_test_harness_add_camera (PxTestHarness          *self,
                            const PxTestCameraSpec *spec)
{
  static const PxTestCameraSpec defaults = { 0 };
  g_autofree char *name = NULL;
  g_autofree char *description = NULL;
  g_autofree char *pattern = NULL;
  g_autofree char *raw_caps = NULL;
  g_autofree char *jpeg_caps = NULL;
  g_autofree char *properties = NULL;
  g_autofree char *client_name = NULL;
  const char *format;
  guint width, height, framerate;
  gboolean mjpg;
  guint serial;

  g_return_val_if_fail (self != NULL, NULL);

  if (!prepare_producer (self))
    return NULL;

  if (spec == NULL)
    spec = &defaults;

  serial = px_test_harness_next_serial (self);
  name = spec->name != NULL ? g_strdup (spec->name)
                            : g_strdup_printf ("px-test-camera-%u", serial);
  description = spec->description != NULL ? g_strdup (spec->description)
                                           : g_strdup_printf ("Fake Camera %u", serial);
  format = spec->format != NULL ? spec->format : "YUY2";
  width = spec->width > 0 ? spec->width : 640;
  height = spec->height > 0 ? spec->height : 480;
  framerate = spec->framerate > 0 ? spec->framerate : 30;
  mjpg = g_ascii_strcasecmp (format, "MJPG") == 0 || g_ascii_strcasecmp (format, "JPEG") == 0;

  pattern = g_strdup_printf ("pattern=%s", spec->pattern != NULL ? spec->pattern : "smpte");
  if (mjpg)
    {
      raw_caps = g_strdup_printf ("video/x-raw,width=%u,height=%u,framerate=%u/1",
                                  width, height, framerate);
      jpeg_caps = g_strdup_printf ("image/jpeg,width=%u,height=%u,framerate=%u/1",
                                   width, height, framerate);
    }
  else
    {
      raw_caps = g_strdup_printf ("video/x-raw,format=%s,width=%u,height=%u,framerate=%u/1",
                                  format, width, height, framerate);
    }
  properties = stream_properties_arg ("Video/Source", "Camera", name, description,
                                      spec->properties);
  client_name = g_strdup_printf ("client-name=%s", name);

  if (mjpg)
    {
      const char *argv[] = {
        "gst-launch-1.0", "videotestsrc", "is-live=true", pattern, "!", raw_caps, "!",
        "jpegenc", "!", jpeg_caps, "!",
        "pipewiresink", "mode=provide", properties, client_name, NULL
      };

      return start_camera (self, argv, name, description);
    }
  else
    {
      const char *argv[] = {
        "gst-launch-1.0", "videotestsrc", "is-live=true", pattern, "!", raw_caps, "!",
        "pipewiresink", "mode=provide", properties, client_name, NULL
      };

      return start_camera (self, argv, name, description);
    }
}

/* The node properties of pw-cat's -P: a SPA-JSON object. */
static char *
pw_cat_properties_arg (const char *name,
                       const char *description,
                       const char *extra)
{
  GString *arg = g_string_new ("{ media.class=Audio/Source node.name=");

  append_quoted (arg, name);
  g_string_append (arg, " node.description=");
  append_quoted (arg, description);
  if (extra != NULL && *extra != '\0')
    {
      g_auto(GStrv) pairs = g_strsplit (extra, ",", -1);

      for (guint i = 0; pairs[i] != NULL; i++)
        if (*pairs[i] != '\0')
          g_string_append_printf (arg, " %s", pairs[i]);
    }
  g_string_append (arg, " }");

  return g_string_free (arg, FALSE);
}

/* GStreamer's pipewiresink stalls after a few audio buffers with PipeWire 0.3.65, so the
 * microphone is a recording: audiotestsrc writes a WAV file and pw-cat publishes it as an
 * Audio/Source node. Three minutes of it outlast any test. */
PxTestNode *
px_test_harness_add_microphone (PxTestHarness              *self,
                                const PxTestMicrophoneSpec *spec)
{
  static const PxTestMicrophoneSpec defaults = { 0 };
  char number[G_ASCII_DTOSTR_BUF_SIZE];
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *description = NULL;
  g_autofree char *wave = NULL;
  g_autofree char *freq = NULL;
  g_autofree char *volume = NULL;
  g_autofree char *caps = NULL;
  g_autofree char *properties = NULL;
  g_autofree char *path = NULL;
  g_autofree char *location = NULL;
  g_autofree char *buffers = NULL;
  g_autofree char *rate = NULL;
  g_autofree char *channels = NULL;
  g_autofree char *output = NULL;
  guint serial, sample_rate, n_channels;

  g_return_val_if_fail (self != NULL, NULL);

  if (!prepare_producer (self))
    return NULL;
  if (!px_test_require_programs ("pw-cat", NULL))
    return NULL;

  if (spec == NULL)
    spec = &defaults;

  serial = px_test_harness_next_serial (self);
  name = spec->name != NULL ? g_strdup (spec->name)
                            : g_strdup_printf ("px-test-microphone-%u", serial);
  description = spec->description != NULL ? g_strdup (spec->description)
                                           : g_strdup_printf ("Fake Microphone %u", serial);
  sample_rate = spec->rate > 0 ? spec->rate : 48000;
  n_channels = spec->channels > 0 ? spec->channels : 1;

  wave = g_strdup_printf ("wave=%s", spec->wave != NULL ? spec->wave : "sine");
  freq = g_strconcat ("freq=", g_ascii_dtostr (number, sizeof number,
                                               spec->frequency > 0 ? spec->frequency : 440.0),
                      NULL);
  volume = g_strconcat ("volume=", g_ascii_dtostr (number, sizeof number,
                                                   spec->volume > 0 ? spec->volume : 0.5),
                        NULL);
  caps = g_strdup_printf ("audio/x-raw,format=S16LE,rate=%u,channels=%u",
                          sample_rate, n_channels);
  path = g_strdup_printf ("%s/microphone-%u.wav", px_test_harness_get_tmp_dir (self), serial);
  location = g_strdup_printf ("location=%s", path);
  /* Buffers of 100 ms: 1800 of them are three minutes. */
  buffers = g_strdup_printf ("samplesperbuffer=%u", sample_rate / 10);
  rate = g_strdup_printf ("%u", sample_rate);
  channels = g_strdup_printf ("%u", n_channels);
  properties = pw_cat_properties_arg (name, description, spec->properties);

  {
    const char *generate[] = {
      "gst-launch-1.0", "-q", "audiotestsrc", wave, freq, volume, "num-buffers=1800", buffers,
      "!", caps, "!", "wavenc", "!", "filesink", location, NULL
    };

    output = px_test_run_sync (generate, NULL, px_test_timeout_ms (60000), &error);
    if (output == NULL)
      {
        px_test_harness_fail (self, NULL, "Could not record the microphone's sound: %s",
                              error->message);
        return NULL;
      }
  }

  {
    const char *argv[] = {
      "pw-cat", "--playback", "--target", "0", "--format", "s16", "--rate", rate,
      "--channels", channels, "-P", properties, path, NULL
    };

    return start_producer (self, argv, name, description, "Audio/Source");
  }
}

gboolean
px_test_harness_remove_node (PxTestHarness *self,
                             PxTestNode    *node)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  gboolean ok;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (node != NULL, FALSE);
  g_return_val_if_fail (g_ptr_array_find (self->nodes, node, NULL), FALSE);

  name = g_strdup (node->name);
  px_test_process_stop (node->process, PX_TEST_STOP_GRACE_MS);
  g_ptr_array_remove (self->nodes, node);

  ok = px_test_harness_wait_for_object_gone (self, PX_TEST_PW_TYPE_NODE, "node.name", name,
                                             NODE_GONE_MS, &error);
  if (!ok)
    px_test_harness_fail (self, NULL, "%s", error->message);

  return ok;
}

GPid
px_test_node_get_pid (PxTestNode *node)
{
  g_return_val_if_fail (node != NULL, 0);

  return px_test_process_get_pid (node->process);
}

PxTestProcess *
px_test_node_get_process (PxTestNode *node)
{
  g_return_val_if_fail (node != NULL, NULL);

  return node->process;
}

const char *
px_test_node_get_name (PxTestNode *node)
{
  g_return_val_if_fail (node != NULL, NULL);

  return node->name;
}

const char *
px_test_node_get_description (PxTestNode *node)
{
  g_return_val_if_fail (node != NULL, NULL);

  return node->description;
}

const char *
px_test_node_get_media_class (PxTestNode *node)
{
  g_return_val_if_fail (node != NULL, NULL);

  return node->media_class;
}

guint32
px_test_node_get_id (PxTestNode *node)
{
  g_return_val_if_fail (node != NULL, G_MAXUINT32);

  return node->id;
}
