# ATTACK: allocate a huge list at import time
# EXPECT: stopped
# MESSAGE: too large
BIG = [0] * 10**10  # <- reported here

def compute_reward(state):
    return 0.0, {}

def is_success(state):
    return False
