# ATTACK: 1 << 10**9 allocates 125 MB in C
# EXPECT: stopped
# MESSAGE: too large
def compute_reward(state):
    n = 10**9
    x = 1 << n  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
