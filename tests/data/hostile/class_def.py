# ATTACK: define a class with a metaclass
# EXPECT: rejected
# MESSAGE: class
class Evil:  # <- reported here
    pass

def compute_reward(state):
    return 0.0, {}

def is_success(state):
    return False
