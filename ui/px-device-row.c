/* px-device-row.c: a drop-down row listing cameras, microphones or speakers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "capture/px-capture-device.h"
#include "px-device-row.h"

void
px_device_row_bind (AdwComboRow *row,
                    GListModel  *devices,
                    GCallback    changing,
                    GCallback    changed,
                    gpointer     data)
{
  g_return_if_fail (ADW_IS_COMBO_ROW (row));
  g_return_if_fail (G_IS_LIST_MODEL (devices));

  /* The model's handlers run in the order they were connected: the row
   * connects its own when the model is set, between these two. */
  if (changing != NULL)
    g_signal_connect_object (devices, "items-changed", changing, data, G_CONNECT_SWAPPED);
  adw_combo_row_set_expression (row, gtk_property_expression_new (PX_TYPE_CAPTURE_DEVICE, NULL,
                                                                  "description"));
  adw_combo_row_set_model (row, devices);
  if (changed != NULL)
    g_signal_connect_object (devices, "items-changed", changed, data,
                             G_CONNECT_SWAPPED | G_CONNECT_AFTER);
}

gboolean
px_device_row_select_name (AdwComboRow *row,
                           const char  *name)
{
  GListModel *devices;
  guint n;

  g_return_val_if_fail (ADW_IS_COMBO_ROW (row), FALSE);

  devices = adw_combo_row_get_model (row);
  if (devices == NULL || name == NULL || *name == '\0')
    return FALSE;
  n = g_list_model_get_n_items (devices);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PxCaptureDevice) device = g_list_model_get_item (devices, i);

      if (g_str_equal (px_capture_device_get_name (device), name))
        {
          if (adw_combo_row_get_selected (row) != i)
            adw_combo_row_set_selected (row, i);
          return TRUE;
        }
    }
  return FALSE;
}
