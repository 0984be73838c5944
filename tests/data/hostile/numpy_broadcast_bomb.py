# ATTACK: broadcasting two allowed-size arrays into 10**9 elements (only the process memory limit stops it)
# EXPECT: stopped
# MESSAGE: memory
import numpy as np

def compute_reward(state):
    a = np.ones(100000)
    b = np.ones(100000)
    big = np.reshape(a, (100000, 1)) * b  # <- reported here
    return float(big.sum()), {}

def is_success(state):
    return False
