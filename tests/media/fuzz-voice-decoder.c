/* fuzz-voice-decoder.c: arbitrary bytes into the Opus jitter buffer
 *
 * The input is a stream of records: a one-byte sequence step, a one-byte
 * arrival step in milliseconds and a one-byte length, then the packet.
 * Every record is pushed into a jitter buffer, which is pulled 10 ms at a
 * time, so the decoder, its concealment and its FEC path all see the bytes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "media/px-jitter-buffer.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(PxJitterBuffer) buffer = px_jitter_buffer_new ();
  gint16 block[480];
  guint64 sequence = 0;
  gint64 now = 0;
  gint64 pulled = 0;

  while (size >= 3)
    {
      gsize length = MIN ((gsize) data[2], size - 3);

      sequence += (gint8) data[0];
      now += data[1] * 1000;
      px_jitter_buffer_push (buffer, sequence, (gint64) (sequence % 1000000) * 20000, now, data + 3, length);
      while (pulled <= now)
        {
          px_jitter_buffer_pull (buffer, pulled, block, G_N_ELEMENTS (block), NULL);
          pulled += 10000;
        }
      data += 3 + length;
      size -= 3 + length;
    }
  return 0;
}
