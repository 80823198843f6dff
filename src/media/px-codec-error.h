/* px-codec-error.h: errors of the video and voice codecs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PX_CODEC_ERROR (px_codec_error_quark ())

typedef enum
{
  PX_CODEC_ERROR_INVALID_ARGUMENT,      /* a size or format the codec cannot take */
  PX_CODEC_ERROR_CORRUPT,               /* the bytes are not a valid packet */
  PX_CODEC_ERROR_WAITING_FOR_KEYFRAME,  /* dropped: the decoder needs a keyframe first */
  PX_CODEC_ERROR_FAILED,                /* the codec library failed */
} PxCodecError;

GQuark px_codec_error_quark (void);

G_END_DECLS
