# ATTACK: '{0.__class__.__mro__}'.format(x) to read attributes via str.format
# EXPECT: rejected
# MESSAGE: format
def compute_reward(state):
    s = "{0.__class__.__mro__}".format(state)  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
