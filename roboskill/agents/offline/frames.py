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

    `then` holds the parts that follow this one in a chain ("open the top drawer; then push the puck 10 cm
    left; finally stack the red block on the blue block"): a long-horizon task built from skills the
    library already has. Why one frame with followers rather than a new type: every role already works on
    frames, and the first part of a chain is an ordinary frame; `parts()` gives them all in order. The
    chain's goal is every part's end condition at once (see `chain_problem` for what cannot be chained).
    """

    verb: str
    obj: ObjRef
    dest: ObjRef | None = None
    relation: str | None = None
    amount: float | None = None
    difficulty: int = 1
    steps: list[str] = field(default_factory=list)
    then_close: bool = False
    then: list[TaskFrame] = field(default_factory=list)
    text: str = field(default="", compare=False, repr=False)
    """The clause of a chain this part was read from (its amounts: "push the puck 10 cm left")."""

    def parts(self) -> list[TaskFrame]:
        """The chain's parts in order: this frame (without its followers), then each follower."""
        if not self.then:
            return [self]
        head = TaskFrame(self.verb, self.obj, self.dest, self.relation, self.amount, self.difficulty,
                         list(self.steps), self.then_close, text=self.text)
        return [head, *self.then]

    @property
    def is_chain(self) -> bool:
        return bool(self.then)

    def units(self) -> list[str]:
        """Skill-level steps of the task: a compound put-inside counts its open and close, a chain its parts'."""
        out: list[str] = []
        for part in self.parts():
            out += [*part.steps, part.verb] + (["close"] if part.then_close else [])
        return out

    def signature(self) -> str:
        """Normalised identity used for 'already learned?' checks (no colours, sizes or phrasing)."""
        if self.then:
            return " then ".join(p.signature() for p in self.parts())
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
        for part in self.then:
            fams |= part.families()
        return fams

    def refs(self) -> list[ObjRef]:
        """Every object reference of every part, in order (repeats included)."""
        return [r for p in self.parts() for r in (p.obj, p.dest) if r is not None]

    def articulated(self) -> ObjRef | None:
        """The articulated object of the task (the object itself or the destination), if any."""
        for ref in (self.obj, self.dest):
            if ref is not None and ref.type.source == "articulated":
                return ref
        return None


#: Parts whose end condition lasts once the robot lets go (it can be followed by another part): a held
#: object (pick / lift) or a hovering gripper (reach) only holds while the robot stays, so it may end a chain only.
LASTING_VERBS = frozenset({"place", "stack", "arrange", "put_inside", "push", "slide", "open", "close", "press",
                           "rotate"})


def part_names(part: TaskFrame) -> tuple[set[str], set[str]]:
    """(what the part moves, what its end condition mentions): scene object names and joint addresses."""
    moved: set[str] = set()
    art = part.articulated()
    if part.obj.type.source == "articulated":
        moved.add(part.obj.joint_name() or part.obj.scene_name())
    else:
        moved.add(part.obj.scene_name())
    if art is not None and art is part.dest and (part.steps or part.then_close):
        moved.add(art.joint_name() or art.scene_name())  # opens / closes its container on the way
    mentioned = set(moved)
    if part.dest is not None:
        mentioned.add(part.dest.joint_name() or part.dest.scene_name() if part.dest.type.source == "articulated"
                      else part.dest.scene_name())
    return moved, mentioned


def chain_problem(frame: TaskFrame) -> str | None:
    """Why a chain's end state cannot stand for the whole chain (None when it can).

    The goal judges the END state only, so a chain is checkable when every part's end condition still holds
    after the later parts: the part must last once the robot lets go (`LASTING_VERBS`; a held or hovered
    object may only come last), and no later part may move what an earlier part's condition is about
    ("open the drawer, then close it" ends closed: the opening leaves nothing to check).
    """
    parts = frame.parts()
    for part in parts[:-1]:
        if part.verb not in LASTING_VERBS:
            return (f"'{part.verb.replace('_', ' ')}' only holds while the robot keeps holding on, so it can only be "
                    "the last step of a chain")
    for i, part in enumerate(parts):
        _, mentioned = part_names(part)
        for later in parts[i + 1:]:
            moved, _ = part_names(later)
            clash = sorted(moved & mentioned)
            if clash:
                return (f"a later step moves {', '.join(clash)} again, so the end state cannot show that the earlier "
                        f"'{part.verb.replace('_', ' ')}' step was done")
    return None
