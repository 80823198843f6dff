/* px-test-dbus.h: a private D-Bus session bus for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "px-test-types.h"

G_BEGIN_DECLS

/* Starts a dbus-daemon session bus listening in the harness directory and sets
 * DBUS_SESSION_BUS_ADDRESS. It activates only services placed in its own service directory,
 * so nothing from the system gets started behind the test's back. Returns the address.
 * Close every connection to it (or turn off exit-on-close) before the test ends. */
const char     *px_test_harness_start_session_bus          (PxTestHarness *self);

/* The bus address once started, or NULL. */
const char     *px_test_harness_get_session_bus_address    (PxTestHarness *self);

/* The directory whose .service files the bus can activate (empty at first), or NULL. */
const char     *px_test_harness_get_dbus_service_dir       (PxTestHarness *self);

/* The dbus-daemon process once started, or NULL. */
PxTestProcess  *px_test_harness_get_session_bus_process    (PxTestHarness *self);

G_END_DECLS
