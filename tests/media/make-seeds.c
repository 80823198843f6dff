/* make-seeds.c: writes the fuzz seed corpora of the media decoders
 *
 * Run from the build folder: tests/media/make-media-seeds SOURCE/tests/media
 * The seeds are real encoder output, small enough to commit.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "media/px-video-encoder.h"
#include "media/px-voice-encoder.h"

static void
write_seed (const char *dir,
            const char *name,
            GByteArray *bytes)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  if (!g_file_set_contents (path, (const char *) bytes->data, bytes->len, &error))
    g_error ("%s", error->message);
  g_print ("%s: %u bytes\n", path, bytes->len);
}

static void
video_seed (const char *dir,
            const char *name,
            guint       width,
            guint       height,
            guint       frames,
            gboolean    truncate_last)
{
  g_autoptr(PxVideoEncoder) encoder = px_video_encoder_new (200);
  g_autoptr(GByteArray) out = g_byte_array_new ();

  for (guint i = 0; i < frames; i++)
    {
      g_autoptr(PxFrame) frame = px_frame_new (PX_PIXEL_FORMAT_I420, width, height);
      g_autoptr(PxVideoPacket) packet = NULL;
      g_autoptr(GError) error = NULL;
      gsize size;
      const guint8 *data;
      guint8 prefix[2];

      for (guint p = 0; p < 3; p++)
        for (guint y = 0; y < px_frame_get_plane_height (frame, p); y++)
          for (guint x = 0; x < px_frame_get_plane_width (frame, p); x++)
            frame->planes[p][y * frame->strides[p] + x] =
              (guint8) (p == 0 ? (x * 4 + y * 2 + i * 8) ^ (y * 16) : 128 + p * 10 + i);
      frame->capture_time_us = i * 33333;
      packet = px_video_encoder_encode (encoder, frame, &error);
      if (packet == NULL)
        continue;
      data = g_bytes_get_data (packet->data, &size);
      if (truncate_last && i == frames - 1)
        size /= 2;
      g_assert (size < 256 * 64);
      prefix[0] = size / 64;
      prefix[1] = size % 64;
      g_byte_array_append (out, prefix, 2);
      g_byte_array_append (out, data, size);
    }
  write_seed (dir, name, out);
}

static void
voice_seed (const char *dir,
            const char *name,
            guint       frame_ms,
            guint       loss,
            guint       frames,
            gboolean    gaps)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PxVoiceEncoder) encoder = px_voice_encoder_new (frame_ms, &error);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  guint n = px_voice_encoder_get_frame_samples (encoder);

  px_voice_encoder_set_bitrate (encoder, 16);
  px_voice_encoder_set_packet_loss (encoder, loss);
  for (guint f = 0; f < frames; f++)
    {
      gint16 pcm[960];
      g_autoptr(GBytes) packet = NULL;
      guint8 header[3];
      gsize size;

      for (guint i = 0; i < n; i++)
        pcm[i] = (gint16) (6000 * sin (2 * G_PI * 220.0 * (f * n + i) / 48000.0)
                           * (1.0 + sin (f * 0.3)));
      packet = px_voice_encoder_encode (encoder, pcm, n, &error);
      size = MIN (g_bytes_get_size (packet), 255);
      if (gaps && f % 3 == 1)
        continue;
      header[0] = gaps && f % 3 == 2 ? 2 : 1;
      header[1] = frame_ms;
      header[2] = (guint8) size;
      g_byte_array_append (out, header, 3);
      g_byte_array_append (out, g_bytes_get_data (packet, NULL), size);
    }
  write_seed (dir, name, out);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *video = NULL;
  g_autofree char *voice = NULL;

  if (argc != 2)
    {
      g_printerr ("usage: %s TESTS_MEDIA_SOURCE_DIR\n", argv[0]);
      return 2;
    }
  video = g_build_filename (argv[1], "corpus-video-decoder", NULL);
  voice = g_build_filename (argv[1], "corpus-voice-decoder", NULL);
  g_mkdir_with_parents (video, 0755);
  g_mkdir_with_parents (voice, 0755);

  video_seed (video, "keyframe-and-deltas-64x48", 64, 48, 4, FALSE);
  video_seed (video, "keyframe-98x66", 98, 66, 1, FALSE);
  video_seed (video, "truncated-delta-64x48", 64, 48, 3, TRUE);
  voice_seed (voice, "tone-20ms", 20, 0, 12, FALSE);
  voice_seed (voice, "tone-10ms-fec-gaps", 10, 20, 15, TRUE);
  voice_seed (voice, "tone-20ms-fec-gaps", 20, 10, 12, TRUE);
  return 0;
}
