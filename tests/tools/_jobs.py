"""Job functions for executor tests (module-level: spawn workers import them)."""
import os


def ok(x):
    return x * 2


def boom(x):
    raise ValueError(f"bad job {x}")


def die(x):
    os._exit(3)
