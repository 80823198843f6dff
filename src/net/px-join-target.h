/* px-join-target.h: where and as whom to join a meeting
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define PX_JOIN_TARGET_ERROR (px_join_target_error_quark ())

typedef enum
{
  PX_JOIN_TARGET_ERROR_INVALID_SERVER,
  PX_JOIN_TARGET_ERROR_INVALID_ROOM,
  PX_JOIN_TARGET_ERROR_INVALID_NAME,
  PX_JOIN_TARGET_ERROR_INVALID_TOKEN,
  PX_JOIN_TARGET_ERROR_INVALID_LINK,
} PxJoinTargetError;

/* Longest room and display name, in characters. */
#define PX_ROOM_NAME_MAX 64
#define PX_DISPLAY_NAME_MAX 64
/* Longest invite link accepted, in bytes: a token is at most 4096. */
#define PX_INVITE_LINK_MAX 8192
#define PX_INVITE_SCHEME "parallax"

#define PX_TYPE_JOIN_TARGET (px_join_target_get_type ())

G_DECLARE_FINAL_TYPE (PxJoinTarget, px_join_target, PX, JOIN_TARGET, GObject)

GQuark        px_join_target_error_quark        (void);

PxJoinTarget *px_join_target_new                (const char    *server_url,
                                                 const char    *room,
                                                 const char    *display_name);
/* The same, with an access token for the room (NULL or "": none). */
PxJoinTarget *px_join_target_new_with_token     (const char    *server_url,
                                                 const char    *room,
                                                 const char    *display_name,
                                                 const char    *token);
const char   *px_join_target_get_server_url     (PxJoinTarget  *self);
const char   *px_join_target_get_room           (PxJoinTarget  *self);
const char   *px_join_target_get_display_name   (PxJoinTarget  *self);
/* The access token, or NULL when there is none. */
const char   *px_join_target_get_token          (PxJoinTarget  *self);
gboolean      px_join_target_is_embedded        (PxJoinTarget  *self);
gboolean      px_join_target_validate           (PxJoinTarget  *self,
                                                 GError       **error);

char         *px_join_target_normalize_server   (const char    *text,
                                                 GError       **error);
gboolean      px_join_target_check_room         (const char    *room,
                                                 GError       **error);
char         *px_join_target_normalize_name     (const char    *name,
                                                 GError       **error);
gboolean      px_join_target_check_token        (const char    *token,
                                                 GError       **error);

/* Invite links: parallax://HOST[:PORT]/ROOM?token=TOKEN[&name=NAME][&tls=1]
 * (see "Invite links" in PROTOCOL.md). Parsing is strict: a link is
 * untrusted input. The target's display name is the link's name, or "". */
PxJoinTarget *px_join_target_new_from_invite    (const char    *link,
                                                 GError       **error);
/* The link for a target with a server and a token; its display name, when
 * set, goes into the link as a suggestion for the guest. */
char         *px_join_target_to_invite          (PxJoinTarget  *self,
                                                 GError       **error);

G_END_DECLS
