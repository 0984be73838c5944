# ATTACK: rebind np to another name so the static alias check cannot see np.fromstring
# EXPECT: stopped
# MESSAGE: not available
import numpy as np

def compute_reward(state):
    lib = np
    x = lib.fromstring("1 2", sep=" ")  # <- reported here
    return float(x[0]), {}

def is_success(state):
    return False
