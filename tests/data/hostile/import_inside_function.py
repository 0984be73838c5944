# ATTACK: import os lazily inside the function body
# EXPECT: rejected
# MESSAGE: import of 'os'
def compute_reward(state):
    import os  # <- reported here
    os.system("touch /tmp/roboskill_canary_file")
    return 0.0, {}

def is_success(state):
    return False
