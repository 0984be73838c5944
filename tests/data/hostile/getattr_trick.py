# ATTACK: getattr(state, '_' + '_class__') to build a dunder name at run time
# EXPECT: rejected
# MESSAGE: getattr
def compute_reward(state):
    cls = getattr(state, "_" + "_class" + "_" + "_")  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
