# ATTACK: return a string instead of (total, components)
# EXPECT: stopped
# MESSAGE: tuple
def compute_reward(state):
    return "very high"  # <- reported here

def is_success(state):
    return False
