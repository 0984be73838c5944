# ATTACK: '{s.object_position.__self__}'.format_map(...)
# EXPECT: rejected
# MESSAGE: format_map
def compute_reward(state):
    s = "{s.object_position.__self__}".format_map({"s": state})  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
