/* px-test-process.c: child processes, deadlines and waits for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "px-test-process.h"
#include "px-test-private.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gstdio.h>

/* How long px_test_process_stop() waits for a process that got SIGKILL before it gives up
 * (a process stuck in the kernel cannot be reaped; the test must not hang on it). */
#define KILL_REAP_MS 10000

/* The longest sleep between two polls of a condition. */
#define POLL_MAX_US 50000

/* How many main-context dispatches px_test_wait_until() allows between two polls, so that a
 * source that is always ready (an idle, a frame clock) cannot keep it from its deadline. */
#define MAX_DISPATCH_PER_POLL 100

struct _PxTestProcess
{
  char     *name;
  char     *log_path;
  GPid      pid;
  gboolean  reaped;
  int       wait_status;
};

typedef struct
{
  pid_t    parent;
  gboolean detached;
} ChildSetup;

static void
px_test_child_setup_cb (gpointer user_data)
{
  const ChildSetup *setup = user_data;
  sigset_t mask;

  /* Runs between fork() and exec(): async-signal-safe calls only. */
  if (setup->detached)
    {
      /* Outlives the test on purpose (the guardian): its own session, so that a kill of the
       * test's process group (meson's timeout) does not reach it. */
      setsid ();
    }
  else
    {
      prctl (PR_SET_PDEATHSIG, SIGKILL);
      /* The parent may have died before prctl() took effect. */
      if (getppid () != setup->parent)
        _exit (127);
    }

  sigemptyset (&mask);
  sigprocmask (SIG_SETMASK, &mask, NULL);
  signal (SIGTERM, SIG_DFL);
  signal (SIGINT, SIG_DFL);
  signal (SIGHUP, SIG_DFL);
  signal (SIGPIPE, SIG_DFL);
}

guint
px_test_timeout_ms (guint base_ms)
{
  const char *scale = g_getenv ("PX_TEST_TIMEOUT_SCALE");
  double factor;

  if (scale == NULL || *scale == '\0')
    return base_ms;

  factor = g_ascii_strtod (scale, NULL);
  if (factor <= 0.0)
    return base_ms;

  return (guint) MIN ((double) base_ms * factor, (double) G_MAXUINT);
}

static gint64
deadline_after (guint timeout_ms)
{
  return g_get_monotonic_time () + (gint64) px_test_timeout_ms (timeout_ms) * G_TIME_SPAN_MILLISECOND;
}

static char *
resolve_program (const char  *program,
                 GError     **error)
{
  char *path;

  if (strchr (program, '/') != NULL)
    {
      if (g_file_test (program, G_FILE_TEST_IS_EXECUTABLE))
        return g_strdup (program);
      path = NULL;
    }
  else
    {
      path = g_find_program_in_path (program);
    }

  if (path == NULL)
    g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT, "%s is not installed", program);

  return path;
}

PxTestProcess *
px_test_process_spawn_internal (const char         *name,
                                const char * const *argv,
                                const char * const *envp,
                                const char         *log_path,
                                int                 stdin_fd,
                                const int          *source_fds,
                                const int          *target_fds,
                                guint               n_fds,
                                gboolean            detached,
                                GError            **error)
{
  g_autofree char *program = NULL;
  g_autoptr(GPtrArray) args = NULL;
  ChildSetup setup;
  PxTestProcess *self;
  int log_fd;
  GPid pid;
  gboolean ok;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (argv != NULL && argv[0] != NULL, NULL);

  program = resolve_program (argv[0], error);
  if (program == NULL)
    return NULL;

  args = g_ptr_array_new ();
  g_ptr_array_add (args, program);
  for (guint i = 1; argv[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) argv[i]);
  g_ptr_array_add (args, NULL);

  log_fd = g_open (log_path != NULL ? log_path : "/dev/null",
                   O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot open the log of %s: %s", name, g_strerror (saved_errno));
      return NULL;
    }

  setup.parent = getpid ();
  setup.detached = detached;

  ok = g_spawn_async_with_pipes_and_fds (NULL,
                                         (const char * const *) args->pdata,
                                         envp,
                                         G_SPAWN_DO_NOT_REAP_CHILD,
                                         px_test_child_setup_cb, &setup,
                                         stdin_fd, log_fd, log_fd,
                                         source_fds, target_fds, n_fds,
                                         &pid,
                                         NULL, NULL, NULL,
                                         error);
  g_close (log_fd, NULL);

  if (!ok)
    {
      g_prefix_error (error, "Cannot start %s: ", name);
      return NULL;
    }

  self = g_new0 (PxTestProcess, 1);
  self->name = g_strdup (name);
  self->log_path = g_strdup (log_path);
  self->pid = pid;
  self->wait_status = -1;

  return self;
}

PxTestProcess *
px_test_process_spawn (const char         *name,
                       const char * const *argv,
                       const char * const *envp,
                       const char         *log_path,
                       const int          *source_fds,
                       const int          *target_fds,
                       guint               n_fds,
                       GError            **error)
{
  return px_test_process_spawn_internal (name, argv, envp, log_path, -1,
                                         source_fds, target_fds, n_fds, FALSE, error);
}

const char *
px_test_process_get_name (PxTestProcess *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->name;
}

GPid
px_test_process_get_pid (PxTestProcess *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->pid;
}

const char *
px_test_process_get_log_path (PxTestProcess *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->log_path;
}

/* Reaps the process if it has exited. Returns TRUE once it is reaped. */
static gboolean
px_test_process_reap (PxTestProcess *self)
{
  if (self->reaped)
    return TRUE;

  for (;;)
    {
      int status = 0;
      pid_t res = waitpid (self->pid, &status, WNOHANG);

      if (res == self->pid)
        {
          self->reaped = TRUE;
          self->wait_status = status;
          return TRUE;
        }

      if (res == 0)
        return FALSE;

      if (errno == EINTR)
        continue;

      /* ECHILD: something else reaped it; it is gone all the same. */
      self->reaped = TRUE;
      return TRUE;
    }
}

gboolean
px_test_process_is_running (PxTestProcess *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return !px_test_process_reap (self);
}

gboolean
px_test_process_signal (PxTestProcess *self,
                        int            signo)
{
  g_return_val_if_fail (self != NULL, FALSE);

  /* Never signal a reaped pid: the number may belong to someone else by now. */
  if (px_test_process_reap (self))
    return FALSE;

  return kill (self->pid, signo) == 0;
}

static gboolean
process_exited_cb (gpointer   user_data,
                   GError   **error)
{
  return px_test_process_reap (user_data);
}

gboolean
px_test_process_wait (PxTestProcess  *self,
                      guint           timeout_ms,
                      GError        **error)
{
  g_autofree char *what = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  what = g_strdup_printf ("%s (pid %d) to exit", self->name, (int) self->pid);

  return px_test_wait_until (process_exited_cb, self, timeout_ms, what, error);
}

gboolean
px_test_process_stop (PxTestProcess *self,
                      guint          grace_ms)
{
  gint64 deadline;

  g_return_val_if_fail (self != NULL, FALSE);

  if (px_test_process_reap (self))
    return TRUE;

  kill (self->pid, SIGTERM);

  deadline = g_get_monotonic_time () + (gint64) grace_ms * G_TIME_SPAN_MILLISECOND;
  while (g_get_monotonic_time () < deadline)
    {
      if (px_test_process_reap (self))
        return TRUE;
      g_usleep (2000);
    }

  g_debug ("%s (pid %d) ignored SIGTERM for %u ms, killing it", self->name, (int) self->pid,
           grace_ms);
  kill (self->pid, SIGKILL);

  deadline = g_get_monotonic_time () + (gint64) KILL_REAP_MS * G_TIME_SPAN_MILLISECOND;
  while (!px_test_process_reap (self))
    {
      if (g_get_monotonic_time () >= deadline)
        {
          g_warning ("%s (pid %d) did not die within %d ms of SIGKILL", self->name,
                     (int) self->pid, KILL_REAP_MS);
          break;
        }
      g_usleep (2000);
    }

  return FALSE;
}

int
px_test_process_get_wait_status (PxTestProcess *self)
{
  g_return_val_if_fail (self != NULL, -1);

  px_test_process_reap (self);

  return self->wait_status;
}

char *
px_test_process_describe_status (PxTestProcess *self)
{
  int status;

  g_return_val_if_fail (self != NULL, NULL);

  if (!px_test_process_reap (self))
    return g_strdup ("running");

  status = self->wait_status;
  if (status == -1)
    return g_strdup ("gone (reaped elsewhere)");
  if (WIFEXITED (status))
    return g_strdup_printf ("exited with status %d", WEXITSTATUS (status));
  if (WIFSIGNALED (status))
    return g_strdup_printf ("killed by signal %d (%s)", WTERMSIG (status),
                            g_strsignal (WTERMSIG (status)));

  return g_strdup_printf ("ended with wait status 0x%x", status);
}

char *
px_test_process_read_log_tail (PxTestProcess *self,
                               gsize          max_bytes)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_return_val_if_fail (self != NULL, NULL);

  if (self->log_path == NULL ||
      !g_file_get_contents (self->log_path, &contents, &length, NULL))
    return g_strdup ("");

  if (length <= max_bytes)
    return g_steal_pointer (&contents);

  return g_strdup (contents + length - max_bytes);
}

void
px_test_process_free (PxTestProcess *self)
{
  if (self == NULL)
    return;

  px_test_process_stop (self, PX_TEST_STOP_GRACE_MS);

  g_free (self->name);
  g_free (self->log_path);
  g_free (self);
}

gboolean
px_test_wait_until (PxTestWaitFunc   func,
                    gpointer         user_data,
                    guint            timeout_ms,
                    const char      *what,
                    GError         **error)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  guint scaled_ms = px_test_timeout_ms (timeout_ms);
  gint64 deadline = g_get_monotonic_time () + (gint64) scaled_ms * G_TIME_SPAN_MILLISECOND;
  gulong sleep_us = 1000;

  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (what != NULL, FALSE);

  for (;;)
    {
      GError *local_error = NULL;
      gint64 now;

      for (guint i = 0; i < MAX_DISPATCH_PER_POLL; i++)
        {
          if (!g_main_context_iteration (context, FALSE))
            break;
        }

      if (func (user_data, &local_error))
        return TRUE;

      if (local_error != NULL)
        {
          g_propagate_prefixed_error (error, local_error, "While waiting for %s: ", what);
          return FALSE;
        }

      now = g_get_monotonic_time ();
      if (now >= deadline)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "Timed out after %u ms waiting for %s", scaled_ms, what);
          return FALSE;
        }

      g_usleep (MIN ((gint64) sleep_us, deadline - now));
      sleep_us = MIN (sleep_us * 2, POLL_MAX_US);
    }
}

static void
set_exited_error (GError        **error,
                  PxTestProcess  *process,
                  const char     *what)
{
  g_autofree char *status = px_test_process_describe_status (process);

  g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
               "%s (pid %d) %s while waiting for %s (log: %s)", process->name,
               (int) process->pid, status, what,
               process->log_path != NULL ? process->log_path : "none");
}

char *
px_test_read_line (int             fd,
                   PxTestProcess  *process,
                   guint           timeout_ms,
                   const char     *what,
                   GError        **error)
{
  g_autoptr(GString) line = g_string_new (NULL);
  gint64 deadline = deadline_after (timeout_ms);

  for (;;)
    {
      struct pollfd pfd = { .fd = fd, .events = POLLIN };
      gint64 remaining_ms = (deadline - g_get_monotonic_time ()) / G_TIME_SPAN_MILLISECOND;
      char buffer[256];
      const char *newline;
      gssize n;
      int res;

      if (remaining_ms <= 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "Timed out after %u ms waiting for %s", px_test_timeout_ms (timeout_ms),
                       what);
          return NULL;
        }

      res = poll (&pfd, 1, (int) MIN (remaining_ms, 50));
      if (res < 0 && errno != EINTR)
        {
          int saved_errno = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       "poll() failed waiting for %s: %s", what, g_strerror (saved_errno));
          return NULL;
        }

      if (res <= 0)
        {
          /* Nothing to read yet: has the writer died? */
          if (process != NULL && !px_test_process_is_running (process))
            {
              set_exited_error (error, process, what);
              return NULL;
            }
          continue;
        }

      n = read (fd, buffer, sizeof buffer);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;

      if (n <= 0)
        {
          /* End of file: the writer closed its end or died. */
          if (process != NULL && px_test_process_wait (process, 2000, NULL))
            set_exited_error (error, process, what);
          else
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED,
                         "The pipe closed before %s", what);
          return NULL;
        }

      g_string_append_len (line, buffer, n);
      newline = memchr (line->str, '\n', line->len);
      if (newline != NULL)
        {
          g_string_truncate (line, newline - line->str);
          return g_string_free (g_steal_pointer (&line), FALSE);
        }
    }
}

static gboolean
drain_fd (int       *fd,
          GString   *into)
{
  char buffer[4096];
  gssize n;

  n = read (*fd, buffer, sizeof buffer);
  if (n > 0)
    {
      g_string_append_len (into, buffer, n);
      return TRUE;
    }

  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return TRUE;

  g_close (*fd, NULL);
  *fd = -1;
  return FALSE;
}

char *
px_test_run_sync (const char * const  *argv,
                  const char * const  *envp,
                  guint                timeout_ms,
                  GError             **error)
{
  g_autofree char *program = NULL;
  g_autoptr(GPtrArray) args = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GString) err = g_string_new (NULL);
  PxTestProcess process = { 0 };
  ChildSetup setup;
  gint64 deadline = deadline_after (timeout_ms);
  int out_fd = -1;
  int err_fd = -1;
  int status;

  g_return_val_if_fail (argv != NULL && argv[0] != NULL, NULL);

  program = resolve_program (argv[0], error);
  if (program == NULL)
    return NULL;

  args = g_ptr_array_new ();
  g_ptr_array_add (args, program);
  for (guint i = 1; argv[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) argv[i]);
  g_ptr_array_add (args, NULL);

  setup.parent = getpid ();
  setup.detached = FALSE;

  if (!g_spawn_async_with_pipes_and_fds (NULL, (const char * const *) args->pdata, envp,
                                         G_SPAWN_DO_NOT_REAP_CHILD,
                                         px_test_child_setup_cb, &setup,
                                         -1, -1, -1, NULL, NULL, 0,
                                         &process.pid, NULL, &out_fd, &err_fd, error))
    return NULL;

  process.name = (char *) argv[0];
  process.wait_status = -1;

  while (out_fd >= 0 || err_fd >= 0)
    {
      struct pollfd pfds[2];
      gint64 remaining_ms = (deadline - g_get_monotonic_time ()) / G_TIME_SPAN_MILLISECOND;
      guint n = 0;

      if (remaining_ms <= 0)
        break;

      if (out_fd >= 0)
        pfds[n++] = (struct pollfd) { .fd = out_fd, .events = POLLIN };
      if (err_fd >= 0)
        pfds[n++] = (struct pollfd) { .fd = err_fd, .events = POLLIN };

      if (poll (pfds, n, (int) MIN (remaining_ms, 100)) <= 0)
        continue;

      for (guint i = 0; i < n; i++)
        {
          if (pfds[i].revents == 0)
            continue;
          if (pfds[i].fd == out_fd)
            drain_fd (&out_fd, out);
          else
            drain_fd (&err_fd, err);
        }
    }

  if (out_fd >= 0)
    g_close (out_fd, NULL);
  if (err_fd >= 0)
    g_close (err_fd, NULL);

  /* The pipes are closed: the process has exited or is about to, unless the deadline hit. */
  while (!px_test_process_reap (&process) && g_get_monotonic_time () < deadline)
    g_usleep (1000);

  if (!px_test_process_reap (&process))
    {
      px_test_process_stop (&process, 0);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "%s did not finish within %u ms", argv[0], px_test_timeout_ms (timeout_ms));
      return NULL;
    }

  status = process.wait_status;
  if (status == -1 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      g_autofree char *description = px_test_process_describe_status (&process);

      g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "%s %s: %s", argv[0],
                   description, g_strstrip (err->str));
      return NULL;
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

gboolean
px_test_pid_is_gone (GPid pid)
{
  return kill (pid, 0) == -1 && errno == ESRCH;
}

gboolean
px_test_require_programs (const char *first_program,
                          ...)
{
  va_list args;
  const char *program;
  gboolean found = TRUE;

  va_start (args, first_program);
  for (program = first_program; program != NULL; program = va_arg (args, const char *))
    {
      g_autofree char *path = g_find_program_in_path (program);

      if (path == NULL)
        {
          px_test_report_skip ("%s is not installed", program);
          found = FALSE;
          break;
        }
    }
  va_end (args);

  return found;
}
