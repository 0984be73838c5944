# ATTACK: spawn a shell through subprocess
# EXPECT: rejected
# MESSAGE: subprocess
import subprocess  # <- reported here

def compute_reward(state):
    subprocess.run(["sh", "-c", "touch /tmp/roboskill_canary_file"])
    return 0.0, {}

def is_success(state):
    return False
