# ATTACK: no is_success at all
# EXPECT: rejected
# MESSAGE: is_success
def compute_reward(state):
    return 0.0, {}
