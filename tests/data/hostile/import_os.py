# ATTACK: import os and read a secret from the environment
# EXPECT: rejected
# MESSAGE: import of 'os'
import os  # <- reported here

def compute_reward(state):
    return float(len(os.environ.get("ROBOSKILL_CANARY", ""))), {}

def is_success(state):
    return False
