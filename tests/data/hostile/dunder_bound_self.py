# ATTACK: state.object_position.__self__ to reach the World and pybullet
# EXPECT: rejected
# MESSAGE: __self__
def compute_reward(state):
    world = state.object_position.__self__._world  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
