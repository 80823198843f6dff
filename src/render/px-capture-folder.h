/* px-capture-folder.h: a participant from a capture folder on disk
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "render/px-participant.h"

G_BEGIN_DECLS

PxParticipant *px_capture_folder_load (const char  *directory,
                                       guint        frame,
                                       guint        mesh_step,
                                       guint       *n_frames,
                                       GError     **error);

G_END_DECLS
