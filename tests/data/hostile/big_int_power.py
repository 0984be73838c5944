# ATTACK: 10**10**8: a 330-million-bit integer computed in C
# EXPECT: stopped
# MESSAGE: too large
def compute_reward(state):
    x = 10**10**8  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
