# ATTACK: advance / reset the simulation from reward code (state.step, state.invalidate)
# EXPECT: stopped
# MESSAGE: does not exist
def compute_reward(state):
    state.invalidate()  # <- reported here
    state.step()
    return 0.0, {}

def is_success(state):
    return False
