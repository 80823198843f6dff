/* px-test-harness.c: the harness itself: temporary directory, environment, bookkeeping
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "px-test-harness.h"
#include "px-test-private.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>

/* Removes the harness directory once the test process is gone, however it went: it waits for
 * the end of its stdin, a pipe whose only writer is the test. Processes still writing into the
 * directory are being killed at that moment (PR_SET_PDEATHSIG), hence the retries. */
static const char guardian_script[] =
  "read -r line\n"
  "i=0\n"
  "while [ -e \"$1\" ] && [ \"$i\" -lt 50 ]; do\n"
  "  rm -rf -- \"$1\" 2>/dev/null\n"
  "  [ -e \"$1\" ] || break\n"
  "  sleep 0.1\n"
  "  i=$((i + 1))\n"
  "done\n";

#define GUARDIAN_EXIT_MS 5000

typedef struct
{
  char     *name;
  char     *value;
  gboolean  was_set;
} PxTestSavedEnv;

static void
saved_env_clear (gpointer data)
{
  PxTestSavedEnv *saved = data;

  g_free (saved->name);
  g_free (saved->value);
}

static void
report_lines (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (lines[i][0] != '\0')
        g_test_message ("%s", lines[i]);
    }
}

/* The test that px_test_report_skip() last skipped: g_test_failed() is TRUE for a skipped test
 * too, and the logs of a skipped test are not worth keeping. */
static char *skipped_test_path;

void
px_test_report_skip (const char *format,
                     ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  if (g_test_initialized ())
    {
      g_free (skipped_test_path);
      skipped_test_path = g_strdup (g_test_get_path ());
      g_test_skip (message);
    }
  else
    {
      g_message ("%s", message);
    }
}

void
px_test_harness_fail (PxTestHarness *self,
                      PxTestProcess *process,
                      const char    *format,
                      ...)
{
  g_autofree char *message = NULL;
  g_autofree char *summary = NULL;
  const char *newline;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  if (process != NULL)
    {
      g_autofree char *status = px_test_process_describe_status (process);
      g_autofree char *tail = px_test_process_read_log_tail (process, 2000);
      char *with_log;

      with_log = g_strdup_printf ("%s\n%s (pid %d): %s. The end of its log:\n%s", message,
                                  px_test_process_get_name (process),
                                  (int) px_test_process_get_pid (process), status, tail);
      g_free (message);
      message = with_log;
    }

  if (!g_test_initialized ())
    {
      g_warning ("%s", message);
      return;
    }

  /* TAP wants one line per message: the details go first as comments, the first line last. */
  newline = strchr (message, '\n');
  summary = newline != NULL ? g_strndup (message, newline - message) : g_strdup (message);
  if (newline != NULL)
    report_lines (newline + 1);
  g_test_fail_printf ("%s", summary);
}

static void
px_test_harness_destroy (gpointer data)
{
  PxTestHarness *self = data;

  px_test_harness_stop_all (self);

  g_ptr_array_unref (self->nodes);
  g_ptr_array_unref (self->processes);
  g_array_unref (self->pids);
  g_array_unref (self->saved_env);
  px_test_process_free (self->guardian);

  g_free (self->tmp_dir);
  g_free (self->log_dir);
  g_free (self->display);
  g_free (self->bus_dir);
  g_free (self->bus_service_dir);
  g_free (self->bus_address);
  g_free (self->runtime_dir);
  g_free (self->config_home);
  g_free (self->state_home);
  g_free (self);
}

static void
start_guardian (PxTestHarness *self)
{
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "/bin/sh", "-c", guardian_script, "px-test-guardian", self->tmp_dir,
                         NULL };
  GPid pid;
  int fds[2];

  if (!g_unix_open_pipe (fds, FD_CLOEXEC, &error))
    g_error ("Cannot create the guardian pipe: %s", error->message);

  self->guardian = px_test_process_spawn_internal ("guardian", argv, NULL, NULL, fds[0],
                                                   NULL, NULL, 0, TRUE, &error);
  g_close (fds[0], NULL);
  if (self->guardian == NULL)
    g_error ("Cannot start the harness guardian: %s", error->message);

  self->guardian_fd = fds[1];
  pid = px_test_process_get_pid (self->guardian);
  g_array_append_val (self->pids, pid);
}

PxTestHarness *
px_test_harness_new (void)
{
  g_autoptr(GError) error = NULL;
  PxTestHarness *self;

  self = g_new0 (PxTestHarness, 1);
  self->processes = g_ptr_array_new_with_free_func ((GDestroyNotify) px_test_process_free);
  self->pids = g_array_new (FALSE, FALSE, sizeof (GPid));
  self->saved_env = g_array_new (FALSE, TRUE, sizeof (PxTestSavedEnv));
  g_array_set_clear_func (self->saved_env, saved_env_clear);
  self->nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) px_test_node_free);
  self->guardian_fd = -1;

  self->tmp_dir = g_dir_make_tmp ("px-test-XXXXXX", &error);
  if (self->tmp_dir == NULL)
    g_error ("Cannot create the harness directory: %s", error->message);

  self->log_dir = g_build_filename (self->tmp_dir, "logs", NULL);
  if (g_mkdir (self->log_dir, 0700) != 0)
    g_error ("Cannot create %s: %s", self->log_dir, g_strerror (errno));

  start_guardian (self);

  if (g_test_initialized () && g_test_get_path () != NULL && *g_test_get_path () != '\0')
    {
      self->owned_by_test = TRUE;
      g_test_queue_destroy (px_test_harness_destroy, self);
    }

  return self;
}

void
px_test_harness_free (PxTestHarness *self)
{
  if (self == NULL)
    return;

  g_return_if_fail (!self->owned_by_test);

  px_test_harness_destroy (self);
}

static void
remove_tree (const char *path)
{
  GStatBuf info;

  if (g_lstat (path, &info) != 0)
    return;

  if (S_ISDIR (info.st_mode))
    {
      GDir *dir = g_dir_open (path, 0, NULL);
      const char *name;

      if (dir != NULL)
        {
          while ((name = g_dir_read_name (dir)) != NULL)
            {
              g_autofree char *child = g_build_filename (path, name, NULL);

              remove_tree (child);
            }
          g_dir_close (dir);
        }

      if (g_rmdir (path) != 0)
        g_warning ("Cannot remove %s: %s", path, g_strerror (errno));
    }
  else if (g_unlink (path) != 0)
    {
      g_warning ("Cannot remove %s: %s", path, g_strerror (errno));
    }
}

static void
keep_logs_of_failed_test (PxTestHarness *self)
{
  const char *output = g_getenv ("PX_TEST_OUTPUT");
  g_autofree char *test_name = NULL;
  g_autofree char *dest = NULL;
  GDir *dir;
  const char *name;

  if (!g_test_initialized () || !g_test_failed () || output == NULL || *output == '\0')
    return;
  if (g_strcmp0 (skipped_test_path, g_test_get_path ()) == 0)
    return;

  test_name = g_strdup (g_test_get_path ());
  g_strcanon (test_name, G_CSET_A_2_Z G_CSET_a_2_z G_CSET_DIGITS "-_.", '_');
  dest = g_strdup_printf ("%s/harness-logs/%s-%d", output, test_name, (int) getpid ());
  if (g_mkdir_with_parents (dest, 0755) != 0)
    return;

  dir = g_dir_open (self->log_dir, 0, NULL);
  if (dir == NULL)
    return;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *from = g_build_filename (self->log_dir, name, NULL);
      g_autofree char *to = g_build_filename (dest, name, NULL);
      g_autofree char *contents = NULL;
      gsize length;

      if (g_file_get_contents (from, &contents, &length, NULL))
        g_file_set_contents (to, contents, length, NULL);
    }
  g_dir_close (dir);

  g_test_message ("The harness logs are kept in %s", dest);
}

static void
restore_environment (PxTestHarness *self)
{
  for (guint i = self->saved_env->len; i > 0; i--)
    {
      PxTestSavedEnv *saved = &g_array_index (self->saved_env, PxTestSavedEnv, i - 1);

      if (saved->was_set)
        setenv (saved->name, saved->value, 1);
      else
        unsetenv (saved->name);
    }
  g_array_set_size (self->saved_env, 0);
}

void
px_test_harness_stop_all (PxTestHarness *self)
{
  g_return_if_fail (self != NULL);

  if (self->stopped)
    return;
  self->stopped = TRUE;

  g_ptr_array_set_size (self->nodes, 0);

  for (guint i = self->processes->len; i > 0; i--)
    px_test_process_stop (g_ptr_array_index (self->processes, i - 1), PX_TEST_STOP_GRACE_MS);

  keep_logs_of_failed_test (self);
  remove_tree (self->tmp_dir);
  restore_environment (self);

  /* Nothing left for the guardian to do: let it see the end of its pipe and exit. */
  if (self->guardian_fd >= 0)
    {
      g_close (self->guardian_fd, NULL);
      self->guardian_fd = -1;
    }
  if (!px_test_process_wait (self->guardian, GUARDIAN_EXIT_MS, NULL))
    px_test_process_stop (self->guardian, 0);
}

const char *
px_test_harness_get_tmp_dir (PxTestHarness *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->tmp_dir;
}

void
px_test_harness_setenv (PxTestHarness *self,
                        const char    *variable,
                        const char    *value)
{
  gboolean saved = FALSE;

  g_return_if_fail (self != NULL);
  g_return_if_fail (variable != NULL);

  for (guint i = 0; i < self->saved_env->len && !saved; i++)
    saved = g_str_equal (g_array_index (self->saved_env, PxTestSavedEnv, i).name, variable);

  if (!saved)
    {
      const char *old = g_getenv (variable);
      PxTestSavedEnv entry = {
        .name = g_strdup (variable),
        .value = g_strdup (old),
        .was_set = old != NULL,
      };

      g_array_append_val (self->saved_env, entry);
    }

  /* The C library's own calls: g_setenv() would log a debug message for every change once a
   * thread exists, and tests print debug messages. Neither is thread-safe; the harness is used
   * from the test's thread before the code under test starts its own. */
  if (value != NULL)
    setenv (variable, value, 1);
  else
    unsetenv (variable);
}

guint
px_test_harness_next_serial (PxTestHarness *self)
{
  return ++self->serial;
}

gboolean
px_test_harness_check_usable (PxTestHarness *self)
{
  if (!self->stopped)
    return TRUE;

  px_test_harness_fail (self, NULL, "The test harness was already stopped");
  return FALSE;
}

PxTestProcess *
px_test_harness_spawn_with_fds (PxTestHarness      *self,
                                const char         *name,
                                const char * const *argv,
                                const char * const *extra_env,
                                const int          *source_fds,
                                const int          *target_fds,
                                guint               n_fds,
                                GError            **error)
{
  g_auto(GStrv) envp = g_get_environ ();
  g_autofree char *log_name = NULL;
  g_autofree char *log_path = NULL;
  PxTestProcess *process;
  GPid pid;

  if (self->stopped)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The test harness was already stopped");
      return NULL;
    }

  for (guint i = 0; extra_env != NULL && extra_env[i] != NULL; i++)
    {
      const char *equals = strchr (extra_env[i], '=');
      g_autofree char *variable = NULL;

      g_return_val_if_fail (equals != NULL, NULL);
      variable = g_strndup (extra_env[i], equals - extra_env[i]);
      envp = g_environ_setenv (envp, variable, equals + 1, TRUE);
    }

  log_name = g_strdup_printf ("%s-%u.log", name, px_test_harness_next_serial (self));
  g_strcanon (log_name, G_CSET_A_2_Z G_CSET_a_2_z G_CSET_DIGITS "-_.", '_');
  log_path = g_build_filename (self->log_dir, log_name, NULL);

  process = px_test_process_spawn (name, argv, (const char * const *) envp, log_path,
                                   source_fds, target_fds, n_fds, error);
  if (process == NULL)
    return NULL;

  g_ptr_array_add (self->processes, process);
  pid = px_test_process_get_pid (process);
  g_array_append_val (self->pids, pid);

  return process;
}

PxTestProcess *
px_test_harness_spawn (PxTestHarness      *self,
                       const char         *name,
                       const char * const *argv,
                       const char * const *extra_env,
                       GError            **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (argv != NULL && argv[0] != NULL, NULL);

  return px_test_harness_spawn_with_fds (self, name, argv, extra_env, NULL, NULL, 0, error);
}

void
px_test_harness_stop_process (PxTestHarness *self,
                              PxTestProcess *process)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (process != NULL);
  g_return_if_fail (g_ptr_array_find (self->processes, process, NULL));

  px_test_process_stop (process, PX_TEST_STOP_GRACE_MS);
}

const GPid *
px_test_harness_get_pids (PxTestHarness *self,
                          guint         *n_pids)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (n_pids != NULL, NULL);

  *n_pids = self->pids->len;
  return (const GPid *) (gpointer) self->pids->data;
}
