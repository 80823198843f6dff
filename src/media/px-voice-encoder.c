/* px-voice-encoder.c: Opus for the microphone
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <opus.h>

#include "media/px-codec-error.h"
#include "media/px-voice-encoder.h"

struct _PxVoiceEncoder
{
  GObject parent_instance;

  OpusEncoder *opus;
  guint frame_ms;
  guint bitrate_kbps;
  guint packet_loss;
};

G_DEFINE_FINAL_TYPE (PxVoiceEncoder, px_voice_encoder, G_TYPE_OBJECT)

static void
px_voice_encoder_finalize (GObject *object)
{
  PxVoiceEncoder *self = PX_VOICE_ENCODER (object);

  g_clear_pointer (&self->opus, opus_encoder_destroy);

  G_OBJECT_CLASS (px_voice_encoder_parent_class)->finalize (object);
}

static void
px_voice_encoder_class_init (PxVoiceEncoderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = px_voice_encoder_finalize;
}

static void
px_voice_encoder_init (PxVoiceEncoder *self)
{
}

PxVoiceEncoder *
px_voice_encoder_new (guint    frame_ms,
                      GError **error)
{
  g_autoptr(PxVoiceEncoder) self = NULL;
  int status = OPUS_OK;

  if (frame_ms != 10 && frame_ms != 20)
    {
      g_set_error (error, PX_CODEC_ERROR, PX_CODEC_ERROR_INVALID_ARGUMENT,
                   _("Voice frames are 10 or 20 ms long, not %u ms"), frame_ms);
      return NULL;
    }

  self = g_object_new (PX_TYPE_VOICE_ENCODER, NULL);
  self->frame_ms = frame_ms;
  self->opus = opus_encoder_create (PX_VOICE_SAMPLE_RATE, 1, OPUS_APPLICATION_VOIP, &status);
  if (self->opus == NULL || status != OPUS_OK)
    {
      g_set_error (error, PX_CODEC_ERROR, PX_CODEC_ERROR_FAILED,
                   _("The voice encoder could not start: %s"), opus_strerror (status));
      return NULL;
    }

  opus_encoder_ctl (self->opus, OPUS_SET_SIGNAL (OPUS_SIGNAL_VOICE));
  opus_encoder_ctl (self->opus, OPUS_SET_VBR (1));
  opus_encoder_ctl (self->opus, OPUS_SET_DTX (1));
  opus_encoder_ctl (self->opus, OPUS_SET_INBAND_FEC (0));
  opus_encoder_ctl (self->opus, OPUS_SET_PACKET_LOSS_PERC (0));
  opus_encoder_ctl (self->opus, OPUS_SET_COMPLEXITY (9));
  px_voice_encoder_set_bitrate (self, PX_VOICE_DEFAULT_BITRATE);

  return g_steal_pointer (&self);
}

guint
px_voice_encoder_get_frame_ms (PxVoiceEncoder *self)
{
  g_return_val_if_fail (PX_IS_VOICE_ENCODER (self), 0);

  return self->frame_ms;
}

guint
px_voice_encoder_get_frame_samples (PxVoiceEncoder *self)
{
  g_return_val_if_fail (PX_IS_VOICE_ENCODER (self), 0);

  return PX_VOICE_SAMPLE_RATE / 1000 * self->frame_ms;
}

void
px_voice_encoder_set_bitrate (PxVoiceEncoder *self,
                              guint           bitrate_kbps)
{
  g_return_if_fail (PX_IS_VOICE_ENCODER (self));

  self->bitrate_kbps = CLAMP (bitrate_kbps, PX_VOICE_MIN_BITRATE, PX_VOICE_MAX_BITRATE);
  opus_encoder_ctl (self->opus, OPUS_SET_BITRATE ((opus_int32) self->bitrate_kbps * 1000));
}

guint
px_voice_encoder_get_bitrate (PxVoiceEncoder *self)
{
  g_return_val_if_fail (PX_IS_VOICE_ENCODER (self), 0);

  return self->bitrate_kbps;
}

void
px_voice_encoder_set_packet_loss (PxVoiceEncoder *self,
                                  guint           percent)
{
  g_return_if_fail (PX_IS_VOICE_ENCODER (self));

  self->packet_loss = MIN (percent, 100);
  opus_encoder_ctl (self->opus, OPUS_SET_PACKET_LOSS_PERC ((opus_int32) self->packet_loss));
  opus_encoder_ctl (self->opus, OPUS_SET_INBAND_FEC (self->packet_loss > 0 ? 1 : 0));
}

gboolean
px_voice_encoder_get_fec (PxVoiceEncoder *self)
{
  g_return_val_if_fail (PX_IS_VOICE_ENCODER (self), FALSE);

  return self->packet_loss > 0;
}

GBytes *
px_voice_encoder_encode (PxVoiceEncoder  *self,
                         const gint16    *samples,
                         guint            n_samples,
                         GError         **error)
{
  guint8 buffer[PX_VOICE_MAX_PACKET];
  opus_int32 size;

  g_return_val_if_fail (PX_IS_VOICE_ENCODER (self), NULL);
  g_return_val_if_fail (samples != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (n_samples != px_voice_encoder_get_frame_samples (self))
    {
      g_set_error (error, PX_CODEC_ERROR, PX_CODEC_ERROR_INVALID_ARGUMENT,
                   _("A voice frame has %u samples, not %u"),
                   px_voice_encoder_get_frame_samples (self), n_samples);
      return NULL;
    }

  size = opus_encode (self->opus, samples, (int) n_samples, buffer, sizeof buffer);
  if (size < 0)
    {
      g_set_error (error, PX_CODEC_ERROR, PX_CODEC_ERROR_FAILED,
                   _("The voice encoder failed: %s"), opus_strerror (size));
      return NULL;
    }

  return g_bytes_new (buffer, (gsize) size);
}
