# ATTACK: raise an error whose message is megabytes long
# EXPECT: stopped
# MESSAGE: KeyError
def compute_reward(state):
    d = {}
    return d["x" * 1000000], {}  # <- reported here

def is_success(state):
    return False
