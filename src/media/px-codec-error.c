/* px-codec-error.c: errors of the video and voice codecs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "media/px-codec-error.h"

G_DEFINE_QUARK (px-codec-error-quark, px_codec_error)
