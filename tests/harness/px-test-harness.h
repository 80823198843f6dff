/* px-test-harness.h: real displays, buses, PipeWire and fake devices for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A test creates a harness and asks it for what it needs. Everything is started by the test,
 * stopped by pid (SIGTERM, then SIGKILL after a grace) and reaped; the temporary directory is
 * removed. If the test aborts instead, the children die with it (PR_SET_PDEATHSIG) and a
 * small guardian process removes the directory.
 *
 *   PxTestHarness *harness = px_test_harness_new ();
 *
 *   if (!px_test_harness_start_pipewire (harness))
 *     return;                                     (skipped, or failed with a message)
 *   camera = px_test_harness_add_camera (harness, &(PxTestCameraSpec) { .format = "NV12" });
 *
 * Fixture functions (start_*, add_*, remove_*, kill_*, restart_*) mark the test skipped when a
 * program is missing and failed, with a message saying what did not appear, when something
 * does not come up in time; they return NULL or FALSE then, and the test should return.
 * Queries take a GError. Use the harness from the thread that runs the test.
 */

#pragma once

#include <glib.h>

#include "px-test-types.h"
#include "px-test-process.h"
#include "px-test-display.h"
#include "px-test-dbus.h"
#include "px-test-pipewire.h"
#include "px-test-media.h"

G_BEGIN_DECLS

/* Creates a harness with its own temporary directory. Inside a running test it belongs to the
 * test: everything it started is stopped, its directory removed and the environment restored
 * when the test ends. Outside a test, free it with px_test_harness_free(). */
PxTestHarness  *px_test_harness_new             (void);

/* Stops and frees a harness created outside a test. */
void            px_test_harness_free            (PxTestHarness      *self);

/* Stops every process in reverse start order, removes the temporary directory (keeping the
 * logs under $PX_TEST_OUTPUT/harness-logs when the test failed) and restores the environment.
 * Nothing can be started afterwards. */
void            px_test_harness_stop_all        (PxTestHarness      *self);

/* The temporary directory of this harness (gone after px_test_harness_stop_all()). */
const char     *px_test_harness_get_tmp_dir     (PxTestHarness      *self);

/* Sets (@value non-NULL) or unsets an environment variable of this process, and so of every
 * child started afterwards; the former value comes back when the harness stops. */
void            px_test_harness_setenv          (PxTestHarness      *self,
                                                 const char         *variable,
                                                 const char         *value);

/* Starts a helper process with the harness environment plus @extra_env ("NAME=value"),
 * its output going to a log in the temporary directory; stopped when the harness stops. */
PxTestProcess  *px_test_harness_spawn           (PxTestHarness      *self,
                                                 const char         *name,
                                                 const char * const *argv,
                                                 const char * const *extra_env,
                                                 GError            **error);

/* Stops one process the harness started (SIGTERM, SIGKILL after the grace, waitpid). */
void            px_test_harness_stop_process    (PxTestHarness      *self,
                                                 PxTestProcess      *process);

/* The pids of every process the harness has started so far, the guardian included; valid
 * until the harness starts another process or is freed. */
const GPid     *px_test_harness_get_pids        (PxTestHarness      *self,
                                                 guint              *n_pids);

G_END_DECLS
