# ATTACK: math.sqrt = ... to poison the host's math module
# EXPECT: rejected
# MESSAGE: cannot be patched
import math

def compute_reward(state):
    math.sqrt = lambda x: 0.0  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
