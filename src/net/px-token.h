/* px-token.h: access tokens (HS256 JSON Web Tokens)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A token lets one identity into one room until it expires, with grants to
 * publish and to subscribe. Only HS256 is accepted: the algorithm is pinned,
 * so "none", RS256 and every other "alg" are rejected before any signature
 * is looked at.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PX_TOKEN_ERROR (px_token_error_quark ())

typedef enum
{
  PX_TOKEN_ERROR_MALFORMED,
  PX_TOKEN_ERROR_ALGORITHM,
  PX_TOKEN_ERROR_SIGNATURE,
  PX_TOKEN_ERROR_EXPIRED,
  PX_TOKEN_ERROR_CLAIMS,
} PxTokenError;

/* Longest token accepted, in bytes. */
#define PX_TOKEN_MAX_LENGTH 4096
/* Shortest secret accepted, in bytes. */
#define PX_TOKEN_SECRET_MIN_LENGTH 16

typedef struct
{
  char     *room;
  char     *identity;      /* "sub" */
  char     *name;          /* display name; the identity when absent */
  gint64    expires_at;    /* "exp", seconds since the Unix epoch */
  gboolean  can_publish;
  gboolean  can_subscribe;
} PxTokenClaims;

GQuark         px_token_error_quark     (void);

PxTokenClaims *px_token_claims_new      (const char           *room,
                                         const char           *identity,
                                         const char           *name,
                                         gint64                expires_at,
                                         gboolean              can_publish,
                                         gboolean              can_subscribe);
void           px_token_claims_free     (PxTokenClaims        *claims);

/* Signs @claims with @secret; never fails for valid UTF-8 claims. */
char          *px_token_mint            (const PxTokenClaims  *claims,
                                         GBytes               *secret);

/* Checks the algorithm, the signature and the expiry (against @now, seconds
 * since the epoch) and returns the claims. */
PxTokenClaims *px_token_verify          (const char           *token,
                                         GBytes               *secret,
                                         gint64                now,
                                         GError              **error);

/* The short code for a verification error, as the server reports it
 * ("token-malformed", "token-algorithm", …); see PROTOCOL.md. */
const char    *px_token_error_code      (const GError         *error);

/* Base64url without padding (RFC 7515 §2). */
char          *px_base64url_encode      (const guint8         *data,
                                         gsize                 length);
guint8        *px_base64url_decode      (const char           *text,
                                         gsize                 text_length,
                                         gsize                *out_length);

/* @length random bytes as lower-case hex, from the system's CSPRNG. */
char          *px_random_hex            (gsize                 length);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PxTokenClaims, px_token_claims_free)

G_END_DECLS
