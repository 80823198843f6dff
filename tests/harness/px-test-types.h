/* px-test-types.h: the opaque types the test harness hands out
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The fixtures of one test: temporary directory, environment, every process started. */
typedef struct _PxTestHarness PxTestHarness;

/* A child process started by the harness, killed by pid and reaped with waitpid(). */
typedef struct _PxTestProcess PxTestProcess;

/* A fake camera or microphone: a producer process and the PipeWire node it provides. */
typedef struct _PxTestNode PxTestNode;

G_END_DECLS
