/* px-voice-decoder.c: Opus for one remote voice
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <opus.h>
#include <string.h>

#include "media/px-codec-error.h"
#include "media/px-voice-decoder.h"
#include "media/px-voice-encoder.h"

struct _PxVoiceDecoder
{
  GObject parent_instance;

  OpusDecoder *opus;
};

G_DEFINE_FINAL_TYPE (PxVoiceDecoder, px_voice_decoder, G_TYPE_OBJECT)

static void
px_voice_decoder_finalize (GObject *object)
{
  PxVoiceDecoder *self = PX_VOICE_DECODER (object);

  g_clear_pointer (&self->opus, opus_decoder_destroy);

  G_OBJECT_CLASS (px_voice_decoder_parent_class)->finalize (object);
}

static void
px_voice_decoder_class_init (PxVoiceDecoderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = px_voice_decoder_finalize;
}

static void
px_voice_decoder_init (PxVoiceDecoder *self)
{
}

PxVoiceDecoder *
px_voice_decoder_new (GError **error)
{
  g_autoptr(PxVoiceDecoder) self = g_object_new (PX_TYPE_VOICE_DECODER, NULL);
  int status = OPUS_OK;

  self->opus = opus_decoder_create (PX_VOICE_SAMPLE_RATE, 1, &status);
  if (self->opus == NULL || status != OPUS_OK)
    {
      g_set_error (error, PX_CODEC_ERROR, PX_CODEC_ERROR_FAILED,
                   _("The voice decoder could not start: %s"), opus_strerror (status));
      return NULL;
    }
  return g_steal_pointer (&self);
}

int
px_voice_decoder_packet_samples (const guint8 *data,
                                 gsize         size)
{
  const unsigned char *frames[48];
  opus_int16 sizes[48];
  int samples;

  if (data == NULL || size == 0 || size > G_MAXINT32)
    return -1;

  /* Parses the whole frame layout, not just the TOC byte, so a packet
   * whose frame lengths do not add up is refused here. */
  if (opus_packet_parse (data, (opus_int32) size, NULL, frames, sizes, NULL) < 0)
    return -1;

  samples = opus_packet_get_nb_samples (data, (opus_int32) size, PX_VOICE_SAMPLE_RATE);
  if (samples <= 0 || samples > PX_VOICE_MAX_FRAME_SAMPLES)
    return -1;
  return samples;
}

gboolean
px_voice_decoder_packet_may_carry_fec (const guint8 *data,
                                       gsize         size)
{
  /* TOC configurations 0–11 are SILK, 12–15 hybrid, 16–31 CELT. */
  return data != NULL && size > 1 && (data[0] >> 3) < 16;
}

int
px_voice_decoder_decode (PxVoiceDecoder  *self,
                         const guint8    *data,
                         gsize            size,
                         gint16          *samples,
                         guint            max_samples,
                         GError         **error)
{
  int expected;
  int decoded;

  g_return_val_if_fail (PX_IS_VOICE_DECODER (self), -1);
  g_return_val_if_fail (samples != NULL, -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  expected = px_voice_decoder_packet_samples (data, size);
  if (expected < 0)
    {
      g_set_error (error, PX_CODEC_ERROR, PX_CODEC_ERROR_CORRUPT,
                   _("A voice packet of %lu bytes is not valid Opus"), (unsigned long) size);
      return -1;
    }
  if ((guint) expected > max_samples)
    {
      g_set_error (error, PX_CODEC_ERROR, PX_CODEC_ERROR_INVALID_ARGUMENT,
                   _("A voice packet of %d samples does not fit in %u"), expected, max_samples);
      return -1;
    }

  decoded = opus_decode (self->opus, data, (opus_int32) size, samples, expected, 0);
  if (decoded < 0)
    {
      g_set_error (error, PX_CODEC_ERROR, PX_CODEC_ERROR_CORRUPT,
                   _("A voice packet could not be decoded: %s"), opus_strerror (decoded));
      return -1;
    }
  return decoded;
}

static guint
usable_plc_length (guint n_samples)
{
  /* Opus conceals whole multiples of 2.5 ms (120 samples). */
  n_samples = MIN (n_samples, PX_VOICE_MAX_FRAME_SAMPLES);
  return n_samples - n_samples % 120;
}

int
px_voice_decoder_conceal (PxVoiceDecoder *self,
                          gint16         *samples,
                          guint           n_samples)
{
  guint length;
  int decoded;

  g_return_val_if_fail (PX_IS_VOICE_DECODER (self), -1);
  g_return_val_if_fail (samples != NULL, -1);

  length = usable_plc_length (n_samples);
  if (length == 0)
    return 0;

  decoded = opus_decode (self->opus, NULL, 0, samples, (int) length, 0);
  if (decoded < 0)
    {
      /* Cannot happen for a valid length; silence is the safe answer. */
      memset (samples, 0, length * sizeof *samples);
      return (int) length;
    }
  return decoded;
}

int
px_voice_decoder_recover (PxVoiceDecoder *self,
                          const guint8   *data,
                          gsize           size,
                          gint16         *samples,
                          guint           n_samples)
{
  guint length;
  int decoded;

  g_return_val_if_fail (PX_IS_VOICE_DECODER (self), -1);
  g_return_val_if_fail (samples != NULL, -1);

  length = usable_plc_length (n_samples);
  if (length == 0)
    return 0;
  if (px_voice_decoder_packet_samples (data, size) < 0)
    return px_voice_decoder_conceal (self, samples, length);

  decoded = opus_decode (self->opus, data, (opus_int32) size, samples, (int) length, 1);
  if (decoded < 0)
    return px_voice_decoder_conceal (self, samples, length);
  return decoded;
}
