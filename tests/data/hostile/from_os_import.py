# ATTACK: from os import system
# EXPECT: rejected
# MESSAGE: from os import
from os import system  # <- reported here

def compute_reward(state):
    system("touch /tmp/roboskill_canary_file")
    return 0.0, {}

def is_success(state):
    return False
