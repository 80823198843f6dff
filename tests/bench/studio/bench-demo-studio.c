/* bench-demo-studio.c: the demo studio end to end
 *
 *   bench-demo-studio [SECONDS]
 *
 * An embedded server, a viewer session and the demo studio in one
 * process, the demo rendering in-process and then (when a private
 * PipeWire can be started) publishing its cameras through PipeWire. For
 * SECONDS (default 10) after the first volumetric frame it prints the
 * frame sets per second the demo sent, the volumetric frames per second
 * the viewer received (what the server reconstructed), and the CPU the
 * process used (server included) beside that of the demo's own thread and
 * encoder threads, also per set sent (which a busy machine does not inflate
 * as it does the rates), against the 30 sets/s the demo aims at.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "px-rig-test.h"
#include "px-test-harness.h"
#include "server/px-embedded-server.h"
#include "studio/px-demo-studio.h"

static const char * const demo_threads[] = { "px-demo-studio", "px-rig-encode", NULL };

typedef struct
{
  gboolean done;
  GError *error;
} StartWait;

static void
started_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  StartWait *wait = user_data;

  px_demo_studio_start_finish (PX_DEMO_STUDIO (source), result, &wait->error);
  wait->done = TRUE;
}

static gboolean
start_done (gpointer data)
{
  return ((StartWait *) data)->done;
}

static gboolean
has_volumetric (gpointer data)
{
  return ((PxRigTestViewer *) data)->n_volumetric >= 1;
}

static gboolean
time_passed (gpointer data)
{
  return g_get_monotonic_time () >= *(gint64 *) data;
}

static void
bench_demo (PxDemoStudioCameras  cameras,
            const char          *label,
            guint                seconds)
{
  g_autoptr(PxEmbeddedServer) server = px_embedded_server_new (NULL);
  g_autoptr(PxDemoStudio) demo = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *viewer_token = NULL;
  g_autofree char *demo_token = NULL;
  PxRigTestViewer *viewer;
  StartWait start = { 0 };
  guint64 sets_before, volumetric_before;
  double cpu_before, demo_cpu_before, elapsed;
  gint64 begin, until;

  if (!px_embedded_server_start (server, &error))
    {
      printf ("  %s: skipped, no server (%s)\n", label, error->message);
      return;
    }
  viewer_token = px_embedded_server_mint_token (server, PX_RIG_TEST_ROOM, "viewer", "Viewer", 3600,
                                                FALSE);
  demo_token = px_embedded_server_mint_token (server, PX_RIG_TEST_ROOM, PX_DEMO_STUDIO_IDENTITY,
                                              PX_DEMO_STUDIO_NAME, 3600, TRUE);
  viewer = px_rig_test_viewer_new (px_embedded_server_get_url (server), viewer_token,
                                   PX_DEMO_STUDIO_IDENTITY);
  demo = px_demo_studio_new (px_embedded_server_get_url (server), PX_RIG_TEST_ROOM, demo_token);
  px_demo_studio_set_cameras (demo, cameras);
  px_demo_studio_start_async (demo, NULL, started_cb, &start);
  px_rig_test_wait (start_done, &start, PX_RIG_TEST_TIMEOUT_MS, "the demo to start");
  if (start.error != NULL)
    {
      printf ("  %s: skipped, the demo did not start (%s)\n", label, start.error->message);
      g_clear_error (&start.error);
    }
  else
    {
      px_rig_test_wait (has_volumetric, viewer, PX_RIG_TEST_TIMEOUT_MS, "volumetric frames");

      sets_before = px_demo_studio_get_sets_sent (demo);
      volumetric_before = viewer->n_volumetric;
      cpu_before = px_rig_test_cpu_seconds (NULL);
      demo_cpu_before = px_rig_test_cpu_seconds (demo_threads);
      begin = g_get_monotonic_time ();
      until = begin + (gint64) seconds * G_USEC_PER_SEC;
      px_rig_test_wait (time_passed, &until, seconds * 1000 + PX_RIG_TEST_TIMEOUT_MS,
                        "the measurement");
      elapsed = (g_get_monotonic_time () - begin) / (double) G_USEC_PER_SEC;

      {
        double sets = px_demo_studio_get_sets_sent (demo) - sets_before;
        double cpu = px_rig_test_cpu_seconds (NULL) - cpu_before;
        double demo_cpu = px_rig_test_cpu_seconds (demo_threads) - demo_cpu_before;

        printf ("  %-10s %5.1f sets/s sent (of 30), %5.1f volumetric frames/s received; "
                "CPU %4.0f%% of a core for the process (%.0f ms a set), %4.0f%% on the demo "
                "and encoder threads (%.0f ms a set); PipeWire: %s\n",
                label, sets / elapsed, (viewer->n_volumetric - volumetric_before) / elapsed,
                100 * cpu / elapsed, sets > 0 ? 1000 * cpu / sets : 0,
                100 * demo_cpu / elapsed, sets > 0 ? 1000 * demo_cpu / sets : 0,
                px_demo_studio_get_uses_pipewire (demo) ? "yes" : "no");
      }
    }

  px_demo_studio_stop (demo);
  px_rig_test_viewer_free (viewer);
  px_embedded_server_stop (server);
}

int
main (int    argc,
      char **argv)
{
  guint seconds = argc > 1 ? (guint) CLAMP (atoi (argv[1]), 1, 120) : 10;
  PxTestHarness *harness;

  printf ("Demo studio, 2 × 640×480 at 30 fps, %u s each, on %u processors:\n", seconds,
          g_get_num_processors ());
  bench_demo (PX_DEMO_STUDIO_CAMERAS_IN_PROCESS, "in-process", seconds);

  harness = px_test_harness_new ();
  px_test_harness_setenv (harness, "G_DEBUG", NULL);
  if (px_test_harness_start_pipewire (harness))
    bench_demo (PX_DEMO_STUDIO_CAMERAS_PIPEWIRE, "PipeWire", seconds);
  else
    printf ("  PipeWire: skipped, no private PipeWire could be started\n");
  px_test_harness_free (harness);

  return 0;
}
