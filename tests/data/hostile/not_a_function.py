# ATTACK: bind compute_reward to a builtin instead of a def
# EXPECT: rejected
# MESSAGE: must be defined with
compute_reward = abs  # <- reported here

def is_success(state):
    return False
