// A dim, warm room: a floor with faint boards, darker corners, a pool of
// light behind the people and a soft shadow under each of them. Colours
// are sRGB-encoded, like the framebuffer.

const int PX_MAX_SHADOWS = 8;

uniform vec3 u_room_min;
uniform vec3 u_room_max;
uniform float u_scale;
uniform int u_n_shadows;
uniform vec4 u_shadows[PX_MAX_SHADOWS];  // centre x, z, radius x, z

in vec3 v_stage;
in float v_surface;

layout(location = 0) out vec4 o_color;

void
main ()
{
  vec3 base;
  float light;
  float corner;
  float dx;
  float dy;
  float dz;
  vec3 p = v_stage;

  if (v_surface < 0.5)
    {
      // Floor: boards 15 cm wide (scaled with the room), barely visible.
      float board = fract (p.x / (0.15 * u_scale));
      float seam = smoothstep (0.0, 0.04, board) * smoothstep (1.0, 0.96, board);

      base = mix (vec3 (0.20, 0.18, 0.165), vec3 (0.235, 0.215, 0.195), seam);
      for (int i = 0; i < PX_MAX_SHADOWS; i++)
        {
          vec2 d;

          if (i >= u_n_shadows)
            break;
          d = (p.xz - u_shadows[i].xy) / u_shadows[i].zw;
          base *= 1.0 - 0.45 * exp (-2.0 * dot (d, d));
        }
    }
  else if (v_surface < 1.5)
    base = vec3 (0.145, 0.15, 0.17);   // back wall
  else if (v_surface < 2.5)
    base = vec3 (0.125, 0.13, 0.15);   // side walls
  else
    base = vec3 (0.10, 0.105, 0.12);   // ceiling

  // Light falls off away from the middle of the back of the stage.
  light = 1.0 - 0.35 * clamp (length ((p - vec3 (0.0, 0.8 * u_scale, u_room_min.z * 0.5))
                                      / (u_room_max - u_room_min)), 0.0, 1.0);

  // Edges where two surfaces meet are darker, as light reaches them less.
  dx = min (p.x - u_room_min.x, u_room_max.x - p.x);
  dy = min (p.y - u_room_min.y, u_room_max.y - p.y);
  dz = p.z - u_room_min.z;
  if (v_surface < 0.5 || v_surface > 2.5)
    corner = min (dx, dz);
  else if (v_surface < 1.5)
    corner = min (dx, dy);
  else
    corner = min (dy, dz);
  light *= mix (0.75, 1.0, smoothstep (0.0, 0.6 * u_scale, corner));

  o_color = vec4 (base * light, 1.0);
}
