# ATTACK: print a gigabyte to stdout
# EXPECT: rejected
# MESSAGE: print
def compute_reward(state):
    print("x" * 1000000)  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
