/* px-call-test.h: two clients, a server and devices, for the call tests and benchmark
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A world is a private PipeWire with WirePlumber, a fake camera, a fake
 * microphone playing a tone, a null sink as a speaker, and an embedded
 * parallax server. Every wait has a deadline and iterates the thread-default
 * main context.
 */
#pragma once

#include "capture/px-pipewire-connection.h"
#include "media/px-call-media.h"
#include "media/px-frame.h"
#include "net/px-session.h"
#include "server/px-embedded-server.h"
#include "studio/px-studio-publisher.h"
#include "px-test-harness.h"

G_BEGIN_DECLS

/* Generous: the machine may be loaded. */
#define PX_CALL_TEST_WAIT_MS 30000
#define PX_CALL_TEST_RATE 48000
/* node.name of the null sink playing as the speaker. */
#define PX_CALL_TEST_SPEAKER "px-call-speaker"

typedef struct
{
  PxTestHarness *harness;
  PxPipewireConnection *connection;
  PxTestNode *camera;        /* NULL when no camera was asked for */
  PxTestNode *microphone;    /* NULL when no tone was asked for */
  PxEmbeddedServer *server;
  PxStudio *studio;          /* the synthetic studio's camera, when added */
  PxStudioPublisher *studio_publisher;
} PxCallTestWorld;

/* Starts everything; a camera of @width × @height when @width > 0, a
 * microphone playing @frequency at @volume when @frequency > 0. FALSE
 * (the test skipped or failed, with a message) when something is missing. */
gboolean    px_call_test_world_start      (PxCallTestWorld *world,
                                           guint            width,
                                           guint            height,
                                           double           frequency,
                                           double           volume);
void        px_call_test_world_stop       (PxCallTestWorld *world);

/* Adds the synthetic studio's camera (a person, @width × @height, 15 fps)
 * as a PipeWire node of the test's own and waits until the connection
 * lists it; returns its node.name, or NULL (the test failed). Unlike the
 * GStreamer fake camera, it streams again after a consumer left and came
 * back, as a V4L2 camera does. */
const char *px_call_test_world_add_studio_camera (PxCallTestWorld *world,
                                                  guint            width,
                                                  guint            height);

/* Waits until the world's connection lists the device @name. */
gboolean    px_call_test_wait_device      (PxCallTestWorld *world,
                                           const char      *name);

/* A session joined to @room as @identity; fails the test if it cannot. */
PxSession  *px_call_test_join             (PxCallTestWorld *world,
                                           const char      *room,
                                           const char      *identity,
                                           const char      *name);

/* Power of @samples at @frequency (Goertzel), normalised so that a sine
 * gives its mean square. */
double      px_call_test_tone_power       (const float     *samples,
                                           guint            n,
                                           double           frequency);

/* Asserts that @frame shows videotestsrc's SMPTE bars: luma falling from
 * the white bar to the blue one, blue and red where they belong. */
void        px_call_test_assert_smpte_bars (const PxFrame  *frame);

/* Waits until the boolean property @name of @object is @value. */
gboolean    px_call_test_wait_property    (GObject         *object,
                                           const char      *name,
                                           gboolean         value);

/* Waits until participant @id has left @session's roster. */
gboolean    px_call_test_wait_gone        (PxSession       *session,
                                           guint32          id);

guint       px_call_test_count_remotes    (PxCallMedia     *call);

/* Like px_test_wait_until(), but the main context is iterated as an
 * application's main loop does, waking at once for network events (media
 * arrives in time, not in bursts after a test's back-off sleeps). */
gboolean    px_call_test_wait_until       (PxTestWaitFunc   func,
                                           gpointer         user_data,
                                           const char      *what,
                                           GError         **error);

/* Runs the main context for @ms: an observation window (for checking that
 * nothing happens), never a synchronisation. */
void        px_call_test_spin             (guint            ms);

G_END_DECLS
