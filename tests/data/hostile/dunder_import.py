# ATTACK: __import__('os').system(...)
# EXPECT: rejected
# MESSAGE: __import__
def compute_reward(state):
    __import__("os").system("touch /tmp/roboskill_canary_file")  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
