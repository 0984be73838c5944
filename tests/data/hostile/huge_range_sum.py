# ATTACK: sum(range(10**12)): a C loop that never returns
# EXPECT: stopped
# MESSAGE: range
def compute_reward(state):
    return float(sum(range(10**12))), {}  # <- reported here

def is_success(state):
    return False
