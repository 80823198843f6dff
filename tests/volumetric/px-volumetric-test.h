/* px-volumetric-test.h: a server, a rig publisher and subscribers in one process
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A PxServer listens on 127.0.0.1 on the test's main context; PxSessions
 * connect to it over real WebSockets. The publisher films the studio's
 * default two-camera rig and sends VP8 frames of both cameras with the
 * same capture time, after a rig calibration (PROTOCOL.md §13). Shared by
 * the tests and the benchmark.
 */
#pragma once

#include "media/px-video-encoder.h"
#include "net/px-session.h"
#include "net/px-volumetric.h"
#include "recon/px-rig.h"
#include "server/px-server.h"
#include "studio/px-studio.h"

G_BEGIN_DECLS

#define PX_VOLUMETRIC_TEST_ROOM "studio"
#define PX_VOLUMETRIC_TEST_LEFT_STREAM 1
#define PX_VOLUMETRIC_TEST_RIGHT_STREAM 2
#define PX_VOLUMETRIC_TEST_OUTPUT_STREAM 3

typedef struct
{
  PxServer *server;
  char *url;
  GBytes *secret;
} PxVolumetricTestServer;

PxVolumetricTestServer *px_volumetric_test_server_new  (void);
void                    px_volumetric_test_server_free (PxVolumetricTestServer *server);
char                   *px_volumetric_test_token       (PxVolumetricTestServer *server,
                                                        const char             *identity,
                                                        gboolean                can_publish,
                                                        gboolean                can_subscribe);
/* A metric's value from /metrics (@name with its labels), or -1. */
double                  px_volumetric_test_metric      (PxVolumetricTestServer *server,
                                                        const char             *name);

/* A session with a token for @identity, not joined yet. */
PxSession              *px_volumetric_test_session_new (PxVolumetricTestServer *server,
                                                        const char             *identity,
                                                        gboolean                can_publish,
                                                        gboolean                can_subscribe);
/* Joins; fails the test when that does not happen within the deadline. */
void                    px_volumetric_test_session_join (PxSession             *session);
PxSession              *px_volumetric_test_join        (PxVolumetricTestServer *server,
                                                        const char             *identity,
                                                        gboolean                can_publish,
                                                        gboolean                can_subscribe);

/* Runs the main context until @done returns TRUE or @timeout_ms pass. */
gboolean                px_volumetric_test_wait        (gboolean              (*done) (gpointer data),
                                                        gpointer                data,
                                                        guint                   timeout_ms);

/* The rig publisher: a studio, its rig and one VP8 encoder per camera. */
typedef struct
{
  PxSession *session;
  PxStudio *studio;
  PxRig *rig;
  PxVideoEncoder *encoders[2];
  PxFrame *i420[2];
  guint32 sequence;
  GPtrArray *left_packets;   /* GBytes of every left packet, by sequence; NULL: skipped */
  GArray *left_keyframes;    /* gboolean, by sequence */
} PxVolumetricTestPublisher;

void                       px_volumetric_test_bytes_unref     (GBytes                    *bytes);
PxVolumetricTestPublisher *px_volumetric_test_publisher_new   (PxSession                 *session);
void                       px_volumetric_test_publisher_free  (PxVolumetricTestPublisher *publisher);
/* The calibration data announcing @rig on streams 1 and 2, grid step @step. */
/* The streams of the test's rig publisher, as a "publish" lists them
 * (streams 1 and 2 video, 3 the volumetric output). */
JsonArray                 *px_volumetric_test_announced_streams (void);
JsonObject                *px_volumetric_test_rig_calibration (PxRig                     *rig,
                                                               guint                      step);
/* The same for the publisher's rig. */
JsonObject                *px_volumetric_test_calibration     (PxVolumetricTestPublisher *publisher,
                                                               guint                      step);
/* Renders the studio at @time (when @render) and sends both cameras with
 * one capture time; returns the left packet's sequence number. */
guint32                    px_volumetric_test_publisher_send  (PxVolumetricTestPublisher *publisher,
                                                               gboolean                   render,
                                                               double                     time);
/* Waits until the server acknowledged everything sent. */
gboolean                   px_volumetric_test_publisher_flush (PxVolumetricTestPublisher *publisher,
                                                               guint                      timeout_ms);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PxVolumetricTestServer, px_volumetric_test_server_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PxVolumetricTestPublisher, px_volumetric_test_publisher_free)

G_END_DECLS
