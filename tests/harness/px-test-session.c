/* px-test-session.c: joining a room from a test, synchronously
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "px-test-session.h"

typedef struct
{
  gboolean done;
  GError *error;
} JoinWait;

static void
joined_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  JoinWait *wait = user_data;

  px_session_join_finish (PX_SESSION (source), result, &wait->error);
  wait->done = TRUE;
}

GError *
px_test_session_join (PxSession  *session,
                      const char *what,
                      guint       timeout_ms)
{
  GMainContext *context = g_main_context_get_thread_default ();
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * G_TIME_SPAN_MILLISECOND;
  JoinWait wait = { 0 };

  px_session_join_async (session, NULL, joined_cb, &wait);
  while (!wait.done)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for %s", what);
      /* Wakes at least every millisecond to look at the deadline. */
      if (!g_main_context_iteration (context, FALSE))
        g_usleep (1000);
    }
  return wait.error;
}
