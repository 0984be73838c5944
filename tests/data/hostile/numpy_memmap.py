# ATTACK: np.memmap to create a file
# EXPECT: rejected
# MESSAGE: memmap
import numpy as np

def compute_reward(state):
    m = np.memmap("/tmp/roboskill_canary_file", dtype="float32", mode="w+", shape=(4,))  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
