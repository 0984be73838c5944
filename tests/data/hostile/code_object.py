# ATTACK: replace a function's code object via __code__
# EXPECT: rejected
# MESSAGE: __code__
def compute_reward(state):
    f = lambda: 0
    code = f.__code__  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
