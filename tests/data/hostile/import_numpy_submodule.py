# ATTACK: import numpy.ctypeslib directly
# EXPECT: rejected
# MESSAGE: numpy.ctypeslib
import numpy.ctypeslib  # <- reported here

def compute_reward(state):
    return 0.0, {}

def is_success(state):
    return False
