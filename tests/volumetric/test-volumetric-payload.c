/* test-volumetric-payload.c: the volumetric frame payload layout
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "net/px-volumetric.h"

static const guint8 keyframe_bytes[] = { 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02 };
static const guint8 delta_bytes[] = { 0x31, 0x04, 0x00 };
static const guint8 depth_bytes[] = { 'P', 'X', 'D', 0x01, 0xa0, 0x00, 0x78, 0x00, 0x33 };

static GBytes *
example (void)
{
  PxVolumetricPayload payload = {
    .calibration_id = 7,
    .colour_stream = 1,
    .grid_width = 160,
    .grid_height = 120,
    .grid_step = 4,
    .n_packets = 2,
    .packets = {
      { 41, TRUE, keyframe_bytes, sizeof keyframe_bytes },
      { 42, FALSE, delta_bytes, sizeof delta_bytes },
    },
    .depth = depth_bytes,
    .depth_size = sizeof depth_bytes,
  };

  return px_volumetric_payload_build (&payload);
}

static void
test_round_trip (void)
{
  g_autoptr(GBytes) bytes = example ();
  g_autoptr(GError) error = NULL;
  PxVolumetricPayload payload;
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  g_assert_cmpuint (size, ==, PX_VOLUMETRIC_HEADER_SIZE + 2 * PX_VOLUMETRIC_PACKET_HEADER_SIZE
                               + sizeof keyframe_bytes + sizeof delta_bytes + sizeof depth_bytes);
  g_assert_true (px_volumetric_payload_parse (data, size, &payload, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (payload.calibration_id, ==, 7);
  g_assert_cmpuint (payload.colour_stream, ==, 1);
  g_assert_cmpuint (payload.grid_width, ==, 160);
  g_assert_cmpuint (payload.grid_height, ==, 120);
  g_assert_cmpuint (payload.grid_step, ==, 4);
  g_assert_cmpuint (payload.n_packets, ==, 2);
  g_assert_cmpuint (payload.packets[0].sequence, ==, 41);
  g_assert_true (payload.packets[0].keyframe);
  g_assert_cmpmem (payload.packets[0].data, payload.packets[0].size, keyframe_bytes, sizeof keyframe_bytes);
  g_assert_cmpuint (payload.packets[1].sequence, ==, 42);
  g_assert_false (payload.packets[1].keyframe);
  g_assert_cmpmem (payload.packets[1].data, payload.packets[1].size, delta_bytes, sizeof delta_bytes);
  g_assert_cmpmem (payload.depth, payload.depth_size, depth_bytes, sizeof depth_bytes);
  /* The layout PROTOCOL.md shows: little-endian, version first. */
  g_assert_cmpuint (data[0], ==, 1);
  g_assert_cmpuint (data[1], ==, 2);
  g_assert_cmpuint (data[2] | data[3] << 8, ==, 160);
  g_assert_cmpuint (data[8], ==, 7);
  g_assert_cmpuint (data[24], ==, 41);
  g_assert_cmpuint (data[28], ==, 1);
}

static void
test_truncated (void)
{
  g_autoptr(GBytes) bytes = example ();
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  /* Every shorter prefix is refused, none is read past. */
  for (gsize n = 0; n < size; n++)
    {
      g_autofree guint8 *copy = g_memdup2 (data, n);
      PxVolumetricPayload payload;
      GError *error = NULL;

      g_assert_false (px_volumetric_payload_parse (copy, n, &payload, &error));
      g_assert_error (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_TRUNCATED);
      g_clear_error (&error);
    }
}

typedef struct
{
  const char *name;
  gsize offset;
  guint8 value;
  int code;
} Corruption;

static const Corruption corruptions[] = {
  { "version", 0, 2, PX_VOLUMETRIC_ERROR_VERSION },
  { "no-packets", 1, 0, PX_VOLUMETRIC_ERROR_INVALID },
  { "too-many-packets", 1, PX_VOLUMETRIC_MAX_PACKETS + 1, PX_VOLUMETRIC_ERROR_INVALID },
  { "more-packets", 1, 3, PX_VOLUMETRIC_ERROR_TRUNCATED },
  { "zero-width", 2, 0, PX_VOLUMETRIC_ERROR_INVALID },
  { "zero-step", 6, 0, PX_VOLUMETRIC_ERROR_INVALID },
  { "depth-length", 16, 8, PX_VOLUMETRIC_ERROR_TRUNCATED },
  { "reserved", 21, 1, PX_VOLUMETRIC_ERROR_INVALID },
  { "packet-flags", 28, 3, PX_VOLUMETRIC_ERROR_INVALID },
  { "packet-length", 33, 0xff, PX_VOLUMETRIC_ERROR_TRUNCATED },
  { "empty-packet", 32, 0, PX_VOLUMETRIC_ERROR_TRUNCATED },
};

static void
test_corrupt (gconstpointer data)
{
  const Corruption *corruption = data;
  g_autoptr(GBytes) bytes = example ();
  gsize size;
  g_autofree guint8 *copy = g_memdup2 (g_bytes_get_data (bytes, &size), g_bytes_get_size (bytes));
  PxVolumetricPayload payload;
  GError *error = NULL;

  copy[corruption->offset] = corruption->value;
  g_assert_false (px_volumetric_payload_parse (copy, size, &payload, &error));
  g_assert_error (error, PX_VOLUMETRIC_ERROR, corruption->code);
  g_test_message ("%s: %s", corruption->name, error->message);
  g_clear_error (&error);
}

static void
test_trailing (void)
{
  g_autoptr(GBytes) bytes = example ();
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  g_autofree guint8 *longer = g_malloc0 (size + 1);
  PxVolumetricPayload payload;
  GError *error = NULL;

  memcpy (longer, data, size);
  g_assert_false (px_volumetric_payload_parse (longer, size + 1, &payload, &error));
  g_assert_error (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_TRUNCATED);
  g_clear_error (&error);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/volumetric/payload/round-trip", test_round_trip);
  g_test_add_func ("/volumetric/payload/truncated", test_truncated);
  g_test_add_func ("/volumetric/payload/trailing", test_trailing);
  for (gsize i = 0; i < G_N_ELEMENTS (corruptions); i++)
    {
      g_autofree char *path = g_strdup_printf ("/volumetric/payload/corrupt/%s", corruptions[i].name);

      g_test_add_data_func (path, &corruptions[i], test_corrupt);
    }

  return g_test_run ();
}
