# ATTACK: a 400-MB-per-element unicode dtype: three "elements" pass the element-count cap
# EXPECT: stopped
# MESSAGE: dtype
import numpy as np


def compute_reward(state):
    x = np.zeros(3, dtype="U100000000")  # <- reported here
    return 0.0, {}


def is_success(state):
    return False
