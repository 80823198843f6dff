/* px-recon-error.c: errors of the reconstruction subsystem
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "px-recon-error.h"

G_DEFINE_QUARK (px-recon-error-quark, px_recon_error)
