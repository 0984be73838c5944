# ATTACK: a decorator runs code at definition time
# EXPECT: rejected
# MESSAGE: decorator
def deco(f):
    return f

@deco  # <- reported here
def compute_reward(state):
    return 0.0, {}

def is_success(state):
    return False
