# ATTACK: an unguarded division by zero
# EXPECT: stopped
# MESSAGE: ZeroDivisionError
def compute_reward(state):
    d = state.distance("ee", "cube") * 0
    return 1.0 / d, {}  # <- reported here

def is_success(state):
    return False
