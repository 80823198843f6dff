/* px-server-config.c: parallax-server's settings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "net/px-token.h"
#include "px-server-config.h"

typedef enum
{
  KEY_ADDRESS,
  KEY_PORT,
  KEY_SECRET,
  KEY_SECRET_FILE,
  KEY_TLS_CERT,
  KEY_TLS_KEY,
  KEY_MAX_PARTICIPANTS,
  KEY_MAX_PAYLOAD,
  KEY_MAX_CONNECTIONS_PER_IP,
  KEY_JOINS_PER_SECOND,
  KEY_CONTROL_PER_SECOND,
  KEY_IDLE_TIMEOUT,
  KEY_SUBSCRIBER_QUEUE,
  KEY_DRAIN_GRACE,
  N_KEYS
} Key;

typedef struct
{
  const char *name;
  gboolean    is_number;
  guint64     min;
  guint64     max;
  const char *fallback;
} KeySpec;

/* A payload must at least hold a frame header and a control message. */
static const KeySpec keys[N_KEYS] = {
  [KEY_ADDRESS] = { "address", FALSE, 0, 0, "127.0.0.1" },
  [KEY_PORT] = { "port", TRUE, 0, 65535, "8443" },
  [KEY_SECRET] = { "secret", FALSE, 0, 0, "" },
  [KEY_SECRET_FILE] = { "secret-file", FALSE, 0, 0, "" },
  [KEY_TLS_CERT] = { "tls-cert", FALSE, 0, 0, "" },
  [KEY_TLS_KEY] = { "tls-key", FALSE, 0, 0, "" },
  [KEY_MAX_PARTICIPANTS] = { "max-participants-per-room", TRUE, 1, 10000, "16" },
  [KEY_MAX_PAYLOAD] = { "max-payload-bytes", TRUE, 65536, 256 * 1024 * 1024, "1048576" },
  [KEY_MAX_CONNECTIONS_PER_IP] = { "max-connections-per-ip", TRUE, 1, 100000, "8" },
  [KEY_JOINS_PER_SECOND] = { "joins-per-second", TRUE, 1, 100000, "5" },
  [KEY_CONTROL_PER_SECOND] = { "control-messages-per-second", TRUE, 1, 100000, "50" },
  [KEY_IDLE_TIMEOUT] = { "idle-timeout-seconds", TRUE, 2, 86400, "30" },
  [KEY_SUBSCRIBER_QUEUE] = { "subscriber-queue-bytes", TRUE, 65536, G_GUINT64_CONSTANT (4) << 30, "4194304" },
  [KEY_DRAIN_GRACE] = { "drain-grace-seconds", TRUE, 0, 86400, "30" },
};

struct _PxServerConfig
{
  GObject parent_instance;

  char *text[N_KEYS];
  guint64 number[N_KEYS];

  GBytes *secret;
  GTlsCertificate *certificate;
};

G_DEFINE_FINAL_TYPE (PxServerConfig, px_server_config, G_TYPE_OBJECT)

G_DEFINE_QUARK (px-server-config-error-quark, px_server_config_error)

static void
px_server_config_finalize (GObject *object)
{
  PxServerConfig *self = PX_SERVER_CONFIG (object);

  for (guint i = 0; i < N_KEYS; i++)
    g_free (self->text[i]);
  g_clear_pointer (&self->secret, g_bytes_unref);
  g_clear_object (&self->certificate);

  G_OBJECT_CLASS (px_server_config_parent_class)->finalize (object);
}

static void
px_server_config_class_init (PxServerConfigClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = px_server_config_finalize;
}

static void
px_server_config_init (PxServerConfig *self)
{
  for (guint i = 0; i < N_KEYS; i++)
    {
      self->text[i] = g_strdup (keys[i].fallback);
      if (keys[i].is_number)
        self->number[i] = g_ascii_strtoull (keys[i].fallback, NULL, 10);
    }
}

PxServerConfig *
px_server_config_new (void)
{
  return g_object_new (PX_TYPE_SERVER_CONFIG, NULL);
}

const char **
px_server_config_list_keys (void)
{
  static const char *names[N_KEYS + 1];

  for (guint i = 0; i < N_KEYS; i++)
    names[i] = keys[i].name;
  names[N_KEYS] = NULL;
  return names;
}

static int
find_key (const char *name)
{
  for (guint i = 0; i < N_KEYS; i++)
    if (g_strcmp0 (keys[i].name, name) == 0)
      return i;
  return -1;
}

gboolean
px_server_config_set (PxServerConfig  *self,
                      const char      *key,
                      const char      *value,
                      GError         **error)
{
  int index = find_key (key);
  g_autofree char *stripped = NULL;

  g_return_val_if_fail (PX_IS_SERVER_CONFIG (self), FALSE);

  if (index < 0)
    {
      g_set_error (error, PX_SERVER_CONFIG_ERROR, PX_SERVER_CONFIG_ERROR_UNKNOWN_KEY,
                   "Unknown setting “%s”", key);
      return FALSE;
    }

  stripped = g_strstrip (g_strdup (value ? value : ""));
  if (keys[index].is_number)
    {
      guint64 number;
      g_autoptr(GError) local_error = NULL;

      if (!g_ascii_string_to_unsigned (stripped, 10, keys[index].min, keys[index].max,
                                       &number, &local_error))
        {
          g_set_error (error, PX_SERVER_CONFIG_ERROR, PX_SERVER_CONFIG_ERROR_INVALID_VALUE,
                       "Setting “%s” must be a whole number from %" G_GUINT64_FORMAT
                       " to %" G_GUINT64_FORMAT ", not “%s”",
                       key, keys[index].min, keys[index].max, stripped);
          return FALSE;
        }
      self->number[index] = number;
    }
  else if (index == KEY_ADDRESS)
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (stripped);

      if (address == NULL)
        {
          g_set_error (error, PX_SERVER_CONFIG_ERROR, PX_SERVER_CONFIG_ERROR_INVALID_VALUE,
                       "Setting “address” must be an IP address, not “%s”", stripped);
          return FALSE;
        }
    }

  g_free (self->text[index]);
  self->text[index] = g_steal_pointer (&stripped);
  return TRUE;
}

gboolean
px_server_config_load_file (PxServerConfig  *self,
                            const char      *path,
                            GError         **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) names = NULL;

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, PX_SERVER_CONFIG_ERROR, PX_SERVER_CONFIG_ERROR_INVALID_VALUE,
                   "Cannot read %s: %s", path, local_error->message);
      return FALSE;
    }

  if (!g_key_file_has_group (file, "server"))
    return TRUE;

  names = g_key_file_get_keys (file, "server", NULL, NULL);
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      g_autofree char *value = g_key_file_get_string (file, "server", names[i], NULL);

      if (!px_server_config_set (self, names[i], value, &local_error))
        {
          g_set_error (error, PX_SERVER_CONFIG_ERROR, local_error->code,
                       "%s: %s", path, local_error->message);
          return FALSE;
        }
    }
  return TRUE;
}

static char *
environment_name (const char *key)
{
  g_autofree char *upper = g_ascii_strup (key, -1);

  g_strdelimit (upper, "-", '_');
  return g_strconcat ("PARALLAX_", upper, NULL);
}

gboolean
px_server_config_load_environment (PxServerConfig  *self,
                                   const char     **envp,
                                   GError         **error)
{
  g_auto(GStrv) own_environment = NULL;

  if (envp == NULL)
    {
      own_environment = g_get_environ ();
      envp = (const char **) own_environment;
    }

  for (guint i = 0; i < N_KEYS; i++)
    {
      g_autofree char *name = environment_name (keys[i].name);
      const char *value = g_environ_getenv ((char **) envp, name);
      g_autoptr(GError) local_error = NULL;

      if (value == NULL)
        continue;
      if (!px_server_config_set (self, keys[i].name, value, &local_error))
        {
          g_set_error (error, PX_SERVER_CONFIG_ERROR, local_error->code,
                       "%s: %s", name, local_error->message);
          return FALSE;
        }
    }
  return TRUE;
}

void
px_server_config_set_secret_bytes (PxServerConfig *self,
                                   GBytes         *secret)
{
  g_clear_pointer (&self->secret, g_bytes_unref);
  self->secret = g_bytes_ref (secret);
}

/* Under systemd (LoadCredential=secret:…), the secret arrives as a
 * credential file even when the configuration names none. */
static gboolean
load_credential (PxServerConfig *self,
                 const char     *directory)
{
  g_autofree char *path = g_build_filename (directory, "secret", NULL);
  g_autofree char *contents = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return FALSE;
  while (length > 0 && (contents[length - 1] == '\n' || contents[length - 1] == '\r'))
    length--;
  self->secret = g_bytes_new (contents, length);
  explicit_bzero (contents, length);
  return TRUE;
}

gboolean
px_server_config_finish (PxServerConfig  *self,
                         GError         **error)
{
  const char *secret = self->text[KEY_SECRET];
  const char *secret_file = self->text[KEY_SECRET_FILE];
  const char *cert = self->text[KEY_TLS_CERT];
  const char *key = self->text[KEY_TLS_KEY];

  if (self->secret == NULL)
    {
      if (secret[0] != '\0' && secret_file[0] != '\0')
        {
          g_set_error (error, PX_SERVER_CONFIG_ERROR, PX_SERVER_CONFIG_ERROR_INVALID_VALUE,
                       "Give either “secret” or “secret-file”, not both");
          return FALSE;
        }
      if (secret_file[0] != '\0')
        {
          g_autofree char *contents = NULL;
          g_autoptr(GError) local_error = NULL;
          gsize length;

          if (!g_file_get_contents (secret_file, &contents, &length, &local_error))
            {
              g_set_error (error, PX_SERVER_CONFIG_ERROR, PX_SERVER_CONFIG_ERROR_NO_SECRET,
                           "Cannot read the secret file: %s", local_error->message);
              return FALSE;
            }
          /* Editors and `echo` add a final newline that is not part of the key. */
          while (length > 0 && (contents[length - 1] == '\n' || contents[length - 1] == '\r'))
            length--;
          self->secret = g_bytes_new (contents, length);
          explicit_bzero (contents, length);
        }
      else if (secret[0] != '\0')
        self->secret = g_bytes_new (secret, strlen (secret));
      else if (g_getenv ("CREDENTIALS_DIRECTORY") != NULL &&
               load_credential (self, g_getenv ("CREDENTIALS_DIRECTORY")))
        ;
      else
        {
          g_set_error (error, PX_SERVER_CONFIG_ERROR, PX_SERVER_CONFIG_ERROR_NO_SECRET,
                       "No token secret: set “secret-file” (or “secret”) in the configuration "
                       "or PARALLAX_SECRET_FILE in the environment");
          return FALSE;
        }
    }

  if (g_bytes_get_size (self->secret) < PX_TOKEN_SECRET_MIN_LENGTH)
    {
      g_set_error (error, PX_SERVER_CONFIG_ERROR, PX_SERVER_CONFIG_ERROR_NO_SECRET,
                   "The token secret is %" G_GSIZE_FORMAT " bytes long; it needs at least %d "
                   "(32 random bytes are recommended)",
                   g_bytes_get_size (self->secret), PX_TOKEN_SECRET_MIN_LENGTH);
      return FALSE;
    }

  if ((cert[0] != '\0') != (key[0] != '\0'))
    {
      g_set_error (error, PX_SERVER_CONFIG_ERROR, PX_SERVER_CONFIG_ERROR_TLS,
                   "Give “tls-cert” and “tls-key” together, or neither");
      return FALSE;
    }
  if (cert[0] != '\0' && self->certificate == NULL)
    {
      g_autoptr(GError) local_error = NULL;

      self->certificate = g_tls_certificate_new_from_files (cert, key, &local_error);
      if (self->certificate == NULL)
        {
          g_set_error (error, PX_SERVER_CONFIG_ERROR, PX_SERVER_CONFIG_ERROR_TLS,
                       "Cannot load the TLS certificate %s with key %s: %s",
                       cert, key, local_error->message);
          return FALSE;
        }
    }
  return TRUE;
}

char *
px_server_config_get_text (PxServerConfig *self,
                           const char     *key)
{
  int index = find_key (key);

  if (index < 0)
    return NULL;
  if (keys[index].is_number)
    return g_strdup_printf ("%" G_GUINT64_FORMAT, self->number[index]);
  return g_strdup (self->text[index]);
}

const char *
px_server_config_get_address (PxServerConfig *self)
{
  return self->text[KEY_ADDRESS];
}

guint
px_server_config_get_port (PxServerConfig *self)
{
  return self->number[KEY_PORT];
}

GBytes *
px_server_config_get_secret (PxServerConfig *self)
{
  return self->secret;
}

GTlsCertificate *
px_server_config_get_tls_certificate (PxServerConfig *self)
{
  return self->certificate;
}

guint
px_server_config_get_max_participants (PxServerConfig *self)
{
  return self->number[KEY_MAX_PARTICIPANTS];
}

guint
px_server_config_get_max_payload (PxServerConfig *self)
{
  return self->number[KEY_MAX_PAYLOAD];
}

guint
px_server_config_get_max_connections_per_ip (PxServerConfig *self)
{
  return self->number[KEY_MAX_CONNECTIONS_PER_IP];
}

double
px_server_config_get_joins_per_second (PxServerConfig *self)
{
  return self->number[KEY_JOINS_PER_SECOND];
}

double
px_server_config_get_control_per_second (PxServerConfig *self)
{
  return self->number[KEY_CONTROL_PER_SECOND];
}

guint
px_server_config_get_idle_timeout (PxServerConfig *self)
{
  return self->number[KEY_IDLE_TIMEOUT];
}

gsize
px_server_config_get_subscriber_queue_bytes (PxServerConfig *self)
{
  return self->number[KEY_SUBSCRIBER_QUEUE];
}

guint
px_server_config_get_drain_grace (PxServerConfig *self)
{
  return self->number[KEY_DRAIN_GRACE];
}
