# ATTACK: an infinite loop in is_success
# EXPECT: stopped
# MESSAGE: time limit
def compute_reward(state):
    return 0.0, {}

def is_success(state):
    while 1:  # <- reported here
        pass  # <- reported here
