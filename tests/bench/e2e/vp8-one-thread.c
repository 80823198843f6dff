/* vp8-one-thread.c: libvpx's VP8 codecs held to one thread, for comparison
 *
 * Loaded with LD_PRELOAD by `e2e.sh --vp8-one-thread`, it sets every VP8
 * encoder's and decoder's thread count to one before libvpx sees it, so
 * that the glass-to-glass run shows what the path does without VP8's
 * threads, which wait for each other by spinning when the cores are busy
 * (bench-vp8-threads measures the codecs alone). A measuring aid, not part
 * of Parallax.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <vpx/vpx_decoder.h>
#include <vpx/vpx_encoder.h>

typedef vpx_codec_err_t (*DecoderInit) (vpx_codec_ctx_t           *ctx,
                                        vpx_codec_iface_t         *iface,
                                        const vpx_codec_dec_cfg_t *cfg,
                                        vpx_codec_flags_t          flags,
                                        int                        ver);
typedef vpx_codec_err_t (*EncoderInit) (vpx_codec_ctx_t           *ctx,
                                        vpx_codec_iface_t         *iface,
                                        const vpx_codec_enc_cfg_t *cfg,
                                        vpx_codec_flags_t          flags,
                                        int                        ver);

vpx_codec_err_t vpx_codec_dec_init_ver (vpx_codec_ctx_t           *ctx,
                                        vpx_codec_iface_t         *iface,
                                        const vpx_codec_dec_cfg_t *cfg,
                                        vpx_codec_flags_t          flags,
                                        int                        ver);
vpx_codec_err_t vpx_codec_enc_init_ver (vpx_codec_ctx_t           *ctx,
                                        vpx_codec_iface_t         *iface,
                                        const vpx_codec_enc_cfg_t *cfg,
                                        vpx_codec_flags_t          flags,
                                        int                        ver);

vpx_codec_err_t
vpx_codec_dec_init_ver (vpx_codec_ctx_t           *ctx,
                        vpx_codec_iface_t         *iface,
                        const vpx_codec_dec_cfg_t *cfg,
                        vpx_codec_flags_t          flags,
                        int                        ver)
{
  DecoderInit real;
  vpx_codec_dec_cfg_t config = { 0 };

  *(void **) &real = dlsym (RTLD_NEXT, "vpx_codec_dec_init_ver");
  if (real == NULL)
    return VPX_CODEC_ERROR;
  if (cfg != NULL)
    config = *cfg;
  config.threads = 1;
  return real (ctx, iface, &config, flags, ver);
}

vpx_codec_err_t
vpx_codec_enc_init_ver (vpx_codec_ctx_t           *ctx,
                        vpx_codec_iface_t         *iface,
                        const vpx_codec_enc_cfg_t *cfg,
                        vpx_codec_flags_t          flags,
                        int                        ver)
{
  EncoderInit real;
  vpx_codec_enc_cfg_t config;

  *(void **) &real = dlsym (RTLD_NEXT, "vpx_codec_enc_init_ver");
  if (real == NULL || cfg == NULL)
    return VPX_CODEC_ERROR;
  config = *cfg;
  config.g_threads = 1;
  return real (ctx, iface, &config, flags, ver);
}
