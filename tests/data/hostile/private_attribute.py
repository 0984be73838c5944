# ATTACK: read the private _world attribute of the state
# EXPECT: rejected
# MESSAGE: ._world
def compute_reward(state):
    state._world.reset()  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
