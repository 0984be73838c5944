# ATTACK: compute_reward.__globals__['__builtins__'] to recover real builtins
# EXPECT: rejected
# MESSAGE: __globals__
def compute_reward(state):
    b = compute_reward.__globals__["__builtins__"]  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
