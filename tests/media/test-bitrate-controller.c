/* test-bitrate-controller.c: the video bitrate follows the link
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "media/px-bitrate-controller.h"

#define MS 1000

static guint
feed (PxBitrateController *controller,
      gint64              *now_us,
      guint                reports,
      const PxFlowReport  *report)
{
  guint target = 0;

  for (guint i = 0; i < reports; i++)
    {
      *now_us += 100 * MS;
      target = px_bitrate_controller_update (controller, *now_us, report);
    }
  return target;
}

static void
test_backs_off_and_recovers (void)
{
  g_autoptr(PxBitrateController) controller = px_bitrate_controller_new (150, 1500, 2500);
  PxFlowReport clear = { .bytes_in_flight = 10000, .in_flight_budget = 200000, .ack_delay_us = 20 * MS };
  PxFlowReport dropping = clear;
  gint64 now = 0;
  guint target, low;

  g_assert_cmpuint (px_bitrate_controller_get_target_kbps (controller), ==, 1500);

  /* A clear link lets it climb, slowly. */
  target = feed (controller, &now, 10, &clear);
  g_test_message ("after 1 s clear: %u kbit/s", target);
  g_assert_cmpuint (target, >, 1500);
  g_assert_cmpuint (target, <, 1700);

  /* Frames dropped for a second: multiplicative decrease, twice a second. */
  dropping.frames_dropped = 2;
  low = feed (controller, &now, 10, &dropping);
  g_test_message ("after 1 s of drops: %u kbit/s", low);
  g_assert_cmpuint (low, <, target * 3 / 4);
  g_assert_cmpuint (low, >, target / 2);

  /* Held for two seconds after the last decrease… */
  g_assert_cmpuint (feed (controller, &now, 15, &clear), ==, low);
  /* …then climbing again. */
  target = feed (controller, &now, 50, &clear);
  g_test_message ("5 s after: %u kbit/s", target);
  g_assert_cmpuint (target, >, low);
}

static void
test_signals_of_congestion (void)
{
  PxFlowReport clear = { .bytes_in_flight = 1000, .in_flight_budget = 100000, .ack_delay_us = 30 * MS };
  PxFlowReport full = clear;
  PxFlowReport slow_acks = clear;
  gint64 now = 0;

  /* Bytes in flight above half the budget. */
  {
    g_autoptr(PxBitrateController) controller = px_bitrate_controller_new (100, 1000, 2000);

    full.bytes_in_flight = 80000;
    feed (controller, &now, 5, &clear);
    g_assert_cmpuint (feed (controller, &now, 1, &full), <, 1000);
  }

  /* Ack delay far above the smallest seen. */
  {
    g_autoptr(PxBitrateController) controller = px_bitrate_controller_new (100, 1000, 2000);

    slow_acks.ack_delay_us = 200 * MS;
    feed (controller, &now, 5, &clear);
    g_assert_cmpuint (feed (controller, &now, 1, &slow_acks), <, 1000);
  }

  /* An unknown ack delay and an unknown budget are not congestion. */
  {
    g_autoptr(PxBitrateController) controller = px_bitrate_controller_new (100, 1000, 2000);
    PxFlowReport unknown = { .bytes_in_flight = 50000, .in_flight_budget = 0, .ack_delay_us = -1 };

    g_assert_cmpuint (feed (controller, &now, 5, &unknown), >=, 1000);
  }
}

static void
test_bounds (void)
{
  g_autoptr(PxBitrateController) controller = px_bitrate_controller_new (200, 50, 800);
  PxFlowReport clear = { .in_flight_budget = 100000, .ack_delay_us = 10 * MS };
  PxFlowReport dropping = { .frames_dropped = 5, .in_flight_budget = 100000, .ack_delay_us = 10 * MS };
  gint64 now = 0;

  g_assert_cmpuint (px_bitrate_controller_get_target_kbps (controller), ==, 200);
  g_assert_cmpuint (px_bitrate_controller_get_min_kbps (controller), ==, 200);
  g_assert_cmpuint (px_bitrate_controller_get_max_kbps (controller), ==, 800);

  /* A minute of clear link stops at the maximum. */
  g_assert_cmpuint (feed (controller, &now, 600, &clear), ==, 800);
  /* A minute of drops stops at the minimum. */
  g_assert_cmpuint (feed (controller, &now, 600, &dropping), ==, 200);

  /* Time going backwards (a bad clock) changes nothing badly. */
  now -= 10 * G_USEC_PER_SEC;
  g_assert_cmpuint (feed (controller, &now, 1, &clear), >=, 200);
}

/* The ceiling the user chose in the preferences applies at once. */
static void
test_set_max (void)
{
  g_autoptr(PxBitrateController) controller = px_bitrate_controller_new (150, 1000, 2500);
  PxFlowReport clear = { .in_flight_budget = 100000, .ack_delay_us = 10 * MS };
  gint64 now = 0;

  g_assert_cmpuint (feed (controller, &now, 600, &clear), ==, 2500);
  px_bitrate_controller_set_max_kbps (controller, 800);
  g_assert_cmpuint (px_bitrate_controller_get_max_kbps (controller), ==, 800);
  g_assert_cmpuint (px_bitrate_controller_get_target_kbps (controller), ==, 800);
  g_assert_cmpuint (feed (controller, &now, 600, &clear), ==, 800);

  /* A higher ceiling is climbed to, not jumped to. */
  px_bitrate_controller_set_max_kbps (controller, 2000);
  g_assert_cmpuint (px_bitrate_controller_get_target_kbps (controller), ==, 800);
  g_assert_cmpuint (feed (controller, &now, 10, &clear), >, 800);
  g_assert_cmpuint (feed (controller, &now, 600, &clear), ==, 2000);

  /* Never below the minimum. */
  px_bitrate_controller_set_max_kbps (controller, 10);
  g_assert_cmpuint (px_bitrate_controller_get_max_kbps (controller), ==, 150);
  g_assert_cmpuint (px_bitrate_controller_get_target_kbps (controller), ==, 150);
}

static void
notify_cb (GObject    *object,
           GParamSpec *pspec,
           guint      *count)
{
  (*count)++;
}

static void
test_notifies (void)
{
  g_autoptr(PxBitrateController) controller = px_bitrate_controller_new (100, 1000, 2000);
  PxFlowReport dropping = { .frames_dropped = 1, .in_flight_budget = 1000, .ack_delay_us = -1 };
  guint count = 0;
  gint64 now = 0;
  guint value = 0;

  g_signal_connect (controller, "notify::target-kbps", G_CALLBACK (notify_cb), &count);
  feed (controller, &now, 1, &dropping);
  g_assert_cmpuint (count, ==, 1);
  g_object_get (controller, "target-kbps", &value, NULL);
  g_assert_cmpuint (value, ==, 850);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/media/bitrate/backs-off-and-recovers", test_backs_off_and_recovers);
  g_test_add_func ("/media/bitrate/signals-of-congestion", test_signals_of_congestion);
  g_test_add_func ("/media/bitrate/bounds", test_bounds);
  g_test_add_func ("/media/bitrate/set-max", test_set_max);
  g_test_add_func ("/media/bitrate/notifies", test_notifies);

  return g_test_run ();
}
