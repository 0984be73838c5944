# ATTACK: return NaN as the reward total
# EXPECT: stopped
# MESSAGE: NaN
def compute_reward(state):
    return float("nan"), {}  # <- reported here

def is_success(state):
    return False
