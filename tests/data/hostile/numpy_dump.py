# ATTACK: array.dump() pickles an array to a file
# EXPECT: rejected
# MESSAGE: dump
import numpy as np

def compute_reward(state):
    np.zeros(3).dump("/tmp/roboskill_canary_file")  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
