/* px-rig-test.h: a viewer of a rig publisher, for the rig and demo tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "media/px-frame.h"
#include "net/px-session.h"

G_BEGIN_DECLS

#define PX_RIG_TEST_ROOM "studio"

/* Generous: reconstruction on a loaded two-core machine. */
#define PX_RIG_TEST_TIMEOUT_MS 120000

/* One frame the viewer received from the participant it watches. */
typedef struct
{
  guint   kind;
  guint   stream;
  guint   flags;
  gint64  capture_time;   /* local monotonic, as the session converted it */
  GBytes *payload;        /* kept for volumetric frames only */
} PxRigTestFrame;

typedef struct
{
  PxSession *session;
  char *identity;           /* the participant watched */
  GArray *frames;           /* PxRigTestFrame, in arrival order */
  guint n_volumetric;
} PxRigTestViewer;

/* A session joined to @url's room PX_RIG_TEST_ROOM with @token, recording
 * every frame of the participant @identity. */
PxRigTestViewer      *px_rig_test_viewer_new        (const char      *url,
                                                     const char      *token,
                                                     const char      *identity);
void                  px_rig_test_viewer_free       (PxRigTestViewer *viewer);

/* The watched participant in the roster, or NULL. */
PxSessionParticipant *px_rig_test_viewer_find       (PxRigTestViewer *viewer);

/* Waits (iterating the thread-default context) until @done holds;
 * fails the test naming @what when it does not in @timeout_ms. */
/* Joins @session; fails the test (naming @what) if it does not join. */
void                  px_rig_test_join              (PxSession       *session,
                                                     const char      *what);
void                  px_rig_test_wait              (gboolean       (*done) (gpointer data),
                                                     gpointer         data,
                                                     guint            timeout_ms,
                                                     const char      *what);

/* Checks a volumetric payload (layout, colour stream 1, depth decodes to
 * its grid) and returns how many depth samples hold a depth. */
guint                 px_rig_test_check_volumetric  (GBytes          *payload);

/* Decodes the left camera's colour that the viewer's volumetric frames
 * carry, in order: returns how many frames decoded, and in
 * @first_decodable the index of the volumetric frame that decoded first
 * (-1 when none did). Every decoded frame must be @width × @height. */
guint                 px_rig_test_decode_colour     (PxRigTestViewer *viewer,
                                                     guint            width,
                                                     guint            height,
                                                     int             *first_decodable);

/* CPU time this process has used (all threads), and of its threads whose
 * name starts with one of @prefixes (NULL-terminated), in seconds. */
double                px_rig_test_cpu_seconds       (const char * const *prefixes);

/* Whether a thread of this process has a name starting with @prefix. */
gboolean              px_rig_test_has_thread        (const char      *prefix);

G_END_DECLS
