# ATTACK: np.lib.format to read pickles
# EXPECT: rejected
# MESSAGE: .lib
import numpy as np

def compute_reward(state):
    r = np.lib.format.read_array  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
