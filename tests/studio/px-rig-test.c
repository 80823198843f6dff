/* px-rig-test.c: a viewer of a rig publisher, for the rig and demo tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "media/px-depth-codec.h"
#include "media/px-video-decoder.h"
#include "net/px-volumetric.h"
#include "media/px-rig-publisher.h"
#include "px-rig-test.h"
#include "px-test-session.h"
#include "px-test-harness.h"

static void
frame_clear (gpointer data)
{
  PxRigTestFrame *frame = data;

  g_clear_pointer (&frame->payload, g_bytes_unref);
}

static void
media_frame_cb (PxSession            *session,
                PxSessionParticipant *from,
                guint                 kind,
                guint                 stream,
                guint                 flags,
                guint                 sequence,
                gint64                capture_time,
                GBytes               *payload,
                gpointer              user_data)
{
  PxRigTestViewer *viewer = user_data;
  PxRigTestFrame frame = { kind, stream, flags, capture_time, NULL };

  if (g_strcmp0 (px_session_participant_get_identity (from), viewer->identity) != 0)
    return;
  if (kind == PX_WIRE_KIND_DEPTH && stream == PX_RIG_PUBLISHER_VOLUMETRIC_STREAM)
    {
      frame.payload = g_bytes_ref (payload);
      viewer->n_volumetric++;
    }
  g_array_append_val (viewer->frames, frame);
}

PxRigTestViewer *
px_rig_test_viewer_new (const char *url,
                        const char *token,
                        const char *identity)
{
  PxRigTestViewer *viewer = g_new0 (PxRigTestViewer, 1);

  viewer->identity = g_strdup (identity);
  viewer->frames = g_array_new (FALSE, TRUE, sizeof (PxRigTestFrame));
  g_array_set_clear_func (viewer->frames, frame_clear);
  viewer->session = px_session_new (url, PX_RIG_TEST_ROOM, token);
  g_signal_connect (viewer->session, "media-frame", G_CALLBACK (media_frame_cb), viewer);
  px_rig_test_join (viewer->session, "the viewer to join");
  return viewer;
}

void
px_rig_test_join (PxSession  *session,
                  const char *what)
{
  g_autoptr(GError) error = px_test_session_join (session, what, 30000);

  g_assert_no_error (error);
}

void
px_rig_test_viewer_free (PxRigTestViewer *viewer)
{
  g_signal_handlers_disconnect_by_data (viewer->session, viewer);
  px_session_leave (viewer->session);
  g_object_unref (viewer->session);
  g_array_unref (viewer->frames);
  g_free (viewer->identity);
  g_free (viewer);
}

PxSessionParticipant *
px_rig_test_viewer_find (PxRigTestViewer *viewer)
{
  GListModel *participants = px_session_get_participants (viewer->session);

  for (guint i = 0; i < g_list_model_get_n_items (participants); i++)
    {
      g_autoptr(PxSessionParticipant) participant = g_list_model_get_item (participants, i);

      if (g_strcmp0 (px_session_participant_get_identity (participant), viewer->identity) == 0)
        return participant;  /* the roster keeps its reference */
    }
  return NULL;
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

void
px_rig_test_wait (gboolean   (*done) (gpointer data),
                  gpointer     data,
                  guint        timeout_ms,
                  const char  *what)
{
  gint64 deadline = g_get_monotonic_time ()
                    + (gint64) px_test_timeout_ms (timeout_ms) * G_TIME_SPAN_MILLISECOND;
  /* Wakes the blocking iteration to look at the condition and the clock;
   * everything else runs as soon as it is due. */
  guint tick = g_timeout_add (10, tick_cb, NULL);

  while (!done (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out after %u ms waiting for %s", px_test_timeout_ms (timeout_ms), what);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (tick);
}

guint
px_rig_test_check_volumetric (GBytes *payload)
{
  g_autoptr(PxDepthCodec) codec = px_depth_codec_new (1);
  g_autoptr(GError) error = NULL;
  g_autofree guint16 *depth = NULL;
  PxVolumetricPayload parsed;
  gsize size;
  const guint8 *bytes = g_bytes_get_data (payload, &size);
  guint width = 0, height = 0, with_depth = 0;

  g_assert_true (px_volumetric_payload_parse (bytes, size, &parsed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (parsed.colour_stream, ==, PX_RIG_PUBLISHER_LEFT_STREAM);
  g_assert_cmpuint (parsed.n_packets, >=, 1);
  depth = px_depth_codec_decode (codec, parsed.depth, parsed.depth_size, &width, &height, &error);
  g_assert_no_error (error);
  g_assert_nonnull (depth);
  g_assert_cmpuint (width, ==, parsed.grid_width);
  g_assert_cmpuint (height, ==, parsed.grid_height);
  for (gsize i = 0; i < (gsize) width * height; i++)
    with_depth += depth[i] != 0;
  return with_depth;
}

guint
px_rig_test_decode_colour (PxRigTestViewer *viewer,
                           guint            width,
                           guint            height,
                           int             *first_decodable)
{
  g_autoptr(PxVideoDecoder) decoder = px_video_decoder_new ();
  guint decoded = 0;
  int index = 0;

  *first_decodable = -1;
  for (guint i = 0; i < viewer->frames->len; i++)
    {
      PxRigTestFrame *frame = &g_array_index (viewer->frames, PxRigTestFrame, i);
      PxVolumetricPayload parsed;
      const guint8 *bytes;
      gsize size;

      if (frame->payload == NULL)
        continue;
      bytes = g_bytes_get_data (frame->payload, &size);
      g_assert_true (px_volumetric_payload_parse (bytes, size, &parsed, NULL));
      for (guint k = 0; k < parsed.n_packets; k++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(PxFrame) image = px_video_decoder_decode (decoder, parsed.packets[k].data,
                                                              parsed.packets[k].size,
                                                              parsed.packets[k].sequence,
                                                              frame->capture_time, &error);

          if (image == NULL)
            continue;
          g_assert_cmpuint (image->width, ==, width);
          g_assert_cmpuint (image->height, ==, height);
          decoded++;
          if (*first_decodable < 0)
            *first_decodable = index;
        }
      index++;
    }
  return decoded;
}

static gboolean
has_prefix (const char         *name,
            const char * const *prefixes)
{
  for (guint i = 0; prefixes[i] != NULL; i++)
    if (g_str_has_prefix (name, prefixes[i]))
      return TRUE;
  return FALSE;
}

/* utime + stime of a /proc …/stat line, in clock ticks; the name (in
 * parentheses) may hold spaces, so fields are counted after its end. */
static guint64
stat_ticks (const char *stat)
{
  const char *end = strrchr (stat, ')');
  g_auto(GStrv) fields = NULL;

  if (end == NULL)
    return 0;
  fields = g_strsplit (end + 2, " ", -1);
  /* After the name: state is field 3, utime 14 and stime 15. */
  if (g_strv_length (fields) < 13)
    return 0;
  return g_ascii_strtoull (fields[11], NULL, 10) + g_ascii_strtoull (fields[12], NULL, 10);
}

double
px_rig_test_cpu_seconds (const char * const *prefixes)
{
  g_autoptr(GDir) dir = NULL;
  const char *tid;
  guint64 ticks = 0;

  if (prefixes == NULL)
    {
      g_autofree char *stat = NULL;

      if (g_file_get_contents ("/proc/self/stat", &stat, NULL, NULL))
        ticks = stat_ticks (stat);
      return (double) ticks / sysconf (_SC_CLK_TCK);
    }

  dir = g_dir_open ("/proc/self/task", 0, NULL);
  while (dir != NULL && (tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *comm_path = g_build_filename ("/proc/self/task", tid, "comm", NULL);
      g_autofree char *stat_path = g_build_filename ("/proc/self/task", tid, "stat", NULL);
      g_autofree char *comm = NULL;
      g_autofree char *stat = NULL;

      if (!g_file_get_contents (comm_path, &comm, NULL, NULL)
          || !g_file_get_contents (stat_path, &stat, NULL, NULL))
        continue;
      g_strchomp (comm);
      if (has_prefix (comm, prefixes))
        ticks += stat_ticks (stat);
    }
  return (double) ticks / sysconf (_SC_CLK_TCK);
}

gboolean
px_rig_test_has_thread (const char *prefix)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *tid;

  while (dir != NULL && (tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *comm_path = g_build_filename ("/proc/self/task", tid, "comm", NULL);
      g_autofree char *comm = NULL;

      if (g_file_get_contents (comm_path, &comm, NULL, NULL) && g_str_has_prefix (comm, prefix))
        return TRUE;
    }
  return FALSE;
}
