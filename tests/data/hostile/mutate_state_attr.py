# ATTACK: overwrite a state method
# EXPECT: rejected
# MESSAGE: read-only
def compute_reward(state):
    state.object_position = None  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
