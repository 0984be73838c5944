# ATTACK: compile() a code object
# EXPECT: rejected
# MESSAGE: compile
def compute_reward(state):
    c = compile("import os", "x", "exec")  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
