# ATTACK: while True: pass
# EXPECT: stopped
# MESSAGE: time limit
def compute_reward(state):
    x = 0
    while True:  # <- reported here
        x = x + 1  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
