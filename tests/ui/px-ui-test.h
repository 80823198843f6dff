/* px-ui-test.h: what the app's UI tests share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef gboolean (*PxUiTestCondition) (gpointer data);

/* Iterates the default main context until @condition holds; aborts the
 * test, naming @what, when it does not within @seconds. */
void px_ui_test_wait_for (PxUiTestCondition  condition,
                          gpointer           data,
                          guint              seconds,
                          const char        *what);

G_END_DECLS
