/* test-av-sync.c: video against the voice's clock, within BT.1359
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "media/px-av-sync.h"

#define MS 1000

static void
test_no_clock_presents (void)
{
  g_autoptr(PxAvSync) sync = px_av_sync_new ();
  gint64 at = 0;

  g_assert_cmpint (px_av_sync_decide (sync, 5000 * MS, 10 * MS, &at), ==, PX_AV_SYNC_PRESENT);
  g_assert_cmpint (at, ==, 5000 * MS);

  /* A clock gone stale (the voice stopped) no longer holds video back. */
  px_av_sync_update_audio_clock (sync, 1000 * MS, 0);
  g_assert_cmpint (px_av_sync_decide (sync, 1000 * MS, 100 * MS, NULL), ==, PX_AV_SYNC_WAIT);
  g_assert_cmpint (px_av_sync_decide (sync, 1600 * MS, 700 * MS, NULL), ==, PX_AV_SYNC_PRESENT);

  px_av_sync_update_audio_clock (sync, 1000 * MS, 0);
  px_av_sync_reset (sync);
  g_assert_cmpint (px_av_sync_decide (sync, 1000 * MS, 100 * MS, NULL), ==, PX_AV_SYNC_PRESENT);
}

/* Simulates a receiver whose voice plays 150 ms after capture and whose
 * video arrives after a varying delay, and checks that every frame shown is
 * shown within the BT.1359 window of its voice. */
static void
test_lip_sync_window (void)
{
  g_autoptr(PxAvSync) sync = px_av_sync_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  const gint64 audio_delay = 150 * MS;
  guint shown = 0, late = 0;
  gint64 worst_lead = 0, worst_lag = 0;

  for (guint frame = 0; frame < 300; frame++)
    {
      gint64 capture = (gint64) frame * 33333;
      /* Video decoded 40–100 ms after capture: earlier than the voice. */
      gint64 ready = capture + g_rand_int_range (rand, 40, 100) * MS;
      gint64 now = ready;
      gint64 at = 0;
      PxAvSyncDecision decision;

      /* The audio thread updates the clock every 10 ms. */
      px_av_sync_update_audio_clock (sync, now - now % (10 * MS),
                                     now - now % (10 * MS) - audio_delay);
      decision = px_av_sync_decide (sync, now, capture, &at);
      if (decision == PX_AV_SYNC_WAIT)
        {
          g_assert_cmpint (at, >, now);
          now = at;
          decision = px_av_sync_decide (sync, now, capture, &at);
        }
      g_assert_cmpint (decision, !=, PX_AV_SYNC_WAIT);
      if (decision == PX_AV_SYNC_LATE)
        {
          late++;
          continue;
        }
      shown++;
      {
        /* The voice heard when the frame appears was captured at
         * now - audio_delay: positive means the voice leads the picture. */
        gint64 audio_lead = capture - (now - audio_delay);

        worst_lead = MAX (worst_lead, -audio_lead);
        worst_lag = MAX (worst_lag, audio_lead);
      }
    }

  g_test_message ("%u frames shown, %u late; voice led by at most %.1f ms, lagged by at most %.1f ms",
                  shown, late, worst_lead / 1000.0, worst_lag / 1000.0);
  g_assert_cmpuint (shown, ==, 300);
  g_assert_cmpint (worst_lead, <=, PX_AV_SYNC_MAX_AUDIO_LEAD_US);
  g_assert_cmpint (worst_lag, <=, PX_AV_SYNC_MAX_AUDIO_LAG_US);
  g_assert_cmpint (px_av_sync_get_video_lag (sync), <, 20 * MS);
}

static void
test_late_video (void)
{
  g_autoptr(PxAvSync) sync = px_av_sync_new ();
  gint64 at = 0;

  /* Voice plays 50 ms after capture; a frame decoded 200 ms after. */
  for (guint i = 0; i < 50; i++)
    {
      gint64 now = 10000 * MS + i * 33 * MS;
      gint64 capture = now - 200 * MS;

      px_av_sync_update_audio_clock (sync, now, now - 50 * MS);
      g_assert_cmpint (px_av_sync_decide (sync, now, capture, &at), ==, PX_AV_SYNC_LATE);
      g_assert_cmpint (at, ==, now);
    }
  /* The lag is reported so the caller can delay the voice to match. */
  g_test_message ("video lag %.1f ms", px_av_sync_get_video_lag (sync) / 1000.0);
  g_assert_cmpint (px_av_sync_get_video_lag (sync), >, 140 * MS);
  g_assert_cmpint (px_av_sync_get_video_lag (sync), <=, 150 * MS);

  /* A capture time absurdly far ahead (a broken clock) is shown, not held. */
  g_assert_cmpint (px_av_sync_decide (sync, 12000 * MS, 60000 * MS, &at), ==, PX_AV_SYNC_PRESENT);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/media/av-sync/no-clock-presents", test_no_clock_presents);
  g_test_add_func ("/media/av-sync/lip-sync-window", test_lip_sync_window);
  g_test_add_func ("/media/av-sync/late-video", test_late_video);

  return g_test_run ();
}
