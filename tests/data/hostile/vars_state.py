# ATTACK: vars(state) to get and edit the state's dict
# EXPECT: rejected
# MESSAGE: vars
def compute_reward(state):
    vars(state)["_world"] = None  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
