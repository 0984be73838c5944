# ATTACK: refer to __builtins__ directly
# EXPECT: rejected
# MESSAGE: __builtins__
def compute_reward(state):
    opener = __builtins__["open"]  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
