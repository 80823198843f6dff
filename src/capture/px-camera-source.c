/* px-camera-source.c: frames from one camera, as I420
 *
 * The pw_stream lives on the PipeWire thread (see px-pipewire-connection.c
 * for the threading). Its process callback converts each buffer into a
 * frame from a small pool and puts it in the latest-frame slot, a pointer
 * guarded by a mutex: whatever frame was there and not taken is dropped.
 * Everything else (opening, ending, the signals) happens on the
 * connection's main context.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include <pipewire/pipewire.h>
#include <spa/param/video/format-utils.h>
#include <spa/param/video/type-info.h>
#include <spa/pod/builder.h>

#include "media/px-frame-pool.h"
#include "media/px-mjpeg-decoder.h"
#include "media/px-pixel-convert.h"
#include "px-camera-source.h"
#include "px-capture-device.h"
#include "px-capture-error.h"
#include "px-pipewire-connection-private.h"

#define DEFAULT_WIDTH 640
#define DEFAULT_HEIGHT 480
#define DEFAULT_FPS 30
#define POOL_FRAMES 4
#define NEGOTIATION_TIMEOUT_MS 10000
#define RETURN_TIMEOUT_MS 20000
/* A camera node that vanishes and reappears at once (a producer
 * reconfiguring, a USB hiccup) is not an unplug. */
#define UNPLUG_GRACE_MS 1500
#define MAX_QUICK_REOPENS 3

#define ROUND_UP_2(x) (((x) + 1) & ~(gsize) 1)
#define ROUND_UP_4(x) (((x) + 3) & ~(gsize) 3)

struct _PxCameraSource
{
  GObject parent_instance;

  /* Main context. */
  PxPipewireConnection *connection;
  char                 *camera;
  guint                 req_width;
  guint                 req_height;
  guint                 req_fps;
  guint                 max_height;   /* 0: no limit */
  PxCameraSourceState   state;
  GError               *error;
  gulong                handlers[3];  /* px_pipewire_connection_follow() */
  GSource              *timeout;
  guint                 stream_generation;
  char                 *lost_message;
  guint                 quick_reopens;

  /* Guarded by the mutex. */
  GMutex                mutex;
  PxFrame              *latest;
  gboolean              latest_taken;
  PxPixelFormat         format;
  guint                 width;
  guint                 height;
  double                fps;

  /* Any thread (atomics). */
  gint                  frame_ready_pending;
  _Atomic guint64       n_frames;
  _Atomic guint64       n_dropped;

  /* PipeWire thread (or under the loop lock). */
  struct pw_stream     *stream;
  struct spa_hook       stream_listener;
  PxFramePool          *pool;
  PxMjpegDecoder       *decoder;
  PxPixelFormat         in_format;
  guint                 in_width;
  guint                 in_height;
  guint64               sequence;
};

G_DEFINE_FINAL_TYPE (PxCameraSource, px_camera_source, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (PxCameraSourceState, px_camera_source_state,
                    G_DEFINE_ENUM_VALUE (PX_CAMERA_SOURCE_STATE_IDLE, "idle"),
                    G_DEFINE_ENUM_VALUE (PX_CAMERA_SOURCE_STATE_WAITING, "waiting"),
                    G_DEFINE_ENUM_VALUE (PX_CAMERA_SOURCE_STATE_NEGOTIATING, "negotiating"),
                    G_DEFINE_ENUM_VALUE (PX_CAMERA_SOURCE_STATE_STREAMING, "streaming"),
                    G_DEFINE_ENUM_VALUE (PX_CAMERA_SOURCE_STATE_ENDED, "ended"))

enum {
  PROP_0,
  PROP_STATE,
  PROP_FORMAT,
  N_PROPS
};

enum {
  FRAME_READY,
  ENDED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void try_open (PxCameraSource *self);

/* Events from the PipeWire thread ---------------------------------------------------------- */

typedef enum
{
  EVENT_FRAME,
  EVENT_FORMAT,
  EVENT_STATE,
} EventKind;

typedef struct
{
  PxCameraSource       *self;
  EventKind             kind;
  guint                 generation;
  enum pw_stream_state  stream_state;
  char                 *message;
} Event;

static void
event_free (gpointer data)
{
  Event *event = data;

  g_object_unref (event->self);
  g_free (event->message);
  g_free (event);
}

static gboolean handle_event_cb (gpointer data);

static void
post_event (PxCameraSource       *self,
            EventKind             kind,
            guint                 generation,
            enum pw_stream_state  stream_state,
            const char           *message)
{
  Event *event = g_new0 (Event, 1);

  event->self = g_object_ref (self);
  event->kind = kind;
  event->generation = generation;
  event->stream_state = stream_state;
  event->message = g_strdup (message);
  px_pipewire_connection_post (self->connection, handle_event_cb, event, event_free);
}

/* Choosing a format ------------------------------------------------------------------------ */

static int
format_preference (PxPixelFormat format)
{
  /* Cheapest conversion first; MJPG last among formats that reach the rate. */
  switch (format)
    {
    case PX_PIXEL_FORMAT_I420: return 0;
    case PX_PIXEL_FORMAT_NV12: return 1;
    case PX_PIXEL_FORMAT_YUY2: return 2;
    case PX_PIXEL_FORMAT_UYVY: return 3;
    case PX_PIXEL_FORMAT_BGRX: return 4;
    case PX_PIXEL_FORMAT_RGBX: return 5;
    case PX_PIXEL_FORMAT_RGBA: return 6;
    case PX_PIXEL_FORMAT_BGR: return 7;
    case PX_PIXEL_FORMAT_RGB: return 8;
    case PX_PIXEL_FORMAT_MJPG: return 9;
    default: return 100;
    }
}

/* The size a format entry gives for a request: exact, or within its range. */
static void
entry_size_for (const PxCameraFormat *entry,
                guint                 width,
                guint                 height,
                guint                *out_width,
                guint                *out_height)
{
  if (entry->max_width > entry->min_width || entry->max_height > entry->min_height)
    {
      *out_width = CLAMP (width, entry->min_width, entry->max_width);
      *out_height = CLAMP (height, entry->min_height, entry->max_height);
    }
  else
    {
      *out_width = entry->width;
      *out_height = entry->height;
    }
}

/* Lower is better: within the height limit, if any; then exact size,
 * then the smallest larger size, then the largest smaller one; then
 * reaching the rate; then format cost. */
static gint64
entry_score (const PxCameraFormat *entry,
             guint                 width,
             guint                 height,
             guint                 fps,
             guint                 max_height)
{
  guint w, h;
  gint64 area, wanted = (gint64) width * height;
  gint64 size_score;
  gboolean reaches_rate;

  entry_size_for (entry, width, height, &w, &h);
  area = (gint64) w * h;
  if (w == width && h == height)
    size_score = 0;
  else if (w >= width && h >= height)
    size_score = 1 + (area - wanted);
  else
    size_score = ((gint64) 1 << 40) - area;

  reaches_rate = entry->max_fps <= 0 || entry->max_fps + 0.01 >= fps;

  return (max_height > 0 && h > max_height ? (gint64) 1 << 60 : 0)
         + size_score * 1000 + (reaches_rate ? 0 : 500) + format_preference (entry->format);
}

static const PxCameraFormat *
choose_format (PxCaptureDevice *device,
               guint            width,
               guint            height,
               guint            fps,
               guint            max_height)
{
  const PxCameraFormat *formats, *best = NULL;
  gint64 best_score = G_MAXINT64;
  guint n;

  formats = px_capture_device_get_formats (device, &n);
  for (guint i = 0; i < n; i++)
    {
      gint64 score;

      if (!px_pixel_convert_can_read (formats[i].format) &&
          formats[i].format != PX_PIXEL_FORMAT_MJPG)
        continue;
      score = entry_score (&formats[i], width, height, fps, max_height);
      if (score < best_score)
        {
          best = &formats[i];
          best_score = score;
        }
    }
  return best;
}

/* A request above the height limit shrinks to it, keeping its shape. */
static void
limit_request (guint *width,
               guint *height,
               guint  max_height)
{
  if (max_height > 0 && *height > max_height)
    {
      *width = MAX (2, (guint) ((guint64) *width * max_height / *height) & ~1u);
      *height = max_height;
    }
}

gboolean
px_camera_source_choose_format (PxCaptureDevice *device,
                                guint            width,
                                guint            height,
                                guint            fps,
                                guint            max_height,
                                PxPixelFormat   *format,
                                guint           *out_width,
                                guint           *out_height)
{
  const PxCameraFormat *chosen;
  guint w, h;

  g_return_val_if_fail (PX_IS_CAPTURE_DEVICE (device), FALSE);

  width = width > 0 ? width : DEFAULT_WIDTH;
  height = height > 0 ? height : DEFAULT_HEIGHT;
  limit_request (&width, &height, max_height);
  chosen = choose_format (device, width, height, fps > 0 ? fps : DEFAULT_FPS, max_height);
  if (chosen == NULL)
    return FALSE;
  entry_size_for (chosen, width, height, &w, &h);
  if (format != NULL)
    *format = chosen->format;
  if (out_width != NULL)
    *out_width = w;
  if (out_height != NULL)
    *out_height = h;
  return TRUE;
}

static uint32_t
spa_format_from_pixel (PxPixelFormat format)
{
  switch (format)
    {
    case PX_PIXEL_FORMAT_I420: return SPA_VIDEO_FORMAT_I420;
    case PX_PIXEL_FORMAT_NV12: return SPA_VIDEO_FORMAT_NV12;
    case PX_PIXEL_FORMAT_YUY2: return SPA_VIDEO_FORMAT_YUY2;
    case PX_PIXEL_FORMAT_UYVY: return SPA_VIDEO_FORMAT_UYVY;
    case PX_PIXEL_FORMAT_RGBX: return SPA_VIDEO_FORMAT_RGBx;
    case PX_PIXEL_FORMAT_BGRX: return SPA_VIDEO_FORMAT_BGRx;
    case PX_PIXEL_FORMAT_RGBA: return SPA_VIDEO_FORMAT_RGBA;
    case PX_PIXEL_FORMAT_RGB: return SPA_VIDEO_FORMAT_RGB;
    case PX_PIXEL_FORMAT_BGR: return SPA_VIDEO_FORMAT_BGR;
    default: return SPA_VIDEO_FORMAT_UNKNOWN;
    }
}

static PxPixelFormat
pixel_from_spa_format (uint32_t format)
{
  static const PxPixelFormat all[] = {
    PX_PIXEL_FORMAT_I420, PX_PIXEL_FORMAT_NV12, PX_PIXEL_FORMAT_YUY2, PX_PIXEL_FORMAT_UYVY,
    PX_PIXEL_FORMAT_RGBX, PX_PIXEL_FORMAT_BGRX, PX_PIXEL_FORMAT_RGBA, PX_PIXEL_FORMAT_RGB,
    PX_PIXEL_FORMAT_BGR,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (all); i++)
    {
      if (spa_format_from_pixel (all[i]) == format)
        return all[i];
    }
  return PX_PIXEL_FORMAT_UNKNOWN;
}

/* One EnumFormat: @format at @width × @height (fixed when @fixed_size, else
 * a range around it) and any rate, preferring @fps. */
static const struct spa_pod *
build_format (struct spa_pod_builder *builder,
              PxPixelFormat           format,
              guint                   width,
              guint                   height,
              gboolean                fixed_size,
              guint                   fps)
{
  struct spa_pod_frame frame;
  struct spa_rectangle size = SPA_RECTANGLE (width, height);
  struct spa_rectangle min_size = SPA_RECTANGLE (1, 1);
  struct spa_rectangle max_size = SPA_RECTANGLE (PX_FRAME_MAX_SIZE, PX_FRAME_MAX_SIZE);
  struct spa_fraction rate = SPA_FRACTION (fps, 1);
  struct spa_fraction min_rate = SPA_FRACTION (0, 1);
  struct spa_fraction max_rate = SPA_FRACTION (1000, 1);

  spa_pod_builder_push_object (builder, &frame, SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat);
  spa_pod_builder_add (builder, SPA_FORMAT_mediaType, SPA_POD_Id (SPA_MEDIA_TYPE_video), 0);
  if (format == PX_PIXEL_FORMAT_MJPG)
    {
      spa_pod_builder_add (builder,
                           SPA_FORMAT_mediaSubtype, SPA_POD_Id (SPA_MEDIA_SUBTYPE_mjpg), 0);
    }
  else
    {
      spa_pod_builder_add (builder,
                           SPA_FORMAT_mediaSubtype, SPA_POD_Id (SPA_MEDIA_SUBTYPE_raw),
                           SPA_FORMAT_VIDEO_format, SPA_POD_Id (spa_format_from_pixel (format)),
                           0);
    }
  if (fixed_size)
    spa_pod_builder_add (builder, SPA_FORMAT_VIDEO_size, SPA_POD_Rectangle (&size), 0);
  else
    spa_pod_builder_add (builder, SPA_FORMAT_VIDEO_size,
                         SPA_POD_CHOICE_RANGE_Rectangle (&size, &min_size, &max_size), 0);
  spa_pod_builder_add (builder, SPA_FORMAT_VIDEO_framerate,
                       SPA_POD_CHOICE_RANGE_Fraction (&rate, &min_rate, &max_rate), 0);

  return spa_pod_builder_pop (builder, &frame);
}

/* The PipeWire thread -------------------------------------------------------------------- */

static void
stream_state_changed_cb (void                 *data,
                         enum pw_stream_state  old,
                         enum pw_stream_state  state,
                         const char           *error)
{
  PxCameraSource *self = data;

  post_event (self, EVENT_STATE, self->stream_generation, state, error);
}

static void
stream_param_changed_cb (void                 *data,
                         uint32_t              id,
                         const struct spa_pod *param)
{
  PxCameraSource *self = data;
  uint8_t buffer[1024];
  struct spa_pod_builder builder = SPA_POD_BUILDER_INIT (buffer, sizeof buffer);
  const struct spa_pod *params[2];
  uint32_t media_type, media_subtype;
  PxPixelFormat format = PX_PIXEL_FORMAT_UNKNOWN;
  guint width = 0, height = 0;
  double fps = 0;

  if (id != SPA_PARAM_Format || param == NULL)
    return;
  if (spa_format_parse (param, &media_type, &media_subtype) < 0 ||
      media_type != SPA_MEDIA_TYPE_video)
    return;

  if (media_subtype == SPA_MEDIA_SUBTYPE_raw)
    {
      struct spa_video_info_raw info = { 0 };

      if (spa_format_video_raw_parse (param, &info) < 0)
        return;
      format = pixel_from_spa_format (info.format);
      width = info.size.width;
      height = info.size.height;
      fps = info.framerate.denom ? (double) info.framerate.num / info.framerate.denom : 0;
    }
  else if (media_subtype == SPA_MEDIA_SUBTYPE_mjpg)
    {
      struct spa_video_info_mjpg info = { 0 };

      if (spa_format_video_mjpg_parse (param, &info) < 0)
        return;
      format = PX_PIXEL_FORMAT_MJPG;
      width = info.size.width;
      height = info.size.height;
      fps = info.framerate.denom ? (double) info.framerate.num / info.framerate.denom : 0;
    }

  if (format == PX_PIXEL_FORMAT_UNKNOWN ||
      !px_frame_pool_configure (self->pool, PX_PIXEL_FORMAT_I420, width, height))
    {
      pw_stream_set_error (self->stream, -EINVAL, "unusable format");
      return;
    }

  g_debug ("Camera %s: negotiated %s %u×%u at %g fps", self->camera,
           px_pixel_format_to_string (format), width, height, fps);
  self->in_format = format;
  self->in_width = width;
  self->in_height = height;

  g_mutex_lock (&self->mutex);
  self->format = format;
  self->width = width;
  self->height = height;
  self->fps = fps;
  g_mutex_unlock (&self->mutex);

  if (format == PX_PIXEL_FORMAT_MJPG)
    {
      /* A JPEG's size is not known from its format: ask for room for a
       * badly compressed one, or a producer may offer empty buffers. */
      int jpeg_size = (int) MIN ((gsize) width * height * 2 + 65536, (gsize) G_MAXINT32);

      params[0] = spa_pod_builder_add_object (&builder,
        SPA_TYPE_OBJECT_ParamBuffers, SPA_PARAM_Buffers,
        SPA_PARAM_BUFFERS_buffers, SPA_POD_CHOICE_RANGE_Int (4, 2, 16),
        SPA_PARAM_BUFFERS_blocks, SPA_POD_Int (1),
        SPA_PARAM_BUFFERS_size, SPA_POD_CHOICE_RANGE_Int (jpeg_size, 4096, G_MAXINT32),
        SPA_PARAM_BUFFERS_dataType, SPA_POD_CHOICE_FLAGS_Int ((1 << SPA_DATA_MemPtr) |
                                                              (1 << SPA_DATA_MemFd)));
    }
  else
    {
      /* Only memory we can read without a GPU; the producer picks the
       * count and sizes it knows best. */
      params[0] = spa_pod_builder_add_object (&builder,
        SPA_TYPE_OBJECT_ParamBuffers, SPA_PARAM_Buffers,
        SPA_PARAM_BUFFERS_dataType, SPA_POD_CHOICE_FLAGS_Int ((1 << SPA_DATA_MemPtr) |
                                                              (1 << SPA_DATA_MemFd)));
    }
  params[1] = spa_pod_builder_add_object (&builder,
    SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta,
    SPA_PARAM_META_type, SPA_POD_Id (SPA_META_Header),
    SPA_PARAM_META_size, SPA_POD_Int (sizeof (struct spa_meta_header)));
  pw_stream_update_params (self->stream, params, G_N_ELEMENTS (params));

  post_event (self, EVENT_FORMAT, self->stream_generation, 0, NULL);
}

/* A plane of @data from @offset, checked against the chunk. */
static gboolean
plane_fits (gsize  chunk_size,
            gsize  offset,
            gsize  stride,
            guint  rows,
            gsize  row_bytes)
{
  if (rows == 0)
    return TRUE;
  return stride >= row_bytes &&
         offset + stride * (rows - 1) + row_bytes <= chunk_size;
}

static gboolean
convert_buffer (PxCameraSource    *self,
                struct spa_buffer *buffer,
                PxFrame           *frame)
{
  struct spa_data *d = &buffer->datas[0];
  const guint8 *data;
  gsize size;
  guint w = self->in_width, h = self->in_height;
  guint cw = (w + 1) / 2, ch = (h + 1) / 2;
  const guint8 *planes[3] = { NULL };
  int strides[3] = { 0 };
  gsize stride;

  if (buffer->n_datas < 1 || d->data == NULL || d->chunk == NULL ||
      (d->chunk->flags & SPA_CHUNK_FLAG_CORRUPTED) ||
      d->chunk->offset > d->maxsize || d->chunk->size > d->maxsize - d->chunk->offset)
    return FALSE;

  data = (const guint8 *) d->data + d->chunk->offset;
  size = d->chunk->size;

  if (self->in_format == PX_PIXEL_FORMAT_MJPG)
    {
      g_autoptr(GError) error = NULL;

      if (!px_mjpeg_decoder_decode (self->decoder, data, size, frame, &error))
        {
          g_debug ("Dropped a camera frame: %s", error->message);
          return FALSE;
        }
      return TRUE;
    }

  stride = d->chunk->stride > 0 ? (gsize) d->chunk->stride : 0;

  switch (self->in_format)
    {
    case PX_PIXEL_FORMAT_I420:
    case PX_PIXEL_FORMAT_NV12:
      {
        gboolean nv12 = self->in_format == PX_PIXEL_FORMAT_NV12;
        guint n_planes = nv12 ? 2 : 3;
        gsize chroma_row = nv12 ? (gsize) cw * 2 : cw;

        if (stride == 0)
          stride = ROUND_UP_4 (w);
        if (buffer->n_datas >= n_planes)
          {
            /* One spa_data per plane. */
            for (guint i = 0; i < n_planes; i++)
              {
                struct spa_data *p = &buffer->datas[i];
                gsize p_stride = p->chunk->stride > 0 ? (gsize) p->chunk->stride
                                                      : (i == 0 ? stride : chroma_row);

                if (p->data == NULL || p->chunk->offset > p->maxsize ||
                    p->chunk->size > p->maxsize - p->chunk->offset ||
                    !plane_fits (p->chunk->size, 0, p_stride, i == 0 ? h : ch,
                                 i == 0 ? w : chroma_row))
                  return FALSE;
                planes[i] = (const guint8 *) p->data + p->chunk->offset;
                strides[i] = (int) p_stride;
              }
          }
        else
          {
            /* All planes in one block, GStreamer's and V4L2's layout:
             * chroma rows half as long as luma rows (NV12: as long). */
            gsize chroma_stride = nv12 ? stride : stride / 2;
            gsize offset1 = stride * ROUND_UP_2 (h);
            gsize offset2 = offset1 + chroma_stride * ch;

            if (!nv12 && chroma_stride < cw)
              return FALSE;
            if (!plane_fits (size, 0, stride, h, w) ||
                !plane_fits (size, offset1, chroma_stride, ch, chroma_row) ||
                (!nv12 && !plane_fits (size, offset2, chroma_stride, ch, cw)))
              return FALSE;
            planes[0] = data;
            planes[1] = data + offset1;
            planes[2] = nv12 ? NULL : data + offset2;
            strides[0] = (int) stride;
            strides[1] = strides[2] = (int) chroma_stride;
          }
        break;
      }
    default:
      {
        gsize bpp = self->in_format == PX_PIXEL_FORMAT_YUY2 ||
                    self->in_format == PX_PIXEL_FORMAT_UYVY ? 2 :
                    self->in_format == PX_PIXEL_FORMAT_RGB ||
                    self->in_format == PX_PIXEL_FORMAT_BGR ? 3 : 4;
        gsize row = bpp == 2 ? (gsize) cw * 4 : w * bpp;

        if (stride == 0)
          stride = ROUND_UP_4 (row);
        if (!plane_fits (size, 0, stride, h, row))
          return FALSE;
        planes[0] = data;
        strides[0] = (int) stride;
        break;
      }
    }

  return px_pixel_convert_to_i420 (self->in_format, planes, strides, w, h, frame);
}

static gint64
capture_time_us (struct spa_buffer *buffer)
{
  struct spa_meta_header *header;
  gint64 now = g_get_monotonic_time ();

  header = spa_buffer_find_meta_data (buffer, SPA_META_Header, sizeof *header);
  if (header != NULL && header->pts > 0)
    {
      gint64 pts_us = header->pts / 1000;

      /* V4L2 stamps buffers with CLOCK_MONOTONIC; other producers use their
       * own clocks, which the arrival time replaces. */
      if (pts_us <= now && now - pts_us < G_USEC_PER_SEC)
        return pts_us;
    }
  return now;
}

static void
stream_process_cb (void *data)
{
  PxCameraSource *self = data;
  struct pw_buffer *buffer = NULL, *newer;
  PxFrame *frame, *replaced;
  gboolean replaced_untaken;

  /* Newest wins already here: older queued buffers go straight back. */
  while ((newer = pw_stream_dequeue_buffer (self->stream)) != NULL)
    {
      if (buffer != NULL)
        {
          pw_stream_queue_buffer (self->stream, buffer);
          atomic_fetch_add_explicit (&self->n_dropped, 1, memory_order_relaxed);
        }
      buffer = newer;
    }
  if (buffer == NULL)
    return;

  frame = self->in_width > 0 ? px_frame_pool_acquire (self->pool) : NULL;
  if (frame == NULL || !convert_buffer (self, buffer->buffer, frame))
    {
      g_debug ("Camera %s: dropped a buffer (%s)", self->camera,
               frame == NULL ? "no free frame" : "unreadable");
      pw_stream_queue_buffer (self->stream, buffer);
      g_clear_pointer (&frame, px_frame_unref);
      atomic_fetch_add_explicit (&self->n_dropped, 1, memory_order_relaxed);
      return;
    }
  frame->capture_time_us = capture_time_us (buffer->buffer);
  frame->sequence = self->sequence++;
  pw_stream_queue_buffer (self->stream, buffer);

  g_mutex_lock (&self->mutex);
  replaced = self->latest;
  replaced_untaken = replaced != NULL && !self->latest_taken;
  self->latest = frame;
  self->latest_taken = FALSE;
  g_mutex_unlock (&self->mutex);

  if (replaced != NULL)
    px_frame_unref (replaced);
  if (replaced_untaken)
    atomic_fetch_add_explicit (&self->n_dropped, 1, memory_order_relaxed);
  atomic_fetch_add_explicit (&self->n_frames, 1, memory_order_relaxed);

  if (g_atomic_int_compare_and_exchange (&self->frame_ready_pending, FALSE, TRUE))
    post_event (self, EVENT_FRAME, self->stream_generation, 0, NULL);
}

static const struct pw_stream_events stream_events = {
  PW_VERSION_STREAM_EVENTS,
  .state_changed = stream_state_changed_cb,
  .param_changed = stream_param_changed_cb,
  .process = stream_process_cb,
};

/* The main context ------------------------------------------------------------------------ */

static void
set_state (PxCameraSource      *self,
           PxCameraSourceState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
clear_timeout (PxCameraSource *self)
{
  px_pipewire_clear_timeout (&self->timeout);
}

static void
start_timeout (PxCameraSource *self,
               guint           ms,
               GSourceFunc     func)
{
  px_pipewire_connection_start_timeout (self->connection, &self->timeout, ms, func, self);
}

static void
destroy_stream (PxCameraSource *self)
{
  px_pipewire_connection_lock (self->connection);
  px_pipewire_connection_destroy_stream_locked (self->connection, &self->stream,
                                                &self->stream_listener);
  self->stream_generation++;
  self->in_width = self->in_height = 0;
  px_pipewire_connection_unlock (self->connection);
}

static void
end_with_error (PxCameraSource *self,
                GError         *error)
{
  if (self->state == PX_CAMERA_SOURCE_STATE_ENDED || self->state == PX_CAMERA_SOURCE_STATE_IDLE)
    {
      g_error_free (error);
      return;
    }

  g_debug ("Camera %s ended: %s", self->camera, error->message);
  clear_timeout (self);
  destroy_stream (self);
  g_clear_error (&self->error);
  self->error = error;
  set_state (self, PX_CAMERA_SOURCE_STATE_ENDED);
  g_signal_emit (self, signals[ENDED], 0, self->error);
}

static const char *
camera_label (PxCameraSource *self)
{
  PxCaptureDevice *device = px_pipewire_connection_find_device (self->connection, self->camera);

  return device != NULL ? px_capture_device_get_description (device) : self->camera;
}

static gboolean
negotiation_timeout_cb (gpointer data)
{
  PxCameraSource *self = data;
  PxCaptureDevice *device = px_pipewire_connection_find_device (self->connection, self->camera);
  g_autofree char *offered = device != NULL ? px_capture_device_describe_formats (device)
                                            : g_strdup ("unknown");

  g_clear_pointer (&self->timeout, g_source_unref);
  end_with_error (self, g_error_new (PX_CAPTURE_ERROR, PX_CAPTURE_ERROR_NEGOTIATION,
                                     "Camera “%s” did not agree on a format (it offers %s)",
                                     camera_label (self), offered));
  return G_SOURCE_REMOVE;
}

static gboolean
return_timeout_cb (gpointer data)
{
  PxCameraSource *self = data;

  g_clear_pointer (&self->timeout, g_source_unref);
  end_with_error (self, g_error_new (PX_CAPTURE_ERROR, PX_CAPTURE_ERROR_DISCONNECTED,
                                     "Camera “%s” did not come back", self->camera));
  return G_SOURCE_REMOVE;
}

static gboolean
unplug_grace_cb (gpointer data)
{
  PxCameraSource *self = data;
  g_autofree char *message = g_steal_pointer (&self->lost_message);

  g_clear_pointer (&self->timeout, g_source_unref);
  if (px_pipewire_connection_find_device (self->connection, self->camera) != NULL &&
      self->quick_reopens < MAX_QUICK_REOPENS)
    {
      self->quick_reopens++;
      try_open (self);
      return G_SOURCE_REMOVE;
    }
  end_with_error (self, g_error_new_literal (PX_CAPTURE_ERROR, PX_CAPTURE_ERROR_DISCONNECTED,
                                             message != NULL ? message : "The camera went away"));
  return G_SOURCE_REMOVE;
}

/* The camera node or our stream went away while PipeWire itself is fine:
 * wait a moment for it to come back before calling it unplugged. */
static void
lose_camera (PxCameraSource *self,
             char           *message)
{
  if (self->state == PX_CAMERA_SOURCE_STATE_ENDED || self->state == PX_CAMERA_SOURCE_STATE_IDLE)
    {
      g_free (message);
      return;
    }

  g_debug ("%s; waiting %d ms for it to return", message, UNPLUG_GRACE_MS);
  destroy_stream (self);
  set_state (self, PX_CAMERA_SOURCE_STATE_WAITING);
  g_free (self->lost_message);
  self->lost_message = message;
  start_timeout (self, UNPLUG_GRACE_MS, unplug_grace_cb);
}

static gboolean
handle_event_cb (gpointer data)
{
  Event *event = data;
  PxCameraSource *self = event->self;

  if (event->kind == EVENT_FRAME)
    {
      g_atomic_int_set (&self->frame_ready_pending, FALSE);
      if (event->generation == self->stream_generation)
        {
          self->quick_reopens = 0;
          g_signal_emit (self, signals[FRAME_READY], 0);
        }
      return G_SOURCE_REMOVE;
    }

  if (event->generation != self->stream_generation)
    return G_SOURCE_REMOVE;

  if (event->kind == EVENT_FORMAT)
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FORMAT]);
      return G_SOURCE_REMOVE;
    }

  g_debug ("Camera %s: stream %s", self->camera, pw_stream_state_as_string (event->stream_state));
  switch (event->stream_state)
    {
    case PW_STREAM_STATE_STREAMING:
      clear_timeout (self);
      set_state (self, PX_CAMERA_SOURCE_STATE_STREAMING);
      break;
    case PW_STREAM_STATE_ERROR:
    case PW_STREAM_STATE_UNCONNECTED:
      /* A stream failing with its daemon is the connection's business. */
      if (!px_pipewire_connection_is_alive (self->connection))
        break;
      if (event->stream_state == PW_STREAM_STATE_ERROR)
        end_with_error (self, g_error_new (PX_CAPTURE_ERROR, PX_CAPTURE_ERROR_FAILED,
                                           "Camera “%s” failed: %s", camera_label (self),
                                           event->message ? event->message : "unknown error"));
      else
        lose_camera (self, g_strdup_printf ("Camera “%s” closed the stream",
                                            camera_label (self)));
      break;
    case PW_STREAM_STATE_CONNECTING:
    case PW_STREAM_STATE_PAUSED:
    default:
      break;
    }

  return G_SOURCE_REMOVE;
}

/* Checks the camera is usable; FALSE with the reason. */
static gboolean
check_device (PxCameraSource   *self,
              PxCaptureDevice  *device,
              GError          **error)
{
  g_autofree char *offered = NULL;
  guint n_formats;

  px_capture_device_get_formats (device, &n_formats);
  /* No formats listed: let the stream find out. */
  if (n_formats == 0 || px_capture_device_has_supported_format (device))
    return TRUE;

  offered = px_capture_device_describe_formats (device);
  g_set_error (error, PX_CAPTURE_ERROR, PX_CAPTURE_ERROR_UNSUPPORTED_FORMAT,
               "Camera “%s” offers only formats Parallax cannot read: %s",
               px_capture_device_get_description (device), offered);
  return FALSE;
}

static void
open_stream (PxCameraSource  *self,
             PxCaptureDevice *device)
{
  static const PxPixelFormat fallbacks[] = {
    PX_PIXEL_FORMAT_I420, PX_PIXEL_FORMAT_NV12, PX_PIXEL_FORMAT_YUY2, PX_PIXEL_FORMAT_UYVY,
    PX_PIXEL_FORMAT_BGRX, PX_PIXEL_FORMAT_RGBX, PX_PIXEL_FORMAT_RGBA, PX_PIXEL_FORMAT_BGR,
    PX_PIXEL_FORMAT_RGB, PX_PIXEL_FORMAT_MJPG,
  };
  uint8_t buffer[4096];
  struct spa_pod_builder builder = SPA_POD_BUILDER_INIT (buffer, sizeof buffer);
  const struct spa_pod *params[G_N_ELEMENTS (fallbacks) + 1];
  const PxCameraFormat *chosen;
  struct pw_properties *props;
  struct pw_core *core;
  guint n_params = 0;
  int result = -ENOTCONN;
  guint req_width = self->req_width, req_height = self->req_height;

  limit_request (&req_width, &req_height, self->max_height);
  chosen = choose_format (device, req_width, req_height, self->req_fps, self->max_height);
  if (chosen != NULL)
    {
      guint w, h;

      entry_size_for (chosen, req_width, req_height, &w, &h);
      params[n_params++] = build_format (&builder, chosen->format, w, h, TRUE, self->req_fps);
      g_debug ("Camera %s: asking for %s %u×%u", self->camera, chosen->format_name, w, h);
    }
  /* In case the list was stale: anything we read, near the requested size. */
  for (gsize i = 0; i < G_N_ELEMENTS (fallbacks); i++)
    params[n_params++] = build_format (&builder, fallbacks[i], req_width,
                                       req_height, FALSE, self->req_fps);

  props = pw_properties_new (PW_KEY_MEDIA_TYPE, "Video",
                             PW_KEY_MEDIA_CATEGORY, "Capture",
                             PW_KEY_MEDIA_ROLE, "Camera",
                             PW_KEY_NODE_NAME, "parallax-camera",
                             PW_KEY_NODE_DESCRIPTION, "Parallax camera capture",
                             PW_KEY_TARGET_OBJECT, px_capture_device_get_name (device),
                             /* Never drift to another camera when this one leaves. */
                             PW_KEY_NODE_DONT_RECONNECT, "true",
                             NULL);

  px_pipewire_connection_lock (self->connection);
  core = px_pipewire_connection_get_core (self->connection);
  if (core != NULL && self->stream == NULL)
    {
      self->stream_generation++;
      self->in_width = self->in_height = 0;
      self->stream = pw_stream_new (core, "parallax-camera", props);
      props = NULL;
      if (self->stream != NULL)
        {
          pw_stream_add_listener (self->stream, &self->stream_listener, &stream_events, self);
          result = pw_stream_connect (self->stream, PW_DIRECTION_INPUT, PW_ID_ANY,
                                      PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS,
                                      params, n_params);
        }
    }
  px_pipewire_connection_unlock (self->connection);
  if (props != NULL)
    pw_properties_free (props);

  if (result < 0)
    {
      end_with_error (self, g_error_new (PX_CAPTURE_ERROR, PX_CAPTURE_ERROR_FAILED,
                                         "Cannot open camera “%s”: %s",
                                         px_capture_device_get_description (device),
                                         g_strerror (-result)));
      return;
    }

  set_state (self, PX_CAMERA_SOURCE_STATE_NEGOTIATING);
  start_timeout (self, NEGOTIATION_TIMEOUT_MS, negotiation_timeout_cb);
}

static void
try_open (PxCameraSource *self)
{
  PxCaptureDevice *device;
  GError *error = NULL;

  if (self->state != PX_CAMERA_SOURCE_STATE_WAITING)
    return;
  if (px_pipewire_connection_get_state (self->connection) != PX_PIPEWIRE_STATE_CONNECTED)
    return;

  device = px_pipewire_connection_find_device (self->connection, self->camera);
  if (device == NULL)
    {
      if (self->timeout == NULL)
        start_timeout (self, RETURN_TIMEOUT_MS, return_timeout_cb);
      return;
    }
  if (!check_device (self, device, &error))
    {
      end_with_error (self, error);
      return;
    }
  open_stream (self, device);
}

static void
connection_state_cb (PxCameraSource *self)
{
  PxPipewireState state = px_pipewire_connection_get_state (self->connection);

  if (self->state == PX_CAMERA_SOURCE_STATE_IDLE || self->state == PX_CAMERA_SOURCE_STATE_ENDED)
    return;

  switch (state)
    {
    case PX_PIPEWIRE_STATE_CONNECTED:
      try_open (self);
      break;
    case PX_PIPEWIRE_STATE_ACCESS_DENIED:
      end_with_error (self, g_error_new_literal (PX_CAPTURE_ERROR, PX_CAPTURE_ERROR_ACCESS_DENIED,
                                                 "Camera access was denied"));
      break;
    case PX_PIPEWIRE_STATE_CONNECTING:
    case PX_PIPEWIRE_STATE_RECONNECTING:
    case PX_PIPEWIRE_STATE_NO_CAMERA:
    default:
      /* The old core is about to go: drop our stream first; reopen later. */
      clear_timeout (self);
      destroy_stream (self);
      set_state (self, PX_CAMERA_SOURCE_STATE_WAITING);
      break;
    }
}

static void
device_added_cb (PxCameraSource  *self,
                 PxCaptureDevice *device)
{
  if (g_str_equal (px_capture_device_get_name (device), self->camera))
    {
      clear_timeout (self);
      try_open (self);
    }
}

static void
device_removed_cb (PxCameraSource  *self,
                   PxCaptureDevice *device)
{
  if (!g_str_equal (px_capture_device_get_name (device), self->camera))
    return;
  if (px_pipewire_connection_get_state (self->connection) != PX_PIPEWIRE_STATE_CONNECTED)
    return;

  lose_camera (self, g_strdup_printf ("Camera “%s” was unplugged",
                                      px_capture_device_get_description (device)));
}

/* GObject --------------------------------------------------------------------------------- */

static void
px_camera_source_dispose (GObject *object)
{
  PxCameraSource *self = PX_CAMERA_SOURCE (object);

  if (self->connection != NULL)
    {
      clear_timeout (self);
      destroy_stream (self);
      px_pipewire_connection_unfollow (self->connection, self->handlers);
      g_clear_object (&self->connection);
    }

  G_OBJECT_CLASS (px_camera_source_parent_class)->dispose (object);
}

static void
px_camera_source_finalize (GObject *object)
{
  PxCameraSource *self = PX_CAMERA_SOURCE (object);

  g_clear_pointer (&self->latest, px_frame_unref);
  g_clear_object (&self->pool);
  g_clear_object (&self->decoder);
  g_clear_error (&self->error);
  g_free (self->camera);
  g_free (self->lost_message);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (px_camera_source_parent_class)->finalize (object);
}

static void
px_camera_source_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  PxCameraSource *self = PX_CAMERA_SOURCE (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_FORMAT:
      g_value_set_string (value, px_pixel_format_to_string (px_camera_source_get_format (self)));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
px_camera_source_class_init (PxCameraSourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = px_camera_source_dispose;
  object_class->finalize = px_camera_source_finalize;
  object_class->get_property = px_camera_source_get_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       PX_TYPE_CAMERA_SOURCE_STATE, PX_CAMERA_SOURCE_STATE_IDLE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The negotiated input format's name; notified when (re)negotiated. */
  properties[PROP_FORMAT] =
    g_param_spec_string ("format", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A new frame waits in px_camera_source_take_frame(); emitted at most once
   * per main loop iteration however many arrived. */
  signals[FRAME_READY] =
    g_signal_new ("frame-ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* The camera went away or failed; the GError says why. */
  signals[ENDED] =
    g_signal_new ("ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
px_camera_source_init (PxCameraSource *self)
{
  g_mutex_init (&self->mutex);
  self->pool = px_frame_pool_new (PX_PIXEL_FORMAT_I420, DEFAULT_WIDTH, DEFAULT_HEIGHT,
                                  POOL_FRAMES);
  self->decoder = px_mjpeg_decoder_new ();
}

PxCameraSource *
px_camera_source_new (PxPipewireConnection *connection,
                      const char           *camera,
                      guint                 width,
                      guint                 height,
                      guint                 fps)
{
  PxCameraSource *self;

  g_return_val_if_fail (camera != NULL, NULL);

  if (connection == NULL)
    connection = px_pipewire_connection_get_for_cameras ();

  self = g_object_new (PX_TYPE_CAMERA_SOURCE, NULL);
  self->connection = g_object_ref (connection);
  self->camera = g_strdup (camera);
  self->req_width = width > 0 ? width : DEFAULT_WIDTH;
  self->req_height = height > 0 ? height : DEFAULT_HEIGHT;
  self->req_fps = fps > 0 ? fps : DEFAULT_FPS;

  px_pipewire_connection_follow (connection, self->handlers, G_CALLBACK (connection_state_cb),
                                 G_CALLBACK (device_added_cb), G_CALLBACK (device_removed_cb), self);

  return self;
}

void
px_camera_source_set_max_height (PxCameraSource *self,
                                 guint           max_height)
{
  g_return_if_fail (PX_IS_CAMERA_SOURCE (self));

  self->max_height = max_height;
}

gboolean
px_camera_source_start (PxCameraSource  *self,
                        GError         **error)
{
  PxPipewireState connection_state;
  PxCaptureDevice *device;

  g_return_val_if_fail (PX_IS_CAMERA_SOURCE (self), FALSE);

  if (self->state != PX_CAMERA_SOURCE_STATE_IDLE && self->state != PX_CAMERA_SOURCE_STATE_ENDED)
    return TRUE;

  connection_state = px_pipewire_connection_get_state (self->connection);
  if (connection_state == PX_PIPEWIRE_STATE_ACCESS_DENIED)
    {
      g_set_error_literal (error, PX_CAPTURE_ERROR, PX_CAPTURE_ERROR_ACCESS_DENIED,
                           "Camera access was denied");
      return FALSE;
    }
  if (connection_state == PX_PIPEWIRE_STATE_CONNECTED)
    {
      device = px_pipewire_connection_find_device (self->connection, self->camera);
      if (device == NULL)
        {
          g_set_error (error, PX_CAPTURE_ERROR, PX_CAPTURE_ERROR_NOT_FOUND,
                       "No camera “%s”", self->camera);
          return FALSE;
        }
      if (!check_device (self, device, error))
        return FALSE;
    }

  g_clear_error (&self->error);
  self->quick_reopens = 0;
  g_mutex_lock (&self->mutex);
  g_clear_pointer (&self->latest, px_frame_unref);
  self->format = PX_PIXEL_FORMAT_UNKNOWN;
  self->width = self->height = 0;
  self->fps = 0;
  g_mutex_unlock (&self->mutex);

  set_state (self, PX_CAMERA_SOURCE_STATE_WAITING);
  if (connection_state == PX_PIPEWIRE_STATE_CONNECTED)
    try_open (self);
  else
    start_timeout (self, RETURN_TIMEOUT_MS, return_timeout_cb);

  return TRUE;
}

void
px_camera_source_stop (PxCameraSource *self)
{
  g_return_if_fail (PX_IS_CAMERA_SOURCE (self));

  clear_timeout (self);
  destroy_stream (self);
  /* Nothing captured before the stop is handed out after it. */
  g_mutex_lock (&self->mutex);
  g_clear_pointer (&self->latest, px_frame_unref);
  g_mutex_unlock (&self->mutex);
  set_state (self, PX_CAMERA_SOURCE_STATE_IDLE);
}

PxFrame *
px_camera_source_take_frame (PxCameraSource *self)
{
  PxFrame *frame = NULL;

  g_return_val_if_fail (PX_IS_CAMERA_SOURCE (self), NULL);

  g_mutex_lock (&self->mutex);
  if (self->latest != NULL && !self->latest_taken)
    {
      frame = px_frame_ref (self->latest);
      self->latest_taken = TRUE;
    }
  g_mutex_unlock (&self->mutex);

  return frame;
}

PxCameraSourceState
px_camera_source_get_state (PxCameraSource *self)
{
  g_return_val_if_fail (PX_IS_CAMERA_SOURCE (self), PX_CAMERA_SOURCE_STATE_IDLE);
  return self->state;
}

const GError *
px_camera_source_get_error (PxCameraSource *self)
{
  g_return_val_if_fail (PX_IS_CAMERA_SOURCE (self), NULL);
  return self->error;
}

const char *
px_camera_source_get_camera (PxCameraSource *self)
{
  g_return_val_if_fail (PX_IS_CAMERA_SOURCE (self), NULL);
  return self->camera;
}

PxPixelFormat
px_camera_source_get_format (PxCameraSource *self)
{
  PxPixelFormat format;

  g_return_val_if_fail (PX_IS_CAMERA_SOURCE (self), PX_PIXEL_FORMAT_UNKNOWN);

  g_mutex_lock (&self->mutex);
  format = self->format;
  g_mutex_unlock (&self->mutex);
  return format;
}

guint
px_camera_source_get_width (PxCameraSource *self)
{
  guint width;

  g_return_val_if_fail (PX_IS_CAMERA_SOURCE (self), 0);

  g_mutex_lock (&self->mutex);
  width = self->width;
  g_mutex_unlock (&self->mutex);
  return width;
}

guint
px_camera_source_get_height (PxCameraSource *self)
{
  guint height;

  g_return_val_if_fail (PX_IS_CAMERA_SOURCE (self), 0);

  g_mutex_lock (&self->mutex);
  height = self->height;
  g_mutex_unlock (&self->mutex);
  return height;
}

double
px_camera_source_get_fps (PxCameraSource *self)
{
  double fps;

  g_return_val_if_fail (PX_IS_CAMERA_SOURCE (self), 0);

  g_mutex_lock (&self->mutex);
  fps = self->fps;
  g_mutex_unlock (&self->mutex);
  return fps;
}

guint64
px_camera_source_get_n_frames (PxCameraSource *self)
{
  g_return_val_if_fail (PX_IS_CAMERA_SOURCE (self), 0);
  return atomic_load_explicit (&self->n_frames, memory_order_relaxed);
}

guint64
px_camera_source_get_n_dropped (PxCameraSource *self)
{
  g_return_val_if_fail (PX_IS_CAMERA_SOURCE (self), 0);
  return atomic_load_explicit (&self->n_dropped, memory_order_relaxed);
}
