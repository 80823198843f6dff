/* px-websocket-retire.c: letting go of a WebSocket without cutting it off
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "px-websocket-retire.h"

static void
retired_closed_cb (SoupWebsocketConnection *connection,
                   gpointer                 user_data)
{
  g_signal_handlers_disconnect_by_func (connection, retired_closed_cb, user_data);
  g_object_unref (connection);
}

/* Takes the caller's reference to a connection it no longer tracks and
 * keeps it alive until the closing handshake is over: dropping the last
 * reference earlier would cut off what is still queued, the close code
 * included. */
void
px_websocket_retire (SoupWebsocketConnection *connection)
{
  if (soup_websocket_connection_get_state (connection) == SOUP_WEBSOCKET_STATE_CLOSED)
    {
      g_object_unref (connection);
      return;
    }
  g_signal_connect (connection, "closed", G_CALLBACK (retired_closed_cb), NULL);
}
