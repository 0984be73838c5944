# ATTACK: return +inf via math.inf
# EXPECT: stopped
# MESSAGE: inf
import math

def compute_reward(state):
    return math.inf, {"bonus": 1.0}  # <- reported here

def is_success(state):
    return False
