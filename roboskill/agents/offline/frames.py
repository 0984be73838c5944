"""Task frames: the offline model's internal, structured meaning of a task.

Why: an LLM carries a task's meaning implicitly from proposal to scene to reward. The offline model
cannot, so every role converts text to a `TaskFrame` (see `parser.py`) and works from that: the scene
designer places the frame's objects, the reward writer instantiates reward-term templates for the
frame's verb, and the proposer compares frames' *signatures* (verb + object families, no colours or
phrasing) to decide whether a task is already learned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from roboskill.agents.offline.vocab import TYPES_BY_KEY, ObjectType

# Canonical verbs. "reach" = touch/hover; "arrange" = place next to another object.
VERBS: tuple[str, ...] = (
    "pick", "lift", "place", "push", "slide", "stack", "open", "close", "press", "rotate",
    "put_inside", "reach", "arrange",
)
DIRECTIONS: dict[str, tuple[float, float]] = {  # robot faces +x; its left is +y
    "left": (0.0, 1.0), "right": (0.0, -1.0), "forward": (1.0, 0.0), "backward": (-1.0, 0.0),
}
RELATIONS = ("left_of", "right_of", "front_of", "behind")

_ARTICULATED_NAMES = {"drawer_cabinet": "cabinet", "door_cabinet": "cupboard", "lid_box": "chest",
                      "button": "button", "lever": "lever", "sliding_door": "sliding_door", "knob": "knob"}


@dataclass
class ObjRef:
    """One object of a task: its type, optional colour/size words, and (articulated) joint."""

    type_key: str
    color: str | None = None
    size: str | None = None
    joint: str | None = None
    name: str | None = None  # scene object name once bound (parser/scene designer)

    @property
    def type(self) -> ObjectType:
        return TYPES_BY_KEY.get(self.type_key) or ObjectType(self.type_key, "asset", self.type_key,
                                                              (self.type_key.replace("_", " "),),
                                                              asset=self.type_key, colorable=False)

    @property
    def family(self) -> str:
        return self.type.family

    def scene_name(self) -> str:
        """Stable snake_case scene object name: 'red_block', 'cabinet', 'duck'."""
        if self.name:
            return self.name
        t = self.type
        if t.source == "articulated":
            return _ARTICULATED_NAMES.get(t.key, t.key)
        base = t.key
        if self.color and t.colorable:
            base = f"{self.color}_{base}"
        return re.sub(r"[^a-z0-9_]", "_", base.lower())

    def joint_name(self) -> str | None:
        """Full joint address `<object>.<joint>` for articulated objects."""
        if self.type.source != "articulated":
            return None
        joint = self.joint or (self.type.joints[0] if self.type.joints else None)
        return f"{self.scene_name()}.{joint}" if joint else None


@dataclass
class TaskFrame:
    """Structured meaning of one task.

    `amount` is verb-specific: metres for lift/slide/push-by-direction, open fraction for open/close,
    radians for rotate. `relation` is a DIRECTIONS key (slide/push) or a RELATIONS key (arrange).
    `steps` are extra prerequisite verbs for compositions, e.g. ["open"] for "open the drawer and put
    the cube inside".
    """

    verb: str
    obj: ObjRef
    dest: ObjRef | None = None
    relation: str | None = None
    amount: float | None = None
    difficulty: int = 1
    steps: list[str] = field(default_factory=list)
    then_close: bool = False

    def signature(self) -> str:
        """Normalised identity used for 'already learned?' checks (no colours, sizes or phrasing)."""
        verb = {"lift": "pick"}.get(self.verb, self.verb)
        parts = [verb, self.obj.family]
        if self.obj.type.key == "drawer_cabinet":  # the only kind with several joints
            parts.append(self.obj.joint or "drawer_0")
        if self.dest is not None:
            parts.append(self.dest.family)
            if self.dest.type.key == "drawer_cabinet":
                parts.append(self.dest.joint or "drawer_0")
        if self.relation and verb in ("slide", "push", "arrange"):
            parts.append(self.relation)
        if self.steps:
            parts.append("+".join(self.steps))
        if self.then_close:
            parts.append("close")
        return ":".join(parts)

    def families(self) -> set[str]:
        fams = {self.obj.family}
        if self.dest is not None:
            fams.add(self.dest.family)
        return fams

    def articulated(self) -> ObjRef | None:
        """The articulated object of the task (the object itself or the destination), if any."""
        for ref in (self.obj, self.dest):
            if ref is not None and ref.type.source == "articulated":
                return ref
        return None
