# ATTACK: np.load(allow_pickle=True) to unpickle attacker data
# EXPECT: rejected
# MESSAGE: .load
import numpy as np

def compute_reward(state):
    data = np.load("/tmp/evil.npy", allow_pickle=True)  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
