// One camera's view of a participant: a grid with one vertex per depth
// sample, pushed out to its depth. The grid is drawn as independent
// triangles (6 vertices per cell, from gl_VertexID alone), so that every
// vertex knows its whole triangle: a triangle that spans a depth jump (a
// hand in front of the chest, the person's edge against nothing) or
// touches an empty sample collapses to a point and draws nothing. OpenGL
// ES 3.0 has no geometry shaders; this needs none.

const int PX_MAX_VIEWS = 4;

uniform highp sampler2D u_depth_self;
uniform int u_self;
uniform ivec2 u_grid;
uniform float u_tear_limit;
uniform mat3 u_rotations[PX_MAX_VIEWS];
uniform vec3 u_translations[PX_MAX_VIEWS];
uniform vec4 u_intrinsics[PX_MAX_VIEWS];
uniform vec2 u_images[PX_MAX_VIEWS];
uniform mat4 u_model;
uniform mat4 u_view_projection;

out vec3 v_rig;

const ivec2 px_corners[6] = ivec2[6] (ivec2 (0, 0), ivec2 (1, 0), ivec2 (0, 1),
                                      ivec2 (1, 0), ivec2 (1, 1), ivec2 (0, 1));

void
main ()
{
  int cell = gl_VertexID / 6;
  int corner = gl_VertexID - cell * 6;
  int first = corner < 3 ? 0 : 3;
  int cells_x = u_grid.x - 1;
  ivec2 origin = ivec2 (cell - (cell / cells_x) * cells_x, cell / cells_x);
  float d0 = texelFetch (u_depth_self, origin + px_corners[first], 0).r;
  float d1 = texelFetch (u_depth_self, origin + px_corners[first + 1], 0).r;
  float d2 = texelFetch (u_depth_self, origin + px_corners[first + 2], 0).r;
  float nearest = min (d0, min (d1, d2));
  float farthest = max (d0, max (d1, d2));
  ivec2 sample_at;
  float depth;
  vec2 pixel;
  vec4 intrinsics = u_intrinsics[u_self];
  vec3 camera;

  // Empty depth is 0 (cleaned on the CPU); the jump is relative to the
  // depth, since a step of 1 cm means more at 1 m than at 4 m.
  if (!(nearest > 0.0) || farthest - nearest > u_tear_limit * nearest)
    {
      v_rig = vec3 (0.0);
      gl_Position = vec4 (2.0, 2.0, 2.0, 1.0);
      return;
    }

  sample_at = origin + px_corners[corner];
  depth = texelFetch (u_depth_self, sample_at, 0).r;
  pixel = (vec2 (sample_at) + 0.5) * u_images[u_self] / vec2 (u_grid) - 0.5;
  camera = vec3 ((pixel.x - intrinsics.z) / intrinsics.x * depth,
                 (pixel.y - intrinsics.w) / intrinsics.y * depth,
                 depth);
  v_rig = transpose (u_rotations[u_self]) * (camera - u_translations[u_self]);
  gl_Position = u_view_projection * (u_model * vec4 (v_rig, 1.0));
}
