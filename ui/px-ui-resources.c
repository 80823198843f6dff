/* px-ui-resources.c: the UI's templates, styles and icons
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "px-ui-resources.h"
#include "px-ui-resources-generated.h"

/* Safe to call from every class_init: registers the bundle once. */
void
px_ui_ensure_resources (void)
{
  static gsize registered = 0;

  if (g_once_init_enter (&registered))
    {
      px_ui_register_resource ();
      g_once_init_leave (&registered, 1);
    }
}
