/* px-capture-error.c: errors of cameras, microphones and speakers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "px-capture-error.h"

G_DEFINE_QUARK (px-capture-error-quark, px_capture_error)
