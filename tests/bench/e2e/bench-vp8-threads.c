/* bench-vp8-threads.c: what VP8's threads cost when the cores are busy
 *
 *   bench-vp8-threads [FRAMES]
 *
 * Encodes FRAMES (default 60) frames of the synthetic studio's left camera
 * (640×480) with libvpx's VP8 encoder set as PxVideoEncoder sets it
 * (realtime, CBR 1200 kbit/s, cpu-used -6, error resilient, no lag) with one
 * and with two threads, and decodes each stream with one and two threads.
 * Prints the CPU time and the wall time per frame, and this machine's load:
 * on a machine whose cores are all busy (as when a studio, a sender, a
 * server and a receiver share them) libvpx's encoder threads wait for each
 * other by spinning, so a second thread costs far more CPU than it saves.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vpx/vp8cx.h>
#include <vpx/vp8dx.h>
#include <vpx/vpx_decoder.h>
#include <vpx/vpx_encoder.h>

#include "studio/px-studio.h"

#define WIDTH 640
#define HEIGHT 480
#define FPS 30

static double
cpu_ms (void)
{
  struct timespec t;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static double
wall_ms (void)
{
  return g_get_monotonic_time () / 1e3;
}

static void
run (vpx_image_t * const *frames,
     guint                n_frames,
     guint                encode_threads,
     guint                decode_threads)
{
  vpx_codec_ctx_t encoder, decoder;
  vpx_codec_enc_cfg_t config;
  vpx_codec_dec_cfg_t decoder_config = { .threads = decode_threads };
  double encode_cpu = 0, encode_wall = 0, decode_cpu = 0, decode_wall = 0;

  if (vpx_codec_enc_config_default (vpx_codec_vp8_cx (), &config, 0) != VPX_CODEC_OK)
    g_error ("No VP8 encoder configuration");
  config.g_w = WIDTH;
  config.g_h = HEIGHT;
  config.g_threads = encode_threads;
  config.g_timebase.num = 1;
  config.g_timebase.den = FPS;
  config.g_lag_in_frames = 0;
  config.g_error_resilient = VPX_ERROR_RESILIENT_DEFAULT;
  config.rc_end_usage = VPX_CBR;
  config.rc_target_bitrate = 1200;
  if (vpx_codec_enc_init (&encoder, vpx_codec_vp8_cx (), &config, 0) != VPX_CODEC_OK ||
      vpx_codec_dec_init (&decoder, vpx_codec_vp8_dx (), &decoder_config, 0) != VPX_CODEC_OK)
    g_error ("No VP8 codec");
  vpx_codec_control (&encoder, VP8E_SET_CPUUSED, -6);

  for (guint f = 0; f < n_frames; f++)
    {
      const vpx_codec_cx_pkt_t *packet;
      vpx_codec_iter_t iter = NULL;
      double cpu = cpu_ms (), wall = wall_ms ();

      if (vpx_codec_encode (&encoder, frames[f], f, 1, 0, VPX_DL_REALTIME) != VPX_CODEC_OK)
        g_error ("VP8 encoding failed");
      encode_cpu += cpu_ms () - cpu;
      encode_wall += wall_ms () - wall;
      while ((packet = vpx_codec_get_cx_data (&encoder, &iter)) != NULL)
        {
          vpx_codec_iter_t frame_iter = NULL;

          if (packet->kind != VPX_CODEC_CX_FRAME_PKT)
            continue;
          cpu = cpu_ms ();
          wall = wall_ms ();
          if (vpx_codec_decode (&decoder, packet->data.frame.buf, packet->data.frame.sz, NULL, 0) != VPX_CODEC_OK)
            g_error ("VP8 decoding failed");
          while (vpx_codec_get_frame (&decoder, &frame_iter) != NULL)
            ;
          decode_cpu += cpu_ms () - cpu;
          decode_wall += wall_ms () - wall;
        }
    }
  printf ("encode, %u thread%s: %7.2f ms CPU a frame, %7.2f ms wall | decode, %u thread%s: %5.2f ms CPU, %5.2f ms wall\n",
          encode_threads, encode_threads > 1 ? "s" : " ", encode_cpu / n_frames, encode_wall / n_frames,
          decode_threads, decode_threads > 1 ? "s" : " ", decode_cpu / n_frames, decode_wall / n_frames);
  vpx_codec_destroy (&encoder);
  vpx_codec_destroy (&decoder);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(PxStudioRig) rig = px_studio_rig_new_default ();
  g_autoptr(PxStudioPerson) person = px_studio_person_new (1.75, 7);
  g_autoptr(PxStudio) studio = px_studio_new (rig, person, 11, 0);
  guint n_frames = argc > 1 ? CLAMP ((guint) g_ascii_strtoull (argv[1], NULL, 10), 10, 1000) : 60;
  vpx_image_t **frames = g_new0 (vpx_image_t *, n_frames);
  double load[3] = { 0 };

  for (guint f = 0; f < n_frames; f++)
    {
      const PxStudioView *view;

      px_studio_render (studio, (double) f / FPS, f);
      view = px_studio_get_view (studio, 0);
      frames[f] = vpx_img_alloc (NULL, VPX_IMG_FMT_I420, WIDTH, HEIGHT, 1);
      px_studio_view_to_i420 (view, frames[f]->planes[0], frames[f]->stride[0], frames[f]->planes[1],
                              frames[f]->stride[1], frames[f]->planes[2], frames[f]->stride[2]);
    }

  if (getloadavg (load, 3) < 1)
    load[0] = -1;
  printf ("VP8 640x480, %u frames of the studio, as PxVideoEncoder sets it up; %d cores, load average %.1f\n",
          n_frames, (int) g_get_num_processors (), load[0]);
  run (frames, n_frames, 1, 1);
  run (frames, n_frames, 2, 1);
  run (frames, n_frames, 1, 2);
  run (frames, n_frames, 2, 2);

  for (guint f = 0; f < n_frames; f++)
    vpx_img_free (frames[f]);
  g_free (frames);
  return 0;
}
