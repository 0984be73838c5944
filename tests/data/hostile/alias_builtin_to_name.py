# ATTACK: define compute_reward as eval itself
# EXPECT: rejected
# MESSAGE: eval
compute_reward = eval  # <- reported here

def is_success(state):
    return False
