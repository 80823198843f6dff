/* px-tool-capture.c: `parallax-tool capture`, frames from a camera as PNG files
 *
 * Frames are converted to RGB as they arrive and written once capturing is
 * over, so that writing files does not slow the camera down and the
 * measured rate is the camera's.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <errno.h>

#include "capture/px-camera-source.h"
#include "capture/px-pipewire-connection.h"
#include "media/px-pixel-convert.h"
#include "px-tool-common.h"
#include "px-tool-capture.h"

typedef struct
{
  PxCameraSource *source;
  GPtrArray      *pictures;
  guint           wanted;
  guint64         first_count;
  gint64          first_time;
  guint64         last_count;
  gint64          last_time;
  gboolean        done;
  gboolean        timed_out;
} Capture;

static void
frame_ready_cb (PxCameraSource *source,
                Capture        *capture)
{
  g_autoptr(PxFrame) frame = px_camera_source_take_frame (source);
  GdkPixbuf *picture;

  if (frame == NULL || capture->done)
    return;

  picture = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, (int) frame->width,
                            (int) frame->height);
  px_pixel_convert_i420_to_rgb (frame, PX_PIXEL_FORMAT_RGB, gdk_pixbuf_get_pixels (picture),
                                (gsize) gdk_pixbuf_get_rowstride (picture));
  g_ptr_array_add (capture->pictures, picture);

  if (capture->pictures->len == 1)
    {
      capture->first_count = frame->sequence;
      capture->first_time = frame->capture_time_us;
    }
  capture->last_count = frame->sequence;
  capture->last_time = frame->capture_time_us;

  if (capture->pictures->len >= capture->wanted)
    capture->done = TRUE;
}

static void
ended_cb (PxCameraSource *source,
          const GError   *error,
          Capture        *capture)
{
  capture->done = TRUE;
}

static gboolean
timeout_cb (gpointer data)
{
  Capture *capture = data;

  capture->timed_out = TRUE;
  capture->done = TRUE;
  return G_SOURCE_REMOVE;
}

int
px_tool_capture (int    argc,
                 char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PxCameraSource) source = NULL;
  g_autoptr(GPtrArray) pictures = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *camera = NULL;
  g_autofree char *size = NULL;
  g_autofree char *out = NULL;
  PxPipewireConnection *connection;
  int fps = 30, frames = 0, timeout_s = 0;
  guint width = 640, height = 480;
  Capture capture = { 0 };
  guint timeout_id;
  double measured = 0;
  const GOptionEntry entries[] = {
    { "camera", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &camera,
      N_("The camera’s name or serial, as `parallax-tool devices` lists it"), N_("ID") },
    { "size", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &size,
      N_("Frame size to ask for (default 640x480)"), N_("WxH") },
    { "fps", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &fps,
      N_("Frame rate to ask for (default 30)"), N_("N") },
    { "frames", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &frames,
      N_("How many frames to write"), N_("N") },
    { "out", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, &out,
      N_("Folder for the PNG files (made if missing)"), N_("DIR") },
    { "timeout", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &timeout_s,
      N_("Give up after this many seconds (default: 10 plus the time the frames take)"),
      N_("SECONDS") },
    { NULL }
  };

  if (!px_tool_parse_options (context, _("Capture frames from a camera into PNG files and "
                                          "print the negotiated format and measured rate."),
                              entries, FALSE, &argc, &argv) ||
      !px_tool_expect_no_arguments (argc, argv))
    return 2;
  if (camera == NULL || out == NULL || frames < 1)
    {
      g_printerr (_("%s: --camera, --out and --frames (at least 1) are required\n"),
                  g_get_prgname ());
      return 2;
    }
  if (frames > 10000 || fps < 1 || fps > 1000 || timeout_s < 0 || timeout_s > 3600)
    {
      g_printerr (_("%s: --frames must be at most 10000, --fps 1 to 1000 "
                    "and --timeout at most 3600\n"), g_get_prgname ());
      return 2;
    }
  if (size != NULL && !px_tool_parse_size (size, 1, PX_FRAME_MAX_SIZE, &width, &height))
    {
      g_printerr (_("%s: “%s” is not a size like 1280x720\n"), g_get_prgname (), size);
      return 2;
    }
  if (g_mkdir_with_parents (out, 0755) != 0)
    {
      g_printerr (_("%s: cannot make the folder %s: %s\n"), g_get_prgname (), out,
                  g_strerror (errno));
      return 1;
    }

  connection = px_pipewire_connection_get_for_cameras ();
  if (!px_pipewire_connection_wait_ready (connection, 10000))
    {
      if (px_pipewire_connection_get_state (connection) == PX_PIPEWIRE_STATE_ACCESS_DENIED)
        g_printerr (_("%s: camera access denied\n"), g_get_prgname ());
      else
        g_printerr (_("%s: cannot reach PipeWire: %s\n"), g_get_prgname (),
                    px_pipewire_connection_get_last_error (connection)
                      ? px_pipewire_connection_get_last_error (connection) : _("no answer"));
      return 1;
    }

  source = px_camera_source_new (connection, camera, width, height, (guint) fps);
  capture.source = source;
  capture.pictures = pictures;
  capture.wanted = (guint) frames;
  g_signal_connect (source, "frame-ready", G_CALLBACK (frame_ready_cb), &capture);
  g_signal_connect (source, "ended", G_CALLBACK (ended_cb), &capture);

  if (!px_camera_source_start (source, &error))
    {
      px_tool_print_error (error);
      return 1;
    }

  if (timeout_s == 0)
    timeout_s = 10 + frames / fps + 1;
  timeout_id = g_timeout_add_seconds ((guint) timeout_s, timeout_cb, &capture);
  while (!capture.done)
    g_main_context_iteration (NULL, TRUE);
  if (!capture.timed_out)
    g_source_remove (timeout_id);

  g_signal_handlers_disconnect_by_data (source, &capture);
  px_camera_source_stop (source);

  if (px_camera_source_get_error (source) != NULL && pictures->len < (guint) frames)
    {
      px_tool_print_error (px_camera_source_get_error (source));
      return 1;
    }
  if (capture.timed_out && pictures->len < (guint) frames)
    {
      g_printerr (_("%s: got %u of %d frames in %d seconds\n"), g_get_prgname (),
                  pictures->len, frames, timeout_s);
      return 1;
    }

  g_print (_("Camera: %s\n"), camera);
  g_print (_("Format: %s %u×%u at %g fps (delivered as I420)\n"),
           px_pixel_format_to_string (px_camera_source_get_format (source)),
           px_camera_source_get_width (source), px_camera_source_get_height (source),
           px_camera_source_get_fps (source));
  if (capture.last_count > capture.first_count && capture.last_time > capture.first_time)
    {
      measured = (double) (capture.last_count - capture.first_count) * G_USEC_PER_SEC /
                 (double) (capture.last_time - capture.first_time);
      g_print (_("Measured: %.2f fps over %u frames\n"), measured, pictures->len);
    }
  else
    {
      g_print (_("Measured: not enough frames for a rate\n"));
    }

  for (guint i = 0; i < pictures->len; i++)
    {
      g_autofree char *name = g_strdup_printf ("frame-%04u.png", i);
      g_autofree char *path = g_build_filename (out, name, NULL);

      if (!gdk_pixbuf_save (g_ptr_array_index (pictures, i), path, "png", &error, NULL))
        {
          g_printerr (_("%s: cannot write %s: %s\n"), g_get_prgname (), path, error->message);
          return 1;
        }
    }
  g_print (_("Wrote %u frames to %s\n"), pictures->len, out);

  return 0;
}
