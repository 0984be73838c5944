# ATTACK: setattr(state, ...) to bypass the static attribute-write check
# EXPECT: rejected
# MESSAGE: setattr
def compute_reward(state):
    setattr(state, "time_step", 100.0)  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
