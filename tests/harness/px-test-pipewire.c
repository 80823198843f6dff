/* px-test-pipewire.c: a private PipeWire + WirePlumber for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "px-test-harness.h"
#include "px-test-private.h"

#include <errno.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <pipewire/pipewire.h>

#define DAEMON_START_MS 15000
#define SESSION_MANAGER_START_MS 20000
#define DAEMON_EXIT_MS 10000
#define SESSION_MANAGER_EXIT_MS 2000
#define PING_ATTEMPT_MS 2000
#define LIST_MS 5000
#define DUMP_MS 10000

/* Turns off the monitors that would publish the machine's real devices: the graph holds only
 * what the test provides. Named to sort after the distribution's *-config.lua files and before
 * 90-enable-all.lua, which reads these switches. */
static const char main_lua_override[] =
  "alsa_monitor.enabled = false\n"
  "v4l2_monitor.enabled = false\n"
  "libcamera_monitor.enabled = false\n";

static const char bluetooth_lua_override[] =
  "bluez_monitor.enabled = false\n";

static gpointer
init_pipewire_cb (gpointer data)
{
  pw_init (NULL, NULL);
  return NULL;
}

static void
ensure_pipewire_initialized (void)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, init_pipewire_cb, NULL);
}

typedef struct
{
  int        seq;
  gboolean   done;
  int        res;
  char      *message;
  JsonArray *globals;
} RegistryState;

static void
registry_global_cb (void                  *data,
                    uint32_t               id,
                    uint32_t               permissions,
                    const char            *type,
                    uint32_t               version,
                    const struct spa_dict *props)
{
  RegistryState *state = data;
  JsonObject *object = json_object_new ();
  JsonObject *properties = json_object_new ();
  const struct spa_dict_item *item;

  json_object_set_int_member (object, "id", id);
  json_object_set_string_member (object, "type", type);
  json_object_set_int_member (object, "version", version);
  if (props != NULL)
    {
      spa_dict_for_each (item, props)
        json_object_set_string_member (properties, item->key, item->value);
    }
  json_object_set_object_member (object, "props", properties);

  json_array_add_object_element (state->globals, object);
}

static void
registry_global_remove_cb (void     *data,
                           uint32_t  id)
{
  RegistryState *state = data;

  for (guint i = 0; i < json_array_get_length (state->globals); i++)
    {
      JsonObject *object = json_array_get_object_element (state->globals, i);

      if (json_object_get_int_member (object, "id") == id)
        {
          json_array_remove_element (state->globals, i);
          break;
        }
    }
}

static const struct pw_registry_events registry_events = {
  PW_VERSION_REGISTRY_EVENTS,
  .global = registry_global_cb,
  .global_remove = registry_global_remove_cb,
};

static void
core_done_cb (void     *data,
              uint32_t  id,
              int       seq)
{
  RegistryState *state = data;

  if (id == PW_ID_CORE && seq == state->seq)
    state->done = TRUE;
}

static void
core_error_cb (void       *data,
               uint32_t    id,
               int         seq,
               int         res,
               const char *message)
{
  RegistryState *state = data;

  if (id == PW_ID_CORE && state->message == NULL)
    {
      state->res = res;
      state->message = g_strdup (message);
    }
}

static const struct pw_core_events core_events = {
  PW_VERSION_CORE_EVENTS,
  .done = core_done_cb,
  .error = core_error_cb,
};

/* Connects with libpipewire, binds the registry and waits for a core sync: when it comes back,
 * every global has been announced. Returns them as a JSON array shaped like pw-dump's
 * ({ "id", "type", "version", "props" }), or NULL when the daemon does not answer. */
static JsonNode *
list_globals (guint    timeout_ms,
              GError **error)
{
  RegistryState state = { 0 };
  struct spa_hook core_listener = { 0 };
  struct spa_hook registry_listener = { 0 };
  struct pw_registry *registry;
  struct pw_loop *loop;
  struct pw_context *context;
  struct pw_core *core;
  JsonNode *result = NULL;
  gint64 deadline;

  ensure_pipewire_initialized ();

  loop = pw_loop_new (NULL);
  context = pw_context_new (loop, NULL, 0);
  if (context == NULL)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot set up a PipeWire context: %s", g_strerror (saved_errno));
      pw_loop_destroy (loop);
      return NULL;
    }

  core = pw_context_connect (context,
                             pw_properties_new (PW_KEY_REMOTE_NAME, "pipewire-0", NULL),
                             0);
  if (core == NULL)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot connect to PipeWire in %s: %s", g_getenv ("XDG_RUNTIME_DIR"),
                   g_strerror (saved_errno));
      pw_context_destroy (context);
      pw_loop_destroy (loop);
      return NULL;
    }

  state.globals = json_array_new ();
  pw_core_add_listener (core, &core_listener, &core_events, &state);
  registry = pw_core_get_registry (core, PW_VERSION_REGISTRY, 0);
  pw_registry_add_listener (registry, &registry_listener, &registry_events, &state);
  state.seq = pw_core_sync (core, PW_ID_CORE, 0);

  deadline = g_get_monotonic_time () + (gint64) timeout_ms * G_TIME_SPAN_MILLISECOND;
  pw_loop_enter (loop);
  while (!state.done && state.message == NULL)
    {
      gint64 remaining_ms = (deadline - g_get_monotonic_time ()) / G_TIME_SPAN_MILLISECOND;

      if (remaining_ms <= 0)
        break;
      pw_loop_iterate (loop, (int) MIN (remaining_ms, 100));
    }
  pw_loop_leave (loop);

  if (state.done)
    {
      result = json_node_new (JSON_NODE_ARRAY);
      json_node_take_array (result, g_steal_pointer (&state.globals));
    }
  else if (state.message != NULL)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (-state.res),
                   "PipeWire answered with an error: %s", state.message);
    }
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "PipeWire did not answer a sync within %u ms", timeout_ms);
    }

  spa_hook_remove (&registry_listener);
  pw_proxy_destroy ((struct pw_proxy *) registry);
  spa_hook_remove (&core_listener);
  pw_core_disconnect (core);
  pw_context_destroy (context);
  pw_loop_destroy (loop);

  g_clear_pointer (&state.globals, json_array_unref);
  g_free (state.message);

  return result;
}

static gboolean
check_started (PxTestHarness  *self,
               GError        **error)
{
  if (self->runtime_dir != NULL)
    return TRUE;

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, "PipeWire was not started");
  return FALSE;
}

gboolean
px_test_harness_pipewire_ping (PxTestHarness  *self,
                               guint           timeout_ms,
                               GError        **error)
{
  g_autoptr(JsonNode) globals = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!check_started (self, error))
    return FALSE;

  globals = list_globals (px_test_timeout_ms (timeout_ms), error);

  return globals != NULL;
}

JsonNode *
px_test_harness_pipewire_list (PxTestHarness  *self,
                               GError        **error)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (!check_started (self, error))
    return NULL;

  return list_globals (px_test_timeout_ms (LIST_MS), error);
}

JsonNode *
px_test_harness_pipewire_dump (PxTestHarness  *self,
                               GError        **error)
{
  const char *argv[] = { "pw-dump", "--no-colors", NULL };
  g_autoptr(JsonParser) parser = NULL;
  g_autofree char *output = NULL;
  JsonNode *root;

  g_return_val_if_fail (self != NULL, NULL);

  if (!check_started (self, error))
    return NULL;

  output = px_test_run_sync (argv, NULL, DUMP_MS, error);
  if (output == NULL)
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, output, -1, error))
    {
      g_prefix_error (error, "Cannot parse the output of pw-dump: ");
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "pw-dump did not print an array");
      return NULL;
    }

  return json_node_ref (root);
}

static JsonObject *
object_get_props (JsonObject *object)
{
  JsonNode *info = json_object_get_member (object, "info");
  JsonNode *props;

  if (info != NULL && JSON_NODE_HOLDS_OBJECT (info))
    {
      props = json_object_get_member (json_node_get_object (info), "props");
      if (props != NULL && JSON_NODE_HOLDS_OBJECT (props))
        return json_node_get_object (props);
    }

  props = json_object_get_member (object, "props");
  if (props != NULL && JSON_NODE_HOLDS_OBJECT (props))
    return json_node_get_object (props);

  return NULL;
}

char *
px_test_pipewire_dup_prop (JsonObject *object,
                           const char *key)
{
  JsonObject *props;
  JsonNode *value;

  g_return_val_if_fail (object != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  props = object_get_props (object);
  if (props == NULL)
    return NULL;

  value = json_object_get_member (props, key);
  if (value == NULL || !JSON_NODE_HOLDS_VALUE (value))
    return NULL;

  switch (json_node_get_value_type (value))
    {
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (value));
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (value));
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (value) ? "true" : "false");
    case G_TYPE_DOUBLE:
      {
        char buffer[G_ASCII_DTOSTR_BUF_SIZE];

        return g_strdup (g_ascii_dtostr (buffer, sizeof buffer, json_node_get_double (value)));
      }
    default:
      return NULL;
    }
}

guint32
px_test_pipewire_get_id (JsonObject *object)
{
  g_return_val_if_fail (object != NULL, G_MAXUINT32);

  return (guint32) json_object_get_int_member_with_default (object, "id", G_MAXUINT32);
}

JsonObject *
px_test_pipewire_find (JsonNode   *dump,
                       const char *type,
                       const char *key,
                       const char *value)
{
  JsonArray *objects;

  g_return_val_if_fail (dump != NULL && JSON_NODE_HOLDS_ARRAY (dump), NULL);

  objects = json_node_get_array (dump);
  for (guint i = 0; i < json_array_get_length (objects); i++)
    {
      JsonNode *element = json_array_get_element (objects, i);
      JsonObject *object;
      g_autofree char *found = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      object = json_node_get_object (element);

      if (type != NULL &&
          g_strcmp0 (json_object_get_string_member_with_default (object, "type", NULL),
                     type) != 0)
        continue;

      if (key == NULL)
        return object;

      found = px_test_pipewire_dup_prop (object, key);
      if (found != NULL && (value == NULL || g_str_equal (found, value)))
        return object;
    }

  return NULL;
}

typedef struct
{
  PxTestHarness *harness;
  const char    *type;
  const char    *key;
  const char    *value;
  gboolean       want_present;
  guint32        id;
  char          *last_error;
} ObjectWait;

static gboolean
object_wait_cb (gpointer   user_data,
                GError   **error)
{
  ObjectWait *wait = user_data;
  g_autoptr(GError) list_error = NULL;
  g_autoptr(JsonNode) globals = NULL;
  JsonObject *object;

  globals = px_test_harness_pipewire_list (wait->harness, &list_error);
  if (globals == NULL)
    {
      PxTestProcess *daemon = wait->harness->pipewire;

      if (daemon != NULL && !px_test_process_is_running (daemon))
        {
          g_autofree char *status = px_test_process_describe_status (daemon);

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                       "the PipeWire daemon (pid %d) %s", (int) px_test_process_get_pid (daemon),
                       status);
          return FALSE;
        }

      g_free (wait->last_error);
      wait->last_error = g_strdup (list_error->message);
      return FALSE;
    }

  object = px_test_pipewire_find (globals, wait->type, wait->key, wait->value);
  if (object != NULL)
    wait->id = px_test_pipewire_get_id (object);

  return (object != NULL) == wait->want_present;
}

static gboolean
wait_for_object (PxTestHarness  *self,
                 const char     *type,
                 const char     *key,
                 const char     *value,
                 gboolean        want_present,
                 guint           timeout_ms,
                 guint32        *id,
                 GError        **error)
{
  ObjectWait wait = {
    .harness = self,
    .type = type,
    .key = key,
    .value = value,
    .want_present = want_present,
    .id = G_MAXUINT32,
  };
  g_autofree char *what = NULL;
  gboolean ok;

  what = g_strdup_printf ("%s %s%s%s%s%s in the PipeWire graph",
                          type != NULL ? type : "an object",
                          key != NULL ? "with " : "", key != NULL ? key : "",
                          value != NULL ? " = " : "", value != NULL ? value : "",
                          want_present ? " to appear" : " to go away");

  ok = px_test_wait_until (object_wait_cb, &wait, timeout_ms, what, error);
  if (!ok && wait.last_error != NULL && error != NULL && *error != NULL)
    g_prefix_error (error, "(last PipeWire error: %s) ", wait.last_error);
  if (ok && id != NULL)
    *id = wait.id;

  g_free (wait.last_error);

  return ok;
}

gboolean
px_test_harness_wait_for_object (PxTestHarness  *self,
                                 const char     *type,
                                 const char     *key,
                                 const char     *value,
                                 guint           timeout_ms,
                                 guint32        *id,
                                 GError        **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return wait_for_object (self, type, key, value, TRUE, timeout_ms, id, error);
}

gboolean
px_test_harness_wait_for_object_gone (PxTestHarness  *self,
                                      const char     *type,
                                      const char     *key,
                                      const char     *value,
                                      guint           timeout_ms,
                                      GError        **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return wait_for_object (self, type, key, value, FALSE, timeout_ms, NULL, error);
}

static gboolean
daemon_answers_cb (gpointer   user_data,
                   GError   **error)
{
  PxTestHarness *self = user_data;
  g_autoptr(JsonNode) globals = NULL;

  if (!px_test_process_is_running (self->pipewire))
    {
      g_autofree char *status = px_test_process_describe_status (self->pipewire);

      g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "pipewire %s", status);
      return FALSE;
    }

  globals = list_globals (PING_ATTEMPT_MS, NULL);

  return globals != NULL;
}

static gboolean
session_manager_active_cb (gpointer   user_data,
                           GError   **error)
{
  PxTestHarness *self = user_data;
  g_autoptr(JsonNode) globals = NULL;

  if (!px_test_process_is_running (self->wireplumber))
    {
      g_autofree char *status = px_test_process_describe_status (self->wireplumber);

      g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "wireplumber %s", status);
      return FALSE;
    }

  globals = px_test_harness_pipewire_list (self, NULL);
  if (globals == NULL)
    return FALSE;

  /* WirePlumber is connected and has enabled its plugins: the "default" metadata (default
   * devices) comes from one of them. (pw-dump leaves an empty metadata out, the registry
   * does not.) */
  return px_test_pipewire_find (globals, PX_TEST_PW_TYPE_CLIENT, "application.name",
                                "WirePlumber") != NULL &&
         px_test_pipewire_find (globals, PX_TEST_PW_TYPE_METADATA, "metadata.name",
                                "default") != NULL;
}

static const char * const *
child_environment (PxTestHarness *self,
                   GStrv         *storage)
{
  *storage = g_new0 (char *, 4);
  (*storage)[0] = g_strconcat ("XDG_CONFIG_HOME=", self->config_home, NULL);
  (*storage)[1] = g_strconcat ("XDG_STATE_HOME=", self->state_home, NULL);
  /* Log to stderr, which is the log file, not to the journal. */
  (*storage)[2] = g_strdup ("PIPEWIRE_LOG_SYSTEMD=false");

  return (const char * const *) *storage;
}

static gboolean
start_daemon (PxTestHarness *self)
{
  const char *argv[] = { "pipewire", NULL };
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = NULL;
  g_autofree char *what = NULL;

  self->pipewire = px_test_harness_spawn (self, "pipewire", argv,
                                          child_environment (self, &env), &error);
  if (self->pipewire == NULL)
    {
      px_test_harness_fail (self, NULL, "%s", error->message);
      return FALSE;
    }

  what = g_strdup_printf ("the PipeWire daemon to answer in %s", self->runtime_dir);
  if (!px_test_wait_until (daemon_answers_cb, self, DAEMON_START_MS, what, &error))
    {
      px_test_harness_fail (self, self->pipewire, "%s", error->message);
      return FALSE;
    }

  return TRUE;
}

static gboolean
start_session_manager (PxTestHarness *self)
{
  const char *argv[] = { "wireplumber", NULL };
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = NULL;

  self->wireplumber = px_test_harness_spawn (self, "wireplumber", argv,
                                             child_environment (self, &env), &error);
  if (self->wireplumber == NULL)
    {
      px_test_harness_fail (self, NULL, "%s", error->message);
      return FALSE;
    }

  if (!px_test_wait_until (session_manager_active_cb, self, SESSION_MANAGER_START_MS,
                           "WirePlumber to connect and publish the \"default\" metadata",
                           &error))
    {
      px_test_harness_fail (self, self->wireplumber, "%s", error->message);
      return FALSE;
    }

  return TRUE;
}

static gboolean
write_file (PxTestHarness *self,
            const char    *dir,
            const char    *name,
            const char    *contents)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, name, NULL);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      px_test_harness_fail (self, NULL, "Cannot create %s: %s", dir, g_strerror (errno));
      return FALSE;
    }

  if (!g_file_set_contents (path, contents, -1, &error))
    {
      px_test_harness_fail (self, NULL, "%s", error->message);
      return FALSE;
    }

  return TRUE;
}

static gboolean
prepare_directories (PxTestHarness *self)
{
  g_autofree char *main_lua_d = NULL;
  g_autofree char *bluetooth_lua_d = NULL;

  self->runtime_dir = g_build_filename (self->tmp_dir, "runtime", NULL);
  self->config_home = g_build_filename (self->tmp_dir, "config", NULL);
  self->state_home = g_build_filename (self->tmp_dir, "state", NULL);

  if (g_mkdir (self->runtime_dir, 0700) != 0 ||
      g_mkdir_with_parents (self->state_home, 0700) != 0)
    {
      px_test_harness_fail (self, NULL, "Cannot create the PipeWire directories in %s: %s",
                            self->tmp_dir, g_strerror (errno));
      return FALSE;
    }

  main_lua_d = g_build_filename (self->config_home, "wireplumber", "main.lua.d", NULL);
  bluetooth_lua_d = g_build_filename (self->config_home, "wireplumber", "bluetooth.lua.d", NULL);

  return write_file (self, main_lua_d, "60-px-test.lua", main_lua_override) &&
         write_file (self, bluetooth_lua_d, "60-px-test.lua", bluetooth_lua_override);
}

gboolean
px_test_harness_start_pipewire (PxTestHarness *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->pipewire != NULL)
    return TRUE;

  if (!px_test_harness_check_usable (self))
    return FALSE;
  if (!px_test_require_programs ("pipewire", "wireplumber", "pw-dump", NULL))
    return FALSE;

  /* WirePlumber wants a session bus; a private one keeps it off the user's. */
  if (self->bus == NULL && px_test_harness_start_session_bus (self) == NULL)
    return FALSE;

  if (!prepare_directories (self))
    return FALSE;

  px_test_harness_setenv (self, "XDG_RUNTIME_DIR", self->runtime_dir);
  px_test_harness_setenv (self, "PIPEWIRE_RUNTIME_DIR", self->runtime_dir);
  px_test_harness_setenv (self, "PIPEWIRE_REMOTE", NULL);

  return start_daemon (self) && start_session_manager (self);
}

const char *
px_test_harness_get_runtime_dir (PxTestHarness *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->runtime_dir;
}

PxTestProcess *
px_test_harness_get_pipewire_process (PxTestHarness *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->pipewire;
}

PxTestProcess *
px_test_harness_get_wireplumber_process (PxTestHarness *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->wireplumber;
}

gboolean
px_test_harness_kill_pipewire (PxTestHarness *self,
                               int            signo)
{
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (self->pipewire != NULL, FALSE);

  if (!px_test_process_signal (self->pipewire, signo))
    {
      px_test_harness_fail (self, self->pipewire, "Cannot send signal %d to pipewire", signo);
      return FALSE;
    }

  if (!px_test_process_wait (self->pipewire, DAEMON_EXIT_MS, &error))
    {
      px_test_harness_fail (self, self->pipewire, "%s", error->message);
      return FALSE;
    }

  return TRUE;
}

gboolean
px_test_harness_restart_pipewire (PxTestHarness *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (self->pipewire != NULL, FALSE);

  if (!px_test_harness_check_usable (self))
    return FALSE;

  px_test_process_stop (self->pipewire, PX_TEST_STOP_GRACE_MS);

  /* WirePlumber quits when it loses the daemon; give it the chance, then make sure. */
  if (self->wireplumber != NULL &&
      !px_test_process_wait (self->wireplumber, SESSION_MANAGER_EXIT_MS, NULL))
    px_test_process_stop (self->wireplumber, PX_TEST_STOP_GRACE_MS);

  return start_daemon (self) && start_session_manager (self);
}
