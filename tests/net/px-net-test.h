/* px-net-test.h: helpers for the network tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A real parallax-server started through the test harness, a raw WebSocket
 * client that can send anything (including what PxSession never would), and
 * a TCP relay whose connections a test can cut to simulate a network drop.
 * Every wait has a deadline; every helper iterates the thread-default main
 * context while it waits.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "px-test-harness.h"

G_BEGIN_DECLS

/* Sanitizers keep freed memory in quarantine, so resident memory says
 * nothing about leaks in such a build; the memory checks are skipped. */
#if defined(__SANITIZE_ADDRESS__)
# define PX_NET_TEST_SANITIZED 1
#elif defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define PX_NET_TEST_SANITIZED 1
# endif
#endif
#ifndef PX_NET_TEST_SANITIZED
# define PX_NET_TEST_SANITIZED 0
#endif

#define PX_NET_TEST_SECRET "parallax-test-secret-0123456789abcdef"
#define PX_NET_TEST_TIMEOUT_MS 20000

typedef struct
{
  PxTestHarness *harness;
  PxTestProcess *process;
  GPtrArray *args;         /* extra arguments, kept for restarts */
  GStrv env;
  guint port;
  char *url;               /* ws://127.0.0.1:PORT */
  char *http_url;          /* http://127.0.0.1:PORT */
} PxNetTestServer;

/* Starts build/app/parallax-server with the test secret on a free port (or
 * --port in @args) and waits for it to listen. NULL (test failed) if not. */
PxNetTestServer *px_net_test_server_start   (PxTestHarness       *harness,
                                             const char * const  *args,
                                             const char * const  *env);
/* Starts it again on the same port after it died or was killed. */
gboolean         px_net_test_server_restart (PxNetTestServer     *server);
void             px_net_test_server_free    (PxNetTestServer     *server);

/* A token signed with @secret (PX_NET_TEST_SECRET when NULL). */
char            *px_net_test_token          (const char          *secret,
                                             const char          *room,
                                             const char          *identity,
                                             gint64               ttl_seconds,
                                             gboolean             can_publish,
                                             gboolean             can_subscribe);

/* GET @url; returns the body and sets @status. */
char            *px_net_test_http_get       (const char          *url,
                                             guint               *status);

/* A metric's value from a /metrics text, or -1. @name includes labels. */
double           px_net_test_metric         (const char          *metrics,
                                             const char          *name);

typedef struct
{
  SoupSession *session;
  SoupMessage *message;
  SoupWebsocketConnection *connection;
  gboolean done;           /* the handshake finished, well or not */
  guint status;            /* HTTP status of the handshake */
  char *parallax_error;    /* Parallax-Error of a refusal */
  GQueue texts;            /* JsonObject, oldest first */
  guint64 binary_bytes;
  guint n_binary;
  GPtrArray *binaries;     /* GBytes, when keep_binaries */
  gboolean keep_binaries;
  gboolean auto_ack;
  gboolean closed;
  gushort close_code;
} PxTestWs;

/* Opens a WebSocket to @url (ws://…/v1/rooms/ROOM) with @authorization as the
 * Authorization header (NULL: none). Returns once the handshake finished;
 * look at ->connection (NULL if refused) and ->status / ->parallax_error. */
PxTestWs        *px_test_ws_open            (const char          *url,
                                             const char          *authorization);
/* Opens, sends join and waits for welcome; fails the test if any step fails. */
PxTestWs        *px_test_ws_join            (const char          *base_url,
                                             const char          *room,
                                             const char          *token,
                                             JsonObject         **welcome);
void             px_test_ws_send_text       (PxTestWs            *ws,
                                             const char          *text);
void             px_test_ws_send_binary     (PxTestWs            *ws,
                                             GBytes              *bytes);
/* Waits for a control message of @type (earlier ones of other types stay
 * queued); NULL after the deadline. Transfer full. */
JsonObject      *px_test_ws_wait_type       (PxTestWs            *ws,
                                             const char          *type,
                                             guint                timeout_ms);
/* Waits for the connection to close; returns the close code (0: timed out). */
gushort          px_test_ws_wait_closed     (PxTestWs            *ws,
                                             guint                timeout_ms);
gboolean         px_test_ws_wait_binaries   (PxTestWs            *ws,
                                             guint                count,
                                             guint                timeout_ms);
void             px_test_ws_free            (PxTestWs            *ws);

/* Runs the main context until @flag is TRUE or the deadline passes. */
gboolean         px_net_test_wait_flag      (gboolean            *flag,
                                             guint                timeout_ms,
                                             const char          *what);

/* A TCP relay from 127.0.0.1:port to @target_port. */
typedef struct _PxTestRelay PxTestRelay;

PxTestRelay     *px_test_relay_new          (guint                target_port);
guint            px_test_relay_get_port     (PxTestRelay         *relay);
/* While refusing, new connections are accepted and closed at once, as if
 * the server were down. */
void             px_test_relay_set_refusing (PxTestRelay         *relay,
                                             gboolean             refusing);
/* Closes every relayed connection (both sides), as a network drop would. */
guint            px_test_relay_cut          (PxTestRelay         *relay);
void             px_test_relay_free         (PxTestRelay         *relay);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PxTestWs, px_test_ws_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PxNetTestServer, px_net_test_server_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PxTestRelay, px_test_relay_free)

G_END_DECLS
