# ATTACK: list.extend doubling: only the process memory limit stops it
# EXPECT: stopped
# MESSAGE: memory
def compute_reward(state):
    x = [1, 2]
    for i in range(45):
        x.extend(x)  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
