/* test-e2e.c: a short run of the whole picture path, glass to glass
 *
 * Runs tests/bench/e2e's px-e2e until six frame codes were read off the
 * receiver's drawn pixels: the synthetic studio's PipeWire cameras, the rig
 * publisher, a parallax-server process reconstructing, a receiving session
 * decoding and drawing offscreen. It fails when frames stop flowing or when
 * the latency read from the pixels and the one the pipeline's own
 * timestamps give disagree, never because the machine is slow: it waits
 * for the frames however long they take. Skips without PipeWire or EGL.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib.h>
#include <string.h>
#include <sys/wait.h>

static void
test_e2e_short (void)
{
  const char *build = g_getenv ("PX_BUILD_DIR") ? g_getenv ("PX_BUILD_DIR") : PX_TEST_BUILD_DIR;
  g_autofree char *program = g_build_filename (build, "tests", "bench", "e2e", "px-e2e", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  int status = 0;

  if (!g_file_test (program, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip_printf ("%s is not built", program);
      return;
    }
  if (g_find_program_in_path ("pipewire") == NULL || g_find_program_in_path ("wireplumber") == NULL)
    {
      g_test_skip ("PipeWire or WirePlumber is not installed");
      return;
    }

  g_assert_true (g_spawn_sync (NULL,
                               (char *[]) { program, "run", "--frames", "6", "--warmup", "0",
                                            "--check", NULL },
                               NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error));
  g_assert_no_error (error);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '\0')
      g_test_message ("%s", lines[i]);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 77)
    {
      g_test_skip_printf ("No PipeWire or EGL here: %s", err);
      return;
    }
  if (!g_spawn_check_wait_status (status, NULL))
    g_test_message ("px-e2e: %s", err);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  /* The figures' line is there, whatever the figures are. */
  g_assert_nonnull (strstr (out, "\ne2e p50_ms="));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/e2e/short", test_e2e_short);

  return g_test_run ();
}
