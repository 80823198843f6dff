/* px-capture-test.h: helpers shared by the capture tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "capture/px-camera-source.h"
#include "capture/px-device-monitor.h"
#include "capture/px-microphone-source.h"
#include "capture/px-pipewire-connection.h"
#include "capture/px-speaker-sink.h"
#include "px-test-harness.h"

G_BEGIN_DECLS

/* Generous deadlines: the machine may be loaded. */
#define PX_CAPTURE_TEST_WAIT_MS 20000

/* A harness whose children (PipeWire, WirePlumber, fake devices) run without
 * G_DEBUG=fatal-criticals; this process keeps it. */
PxTestHarness *px_capture_test_harness_new (void);

/* This process's environment with G_DEBUG=fatal-criticals, for running our
 * own programs as strictly as the tests themselves. */
char      **px_capture_test_strict_environ (void);

/* Waits until @connection is in @state. */
gboolean    px_capture_test_wait_state   (PxPipewireConnection *connection,
                                          PxPipewireState       state,
                                          GError              **error);

/* Waits until @connection lists a device of that name; returns it (owned by the connection). */
PxCaptureDevice *px_capture_test_wait_device (PxPipewireConnection *connection,
                                              const char           *name,
                                              GError              **error);

/* Waits for the next frame of @source; fails early when the source ends. */
PxFrame    *px_capture_test_wait_frame   (PxCameraSource       *source,
                                          GError              **error);

/* Iterates the default main context until nothing is pending, so that
 * objects kept alive by queued events go away before the test ends. */
void        px_capture_test_drain        (void);

/* Power of @samples at @frequency (Goertzel), normalised so that a full
 * scale sine gives 0.5 (its mean square). */
double      px_capture_test_tone_power   (const float          *samples,
                                          guint                 n,
                                          double                frequency,
                                          double                rate);

/* org.freedesktop.portal.Camera on the harness's session bus, answered from
 * a thread of its own; camera present and access granted at first. */
typedef struct _PxCaptureTestPortal PxCaptureTestPortal;

PxCaptureTestPortal *px_capture_test_portal_start  (PxTestHarness       *harness);
void        px_capture_test_portal_stop             (PxCaptureTestPortal *portal);
void        px_capture_test_portal_set              (PxCaptureTestPortal *portal,
                                                     gboolean             present,
                                                     gboolean             grant);
int         px_capture_test_portal_get_access_calls (PxCaptureTestPortal *portal);
int         px_capture_test_portal_get_remote_calls (PxCaptureTestPortal *portal);

G_END_DECLS
