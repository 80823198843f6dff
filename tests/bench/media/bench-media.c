/* bench-media.c: VP8 and Opus speed beside libvpx's own command-line tools
 *
 * For 640×480 and 1280×720, renders FRAMES (default 90) frames of the
 * synthetic studio (not timed), then times PxVideoEncoder and
 * PxVideoDecoder frame by frame (median and p95, ms a frame), and in the
 * same run the reference: vpxenc with the same settings on the same frames
 * (as Y4M), and vpxdec on our own stream (as IVF), each timed whole and
 * divided by the frames (their per-frame times are not exposed; the figure
 * includes reading and writing the files). Then the voice path: Opus
 * encode and decode per 20 ms frame, and the delay a tone burst takes from
 * encoder input to jitter buffer output with no network in between.
 *
 * Run: meson test -C BUILD --benchmark --suite media -v
 *  or: BUILD/tests/bench/media/bench-media [FRAMES]
 * vpxenc and vpxdec come with Debian's vpx-tools; without them the
 * reference lines say so.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <sys/resource.h>
#include <time.h>

#include <glib/gstdio.h>

#include "media/px-jitter-buffer.h"
#include "media/px-video-decoder.h"
#include "media/px-video-encoder.h"
#include "media/px-voice-decoder.h"
#include "media/px-voice-encoder.h"
#include "studio/px-studio.h"

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
percentile (GArray *values,
            double  fraction)
{
  g_autoptr(GArray) sorted = g_array_copy (values);

  if (sorted->len == 0)
    return 0.0;
  g_array_sort (sorted, compare_double);
  return g_array_index (sorted, double, (guint) ((sorted->len - 1) * fraction + 0.5));
}

static double
mean (GArray *values)
{
  double sum = 0.0;

  for (guint i = 0; i < values->len; i++)
    sum += g_array_index (values, double, i);
  return values->len ? sum / values->len : 0.0;
}

/* CPU time of this process, all threads, ms: unlike wall time it does not
 * count the time other programs on a busy machine took from us. */
static double
process_cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static double
children_cpu_ms (void)
{
  struct rusage usage;

  getrusage (RUSAGE_CHILDREN, &usage);
  return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000.0
         + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000.0;
}

/* Runs a command under timeout(1); returns its wall time in ms and sets
 * @cpu_ms to the CPU time it used, or returns a negative number when it
 * failed. */
static double
run_timed (const char * const *argv,
           double             *cpu_ms)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *errors = NULL;
  gint64 start = g_get_monotonic_time ();
  double cpu_start = children_cpu_ms ();
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, &errors, &status, &error)
      || !g_spawn_check_wait_status (status, NULL))
    {
      g_printerr ("%s failed: %s%s\n", argv[2], error ? error->message : "",
                  errors ? errors : "");
      return -1.0;
    }
  *cpu_ms = children_cpu_ms () - cpu_start;
  return (g_get_monotonic_time () - start) / 1000.0;
}

static void
write_le16 (FILE *file, guint v) { fputc (v & 0xff, file); fputc (v >> 8, file); }
static void
write_le32 (FILE *file, guint32 v) { write_le16 (file, v & 0xffff); write_le16 (file, v >> 16); }

static void
bench_video (guint width,
             guint height,
             guint bitrate,
             guint n_frames,
             const char *dir)
{
  g_autoptr(PxStudioRig) rig = px_studio_rig_new_line (1, 0.12, width, height, 1.5);
  g_autoptr(PxStudioPerson) person = px_studio_person_new (1.75, 3);
  g_autoptr(PxStudio) studio = px_studio_new (rig, person, 7, 0);
  g_autoptr(PxVideoEncoder) encoder = px_video_encoder_new (bitrate);
  g_autoptr(PxVideoDecoder) decoder = px_video_decoder_new ();
  g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func ((GDestroyNotify) px_frame_unref);
  g_autoptr(GPtrArray) packets = g_ptr_array_new_with_free_func ((GDestroyNotify) px_video_packet_unref);
  g_autoptr(GArray) encode_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) decode_ms = g_array_new (FALSE, FALSE, sizeof (double));
  double encode_cpu = 0.0, decode_cpu = 0.0, cpu_start;
  g_autofree char *y4m = g_strdup_printf ("%s/in-%ux%u.y4m", dir, width, height);
  g_autofree char *ours = g_strdup_printf ("%s/ours-%ux%u.ivf", dir, width, height);
  g_autofree char *theirs = g_strdup_printf ("%s/vpxenc-%ux%u.ivf", dir, width, height);
  g_autofree char *vpxenc = g_find_program_in_path ("vpxenc");
  g_autofree char *vpxdec = g_find_program_in_path ("vpxdec");
  gsize bytes = 0;
  FILE *file;

  /* The frames, and the same frames as Y4M for vpxenc. */
  file = fopen (y4m, "wb");
  g_assert (file != NULL);
  fprintf (file, "YUV4MPEG2 W%u H%u F30:1 Ip A1:1 C420jpeg\n", width, height);
  for (guint i = 0; i < n_frames; i++)
    {
      PxFrame *frame = px_frame_new (PX_PIXEL_FORMAT_I420, width, height);

      px_studio_render (studio, i / 30.0, i);
      px_studio_view_to_i420 (px_studio_get_view (studio, 0),
                              frame->planes[0], frame->strides[0],
                              frame->planes[1], frame->strides[1],
                              frame->planes[2], frame->strides[2]);
      frame->capture_time_us = (gint64) i * G_USEC_PER_SEC / 30;
      g_ptr_array_add (frames, frame);

      fputs ("FRAME\n", file);
      for (guint p = 0; p < 3; p++)
        for (guint y = 0; y < px_frame_get_plane_height (frame, p); y++)
          fwrite (frame->planes[p] + (gsize) y * frame->strides[p], 1,
                  px_frame_get_plane_width (frame, p), file);
    }
  fclose (file);

  cpu_start = process_cpu_ms ();
  for (guint i = 0; i < n_frames; i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 start = g_get_monotonic_time ();
      PxVideoPacket *packet = px_video_encoder_encode (encoder, frames->pdata[i], &error);
      double ms = (g_get_monotonic_time () - start) / 1000.0;

      g_assert_no_error (error);
      g_array_append_val (encode_ms, ms);
      if (packet != NULL)
        {
          bytes += g_bytes_get_size (packet->data);
          g_ptr_array_add (packets, packet);
        }
    }
  encode_cpu = process_cpu_ms () - cpu_start;

  cpu_start = process_cpu_ms ();
  for (guint i = 0; i < packets->len; i++)
    {
      PxVideoPacket *packet = packets->pdata[i];
      g_autoptr(GError) error = NULL;
      gsize size;
      const guint8 *data = g_bytes_get_data (packet->data, &size);
      gint64 start = g_get_monotonic_time ();
      g_autoptr(PxFrame) frame = px_video_decoder_decode (decoder, data, size, packet->sequence,
                                                          packet->capture_time_us, &error);
      double ms = (g_get_monotonic_time () - start) / 1000.0;

      g_assert_no_error (error);
      g_array_append_val (decode_ms, ms);
    }
  decode_cpu = process_cpu_ms () - cpu_start;

  /* Our stream as IVF, for vpxdec. */
  file = fopen (ours, "wb");
  g_assert (file != NULL);
  fwrite ("DKIF", 1, 4, file);
  write_le16 (file, 0);
  write_le16 (file, 32);
  fwrite ("VP80", 1, 4, file);
  write_le16 (file, width);
  write_le16 (file, height);
  write_le32 (file, 30);
  write_le32 (file, 1);
  write_le32 (file, packets->len);
  write_le32 (file, 0);
  for (guint i = 0; i < packets->len; i++)
    {
      PxVideoPacket *packet = packets->pdata[i];
      gsize size;
      const guint8 *data = g_bytes_get_data (packet->data, &size);

      write_le32 (file, size);
      write_le32 (file, i);
      write_le32 (file, 0);
      fwrite (data, 1, size, file);
    }
  fclose (file);

  g_print ("VP8 %ux%u, %u frames, %u kbit/s target (%.0f out), %u thread%s\n",
           width, height, n_frames, bitrate, bytes * 8.0 / (n_frames / 30.0) / 1000.0,
           px_video_encoder_threads_for_size (width, height),
           px_video_encoder_threads_for_size (width, height) == 1 ? "" : "s");
  g_print ("  PxVideoEncoder  median %6.2f  p95 %6.2f  mean %6.2f ms/frame wall, CPU %6.2f ms/frame\n",
           percentile (encode_ms, 0.5), percentile (encode_ms, 0.95), mean (encode_ms),
           encode_cpu / n_frames);

  if (vpxenc != NULL)
    {
      g_autofree char *threads = g_strdup_printf ("--threads=%u",
                                                  px_video_encoder_threads_for_size (width, height));
      g_autofree char *rate = g_strdup_printf ("--target-bitrate=%u", bitrate);
      g_autofree char *parts = g_strdup_printf ("--token-parts=%u",
                                                px_video_encoder_threads_for_size (width, height) >= 2 ? 1 : 0);
      g_autofree char *output = g_strdup_printf ("--output=%s", theirs);
      const char *argv[] = {
        "timeout", "600", vpxenc, "--codec=vp8", "--rt", "--cpu-used=-6", "--end-usage=cbr",
        rate, "--lag-in-frames=0", "--error-resilient=1", threads, parts,
        "--min-q=2", "--max-q=56", "--undershoot-pct=100", "--overshoot-pct=15",
        "--buf-initial-sz=500", "--buf-optimal-sz=600", "--buf-sz=1000", "--drop-frame=30",
        "--static-thresh=1", "--noise-sensitivity=0", "--max-intra-rate=300",
        "--kf-max-dist=90", "--quiet", output, y4m, NULL
      };
      double cpu = 0.0;
      double ms = run_timed (argv, &cpu);

      if (ms >= 0)
        g_print ("  vpxenc (same settings)                       mean %6.2f ms/frame wall, CPU %6.2f ms/frame "
                 "(whole run, Y4M read included)\n", ms / n_frames, cpu / n_frames);
    }
  else
    {
      g_print ("  vpxenc: not installed (Debian package vpx-tools)\n");
    }

  g_print ("  PxVideoDecoder  median %6.2f  p95 %6.2f  mean %6.2f ms/frame wall, CPU %6.2f ms/frame\n",
           percentile (decode_ms, 0.5), percentile (decode_ms, 0.95), mean (decode_ms),
           decode_cpu / MAX (packets->len, 1));
  if (vpxdec != NULL)
    {
      const char *argv[] = {
        "timeout", "600", vpxdec, "--codec=vp8", "--threads=2", "--noblit", ours, NULL
      };
      double cpu = 0.0;
      double ms = run_timed (argv, &cpu);

      if (ms >= 0)
        g_print ("  vpxdec (our stream, no output)               mean %6.2f ms/frame wall, CPU %6.2f ms/frame "
                 "(whole run, IVF read included)\n", ms / packets->len, cpu / packets->len);
    }
  else
    {
      g_print ("  vpxdec: not installed (Debian package vpx-tools)\n");
    }

  g_unlink (y4m);
  g_unlink (ours);
  g_unlink (theirs);
}

static void
bench_voice (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PxVoiceEncoder) encoder = px_voice_encoder_new (20, &error);
  g_autoptr(PxVoiceDecoder) decoder = px_voice_decoder_new (&error);
  g_autoptr(PxVoiceEncoder) path_encoder = px_voice_encoder_new (20, &error);
  g_autoptr(PxJitterBuffer) buffer = px_jitter_buffer_new ();
  g_autoptr(GArray) encode_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) decode_ms = g_array_new (FALSE, FALSE, sizeof (double));
  gint64 burst_in = -1, burst_out = -1;
  gint16 pcm[960], out[960], block[480];

  g_assert_no_error (error);
  px_voice_encoder_set_packet_loss (encoder, 10);

  for (guint f = 0; f < 500; f++)
    {
      g_autoptr(GBytes) packet = NULL;
      gint64 start;
      double ms;

      for (guint i = 0; i < 960; i++)
        pcm[i] = (gint16) (6000 * sin (2 * G_PI * (200.0 + (f % 50) * 20.0) * (f * 960 + i) / 48000.0));
      start = g_get_monotonic_time ();
      packet = px_voice_encoder_encode (encoder, pcm, 960, &error);
      ms = (g_get_monotonic_time () - start) / 1000.0;
      g_array_append_val (encode_ms, ms);
      start = g_get_monotonic_time ();
      px_voice_decoder_decode (decoder, g_bytes_get_data (packet, NULL), g_bytes_get_size (packet),
                               out, 960, &error);
      ms = (g_get_monotonic_time () - start) / 1000.0;
      g_array_append_val (decode_ms, ms);
    }
  g_print ("Opus 48 kHz mono, 20 ms frames, 32 kbit/s, FEC on\n");
  g_print ("  encode median %.3f  p95 %.3f ms/frame; decode median %.3f  p95 %.3f ms/frame\n",
           percentile (encode_ms, 0.5), percentile (encode_ms, 0.95),
           percentile (decode_ms, 0.5), percentile (decode_ms, 0.95));

  /* A burst after five seconds of silence (the buffer has settled), through encoder and jitter buffer
   * on a simulated clock with no transit: the delay the media path itself
   * adds (one frame of capture, Opus's look-ahead, the buffer's minimum). */
  for (guint f = 0; f < 350; f++)
    {
      gint64 capture = (gint64) f * 20000;
      g_autoptr(GBytes) packet = NULL;

      for (guint i = 0; i < 960; i++)
        {
          gint64 t = capture + (gint64) i * 1000000 / 48000;

          pcm[i] = t >= 5000000 ? (gint16) (8000 * sin (2 * G_PI * 1000.0 * i / 48000.0)) : 0;
          if (t >= 5000000 && burst_in < 0)
            burst_in = t;
        }
      packet = px_voice_encoder_encode (path_encoder, pcm, 960, &error);
      /* The frame leaves when its last sample is in. */
      px_jitter_buffer_push (buffer, f, capture, capture + 20000,
                             g_bytes_get_data (packet, NULL), g_bytes_get_size (packet));
      for (guint b = 0; b < 2; b++)
        {
          gint64 now = capture + 20000 + b * 10000;

          px_jitter_buffer_pull (buffer, now, block, 480, NULL);
          for (guint i = 0; i < 480 && burst_out < 0; i++)
            if (ABS (block[i]) > 2000)
              burst_out = now + (gint64) i * 1000000 / 48000;
        }
    }
  g_print ("  media path (encoder -> jitter buffer, no network, no devices): "
           "tone burst out %.1f ms after it went in\n", (burst_out - burst_in) / 1000.0);
}

int
main (int   argc,
      char *argv[])
{
  guint n_frames = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 90;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("px-bench-media-XXXXXX", &error);

  if (dir == NULL)
    g_error ("%s", error->message);
  if (n_frames < 10)
    n_frames = 10;

  g_print ("%u processors\n", g_get_num_processors ());
  bench_video (640, 480, 1500, n_frames, dir);
  bench_video (1280, 720, 2500, n_frames, dir);
  bench_voice ();

  g_rmdir (dir);
  return 0;
}
