# ATTACK: type()/object/super to build classes at run time
# EXPECT: rejected
# MESSAGE: type
def compute_reward(state):
    T = type("T", (object,), {})  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
