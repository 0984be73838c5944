# ATTACK: a huge literal multiplier
# EXPECT: rejected
# MESSAGE: too large
def compute_reward(state):
    x = [0] * 100000000000  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
