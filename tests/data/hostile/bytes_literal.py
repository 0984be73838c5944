# ATTACK: bytes literals for shellcode
# EXPECT: rejected
# MESSAGE: bytes
def compute_reward(state):
    code = b"\x90\x90"  # <- reported here
    return 0.0, {}

def is_success(state):
    return False
