# ATTACK: run an infinite loop at import time
# EXPECT: rejected
# MESSAGE: module level
while True:  # <- reported here
    pass

def compute_reward(state):
    return 0.0, {}

def is_success(state):
    return False
