# ATTACK: 'a' * 10**10
# EXPECT: stopped
# MESSAGE: too large
def compute_reward(state):
    s = "a" * 10**10  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
