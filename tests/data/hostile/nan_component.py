# ATTACK: a NaN hidden in one component (numpy 0/0)
# EXPECT: stopped
# MESSAGE: NaN
import numpy as np

def compute_reward(state):
    z = np.zeros(1)
    return 0.0, {"bad": float(np.divide(z, z)[0])}  # <- reported here

def is_success(state):
    return False
