# ATTACK: np.save to write a file
# EXPECT: rejected
# MESSAGE: .save
import numpy as np

def compute_reward(state):
    np.save("/tmp/roboskill_canary_file", np.zeros(3))  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
