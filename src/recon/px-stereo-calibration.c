/* px-stereo-calibration.c: a stereo calibration as OpenCV writes it
 *
 * cv::FileStorage output is read with a small line-oriented reader for
 * the YAML that OpenCV writes (top-level keys; matrices tagged
 * !!opencv-matrix with rows, cols, dt and data; flow sequences that may
 * span lines) and GMarkup for the XML. Anything else in the files (time
 * stamps, nested maps, the R1/P1/Q stereoRectify adds) is skipped. Every
 * error names the field, and the line for YAML.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "px-recon-error.h"
#include "px-stereo-calibration.h"

/* Bounds that keep a hostile file from costing much. */
#define MAX_VALUES 4096
#define MAX_ENTRIES 256
#define MAX_IMAGE_SIDE 16384

typedef struct
{
  char *name;
  gboolean matrix;
  int rows;
  int cols;
  char *dt;
  GArray *values;   /* double */
  gboolean has_data;
  int line;
} Entry;

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_free (entry->name);
  g_free (entry->dt);
  g_array_unref (entry->values);
  g_free (entry);
}

static Entry *
entry_new (const char *name,
           int         line)
{
  Entry *entry = g_new0 (Entry, 1);

  entry->name = g_strdup (name);
  entry->rows = entry->cols = -1;
  entry->values = g_array_new (FALSE, FALSE, sizeof (double));
  entry->line = line;
  return entry;
}

static gboolean G_GNUC_PRINTF (2, 3)
parse_error (GError    **error,
             const char *format,
             ...)
{
  va_list args;
  char *message;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, PX_RECON_ERROR, PX_RECON_ERROR_PARSE, message);
  g_free (message);
  return FALSE;
}

/* Appends the numbers of @text (separated by commas or white space) to
 * @entry; stops at ']' and says so in @closed. */
static gboolean
add_numbers (Entry       *entry,
             const char  *text,
             gboolean    *closed,
             GError     **error)
{
  const char *p = text;

  *closed = FALSE;
  while (*p)
    {
      char token[64];
      gsize n = 0;
      char *end = NULL;
      double value;

      while (*p == ' ' || *p == '\t' || *p == ',' || *p == '\r' || *p == '\n')
        p++;
      if (*p == '\0')
        break;
      if (*p == ']')
        {
          *closed = TRUE;
          p++;
          while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
          if (*p != '\0' && *p != '#')
            return parse_error (error, "%s: unexpected text after “]” (line %d)", entry->name, entry->line);
          return TRUE;
        }
      while (*p && *p != ' ' && *p != '\t' && *p != ',' && *p != ']' && *p != '\r' && *p != '\n')
        {
          if (n + 1 >= sizeof token)
            return parse_error (error, "%s: a value is too long (line %d)", entry->name, entry->line);
          token[n++] = *p++;
        }
      token[n] = '\0';
      errno = 0;
      value = g_ascii_strtod (token, &end);
      if (errno != 0 || end == token || *end != '\0')
        return parse_error (error, "%s: “%s” is not a number (line %d)", entry->name, token, entry->line);
      if (!isfinite (value))
        return parse_error (error, "%s: %s is not a finite number (line %d)", entry->name, token, entry->line);
      if (entry->values->len >= MAX_VALUES)
        return parse_error (error, "%s: more than %d values", entry->name, MAX_VALUES);
      g_array_append_val (entry->values, value);
    }
  return TRUE;
}

static gboolean
parse_count (Entry       *entry,
             const char  *field,
             const char  *text,
             int         *value,
             GError     **error)
{
  guint64 v;

  if (!g_ascii_string_to_unsigned (text, 10, 1, MAX_VALUES, &v, NULL))
    return parse_error (error, "%s.%s: “%s” is not a count from 1 to %d", entry->name, field, text, MAX_VALUES);
  *value = (int) v;
  return TRUE;
}

/* A matrix is complete and its data fits its shape and type. */
static gboolean
finish_entry (Entry       *entry,
              GError     **error)
{
  if (!entry->matrix)
    return TRUE;
  if (entry->rows < 0)
    return parse_error (error, "%s.rows: missing", entry->name);
  if (entry->cols < 0)
    return parse_error (error, "%s.cols: missing", entry->name);
  if (entry->dt == NULL)
    return parse_error (error, "%s.dt: missing", entry->name);
  if (strlen (entry->dt) != 1 || strchr ("ucwsifd", entry->dt[0]) == NULL)
    return parse_error (error, "%s.dt: “%s” is not a single-channel number type", entry->name, entry->dt);
  if (!entry->has_data)
    return parse_error (error, "%s.data: missing", entry->name);
  if ((gint64) entry->rows * entry->cols != entry->values->len)
    return parse_error (error, "%s.data: %d×%d = %d values expected, found %u", entry->name,
                        entry->rows, entry->cols, entry->rows * entry->cols, entry->values->len);
  return TRUE;
}

static char *
unquote (char *text)
{
  gsize n = strlen (text);

  if (n >= 2 && (text[0] == '"' || text[0] == '\'') && text[n - 1] == text[0])
    {
      text[n - 1] = '\0';
      return text + 1;
    }
  return text;
}

static gboolean
add_entry (GHashTable  *entries,
           Entry       *entry,
           GError     **error)
{
  if (g_hash_table_size (entries) >= MAX_ENTRIES)
    {
      entry_free (entry);
      return parse_error (error, "more than %d entries", MAX_ENTRIES);
    }
  g_hash_table_replace (entries, entry->name, entry);
  return TRUE;
}

static gboolean
parse_yaml (const char  *data,
            gsize        length,
            GHashTable  *entries,
            GError     **error)
{
  g_autofree char *copy = g_strndup (data, length);
  g_auto(GStrv) lines = NULL;
  Entry *matrix = NULL;       /* the matrix whose fields come next */
  Entry *sequence = NULL;     /* an open flow sequence, until ']' */
  gboolean skipping = FALSE;  /* inside a nested map we do not read */

  if (strlen (copy) != length)
    return parse_error (error, "YAML: the file contains a NUL byte");
  lines = g_strsplit (copy, "\n", -1);
  if (lines[0] == NULL || !g_str_has_prefix (lines[0], "%YAML"))
    return parse_error (error, "YAML: the file does not start with “%%YAML” (not an OpenCV file)");

  for (int i = 1; lines[i]; i++)
    {
      char *line = lines[i];
      int indent = 0;
      char *colon, *key, *rest;
      gboolean closed;

      g_strchomp (line);
      while (line[indent] == ' ')
        indent++;
      if (line[indent] == '\0' || line[indent] == '#')
        continue;
      if (line[indent] == '\t')
        return parse_error (error, "YAML: a tab in the indentation (line %d)", i + 1);

      if (sequence != NULL)
        {
          sequence->line = i + 1;
          if (!add_numbers (sequence, line, &closed, error))
            return FALSE;
          if (closed)
            sequence = NULL;
          continue;
        }
      if (strcmp (line, "---") == 0 || strcmp (line, "...") == 0)
        continue;

      colon = strchr (line + indent, ':');
      if (colon == NULL)
        {
          if (skipping)
            continue;
          return parse_error (error, "YAML: “key: value” expected (line %d)", i + 1);
        }
      *colon = '\0';
      key = unquote (g_strstrip (line + indent));
      rest = g_strstrip (colon + 1);

      if (indent == 0)
        {
          Entry *entry;

          if (matrix != NULL && !finish_entry (matrix, error))
            return FALSE;
          matrix = NULL;
          skipping = FALSE;
          if (*key == '\0')
            return parse_error (error, "YAML: an empty key (line %d)", i + 1);

          if (*rest == '\0')
            {
              /* A nested map or block sequence: not something we need. */
              skipping = TRUE;
              continue;
            }
          entry = entry_new (key, i + 1);
          if (!add_entry (entries, entry, error))
            return FALSE;
          if (g_str_has_prefix (rest, "!!opencv-matrix"))
            {
              if (rest[strlen ("!!opencv-matrix")] != '\0')
                return parse_error (error, "%s: unexpected text after the tag (line %d)", key, i + 1);
              entry->matrix = TRUE;
              matrix = entry;
            }
          else if (*rest == '[')
            {
              if (!add_numbers (entry, rest + 1, &closed, error))
                return FALSE;
              if (!closed)
                sequence = entry;
            }
          else if (*rest == '!' || *rest == '{' || *rest == '"' || *rest == '\'')
            {
              /* Other tags, flow maps, strings: kept as an empty entry. */
              if (*rest == '!' || *rest == '{')
                skipping = TRUE;
            }
          else
            {
              double value;
              char *end = NULL;

              errno = 0;
              value = g_ascii_strtod (rest, &end);
              if (errno == 0 && end != rest && *end == '\0' && isfinite (value))
                g_array_append_val (entry->values, value);
            }
          continue;
        }

      if (matrix == NULL)
        {
          if (skipping)
            continue;
          return parse_error (error, "YAML: unexpected indentation (line %d)", i + 1);
        }
      matrix->line = i + 1;
      if (strcmp (key, "rows") == 0)
        {
          if (!parse_count (matrix, "rows", rest, &matrix->rows, error))
            return FALSE;
        }
      else if (strcmp (key, "cols") == 0)
        {
          if (!parse_count (matrix, "cols", rest, &matrix->cols, error))
            return FALSE;
        }
      else if (strcmp (key, "dt") == 0)
        {
          g_free (matrix->dt);
          matrix->dt = g_strdup (unquote (rest));
        }
      else if (strcmp (key, "data") == 0)
        {
          if (*rest != '[')
            return parse_error (error, "%s.data: “[” expected (line %d)", matrix->name, i + 1);
          if (matrix->has_data)
            return parse_error (error, "%s.data: given twice (line %d)", matrix->name, i + 1);
          matrix->has_data = TRUE;
          if (!add_numbers (matrix, rest + 1, &closed, error))
            return FALSE;
          if (!closed)
            sequence = matrix;
        }
      else
        return parse_error (error, "%s.%s: not a field of an OpenCV matrix (line %d)", matrix->name, key, i + 1);
    }

  if (sequence != NULL)
    return parse_error (error, "%s: the file ends before “]”", sequence->name);
  if (matrix != NULL && !finish_entry (matrix, error))
    return FALSE;
  return TRUE;
}

typedef struct
{
  GHashTable *entries;
  Entry *entry;     /* the top-level element being read */
  char *field;      /* the matrix field being read */
  GString *text;
  int depth;
} XmlState;

static void
xml_start_cb (GMarkupParseContext  *context,
              const char           *element,
              const char          **names,
              const char          **values,
              gpointer              user_data,
              GError              **error)
{
  XmlState *state = user_data;

  state->depth++;
  g_string_truncate (state->text, 0);
  if (state->depth == 1)
    {
      if (strcmp (element, "opencv_storage") != 0)
        parse_error (error, "XML: the root element is <%s>, not <opencv_storage>", element);
      return;
    }
  if (state->depth == 2)
    {
      Entry *entry = entry_new (element, 0);

      for (int i = 0; names[i]; i++)
        if (strcmp (names[i], "type_id") == 0)
          entry->matrix = strcmp (values[i], "opencv-matrix") == 0;
      /* add_entry frees the entry when it refuses it. */
      state->entry = add_entry (state->entries, entry, error) ? entry : NULL;
      return;
    }
  if (state->depth == 3 && state->entry && state->entry->matrix)
    {
      if (strcmp (element, "rows") != 0 && strcmp (element, "cols") != 0
          && strcmp (element, "dt") != 0 && strcmp (element, "data") != 0)
        {
          parse_error (error, "%s.%s: not a field of an OpenCV matrix", state->entry->name, element);
          return;
        }
      g_free (state->field);
      state->field = g_strdup (element);
    }
}

static void
xml_text_cb (GMarkupParseContext  *context,
             const char           *text,
             gsize                 length,
             gpointer              user_data,
             GError              **error)
{
  XmlState *state = user_data;

  if (state->text->len + length > 1 << 20)
    {
      parse_error (error, "XML: an element's text is too long");
      return;
    }
  g_string_append_len (state->text, text, (gssize) length);
}

static void
xml_end_cb (GMarkupParseContext  *context,
            const char           *element,
            gpointer              user_data,
            GError              **error)
{
  XmlState *state = user_data;
  Entry *entry = state->entry;
  gboolean closed;
  char *text = g_strstrip (state->text->str);

  if (state->depth == 3 && entry && entry->matrix && state->field)
    {
      if (strcmp (state->field, "rows") == 0)
        parse_count (entry, "rows", text, &entry->rows, error);
      else if (strcmp (state->field, "cols") == 0)
        parse_count (entry, "cols", text, &entry->cols, error);
      else if (strcmp (state->field, "dt") == 0)
        {
          g_free (entry->dt);
          entry->dt = g_strdup (text);
        }
      else if (entry->has_data)
        parse_error (error, "%s.data: given twice", entry->name);
      else
        {
          entry->has_data = TRUE;
          if (add_numbers (entry, text, &closed, error) && closed)
            parse_error (error, "%s.data: unexpected “]”", entry->name);
        }
      g_clear_pointer (&state->field, g_free);
    }
  else if (state->depth == 2 && entry)
    {
      if (entry->matrix)
        finish_entry (entry, error);
      else if (*text != '\0')
        {
          g_autoptr(GError) ignored = NULL;

          /* Plain values: numbers are kept, strings are not needed. */
          if (!add_numbers (entry, text, &closed, &ignored))
            g_array_set_size (entry->values, 0);
        }
      state->entry = NULL;
    }
  g_string_truncate (state->text, 0);
  state->depth--;
}

static gboolean
parse_xml (const char  *data,
           gsize        length,
           GHashTable  *entries,
           GError     **error)
{
  const GMarkupParser parser = { xml_start_cb, xml_end_cb, xml_text_cb, NULL, NULL };
  XmlState state = { entries, NULL, NULL, g_string_new (NULL), 0 };
  GMarkupParseContext *context = g_markup_parse_context_new (&parser, G_MARKUP_PREFIX_ERROR_POSITION, &state, NULL);
  g_autoptr(GError) local_error = NULL;
  gboolean ok;

  ok = g_markup_parse_context_parse (context, data, (gssize) length, &local_error)
       && g_markup_parse_context_end_parse (context, &local_error);
  g_markup_parse_context_free (context);
  g_string_free (state.text, TRUE);
  g_free (state.field);
  if (!ok)
    {
      if (local_error->domain == PX_RECON_ERROR)
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        parse_error (error, "XML: %s", local_error->message);
    }
  return ok;
}

static Entry *
find_entry (GHashTable *entries,
            const char *const *names)
{
  for (; *names; names++)
    {
      Entry *entry = g_hash_table_lookup (entries, *names);

      if (entry != NULL)
        return entry;
    }
  return NULL;
}

static gboolean
take_matrix (GHashTable          *entries,
             const char *const   *names,
             int                  rows,
             int                  cols,
             double              *out,
             PxStereoCalibration *calibration,
             PxCalibrationFields  field,
             GError             **error)
{
  Entry *entry = find_entry (entries, names);

  if (entry == NULL)
    return TRUE;
  if (!entry->matrix)
    return parse_error (error, "%s: an !!opencv-matrix expected", entry->name);
  if (entry->rows != rows || entry->cols != cols)
    return parse_error (error, "%s: a %d×%d matrix expected, found %d×%d", entry->name,
                        rows, cols, entry->rows, entry->cols);
  memcpy (out, entry->values->data, sizeof (double) * rows * cols);
  calibration->fields |= field;
  return TRUE;
}

/* Distortion: 4, 5, 8, 12 or 14 coefficients; Parallax models the
 * first five, so the rational and prism terms must be zero. */
static gboolean
take_distortion (GHashTable          *entries,
                 const char *const   *names,
                 double               out[5],
                 PxStereoCalibration *calibration,
                 PxCalibrationFields  field,
                 GError             **error)
{
  Entry *entry = find_entry (entries, names);
  guint n;
  const double *v;

  if (entry == NULL)
    return TRUE;
  n = entry->values->len;
  v = (const double *) (void *) entry->values->data;
  if (!entry->matrix || (entry->rows != 1 && entry->cols != 1))
    return parse_error (error, "%s: a row or column !!opencv-matrix expected", entry->name);
  if (n != 4 && n != 5 && n != 8 && n != 12 && n != 14)
    return parse_error (error, "%s: 4, 5, 8, 12 or 14 coefficients expected, found %u", entry->name, n);
  for (guint i = 5; i < n; i++)
    if (v[i] != 0.0)
      return parse_error (error, "%s: coefficient %u is not zero; only k1 k2 p1 p2 k3 are supported",
                          entry->name, i + 1);
  memset (out, 0, 5 * sizeof (double));
  memcpy (out, v, MIN (n, 5) * sizeof (double));
  calibration->fields |= field;
  return TRUE;
}

static gboolean
take_size (GHashTable          *entries,
           PxStereoCalibration *calibration,
           GError             **error)
{
  const char *pair_names[] = { "imageSize", "image_size", "imgSize", NULL };
  Entry *width = g_hash_table_lookup (entries, "image_width");
  Entry *height = g_hash_table_lookup (entries, "image_height");
  Entry *pair = find_entry (entries, pair_names);
  double w, h;
  const char *name;

  if (width != NULL || height != NULL)
    {
      if (width == NULL || width->values->len != 1)
        return parse_error (error, "image_width: missing or not a number");
      if (height == NULL || height->values->len != 1)
        return parse_error (error, "image_height: missing or not a number");
      w = g_array_index (width->values, double, 0);
      h = g_array_index (height->values, double, 0);
      name = "image_width/image_height";
    }
  else if (pair != NULL)
    {
      if (pair->values->len != 2)
        return parse_error (error, "%s: two numbers (width, height) expected", pair->name);
      w = g_array_index (pair->values, double, 0);
      h = g_array_index (pair->values, double, 1);
      name = pair->name;
    }
  else
    return TRUE;

  if (w < 1 || h < 1 || w > MAX_IMAGE_SIDE || h > MAX_IMAGE_SIDE || w != floor (w) || h != floor (h))
    return parse_error (error, "%s: %g×%g is not an image size", name, w, h);
  calibration->width = (guint) w;
  calibration->height = (guint) h;
  calibration->fields |= PX_CALIBRATION_HAS_SIZE;
  return TRUE;
}

/* Reads one cv::FileStorage file (YAML or XML) held in memory and merges
 * what it holds into @calibration, so that intrinsics and extrinsics
 * files can be read one after the other. */
gboolean
px_stereo_calibration_parse_opencv (PxStereoCalibration  *calibration,
                                    const char           *data,
                                    gsize                 length,
                                    GError              **error)
{
  static const char *const m1[] = { "M1", "K1", "cameraMatrix1", NULL };
  static const char *const d1[] = { "D1", "distCoeffs1", NULL };
  static const char *const m2[] = { "M2", "K2", "cameraMatrix2", NULL };
  static const char *const d2[] = { "D2", "distCoeffs2", NULL };
  static const char *const t[] = { "T", NULL };
  g_autoptr(GHashTable) entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, entry_free);
  gsize start = 0;
  Entry *r;

  g_return_val_if_fail (calibration != NULL, FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  while (start < length && g_ascii_isspace (data[start]))
    start++;
  if (length - start >= 5 && memcmp (data + start, "%YAML", 5) == 0)
    {
      if (!parse_yaml (data + start, length - start, entries, error))
        return FALSE;
    }
  else if (length - start >= 1 && data[start] == '<')
    {
      if (!parse_xml (data + start, length - start, entries, error))
        return FALSE;
    }
  else
    return parse_error (error, "not an OpenCV calibration file (YAML starting with “%%YAML” or XML expected)");

  if (!take_matrix (entries, m1, 3, 3, calibration->m1, calibration, PX_CALIBRATION_HAS_M1, error)
      || !take_matrix (entries, m2, 3, 3, calibration->m2, calibration, PX_CALIBRATION_HAS_M2, error)
      || !take_distortion (entries, d1, calibration->d1, calibration, PX_CALIBRATION_HAS_D1, error)
      || !take_distortion (entries, d2, calibration->d2, calibration, PX_CALIBRATION_HAS_D2, error)
      || !take_size (entries, calibration, error))
    return FALSE;

  /* R as a matrix or as a rotation vector (Rodrigues). */
  r = g_hash_table_lookup (entries, "R");
  if (r != NULL)
    {
      if (!r->matrix)
        return parse_error (error, "R: an !!opencv-matrix expected");
      if (r->rows == 3 && r->cols == 3)
        memcpy (calibration->r, r->values->data, 9 * sizeof (double));
      else if (r->rows * r->cols == 3 && (r->rows == 1 || r->cols == 1))
        px_rotation_from_vector ((const double *) (void *) r->values->data, calibration->r);
      else
        return parse_error (error, "R: a 3×3 matrix or a 3×1 rotation vector expected, found %d×%d",
                            r->rows, r->cols);
      calibration->fields |= PX_CALIBRATION_HAS_R;
    }
  {
    Entry *entry = find_entry (entries, t);

    if (entry != NULL)
      {
        if (!entry->matrix || entry->rows * entry->cols != 3 || (entry->rows != 1 && entry->cols != 1))
          return parse_error (error, "T: a 3×1 !!opencv-matrix expected");
        memcpy (calibration->t, entry->values->data, 3 * sizeof (double));
        calibration->fields |= PX_CALIBRATION_HAS_T;
      }
  }
  return TRUE;
}

gboolean
px_stereo_calibration_load_opencv (PxStereoCalibration  *calibration,
                                   const char           *path,
                                   GError              **error)
{
  g_autofree char *contents = NULL;
  gsize length;
  GError *local_error = NULL;

  if (!g_file_get_contents (path, &contents, &length, error))
    return FALSE;
  if (!px_stereo_calibration_parse_opencv (calibration, contents, length, &local_error))
    {
      g_set_error (error, local_error->domain, local_error->code, "%s: %s", path, local_error->message);
      g_error_free (local_error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_camera_matrix (const char  *name,
                     const double m[9],
                     guint        width,
                     guint        height,
                     GError     **error)
{
  if (!(m[0] > 0) || !(m[4] > 0) || m[0] > 1e6 || m[4] > 1e6)
    return parse_error (error, "%s: focal lengths (%g, %g) must be positive", name, m[0], m[4]);
  if (fabs (m[3]) > 1e-9 || fabs (m[6]) > 1e-9 || fabs (m[7]) > 1e-9 || fabs (m[8] - 1) > 1e-9)
    return parse_error (error, "%s: not a camera matrix (the last row must be 0 0 1 and m21 0)", name);
  if (fabs (m[1]) > 1e-6 * m[0])
    return parse_error (error, "%s: skew is not supported", name);
  if (m[2] < 0 || m[2] > width || m[5] < 0 || m[5] > height)
    return parse_error (error, "%s: the principal point (%g, %g) lies outside the %u×%u image",
                        name, m[2], m[5], width, height);
  return TRUE;
}

/* Checks that every field is there and that they make sense together. */
gboolean
px_stereo_calibration_check (const PxStereoCalibration  *calibration,
                             GError                    **error)
{
  static const struct { PxCalibrationFields field; const char *name; } required[] = {
    { PX_CALIBRATION_HAS_M1, "M1: missing (the left camera matrix, in intrinsics.yml)" },
    { PX_CALIBRATION_HAS_D1, "D1: missing (the left distortion, in intrinsics.yml)" },
    { PX_CALIBRATION_HAS_M2, "M2: missing (the right camera matrix, in intrinsics.yml)" },
    { PX_CALIBRATION_HAS_D2, "D2: missing (the right distortion, in intrinsics.yml)" },
    { PX_CALIBRATION_HAS_R, "R: missing (the rotation between the cameras, in extrinsics.yml)" },
    { PX_CALIBRATION_HAS_T, "T: missing (the translation between the cameras, in extrinsics.yml)" },
    { PX_CALIBRATION_HAS_SIZE, "image size: missing (image_width and image_height, or imageSize)" },
  };
  const double *r = calibration->r;
  double norm;

  for (gsize i = 0; i < G_N_ELEMENTS (required); i++)
    if (!(calibration->fields & required[i].field))
      return parse_error (error, "%s", required[i].name);

  if (!check_camera_matrix ("M1", calibration->m1, calibration->width, calibration->height, error)
      || !check_camera_matrix ("M2", calibration->m2, calibration->width, calibration->height, error))
    return FALSE;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      {
        double dot = r[3 * i] * r[3 * j] + r[3 * i + 1] * r[3 * j + 1] + r[3 * i + 2] * r[3 * j + 2];

        if (fabs (dot - (i == j ? 1.0 : 0.0)) > 1e-3)
          return parse_error (error, "R: not a rotation matrix (rows are not orthonormal)");
      }
  if (r[0] * (r[4] * r[8] - r[5] * r[7]) - r[1] * (r[3] * r[8] - r[5] * r[6])
      + r[2] * (r[3] * r[7] - r[4] * r[6]) < 0)
    return parse_error (error, "R: a reflection, not a rotation (determinant −1)");
  norm = sqrt (calibration->t[0] * calibration->t[0] + calibration->t[1] * calibration->t[1]
               + calibration->t[2] * calibration->t[2]);
  if (!(norm > 1e-9))
    return parse_error (error, "T: the cameras are at the same place (zero baseline)");
  return TRUE;
}

/* A rig of two cameras "left" and "right" and the pair between them. The
 * rig frame is the left camera's turned so that y points up (x right,
 * z towards the viewer): the floor is unknown to a stereo calibration,
 * so the left camera sits at the origin until the rig file says better.
 * @metres_per_unit converts T (in the calibration target's units). */
PxRig *
px_stereo_calibration_to_rig (const PxStereoCalibration  *calibration,
                              double                      metres_per_unit,
                              GError                    **error)
{
  g_autoptr(PxRig) rig = px_rig_new ("OpenCV calibration");
  const double flip[9] = { 1, 0, 0, 0, -1, 0, 0, 0, -1 };
  PxCamera left = { 0, }, right = { 0, };

  if (!px_stereo_calibration_check (calibration, error))
    return NULL;
  if (!(metres_per_unit > 0) || !isfinite (metres_per_unit))
    {
      g_set_error (error, PX_RECON_ERROR, PX_RECON_ERROR_INVALID_ARGUMENT,
                   "The unit of T must be a positive number of metres");
      return NULL;
    }

  left.id = (char *) "left";
  right.id = (char *) "right";
  left.width = right.width = calibration->width;
  left.height = right.height = calibration->height;
  left.fx = calibration->m1[0];
  left.fy = calibration->m1[4];
  left.cx = calibration->m1[2];
  left.cy = calibration->m1[5];
  right.fx = calibration->m2[0];
  right.fy = calibration->m2[4];
  right.cx = calibration->m2[2];
  right.cy = calibration->m2[5];
  memcpy (left.distortion, calibration->d1, sizeof left.distortion);
  memcpy (right.distortion, calibration->d2, sizeof right.distortion);
  memcpy (left.rotation, flip, sizeof flip);
  /* X_right = R·X_left + T and X_left = F·X_rig, so X_right = (R·F)·X_rig + T. */
  for (int i = 0; i < 3; i++)
    {
      for (int j = 0; j < 3; j++)
        right.rotation[3 * i + j] = calibration->r[3 * i] * flip[j] + calibration->r[3 * i + 1] * flip[3 + j]
                                    + calibration->r[3 * i + 2] * flip[6 + j];
      right.translation[i] = calibration->t[i] * metres_per_unit;
    }

  if (!px_rig_add_camera (rig, &left, error) || !px_rig_add_camera (rig, &right, error)
      || !px_rig_add_pair (rig, "left", "right", error))
    return NULL;
  return g_steal_pointer (&rig);
}

/* Rodrigues: a rotation vector (axis × angle) to a matrix and back. */
void
px_rotation_from_vector (const double vector[3],
                         double       rotation[9])
{
  double theta = sqrt (vector[0] * vector[0] + vector[1] * vector[1] + vector[2] * vector[2]);
  double k[3], c, s;

  if (theta < 1e-12)
    {
      const double identity[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };

      memcpy (rotation, identity, sizeof identity);
      return;
    }
  for (int i = 0; i < 3; i++)
    k[i] = vector[i] / theta;
  c = cos (theta);
  s = sin (theta);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      rotation[3 * i + j] = (i == j ? c : 0.0) + (1 - c) * k[i] * k[j];
  rotation[1] -= s * k[2];
  rotation[2] += s * k[1];
  rotation[3] += s * k[2];
  rotation[5] -= s * k[0];
  rotation[6] -= s * k[1];
  rotation[7] += s * k[0];
}

void
px_rotation_to_vector (const double rotation[9],
                       double       vector[3])
{
  const double *r = rotation;
  double c = CLAMP ((r[0] + r[4] + r[8] - 1) / 2, -1.0, 1.0);
  double theta = acos (c);
  double axis[3] = { r[7] - r[5], r[2] - r[6], r[3] - r[1] };
  double s = sqrt (axis[0] * axis[0] + axis[1] * axis[1] + axis[2] * axis[2]);

  if (s < 1e-9)
    {
      if (c > 0)
        {
          vector[0] = vector[1] = vector[2] = 0;
          return;
        }
      /* A half turn: the axis is the column of R + I with most weight. */
      {
        int best = 0;
        double norm;

        for (int i = 1; i < 3; i++)
          if (r[4 * i] > r[4 * best])
            best = i;
        for (int i = 0; i < 3; i++)
          axis[i] = r[3 * i + best] + (i == best ? 1.0 : 0.0);
        norm = sqrt (axis[0] * axis[0] + axis[1] * axis[1] + axis[2] * axis[2]);
        for (int i = 0; i < 3; i++)
          vector[i] = axis[i] / norm * theta;
        return;
      }
    }
  for (int i = 0; i < 3; i++)
    vector[i] = axis[i] / s * theta;
}
