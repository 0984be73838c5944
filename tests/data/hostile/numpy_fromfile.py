# ATTACK: np.fromfile to read /etc/passwd
# EXPECT: rejected
# MESSAGE: fromfile
import numpy as np

def compute_reward(state):
    x = np.fromfile("/etc/passwd", dtype=np.uint8)  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
