# ATTACK: eval / exec of a string assembled at run time
# EXPECT: rejected
# MESSAGE: eval
def compute_reward(state):
    eval("1 + 1")  # <- reported here
    exec("x = 1")
    return 0.0, {}

def is_success(state):
    return False
