# ATTACK: int() of a 100000-digit string (quadratic time in C)
# EXPECT: stopped
# MESSAGE: ValueError
def compute_reward(state):
    s = "9" * 100000
    return float(int(s)), {}  # <- reported here

def is_success(state):
    return False
