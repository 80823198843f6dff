// One camera's view of a participant: a grid with one vertex per depth
// sample (gl_VertexID = y × width + x), pushed out to its depth. The
// index buffer lists only the triangles that are a surface: those that
// span a depth jump (a hand in front of the chest, the person's edge
// against nothing) or touch an empty sample are left out on the CPU
// (px-participant.c), so neighbouring triangles share their vertices.

const int PX_MAX_VIEWS = 4;

uniform highp sampler2D u_depth_self;
uniform int u_self;
uniform ivec2 u_grid;
uniform mat3 u_rotations[PX_MAX_VIEWS];
uniform vec3 u_translations[PX_MAX_VIEWS];
uniform vec4 u_intrinsics[PX_MAX_VIEWS];
uniform vec2 u_images[PX_MAX_VIEWS];
uniform mat4 u_model;
uniform mat4 u_view_projection;

out vec3 v_rig;

void
main ()
{
  int row = gl_VertexID / u_grid.x;
  ivec2 sample_at = ivec2 (gl_VertexID - row * u_grid.x, row);
  float depth = texelFetch (u_depth_self, sample_at, 0).r;
  vec2 pixel;
  vec4 intrinsics = u_intrinsics[u_self];
  vec3 camera;

  pixel = (vec2 (sample_at) + 0.5) * u_images[u_self] / vec2 (u_grid) - 0.5;
  camera = vec3 ((pixel.x - intrinsics.z) / intrinsics.x * depth,
                 (pixel.y - intrinsics.w) / intrinsics.y * depth,
                 depth);
  v_rig = transpose (u_rotations[u_self]) * (camera - u_translations[u_self]);
  gl_Position = u_view_projection * (u_model * vec4 (v_rig, 1.0));
}
