/* px-byte-order-private.h: little-endian fields of the wire formats
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The frame header (px-wire.c) and the volumetric payload (px-volumetric.c)
 * are little-endian, whatever the machine is; these read and write their
 * fields byte by byte, so that no alignment is needed either.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

static inline guint16
px_read_u16 (const guint8 *p)
{
  return (guint16) (p[0] | (p[1] << 8));
}

static inline guint32
px_read_u32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

static inline guint64
px_read_u64 (const guint8 *p)
{
  return (guint64) px_read_u32 (p) | ((guint64) px_read_u32 (p + 4) << 32);
}

static inline void
px_write_u16 (guint8  *p,
              guint16  value)
{
  p[0] = value & 0xff;
  p[1] = value >> 8;
}

static inline void
px_write_u32 (guint8  *p,
              guint32  value)
{
  for (guint i = 0; i < 4; i++)
    p[i] = (value >> (8 * i)) & 0xff;
}

static inline void
px_write_u64 (guint8  *p,
              guint64  value)
{
  px_write_u32 (p, value & 0xffffffff);
  px_write_u32 (p + 4, value >> 32);
}

G_END_DECLS
