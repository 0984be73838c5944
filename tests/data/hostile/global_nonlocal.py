# ATTACK: global statement to rebind module functions
# EXPECT: rejected
# MESSAGE: global
def compute_reward(state):
    global is_success  # <- reported here
    is_success = None
    return 0.0, {}

def is_success(state):
    return False
