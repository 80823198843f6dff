/* media-test-util.h: camera-like frames, speech and measures for the media tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <math.h>
#include <string.h>

#include <glib.h>

#include "media/px-frame.h"
#include "studio/px-studio.h"

/* A single camera of the synthetic studio filming a person: skin, hair,
 * clothes, a grained wall, sensor noise, motion. */
typedef struct
{
  PxStudio *studio;
  guint width;
  guint height;
} TestCamera;

static inline TestCamera *
test_camera_new (guint width,
                 guint height)
{
  TestCamera *camera = g_new0 (TestCamera, 1);
  g_autoptr(PxStudioRig) rig = px_studio_rig_new_line (1, 0.12, width, height, 1.5);
  g_autoptr(PxStudioPerson) person = px_studio_person_new (1.75, 3);

  camera->studio = px_studio_new (rig, person, 7, 2);
  camera->width = width;
  camera->height = height;
  return camera;
}

static inline void
test_camera_free (TestCamera *camera)
{
  g_clear_object (&camera->studio);
  g_free (camera);
}

/* Frame @index at 30 frames a second, stamped with @base_us plus its time. */
static inline PxFrame *
test_camera_frame (TestCamera *camera,
                   guint       index,
                   gint64      base_us)
{
  PxFrame *frame = px_frame_new (PX_PIXEL_FORMAT_I420, camera->width, camera->height);

  px_studio_render (camera->studio, index / 30.0, index);
  px_studio_view_to_i420 (px_studio_get_view (camera->studio, 0),
                          frame->planes[0], frame->strides[0],
                          frame->planes[1], frame->strides[1],
                          frame->planes[2], frame->strides[2]);
  frame->capture_time_us = base_us + (gint64) index * G_USEC_PER_SEC / 30;
  frame->sequence = index;
  return frame;
}

/* PSNR over all three planes, dB (99 for identical frames). */
static inline double
test_frame_psnr (const PxFrame *a,
                 const PxFrame *b)
{
  double sum = 0.0;
  guint64 count = 0;

  g_assert_cmpuint (a->width, ==, b->width);
  g_assert_cmpuint (a->height, ==, b->height);

  for (guint plane = 0; plane < 3; plane++)
    {
      guint width = px_frame_get_plane_width (a, plane);
      guint height = px_frame_get_plane_height (a, plane);

      for (guint y = 0; y < height; y++)
        {
          const guint8 *ra = a->planes[plane] + (gsize) y * a->strides[plane];
          const guint8 *rb = b->planes[plane] + (gsize) y * b->strides[plane];

          for (guint x = 0; x < width; x++)
            {
              double d = (double) ra[x] - rb[x];
              sum += d * d;
            }
          count += width;
        }
    }

  if (sum == 0.0)
    return 99.0;
  return 10.0 * log10 (255.0 * 255.0 / (sum / count));
}

/* Mono 16-bit PCM from a WAV file (the first channel if several), or NULL
 * when the file is not one. */
static inline gint16 *
test_read_wav (const char *path,
               guint      *rate,
               gsize      *n_samples)
{
  g_autofree guint8 *data = NULL;
  gsize size = 0;
  gsize pos = 12;
  guint channels = 0, bits = 0;

  if (!g_file_get_contents (path, (char **) &data, &size, NULL) || size < 12
      || memcmp (data, "RIFF", 4) != 0 || memcmp (data + 8, "WAVE", 4) != 0)
    return NULL;

  while (pos + 8 <= size)
    {
      guint32 chunk = data[pos + 4] | data[pos + 5] << 8 | data[pos + 6] << 16
                      | (guint32) data[pos + 7] << 24;
      const guint8 *body = data + pos + 8;

      if (chunk > size - pos - 8)
        chunk = size - pos - 8;
      if (memcmp (data + pos, "fmt ", 4) == 0 && chunk >= 16)
        {
          guint format = body[0] | body[1] << 8;

          channels = body[2] | body[3] << 8;
          *rate = body[4] | body[5] << 8 | body[6] << 16 | (guint) body[7] << 24;
          bits = body[14] | body[15] << 8;
          if (format != 1 && format != 0xfffe)
            return NULL;
        }
      else if (memcmp (data + pos, "data", 4) == 0 && channels > 0 && bits == 16)
        {
          gsize frames = chunk / (2 * channels);
          gint16 *samples = g_new (gint16, MAX (frames, 1));

          for (gsize i = 0; i < frames; i++)
            samples[i] = (gint16) (body[i * 2 * channels] | body[i * 2 * channels + 1] << 8);
          *n_samples = frames;
          return samples;
        }
      pos += 8 + chunk + (chunk & 1);
    }
  return NULL;
}

/* Band-limited resampling (windowed sinc, 16 zero crossings each side,
 * cut-off just below the lower Nyquist frequency). */
static inline gint16 *
test_resample (const gint16 *in,
               gsize         n_in,
               guint         rate_in,
               guint         rate_out,
               gsize        *n_out)
{
  const int half = 16;
  double ratio = (double) rate_out / rate_in;
  double cutoff = 0.95 * MIN (1.0, ratio);   /* of the input's Nyquist */
  gsize count = (gsize) floor (n_in * ratio);
  gint16 *out = g_new (gint16, MAX (count, 1));

  for (gsize j = 0; j < count; j++)
    {
      double center = j / ratio;
      double scale = cutoff;
      long first = (long) floor (center - half / scale);
      long last = (long) ceil (center + half / scale);
      double sum = 0.0;

      for (long i = MAX (first, 0); i <= last && i < (long) n_in; i++)
        {
          double t = (i - center) * scale;
          double sinc = fabs (t) < 1e-9 ? 1.0 : sin (G_PI * t) / (G_PI * t);
          double w = fabs (t) >= half ? 0.0 : 0.5 + 0.5 * cos (G_PI * t / half);

          sum += in[i] * sinc * w * scale;
        }
      out[j] = (gint16) CLAMP (lrint (sum), -32768, 32767);
    }
  *n_out = count;
  return out;
}

/* Normalised correlation of @a against @b shifted by @lag samples
 * (b[i + lag] against a[i]). */
static inline double
test_correlation_at (const gint16 *a,
                     gsize         n_a,
                     const gint16 *b,
                     gsize         n_b,
                     long          lag)
{
  double ab = 0.0, aa = 0.0, bb = 0.0;

  for (gsize i = 0; i < n_a; i++)
    {
      long j = (long) i + lag;

      if (j < 0 || j >= (long) n_b)
        continue;
      ab += (double) a[i] * b[j];
      aa += (double) a[i] * a[i];
      bb += (double) b[j] * b[j];
    }
  return aa > 0.0 && bb > 0.0 ? ab / sqrt (aa * bb) : 0.0;
}

/* The best correlation over lags 0..@max_lag and the lag it was found at. */
static inline double
test_best_correlation (const gint16 *a,
                       gsize         n_a,
                       const gint16 *b,
                       gsize         n_b,
                       long          max_lag,
                       long         *best_lag)
{
  double best = -1.0;

  for (long lag = 0; lag <= max_lag; lag++)
    {
      double c = test_correlation_at (a, n_a, b, n_b, lag);

      if (c > best)
        {
          best = c;
          if (best_lag != NULL)
            *best_lag = lag;
        }
    }
  return best;
}

/* Speech made at test time when neither recordings nor espeak-ng are here:
 * a voiced sound with a wandering pitch and formants. */
static inline gint16 *
test_synthetic_voice (gsize n_samples)
{
  gint16 *out = g_new (gint16, n_samples);
  double phase = 0.0;

  for (gsize i = 0; i < n_samples; i++)
    {
      double t = i / 48000.0;
      double pitch = 120.0 + 30.0 * sin (2 * G_PI * 0.7 * t);
      double envelope = 0.5 + 0.5 * sin (2 * G_PI * 2.3 * t);
      double s = 0.0;

      phase += pitch / 48000.0;
      for (guint h = 1; h <= 20; h++)
        {
          double f = h * pitch;
          double formant = exp (-pow ((f - 700.0) / 300.0, 2)) + 0.5 * exp (-pow ((f - 1800.0) / 400.0, 2));

          s += formant * sin (2 * G_PI * h * phase) / h;
        }
      out[i] = (gint16) CLAMP (lrint (8000.0 * envelope * s), -32768, 32767);
    }
  return out;
}

/* Removes what lies below @cutoff Hz (a fourth-order Butterworth high-pass
 * at 48 kHz, run as two biquads), in place. */
static inline void
test_high_pass (gint16 *samples,
                gsize   n_samples,
                double  cutoff)
{
  double w = 2.0 * G_PI * cutoff / 48000.0;
  double cw = cos (w);
  /* Q of the two sections of a fourth-order Butterworth. */
  const double q[2] = { 0.5412, 1.3066 };

  for (guint section = 0; section < 2; section++)
    {
      double alpha = sin (w) / (2.0 * q[section]);
      double a0 = 1.0 + alpha;
      double b0 = (1.0 + cw) / 2.0 / a0, b1 = -(1.0 + cw) / a0, b2 = b0;
      double a1 = -2.0 * cw / a0, a2 = (1.0 - alpha) / a0;
      double x1 = 0, x2 = 0, y1 = 0, y2 = 0;

      for (gsize i = 0; i < n_samples; i++)
        {
          double x = samples[i];
          double y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;

          x2 = x1;
          x1 = x;
          y2 = y1;
          y1 = y;
          samples[i] = (gint16) CLAMP (lrint (y), -32768, 32767);
        }
    }
}

/* The peak of the correlation between the whole-sample lags either side
 * of @lag (a parabola through the three), for an alignment finer than a
 * sample. */
static inline double
test_refine_correlation (const gint16 *a,
                         gsize         n_a,
                         const gint16 *b,
                         gsize         n_b,
                         long          lag)
{
  double before = test_correlation_at (a, n_a, b, n_b, lag - 1);
  double at = test_correlation_at (a, n_a, b, n_b, lag);
  double after = test_correlation_at (a, n_a, b, n_b, lag + 1);
  double curvature = before - 2.0 * at + after;
  double offset;

  if (curvature >= 0.0)
    return at;
  offset = 0.5 * (before - after) / curvature;
  return at - 0.25 * (before - after) * offset;
}
