# ATTACK: patch numpy through a local alias (m = np; m.pi = 3) - the facade is frozen
# EXPECT: rejected
# MESSAGE: cannot be patched
import numpy as np

def compute_reward(state):
    m = np
    m.pi = 3.0  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
