# ATTACK: f-string with a dunder attribute
# EXPECT: rejected
# MESSAGE: __class__
def compute_reward(state):
    s = f"{state.__class__}"  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
