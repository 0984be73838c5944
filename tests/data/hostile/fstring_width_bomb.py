# ATTACK: f-string with a 10**9 padding width (memory bomb in C)
# EXPECT: rejected
# MESSAGE: width
def compute_reward(state):
    s = f"{1:>1000000000}"  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
