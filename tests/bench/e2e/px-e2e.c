/* px-e2e.c: glass-to-glass latency of the whole path, measured from pixels
 *
 * One program in four roles, each its own process on this machine:
 *
 *   px-e2e run [--seconds N] [--receivers N] [--server PATH] [--warmup S]
 *              [--no-render] [--frames N --check]
 *       the driver: a private PipeWire (the test harness), a parallax-server,
 *       then the three roles below; prints the figures. With --frames it
 *       runs until that many codes were read, however long that takes, and
 *       --check fails unless frames flowed with every stage's timestamps
 *       and pixels and metadata agree.
 *   px-e2e studio --out FILE      the synthetic studio's two cameras as
 *       PipeWire nodes at 30 fps (one second of frames rendered, then played
 *       again), each frame set with its number drawn on the person's chest
 *       (px-frame-code.h); logs when each frame was made.
 *   px-e2e send --url URL --out FILE     captures the two nodes and
 *       publishes them as a rig (PxRigPublisher: VP8, the server
 *       reconstructs); logs each set's timings.
 *   px-e2e receive --url URL --out FILE [--sessions N] [--no-render]
 *       N subscribing sessions, each decoding the volumetric frames with its
 *       own PxVolumetricReceiver on a thread of its own (dropping frames and
 *       asking for a keyframe when it falls behind); the first also draws
 *       the newest decoded frame with PxStageRenderer into an offscreen EGL
 *       surface, reads the pixels back and the frame code off them; logs
 *       every frame.
 *
 * Every instant is g_get_monotonic_time() (CLOCK_MONOTONIC, the same clock in
 * every process here); the server's instants are brought to it with the
 * receiving session's clock offset. Latency from pixels: the instant the
 * receiver had the drawn pixels back, minus the instant the studio made the
 * frame whose number it read there. Latency from metadata: the same drawn
 * instant minus the capture time the frame carried through the pipeline.
 *
 * The driver's last line:
 *   e2e p50_ms=… p95_ms=… p99_ms=… fps=… down_kbps=… up_kbps=…
 * to which e2e.sh adds audio_p50_ms=… audio_p95_ms=… from bench-call-latency.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib-unix.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "media/px-rig-publisher.h"
#include "media/px-volumetric-receiver.h"
#include "net/px-session.h"
#include "net/px-token.h"
#include "recon/px-rig.h"
#include "render/px-headless-context.h"
#include "render/px-participant.h"
#include "render/px-stage-renderer.h"
#include "studio/px-frame-code.h"
#include "studio/px-studio-publisher.h"
#include "studio/px-studio.h"
#include "px-test-harness.h"

#define ROOM "e2e"
#define FPS 30
#define STUDIO_LOOP_FRAMES FPS
#define RENDER_WIDTH 640
#define RENDER_HEIGHT 480
#define JOIN_TIMEOUT_MS 20000
/* Processes measured: studio, sender, server, receiver. */
#define N_ROLES 4
static const double SEND_VOLUME_MIN[3] = { -1.0, 0.0, -0.6 };
static const double SEND_VOLUME_MAX[3] = { 1.0, 2.2, 0.7 };
/* Volumetric frames waiting for a receiver's decode thread from which it
 * drops frames and waits for a keyframe. */
#define RECEIVE_BACKLOG 3
/* --frames: how long the pipeline may stand still before the check fails. */
#define STALL_SECONDS 120

static GMainLoop *loop;

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static FILE *
open_out (const char *path)
{
  FILE *out = fopen (path, "w");

  if (out == NULL)
    g_error ("Cannot write %s: %s", path, g_strerror (errno));
  return out;
}

/* ------------------------------------------------------------------------ */
/* studio                                                                   */

typedef struct
{
  PxStudioPublisher *publisher;
  FILE *out;
  guint64 next;      /* lowest frame number not logged yet */
  gint64 start;
} StudioRole;

static gboolean
studio_log_cb (gpointer data)
{
  StudioRole *role = data;
  guint64 bound = (guint64) ((g_get_monotonic_time () - role->start) * FPS / G_USEC_PER_SEC) + 4;

  /* Frame numbers follow the clock; the ones skipped were never made. */
  for (guint64 n = role->next; n < bound; n++)
    {
      gint64 made = px_studio_publisher_get_made_time (role->publisher, n);

      if (made != 0)
        {
          fprintf (role->out, "M %" G_GUINT64_FORMAT " %" G_GINT64_FORMAT "\n", n, made);
          role->next = n + 1;
        }
    }
  fflush (role->out);
  return G_SOURCE_CONTINUE;
}

static int
run_studio (const char *out_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PxStudioRig) rig = px_studio_rig_new_default ();
  g_autoptr(PxStudioPerson) person = px_studio_person_new (1.75, 7);
  g_autoptr(PxStudio) studio = px_studio_new (rig, person, 11, 0);
  StudioRole role = { 0 };

  role.publisher = px_studio_publisher_new (studio, FPS, 0);
  px_studio_publisher_set_frame_code (role.publisher, TRUE);
  /* Cameras cost the sender nothing; the studio standing in for them
   * should cost the shared cores little: it renders one second of frames
   * and plays them again, each with its own number. */
  px_studio_publisher_set_loop (role.publisher, STUDIO_LOOP_FRAMES);
  role.out = open_out (out_path);
  if (!px_studio_publisher_start (role.publisher, &error))
    {
      g_printerr ("studio: %s\n", error->message);
      return 1;
    }
  /* The publisher's clock starts at start(). */
  role.start = g_get_monotonic_time ();
  g_timeout_add (100, studio_log_cb, &role);
  g_unix_signal_add (SIGTERM, quit_cb, NULL);
  g_main_loop_run (loop);
  studio_log_cb (&role);
  px_studio_publisher_stop (role.publisher);
  g_object_unref (role.publisher);
  fclose (role.out);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* sessions                                                                 */

static char *
mint (const char *identity,
      gboolean    can_publish)
{
  const char *secret = g_getenv ("PX_E2E_SECRET");
  g_autoptr(GBytes) key = NULL;
  PxTokenClaims *claims;
  char *token;

  if (secret == NULL)
    g_error ("PX_E2E_SECRET is not set");
  key = g_bytes_new (secret, strlen (secret));
  claims = px_token_claims_new (ROOM, identity, identity, g_get_real_time () / G_USEC_PER_SEC + 3600,
                                can_publish, TRUE);
  token = px_token_mint (claims, key);
  px_token_claims_free (claims);
  return token;
}

typedef struct
{
  gboolean done;
  GError *error;
} Join;

static void
joined_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Join *join = data;

  px_session_join_finish (PX_SESSION (source), result, &join->error);
  join->done = TRUE;
}

static PxSession *
join (const char *url,
      const char *identity,
      gboolean    can_publish)
{
  g_autofree char *token = mint (identity, can_publish);
  PxSession *session = px_session_new (url, ROOM, token);
  Join state = { 0 };
  gint64 deadline = g_get_monotonic_time () + JOIN_TIMEOUT_MS * 1000;

  px_session_join_async (session, NULL, joined_cb, &state);
  while (!state.done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  if (!state.done || state.error != NULL)
    g_error ("%s could not join %s: %s", identity, url,
             state.error != NULL ? state.error->message : "timed out");
  return session;
}

/* ------------------------------------------------------------------------ */
/* send                                                                     */

typedef struct
{
  FILE *out;
} SendRole;

static void
set_sent_cb (PxRigPublisher              *publisher,
             const PxRigPublisherTimings *t,
             gpointer                     data)
{
  SendRole *role = data;

  fprintf (role->out, "S %u %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
           " %" G_GINT64_FORMAT " %" G_GSIZE_FORMAT "\n",
           t->sequence, t->capture_time, t->grouped, t->encoded, t->sent, t->bytes);
  fflush (role->out);
}

static void
camera_error_cb (PxRigPublisher *publisher,
                 const GError   *error,
                 gpointer        data)
{
  g_printerr ("send: camera: %s\n", error->message);
}

static int
run_send (const char *url,
          const char *out_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PxStudioRig) studio_rig = px_studio_rig_new_default ();
  g_autoptr(PxRig) rig = NULL;
  g_autoptr(PxSession) session = join (url, "studio", TRUE);
  g_autoptr(PxRigPublisher) publisher = NULL;
  SendRole role = { open_out (out_path) };

  /* The capture volume is the space the person uses (standing at z = 0,
   * gesturing forward), not the whole room: its nearest point sets the
   * stereo search range, so a volume 1.3 m deep instead of 2 m halves it. */
  px_studio_rig_set_capture_volume (studio_rig, SEND_VOLUME_MIN, SEND_VOLUME_MAX);
  rig = px_studio_rig_to_rig (studio_rig);
  publisher = px_rig_publisher_new (session, rig);

  px_rig_publisher_set_cameras (publisher, NULL, (const char *[]) { "left", "right", NULL });
  g_signal_connect (publisher, "set-sent", G_CALLBACK (set_sent_cb), &role);
  g_signal_connect (publisher, "camera-error", G_CALLBACK (camera_error_cb), &role);
  if (!px_rig_publisher_start (publisher, &error))
    {
      g_printerr ("send: %s\n", error->message);
      return 1;
    }
  g_unix_signal_add (SIGTERM, quit_cb, NULL);
  g_main_loop_run (loop);
  px_rig_publisher_stop (publisher);
  px_session_leave (session);
  fclose (role.out);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* receive                                                                  */

typedef struct _ReceiveRole ReceiveRole;

/* One receiving session. Its volumetric frames are decoded in order on a
 * thread of its own, so that the main loop keeps reading the sockets (and
 * stamps arrivals when they happen) while frames decode and draw. */
typedef struct
{
  ReceiveRole *role;
  guint index;
  PxSession *session;
  PxVolumetricReceiver *receiver;   /* used on the decode thread only */
  guint stream;                     /* atomic: the volumetric stream, 0 before a calibration */
  guint32 publisher;
  guint64 bytes;
  guint64 depth_bytes;              /* of the coded depth inside them */
  GThreadPool *pool;
  gint queued_keyframes;            /* atomic: keyframes waiting for the decode thread */
} Receiver;

/* A job for a receiver's decode thread: a frame, or a calibration. */
typedef struct
{
  Receiver *receiver;
  JsonObject *calibration;
  guint32 sequence;
  guint16 flags;
  gint64 capture_time;
  gint64 arrived;
  guint64 bytes;         /* the receiver's counts when it arrived */
  guint64 depth_bytes;
  GBytes *payload;
} Job;

/* A decoded frame of the first session, waiting to be drawn. */
typedef struct
{
  Receiver *receiver;
  PxVolumetricView *view;
  gint64 capture_time;
  gint64 arrived;
  guint64 bytes;
  guint64 depth_bytes;
} Decoded;

struct _ReceiveRole
{
  FILE *out;
  GMutex out_lock;
  Receiver *receivers;
  guint n_receivers;
  gboolean render;
  PxHeadlessContext *context;
  PxStageRenderer *renderer;
  PxParticipant *participant;
  gboolean volume_set;
  PxFrameCodeHint hint;
  Decoded *newest;       /* main thread: the next frame to draw */
  guint draw_source;
};

static void
job_free (Job *job)
{
  g_clear_pointer (&job->calibration, json_object_unref);
  g_clear_pointer (&job->payload, g_bytes_unref);
  g_free (job);
}

static void
decoded_free (Decoded *decoded)
{
  px_volumetric_view_unref (decoded->view);
  g_free (decoded);
}

static void
calibration_cb (PxSession            *session,
                PxSessionParticipant *participant,
                JsonObject           *data,
                gpointer              user_data)
{
  Receiver *receiver = user_data;
  Job *job;

  if (!json_object_has_member (data, "rig"))
    return;
  receiver->publisher = px_session_participant_get_id (participant);
  job = g_new0 (Job, 1);
  job->receiver = receiver;
  job->calibration = json_object_ref (data);
  g_thread_pool_push (receiver->pool, job, NULL);
}

static gboolean
request_keyframe_cb (gpointer user_data)
{
  Receiver *receiver = user_data;
  guint stream = g_atomic_int_get (&receiver->stream);

  if (receiver->publisher != 0 && stream != 0)
    px_session_request_keyframe (receiver->session, receiver->publisher, stream);
  return G_SOURCE_REMOVE;
}

/* Emitted on the decode thread; the session lives on the main one. */
static void
keyframe_needed_cb (PxVolumetricReceiver *volumetric,
                    gpointer              user_data)
{
  g_main_context_invoke (NULL, request_keyframe_cb, user_data);
}

/* Draws the view, reads the pixels back and the code off them. */
static void
draw (ReceiveRole       *role,
      PxVolumetricView  *view,
      gint64            *uploaded,
      gint64            *drawn,
      gint              *code)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *rgba = NULL;
  PxParticipantView pview;
  guint value;
  gsize stride;

  if (!role->volume_set)
    {
      px_participant_set_capture_volume (role->participant, view->volume_min, view->volume_max);
      role->volume_set = TRUE;
    }
  px_volumetric_view_get_participant_view (view, &pview);
  if (!px_participant_set_views (role->participant, &pview, 1, &error))
    g_error ("receive: views: %s", error->message);
  *uploaded = g_get_monotonic_time ();
  if (!px_stage_renderer_render (role->renderer, RENDER_WIDTH, RENDER_HEIGHT, &error))
    g_error ("receive: render: %s", error->message);
  rgba = px_headless_context_read_rgba (role->context, &stride);
  *drawn = g_get_monotonic_time ();
  *code = -1;
  if (px_frame_code_read (rgba, stride, RENDER_WIDTH, RENDER_HEIGHT, 4, 4, 40, &role->hint, &value))
    *code = (gint) value;
}

/* R session sequence capture received built decode rectify stereo segment
 *   depth coding arrived decoded uploaded drawn code bytes depth-bytes
 * (instants local; received and built brought from the server's clock). */
static void
log_view (Receiver         *receiver,
          PxVolumetricView *view,
          gint64            capture_time,
          gint64            arrived,
          guint64           bytes,
          guint64           depth_bytes,
          gint64            uploaded,
          gint64            drawn,
          gint              code)
{
  ReceiveRole *role = receiver->role;
  PxSession *session = receiver->session;
  const PxVolumetricTimings *t = &view->timings;

  g_mutex_lock (&role->out_lock);
  fprintf (role->out,
           "R %u %u %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
           " %u %u %u %u %u %u %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
           " %" G_GINT64_FORMAT " %d %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT "\n",
           receiver->index, view->sequence, capture_time,
           view->has_timings ? px_session_to_local_time (session, t->received) : 0,
           view->has_timings ? px_session_to_local_time (session, t->built) : 0,
           t->decode_us, t->rectify_us, t->stereo_us, t->segment_us, t->depth_us, t->depth_coding_us,
           arrived, view->decoded_local, uploaded, drawn, code, bytes, depth_bytes);
  fflush (role->out);
  g_mutex_unlock (&role->out_lock);
}

/* Frames decoded faster than they are drawn: only the newest is drawn
 * (latest wins here as everywhere video queues up); the others are logged
 * as decoded. */
static gboolean
draw_cb (gpointer data)
{
  ReceiveRole *role = data;
  Decoded *decoded = g_steal_pointer (&role->newest);
  gint64 uploaded = 0, drawn = 0;
  gint code = -1;

  role->draw_source = 0;
  if (decoded == NULL)
    return G_SOURCE_REMOVE;
  draw (role, decoded->view, &uploaded, &drawn, &code);
  log_view (decoded->receiver, decoded->view, decoded->capture_time, decoded->arrived, decoded->bytes,
            decoded->depth_bytes, uploaded, drawn, code);
  decoded_free (decoded);
  return G_SOURCE_REMOVE;
}

static gboolean
decoded_cb (gpointer data)
{
  Decoded *decoded = data;
  ReceiveRole *role = decoded->receiver->role;

  if (role->newest != NULL)
    {
      Decoded *stale = g_steal_pointer (&role->newest);

      log_view (stale->receiver, stale->view, stale->capture_time, stale->arrived, stale->bytes,
                stale->depth_bytes, 0, 0, -1);
      decoded_free (stale);
    }
  role->newest = decoded;
  if (role->draw_source == 0)
    role->draw_source = g_idle_add (draw_cb, role);
  return G_SOURCE_REMOVE;
}

static void
decode_job_cb (gpointer data,
               gpointer user_data)
{
  Job *job = data;
  Receiver *receiver = user_data;
  g_autoptr(GError) error = NULL;
  PxVolumetricView *view;

  if (job->calibration != NULL)
    {
      if (!px_volumetric_receiver_set_calibration (receiver->receiver, job->calibration, &error))
        g_printerr ("receive %u: calibration: %s\n", receiver->index, error->message);
      else
        g_atomic_int_set (&receiver->stream, px_volumetric_receiver_get_stream (receiver->receiver));
      job_free (job);
      return;
    }

  /* A keyframe waiting behind this frame makes it unnecessary. */
  if (job->flags & PX_WIRE_FLAG_KEYFRAME)
    g_atomic_int_add (&receiver->queued_keyframes, -1);
  else if (g_atomic_int_get (&receiver->queued_keyframes) > 0)
    {
      job_free (job);
      return;
    }

  view = px_volumetric_receiver_push (receiver->receiver, job->sequence, job->flags,
                                      job->capture_time, job->payload, &error);
  if (view == NULL && error != NULL)
    g_printerr ("receive %u: %s\n", receiver->index, error->message);
  if (view != NULL && receiver->index == 0 && receiver->role->render)
    {
      Decoded *decoded = g_new (Decoded, 1);

      decoded->receiver = receiver;
      decoded->view = view;
      decoded->capture_time = job->capture_time;
      decoded->arrived = job->arrived;
      decoded->bytes = job->bytes;
      decoded->depth_bytes = job->depth_bytes;
      g_main_context_invoke (NULL, decoded_cb, decoded);
    }
  else if (view != NULL)
    {
      log_view (receiver, view, job->capture_time, job->arrived, job->bytes, job->depth_bytes, 0, 0, -1);
      px_volumetric_view_unref (view);
    }
  job_free (job);
}

static void
media_frame_cb (PxSession            *session,
                PxSessionParticipant *participant,
                guint                 kind,
                guint                 stream,
                guint                 flags,
                guint                 sequence,
                gint64                capture_time,
                GBytes               *payload,
                gpointer              user_data)
{
  Receiver *receiver = user_data;
  PxVolumetricPayload layout;
  gsize size;
  const guint8 *data = g_bytes_get_data (payload, &size);
  Job *job;

  if (kind != PX_WIRE_KIND_DEPTH || stream == 0 || stream != (guint) g_atomic_int_get (&receiver->stream))
    return;
  receiver->bytes += size + PX_WIRE_HEADER_SIZE;
  if (px_volumetric_payload_parse (data, size, &layout, NULL))
    receiver->depth_bytes += layout.depth_size;

  /* Decoding fell behind: rather than decode through a growing queue, drop
   * this frame; the receiver misses its colour packets and asks for a
   * keyframe, from which it goes on (latest wins). */
  if ((flags & PX_WIRE_FLAG_KEYFRAME) == 0 && g_thread_pool_unprocessed (receiver->pool) >= RECEIVE_BACKLOG)
    return;
  if (flags & PX_WIRE_FLAG_KEYFRAME)
    g_atomic_int_inc (&receiver->queued_keyframes);

  job = g_new0 (Job, 1);
  job->receiver = receiver;
  job->sequence = sequence;
  job->flags = flags;
  job->capture_time = capture_time;
  job->arrived = g_get_monotonic_time ();
  job->bytes = receiver->bytes;
  job->depth_bytes = receiver->depth_bytes;
  job->payload = g_bytes_ref (payload);
  g_thread_pool_push (receiver->pool, job, NULL);
}

static int
run_receive (const char *url,
             const char *out_path,
             guint       n_sessions,
             gboolean    render)
{
  g_autoptr(GError) error = NULL;
  ReceiveRole role = { 0 };

  g_mutex_init (&role.out_lock);
  role.out = open_out (out_path);
  role.render = render;
  if (render)
    {
      role.context = px_headless_context_new (PX_HEADLESS_API_GL, RENDER_WIDTH, RENDER_HEIGHT, &error);
      if (role.context == NULL)
        {
          g_printerr ("receive: no headless OpenGL: %s\n", error->message);
          return 77;
        }
      role.renderer = px_stage_renderer_new ();
      if (!px_stage_renderer_realize (role.renderer, &error))
        {
          g_printerr ("receive: renderer: %s\n", error->message);
          return 1;
        }
      px_stage_renderer_set_screen (role.renderer, 1.2, 0.9);
      px_stage_renderer_set_viewer (role.renderer, 0, 0, 1.5);
      role.participant = px_participant_new (PX_PARTICIPANT_VOLUMETRIC, "studio");
      px_stage_renderer_add_participant (role.renderer, role.participant);
    }

  role.n_receivers = n_sessions;
  role.receivers = g_new0 (Receiver, n_sessions);
  for (guint i = 0; i < n_sessions; i++)
    {
      Receiver *receiver = &role.receivers[i];
      g_autofree char *identity = g_strdup_printf ("viewer-%u", i);

      receiver->role = &role;
      receiver->index = i;
      receiver->receiver = px_volumetric_receiver_new ();
      receiver->pool = g_thread_pool_new_full (decode_job_cb, receiver, (GDestroyNotify) job_free, 1, TRUE, NULL);
      g_signal_connect (receiver->receiver, "keyframe-needed", G_CALLBACK (keyframe_needed_cb), receiver);
      receiver->session = join (url, identity, FALSE);
      g_signal_connect (receiver->session, "calibration", G_CALLBACK (calibration_cb), receiver);
      g_signal_connect (receiver->session, "media-frame", G_CALLBACK (media_frame_cb), receiver);
    }
  fprintf (role.out, "J %u\n", n_sessions);
  fflush (role.out);

  g_unix_signal_add (SIGTERM, quit_cb, NULL);
  g_main_loop_run (loop);

  for (guint i = 0; i < n_sessions; i++)
    {
      /* Queued frames are dropped; the one decoding finishes. */
      g_thread_pool_free (role.receivers[i].pool, TRUE, TRUE);
      px_session_leave (role.receivers[i].session);
    }
  /* Decoded frames the threads handed over that were not drawn. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_handle_id (&role.draw_source, g_source_remove);
  g_clear_pointer (&role.newest, decoded_free);
  for (guint i = 0; i < n_sessions; i++)
    {
      g_object_unref (role.receivers[i].session);
      g_object_unref (role.receivers[i].receiver);
    }
  g_free (role.receivers);
  if (role.renderer != NULL)
    {
      px_stage_renderer_unrealize (role.renderer);
      g_object_unref (role.renderer);
      g_object_unref (role.participant);
      g_object_unref (role.context);
    }
  fclose (role.out);
  g_mutex_clear (&role.out_lock);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* run: the driver                                                          */

typedef struct
{
  guint64 n;
  gint64 made;
} Made;

typedef struct
{
  guint32 sequence;
  gint64 capture, grouped, encoded, sent;
  gsize bytes;
} Sent;

typedef struct
{
  guint session;
  guint32 sequence;
  gint64 capture, received, built;
  guint decode, rectify, stereo, segment, depth, coding;
  gint64 recv, decoded, uploaded, drawn;
  gint code;
  guint64 bytes;
  guint64 depth_bytes;
} Got;

typedef struct
{
  GPid pid;
  const char *name;
  guint64 ticks_start;
  guint64 ticks_end;
  double rss_mb;
  double hwm_mb;
} Usage;

static guint64
read_ticks (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  /* The command name may hold spaces: fields count from after its ')'. */
  after = strrchr (text, ')');
  if (after == NULL)
    return 0;
  fields = g_strsplit (after + 2, " ", -1);
  if (g_strv_length (fields) < 15)
    return 0;
  /* utime and stime are fields 14 and 15 of the line, 12 and 13 here. */
  return g_ascii_strtoull (fields[11], NULL, 10) + g_ascii_strtoull (fields[12], NULL, 10);
}

static void
read_memory (Usage *usage)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", usage->pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], "VmRSS:"))
        usage->rss_mb = g_ascii_strtod (lines[i] + 6, NULL) / 1024;
      else if (g_str_has_prefix (lines[i], "VmHWM:"))
        usage->hwm_mb = g_ascii_strtod (lines[i] + 6, NULL) / 1024;
    }
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
percentile (GArray *values,
            double  fraction)
{
  double position;
  guint below;

  if (values->len == 0)
    return NAN;
  g_array_sort (values, compare_double);
  position = fraction * (values->len - 1);
  below = (guint) floor (position);
  if (below + 1 >= values->len)
    return g_array_index (values, double, values->len - 1);
  return g_array_index (values, double, below)
         + (position - below) * (g_array_index (values, double, below + 1)
                                 - g_array_index (values, double, below));
}

static double
median (GArray *values)
{
  return percentile (values, 0.5);
}

static GPtrArray *
read_records (const char *path,
              char        kind)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *records = g_ptr_array_new_with_free_func (g_free);

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return records;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (lines[i][0] != kind || lines[i][1] != ' ')
        continue;
      if (kind == 'M')
        {
          Made *m = g_new0 (Made, 1);

          if (sscanf (lines[i] + 2, "%" G_GUINT64_FORMAT " %" G_GINT64_FORMAT, &m->n, &m->made) == 2)
            g_ptr_array_add (records, m);
          else
            g_free (m);
        }
      else if (kind == 'S')
        {
          Sent *s = g_new0 (Sent, 1);

          if (sscanf (lines[i] + 2, "%u %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
                      " %" G_GINT64_FORMAT " %" G_GSIZE_FORMAT,
                      &s->sequence, &s->capture, &s->grouped, &s->encoded, &s->sent, &s->bytes) == 6)
            g_ptr_array_add (records, s);
          else
            g_free (s);
        }
      else if (kind == 'R')
        {
          Got *g = g_new0 (Got, 1);

          if (sscanf (lines[i] + 2,
                      "%u %u %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
                      " %u %u %u %u %u %u %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
                      " %" G_GINT64_FORMAT " %d %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT,
                      &g->session, &g->sequence, &g->capture, &g->received, &g->built,
                      &g->decode, &g->rectify, &g->stereo, &g->segment, &g->depth, &g->coding,
                      &g->recv, &g->decoded, &g->uploaded, &g->drawn, &g->code, &g->bytes,
                      &g->depth_bytes) == 18)
            g_ptr_array_add (records, g);
          else
            g_free (g);
        }
    }
  return records;
}

/* The set whose capture time is nearest @capture (the receiver's is the
 * sender's carried through two clock offsets), within half a frame. */
static Sent *
nearest_sent (GPtrArray *sent,
              gint64     capture)
{
  Sent *best = NULL;

  for (guint i = 0; i < sent->len; i++)
    {
      Sent *s = sent->pdata[i];

      if (ABS (s->capture - capture) < G_USEC_PER_SEC / FPS / 2
          && (best == NULL || ABS (s->capture - capture) < ABS (best->capture - capture)))
        best = s;
    }
  return best;
}

static gboolean
file_has_line (const char *path,
               const char *prefix,
               char      **line)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      {
        if (line != NULL)
          *line = g_strdup (lines[i]);
        return TRUE;
      }
  return FALSE;
}

static void
keep_file (const char *path,
           const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *file_name = g_strconcat (name, ".log", NULL);
  g_autofree char *copy = g_build_filename (g_getenv ("PX_E2E_KEEP"), file_name, NULL);
  gsize length;

  g_mkdir_with_parents (g_getenv ("PX_E2E_KEEP"), 0755);
  if (!g_file_get_contents (path, &contents, &length, &error) ||
      !g_file_set_contents (copy, contents, length, &error))
    g_printerr ("e2e: could not keep %s: %s\n", path, error->message);
}

static void
run_loop_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (20000);
    }
}

static PxTestProcess *
spawn (PxTestHarness      *harness,
       const char         *name,
       const char * const *argv,
       const char * const *env)
{
  g_autoptr(GError) error = NULL;
  PxTestProcess *process = px_test_harness_spawn (harness, name, argv, env, &error);

  if (process == NULL)
    g_error ("Cannot start %s: %s", name, error->message);
  return process;
}

/* Waits for @prefix in @path while @process runs. */
static char *
wait_for_line (PxTestProcess *process,
               const char    *path,
               const char    *prefix,
               guint          timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  char *line = NULL;

  while (!file_has_line (path, prefix, &line))
    {
      if (!px_test_process_is_running (process) || g_get_monotonic_time () > end)
        {
          g_autofree char *tail = px_test_process_read_log_tail (process, 2000);

          g_error ("%s did not say \"%s\" in time:\n%s", px_test_process_get_name (process), prefix, tail);
        }
      g_usleep (50000);
    }
  return line;
}

typedef struct
{
  guint seconds;
  guint frames;
  guint warmup;
  guint receivers;
  gboolean render;
  gboolean check;
  char *server;
  char *self_path;
} RunOptions;

static void
print_stage (const char *name,
             GArray     *values)
{
  printf ("  %-26s %7.1f ms  (p95 %.1f)\n", name, median (values), percentile (values, 0.95));
}

/* Prints the figures of one run; with --check, whether it passed. */
static int
report (const RunOptions *options,
        GPtrArray        *made,
        GPtrArray        *sent,
        GPtrArray        *got,
        const Usage      *usage,
        gint64            window_start,
        gint64            window_end)
{
  g_autoptr(GHashTable) made_by_n = g_hash_table_new (g_int64_hash, g_int64_equal);
  long ticks_per_second = sysconf (_SC_CLK_TCK);
  int status = 0;

  for (guint i = 0; i < made->len; i++)
    {
      Made *m = made->pdata[i];

      g_hash_table_insert (made_by_n, &m->n, m);
    }

  {
    g_autoptr(GArray) pixel = g_array_new (FALSE, FALSE, sizeof (double));
    g_autoptr(GArray) meta = g_array_new (FALSE, FALSE, sizeof (double));
    g_autoptr(GArray) disagree = g_array_new (FALSE, FALSE, sizeof (double));
    g_autoptr(GArray) decoded_meta = g_array_new (FALSE, FALSE, sizeof (double));
    g_autoptr(GArray) fanout_all = g_array_new (FALSE, FALSE, sizeof (double));
    GArray *stages[16];
    /* Top-level stages add up to the whole; "  …" ones are parts of the
     * server's (its queues are the rest). */
    static const char * const stage_names[] = {
      "capture (PipeWire, convert)", "encode (VP8, 2 cameras)", "send (session queue)",
      "to server, receive", "server: received -> built", "  decode (both frames, work)",
      "  rectify (grey + remap)", "  match (stereo)", "  segment", "  depth", "  depth code",
      "fan-out (server to client)", "receive, decode", "upload", "draw + read back",
      "sum of stages",
    };
    guint drawn = 0, read_codes = 0, wrong = 0, sets_sent = 0, viewer_views = 0;
    gsize up_bytes = 0;
    guint64 down_first = 0, down_last = 0, depth_first = 0, depth_last = 0;
    guint views_first = 0, views_last = 0;
    gint64 down_first_t = 0, down_last_t = 0;
    double seconds = (window_end - window_start) / (double) G_USEC_PER_SEC;
    double fps, down_kbps, up_kbps;
    double made_gap_ms = 0;
    GHashTable *per_session_views = g_hash_table_new (NULL, NULL);

    for (guint i = 0; i < G_N_ELEMENTS (stages); i++)
      stages[i] = g_array_new (FALSE, FALSE, sizeof (double));

    for (guint i = 0; i < sent->len; i++)
      {
        Sent *s = sent->pdata[i];

        if (s->sent >= window_start && s->sent < window_end)
          {
            up_bytes += s->bytes;
            sets_sent++;
          }
      }

    for (guint i = 0; i < got->len; i++)
      {
        Got *g = got->pdata[i];
        Sent *s;
        double value;

        if (g->decoded < window_start || g->decoded >= window_end)
          continue;
        g_hash_table_replace (per_session_views, GUINT_TO_POINTER (g->session),
                              GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (per_session_views,
                                                                                       GUINT_TO_POINTER (g->session))) + 1));
        value = (g->decoded - g->capture) / 1000.0;
        g_array_append_val (decoded_meta, value);
        if (g->built != 0)
          {
            value = (g->recv - g->built) / 1000.0;
            g_array_append_val (fanout_all, value);
          }
        if (g->session != 0)
          continue;
        viewer_views++;
        if (down_first_t == 0)
          {
            down_first = g->bytes;
            depth_first = g->depth_bytes;
            down_first_t = g->recv;
            views_first = viewer_views;
          }
        down_last = g->bytes;
        depth_last = g->depth_bytes;
        views_last = viewer_views;
        down_last_t = g->recv;
        if (g->drawn == 0)
          continue;
        drawn++;
        value = (g->drawn - g->capture) / 1000.0;
        g_array_append_val (meta, value);
        if (g->code >= 0)
          {
            Made *m = NULL;
            guint64 n;

            read_codes++;
            /* The newest frame made with that number (codes wrap at 2^16). */
            for (n = g->code; ; n += PX_FRAME_CODE_MODULO)
              {
                Made *candidate = g_hash_table_lookup (made_by_n, &(gint64) { (gint64) n });

                if (candidate == NULL || candidate->made > g->drawn)
                  break;
                m = candidate;
              }
            if (m != NULL)
              {
                double pixel_ms = (g->drawn - m->made) / 1000.0;

                g_array_append_val (pixel, pixel_ms);
                value = fabs (pixel_ms - (g->drawn - g->capture) / 1000.0);
                g_array_append_val (disagree, value);
                /* More than half a frame apart: another frame's time. */
                wrong += value > 1000.0 / FPS / 2;
              }
          }

        s = nearest_sent (sent, g->capture);
        if (s != NULL && g->built != 0)
          {
            double v[16] = {
              (s->grouped - s->capture) / 1000.0,
              (s->encoded - s->grouped) / 1000.0,
              (s->sent - s->encoded) / 1000.0,
              (g->received - s->sent) / 1000.0,
              (g->built - g->received) / 1000.0,
              g->decode / 1000.0,
              g->rectify / 1000.0, g->stereo / 1000.0, g->segment / 1000.0, g->depth / 1000.0,
              g->coding / 1000.0,
              (g->recv - g->built) / 1000.0,
              (g->decoded - g->recv) / 1000.0,
              (g->uploaded - g->decoded) / 1000.0,
              (g->drawn - g->uploaded) / 1000.0,
              (g->drawn - s->capture) / 1000.0,
            };

            for (guint k = 0; k < G_N_ELEMENTS (v); k++)
              g_array_append_val (stages[k], v[k]);
          }
      }

    for (guint i = 1; i < made->len; i++)
      made_gap_ms = MAX (made_gap_ms, (((Made *) made->pdata[i])->made - ((Made *) made->pdata[i - 1])->made) / 1000.0);

    /* Delivered: frames that reached the glass (decoded, without drawing). */
    fps = (options->render ? drawn : viewer_views) / seconds;
    down_kbps = down_last_t > down_first_t ? (down_last - down_first) * 8.0 / 1000.0
                                             / ((down_last_t - down_first_t) / (double) G_USEC_PER_SEC)
                                           : 0;
    up_kbps = up_bytes * 8.0 / 1000.0 / seconds;

    printf ("Glass to glass: synthetic studio (2 cameras, 640x480, %u fps) -> PipeWire -> capture + VP8 "
            "-> parallax-server (reconstruction) -> %u receiving session(s) -> %s, loopback, %.1f s "
            "after %u s of warm-up\n",
            FPS, options->receivers, options->render ? "decode + draw (EGL offscreen) + read back"
                                                     : "decode", seconds, options->warmup);
    printf ("frames: %u sets sent (%.1f/s), %u volumetric frames decoded by the viewer (%.1f/s), "
            "%u drawn (%.1f/s), %u codes read (%.0f%%), %u codes more than half a frame off the "
            "frame's capture time\n",
            sets_sent, sets_sent / seconds, viewer_views, viewer_views / seconds, drawn, drawn / seconds,
            read_codes, drawn ? 100.0 * read_codes / drawn : 0.0, wrong);
    {
      double load[3];

      if (getloadavg (load, 3) == 3)
        printf ("machine: %d cores, load average %.1f (1 min) at the end of the run\n",
                (int) g_get_num_processors (), load[0]);
    }
    {
        GHashTableIter iter;
        gpointer key, value;
        guint least = G_MAXUINT;

        g_hash_table_iter_init (&iter, per_session_views);
        while (g_hash_table_iter_next (&iter, &key, &value))
          least = MIN (least, GPOINTER_TO_UINT (value));
        if (g_hash_table_size (per_session_views) < options->receivers)
          least = 0;
        printf ("sessions: the slowest of %u decoded %.1f frames/s; capture -> decoded p50 %.1f ms, "
                "p95 %.1f ms over all sessions; fan-out (built -> received) p50 %.1f ms, p95 %.1f ms\n",
                options->receivers, least / seconds, median (decoded_meta), percentile (decoded_meta, 0.95),
                median (fanout_all), percentile (fanout_all, 0.95));
        /* For tests/bench/e2e.sh --scale. */
        printf ("e2e-scale receivers=%u server_cpu_pct=%.1f server_rss_mb=%.1f p50_ms=%.1f p95_ms=%.1f "
                "decoded_p50_ms=%.1f fanout_p50_ms=%.1f fanout_p95_ms=%.1f slowest_fps=%.1f\n",
                options->receivers,
                100.0 * (usage[2].ticks_end - usage[2].ticks_start) / ticks_per_second / seconds,
                usage[2].hwm_mb,
                options->render ? median (pixel) : median (decoded_meta),
                options->render ? percentile (pixel, 0.95) : percentile (decoded_meta, 0.95),
                median (decoded_meta), median (fanout_all), percentile (fanout_all, 0.95), least / seconds);
    }
    if (options->render)
      {
        printf ("latency from pixels (frame made -> drawn pixels read back): p50 %.1f ms, p95 %.1f ms, "
                "p99 %.1f ms over %u frames\n",
                median (pixel), percentile (pixel, 0.95), percentile (pixel, 0.99), pixel->len);
        printf ("latency from metadata (capture time carried -> drawn): p50 %.1f ms, p95 %.1f ms, "
                "p99 %.1f ms; |pixels - metadata| p50 %.2f ms, max %.2f ms\n",
                median (meta), percentile (meta, 0.95), percentile (meta, 0.99), median (disagree),
                percentile (disagree, 1.0));
      }
    printf ("per stage, medians from the pipeline's own timestamps (the same frames):\n");
    for (guint k = 0; k < G_N_ELEMENTS (stages); k++)
      {
        if (k >= 13 && !options->render)
          break;
        print_stage (stage_names[k], stages[k]);
      }
    printf ("studio: %u frame sets made in all, longest gap between two %.1f ms\n", made->len, made_gap_ms);
    printf ("bandwidth per participant: down %.0f kbit/s (the viewer, volumetric frames), up %.0f kbit/s "
            "(the rig publisher, 2 VP8 streams)\n", down_kbps, up_kbps);
    if (views_last > views_first)
      {
        /* VP8 rate control keeps a camera's bitrate whatever the frame
         * rate; the depth grid is per frame. */
        double depth_per_frame = (depth_last - depth_first) / (double) (views_last - views_first);

        printf ("downlink at the full %u fps: the left camera's colour (%.0f kbit/s, half the uplink) + "
                "depth %.1f KB a frame x %u = %.0f kbit/s\n",
                FPS, up_kbps / 2, depth_per_frame / 1000, FPS,
                up_kbps / 2 + depth_per_frame * 8 * FPS / 1000);
      }
    {
      guint made_in_window = 0;
      /* What each process did per second, to give its CPU a unit. */
      double rates[N_ROLES];
      static const char * const units[N_ROLES] = { "set made", "set sent", "set reconstructed", "frame decoded" };

      for (guint i = 0; i < made->len; i++)
        made_in_window += ((Made *) made->pdata[i])->made >= window_start
                          && ((Made *) made->pdata[i])->made < window_end;
      rates[0] = made_in_window / seconds;
      rates[1] = sets_sent / seconds;
      rates[2] = viewer_views / seconds;
      rates[3] = decoded_meta->len / seconds;
      printf ("processes (CPU %% of one core over the window, CPU per unit of work, RSS now / peak):\n");
      for (guint i = 0; i < N_ROLES; i++)
        {
          double cpu = (usage[i].ticks_end - usage[i].ticks_start) / (double) ticks_per_second / seconds;

          printf ("  %-30s %6.1f %%  %6.1f ms a %-18s %6.1f MB / %6.1f MB\n", usage[i].name, 100.0 * cpu,
                  rates[i] > 0 ? 1000.0 * cpu / rates[i] : NAN, units[i], usage[i].rss_mb, usage[i].hwm_mb);
        }
    }
    printf ("e2e p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f fps=%.1f down_kbps=%.0f up_kbps=%.0f\n",
            options->render ? median (pixel) : median (decoded_meta),
            options->render ? percentile (pixel, 0.95) : percentile (decoded_meta, 0.95),
            options->render ? percentile (pixel, 0.99) : percentile (decoded_meta, 0.99),
            fps, down_kbps, up_kbps);
    fflush (stdout);

    /* The short check: frames flowed, codes were read, and pixels and
     * metadata agree. No limit on how long anything took. */
    if (options->check)
      {
        gboolean ok = TRUE;

        if (viewer_views < 3)
          {
            printf ("check failed: only %u volumetric frames reached the viewer\n", viewer_views);
            ok = FALSE;
          }
        if (options->render && pixel->len < 3)
          {
            printf ("check failed: only %u frame codes read from the drawn pixels\n", pixel->len);
            ok = FALSE;
          }
        if (options->render && pixel->len > 0 && median (disagree) > 5)
          {
            printf ("check failed: pixels and metadata disagree by %.1f ms (median)\n", median (disagree));
            ok = FALSE;
          }
        /* Every stage stamped the frames: the sender's sets match them and
         * the server's timings came along. */
        if (stages[0]->len == 0)
          {
            printf ("check failed: no frame drawn carried the sender's and the server's timestamps\n");
            ok = FALSE;
          }
        if (wrong * 4 > pixel->len)
          {
            printf ("check failed: %u frames carried another capture time than the frame drawn\n", wrong);
            ok = FALSE;
          }
        status = ok ? 0 : 1;
      }
    for (guint i = 0; i < G_N_ELEMENTS (stages); i++)
      g_array_unref (stages[i]);
    g_hash_table_unref (per_session_views);
  }

  return status;
}

static int
run_driver (RunOptions *options)
{
  g_autoptr(GError) error = NULL;
  PxTestHarness *harness;
  g_autofree char *secret = px_random_hex (32);
  g_autofree char *secret_env = g_strdup_printf ("PARALLAX_SECRET=%s", secret);
  g_autofree char *e2e_env = g_strdup_printf ("PX_E2E_SECRET=%s", secret);
  g_autofree char *line = NULL;
  g_autofree char *url = NULL;
  g_autofree char *made_path = NULL, *sent_path = NULL, *got_path = NULL;
  g_autofree char *sessions = g_strdup_printf ("%u", options->receivers);
  g_autoptr(GPtrArray) made = NULL, sent = NULL, got = NULL;
  PxTestProcess *server, *studio, *sender, *receiver;
  Usage usage[N_ROLES] = { { 0 } };
  gint64 window_start, window_end;
  int status;
  const char *server_env[] = {
    secret_env, "PARALLAX_MAX_PARTICIPANTS_PER_ROOM=64", "PARALLAX_MAX_CONNECTIONS_PER_IP=64",
    "PARALLAX_JOINS_PER_SECOND=50", NULL
  };
  const char *child_env[] = { e2e_env, NULL };

  harness = px_test_harness_new ();
  if (!px_test_harness_start_pipewire (harness))
    {
      g_printerr ("e2e: no private PipeWire (pipewire and wireplumber installed?)\n");
      px_test_harness_free (harness);
      return 77;
    }
  made_path = g_build_filename (px_test_harness_get_tmp_dir (harness), "made.log", NULL);
  sent_path = g_build_filename (px_test_harness_get_tmp_dir (harness), "sent.log", NULL);
  got_path = g_build_filename (px_test_harness_get_tmp_dir (harness), "got.log", NULL);

  server = spawn (harness, "parallax-server",
                  (const char *[]) { options->server, "--address", "127.0.0.1", "--port", "0", NULL },
                  server_env);
  line = wait_for_line (server, px_test_process_get_log_path (server), "parallax-server: listening on ",
                        20000);
  url = g_strdup (line + strlen ("parallax-server: listening on "));
  g_strstrip (url);

  studio = spawn (harness, "studio",
                  (const char *[]) { options->self_path, "studio", "--out", made_path, NULL }, child_env);
  if (!px_test_harness_wait_for_object (harness, PX_TEST_PW_TYPE_NODE, "node.name", "right", 20000,
                                        NULL, &error))
    g_error ("The studio's cameras did not appear: %s", error->message);

  receiver = spawn (harness, "receive",
                    (const char *[]) { options->self_path, "receive", "--url", url, "--out", got_path,
                                       "--sessions", sessions,
                                       options->render ? "--render" : "--no-render", NULL },
                    child_env);
  g_free (wait_for_line (receiver, got_path, "J ", 20000 + 1000 * options->receivers));
  sender = spawn (harness, "send",
                  (const char *[]) { options->self_path, "send", "--url", url, "--out", sent_path, NULL },
                  child_env);

  usage[0] = (Usage) { px_test_process_get_pid (studio), "studio (2 cameras, PipeWire)" };
  usage[1] = (Usage) { px_test_process_get_pid (sender), "sender (capture + VP8)" };
  usage[2] = (Usage) { px_test_process_get_pid (server), "parallax-server" };
  usage[3] = (Usage) { px_test_process_get_pid (receiver), options->render ? "receiver (decode + draw)"
                                                                           : "receiver (decode)" };

  /* Warm-up: joins, keyframes, the codecs' rate control settle. */
  run_loop_for (options->warmup * 1000);
  window_start = g_get_monotonic_time ();
  for (guint i = 0; i < G_N_ELEMENTS (usage); i++)
    usage[i].ticks_start = read_ticks (usage[i].pid);
  if (options->frames > 0)
    {
      /* Until that many codes were read off the drawn pixels, however long
       * a slow machine takes; only a pipeline that stopped moving fails. */
      guint count = 0;
      gint64 progress = g_get_monotonic_time ();

      while (count < options->frames)
        {
          g_autoptr(GPtrArray) records = read_records (got_path, 'R');
          guint now = 0;

          for (guint i = 0; i < records->len; i++)
            now += ((Got *) records->pdata[i])->session == 0 && ((Got *) records->pdata[i])->code >= 0;
          if (now > count)
            progress = g_get_monotonic_time ();
          count = now;
          if (g_get_monotonic_time () - progress > (gint64) STALL_SECONDS * G_USEC_PER_SEC
              || !px_test_process_is_running (studio) || !px_test_process_is_running (sender)
              || !px_test_process_is_running (receiver) || !px_test_process_is_running (server))
            {
              printf ("check failed: %u frame codes read, then nothing for %d s or a process ended\n",
                      count, STALL_SECONDS);
              break;
            }
          run_loop_for (200);
        }
    }
  else
    run_loop_for (options->seconds * 1000);
  window_end = g_get_monotonic_time ();
  for (guint i = 0; i < G_N_ELEMENTS (usage); i++)
    {
      usage[i].ticks_end = read_ticks (usage[i].pid);
      read_memory (&usage[i]);
    }
  {
    PxTestProcess *roles[] = { server, studio, sender, receiver };

    for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
      if (!px_test_process_is_running (roles[i]))
        {
          g_autofree char *tail = px_test_process_read_log_tail (roles[i], 3000);

          g_printerr ("e2e: %s stopped early:\n%s\n", px_test_process_get_name (roles[i]), tail);
        }
  }

  px_test_harness_stop_process (harness, sender);
  px_test_harness_stop_process (harness, receiver);
  px_test_harness_stop_process (harness, studio);
  /* PX_E2E_KEEP=DIR keeps the logs and records to look at. */
  if (g_getenv ("PX_E2E_KEEP") != NULL)
    {
      PxTestProcess *all[] = { server, studio, sender, receiver };

      for (guint i = 0; i < G_N_ELEMENTS (all); i++)
        keep_file (px_test_process_get_log_path (all[i]), px_test_process_get_name (all[i]));
      keep_file (made_path, "made");
      keep_file (sent_path, "sent");
      keep_file (got_path, "got");
    }

  made = read_records (made_path, 'M');
  sent = read_records (sent_path, 'S');
  got = read_records (got_path, 'R');

  status = report (options, made, sent, got, usage, window_start, window_end);
  px_test_harness_free (harness);
  return status;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *url = NULL;
  RunOptions options = { 10, 0, 4, 1, TRUE, FALSE, NULL, NULL };
  gboolean no_render = FALSE, render = FALSE;
  gint seconds = 10, warmup = 4, receivers = 1, sessions = 1, frames = 0;
  const GOptionEntry entries[] = {
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "Seconds measured (run)", "N" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "Seconds before measuring (run)", "N" },
    { "frames", 0, 0, G_OPTION_ARG_INT, &frames, "Measure until N codes were read, however long (run)", "N" },
    { "receivers", 0, 0, G_OPTION_ARG_INT, &receivers, "Receiving sessions (run)", "N" },
    { "sessions", 0, 0, G_OPTION_ARG_INT, &sessions, "Receiving sessions (receive)", "N" },
    { "server", 0, 0, G_OPTION_ARG_FILENAME, &options.server, "parallax-server to start (run)", "PATH" },
    { "check", 0, 0, G_OPTION_ARG_NONE, &options.check, "Fail unless frames flow and timings agree (run)", NULL },
    { "no-render", 0, 0, G_OPTION_ARG_NONE, &no_render, "Decode only", NULL },
    { "render", 0, 0, G_OPTION_ARG_NONE, &render, "Draw the first session (receive)", NULL },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "Where to log", "FILE" },
    { "url", 0, 0, G_OPTION_ARG_STRING, &url, "The server", "URL" },
    { NULL }
  };
  const char *role;
  int status;

  context = g_option_context_new ("run|studio|send|receive");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc < 2)
    {
      g_printerr ("px-e2e: %s\n", error != NULL ? error->message : "which role? run, studio, send or receive");
      return 2;
    }
  role = argv[1];
  loop = g_main_loop_new (NULL, FALSE);
  /* Unbuffered logs of the children land in the harness's files. */
  setvbuf (stderr, NULL, _IONBF, 0);

  if (g_str_equal (role, "run"))
    {
      g_autofree char *build_dir = g_path_get_dirname (argv[0]);

      options.seconds = CLAMP (seconds, 1, 3600);
      options.warmup = CLAMP (warmup, 0, 600);
      options.frames = CLAMP (frames, 0, 100000);
      options.receivers = CLAMP (receivers, 1, 200);
      options.render = !no_render;
      options.self_path = g_canonicalize_filename (argv[0], NULL);
      if (options.server == NULL)
        options.server = g_build_filename (build_dir, "..", "..", "..", "app", "parallax-server", NULL);
      status = run_driver (&options);
      g_free (options.self_path);
    }
  else if (out == NULL)
    {
      g_printerr ("px-e2e %s: --out is required\n", role);
      status = 2;
    }
  else if (g_str_equal (role, "studio"))
    status = run_studio (out);
  else if (url == NULL)
    {
      g_printerr ("px-e2e %s: --url is required\n", role);
      status = 2;
    }
  else if (g_str_equal (role, "send"))
    status = run_send (url, out);
  else if (g_str_equal (role, "receive"))
    status = run_receive (url, out, CLAMP (sessions, 1, 200), render && !no_render);
  else
    {
      g_printerr ("px-e2e: unknown role %s\n", role);
      status = 2;
    }
  g_free (options.server);
  g_main_loop_unref (loop);
  return status;
}
