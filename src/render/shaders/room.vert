// The room behind the screen: a box open towards the viewer, floor at
// y = 0, from a unit box scaled by u_model.

layout(location = 0) in vec4 a_position;  // xyz, w = surface

uniform mat4 u_model;
uniform mat4 u_view_projection;

out vec3 v_stage;
out float v_surface;

void
main ()
{
  vec4 stage = u_model * vec4 (a_position.xyz, 1.0);

  v_stage = stage.xyz;
  v_surface = a_position.w;
  gl_Position = u_view_projection * stage;
}
