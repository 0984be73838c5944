# ATTACK: s += s doubling in a loop (32 GB after 35 rounds)
# EXPECT: stopped
# MESSAGE: too large
def compute_reward(state):
    s = "ab"
    for i in range(40):
        s += s  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
