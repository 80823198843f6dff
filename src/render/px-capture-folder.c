/* px-capture-folder.c: a participant from a capture folder on disk
 *
 * A capture folder (written by the synthetic studio or by a recording of a
 * rig) holds rig.json (read by PxRig) and, per camera and frame, a colour PNG, a depth PFM
 * (metres along the optical axis, rows bottom to top, infinity where
 * nothing is) and optionally a mask PNG (non-zero on the person). Files
 * are found by what their path says rather than by one fixed pattern: a
 * file belongs to a camera when a folder is named after it or its name
 * starts with the camera's id; its frame is the last number in its path
 * once the camera's id is taken out; ".pfm" is depth, a PNG whose name
 * says "mask" is the mask, any other PNG or JPEG is colour. So
 * "left/000003.png", "left/000003-depth.pfm" and "frame-3/left-mask.png"
 * all work.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <math.h>
#include <string.h>

#include "recon/px-pfm.h"
#include "recon/px-rig.h"
#include "render/px-capture-folder.h"

typedef struct
{
  char *id;
  PxCameraModel camera;
  char *color_path;
  char *depth_path;
  char *mask_path;
} PxCaptureCamera;

static void
px_capture_camera_clear (PxCaptureCamera *camera)
{
  g_free (camera->id);
  g_free (camera->color_path);
  g_free (camera->depth_path);
  g_free (camera->mask_path);
}

/* The cameras and the capture volume of rig.json, read by the rig
 * parser of src/recon (which documents the format). */
static GArray *
px_capture_read_rig (const char  *path,
                     gboolean    *has_volume,
                     double       volume_min[3],
                     double       volume_max[3],
                     GError     **error)
{
  g_autoptr(PxRig) rig = px_rig_new_from_file (path, error);
  g_autoptr(GArray) cameras = g_array_new (FALSE, TRUE, sizeof (PxCaptureCamera));

  if (rig == NULL)
    return NULL;

  g_array_set_clear_func (cameras, (GDestroyNotify) px_capture_camera_clear);

  px_rig_get_capture_volume (rig, volume_min, volume_max);
  *has_volume = volume_min[0] < volume_max[0] && volume_min[1] < volume_max[1] &&
                volume_min[2] < volume_max[2];

  if (px_rig_get_n_cameras (rig) == 0)
    {
      g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_CAPTURE,
                   "%s has no cameras", path);
      return NULL;
    }

  for (guint i = 0; i < px_rig_get_n_cameras (rig); i++)
    {
      const PxCamera *source = px_rig_get_camera (rig, i);
      PxCaptureCamera camera = { 0 };

      /* The id names folders and files: nothing that leaves the folder. */
      if (source->id == NULL || source->id[0] == '\0' || strchr (source->id, '/') != NULL ||
          g_str_equal (source->id, "..") || source->width > 8192 || source->height > 8192)
        {
          g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_CAPTURE,
                       "%s: camera %u cannot be read from a folder", path, i);
          return NULL;
        }

      px_camera_model_from_rig_camera (source, &camera.camera);
      if (!px_camera_model_validate (&camera.camera, error))
        {
          g_prefix_error (error, "%s: camera %s: ", path, source->id);
          return NULL;
        }
      camera.id = g_strdup (source->id);
      g_array_append_val (cameras, camera);
    }

  return g_steal_pointer (&cameras);
}

/* The last run of digits in @path once @id is removed, or -1. */
static gint64
px_capture_frame_number (const char *path,
                         const char *id)
{
  g_autofree char *stripped = NULL;
  g_auto(GStrv) parts = g_strsplit (path, id, -1);
  const char *end;
  const char *start;

  stripped = g_strjoinv ("/", parts);
  end = stripped + strlen (stripped);
  while (end > stripped && !g_ascii_isdigit (end[-1]))
    end--;
  if (end == stripped)
    return -1;
  start = end;
  while (start > stripped && g_ascii_isdigit (start[-1]))
    start--;
  if (end - start > 9)
    return -1;
  return g_ascii_strtoll (start, NULL, 10);
}

static gboolean
px_capture_belongs_to (const char *relative,
                       const char *id)
{
  g_auto(GStrv) components = g_strsplit (relative, "/", -1);
  guint n = g_strv_length (components);
  const char *base = components[n - 1];
  gsize id_length = strlen (id);

  for (guint i = 0; i + 1 < n; i++)
    if (g_str_equal (components[i], id))
      return TRUE;

  /* "left.png", "left-0003.png", "left_depth.pfm", not "left2.png". */
  return g_str_has_prefix (base, id) && !g_ascii_isalnum (base[id_length]);
}

static void
px_capture_scan (const char  *root,
                 const char  *relative,
                 guint        depth,
                 GPtrArray   *files)
{
  g_autofree char *path = g_build_filename (root, relative, NULL);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = relative[0] ? g_strconcat (relative, "/", name, NULL)
                                           : g_strdup (name);
      g_autofree char *full = g_build_filename (root, child, NULL);

      if (g_file_test (full, G_FILE_TEST_IS_DIR))
        {
          if (depth < 2)
            px_capture_scan (root, child, depth + 1, files);
        }
      else
        g_ptr_array_add (files, g_steal_pointer (&child));
    }
}

static void
px_capture_find_files (const char      *directory,
                       GPtrArray       *files,
                       PxCaptureCamera *camera,
                       guint            frame,
                       guint           *n_frames)
{
  for (guint i = 0; i < files->len; i++)
    {
      const char *relative = g_ptr_array_index (files, i);
      g_autofree char *lower = g_ascii_strdown (relative, -1);
      g_autofree char *base = g_path_get_basename (lower);
      gint64 number;
      char **slot;

      if (!px_capture_belongs_to (relative, camera->id))
        continue;
      number = px_capture_frame_number (relative, camera->id);
      if (number >= 0 && n_frames != NULL)
        *n_frames = MAX (*n_frames, (guint) number + 1);
      if (number != (gint64) frame && !(number < 0 && frame == 0))
        continue;

      if (g_str_has_suffix (lower, ".pfm"))
        slot = &camera->depth_path;
      else if ((g_str_has_suffix (lower, ".png")) && strstr (base, "mask") != NULL)
        slot = &camera->mask_path;
      else if (g_str_has_suffix (lower, ".png") || g_str_has_suffix (lower, ".jpg") ||
               g_str_has_suffix (lower, ".jpeg"))
        slot = &camera->color_path;
      else
        continue;

      if (*slot == NULL)
        *slot = g_build_filename (directory, relative, NULL);
    }
}

/* Reads frame @frame of the capture in @directory as a volumetric
 * participant, with depth sampled every @mesh_step pixels. @n_frames, if
 * given, receives how many frames the folder seems to hold. */
PxParticipant *
px_capture_folder_load (const char  *directory,
                        guint        frame,
                        guint        mesh_step,
                        guint       *n_frames,
                        GError     **error)
{
  g_autofree char *rig_path = g_build_filename (directory, "rig.json", NULL);
  g_autoptr(GArray) cameras = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) pixbufs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) buffers = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(PxParticipant) participant = NULL;
  g_autofree char *name = NULL;
  PxParticipantView views[PX_PARTICIPANT_MAX_VIEWS];
  double volume_min[3], volume_max[3];
  gboolean has_volume;
  guint n_views = 0;

  g_return_val_if_fail (directory != NULL, NULL);

  if (mesh_step < 1 || mesh_step > 16)
    {
      g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_INVALID_INPUT,
                   "A mesh step of %u pixels is out of range (1 to 16)", mesh_step);
      return NULL;
    }

  cameras = px_capture_read_rig (rig_path, &has_volume, volume_min, volume_max, error);
  if (cameras == NULL)
    return NULL;

  px_capture_scan (directory, "", 0, files);
  if (n_frames != NULL)
    *n_frames = 0;

  for (guint c = 0; c < cameras->len && n_views < PX_PARTICIPANT_MAX_VIEWS; c++)
    {
      PxCaptureCamera *camera = &g_array_index (cameras, PxCaptureCamera, c);
      PxParticipantView *view = &views[n_views];
      g_autoptr(GdkPixbuf) color = NULL;
      g_autoptr(GdkPixbuf) mask = NULL;
      g_autofree float *depth = NULL;
      guint depth_width, depth_height;
      float *grid;
      int grid_width, grid_height;

      px_capture_find_files (directory, files, camera, frame, n_frames);
      if (camera->color_path == NULL || camera->depth_path == NULL)
        {
          g_debug ("Camera %s has no colour and depth for frame %u", camera->id, frame);
          continue;
        }

      color = gdk_pixbuf_new_from_file (camera->color_path, error);
      if (color == NULL)
        return NULL;
      if (!gdk_pixbuf_get_has_alpha (color))
        {
          GdkPixbuf *with_alpha = gdk_pixbuf_add_alpha (color, FALSE, 0, 0, 0);

          g_object_unref (color);
          color = with_alpha;
        }
      if (gdk_pixbuf_get_width (color) != camera->camera.width ||
          gdk_pixbuf_get_height (color) != camera->camera.height ||
          gdk_pixbuf_get_bits_per_sample (color) != 8)
        {
          g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_CAPTURE,
                       "%s is %dx%d; rig.json says camera %s is %dx%d", camera->color_path,
                       gdk_pixbuf_get_width (color), gdk_pixbuf_get_height (color), camera->id,
                       camera->camera.width, camera->camera.height);
          return NULL;
        }

      depth = px_pfm_load (camera->depth_path, &depth_width, &depth_height, error);
      if (depth == NULL)
        return NULL;
      if ((int) depth_width != camera->camera.width || (int) depth_height != camera->camera.height)
        {
          g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_CAPTURE,
                       "%s is %ux%u; rig.json says camera %s is %dx%d", camera->depth_path,
                       depth_width, depth_height, camera->id,
                       camera->camera.width, camera->camera.height);
          return NULL;
        }

      if (camera->mask_path != NULL)
        {
          mask = gdk_pixbuf_new_from_file (camera->mask_path, error);
          if (mask == NULL)
            return NULL;
          if (gdk_pixbuf_get_width (mask) != camera->camera.width ||
              gdk_pixbuf_get_height (mask) != camera->camera.height ||
              gdk_pixbuf_get_bits_per_sample (mask) != 8)
            {
              g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_CAPTURE,
                           "%s does not match the camera's size", camera->mask_path);
              return NULL;
            }
        }

      /* The mesh takes one depth sample per step, from the pixel at the
       * centre of each step × step block; off the mask is empty. */
      grid_width = MAX (camera->camera.width / (int) mesh_step, 2);
      grid_height = MAX (camera->camera.height / (int) mesh_step, 2);
      grid = g_new (float, (gsize) grid_width * grid_height);
      for (int y = 0; y < grid_height; y++)
        for (int x = 0; x < grid_width; x++)
          {
            int px = MIN ((int) ((x + 0.5) * camera->camera.width / grid_width),
                          camera->camera.width - 1);
            int py = MIN ((int) ((y + 0.5) * camera->camera.height / grid_height),
                          camera->camera.height - 1);
            float d = depth[(gsize) py * depth_width + px];

            if (mask != NULL)
              {
                const guint8 *m = gdk_pixbuf_read_pixels (mask) +
                                  (gsize) py * gdk_pixbuf_get_rowstride (mask) +
                                  (gsize) px * gdk_pixbuf_get_n_channels (mask);

                if (m[0] < 128)
                  d = 0.0f;
              }
            grid[(gsize) y * grid_width + x] = d;
          }
      g_ptr_array_add (buffers, grid);

      memset (view, 0, sizeof *view);
      view->camera = camera->camera;
      view->color.format = PX_COLOR_FORMAT_RGBA;
      view->color.width = camera->camera.width;
      view->color.height = camera->camera.height;
      view->color.planes[0] = gdk_pixbuf_read_pixels (color);
      view->color.strides[0] = gdk_pixbuf_get_rowstride (color);
      view->depth = grid;
      view->depth_width = grid_width;
      view->depth_height = grid_height;
      view->depth_stride = grid_width;
      g_ptr_array_add (pixbufs, g_steal_pointer (&color));
      n_views++;
    }

  if (n_views == 0)
    {
      g_set_error (error, PX_RENDER_ERROR, PX_RENDER_ERROR_CAPTURE,
                   "%s has no colour and depth files for frame %u of any camera in rig.json",
                   directory, frame);
      return NULL;
    }

  name = g_path_get_basename (directory);
  participant = px_participant_new (PX_PARTICIPANT_VOLUMETRIC, name);
  if (has_volume)
    px_participant_set_capture_volume (participant, volume_min, volume_max);
  if (!px_participant_set_views (participant, views, n_views, error))
    return NULL;

  return g_steal_pointer (&participant);
}
