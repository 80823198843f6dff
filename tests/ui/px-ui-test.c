/* px-ui-test.c: what the app's UI tests share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "px-ui-test.h"

void
px_ui_test_wait_for (PxUiTestCondition  condition,
                     gpointer           data,
                     guint              seconds,
                     const char        *what)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out after %u s waiting for %s", seconds, what);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}
