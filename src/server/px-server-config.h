/* px-server-config.h: parallax-server's settings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Settings come, each overriding the one before, from built-in defaults, the
 * [server] group of a key file (--config), environment variables
 * PARALLAX_<KEY> (upper case, '-' as '_') and command-line flags. The keys
 * are those of data/parallax-server.conf.example.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define PX_SERVER_CONFIG_ERROR (px_server_config_error_quark ())

typedef enum
{
  PX_SERVER_CONFIG_ERROR_UNKNOWN_KEY,
  PX_SERVER_CONFIG_ERROR_INVALID_VALUE,
  PX_SERVER_CONFIG_ERROR_NO_SECRET,
  PX_SERVER_CONFIG_ERROR_TLS,
} PxServerConfigError;

#define PX_TYPE_SERVER_CONFIG (px_server_config_get_type ())

G_DECLARE_FINAL_TYPE (PxServerConfig, px_server_config, PX, SERVER_CONFIG, GObject)

GQuark          px_server_config_error_quark          (void);

/* The defaults. */
PxServerConfig *px_server_config_new                  (void);

/* Reads the [server] group of @path; an unknown key is an error, so that a
 * typo does not silently keep a default. */
gboolean        px_server_config_load_file            (PxServerConfig  *self,
                                                       const char      *path,
                                                       GError         **error);

/* Applies PARALLAX_<KEY> variables from @envp (NULL: this process's). */
gboolean        px_server_config_load_environment     (PxServerConfig  *self,
                                                       const char     **envp,
                                                       GError         **error);

/* Sets one key from text, as in the file. */
gboolean        px_server_config_set                  (PxServerConfig  *self,
                                                       const char      *key,
                                                       const char      *value,
                                                       GError         **error);

/* Resolves the secret (reading secret-file) and the TLS certificate, and
 * checks that the settings work together. Call once after loading. */
gboolean        px_server_config_finish               (PxServerConfig  *self,
                                                       GError         **error);

/* Uses @secret instead of the configured one (the embedded server). */
void            px_server_config_set_secret_bytes     (PxServerConfig  *self,
                                                       GBytes          *secret);

/* The value of a key as text (for logs and tests); NULL for an unknown key. */
char           *px_server_config_get_text             (PxServerConfig  *self,
                                                       const char      *key);
/* All keys, NULL-terminated. */
const char    **px_server_config_list_keys            (void);

const char     *px_server_config_get_address          (PxServerConfig  *self);
guint           px_server_config_get_port             (PxServerConfig  *self);
/* Valid after px_server_config_finish(). */
GBytes         *px_server_config_get_secret           (PxServerConfig  *self);
GTlsCertificate *px_server_config_get_tls_certificate (PxServerConfig  *self);
guint           px_server_config_get_max_participants (PxServerConfig  *self);
guint           px_server_config_get_max_payload      (PxServerConfig  *self);
guint           px_server_config_get_max_connections_per_ip (PxServerConfig *self);
double          px_server_config_get_joins_per_second (PxServerConfig  *self);
double          px_server_config_get_control_per_second (PxServerConfig *self);
guint           px_server_config_get_idle_timeout     (PxServerConfig  *self);
gsize           px_server_config_get_subscriber_queue_bytes (PxServerConfig *self);
guint           px_server_config_get_drain_grace      (PxServerConfig  *self);

G_END_DECLS
