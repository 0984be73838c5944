# ATTACK: breakpoint()/input() to hang on the terminal
# EXPECT: rejected
# MESSAGE: breakpoint
def compute_reward(state):
    breakpoint()  # <- reported here
    return float(input()), {}

def is_success(state):
    return False
