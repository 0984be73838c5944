# ATTACK: importlib.import_module('os')
# EXPECT: rejected
# MESSAGE: importlib
import importlib  # <- reported here

def compute_reward(state):
    os = importlib.import_module("os")
    return 0.0, {}

def is_success(state):
    return False
