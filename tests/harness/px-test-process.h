/* px-test-process.h: child processes, deadlines and waits for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "px-test-types.h"

G_BEGIN_DECLS

/* How long a process gets to exit after SIGTERM before it is sent SIGKILL. */
#define PX_TEST_STOP_GRACE_MS 3000

/* A condition polled by px_test_wait_until(): returns TRUE once it holds; setting @error
 * gives up at once (for instance when the process that should make it true has died). */
typedef gboolean (*PxTestWaitFunc) (gpointer   user_data,
                                    GError   **error);

/* Starts @argv (argv[0] a path, or a name looked up in PATH) with @envp (NULL: this process's
 * environment), stdin from /dev/null and stdout+stderr appended to @log_path (NULL: discarded).
 * source_fds[i] becomes target_fds[i] in the child. The child gets SIGKILL when this thread
 * dies, so an aborted test leaves nothing running. */
PxTestProcess *px_test_process_spawn            (const char         *name,
                                                 const char * const *argv,
                                                 const char * const *envp,
                                                 const char         *log_path,
                                                 const int          *source_fds,
                                                 const int          *target_fds,
                                                 guint               n_fds,
                                                 GError            **error);

/* The name given at spawn time, used in messages. */
const char    *px_test_process_get_name         (PxTestProcess      *self);

/* The process id; stays valid (and is never reused by us) after the process was reaped. */
GPid           px_test_process_get_pid          (PxTestProcess      *self);

/* Where stdout and stderr go, or NULL. */
const char    *px_test_process_get_log_path     (PxTestProcess      *self);

/* Whether the process is still running; reaps it (waitpid WNOHANG) if it has exited. */
gboolean       px_test_process_is_running       (PxTestProcess      *self);

/* Sends @signo to the process if it has not been reaped yet. */
gboolean       px_test_process_signal           (PxTestProcess      *self,
                                                 int                 signo);

/* Waits up to @timeout_ms (scaled, see px_test_timeout_ms()) for the process to exit. */
gboolean       px_test_process_wait             (PxTestProcess      *self,
                                                 guint               timeout_ms,
                                                 GError            **error);

/* SIGTERM, then SIGKILL after @grace_ms, then waitpid. TRUE if it exited within the grace. */
gboolean       px_test_process_stop             (PxTestProcess      *self,
                                                 guint               grace_ms);

/* The waitpid() status once the process has been reaped, -1 before. */
int            px_test_process_get_wait_status  (PxTestProcess      *self);

/* "running", "exited with status N" or "killed by signal N (SIGNAME)". */
char          *px_test_process_describe_status  (PxTestProcess      *self);

/* The last @max_bytes of the process's log, or an empty string. */
char          *px_test_process_read_log_tail    (PxTestProcess      *self,
                                                 gsize               max_bytes);

/* Stops the process if it still runs, then frees the handle. */
void           px_test_process_free             (PxTestProcess      *self);

/* Polls @func (iterating the thread-default main context in between) until it returns TRUE,
 * it sets an error, or @timeout_ms pass; the timeout error names @what. Never blocks longer. */
gboolean       px_test_wait_until               (PxTestWaitFunc      func,
                                                 gpointer            user_data,
                                                 guint               timeout_ms,
                                                 const char         *what,
                                                 GError            **error);

/* Reads one line (without its newline) from @fd within @timeout_ms, failing early when
 * @process (may be NULL) exits first: for readiness reports such as Xvfb -displayfd. */
char          *px_test_read_line                (int                 fd,
                                                 PxTestProcess      *process,
                                                 guint               timeout_ms,
                                                 const char         *what,
                                                 GError            **error);

/* Runs @argv to completion within @timeout_ms and returns its stdout; fails on a non-zero
 * exit (with its stderr in the message) and kills it when the deadline passes. */
char          *px_test_run_sync                 (const char * const *argv,
                                                 const char * const *envp,
                                                 guint               timeout_ms,
                                                 GError            **error);

/* @base_ms multiplied by $PX_TEST_TIMEOUT_SCALE (for slow runs such as valgrind), if set. */
guint          px_test_timeout_ms               (guint               base_ms);

/* TRUE when no process @pid exists any more: kill (pid, 0) == -1 with errno ESRCH. */
gboolean       px_test_pid_is_gone              (GPid                pid);

/* TRUE when every named program is in PATH; otherwise marks the test skipped, naming the
 * first missing one, and returns FALSE. NULL-terminated. */
gboolean       px_test_require_programs         (const char         *first_program,
                                                 ...) G_GNUC_NULL_TERMINATED;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PxTestProcess, px_test_process_free)

G_END_DECLS
