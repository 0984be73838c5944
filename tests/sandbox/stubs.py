"""A tiny State stand-in so sandbox tests do not need a physics scene."""

from __future__ import annotations

import numpy as np


class StubState:
    """Answers the State API with fixed values (cube at the origin, ee 10 cm above it)."""

    def object_names(self) -> list[str]:
        return ["cube", "table"]

    def joint_names(self) -> list[str]:
        return []

    def object_position(self, name: str) -> np.ndarray:
        if name not in ("cube", "table", "ee"):
            raise KeyError(f"unknown object {name!r}; valid: cube, table, ee")
        return np.array([0.0, 0.0, 0.1 if name == "ee" else 0.02])

    def ee_position(self) -> np.ndarray:
        return np.array([0.0, 0.0, 0.1])

    def distance(self, a: str, b: str) -> float:
        return float(np.linalg.norm(self.object_position(a) - self.object_position(b)))

    def gripper_opening(self) -> float:
        return 0.08

    def is_grasped(self, name: str) -> bool:
        return False

    @property
    def time_step(self) -> float:
        return 0.04

    # not part of the API: must stay unreachable from generated code
    def invalidate(self) -> None:
        raise AssertionError("generated code reached invalidate()")

