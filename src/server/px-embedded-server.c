/* px-embedded-server.c: a parallax-server inside the app
 *
 * Threading: the PxServer and its SoupServer live on the server thread,
 * whose own GMainContext is thread-default there; nothing else touches
 * them. The calling thread only starts and stops that thread and reads the
 * immutable URL, port and secret, so no lock is needed beyond the start-up
 * handshake.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sys/random.h>

#include "net/px-token.h"
#include "px-embedded-server.h"
#include "px-server.h"

struct _PxEmbeddedServer
{
  GObject parent_instance;

  char *address;
  GBytes *secret;
  char *url;
  guint port;

  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;

  /* Start-up handshake with the server thread. */
  GMutex mutex;
  GCond cond;
  gboolean ready;
  GError *start_error;
};

G_DEFINE_FINAL_TYPE (PxEmbeddedServer, px_embedded_server, G_TYPE_OBJECT)

static void
px_embedded_server_finalize (GObject *object)
{
  PxEmbeddedServer *self = PX_EMBEDDED_SERVER (object);

  px_embedded_server_stop (self);
  g_free (self->address);
  g_free (self->url);
  g_clear_pointer (&self->secret, g_bytes_unref);
  g_clear_error (&self->start_error);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (px_embedded_server_parent_class)->finalize (object);
}

static void
px_embedded_server_class_init (PxEmbeddedServerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = px_embedded_server_finalize;
}

static void
px_embedded_server_init (PxEmbeddedServer *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
}

PxEmbeddedServer *
px_embedded_server_new (const char *address)
{
  PxEmbeddedServer *self = g_object_new (PX_TYPE_EMBEDDED_SERVER, NULL);

  self->address = g_strdup (address ? address : "127.0.0.1");
  return self;
}

static gpointer
server_thread (gpointer user_data)
{
  PxEmbeddedServer *self = user_data;
  g_autoptr(PxServerConfig) config = px_server_config_new ();
  g_autoptr(PxServer) server = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_main_context_push_thread_default (self->context);

  ok = px_server_config_set (config, "address", self->address, &error) &&
       px_server_config_set (config, "port", "0", &error);
  if (ok)
    {
      px_server_config_set_secret_bytes (config, self->secret);
      ok = px_server_config_finish (config, &error);
    }
  if (ok)
    {
      server = px_server_new (config);
      ok = px_server_listen (server, &error);
    }

  g_mutex_lock (&self->mutex);
  if (ok)
    {
      gboolean any = g_str_equal (self->address, "0.0.0.0") || g_str_equal (self->address, "::");

      self->port = px_server_get_port (server);
      self->url = any ? g_strdup_printf ("ws://127.0.0.1:%u", self->port)
                      : px_server_get_url (server);
    }
  else
    self->start_error = g_steal_pointer (&error);
  self->ready = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);

  if (ok)
    {
      g_main_loop_run (self->loop);
      px_server_stop (server);
    }

  g_clear_object (&server);
  /* Let libsoup finish what it scheduled on this context. */
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

gboolean
px_embedded_server_start (PxEmbeddedServer  *self,
                          GError           **error)
{
  guint8 secret[32];
  gsize filled = 0;

  g_return_val_if_fail (PX_IS_EMBEDDED_SERVER (self), FALSE);
  g_return_val_if_fail (self->thread == NULL, FALSE);

  while (filled < sizeof secret)
    {
      ssize_t got = getrandom (secret + filled, sizeof secret - filled, 0);

      if (got > 0)
        filled += got;
    }
  g_clear_pointer (&self->secret, g_bytes_unref);
  self->secret = g_bytes_new (secret, sizeof secret);

  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->ready = FALSE;
  self->thread = g_thread_new ("parallax-server", server_thread, self);

  g_mutex_lock (&self->mutex);
  while (!self->ready)
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);

  if (self->start_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->start_error));
      px_embedded_server_stop (self);
      return FALSE;
    }
  g_message ("Embedded server listening on %s", self->url);
  return TRUE;
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

void
px_embedded_server_stop (PxEmbeddedServer *self)
{
  g_return_if_fail (PX_IS_EMBEDDED_SERVER (self));

  if (self->thread == NULL)
    return;

  g_main_context_invoke (self->context, quit_cb, self->loop);
  g_thread_join (g_steal_pointer (&self->thread));
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
}

gboolean
px_embedded_server_is_running (PxEmbeddedServer *self)
{
  g_return_val_if_fail (PX_IS_EMBEDDED_SERVER (self), FALSE);
  return self->thread != NULL;
}

const char *
px_embedded_server_get_url (PxEmbeddedServer *self)
{
  g_return_val_if_fail (PX_IS_EMBEDDED_SERVER (self), NULL);
  return self->url;
}

guint
px_embedded_server_get_port (PxEmbeddedServer *self)
{
  g_return_val_if_fail (PX_IS_EMBEDDED_SERVER (self), 0);
  return self->port;
}

char *
px_embedded_server_mint_token (PxEmbeddedServer *self,
                               const char       *room,
                               const char       *identity,
                               const char       *display_name,
                               guint             ttl_seconds,
                               gboolean          can_publish)
{
  g_autoptr(PxTokenClaims) claims = NULL;

  g_return_val_if_fail (PX_IS_EMBEDDED_SERVER (self), NULL);
  g_return_val_if_fail (self->secret != NULL, NULL);
  g_return_val_if_fail (room != NULL && identity != NULL, NULL);

  claims = px_token_claims_new (room, identity, display_name,
                                g_get_real_time () / G_USEC_PER_SEC + ttl_seconds,
                                can_publish, TRUE);
  return px_token_mint (claims, self->secret);
}
