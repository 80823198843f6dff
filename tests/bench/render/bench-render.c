/* bench-render.c: frame time of the stage, and what texture uploads cost
 *
 * Renders 0 (the room alone), 1, 2 and 4 volumetric participants (one 640x480 I420 view each,
 * a 320x240 depth mesh) at 1280x720 and 1920x1080 on whatever EGL gives
 * (Mesa llvmpipe here), the room included. First comes the receiver of
 * tests/bench/e2e.sh: one participant with a 160x120 depth mesh drawn at
 * 640x480 and read back with glReadPixels. Per configuration it prints:
 *   - the frame time with a new frame for every participant (upload +
 *     draw, waited for with glFinish), median and 90th percentile;
 *   - the same frame without new frames (draw only), its peer;
 *   - the time the upload calls themselves took per frame (glTexSubImage2D
 *     and the index buffer, measured around them: what the main thread
 *     pays), with the megabytes sent;
 *   - GPU time from GL_TIME_ELAPSED queries where the context has them;
 *   - the CPU time of all the process's threads for a frame with new frames
 *     (on llvmpipe that is the GPU's work too), steadier than wall time on a
 *     busy machine;
 *   - what px_participant_set_views() took for all participants (a
 *     decoder thread's cost, not the render's);
 *   - how often the room was drawn and how often copied.
 * Run: meson test -C BUILD --benchmark render (or the executable itself;
 * --frames N to change the sample count, --viewer-only for the first
 * configuration alone).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <epoxy/gl.h>
#include <stdlib.h>
#include <time.h>

#include "render/px-headless-context.h"
#include "render/px-stage-renderer.h"
#include "px-test-scene.h"

/* CPU time of every thread of the process (the rasterizer's included),
 * in milliseconds: steadier than wall time on a loaded machine. */
static double
process_cpu_ms (void)
{
  struct timespec now;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &now);
  return now.tv_sec * 1e3 + now.tv_nsec / 1e6;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
percentile (double *values,
            int     n,
            double  fraction)
{
  qsort (values, n, sizeof (double), compare_doubles);
  return values[MIN ((int) (fraction * n), n - 1)];
}

typedef struct
{
  PxParticipantView view;
  PxTestView storage;
} BenchView;

typedef struct
{
  const char *name;
  int width;
  int height;
  int n_participants;
  int depth_step;     /* 640x480 colour over this many pixels per depth sample */
  double screen[2];   /* metres */
  double distance;    /* of the viewer, metres */
  gboolean read_back; /* glReadPixels after each frame, as the e2e receiver */
} BenchConfiguration;

/* Ends a frame: reads the pixels back where the configuration does
 * (which waits for the GPU), otherwise waits with glFinish. */
static void
bench_end_frame (PxHeadlessContext        *context,
                 const BenchConfiguration *configuration)
{
  if (configuration->read_back)
    g_free (px_headless_context_read_rgba (context, NULL));
  else
    px_headless_context_finish (context);
}

static void
bench_configuration (PxHeadlessContext        *context,
                     const BenchConfiguration *configuration,
                     int                       n_frames,
                     gboolean                  timer_queries)
{
  int width = configuration->width, height = configuration->height;
  int n_participants = configuration->n_participants;
  g_autoptr(PxStageRenderer) renderer = px_stage_renderer_new ();
  g_autoptr(GError) error = NULL;
  PxParticipant *participants[4];
  BenchView views[4];
  g_autofree double *with_upload = g_new (double, n_frames);
  g_autofree double *draw_only = g_new (double, n_frames);
  g_autofree double *gpu = g_new (double, n_frames);
  g_autofree double *upload = g_new (double, n_frames);
  g_autofree double *cpu = g_new (double, n_frames);
  g_autofree double *publish = g_new (double, n_frames);
  PxStageRendererStats before, after, frame_before, frame_after;
  GLuint query = 0;

  for (int i = 0; i < n_participants; i++)
    {
      const PxTestRect person = {
        .z = 0.0, .min_x = -0.25, .max_x = 0.25, .min_y = 0.0, .max_y = 1.75,
        .rgb = { (guint8) (120 + 30 * i), 110, 90 },
      };
      const PxTestScene scene = { .rects = &person, .n_rects = 1 };
      const double eye[3] = { 0.0, 1.0, 3.0 }, target[3] = { 0.0, 1.0, 0.0 };
      PxCameraModel camera;

      px_test_camera_init (&camera, 640, 480, 600.0, eye, target);
      px_test_view_render (&views[i].storage, &scene, &camera, PX_COLOR_FORMAT_I420,
                           configuration->depth_step);
      participants[i] = px_participant_new (PX_PARTICIPANT_VOLUMETRIC, "bench");
      g_assert_true (px_participant_set_views (participants[i], &views[i].storage.view, 1, NULL));
      px_stage_renderer_add_participant (renderer, participants[i]);
    }

  g_assert_true (px_headless_context_set_size (context, width, height, &error));
  px_stage_renderer_set_screen (renderer, configuration->screen[0], configuration->screen[1]);
  px_stage_renderer_set_viewer (renderer, 0.0, 0.0, configuration->distance);
  if (!px_stage_renderer_realize (renderer, &error))
    g_error ("%s", error->message);
  if (timer_queries)
    glGenQueries (1, &query);

  /* Warm up: shaders, first allocations. */
  for (int i = 0; i < 3; i++)
    {
      g_assert_true (px_stage_renderer_render (renderer, width, height, NULL));
      bench_end_frame (context, configuration);
    }

  px_stage_renderer_get_stats (renderer, &before);
  for (int frame = 0; frame < n_frames; frame++)
    {
      gint64 start;
      double cpu_start;
      GLuint64 elapsed = 0;

      /* A decoder thread would do this; it is not the render's cost. */
      start = g_get_monotonic_time ();
      for (int i = 0; i < n_participants; i++)
        g_assert_true (px_participant_set_views (participants[i], &views[i].storage.view, 1, NULL));
      publish[frame] = (g_get_monotonic_time () - start) / 1000.0;

      px_stage_renderer_get_stats (renderer, &frame_before);
      start = g_get_monotonic_time ();
      cpu_start = process_cpu_ms ();
      if (timer_queries)
        glBeginQuery (GL_TIME_ELAPSED, query);
      g_assert_true (px_stage_renderer_render (renderer, width, height, NULL));
      if (timer_queries)
        glEndQuery (GL_TIME_ELAPSED);
      bench_end_frame (context, configuration);
      with_upload[frame] = (g_get_monotonic_time () - start) / 1000.0;
      cpu[frame] = process_cpu_ms () - cpu_start;
      px_stage_renderer_get_stats (renderer, &frame_after);
      upload[frame] = (frame_after.upload_time_us - frame_before.upload_time_us) / 1000.0;
      if (timer_queries)
        {
          glGetQueryObjectui64v (query, GL_QUERY_RESULT, &elapsed);
          gpu[frame] = elapsed / 1e6;
        }

      start = g_get_monotonic_time ();
      g_assert_true (px_stage_renderer_render (renderer, width, height, NULL));
      bench_end_frame (context, configuration);
      draw_only[frame] = (g_get_monotonic_time () - start) / 1000.0;
    }
  px_stage_renderer_get_stats (renderer, &after);

  {
    double upload_median = percentile (with_upload, n_frames, 0.5);
    double upload_p90 = percentile (with_upload, n_frames, 0.9);
    double draw_median = percentile (draw_only, n_frames, 0.5);
    double draw_p90 = percentile (draw_only, n_frames, 0.9);
    double megabytes = (after.bytes_uploaded - before.bytes_uploaded) / 1e6 / n_frames;

    g_print ("%-7s %4dx%-4d %d participant%s: frame with new frames %7.2f ms (p90 %7.2f) | "
             "draw only %7.2f ms (p90 %7.2f) | upload %5.2f ms for %.2f MB/frame",
             configuration->name, width, height, n_participants, n_participants == 1 ? " " : "s",
             upload_median, upload_p90, draw_median, draw_p90,
             percentile (upload, n_frames, 0.5), megabytes);
    if (timer_queries)
      g_print (" | GPU %7.2f ms", percentile (gpu, n_frames, 0.5));
    g_print (" | CPU %6.2f ms", percentile (cpu, n_frames, 0.5));
    g_print (" | set_views %5.2f ms", percentile (publish, n_frames, 0.5));
    g_print (" | room drawn %" G_GUINT64_FORMAT ", copied %" G_GUINT64_FORMAT "\n",
             after.rooms_drawn - before.rooms_drawn, after.rooms_copied - before.rooms_copied);
  }

  if (timer_queries)
    glDeleteQueries (1, &query);
  px_stage_renderer_unrealize (renderer);
  for (int i = 0; i < n_participants; i++)
    {
      g_object_unref (participants[i]);
      px_test_view_clear (&views[i].storage);
    }
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(PxHeadlessContext) context = NULL;
  g_autoptr(GError) error = NULL;
  const int sizes[][2] = { { 1280, 720 }, { 1920, 1080 } };
  /* 0: the room alone, the baseline the people add to. */
  const int counts[] = { 0, 1, 2, 4 };
  /* What tests/bench/e2e.sh's receiver draws and reads back. */
  const BenchConfiguration viewer = {
    .name = "viewer", .width = 640, .height = 480, .n_participants = 1, .depth_step = 4,
    .screen = { 1.2, 0.9 }, .distance = 1.5, .read_back = TRUE,
  };
  gboolean timer_queries;
  gboolean viewer_only = FALSE;
  int frames = 20;
  const GOptionEntry entries[] = {
    { "frames", 'n', 0, G_OPTION_ARG_INT, &frames, "Frames measured per configuration", "N" },
    { "viewer-only", 0, 0, G_OPTION_ARG_NONE, &viewer_only,
      "Only the end-to-end receiver's configuration", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new (NULL);

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) || frames < 1)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "--frames must be positive");
      return 2;
    }

  context = px_headless_context_new (PX_HEADLESS_API_GL, 64, 64, &error);
  if (context == NULL)
    {
      g_print ("SKIP: no headless OpenGL: %s\n", error->message);
      return 0;
    }
  /* Timer queries are core in OpenGL 3.3. */
  timer_queries = epoxy_is_desktop_gl () && epoxy_gl_version () >= 33;
  g_print ("Stage benchmark on %s, %d frames per configuration\n",
           px_headless_context_get_description (context), frames);

  bench_configuration (context, &viewer, frames, timer_queries);
  if (viewer_only)
    return 0;

  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (gsize c = 0; c < G_N_ELEMENTS (counts); c++)
      {
        const BenchConfiguration stage = {
          .name = "stage", .width = sizes[s][0], .height = sizes[s][1],
          .n_participants = counts[c], .depth_step = 2, .screen = { 3.2, 1.8 },
          .distance = 2.5, .read_back = FALSE,
        };

        bench_configuration (context, &stage, frames, timer_queries);
      }

  return 0;
}
