uniform int u_format;
uniform sampler2D u_plane0;
uniform sampler2D u_plane1;

in vec2 v_uv;

layout(location = 0) out vec4 o_color;

void
main ()
{
  o_color = vec4 (px_sample_color (u_format, u_plane0, u_plane1, v_uv), 1.0);
}
