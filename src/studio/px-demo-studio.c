/* px-demo-studio.c: the synthetic studio as a participant of a meeting
 *
 * Threading: everything the demo makes (session, studio, PipeWire nodes and
 * connection, rig publisher) lives on the demo thread, whose own
 * GMainContext is thread-default there; nothing else touches it. The
 * caller's thread starts and stops that thread and reads two counters
 * under the lock. The start task is completed from the demo thread once
 * (the lock hands it over); GTask delivers the callback in the caller's
 * context.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <unistd.h>

#include "capture/px-pipewire-connection.h"
#include "media/px-frame-pool.h"
#include "media/px-rig-publisher.h"
#include "net/px-session.h"
#include "studio/px-demo-studio.h"
#include "studio/px-studio.h"
#include "studio/px-studio-publisher.h"

#define DEFAULT_FPS           30
#define MAX_FPS               60
#define PERSON_HEIGHT         1.75
#define SEED                  1
/* One thread draws a 640×480 pair in about 15 ms of CPU, well within a
 * frame; more would only compete with the encoders and the server. */
#define RENDER_THREADS        1
/* A generous first frame set through PipeWire, on a loaded machine; AUTO
 * falls back to rendering in-process when PipeWire does not deliver by
 * then (a daemon without a session manager links nothing). */
#define PIPEWIRE_TIMEOUT_MS   30000
/* After leaving: how long the closing handshake may take, and how long
 * the context must be quiet to count as done. */
#define LINGER_US             (G_USEC_PER_SEC)
#define QUIET_US              (50 * 1000)
/* Frames in flight per camera: one encoding, one waiting. With both in
 * use the encoders are behind, and an instant is not even rendered:
 * rendering it would cost CPU only for the set to be replaced. */
#define POOL_FRAMES           2

struct _PxDemoStudio
{
  GObject parent_instance;

  char *server_url;
  char *room;
  char *token;
  PxDemoStudioCameras cameras;
  guint fps;

  GThread *thread;
  GMainContext *caller_context;
  GMainContext *context;
  GMainLoop *loop;
  GCancellable *cancellable;
  gulong cancelled_id;
  gboolean stopped;           /* caller's thread: ::closed is not for it */

  GMutex lock;
  GTask *start_task;          /* under the lock */
  guint64 sets_sent;          /* under the lock */
  gint uses_pipewire;         /* atomic */

  /* Demo thread only: */
  PxSession *session;
  PxStudioRig *studio_rig;
  PxStudio *studio;
  PxRig *rig;
  char *camera_ids[2];
  PxRigPublisher *publisher;
  gulong set_sent_id;
  gulong camera_error_id;
  PxStudioPublisher *studio_publisher;
  gulong studio_error_id;
  PxPipewireConnection *connection;
  gulong device_added_id;
  GSource *pipewire_timeout;
  GSource *render_source;
  gint64 render_start;
  guint64 next_frame;
  PxFramePool *pools[2];
  gboolean torn_down;
};

G_DEFINE_FINAL_TYPE (PxDemoStudio, px_demo_studio, G_TYPE_OBJECT)

enum
{
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gint instance_counter;

/* ---- the start task ------------------------------------------------------- */

/* Completes the start task, if it is still pending. Takes @error. */
static void
complete_start (PxDemoStudio *self,
                GError       *error)
{
  GTask *task;

  g_mutex_lock (&self->lock);
  task = g_steal_pointer (&self->start_task);
  g_mutex_unlock (&self->lock);

  if (task == NULL)
    {
      g_clear_error (&error);
      return;
    }
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

typedef struct
{
  PxDemoStudio *self;
  GError *error;
} Closed;

static void
closed_free (gpointer data)
{
  Closed *closed = data;

  g_object_unref (closed->self);
  g_error_free (closed->error);
  g_free (closed);
}

static gboolean
emit_closed_cb (gpointer data)
{
  Closed *closed = data;

  if (!closed->self->stopped)
    g_signal_emit (closed->self, signals[SIGNAL_CLOSED], 0, closed->error);
  return G_SOURCE_REMOVE;
}

/* Gives up: the thread tears down what it made and ends. The start
 * fails with @error, or once started the caller hears of it through
 * ::closed. Takes @error. */
static void
fail (PxDemoStudio *self,
      GError       *error)
{
  gboolean pending;

  g_debug ("Demo studio: %s", error->message);
  g_mutex_lock (&self->lock);
  pending = self->start_task != NULL;
  g_mutex_unlock (&self->lock);

  if (pending)
    {
      complete_start (self, error);
    }
  else
    {
      Closed *closed = g_new0 (Closed, 1);

      /* The caller holds a reference while the thread runs (dispose
       * joins it), so this one is never the first. */
      closed->self = g_object_ref (self);
      closed->error = error;
      g_main_context_invoke_full (self->caller_context, G_PRIORITY_DEFAULT, emit_closed_cb,
                                  closed, closed_free);
    }
  g_main_loop_quit (self->loop);
}

/* ---- in-process cameras --------------------------------------------------- */

static gboolean
frame_source_dispatch (GSource     *source,
                       GSourceFunc  callback,
                       gpointer     user_data)
{
  return callback (user_data);
}

static GSourceFuncs frame_source_funcs = {
  .dispatch = frame_source_dispatch,
};

static gboolean
render_cb (gpointer data)
{
  PxDemoStudio *self = data;
  gint64 period = G_USEC_PER_SEC / self->fps;
  gint64 now = g_get_monotonic_time ();
  guint64 due = (guint64) MAX (0, (now - self->render_start) / period);
  g_autoptr(PxFrame) left = NULL;
  g_autoptr(PxFrame) right = NULL;

  if (due >= self->next_frame)
    {
      /* Behind: the newest instant wins, the missed ones are never drawn. */
      self->next_frame = due + 1;
      left = px_frame_pool_acquire (self->pools[0]);
      right = px_frame_pool_acquire (self->pools[1]);
      /* Without a free frame the encoders are behind: skip this instant
       * (newest wins: the next one is drawn when a frame is free). */
      if (left != NULL && right != NULL)
        {
          PxFrame *frames[2] = { left, right };

          px_studio_render (self->studio, (double) due / self->fps, due);
          for (guint i = 0; i < 2; i++)
            {
              const PxStudioView *view = px_studio_get_view (self->studio, i);
              PxFrame *frame = frames[i];

              px_studio_view_to_i420 (view, frame->planes[0], frame->strides[0],
                                      frame->planes[1], frame->strides[1],
                                      frame->planes[2], frame->strides[2]);
              frame->capture_time_us = self->render_start + (gint64) due * period;
              frame->sequence = due;
            }
          px_rig_publisher_push_frame_set (self->publisher, left, right);
        }
    }
  g_source_set_ready_time (self->render_source,
                           self->render_start + (gint64) self->next_frame * period);
  return G_SOURCE_CONTINUE;
}

static void
stop_rendering (PxDemoStudio *self)
{
  if (self->render_source == NULL)
    return;
  g_source_destroy (self->render_source);
  g_clear_pointer (&self->render_source, g_source_unref);
}

static gboolean
start_in_process (PxDemoStudio  *self,
                  GError       **error)
{
  px_rig_publisher_set_cameras (self->publisher, NULL, NULL);
  if (!px_rig_publisher_start (self->publisher, error))
    return FALSE;

  for (guint i = 0; i < 2; i++)
    {
      const PxStudioCamera *camera = px_studio_rig_get_camera (self->studio_rig, i);

      if (self->pools[i] == NULL)
        self->pools[i] = px_frame_pool_new (PX_PIXEL_FORMAT_I420, camera->width, camera->height,
                                            POOL_FRAMES);
    }
  self->render_start = g_get_monotonic_time ();
  self->next_frame = 0;
  self->render_source = g_source_new (&frame_source_funcs, sizeof (GSource));
  g_source_set_name (self->render_source, "px-demo-studio-render");
  g_source_set_callback (self->render_source, render_cb, self, NULL);
  g_source_set_ready_time (self->render_source, self->render_start);
  g_source_attach (self->render_source, self->context);
  g_atomic_int_set (&self->uses_pipewire, FALSE);
  g_debug ("Demo studio: rendering in-process at %u frames per second", self->fps);
  return TRUE;
}

/* ---- PipeWire cameras ------------------------------------------------------- */

static void
stop_pipewire (PxDemoStudio *self)
{
  if (self->pipewire_timeout != NULL)
    {
      g_source_destroy (self->pipewire_timeout);
      g_clear_pointer (&self->pipewire_timeout, g_source_unref);
    }
  if (self->connection != NULL)
    g_clear_signal_handler (&self->device_added_id, self->connection);
  if (self->studio_publisher != NULL)
    {
      g_clear_signal_handler (&self->studio_error_id, self->studio_publisher);
      px_studio_publisher_stop (self->studio_publisher);
      g_clear_object (&self->studio_publisher);
    }
  g_clear_object (&self->connection);
  g_atomic_int_set (&self->uses_pipewire, FALSE);
}

/* PipeWire let us down: AUTO renders in-process instead, PIPEWIRE fails. */
static void
pipewire_failed (PxDemoStudio *self,
                 GError       *error)
{
  g_autoptr(GError) local_error = NULL;

  if (self->cameras == PX_DEMO_STUDIO_CAMERAS_PIPEWIRE)
    {
      g_prefix_error (&error, _("The demo studio’s PipeWire cameras failed: "));
      fail (self, error);
      return;
    }

  g_debug ("Demo studio: PipeWire cameras failed (%s); rendering in-process", error->message);
  g_error_free (error);
  px_rig_publisher_stop (self->publisher);
  stop_pipewire (self);
  if (!start_in_process (self, &local_error))
    fail (self, g_steal_pointer (&local_error));
}

typedef struct
{
  PxDemoStudio *self;         /* the thread outlives the source */
  GError *error;
} Failure;

static void
failure_free (gpointer data)
{
  Failure *failure = data;

  g_clear_error (&failure->error);
  g_free (failure);
}

static gboolean
pipewire_failed_cb (gpointer data)
{
  Failure *failure = data;
  PxDemoStudio *self = failure->self;

  /* Not twice, and not once the demo is going anyway. */
  if (!self->torn_down && g_atomic_int_get (&self->uses_pipewire))
    pipewire_failed (self, g_steal_pointer (&failure->error));
  return G_SOURCE_REMOVE;
}

/* From a signal handler of what pipewire_failed() destroys: later, from
 * the main loop. Takes @error. */
static void
pipewire_failed_later (PxDemoStudio *self,
                       GError       *error)
{
  Failure *failure = g_new0 (Failure, 1);
  g_autoptr(GSource) source = g_idle_source_new ();

  failure->self = self;
  failure->error = error;
  g_source_set_callback (source, pipewire_failed_cb, failure, failure_free);
  g_source_attach (source, self->context);
}

static void
studio_error_cb (PxStudioPublisher *publisher,
                 const char        *message,
                 PxDemoStudio      *self)
{
  /* The daemon went away or refused a node, before or after the start. */
  pipewire_failed_later (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, message));
}

static void
camera_error_cb (PxRigPublisher *publisher,
                 const GError   *error,
                 PxDemoStudio   *self)
{
  gboolean started;

  g_mutex_lock (&self->lock);
  started = self->start_task == NULL;
  g_mutex_unlock (&self->lock);

  if (!started && g_atomic_int_get (&self->uses_pipewire))
    pipewire_failed_later (self, g_error_copy (error));
  else
    g_debug ("Demo studio: %s", error->message);
}

static gboolean
pipewire_timeout_cb (gpointer data)
{
  PxDemoStudio *self = data;

  g_clear_pointer (&self->pipewire_timeout, g_source_unref);
  pipewire_failed (self, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                      _("No frame set came through PipeWire in %d s"),
                                      PIPEWIRE_TIMEOUT_MS / 1000));
  return G_SOURCE_REMOVE;
}

static void
maybe_start_capture (PxDemoStudio *self)
{
  g_autoptr(GError) error = NULL;

  if (self->device_added_id == 0)
    return;
  for (guint i = 0; i < 2; i++)
    if (px_pipewire_connection_find_device (self->connection, self->camera_ids[i]) == NULL)
      return;

  /* Both nodes are in the registry: capture them. */
  g_clear_signal_handler (&self->device_added_id, self->connection);
  px_rig_publisher_set_cameras (self->publisher, self->connection,
                                (const char * const *) self->camera_ids);
  if (!px_rig_publisher_start (self->publisher, &error))
    pipewire_failed_later (self, g_steal_pointer (&error));
}

static void
device_added_cb (PxPipewireConnection *connection,
                 gpointer              device,
                 PxDemoStudio         *self)
{
  maybe_start_capture (self);
}

static gboolean
start_pipewire (PxDemoStudio  *self,
                GError       **error)
{
  self->studio_publisher = px_studio_publisher_new (self->studio, self->fps, 0);
  if (!px_studio_publisher_start (self->studio_publisher, error))
    {
      g_clear_object (&self->studio_publisher);
      return FALSE;
    }
  self->studio_error_id = g_signal_connect (self->studio_publisher, "error",
                                            G_CALLBACK (studio_error_cb), self);
  g_atomic_int_set (&self->uses_pipewire, TRUE);

  /* A connection of its own: its signals come on this thread. */
  self->connection = px_pipewire_connection_new (PX_PIPEWIRE_ACCESS_DIRECT);
  self->device_added_id = g_signal_connect (self->connection, "device-added",
                                            G_CALLBACK (device_added_cb), self);
  self->pipewire_timeout = g_timeout_source_new (PIPEWIRE_TIMEOUT_MS);
  g_source_set_callback (self->pipewire_timeout, pipewire_timeout_cb, self, NULL);
  g_source_attach (self->pipewire_timeout, self->context);
  maybe_start_capture (self);
  g_debug ("Demo studio: cameras %s and %s published through PipeWire",
           self->camera_ids[0], self->camera_ids[1]);
  return TRUE;
}

/* ---- the session ------------------------------------------------------------ */

static void
set_sent_cb (PxRigPublisher              *publisher,
             const PxRigPublisherTimings *timings,
             PxDemoStudio                *self)
{
  g_mutex_lock (&self->lock);
  self->sets_sent++;
  g_mutex_unlock (&self->lock);

  if (self->pipewire_timeout != NULL)
    {
      g_source_destroy (self->pipewire_timeout);
      g_clear_pointer (&self->pipewire_timeout, g_source_unref);
    }
  complete_start (self, NULL);
}

static void
session_closed_cb (PxSession    *session,
                   const GError *error,
                   PxDemoStudio *self)
{
  /* For good (the session reconnects by itself otherwise): nobody is left
   * to publish to. */
  if (error != NULL)
    fail (self, g_error_copy (error));
}

static void
start_cameras (PxDemoStudio *self)
{
  g_autoptr(GError) error = NULL;

  self->publisher = px_rig_publisher_new (self->session, self->rig);
  self->set_sent_id = g_signal_connect (self->publisher, "set-sent",
                                        G_CALLBACK (set_sent_cb), self);
  self->camera_error_id = g_signal_connect (self->publisher, "camera-error",
                                            G_CALLBACK (camera_error_cb), self);

  if (self->cameras != PX_DEMO_STUDIO_CAMERAS_IN_PROCESS)
    {
      if (start_pipewire (self, &error))
        return;
      stop_pipewire (self);
      if (self->cameras == PX_DEMO_STUDIO_CAMERAS_PIPEWIRE)
        {
          g_prefix_error (&error, _("The demo studio cannot publish its cameras to PipeWire: "));
          fail (self, g_steal_pointer (&error));
          return;
        }
      g_debug ("Demo studio: no PipeWire (%s); rendering in-process", error->message);
      g_clear_error (&error);
    }
  if (!start_in_process (self, &error))
    fail (self, g_steal_pointer (&error));
}

static void
joined_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  PxDemoStudio *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!px_session_join_finish (PX_SESSION (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fail (self, g_steal_pointer (&error));
      return;
    }
  if (self->torn_down)
    return;
  /* The studio watches nobody: what others publish would only cost it
   * bandwidth and CPU. */
  px_session_set_subscriptions (PX_SESSION (source), NULL, 0);
  start_cameras (self);
}

/* A rig of the default studio's two cameras, named for this demo alone so
 * that its PipeWire nodes cannot be mistaken for anyone else's. */
static void
make_rig (PxDemoStudio *self)
{
  g_autoptr(PxStudioRig) base = px_studio_rig_new_default ();
  const char *left = NULL, *right = NULL;
  int instance = g_atomic_int_add (&instance_counter, 1);
  double min[3], max[3];

  px_studio_rig_get_pair (base, 0, &left, &right);
  self->studio_rig = px_studio_rig_new (PX_DEMO_STUDIO_NAME);
  for (guint i = 0; i < px_studio_rig_get_n_cameras (base); i++)
    {
      PxStudioCamera camera = *px_studio_rig_get_camera (base, i);
      g_autofree char *id = g_strdup_printf ("parallax-demo-%d-%d-%s", (int) getpid (), instance,
                                             camera.id);

      if (g_str_equal (camera.id, left))
        self->camera_ids[0] = g_strdup (id);
      else if (g_str_equal (camera.id, right))
        self->camera_ids[1] = g_strdup (id);
      camera.id = id;
      px_studio_rig_add_camera (self->studio_rig, &camera);
    }
  px_studio_rig_add_pair (self->studio_rig, self->camera_ids[0], self->camera_ids[1]);
  /* The space the person uses, not the whole room: a volume 1.3 m deep
   * halves the stereo search range of the default 2 m, and starting a few
   * centimetres above the floor keeps the floor around the feet out. */
  px_studio_rig_get_capture_volume (base, min, max);
  min[1] = MAX (min[1], 0.03);
  min[2] = MAX (min[2], -0.6);
  max[2] = MIN (max[2], 0.7);
  px_studio_rig_set_capture_volume (self->studio_rig, min, max);
  self->rig = px_studio_rig_to_rig (self->studio_rig);
}

/* ---- the demo thread ---------------------------------------------------------- */

static void
tear_down (PxDemoStudio *self)
{
  gint64 deadline, quiet_until;

  if (self->torn_down)
    return;
  self->torn_down = TRUE;

  stop_rendering (self);
  if (self->publisher != NULL)
    {
      g_clear_signal_handler (&self->set_sent_id, self->publisher);
      g_clear_signal_handler (&self->camera_error_id, self->publisher);
      px_rig_publisher_stop (self->publisher);
    }
  stop_pipewire (self);
  if (self->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      px_session_leave (self->session);
    }

  /* Let the closing handshake and what was queued on this context finish:
   * packets on their way hold references that are dropped there. */
  deadline = g_get_monotonic_time () + LINGER_US;
  quiet_until = g_get_monotonic_time () + QUIET_US;
  while (g_get_monotonic_time () < MIN (deadline, quiet_until))
    {
      if (g_main_context_iteration (self->context, FALSE))
        quiet_until = g_get_monotonic_time () + QUIET_US;
      else
        g_usleep (1000);
    }

  g_clear_object (&self->publisher);
  g_clear_object (&self->session);
  for (guint i = 0; i < 2; i++)
    g_clear_object (&self->pools[i]);
  g_clear_object (&self->studio);
  g_clear_object (&self->rig);
  g_clear_object (&self->studio_rig);
  /* What the last unrefs scheduled. */
  while (g_main_context_iteration (self->context, FALSE))
    ;
}

static gpointer
demo_thread (gpointer data)
{
  PxDemoStudio *self = data;
  g_autoptr(PxStudioPerson) person = px_studio_person_new (PERSON_HEIGHT, SEED);

  g_main_context_push_thread_default (self->context);

  make_rig (self);
  self->studio = px_studio_new (self->studio_rig, person, SEED, RENDER_THREADS);
  self->session = px_session_new (self->server_url, self->room, self->token);
  g_signal_connect (self->session, "closed", G_CALLBACK (session_closed_cb), self);
  px_session_join_async (self->session, NULL, joined_cb, self);

  g_main_loop_run (self->loop);

  tear_down (self);
  complete_start (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                             _("The demo studio was stopped")));
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

static gboolean
quit_cb (gpointer data)
{
  PxDemoStudio *self = data;

  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

static void
cancelled_cb (GCancellable *cancellable,
              PxDemoStudio *self)
{
  /* Any thread: the demo thread gives up (the task says cancelled). */
  g_main_context_invoke (self->context, quit_cb, self);
}

/* ---- public --------------------------------------------------------------------- */

void
px_demo_studio_set_cameras (PxDemoStudio        *self,
                            PxDemoStudioCameras  cameras)
{
  g_return_if_fail (PX_IS_DEMO_STUDIO (self));
  g_return_if_fail (cameras <= PX_DEMO_STUDIO_CAMERAS_IN_PROCESS);

  self->cameras = cameras;
}

void
px_demo_studio_set_fps (PxDemoStudio *self,
                        guint         fps)
{
  g_return_if_fail (PX_IS_DEMO_STUDIO (self));
  g_return_if_fail (fps >= 1 && fps <= MAX_FPS);

  self->fps = fps;
}

void
px_demo_studio_start_async (PxDemoStudio        *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (PX_IS_DEMO_STUDIO (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, px_demo_studio_start_async);
  if (self->thread != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_EXISTS,
                               _("The demo studio was started already"));
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;

  g_clear_pointer (&self->caller_context, g_main_context_unref);
  self->caller_context = g_main_context_ref_thread_default ();
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  g_mutex_lock (&self->lock);
  self->start_task = g_steal_pointer (&task);
  self->sets_sent = 0;
  g_mutex_unlock (&self->lock);
  self->torn_down = FALSE;
  self->stopped = FALSE;
  if (cancellable != NULL)
    {
      self->cancellable = g_object_ref (cancellable);
      self->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb),
                                                  self, NULL);
    }
  self->thread = g_thread_new ("px-demo-studio", demo_thread, self);
}

gboolean
px_demo_studio_start_finish (PxDemoStudio  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (PX_IS_DEMO_STUDIO (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
px_demo_studio_stop (PxDemoStudio *self)
{
  g_return_if_fail (PX_IS_DEMO_STUDIO (self));

  self->stopped = TRUE;
  if (self->cancellable != NULL)
    {
      /* Waits for a handler running elsewhere. */
      g_cancellable_disconnect (self->cancellable, self->cancelled_id);
      self->cancelled_id = 0;
      g_clear_object (&self->cancellable);
    }
  if (self->thread == NULL)
    return;

  g_main_context_invoke (self->context, quit_cb, self);
  g_thread_join (g_steal_pointer (&self->thread));
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  for (guint i = 0; i < 2; i++)
    g_clear_pointer (&self->camera_ids[i], g_free);
}

gboolean
px_demo_studio_get_uses_pipewire (PxDemoStudio *self)
{
  g_return_val_if_fail (PX_IS_DEMO_STUDIO (self), FALSE);

  return g_atomic_int_get (&self->uses_pipewire);
}

guint64
px_demo_studio_get_sets_sent (PxDemoStudio *self)
{
  guint64 sets;

  g_return_val_if_fail (PX_IS_DEMO_STUDIO (self), 0);

  g_mutex_lock (&self->lock);
  sets = self->sets_sent;
  g_mutex_unlock (&self->lock);
  return sets;
}

static void
px_demo_studio_dispose (GObject *object)
{
  /* Here rather than in finalize: the thread may still take a reference
   * until it is joined. */
  px_demo_studio_stop (PX_DEMO_STUDIO (object));

  G_OBJECT_CLASS (px_demo_studio_parent_class)->dispose (object);
}

static void
px_demo_studio_finalize (GObject *object)
{
  PxDemoStudio *self = PX_DEMO_STUDIO (object);

  g_free (self->server_url);
  g_free (self->room);
  g_free (self->token);
  g_clear_pointer (&self->caller_context, g_main_context_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (px_demo_studio_parent_class)->finalize (object);
}

static void
px_demo_studio_class_init (PxDemoStudioClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = px_demo_studio_dispose;
  object_class->finalize = px_demo_studio_finalize;

  /**
   * PxDemoStudio::closed:
   * @error: why the demo ended by itself after it had started (the session
   *   closed for good, its PipeWire cameras failed); it has left the room
   *
   * Emitted in the context the demo was started from; not after stop().
   */
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
px_demo_studio_init (PxDemoStudio *self)
{
  g_mutex_init (&self->lock);
  self->cameras = PX_DEMO_STUDIO_CAMERAS_AUTO;
  self->fps = DEFAULT_FPS;
}

PxDemoStudio *
px_demo_studio_new (const char *server_url,
                    const char *room,
                    const char *token)
{
  PxDemoStudio *self;

  g_return_val_if_fail (server_url != NULL, NULL);
  g_return_val_if_fail (room != NULL, NULL);
  g_return_val_if_fail (token != NULL, NULL);

  self = g_object_new (PX_TYPE_DEMO_STUDIO, NULL);
  self->server_url = g_strdup (server_url);
  self->room = g_strdup (room);
  self->token = g_strdup (token);
  return self;
}
