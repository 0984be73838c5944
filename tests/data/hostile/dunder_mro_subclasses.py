# ATTACK: ().__class__.__mro__[1].__subclasses__() to find os._wrap_close
# EXPECT: rejected
# MESSAGE: __mro__
def compute_reward(state):
    for cls in ().__class__.__mro__[1].__subclasses__():  # <- reported here
        if cls.__name__ == "_wrap_close":
            cls.__init__.__globals__["system"]("touch /tmp/roboskill_canary_file")
    return 0.0, {}

def is_success(state):
    return False
