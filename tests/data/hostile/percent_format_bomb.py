# ATTACK: '%*d' % (10**9, 1): width from a tuple allocates 1 GB
# EXPECT: stopped
# MESSAGE: width
def compute_reward(state):
    s = "%*d" % (10**9, 1)  # <- reported here
    return float(len(s)), {}

def is_success(state):
    return False
