# ATTACK: lambda default capturing a forbidden object
# EXPECT: rejected
# MESSAGE: defaults
def compute_reward(state):
    f = lambda x=state.object_position: x  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
