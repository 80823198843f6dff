/* px-test-media.h: fake cameras and microphones (GStreamer into PipeWire) for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "px-test-types.h"

G_BEGIN_DECLS

/* A fake camera; zero fields take the defaults given. */
typedef struct
{
  const char *name;         /* node.name; NULL: px-test-camera-N */
  const char *description;  /* node.description; NULL: "Fake Camera N" */
  const char *format;       /* a raw GStreamer format (YUY2, NV12, I420, RGB, BGRx, …) or
                             * "MJPG" for motion JPEG; NULL: YUY2 */
  guint       width;        /* 0: 640 */
  guint       height;       /* 0: 480 */
  guint       framerate;    /* frames per second; 0: 30 */
  const char *pattern;      /* videotestsrc pattern (smpte, ball, snow, …); NULL: smpte */
  const char *properties;   /* more stream properties, "key=value,key=value"; or NULL */
} PxTestCameraSpec;

/* A fake microphone; zero fields take the defaults given. */
typedef struct
{
  const char *name;         /* node.name; NULL: px-test-microphone-N */
  const char *description;  /* node.description; NULL: "Fake Microphone N" */
  const char *wave;         /* audiotestsrc wave (sine, square, silence, …); NULL: sine */
  double      frequency;    /* Hz; 0: 440 */
  double      volume;       /* 0 to 1; 0: 0.5 (use the "silence" wave for silence) */
  guint       rate;         /* samples per second; 0: 48000 */
  guint       channels;     /* 0: 1 */
  const char *properties;   /* more stream properties, "key=value,key=value"; or NULL */
} PxTestMicrophoneSpec;

/* Starts PipeWire if needed, then a gst-launch-1.0 videotestsrc ! pipewiresink that provides
 * a Video/Source node with media.role Camera; waits until the node is in the graph.
 * @spec may be NULL. The node belongs to the harness. */
PxTestNode     *px_test_harness_add_camera        (PxTestHarness              *self,
                                                   const PxTestCameraSpec     *spec);

/* Starts PipeWire if needed, then a gst-launch-1.0 audiotestsrc ! pipewiresink that provides
 * an Audio/Source node; waits until the node is in the graph. @spec may be NULL. */
PxTestNode     *px_test_harness_add_microphone    (PxTestHarness              *self,
                                                   const PxTestMicrophoneSpec *spec);

/* Unplugs a fake device: stops its process by pid and waits until its node has left the
 * graph. @node is freed. */
gboolean        px_test_harness_remove_node       (PxTestHarness              *self,
                                                   PxTestNode                 *node);

/* The pid of the producer process. */
GPid            px_test_node_get_pid              (PxTestNode                 *node);

/* The producer process. */
PxTestProcess  *px_test_node_get_process          (PxTestNode                 *node);

/* The node.name of the node. */
const char     *px_test_node_get_name             (PxTestNode                 *node);

/* The node.description of the node. */
const char     *px_test_node_get_description      (PxTestNode                 *node);

/* "Video/Source" or "Audio/Source". */
const char     *px_test_node_get_media_class      (PxTestNode                 *node);

/* The node's global id in the graph when it appeared. */
guint32         px_test_node_get_id               (PxTestNode                 *node);

G_END_DECLS
