# ATTACK: walk frames: (x for x in ()).gi_frame.f_back.f_globals
# EXPECT: rejected
# MESSAGE: gi_frame
def compute_reward(state):
    g = (x for x in ())
    frame = g.gi_frame.f_back  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
