/* px-stereo-matcher.h: dense disparity from a rectified stereo pair
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Limits of the searched range and of the image size. */
#define PX_STEREO_MAX_DISPARITY 1024
#define PX_STEREO_MAX_SIZE 16384
#define PX_STEREO_MAX_THREADS 64

typedef enum
{
  PX_STEREO_INSTRUCTIONS_AUTO,
  PX_STEREO_INSTRUCTIONS_SCALAR,
  PX_STEREO_INSTRUCTIONS_SSE2,
  PX_STEREO_INSTRUCTIONS_AVX2,
} PxStereoInstructions;

/* An 8-bit greyscale image the caller owns. */
typedef struct
{
  guint width;
  guint height;
  gsize stride;
  const guint8 *pixels;
} PxGrayImage;

#define PX_TYPE_STEREO_MATCHER (px_stereo_matcher_get_type ())

G_DECLARE_FINAL_TYPE (PxStereoMatcher, px_stereo_matcher, PX, STEREO_MATCHER, GObject)

PxStereoMatcher *px_stereo_matcher_new              (guint                 max_disparity,
                                                     guint                 threads);
guint            px_stereo_matcher_get_max_disparity (PxStereoMatcher     *self);
guint            px_stereo_matcher_get_threads      (PxStereoMatcher     *self);

gboolean         px_stereo_matcher_set_penalties    (PxStereoMatcher     *self,
                                                     guint                 p1,
                                                     guint                 p2,
                                                     GError              **error);
void             px_stereo_matcher_set_uniqueness   (PxStereoMatcher     *self,
                                                     guint                 percent);
void             px_stereo_matcher_set_speckle      (PxStereoMatcher     *self,
                                                     guint                 max_size,
                                                     float                 max_step);
void             px_stereo_matcher_set_fill_holes   (PxStereoMatcher     *self,
                                                     gboolean              fill_holes);
gboolean         px_stereo_matcher_set_instructions (PxStereoMatcher     *self,
                                                     PxStereoInstructions  instructions);
const char      *px_stereo_matcher_get_instructions_name (PxStereoMatcher *self);

gboolean         px_stereo_matcher_match            (PxStereoMatcher     *self,
                                                     const PxGrayImage    *left,
                                                     const PxGrayImage    *right,
                                                     float                *disparity,
                                                     GError              **error);

G_END_DECLS
