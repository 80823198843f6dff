// Colour helpers shared by the fragment shaders. Cameras and VP8 deliver
// BT.601 limited-range YCbCr of sRGB-encoded R'G'B'; the framebuffer
// stores sRGB-encoded values too, so the converted values are written as
// they are (no second transfer function).

const int PX_FORMAT_I420 = 0;
const int PX_FORMAT_RGBA = 1;

vec3
px_yuv_to_rgb (vec3 yuv)
{
  float y = 1.164384 * (yuv.x - 16.0 / 255.0);
  float cb = yuv.y - 128.0 / 255.0;
  float cr = yuv.z - 128.0 / 255.0;

  return clamp (vec3 (y + 1.596027 * cr,
                      y - 0.391762 * cb - 0.812968 * cr,
                      y + 2.017232 * cb), 0.0, 1.0);
}

// plane0 is RGBA or Y; plane1 holds U and V interleaved (red, green).
// Two fetches at most: a software rasterizer runs both sides of a branch.
vec3
px_sample_color (int format, sampler2D plane0, sampler2D plane1, vec2 uv)
{
  vec4 first = textureLod (plane0, uv, 0.0);

  if (format == PX_FORMAT_RGBA)
    return first.rgb;

  return px_yuv_to_rgb (vec3 (first.r, textureLod (plane1, uv, 0.0).rg));
}
