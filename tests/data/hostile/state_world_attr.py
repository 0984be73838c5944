# ATTACK: state.world to get the simulator
# EXPECT: rejected
# MESSAGE: .world
def compute_reward(state):
    w = state.world  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
