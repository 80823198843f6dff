/* px-test-session.h: joining a room from a test, synchronously
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "net/px-session.h"

G_BEGIN_DECLS

/* Joins @session, iterating the thread-default main context until the
 * join completes; returns its error, or NULL once joined. Aborts the test,
 * naming @what, when the join neither succeeds nor fails within
 * @timeout_ms. */
GError *px_test_session_join (PxSession  *session,
                              const char *what,
                              guint       timeout_ms);

G_END_DECLS
