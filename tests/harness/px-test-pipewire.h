/* px-test-pipewire.h: a private PipeWire + WirePlumber for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "px-test-types.h"

G_BEGIN_DECLS

/* Object types as pw-dump names them. */
#define PX_TEST_PW_TYPE_NODE     "PipeWire:Interface:Node"
#define PX_TEST_PW_TYPE_PORT     "PipeWire:Interface:Port"
#define PX_TEST_PW_TYPE_LINK     "PipeWire:Interface:Link"
#define PX_TEST_PW_TYPE_CLIENT   "PipeWire:Interface:Client"
#define PX_TEST_PW_TYPE_DEVICE   "PipeWire:Interface:Device"
#define PX_TEST_PW_TYPE_METADATA "PipeWire:Interface:Metadata"

/* Starts the session bus (if not yet), then `pipewire` and `wireplumber` in a new
 * XDG_RUNTIME_DIR under the harness directory, and waits until the daemon answers and
 * WirePlumber is active. Sets XDG_RUNTIME_DIR and PIPEWIRE_RUNTIME_DIR for this process.
 * WirePlumber's ALSA, V4L2, libcamera and BlueZ monitors are off: only fake devices appear.
 * Does nothing and returns TRUE when already started. (GLib caches g_get_user_runtime_dir()
 * at its first call: libpipewire reads the environment, GLib code may not.) */
gboolean        px_test_harness_start_pipewire            (PxTestHarness  *self);

/* The private XDG_RUNTIME_DIR (holding the pipewire-0 socket), or NULL. */
const char     *px_test_harness_get_runtime_dir           (PxTestHarness  *self);

/* The current PipeWire daemon process (a new one after a restart), or NULL. */
PxTestProcess  *px_test_harness_get_pipewire_process      (PxTestHarness  *self);

/* The current WirePlumber process, or NULL. */
PxTestProcess  *px_test_harness_get_wireplumber_process   (PxTestHarness  *self);

/* Connects to the daemon with libpipewire and waits up to @timeout_ms for a core sync
 * roundtrip: TRUE when the daemon answers. */
gboolean        px_test_harness_pipewire_ping             (PxTestHarness  *self,
                                                           guint           timeout_ms,
                                                           GError        **error);

/* Sends @signo (SIGKILL for a crash, SIGTERM for an orderly stop) to the PipeWire daemon
 * alone and waits until it has exited. WirePlumber and clients are left to notice. */
gboolean        px_test_harness_kill_pipewire             (PxTestHarness  *self,
                                                           int             signo);

/* Starts the daemon again (stopping it first if it still runs), and WirePlumber with it, as
 * a service manager would; waits until both are up as px_test_harness_start_pipewire() does. */
gboolean        px_test_harness_restart_pipewire          (PxTestHarness  *self);

/* Every global object as the registry announces it (libpipewire, in-process, quick): a JSON
 * array of { "id", "type", "version", "props" } with string property values. */
JsonNode       *px_test_harness_pipewire_list             (PxTestHarness  *self,
                                                           GError        **error);

/* The whole graph in detail as `pw-dump` prints it (info, params such as EnumFormat):
 * a JSON array of objects. Note that pw-dump leaves out metadata objects without entries. */
JsonNode       *px_test_harness_pipewire_dump             (PxTestHarness  *self,
                                                           GError        **error);

/* The first object of @type (NULL: any) in @dump (from _list or _dump) whose property @key
 * (NULL: any) equals @value (NULL: is present). Looks in info.props, then props. */
JsonObject     *px_test_pipewire_find                     (JsonNode       *dump,
                                                           const char     *type,
                                                           const char     *key,
                                                           const char     *value);

/* A property of a pw-dump object as a string (numbers and booleans converted), or NULL. */
char           *px_test_pipewire_dup_prop                 (JsonObject     *object,
                                                           const char     *key);

/* The global id of a pw-dump object. */
guint32         px_test_pipewire_get_id                   (JsonObject     *object);

/* Polls the registry until an object as px_test_pipewire_find() matches it exists; stores its
 * global id in @id if non-NULL. */
gboolean        px_test_harness_wait_for_object           (PxTestHarness  *self,
                                                           const char     *type,
                                                           const char     *key,
                                                           const char     *value,
                                                           guint           timeout_ms,
                                                           guint32        *id,
                                                           GError        **error);

/* Polls the registry until no such object exists any more. */
gboolean        px_test_harness_wait_for_object_gone      (PxTestHarness  *self,
                                                           const char     *type,
                                                           const char     *key,
                                                           const char     *value,
                                                           guint           timeout_ms,
                                                           GError        **error);

G_END_DECLS
