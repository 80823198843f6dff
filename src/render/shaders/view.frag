// The colour of a point of a participant, blended from every camera that
// sees it, each weighted by how close its line of sight is to the
// viewer's. Every view's mesh computes the same blend for the same point,
// so where two meshes overlap the depth test may pick either: no seams.
// A camera's weight fades towards the edge of its image, so a view that
// stops covering the surface hands over gradually.

const int PX_MAX_VIEWS = 4;

uniform int u_self;
uniform vec3 u_eye_rig;
uniform float u_visibility;
uniform float u_border_fade;
uniform mat3 u_rotations[PX_MAX_VIEWS];
uniform vec3 u_translations[PX_MAX_VIEWS];
uniform vec3 u_centers[PX_MAX_VIEWS];
uniform vec4 u_intrinsics[PX_MAX_VIEWS];
uniform vec2 u_images[PX_MAX_VIEWS];
uniform int u_formats[PX_MAX_VIEWS];

uniform sampler2D u_plane0_0;
uniform sampler2D u_plane1_0;
uniform highp sampler2D u_depth_0;
uniform sampler2D u_plane0_1;
uniform sampler2D u_plane1_1;
uniform highp sampler2D u_depth_1;
uniform sampler2D u_plane0_2;
uniform sampler2D u_plane1_2;
uniform highp sampler2D u_depth_2;
uniform sampler2D u_plane0_3;
uniform sampler2D u_plane1_3;
uniform highp sampler2D u_depth_3;

in vec3 v_rig;

layout(location = 0) out vec4 o_color;

vec4
px_contribution (int k, sampler2D plane0, sampler2D plane1, highp sampler2D depth)
{
  vec3 camera = u_rotations[k] * v_rig + u_translations[k];
  vec4 intrinsics = u_intrinsics[k];
  vec2 size = u_images[k];
  vec2 pixel;
  vec2 uv;
  float border;
  float weight;
  vec3 to_camera;
  vec3 to_eye;

  if (camera.z <= 1e-3)
    return vec4 (0.0);

  pixel = vec2 (intrinsics.x * camera.x / camera.z + intrinsics.z,
                intrinsics.y * camera.y / camera.z + intrinsics.w);
  border = min (min (pixel.x + 0.5, size.x - 0.5 - pixel.x),
                min (pixel.y + 0.5, size.y - 0.5 - pixel.y));
  if (border <= 0.0)
    return vec4 (0.0);
  uv = (pixel + 0.5) / size;

  // Another camera only counts where it sees this very surface, not
  // something in front of it.
  if (k != u_self)
    {
      float seen = textureLod (depth, uv, 0.0).r;

      if (!(seen > 0.0) || abs (seen - camera.z) > u_visibility * camera.z)
        return vec4 (0.0);
    }

  to_camera = normalize (u_centers[k] - v_rig);
  to_eye = normalize (u_eye_rig - v_rig);
  weight = pow (max (dot (to_camera, to_eye), 0.0), 8.0);
  weight *= smoothstep (0.0, u_border_fade, border);
  // The mesh's own camera always has a say, so a point no other camera
  // sees keeps its own colour instead of none.
  if (k == u_self)
    weight = max (weight, 1e-4);

  return vec4 (px_sample_color (u_formats[k], plane0, plane1, uv) * weight, weight);
}

void
main ()
{
#if PX_VIEWS == 1
  // A single camera: its weight divides out, only its colour is left.
  vec3 camera = u_rotations[0] * v_rig + u_translations[0];
  vec2 pixel = vec2 (u_intrinsics[0].x * camera.x / camera.z + u_intrinsics[0].z,
                     u_intrinsics[0].y * camera.y / camera.z + u_intrinsics[0].w);

  o_color = vec4 (px_sample_color (u_formats[0], u_plane0_0, u_plane1_0,
                                   (pixel + 0.5) / u_images[0]), 1.0);
#else
  vec4 sum = px_contribution (0, u_plane0_0, u_plane1_0, u_depth_0);

  // One program per number of views (PX_VIEWS is defined when it is
  // built): a software rasterizer would otherwise pay for every sample of
  // every branch.
#if PX_VIEWS > 1
  sum += px_contribution (1, u_plane0_1, u_plane1_1, u_depth_1);
#endif
#if PX_VIEWS > 2
  sum += px_contribution (2, u_plane0_2, u_plane1_2, u_depth_2);
#endif
#if PX_VIEWS > 3
  sum += px_contribution (3, u_plane0_3, u_plane1_3, u_depth_3);
#endif

  if (sum.a <= 0.0)
    discard;

  o_color = vec4 (sum.rgb / sum.a, 1.0);
#endif
}
