/* px-bitrate-controller.c: the video bitrate a link can carry
 *
 * Additive increase, multiplicative decrease, as TCP does, driven by the
 * three signs of congestion the sender's flow control sees:
 *
 * - frames dropped because the in-flight budget was full: the link is
 *   already too slow;
 * - bytes in flight above half the budget: a queue is building;
 * - the acknowledgement delay well above the smallest seen lately
 *   (twice it plus 50 ms): a queue is building somewhere on the path.
 *
 * On any of them the target falls to 85 % (at most once per 500 ms, about a
 * round trip on a bad link, so one episode is not punished many times over).
 * After a decrease it holds for 2 s; then, while the link stays clear, it
 * climbs by 5 % of the current target (at least 20 kbit/s) per second.
 * From 1.5 Mbit/s a congested link is back under 1 Mbit/s within about a second,
 * and the climb back takes tens of seconds, which keeps the picture from
 * pumping. The smallest ack delay is forgotten over 10 s so a route change
 * does not leave a stale baseline.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "media/px-bitrate-controller.h"

#define DECREASE_FACTOR        0.85
#define DECREASE_INTERVAL_US   (500 * 1000)
#define HOLD_AFTER_DECREASE_US (2 * G_USEC_PER_SEC)
#define INCREASE_PER_SECOND    0.05
#define MIN_INCREASE_KBPS      20.0
#define BASE_DELAY_WINDOW_US   (10 * G_USEC_PER_SEC)
#define QUEUE_DELAY_SLACK_US   (50 * 1000)

struct _PxBitrateController
{
  GObject parent_instance;

  guint min_kbps;
  guint max_kbps;
  double target_kbps;
  guint reported_kbps;

  gint64 last_update_us;
  gint64 last_decrease_us;
  gint64 base_delay_us;
  gint64 base_delay_time_us;
};

G_DEFINE_FINAL_TYPE (PxBitrateController, px_bitrate_controller, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_TARGET_KBPS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
px_bitrate_controller_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  PxBitrateController *self = PX_BITRATE_CONTROLLER (object);

  switch (prop_id)
    {
    case PROP_TARGET_KBPS:
      g_value_set_uint (value, self->reported_kbps);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
px_bitrate_controller_class_init (PxBitrateControllerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = px_bitrate_controller_get_property;

  properties[PROP_TARGET_KBPS] =
    g_param_spec_uint ("target-kbps", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
px_bitrate_controller_init (PxBitrateController *self)
{
  self->last_update_us = G_MININT64;
  self->last_decrease_us = G_MININT64;
  self->base_delay_us = -1;
}

PxBitrateController *
px_bitrate_controller_new (guint min_kbps,
                           guint start_kbps,
                           guint max_kbps)
{
  PxBitrateController *self;

  g_return_val_if_fail (min_kbps > 0 && min_kbps <= max_kbps, NULL);

  self = g_object_new (PX_TYPE_BITRATE_CONTROLLER, NULL);
  self->min_kbps = min_kbps;
  self->max_kbps = max_kbps;
  self->target_kbps = CLAMP (start_kbps, min_kbps, max_kbps);
  self->reported_kbps = (guint) self->target_kbps;
  return self;
}

static gboolean
queue_delay_grew (PxBitrateController *self,
                  gint64               now_us,
                  gint64               ack_delay_us)
{
  if (ack_delay_us < 0)
    return FALSE;

  if (self->base_delay_us < 0 || ack_delay_us <= self->base_delay_us
      || now_us - self->base_delay_time_us > BASE_DELAY_WINDOW_US)
    {
      self->base_delay_us = ack_delay_us;
      self->base_delay_time_us = now_us;
      return FALSE;
    }

  return ack_delay_us > 2 * self->base_delay_us + QUEUE_DELAY_SLACK_US;
}

guint
px_bitrate_controller_update (PxBitrateController *self,
                              gint64               now_us,
                              const PxFlowReport  *report)
{
  gboolean congested;
  double elapsed_s;
  guint rounded;

  g_return_val_if_fail (PX_IS_BITRATE_CONTROLLER (self), 0);
  g_return_val_if_fail (report != NULL, 0);

  elapsed_s = self->last_update_us == G_MININT64 || now_us < self->last_update_us
              ? 0.0 : (now_us - self->last_update_us) / (double) G_USEC_PER_SEC;
  /* A long silence between reports is not a long clear link. */
  elapsed_s = MIN (elapsed_s, 1.0);
  self->last_update_us = now_us;

  congested = report->frames_dropped > 0
              || (report->in_flight_budget > 0
                  && report->bytes_in_flight > report->in_flight_budget / 2);
  /* Evaluated even when already congested, to keep the baseline fresh. */
  congested = queue_delay_grew (self, now_us, report->ack_delay_us) || congested;

  if (congested)
    {
      if (self->last_decrease_us == G_MININT64
          || now_us - self->last_decrease_us >= DECREASE_INTERVAL_US
          || now_us < self->last_decrease_us)
        {
          self->target_kbps *= DECREASE_FACTOR;
          self->last_decrease_us = now_us;
        }
    }
  else if (self->last_decrease_us == G_MININT64
           || now_us - self->last_decrease_us >= HOLD_AFTER_DECREASE_US)
    {
      self->target_kbps += MAX (self->target_kbps * INCREASE_PER_SECOND, MIN_INCREASE_KBPS)
                           * elapsed_s;
    }

  self->target_kbps = CLAMP (self->target_kbps, self->min_kbps, self->max_kbps);

  rounded = (guint) (self->target_kbps + 0.5);
  if (rounded != self->reported_kbps)
    {
      self->reported_kbps = rounded;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TARGET_KBPS]);
    }
  return self->reported_kbps;
}

void
px_bitrate_controller_set_max_kbps (PxBitrateController *self,
                                    guint                max_kbps)
{
  guint rounded;

  g_return_if_fail (PX_IS_BITRATE_CONTROLLER (self));

  self->max_kbps = MAX (max_kbps, self->min_kbps);
  self->target_kbps = MIN (self->target_kbps, self->max_kbps);
  rounded = (guint) (self->target_kbps + 0.5);
  if (rounded != self->reported_kbps)
    {
      self->reported_kbps = rounded;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TARGET_KBPS]);
    }
}

guint
px_bitrate_controller_get_target_kbps (PxBitrateController *self)
{
  g_return_val_if_fail (PX_IS_BITRATE_CONTROLLER (self), 0);

  return self->reported_kbps;
}

guint
px_bitrate_controller_get_min_kbps (PxBitrateController *self)
{
  g_return_val_if_fail (PX_IS_BITRATE_CONTROLLER (self), 0);

  return self->min_kbps;
}

guint
px_bitrate_controller_get_max_kbps (PxBitrateController *self)
{
  g_return_val_if_fail (PX_IS_BITRATE_CONTROLLER (self), 0);

  return self->max_kbps;
}
