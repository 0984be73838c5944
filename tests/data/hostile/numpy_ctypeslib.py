# ATTACK: np.ctypeslib.load_library to load a shared library
# EXPECT: rejected
# MESSAGE: ctypeslib
import numpy as np

def compute_reward(state):
    lib = np.ctypeslib.load_library("libc", "/lib")  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
