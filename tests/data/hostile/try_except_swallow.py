# ATTACK: swallow the sandbox's timeout with a bare except
# EXPECT: rejected
# MESSAGE: try/except
def compute_reward(state):
    try:  # <- reported here
        while True:
            pass
    except:
        pass
    return 0.0, {}

def is_success(state):
    return False
