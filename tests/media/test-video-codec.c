/* test-video-codec.c: VP8 encoder and decoder on camera-like frames
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "media/px-codec-error.h"
#include "media/px-video-decoder.h"
#include "media/px-video-encoder.h"

#include "media-test-util.h"

#define WIDTH      640
#define HEIGHT     480
#define N_FRAMES   90
#define BITRATE    1500
#define BASE_US    G_GINT64_CONSTANT (1000000000)

/* One clip, encoded once and shared by the tests. */
static PxFrame *sources[N_FRAMES];
static PxVideoPacket *packets[N_FRAMES];

static void
ensure_clip (void)
{
  g_autoptr(PxVideoEncoder) encoder = NULL;
  TestCamera *camera;

  if (sources[0] != NULL)
    return;

  camera = test_camera_new (WIDTH, HEIGHT);
  encoder = px_video_encoder_new (BITRATE);
  for (guint i = 0; i < N_FRAMES; i++)
    {
      g_autoptr(GError) error = NULL;

      sources[i] = test_camera_frame (camera, i, BASE_US);
      packets[i] = px_video_encoder_encode (encoder, sources[i], &error);
      g_assert_no_error (error);
      /* The test needs every frame; at 1.5 Mbit/s none is skipped. */
      g_assert_nonnull (packets[i]);
    }
  test_camera_free (camera);
}

static PxFrame *
decode_packet (PxVideoDecoder  *decoder,
               PxVideoPacket   *packet,
               GError         **error)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (packet->data, &size);

  return px_video_decoder_decode (decoder, data, size, packet->sequence,
                                  packet->capture_time_us, error);
}

static void
test_round_trip (void)
{
  g_autoptr(PxVideoDecoder) decoder = px_video_decoder_new ();
  gsize total_bytes = 0;
  double sum = 0.0, worst = 99.0;
  guint counted = 0;
  double kbps;

  ensure_clip ();

  g_assert_true (packets[0]->keyframe);
  for (guint i = 0; i < N_FRAMES; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PxFrame) frame = decode_packet (decoder, packets[i], &error);

      g_assert_no_error (error);
      g_assert_nonnull (frame);
      g_assert_cmpint (frame->format, ==, PX_PIXEL_FORMAT_I420);
      g_assert_cmpuint (frame->width, ==, WIDTH);
      g_assert_cmpuint (frame->height, ==, HEIGHT);
      /* Capture time and sequence survive the trip. */
      g_assert_cmpint (frame->capture_time_us, ==, sources[i]->capture_time_us);
      g_assert_cmpint (packets[i]->capture_time_us, ==, sources[i]->capture_time_us);
      g_assert_cmpuint (frame->sequence, ==, i);
      total_bytes += g_bytes_get_size (packets[i]->data);

      if (i >= 30)
        {
          double psnr = test_frame_psnr (frame, sources[i]);

          sum += psnr;
          worst = MIN (worst, psnr);
          counted++;
        }
    }

  kbps = total_bytes * 8.0 / (N_FRAMES / 30.0) / 1000.0;
  g_test_message ("640x480 at %u kbit/s target: %.0f kbit/s out, PSNR after 1 s mean %.2f dB, "
                  "worst %.2f dB", BITRATE, kbps, sum / counted, worst);
  g_assert_cmpfloat (sum / counted, >=, 35.0);
  g_assert_cmpfloat (worst, >=, 33.0);
  /* CBR keeps to its target (within the overshoot of the first keyframe). */
  g_assert_cmpfloat (kbps, <, BITRATE * 1.3);
  g_assert_cmpfloat (kbps, >, BITRATE * 0.5);

  {
    PxVideoDecoderStats stats;

    px_video_decoder_get_stats (decoder, &stats);
    g_assert_cmpuint (stats.decoded, ==, N_FRAMES);
    g_assert_cmpuint (stats.corrupt, ==, 0);
    g_assert_cmpuint (stats.keyframe_requests, ==, 0);
    g_assert_false (px_video_decoder_get_needs_keyframe (decoder));
  }
}

static void
count_request_cb (PxVideoDecoder *decoder,
                  guint          *count)
{
  (*count)++;
}

static void
test_loss_recovers_at_keyframe (void)
{
  g_autoptr(PxVideoEncoder) encoder = px_video_encoder_new (BITRATE);
  g_autoptr(PxVideoDecoder) decoder = px_video_decoder_new ();
  guint requests = 0;
  const guint lost = 20;
  guint request_at = 0;
  gboolean recovered = FALSE;

  ensure_clip ();
  g_signal_connect (decoder, "keyframe-needed", G_CALLBACK (count_request_cb), &requests);

  for (guint i = 0; i < 60; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PxVideoPacket) packet = NULL;
      g_autoptr(PxFrame) frame = NULL;

      /* The sender honours a request with its next frame. */
      if (requests > 0 && request_at == 0)
        {
          request_at = i;
          px_video_encoder_request_keyframe (encoder);
        }

      packet = px_video_encoder_encode (encoder, sources[i], &error);
      g_assert_no_error (error);
      g_assert_nonnull (packet);
      if (i == lost)
        {
          g_assert_false (packet->keyframe);
          continue;   /* lost in the network */
        }

      frame = decode_packet (decoder, packet, &error);
      if (i < lost)
        {
          g_assert_no_error (error);
          g_assert_nonnull (frame);
        }
      else if (i == lost + 1)
        {
          /* The gap is seen at once: nothing predicted from a missing
           * frame is shown, and a keyframe is asked for. */
          g_assert_error (error, PX_CODEC_ERROR, PX_CODEC_ERROR_WAITING_FOR_KEYFRAME);
          g_assert_null (frame);
          g_assert_cmpuint (requests, ==, 1);
          g_assert_true (px_video_decoder_get_needs_keyframe (decoder));
        }
      else if (!recovered)
        {
          /* The very next packet is the keyframe, and it decodes cleanly. */
          g_assert_cmpuint (i, ==, request_at);
          g_assert_true (packet->keyframe);
          g_assert_no_error (error);
          g_assert_nonnull (frame);
          g_assert_cmpfloat (test_frame_psnr (frame, sources[i]), >=, 30.0);
          g_assert_false (px_video_decoder_get_needs_keyframe (decoder));
          recovered = TRUE;
        }
      else
        {
          g_assert_no_error (error);
          g_assert_nonnull (frame);
          g_assert_cmpfloat (test_frame_psnr (frame, sources[i]), >=, 30.0);
        }
    }

  g_assert_true (recovered);
  g_assert_cmpuint (requests, ==, 1);
}

static void
check_rejected_or_sane (PxVideoDecoder *decoder,
                        const guint8   *data,
                        gsize           size,
                        guint64         sequence,
                        guint          *n_rejected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PxFrame) frame = px_video_decoder_decode (decoder, data, size, sequence, 0, &error);

  if (frame == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == PX_CODEC_ERROR);
      (*n_rejected)++;
    }
  else
    {
      g_assert_no_error (error);
      g_assert_cmpuint (frame->width, >, 0);
      g_assert_cmpuint (frame->height, >, 0);
      g_assert_cmpuint (frame->width, <=, 16383);
    }
}

/* After any damage, the decoder still takes the next keyframe and what
 * follows it, with a clean picture. */
static void
check_recovers (PxVideoDecoder *decoder,
                guint64        *sequence)
{
  /* Keyframe 0, then the delta frames that follow it. */
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(GError) error = NULL;
      gsize size;
      const guint8 *data = g_bytes_get_data (packets[i]->data, &size);
      g_autoptr(PxFrame) frame = px_video_decoder_decode (decoder, data, size,
                                                          (*sequence)++, 0, &error);

      g_assert_no_error (error);
      g_assert_nonnull (frame);
      g_assert_cmpfloat (test_frame_psnr (frame, sources[i]), >=, 33.0);
    }
  g_assert_false (px_video_decoder_get_needs_keyframe (decoder));
}

static void
test_empty_and_truncated (void)
{
  g_autoptr(PxVideoDecoder) decoder = px_video_decoder_new ();
  guint64 sequence = 0;
  guint rejected = 0, tried = 0;
  const guint8 nothing[1] = { 0 };

  ensure_clip ();

  /* Empty and tiny packets. */
  check_rejected_or_sane (decoder, NULL, 0, sequence++, &rejected);
  check_rejected_or_sane (decoder, nothing, 0, sequence++, &rejected);
  check_rejected_or_sane (decoder, nothing, 1, sequence++, &rejected);
  g_assert_cmpuint (rejected, ==, 3);

  /* A keyframe claiming a size beyond what any camera sends. */
  {
    gsize size;
    const guint8 *data = g_bytes_get_data (packets[0]->data, &size);
    g_autofree guint8 *huge = g_memdup2 (data, size);

    huge[6] = 0xff;
    huge[7] = 0x3f;
    check_rejected_or_sane (decoder, huge, size, sequence++, &rejected);
    g_assert_cmpuint (rejected, ==, 4);
  }
  g_assert_true (px_video_decoder_get_needs_keyframe (decoder));
  check_recovers (decoder, &sequence);

  /* Every packet of the first few cut at a spread of lengths; each cut one
   * is followed by the clean keyframe so every cut meets a live decoder. */
  for (guint i = 0; i < 6; i++)
    {
      gsize size;
      const guint8 *data = g_bytes_get_data (packets[i]->data, &size);

      for (guint k = 1; k < 16; k++)
        {
          gsize cut = size * k / 16;
          guint before = rejected;

          if (i > 0)
            check_recovers (decoder, &sequence);
          tried++;
          check_rejected_or_sane (decoder, data, cut, sequence++, &rejected);
          /* A frame cut short is never shown: libvpx or our checks catch it. */
          g_assert_cmpuint (rejected, ==, before + 1);
          g_assert_true (px_video_decoder_get_needs_keyframe (decoder));

          /* A delta after the damage is held back until a keyframe. */
          {
            g_autoptr(GError) error = NULL;
            gsize delta_size;
            const guint8 *delta = g_bytes_get_data (packets[i + 1]->data, &delta_size);
            g_autoptr(PxFrame) frame = px_video_decoder_decode (decoder, delta, delta_size,
                                                                sequence++, 0, &error);
            g_assert_null (frame);
            g_assert_error (error, PX_CODEC_ERROR, PX_CODEC_ERROR_WAITING_FOR_KEYFRAME);
          }
        }
    }
  check_recovers (decoder, &sequence);
  g_test_message ("%u truncated packets, all rejected", tried);
}

static void
test_bit_flips (void)
{
  g_autoptr(PxVideoDecoder) decoder = px_video_decoder_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  guint64 sequence = 0;
  guint rejected = 0, tried = 0;

  ensure_clip ();

  for (guint round = 0; round < 200; round++)
    {
      guint index = g_rand_int_range (rand, 0, 8);
      gsize size;
      const guint8 *data = g_bytes_get_data (packets[index]->data, &size);
      g_autofree guint8 *copy = g_memdup2 (data, size);
      guint flips = g_rand_int_range (rand, 1, 9);

      for (guint f = 0; f < flips; f++)
        {
          /* Half the flips land in the headers, where they do most harm. */
          gsize at = g_rand_boolean (rand) ? g_rand_int_range (rand, 0, MIN (size, 32))
                                           : g_rand_int_range (rand, 0, size);
          copy[at] ^= 1 << g_rand_int_range (rand, 0, 8);
        }

      if (index > 0)
        check_recovers (decoder, &sequence);
      tried++;
      check_rejected_or_sane (decoder, copy, size, sequence++, &rejected);
    }
  check_recovers (decoder, &sequence);

  /* VP8 has no checksum: a flip deep in the residuals can decode to a
   * plausible picture, but most damage must be caught. */
  g_test_message ("%u bit-flipped packets, %u rejected", tried, rejected);
  g_assert_cmpuint (rejected, >, tried / 4);
}

static void
test_encoder_controls (void)
{
  g_autoptr(PxVideoEncoder) encoder = px_video_encoder_new (BITRATE);
  gsize low_bytes = 0, high_bytes = 0;
  guint keyframes = 0;

  ensure_clip ();

  g_assert_cmpuint (px_video_encoder_get_bitrate (encoder), ==, BITRATE);
  px_video_encoder_set_bitrate (encoder, 1);
  g_assert_cmpuint (px_video_encoder_get_bitrate (encoder), ==, PX_VIDEO_ENCODER_MIN_BITRATE);
  px_video_encoder_set_bitrate (encoder, 10000000);
  g_assert_cmpuint (px_video_encoder_get_bitrate (encoder), ==, PX_VIDEO_ENCODER_MAX_BITRATE);

  g_assert_cmpuint (px_video_encoder_threads_for_size (320, 240), ==, 1);
  g_assert_cmpuint (px_video_encoder_threads_for_size (640, 480), ==, 1);
  g_assert_cmpuint (px_video_encoder_threads_for_size (1280, 720), ==,
                    MIN (2, g_get_num_processors ()));
  g_assert_cmpuint (px_video_encoder_threads_for_size (1920, 1080), <=, g_get_num_processors ());

  /* Keyframes every second of capture time; the rate changes mid-stream. */
  px_video_encoder_set_keyframe_interval (encoder, 1000);
  px_video_encoder_set_bitrate (encoder, 2000);
  for (guint i = 0; i < N_FRAMES; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PxVideoPacket) packet = NULL;

      if (i == 45)
        px_video_encoder_set_bitrate (encoder, 250);
      packet = px_video_encoder_encode (encoder, sources[i], &error);
      g_assert_no_error (error);
      if (packet == NULL)
        continue;   /* the rate control may skip a frame after the drop */
      g_assert_cmpint (packet->capture_time_us, ==, sources[i]->capture_time_us);
      if (packet->keyframe)
        keyframes++;
      /* Skip the settling just after the change. */
      if (i >= 15 && i < 45)
        high_bytes += g_bytes_get_size (packet->data);
      else if (i >= 60)
        low_bytes += g_bytes_get_size (packet->data);
    }
  g_test_message ("2000 kbit/s: %.0f kbit/s, then 250 kbit/s: %.0f kbit/s; %u keyframes in 3 s",
                  high_bytes * 8.0 / 1.0 / 1000, low_bytes * 8.0 / 1.0 / 1000, keyframes);
  g_assert_cmpuint (keyframes, ==, 3);
  g_assert_cmpuint (low_bytes * 3, <, high_bytes);
}

static void
test_encoder_bad_input (void)
{
  g_autoptr(PxVideoEncoder) encoder = px_video_encoder_new (BITRATE);
  g_autoptr(PxVideoDecoder) decoder = px_video_decoder_new ();
  g_autoptr(PxFrame) rgba = px_frame_new (PX_PIXEL_FORMAT_RGBA, 64, 64);
  g_autoptr(GError) error = NULL;
  g_autoptr(PxVideoPacket) packet = px_video_encoder_encode (encoder, rgba, &error);

  g_assert_null (packet);
  g_assert_error (error, PX_CODEC_ERROR, PX_CODEC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* A new frame size restarts the codec with a keyframe the decoder takes. */
  for (guint i = 0; i < 3; i++)
    {
      guint width = i == 1 ? 321 : 160;
      guint height = i == 1 ? 181 : 120;
      g_autoptr(PxFrame) frame = px_frame_new (PX_PIXEL_FORMAT_I420, width, height);
      g_autoptr(PxFrame) decoded = NULL;
      g_autoptr(PxVideoPacket) coded = NULL;
      gsize size;
      const guint8 *data;

      for (guint p = 0; p < 3; p++)
        memset (frame->planes[p], 100 + 20 * p,
                (gsize) frame->strides[p] * px_frame_get_plane_height (frame, p));
      frame->capture_time_us = i * 33333;
      coded = px_video_encoder_encode (encoder, frame, &error);
      g_assert_no_error (error);
      g_assert_nonnull (coded);
      g_assert_true (coded->keyframe);
      data = g_bytes_get_data (coded->data, &size);
      decoded = px_video_decoder_decode (decoder, data, size, coded->sequence, 0, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (decoded->width, ==, width);
      g_assert_cmpuint (decoded->height, ==, height);
      g_assert_cmpfloat (test_frame_psnr (decoded, frame), >=, 40.0);
    }
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/media/video/round-trip", test_round_trip);
  g_test_add_func ("/media/video/loss-recovers-at-keyframe", test_loss_recovers_at_keyframe);
  g_test_add_func ("/media/video/empty-and-truncated", test_empty_and_truncated);
  g_test_add_func ("/media/video/bit-flips", test_bit_flips);
  g_test_add_func ("/media/video/encoder-controls", test_encoder_controls);
  g_test_add_func ("/media/video/encoder-bad-input", test_encoder_bad_input);

  status = g_test_run ();

  for (guint i = 0; i < N_FRAMES; i++)
    {
      g_clear_pointer (&sources[i], px_frame_unref);
      g_clear_pointer (&packets[i], px_video_packet_unref);
    }
  return status;
}
