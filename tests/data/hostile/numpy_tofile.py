# ATTACK: array.tofile() to write a file
# EXPECT: rejected
# MESSAGE: tofile
import numpy as np

def compute_reward(state):
    state.object_position("cube").tofile("/tmp/roboskill_canary_file")  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
