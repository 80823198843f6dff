/* px-studio-publisher.c: the studio's cameras as PipeWire camera nodes
 *
 * One pw_stream per camera, each the driver of its own graph, paced by a
 * timer on the PipeWire thread loop as PipeWire's video-src example does. A
 * render thread draws frame sets at the frame rate while at least one camera
 * is streaming and leaves the newest in I420; whoever queues a camera's next
 * buffer (the render thread, or a process callback) copies the newest frame
 * it has not sent yet into it. Rendering never runs on the PipeWire loop, so
 * a slow frame delays nothing but itself. A finished frame set is queued and
 * starts a graph cycle at once, from the render thread, rather than waiting
 * for the next tick of the timer, which would add up to a frame interval of
 * latency; buffers carry the instant the set was made as their pts
 * (CLOCK_MONOTONIC, as V4L2 cameras stamp theirs). With a loop, the first
 * frames' pictures are kept and played again, each with its own number.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <pipewire/pipewire.h>
#include <spa/param/video/format-utils.h>
#include <spa/param/props.h>
#include <spa/utils/result.h>
#include <string.h>
#include <gio/gio.h>

#include "capture/px-pipewire-connection.h"
#include "studio/px-frame-code.h"
#include "studio/px-studio-publisher.h"

/* Made times kept for px_studio_publisher_get_made_time(). */
#define MADE_HISTORY 1024

/* One frame of the loop: every camera's picture and person mask, and where
 * the chest was. Render thread only. */
typedef struct
{
  guint8 **rgb;
  guint8 **mask;
  double chest[3];
} LoopFrame;

static inline gsize
i420_size (guint width,
           guint height)
{
  return (gsize) width * height + 2 * (gsize) ((width + 1) / 2) * ((height + 1) / 2);
}

typedef struct
{
  PxStudioPublisher *publisher;
  guint camera;
  struct pw_stream *stream;
  struct spa_hook listener;
  struct spa_source *timer;
  enum spa_video_format format;
  gboolean streaming;

  /* Under the publisher's lock: */
  guint8 *latest;            /* I420 of the newest frame set */
  guint64 latest_number;
  gint64 latest_made;
  gboolean have_latest;
  guint64 last_sent;
  gboolean sent_any;
  guint64 frames_sent;
  gboolean drained;          /* a whole cycle has passed since its last frame */
  guint64 drain_tick;        /* the timer tick from which it has */

  /* Under the PipeWire loop's lock: */
  guint64 ticks;             /* of the timer */
} CameraStream;

struct _PxStudioPublisher
{
  GObject parent_instance;

  PxStudio *studio;
  guint fps;
  guint64 max_frames;
  GMainContext *context;

  struct pw_thread_loop *loop;
  struct pw_context *pw_context;
  struct pw_core *core;
  struct spa_hook core_listener;
  CameraStream *streams;
  guint n_streams;
  gboolean finished_emitted;
  gboolean error_emitted;

  GThread *render_thread;
  GMutex lock;
  GCond cond;
  gboolean stopping;
  guint n_streaming;
  gboolean frame_code;
  guint loop_frames;         /* set before start */
  LoopFrame *loop_cache;
  guint64 frames_made;
  guint64 made_numbers[MADE_HISTORY];
  gint64 made_times[MADE_HISTORY];
};

enum
{
  SIGNAL_FINISHED,
  SIGNAL_ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PxStudioPublisher, px_studio_publisher, G_TYPE_OBJECT)

static void
px_studio_publisher_dispose (GObject *object)
{
  PxStudioPublisher *self = PX_STUDIO_PUBLISHER (object);

  px_studio_publisher_stop (self);
  g_clear_object (&self->studio);

  G_OBJECT_CLASS (px_studio_publisher_parent_class)->dispose (object);
}

static void
px_studio_publisher_finalize (GObject *object)
{
  PxStudioPublisher *self = PX_STUDIO_PUBLISHER (object);

  for (guint i = 0; i < self->n_streams; i++)
    g_free (self->streams[i].latest);
  g_free (self->streams);
  for (guint f = 0; self->loop_cache != NULL && f < self->loop_frames; f++)
    {
      for (guint i = 0; self->loop_cache[f].rgb != NULL && i < self->n_streams; i++)
        {
          g_free (self->loop_cache[f].rgb[i]);
          g_free (self->loop_cache[f].mask[i]);
        }
      g_free (self->loop_cache[f].rgb);
      g_free (self->loop_cache[f].mask);
    }
  g_free (self->loop_cache);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (px_studio_publisher_parent_class)->finalize (object);
}

static void
px_studio_publisher_class_init (PxStudioPublisherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = px_studio_publisher_dispose;
  object_class->finalize = px_studio_publisher_finalize;

  /* Every camera has sent max-frames buffers. */
  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 0);
  /* PipeWire went away or refused a stream; the argument says why. */
  signals[SIGNAL_ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
px_studio_publisher_init (PxStudioPublisher *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
}

PxStudioPublisher *
px_studio_publisher_new (PxStudio *studio,
                         guint     fps,
                         guint64   max_frames)
{
  PxStudioPublisher *self;
  PxStudioRig *rig;

  g_return_val_if_fail (PX_IS_STUDIO (studio), NULL);
  g_return_val_if_fail (fps >= 1 && fps <= 240, NULL);

  self = g_object_new (PX_TYPE_STUDIO_PUBLISHER, NULL);
  self->studio = g_object_ref (studio);
  self->fps = fps;
  self->max_frames = max_frames;
  self->context = g_main_context_ref_thread_default ();

  rig = px_studio_get_rig (studio);
  self->n_streams = px_studio_rig_get_n_cameras (rig);
  self->streams = g_new0 (CameraStream, self->n_streams);
  for (guint i = 0; i < self->n_streams; i++)
    {
      const PxStudioCamera *camera = px_studio_rig_get_camera (rig, i);

      self->streams[i].publisher = self;
      self->streams[i].camera = i;
      self->streams[i].latest = g_malloc0 (i420_size (camera->width, camera->height));
    }
  return self;
}

/* ---- signals, in the owner's context --------------------------------------- */

typedef struct
{
  PxStudioPublisher *self;
  char *message;
} Emission;

static gboolean
emit_cb (gpointer data)
{
  Emission *emission = data;

  if (emission->message != NULL)
    g_signal_emit (emission->self, signals[SIGNAL_ERROR], 0, emission->message);
  else
    g_signal_emit (emission->self, signals[SIGNAL_FINISHED], 0);
  return G_SOURCE_REMOVE;
}

static void
emission_free (gpointer data)
{
  Emission *emission = data;

  g_object_unref (emission->self);
  g_free (emission->message);
  g_free (emission);
}

static void
emit_later (PxStudioPublisher *self,
            const char        *message)
{
  Emission *emission = g_new0 (Emission, 1);

  emission->self = g_object_ref (self);
  emission->message = g_strdup (message);
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, emit_cb, emission,
                              emission_free);
}

/* ---- rendering ------------------------------------------------------------- */

static void queue_latest (CameraStream *stream);

/* Frame @number of a loop: the pictures of frame (@number mod the loop),
 * rendered the first time round and copied after, into @work; the frame
 * code is drawn there. Fills @views to point at them. */
static void
render_looped (PxStudioPublisher *self,
               guint64            number,
               gboolean           frame_code,
               guint8           **work,
               PxStudioView      *views)
{
  PxStudioRig *rig = px_studio_get_rig (self->studio);
  guint slot = (guint) (number % self->loop_frames);
  LoopFrame *frame = &self->loop_cache[slot];

  if (frame->rgb == NULL)
    {
      double time = (double) slot / self->fps;
      float chest[3];

      px_studio_render (self->studio, time, slot);
      frame->rgb = g_new0 (guint8 *, self->n_streams);
      frame->mask = g_new0 (guint8 *, self->n_streams);
      for (guint i = 0; i < self->n_streams; i++)
        {
          const PxStudioView *view = px_studio_get_view (self->studio, i);

          frame->rgb[i] = g_memdup2 (view->rgb, (gsize) view->rgb_stride * view->height);
          frame->mask[i] = g_memdup2 (view->mask, (gsize) view->width * view->height);
        }
      px_studio_person_get_landmark (px_studio_get_person (self->studio), time,
                                     PX_STUDIO_LANDMARK_CHEST, chest);
      for (int k = 0; k < 3; k++)
        frame->chest[k] = chest[k];
    }

  for (guint i = 0; i < self->n_streams; i++)
    {
      const PxStudioView *view = px_studio_get_view (self->studio, i);
      gsize size = (gsize) view->rgb_stride * view->height;

      views[i] = *view;
      memcpy (work[i], frame->rgb[i], size);
      views[i].rgb = work[i];
      if (frame_code)
        px_frame_code_paint ((guint) number, px_studio_rig_get_camera (rig, i), frame->chest,
                             PX_FRAME_CODE_STUDIO_CELL, work[i], view->rgb_stride, view->width,
                             view->height, frame->mask[i]);
    }
}

static gpointer
render_thread (gpointer data)
{
  PxStudioPublisher *self = data;
  PxStudioRig *rig = px_studio_get_rig (self->studio);
  gint64 period = G_USEC_PER_SEC / self->fps;
  gint64 start = g_get_monotonic_time ();
  guint64 next = 0;
  g_autofree guint8 *scratch = NULL;
  g_autofree PxStudioView *loop_views = g_new0 (PxStudioView, self->n_streams);
  g_autofree guint8 **work = g_new0 (guint8 *, self->n_streams);
  gsize largest = 0;

  for (guint i = 0; i < self->n_streams; i++)
    {
      const PxStudioCamera *camera = px_studio_rig_get_camera (rig, i);

      largest = MAX (largest, i420_size (camera->width, camera->height));
      if (self->loop_frames > 0)
        work[i] = g_malloc ((gsize) camera->width * 3 * camera->height);
    }
  scratch = g_malloc (largest);

  g_mutex_lock (&self->lock);
  while (!self->stopping)
    {
      gint64 now = g_get_monotonic_time ();
      guint64 due;
      gint64 made;
      gboolean frame_code;

      if (self->n_streaming == 0)
        {
          g_cond_wait (&self->cond, &self->lock);
          /* Frame numbers keep counting time while nobody watches. */
          continue;
        }
      due = (guint64) ((now - start) / period);
      if (due < next)
        {
          g_cond_wait_until (&self->cond, &self->lock, start + (gint64) next * period);
          continue;
        }
      /* Behind: the newest frame wins, the missed ones are never drawn. */
      next = due;
      frame_code = self->frame_code;
      g_mutex_unlock (&self->lock);

      if (self->loop_frames > 0)
        render_looped (self, next, frame_code, work, loop_views);
      else
        {
          px_studio_render (self->studio, (double) next / self->fps, next);
          if (frame_code)
            px_frame_code_paint_studio (self->studio, (double) next / self->fps, (guint) next);
        }
      made = g_get_monotonic_time ();

      for (guint i = 0; i < self->n_streams; i++)
        {
          const PxStudioView *view = self->loop_frames > 0 ? &loop_views[i]
                                                           : px_studio_get_view (self->studio, i);
          guint chroma_width = (view->width + 1) / 2;
          guint8 *y = scratch, *u = y + (gsize) view->width * view->height;
          guint8 *v = u + (gsize) chroma_width * ((view->height + 1) / 2);

          px_studio_view_to_i420 (view, y, view->width, u, chroma_width, v, chroma_width);
          g_mutex_lock (&self->lock);
          memcpy (self->streams[i].latest, scratch, i420_size (view->width, view->height));
          self->streams[i].latest_number = next;
          self->streams[i].latest_made = made;
          self->streams[i].have_latest = TRUE;
          g_mutex_unlock (&self->lock);
        }

      g_mutex_lock (&self->lock);
      self->made_numbers[self->frames_made % MADE_HISTORY] = next;
      self->made_times[self->frames_made % MADE_HISTORY] = made;
      self->frames_made++;
      g_mutex_unlock (&self->lock);

      /* Hand the set to PipeWire now (without the publisher's lock, which
       * the process callbacks take under the loop's). The buffers are
       * queued here, before the cycle starts: from this thread, a driver's
       * trigger only queues its process callback for the loop thread, so
       * what that callback queued would wait for the next cycle, up to a
       * frame interval later. */
      pw_thread_loop_lock (self->loop);
      for (guint i = 0; i < self->n_streams; i++)
        if (self->streams[i].stream != NULL && self->streams[i].streaming)
          {
            queue_latest (&self->streams[i]);
            pw_stream_trigger_process (self->streams[i].stream);
          }
      pw_thread_loop_unlock (self->loop);

      g_mutex_lock (&self->lock);
      next++;
    }
  g_mutex_unlock (&self->lock);
  for (guint i = 0; i < self->n_streams; i++)
    g_free (work[i]);
  return NULL;
}

/* ---- streams --------------------------------------------------------------- */

static const PxStudioCamera *
stream_camera (CameraStream *stream)
{
  return px_studio_rig_get_camera (px_studio_get_rig (stream->publisher->studio),
                                   stream->camera);
}

static void
fill_buffer (CameraStream         *stream,
             const PxStudioCamera *camera,
             struct spa_buffer    *buffer)
{
  struct spa_data *data = &buffer->datas[0];
  guint width = camera->width, height = camera->height;
  guint chroma_width = (width + 1) / 2;
  const guint8 *y = stream->latest, *u = y + (gsize) width * height;
  const guint8 *v = u + (gsize) chroma_width * ((height + 1) / 2);
  guint8 *out = data->data;
  gsize size;
  guint stride;

  if (stream->format == SPA_VIDEO_FORMAT_YUY2)
    {
      stride = 2 * width;
      size = (gsize) stride * height;
      if (data->maxsize < size)
        return;
      for (guint row = 0; row < height; row++)
        {
          guint8 *line = out + (gsize) row * stride;
          const guint8 *y_row = y + (gsize) row * width;
          const guint8 *u_row = u + (gsize) (row / 2) * chroma_width;
          const guint8 *v_row = v + (gsize) (row / 2) * chroma_width;

          for (guint x = 0; x < width; x++)
            {
              line[2 * x] = y_row[x];
              line[2 * x + 1] = (x % 2 == 0) ? u_row[x / 2] : v_row[x / 2];
            }
        }
    }
  else
    {
      stride = width;
      size = i420_size (width, height);
      if (data->maxsize < size)
        return;
      memcpy (out, stream->latest, size);
    }
  data->chunk->offset = 0;
  data->chunk->size = size;
  data->chunk->stride = (int32_t) stride;
  data->chunk->flags = 0;
}

/* Queues the newest frame set's picture if this camera has not sent it
 * yet. With the PipeWire loop's lock held (render thread or loop thread). */
static void
queue_latest (CameraStream *stream)
{
  PxStudioPublisher *self = stream->publisher;
  const PxStudioCamera *camera = stream_camera (stream);
  struct pw_buffer *pw_buffer;
  struct spa_buffer *buffer;
  struct spa_meta_header *header;

  g_mutex_lock (&self->lock);
  if ((self->max_frames > 0 && stream->frames_sent >= self->max_frames) ||
      !stream->have_latest || (stream->sent_any && stream->latest_number == stream->last_sent))
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  if ((pw_buffer = pw_stream_dequeue_buffer (stream->stream)) == NULL)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  buffer = pw_buffer->buffer;
  if (buffer->datas[0].data == NULL)
    {
      g_mutex_unlock (&self->lock);
      pw_stream_queue_buffer (stream->stream, pw_buffer);
      return;
    }

  fill_buffer (stream, camera, buffer);
  if ((header = spa_buffer_find_meta_data (buffer, SPA_META_Header, sizeof *header)) != NULL)
    {
      header->flags = 0;
      header->offset = 0;
      header->seq = stream->latest_number;
      header->pts = stream->latest_made * (int64_t) SPA_NSEC_PER_USEC;
      header->dts_offset = 0;
    }
  stream->last_sent = stream->latest_number;
  stream->sent_any = TRUE;
  stream->frames_sent++;
  /* Two ticks of the timer from now, the cycle that carried it is over. */
  if (self->max_frames > 0 && stream->frames_sent >= self->max_frames)
    stream->drain_tick = stream->ticks + 2;
  g_mutex_unlock (&self->lock);

  pw_stream_queue_buffer (stream->stream, pw_buffer);
}

static void
on_process (void *user_data)
{
  CameraStream *stream = user_data;
  PxStudioPublisher *self = stream->publisher;
  gboolean finished = FALSE;

  g_mutex_lock (&self->lock);
  if (self->max_frames > 0 && stream->frames_sent >= self->max_frames)
    {
      /* Once the cycle that carried the last frame is over, consumers
       * have it. Finish once every camera is there. */
      stream->drained |= stream->ticks >= stream->drain_tick;
      if (stream->drained && !self->finished_emitted)
        {
          finished = TRUE;
          for (guint i = 0; i < self->n_streams; i++)
            finished &= self->streams[i].drained;
          self->finished_emitted = finished;
        }
      g_mutex_unlock (&self->lock);
      if (finished)
        emit_later (self, NULL);
      return;
    }
  g_mutex_unlock (&self->lock);

  queue_latest (stream);
}

static void
on_timeout (void     *user_data,
            uint64_t  expirations)
{
  CameraStream *stream = user_data;

  stream->ticks++;
  pw_stream_trigger_process (stream->stream);
}

static void
set_timer (CameraStream *stream,
           gboolean      enabled)
{
  PxStudioPublisher *self = stream->publisher;
  struct timespec value = { 0 }, interval = { 0 };

  if (enabled)
    {
      interval.tv_sec = 0;
      interval.tv_nsec = SPA_NSEC_PER_SEC / self->fps;
      value.tv_nsec = 1;
    }
  pw_loop_update_timer (pw_thread_loop_get_loop (self->loop), stream->timer, &value,
                        &interval, false);
}

static void
on_state_changed (void                 *user_data,
                  enum pw_stream_state  old,
                  enum pw_stream_state  state,
                  const char           *error)
{
  CameraStream *stream = user_data;
  PxStudioPublisher *self = stream->publisher;
  gboolean streaming = state == PW_STREAM_STATE_STREAMING;

  if (streaming != stream->streaming)
    {
      stream->streaming = streaming;
      set_timer (stream, streaming);
      g_mutex_lock (&self->lock);
      self->n_streaming += streaming ? 1 : -1;
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->lock);
    }

  if (state == PW_STREAM_STATE_ERROR && !self->error_emitted)
    {
      g_autofree char *message = g_strdup_printf ("Camera “%s”: %s", stream_camera (stream)->id,
                                                  error != NULL ? error : "stream error");

      self->error_emitted = TRUE;
      emit_later (self, message);
    }
}

static void
on_param_changed (void                 *user_data,
                  uint32_t              id,
                  const struct spa_pod *param)
{
  CameraStream *stream = user_data;
  const PxStudioCamera *camera = stream_camera (stream);
  struct spa_video_info_raw info = { 0 };
  guint8 buffer[1024];
  struct spa_pod_builder builder = SPA_POD_BUILDER_INIT (buffer, sizeof buffer);
  const struct spa_pod *params[2];
  guint size, stride;

  if (param == NULL || id != SPA_PARAM_Format)
    return;
  if (spa_format_video_raw_parse (param, &info) < 0)
    return;

  stream->format = info.format;
  if (info.format == SPA_VIDEO_FORMAT_YUY2)
    {
      stride = 2 * camera->width;
      size = stride * camera->height;
    }
  else
    {
      stride = camera->width;
      size = (guint) i420_size (camera->width, camera->height);
    }

  params[0] = spa_pod_builder_add_object (&builder,
    SPA_TYPE_OBJECT_ParamBuffers, SPA_PARAM_Buffers,
    SPA_PARAM_BUFFERS_buffers, SPA_POD_CHOICE_RANGE_Int (4, 2, 8),
    SPA_PARAM_BUFFERS_blocks, SPA_POD_Int (1),
    SPA_PARAM_BUFFERS_size, SPA_POD_Int (size),
    SPA_PARAM_BUFFERS_stride, SPA_POD_Int (stride),
    SPA_PARAM_BUFFERS_dataType, SPA_POD_CHOICE_FLAGS_Int ((1 << SPA_DATA_MemPtr)
                                                          | (1 << SPA_DATA_MemFd)));
  params[1] = spa_pod_builder_add_object (&builder,
    SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta,
    SPA_PARAM_META_type, SPA_POD_Id (SPA_META_Header),
    SPA_PARAM_META_size, SPA_POD_Int (sizeof (struct spa_meta_header)));
  pw_stream_update_params (stream->stream, params, 2);
}

static const struct pw_stream_events stream_events = {
  PW_VERSION_STREAM_EVENTS,
  .state_changed = on_state_changed,
  .param_changed = on_param_changed,
  .process = on_process,
};

static void
on_core_error (void       *user_data,
               uint32_t    id,
               int         seq,
               int         res,
               const char *message)
{
  PxStudioPublisher *self = user_data;

  if (id == PW_ID_CORE && !self->error_emitted)
    {
      g_autofree char *text = g_strdup_printf ("PipeWire: %s", res == -EPIPE
                                               ? "the daemon went away" : message);

      self->error_emitted = TRUE;
      emit_later (self, text);
    }
}

static const struct pw_core_events core_events = {
  PW_VERSION_CORE_EVENTS,
  .error = on_core_error,
};

static gboolean
connect_stream (PxStudioPublisher  *self,
                CameraStream       *stream,
                GError            **error)
{
  const PxStudioCamera *camera = stream_camera (stream);
  struct pw_properties *props;
  guint8 buffer[1024];
  struct spa_pod_builder builder = SPA_POD_BUILDER_INIT (buffer, sizeof buffer);
  const struct spa_pod *params[1];
  int res;

  props = pw_properties_new (PW_KEY_MEDIA_TYPE, "Video",
                             PW_KEY_MEDIA_CATEGORY, "Capture",
                             PW_KEY_MEDIA_ROLE, "Camera",
                             PW_KEY_MEDIA_CLASS, "Video/Source",
                             PW_KEY_NODE_NAME, camera->id,
                             PW_KEY_NODE_DESCRIPTION, camera->id,
                             PW_KEY_NODE_NICK, camera->id,
                             NULL);
  pw_properties_setf (props, PW_KEY_NODE_RATE, "1/%u", self->fps);
  stream->stream = pw_stream_new (self->core, camera->id, props);
  if (stream->stream == NULL)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                   "Could not create the PipeWire stream of camera “%s”: %s", camera->id,
                   g_strerror (errno));
      return FALSE;
    }
  pw_stream_add_listener (stream->stream, &stream->listener, &stream_events, stream);
  stream->timer = pw_loop_add_timer (pw_thread_loop_get_loop (self->loop), on_timeout, stream);

  params[0] = spa_pod_builder_add_object (&builder,
    SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat,
    SPA_FORMAT_mediaType, SPA_POD_Id (SPA_MEDIA_TYPE_video),
    SPA_FORMAT_mediaSubtype, SPA_POD_Id (SPA_MEDIA_SUBTYPE_raw),
    SPA_FORMAT_VIDEO_format, SPA_POD_CHOICE_ENUM_Id (3, SPA_VIDEO_FORMAT_I420,
                                                     SPA_VIDEO_FORMAT_I420,
                                                     SPA_VIDEO_FORMAT_YUY2),
    SPA_FORMAT_VIDEO_size, SPA_POD_Rectangle (&SPA_RECTANGLE (camera->width, camera->height)),
    SPA_FORMAT_VIDEO_framerate, SPA_POD_Fraction (&SPA_FRACTION (self->fps, 1)));

  res = pw_stream_connect (stream->stream, PW_DIRECTION_OUTPUT, PW_ID_ANY,
                           PW_STREAM_FLAG_DRIVER | PW_STREAM_FLAG_MAP_BUFFERS, params, 1);
  if (res < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (-res),
                   "Could not publish camera “%s”: %s", camera->id, spa_strerror (res));
      return FALSE;
    }
  return TRUE;
}

gboolean
px_studio_publisher_start (PxStudioPublisher  *self,
                           GError            **error)
{
  g_return_val_if_fail (PX_IS_STUDIO_PUBLISHER (self), FALSE);
  g_return_val_if_fail (self->loop == NULL, FALSE);

  pw_init (NULL, NULL);
  self->loop = pw_thread_loop_new ("px-studio", NULL);
  self->pw_context = pw_context_new (pw_thread_loop_get_loop (self->loop), NULL, 0);
  if (self->pw_context == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Could not create a PipeWire context");
      px_studio_publisher_stop (self);
      return FALSE;
    }
  if (pw_thread_loop_start (self->loop) < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Could not start the PipeWire loop");
      px_studio_publisher_stop (self);
      return FALSE;
    }

  pw_thread_loop_lock (self->loop);
  self->core = pw_context_connect (self->pw_context, NULL, 0);
  if (self->core == NULL)
    {
      int errsv = errno;

      pw_thread_loop_unlock (self->loop);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "Could not connect to PipeWire: %s", g_strerror (errsv));
      px_studio_publisher_stop (self);
      return FALSE;
    }
  pw_core_add_listener (self->core, &self->core_listener, &core_events, self);
  for (guint i = 0; i < self->n_streams; i++)
    if (!connect_stream (self, &self->streams[i], error))
      {
        pw_thread_loop_unlock (self->loop);
        px_studio_publisher_stop (self);
        return FALSE;
      }
  pw_thread_loop_unlock (self->loop);

  self->stopping = FALSE;
  self->render_thread = g_thread_new ("px-studio-render", render_thread, self);
  return TRUE;
}

void
px_studio_publisher_stop (PxStudioPublisher *self)
{
  g_return_if_fail (PX_IS_STUDIO_PUBLISHER (self));

  if (self->render_thread != NULL)
    {
      g_mutex_lock (&self->lock);
      self->stopping = TRUE;
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->lock);
      g_thread_join (g_steal_pointer (&self->render_thread));
    }

  if (self->loop != NULL)
    {
      pw_thread_loop_lock (self->loop);
      for (guint i = 0; i < self->n_streams; i++)
        {
          CameraStream *stream = &self->streams[i];

          if (stream->timer != NULL)
            pw_loop_destroy_source (pw_thread_loop_get_loop (self->loop), stream->timer);
          stream->timer = NULL;
          if (stream->stream != NULL)
            {
              spa_hook_remove (&stream->listener);
              pw_stream_disconnect (stream->stream);
            }
          stream->streaming = FALSE;
        }
      /* Process calls the data thread already queued for these streams
       * must run before the streams are freed (see the capture module). */
      px_pipewire_thread_loop_drain_locked (self->loop);
      for (guint i = 0; i < self->n_streams; i++)
        g_clear_pointer (&self->streams[i].stream, pw_stream_destroy);
      if (self->core != NULL)
        {
          spa_hook_remove (&self->core_listener);
          pw_core_disconnect (self->core);
          self->core = NULL;
        }
      pw_thread_loop_unlock (self->loop);
      pw_thread_loop_stop (self->loop);
      g_clear_pointer (&self->pw_context, pw_context_destroy);
      g_clear_pointer (&self->loop, pw_thread_loop_destroy);
    }
  self->n_streaming = 0;
}

guint64
px_studio_publisher_get_frames_sent (PxStudioPublisher *self,
                                     guint              camera)
{
  guint64 sent;

  g_return_val_if_fail (PX_IS_STUDIO_PUBLISHER (self), 0);
  g_return_val_if_fail (camera < self->n_streams, 0);

  g_mutex_lock (&self->lock);
  sent = self->streams[camera].frames_sent;
  g_mutex_unlock (&self->lock);
  return sent;
}

void
px_studio_publisher_set_frame_code (PxStudioPublisher *self,
                                    gboolean           frame_code)
{
  g_return_if_fail (PX_IS_STUDIO_PUBLISHER (self));

  g_mutex_lock (&self->lock);
  self->frame_code = !!frame_code;
  g_mutex_unlock (&self->lock);
}

gint64
px_studio_publisher_get_made_time (PxStudioPublisher *self,
                                   guint64            frame)
{
  gint64 made = 0;

  g_return_val_if_fail (PX_IS_STUDIO_PUBLISHER (self), 0);

  g_mutex_lock (&self->lock);
  for (guint64 i = 0; i < MIN (self->frames_made, MADE_HISTORY); i++)
    {
      guint64 slot = (self->frames_made - 1 - i) % MADE_HISTORY;

      if (self->made_numbers[slot] == frame)
        {
          made = self->made_times[slot];
          break;
        }
      if (self->made_numbers[slot] < frame)
        break;
    }
  g_mutex_unlock (&self->lock);
  return made;
}

void
px_studio_publisher_set_loop (PxStudioPublisher *self,
                              guint              n_frames)
{
  g_return_if_fail (PX_IS_STUDIO_PUBLISHER (self));
  g_return_if_fail (self->render_thread == NULL);
  g_return_if_fail (self->loop_cache == NULL);

  self->loop_frames = n_frames;
  if (n_frames > 0)
    self->loop_cache = g_new0 (LoopFrame, n_frames);
}
