# ATTACK: unbounded recursion
# EXPECT: stopped
# MESSAGE: recursion
def f(n):
    return f(n + 1) + 1  # <- reported here

def compute_reward(state):
    return float(f(0)), {}

def is_success(state):
    return False
