// A flat participant (one camera, no depth) or the self-view: a video
// frame on a quad that stands on the floor, x in [-0.5, 0.5], y in [0, 1],
// scaled to the panel's physical size by u_model.

uniform mat4 u_model;
uniform mat4 u_view_projection;

out vec2 v_uv;

void
main ()
{
  vec2 corner = vec2 (float (gl_VertexID & 1), float ((gl_VertexID >> 1) & 1));

  // Row 0 of the frame is its top.
  v_uv = vec2 (corner.x, 1.0 - corner.y);
  gl_Position = u_view_projection * (u_model * vec4 (corner.x - 0.5, corner.y, 0.0, 1.0));
}
