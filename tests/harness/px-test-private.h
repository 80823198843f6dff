/* px-test-private.h: what the harness's files share with each other, not with tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "px-test-types.h"

G_BEGIN_DECLS

struct _PxTestHarness
{
  char           *tmp_dir;
  char           *log_dir;
  GPtrArray      *processes;      /* PxTestProcess, in start order */
  GArray         *pids;           /* GPid of every process ever started, guardian included */
  GArray         *saved_env;      /* PxTestSavedEnv, in the order first changed */
  GPtrArray      *nodes;          /* PxTestNode */
  PxTestProcess  *guardian;
  int             guardian_fd;
  guint           serial;
  gboolean        owned_by_test;
  gboolean        stopped;

  /* px-test-display.c */
  char           *display;
  PxTestProcess  *xvfb;

  /* px-test-dbus.c */
  char           *bus_dir;
  char           *bus_service_dir;
  char           *bus_address;
  PxTestProcess  *bus;

  /* px-test-pipewire.c */
  char           *runtime_dir;
  char           *config_home;
  char           *state_home;
  PxTestProcess  *pipewire;
  PxTestProcess  *wireplumber;
};

PxTestProcess *px_test_process_spawn_internal   (const char         *name,
                                                 const char * const *argv,
                                                 const char * const *envp,
                                                 const char         *log_path,
                                                 int                 stdin_fd,
                                                 const int          *source_fds,
                                                 const int          *target_fds,
                                                 guint               n_fds,
                                                 gboolean            detached,
                                                 GError            **error);

PxTestProcess *px_test_harness_spawn_with_fds   (PxTestHarness      *self,
                                                 const char         *name,
                                                 const char * const *argv,
                                                 const char * const *extra_env,
                                                 const int          *source_fds,
                                                 const int          *target_fds,
                                                 guint               n_fds,
                                                 GError            **error);

/* A fresh number for names and log files inside this harness. */
guint          px_test_harness_next_serial      (PxTestHarness      *self);

/* Marks the running test failed with a message; adds the log tail of @process if given. */
void           px_test_harness_fail             (PxTestHarness      *self,
                                                 PxTestProcess      *process,
                                                 const char         *format,
                                                 ...) G_GNUC_PRINTF (3, 4);

/* Marks the running test skipped (outside a test: a message). */
void           px_test_report_skip              (const char         *format,
                                                 ...) G_GNUC_PRINTF (1, 2);

/* Whether the harness may still start things; fails the test if it was stopped. */
gboolean       px_test_harness_check_usable     (PxTestHarness      *self);

/* Frees the node's bookkeeping (its process belongs to the harness's list). */
void           px_test_node_free                (PxTestNode         *node);

G_END_DECLS
