# ATTACK: np.linalg.norm = ... to poison numpy for other code
# EXPECT: rejected
# MESSAGE: cannot be patched
import numpy as np

def compute_reward(state):
    np.linalg.norm = abs  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
