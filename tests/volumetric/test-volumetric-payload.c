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

static const PxVolumetricTimings example_timings = {
  .received = G_GINT64_CONSTANT (0x0102030405060708),
  .built = -G_GINT64_CONSTANT (12345678901),
  .decode_us = 1100,
  .rectify_us = 2200,
  .stereo_us = 3300,
  .segment_us = 4400,
  .depth_us = 5500,
  .depth_coding_us = G_MAXUINT32,
};

static GBytes *
example_with_timings (void)
{
  PxVolumetricPayload payload = {
    .calibration_id = 9,
    .colour_stream = 1,
    .grid_width = 160,
    .grid_height = 120,
    .grid_step = 4,
    .n_packets = 1,
    .packets = {
      { 43, TRUE, keyframe_bytes, sizeof keyframe_bytes },
    },
    .has_timings = TRUE,
    .timings = example_timings,
    .depth = depth_bytes,
    .depth_size = sizeof depth_bytes,
  };

  return px_volumetric_payload_build (&payload);
}

static void
test_no_timings (void)
{
  g_autoptr(GBytes) bytes = example ();
  PxVolumetricPayload payload;
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  g_assert_true (px_volumetric_payload_parse (data, size, &payload, NULL));
  g_assert_false (payload.has_timings);
  g_assert_cmpint (payload.timings.received, ==, 0);
  /* T is 0 on the wire. */
  g_assert_cmpuint (data[20] | data[21] | data[22] | data[23], ==, 0);
}

static void
test_timings_round_trip (void)
{
  g_autoptr(GBytes) bytes = example_with_timings ();
  g_autoptr(GBytes) again = NULL;
  g_autoptr(GError) error = NULL;
  PxVolumetricPayload payload;
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  const guint8 *block;

  g_assert_cmpuint (size, ==, PX_VOLUMETRIC_HEADER_SIZE + PX_VOLUMETRIC_PACKET_HEADER_SIZE
                               + sizeof keyframe_bytes + PX_VOLUMETRIC_TIMINGS_SIZE
                               + sizeof depth_bytes);
  g_assert_true (px_volumetric_payload_parse (data, size, &payload, &error));
  g_assert_no_error (error);
  g_assert_true (payload.has_timings);
  g_assert_cmpint (payload.timings.received, ==, example_timings.received);
  g_assert_cmpint (payload.timings.built, ==, example_timings.built);
  g_assert_cmpuint (payload.timings.decode_us, ==, 1100);
  g_assert_cmpuint (payload.timings.rectify_us, ==, 2200);
  g_assert_cmpuint (payload.timings.stereo_us, ==, 3300);
  g_assert_cmpuint (payload.timings.segment_us, ==, 4400);
  g_assert_cmpuint (payload.timings.depth_us, ==, 5500);
  g_assert_cmpuint (payload.timings.depth_coding_us, ==, G_MAXUINT32);
  g_assert_cmpuint (payload.n_packets, ==, 1);
  g_assert_cmpmem (payload.packets[0].data, payload.packets[0].size, keyframe_bytes, sizeof keyframe_bytes);
  g_assert_cmpmem (payload.depth, payload.depth_size, depth_bytes, sizeof depth_bytes);

  /* T = 40 at offset 20; the block sits between the packets and the depth,
   * little-endian. */
  g_assert_cmpuint (data[20], ==, PX_VOLUMETRIC_TIMINGS_SIZE);
  g_assert_cmpuint (data[21] | data[22] | data[23], ==, 0);
  block = data + PX_VOLUMETRIC_HEADER_SIZE + PX_VOLUMETRIC_PACKET_HEADER_SIZE + sizeof keyframe_bytes;
  g_assert_cmpuint (block[0], ==, 0x08);
  g_assert_cmpuint (block[7], ==, 0x01);
  g_assert_cmpuint (block[16] | block[17] << 8, ==, 1100);
  g_assert_cmpuint (block[36] & block[37] & block[38] & block[39], ==, 0xff);

  again = px_volumetric_payload_build (&payload);
  g_assert_true (g_bytes_equal (again, bytes));
}

static void
test_timings_length (void)
{
  g_autoptr(GBytes) bytes = example_with_timings ();
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  const guint32 bad[] = { 1, 8, 39, 41, 80, 0x28000000 };

  /* Only 0 and 40 are lengths of the timings. */
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree guint8 *copy = g_memdup2 (data, size);
      PxVolumetricPayload payload;
      GError *error = NULL;

      for (int b = 0; b < 4; b++)
        copy[20 + b] = (bad[i] >> (8 * b)) & 0xff;
      g_assert_false (px_volumetric_payload_parse (copy, size, &payload, &error));
      g_assert_error (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_INVALID);
      g_clear_error (&error);
    }

  /* A block announced but not there (T = 40 without the bytes) does not
   * add up; neither does T = 0 with the block left in. */
  {
    g_autoptr(GBytes) plain = example ();
    gsize plain_size;
    g_autofree guint8 *copy = g_memdup2 (g_bytes_get_data (plain, &plain_size), g_bytes_get_size (plain));
    g_autofree guint8 *copy2 = g_memdup2 (data, size);
    PxVolumetricPayload payload;
    GError *error = NULL;

    copy[20] = PX_VOLUMETRIC_TIMINGS_SIZE;
    g_assert_false (px_volumetric_payload_parse (copy, plain_size, &payload, &error));
    g_assert_error (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_TRUNCATED);
    g_clear_error (&error);

    copy2[20] = 0;
    g_assert_false (px_volumetric_payload_parse (copy2, size, &payload, &error));
    g_assert_error (error, PX_VOLUMETRIC_ERROR, PX_VOLUMETRIC_ERROR_TRUNCATED);
    g_clear_error (&error);
  }
}

/* Every shorter prefix of @bytes is refused, none is read past (each
 * prefix is a copy of its own size, so ASan sees a read past it). */
static void
assert_prefixes_truncated (GBytes *bytes)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

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

static void
test_timings_truncated (void)
{
  g_autoptr(GBytes) bytes = example_with_timings ();

  assert_prefixes_truncated (bytes);
}

static void
test_truncated (void)
{
  g_autoptr(GBytes) bytes = example ();

  assert_prefixes_truncated (bytes);
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
  { "timings-length", 21, 1, PX_VOLUMETRIC_ERROR_INVALID },
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
  g_test_add_func ("/volumetric/payload/timings/none", test_no_timings);
  g_test_add_func ("/volumetric/payload/timings/round-trip", test_timings_round_trip);
  g_test_add_func ("/volumetric/payload/timings/length", test_timings_length);
  g_test_add_func ("/volumetric/payload/timings/truncated", test_timings_truncated);
  for (gsize i = 0; i < G_N_ELEMENTS (corruptions); i++)
    {
      g_autofree char *path = g_strdup_printf ("/volumetric/payload/corrupt/%s", corruptions[i].name);

      g_test_add_data_func (path, &corruptions[i], test_corrupt);
    }

  return g_test_run ();
}
