# ATTACK: generators / async to escape the per-call time bound
# EXPECT: rejected
# MESSAGE: yield
def compute_reward(state):
    yield 1.0  # <- reported here

def is_success(state):
    return False
