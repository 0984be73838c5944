# ATTACK: globals()['__builtins__'] to reach open()
# EXPECT: rejected
# MESSAGE: globals
def compute_reward(state):
    g = globals()  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
