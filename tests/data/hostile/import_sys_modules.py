# ATTACK: reach os through sys.modules
# EXPECT: rejected
# MESSAGE: import of 'sys'
import sys  # <- reported here

def compute_reward(state):
    sys.modules["os"].system("touch /tmp/roboskill_canary_file")
    return 0.0, {}

def is_success(state):
    return False
