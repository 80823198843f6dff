/* px-fuzz-replay.c: runs a fuzz target on files, without libFuzzer
 *
 * Linked into each fuzz target in ordinary builds: every argument is a file
 * or a folder of files, each fed once to LLVMFuzzerTestOneInput(). A crash
 * or an abort fails the test; this keeps the targets building and the seeds
 * (and every crash input ever saved beside them) passing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static guint
replay_file (const char *path)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, &error))
    g_error ("%s", error->message);

  LLVMFuzzerTestOneInput ((const uint8_t *) contents, length);
  return 1;
}

static guint
replay_path (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;
  guint count = 0;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    return replay_file (path);

  dir = g_dir_open (path, 0, NULL);
  if (dir == NULL)
    g_error ("cannot read %s", path);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      count += replay_path (child);
    }
  return count;
}

int
main (int   argc,
      char *argv[])
{
  guint count = 0;

  /* The empty input is always worth a run. */
  LLVMFuzzerTestOneInput ((const uint8_t *) "", 0);

  for (int i = 1; i < argc; i++)
    count += replay_path (argv[i]);

  printf ("replayed %u inputs\n", count + 1);
  return 0;
}
