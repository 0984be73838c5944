# ATTACK: np.zeros(10**12): allocate 8 TB
# EXPECT: stopped
# MESSAGE: elements
import numpy as np

def compute_reward(state):
    big = np.zeros(10**12)  # <- reported here
    return float(big.sum()), {}

def is_success(state):
    return False
