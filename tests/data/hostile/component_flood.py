# ATTACK: return 100000 reward components
# EXPECT: stopped
# MESSAGE: components
def compute_reward(state):
    comps = {str(i): 0.0 for i in range(100000)}
    return 0.0, comps  # <- reported here

def is_success(state):
    return False
