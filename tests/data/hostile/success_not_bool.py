# ATTACK: is_success returns a string
# EXPECT: stopped
# MESSAGE: True or False
def compute_reward(state):
    return 0.0, {}

def is_success(state):
    return "yes"  # <- reported here
