# ATTACK: open() a file for writing
# EXPECT: rejected
# MESSAGE: open
def compute_reward(state):
    fh = open("/tmp/roboskill_canary_file", "w")  # <- reported here
    fh.write("pwned")
    return 0.0, {}

def is_success(state):
    return False
