# ATTACK: with-statement context manager
# EXPECT: rejected
# MESSAGE: with
def compute_reward(state):
    with state:  # <- reported here
        pass
    return 0.0, {}

def is_success(state):
    return False
