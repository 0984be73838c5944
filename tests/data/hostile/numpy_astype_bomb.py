# ATTACK: array.astype to a huge string dtype after construction (only the process memory limit stops it)
# EXPECT: stopped
# MESSAGE: memory
import numpy as np


def compute_reward(state):
    x = np.ones(4).astype("U100000000")  # <- reported here
    return 0.0, {}


def is_success(state):
    return False
