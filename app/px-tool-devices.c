/* px-tool-devices.c: `parallax-tool devices`, the cameras, microphones and speakers there are
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "capture/px-pipewire-connection.h"
#include "px-tool-common.h"
#include "px-tool-devices.h"

/* A "name": value member; json-glib takes two calls for each. */
static void
add_int_member (JsonBuilder *builder,
                const char  *name,
                gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

static void
add_double_member (JsonBuilder *builder,
                   const char  *name,
                   double       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_double_value (builder, value);
}

static void
add_string_member (JsonBuilder *builder,
                   const char  *name,
                   const char  *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static JsonNode *
format_to_json (const PxCameraFormat *format)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_string_member (builder, "format", format->format_name);
  json_builder_set_member_name (builder, "supported");
  json_builder_add_boolean_value (builder, format->format != PX_PIXEL_FORMAT_UNKNOWN);
  add_int_member (builder, "width", format->width);
  add_int_member (builder, "height", format->height);
  if (format->min_width != format->max_width || format->min_height != format->max_height)
    {
      add_int_member (builder, "min_width", format->min_width);
      add_int_member (builder, "min_height", format->min_height);
      add_int_member (builder, "max_width", format->max_width);
      add_int_member (builder, "max_height", format->max_height);
    }
  add_double_member (builder, "min_fps", format->min_fps);
  add_double_member (builder, "max_fps", format->max_fps);
  json_builder_set_member_name (builder, "fps");
  json_builder_begin_array (builder);
  for (guint i = 0; i < format->n_rates; i++)
    json_builder_add_double_value (builder, format->rates[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static JsonNode *
devices_to_json (GPtrArray *devices)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_array (builder);
  for (guint i = 0; i < devices->len; i++)
    {
      PxCaptureDevice *device = g_ptr_array_index (devices, i);
      const PxCameraFormat *formats;
      guint n_formats;

      formats = px_capture_device_get_formats (device, &n_formats);
      json_builder_begin_object (builder);
      add_string_member (builder, "name", px_capture_device_get_name (device));
      add_string_member (builder, "description", px_capture_device_get_description (device));
      add_int_member (builder, "id", px_capture_device_get_id (device));
      add_int_member (builder, "serial", (gint64) px_capture_device_get_serial (device));
      add_string_member (builder, "path", px_capture_device_get_path (device));
      add_string_member (builder, "serial_number", px_capture_device_get_serial_number (device));
      if (px_capture_device_get_kind (device) == PX_DEVICE_KIND_CAMERA)
        {
          json_builder_set_member_name (builder, "formats");
          json_builder_begin_array (builder);
          for (guint f = 0; f < n_formats; f++)
            json_builder_add_value (builder, format_to_json (&formats[f]));
          json_builder_end_array (builder);
        }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  return json_builder_get_root (builder);
}

static const char *
state_nick (PxPipewireState state)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (PX_TYPE_PIPEWIRE_STATE);

  return g_enum_get_value (klass, (int) state)->value_nick;
}

static void
print_format (const PxCameraFormat *format)
{
  g_autoptr(GString) line = g_string_new ("    ");

  g_string_append_printf (line, "%-5s", format->format_name);
  if (format->min_width != format->max_width || format->min_height != format->max_height)
    g_string_append_printf (line, " %u×%u to %u×%u", format->min_width, format->min_height,
                            format->max_width, format->max_height);
  else
    g_string_append_printf (line, " %u×%u", format->width, format->height);
  if (format->n_rates > 0)
    {
      g_string_append (line, " @");
      for (guint i = 0; i < format->n_rates; i++)
        g_string_append_printf (line, "%s %g", i > 0 ? "," : "", format->rates[i]);
      g_string_append (line, " fps");
    }
  else if (format->max_fps > 0)
    {
      g_string_append_printf (line, " @ %g–%g fps", format->min_fps, format->max_fps);
    }
  if (format->format == PX_PIXEL_FORMAT_UNKNOWN)
    g_string_append_printf (line, " %s", _("(not supported)"));
  g_print ("%s\n", line->str);
}

static void
print_devices (const char *title,
               GPtrArray  *devices)
{
  g_print ("%s\n", title);
  if (devices->len == 0)
    g_print ("  %s\n", _("(none)"));
  for (guint i = 0; i < devices->len; i++)
    {
      PxCaptureDevice *device = g_ptr_array_index (devices, i);
      const PxCameraFormat *formats;
      guint n_formats;

      g_print ("  %s  “%s”", px_capture_device_get_name (device),
               px_capture_device_get_description (device));
      if (px_capture_device_get_path (device) != NULL)
        g_print ("  %s", px_capture_device_get_path (device));
      if (px_capture_device_get_serial_number (device) != NULL)
        g_print (_("  serial %s"), px_capture_device_get_serial_number (device));
      g_print ("\n");
      formats = px_capture_device_get_formats (device, &n_formats);
      for (guint f = 0; f < n_formats; f++)
        print_format (&formats[f]);
    }
}

int
px_tool_devices (int    argc,
                 char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GPtrArray) cameras = NULL;
  g_autoptr(GPtrArray) microphones = NULL;
  g_autoptr(GPtrArray) speakers = NULL;
  PxPipewireConnection *audio, *video;
  gboolean json = FALSE;
  int timeout_s = 5;
  const GOptionEntry entries[] = {
    { "json", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, &json,
      N_("Print JSON instead of text"), NULL },
    { "timeout", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &timeout_s,
      N_("Seconds to wait for PipeWire (default 5)"), N_("SECONDS") },
    { NULL }
  };

  if (!px_tool_parse_options (context, _("List cameras (with their formats), microphones "
                                          "and speakers as PipeWire offers them."),
                              entries, FALSE, &argc, &argv) ||
      !px_tool_expect_no_arguments (argc, argv))
    return 2;
  if (timeout_s < 1 || timeout_s > 600)
    {
      g_printerr (_("%s: --timeout must be between 1 and 600 seconds\n"), g_get_prgname ());
      return 2;
    }

  audio = px_pipewire_connection_get_default ();
  video = px_pipewire_connection_get_for_cameras ();
  if (!px_pipewire_connection_wait_ready (audio, (guint) timeout_s * 1000))
    {
      const char *reason = px_pipewire_connection_get_last_error (audio);

      g_printerr (_("%s: cannot reach PipeWire: %s\n"), g_get_prgname (),
                  reason != NULL ? reason : _("no answer"));
      return 1;
    }
  if (video != audio)
    px_pipewire_connection_wait_ready (video, (guint) timeout_s * 1000);

  cameras = px_pipewire_connection_list_devices (video, PX_DEVICE_KIND_CAMERA);
  microphones = px_pipewire_connection_list_devices (audio, PX_DEVICE_KIND_MICROPHONE);
  speakers = px_pipewire_connection_list_devices (audio, PX_DEVICE_KIND_SPEAKER);

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *text = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "camera_access");
      json_builder_add_string_value (builder,
                                     state_nick (px_pipewire_connection_get_state (video)));
      json_builder_set_member_name (builder, "cameras");
      json_builder_add_value (builder, devices_to_json (cameras));
      json_builder_set_member_name (builder, "microphones");
      json_builder_add_value (builder, devices_to_json (microphones));
      json_builder_set_member_name (builder, "speakers");
      json_builder_add_value (builder, devices_to_json (speakers));
      json_builder_end_object (builder);

      root = json_builder_get_root (builder);
      json_generator_set_root (generator, root);
      json_generator_set_pretty (generator, TRUE);
      text = json_generator_to_data (generator, NULL);
      g_print ("%s\n", text);
      return 0;
    }

  if (px_pipewire_connection_get_state (video) == PX_PIPEWIRE_STATE_ACCESS_DENIED)
    g_print ("%s\n", _("Camera access denied"));
  print_devices (_("Cameras:"), cameras);
  print_devices (_("Microphones:"), microphones);
  print_devices (_("Speakers:"), speakers);

  return 0;
}
