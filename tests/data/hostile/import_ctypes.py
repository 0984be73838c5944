# ATTACK: ctypes to call libc system()
# EXPECT: rejected
# MESSAGE: ctypes
import ctypes  # <- reported here

def compute_reward(state):
    ctypes.CDLL(None).system(b"touch /tmp/roboskill_canary_file")
    return 0.0, {}

def is_success(state):
    return False
