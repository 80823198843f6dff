/* px-websocket-retire.h: letting go of a WebSocket without cutting it off
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

void px_websocket_retire (SoupWebsocketConnection *connection);

G_END_DECLS
