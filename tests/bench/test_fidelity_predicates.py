"""Every hand-written fidelity check on a built scene: false at the start (and for near misses),
true once the world is put into the state the instruction asks for (teleports / joint resets).

Object names are deliberately unlike the offline designer's ("thing_a", "box_1"), so the checks must
find objects by category and colour in the spec, as they must for scenes the bench did not design.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pybullet as p
import pytest

from roboskill.bench.fidelity_bench import load_corpus
from roboskill.bench.fidelity_predicates import CHECKS, Sel, color_word, find_in_spec, judge, object_category
from roboskill.sim.builder import build_scene
from roboskill.sim.spec import SceneSpec

RED, GREEN, BLUE = (0.9, 0.1, 0.1, 1.0), (0.1, 0.75, 0.2, 1.0), (0.1, 0.2, 0.9, 1.0)
YELLOW, ORANGE, WHITE = (0.95, 0.9, 0.1, 1.0), (1.0, 0.5, 0.05, 1.0), (0.97, 0.97, 0.97, 1.0)


# ------------------------------------------------------------------------------------ scene kit
def _at(x: float, y: float, euler: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> dict[str, Any]:
    return {"on": "table", "offset": [x, y], "euler": list(euler)}


def block(name: str, color: tuple, x: float, y: float, side: float = 0.05) -> dict[str, Any]:
    return {"kind": "primitive", "name": name, "shape": "box", "size": [side] * 3, "color": list(color),
            "placement": _at(x, y)}


def ball(name: str, color: tuple, x: float, y: float, d: float = 0.05) -> dict[str, Any]:
    return {"kind": "primitive", "name": name, "shape": "sphere", "size": [d], "color": list(color),
            "placement": _at(x, y)}


def cylinder(name: str, d: float, height: float, x: float, y: float, color: tuple = RED) -> dict[str, Any]:
    return {"kind": "primitive", "name": name, "shape": "cylinder", "size": [d, height], "color": list(color),
            "placement": _at(x, y)}


def asset(name: str, what: str, x: float, y: float) -> dict[str, Any]:
    return {"kind": "asset", "name": name, "asset": what, "placement": _at(x, y)}


def art(name: str, kind: str, x: float, y: float, joints: dict[str, float] | None = None,
        params: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"kind": "articulated", "name": name, "articulation": kind, "params": params or {},
            "initial_joints": joints or {}, "placement": _at(x, y)}


World = Any
Action = Callable[[World], None]


def move(name: str, dx: float = 0.0, dy: float = 0.0, dz: float = 0.0, *, settle: bool = True,
         euler: tuple[float, float, float] | None = None) -> Action:
    """Teleport `name` by (dx, dy, dz) from its start (optionally re-oriented), then let physics settle."""
    def act(w: World) -> None:
        start, quat = w.initial_poses[name]
        q = p.getQuaternionFromEuler(euler) if euler is not None else quat
        p.resetBasePositionAndOrientation(w.bodies[name], (np.asarray(start) + [dx, dy, dz]).tolist(), q,
                                          physicsClientId=w.client)
        p.resetBaseVelocity(w.bodies[name], [0, 0, 0], [0, 0, 0], physicsClientId=w.client)
        if settle:
            w.step(240)
    return act


def onto(name: str, target: str, *, link: int | None = None, up: float = 0.01, settle: bool = True) -> Action:
    """Drop `name` just above the centre of `target`'s AABB floor (or the top, for stacking: link=None, up>0)."""
    def act(w: World) -> None:
        b = w.bodies[target]
        if link is None:
            lo, hi = np.array(p.getAABB(b, -1, physicsClientId=w.client))
        else:
            lo, hi = np.array(p.getAABB(b, link, physicsClientId=w.client))
        own_lo, own_hi = np.array(p.getAABB(w.bodies[name], -1, physicsClientId=w.client))
        half = (own_hi[2] - own_lo[2]) / 2
        x, y = (lo[:2] + hi[:2]) / 2
        z = (hi[2] if up > 0 else lo[2] + 0.012) + half + abs(up)
        p.resetBasePositionAndOrientation(w.bodies[name], [x, y, z], [0, 0, 0, 1], physicsClientId=w.client)
        p.resetBaseVelocity(w.bodies[name], [0, 0, 0], [0, 0, 0], physicsClientId=w.client)
        if settle:
            w.step(360)
    return act


def into(name: str, target: str, link: int | None = None) -> Action:
    return onto(name, target, link=link, up=-0.005)


def into_mug(name: str, mug: str) -> Action:
    """Drop `name` down the catalog mug's axis (its body origin; the AABB centre is off by the handle)."""
    def act(w: World) -> None:
        x, y, _ = p.getBasePositionAndOrientation(w.bodies[mug], physicsClientId=w.client)[0]
        top = p.getAABB(w.bodies[mug], -1, physicsClientId=w.client)[1][2]
        p.resetBasePositionAndOrientation(w.bodies[name], [x, y, top - 0.03], [0, 0, 0, 1], physicsClientId=w.client)
        p.resetBaseVelocity(w.bodies[name], [0, 0, 0], [0, 0, 0], physicsClientId=w.client)
        w.step(360)
    return act


def joint(obj: str, local: str, *, frac: float | None = None, delta: float | None = None) -> Action:
    """Set a joint by open fraction, or by `delta` (rad / m) from its start value; no physics step."""
    def act(w: World) -> None:
        ref = w.joints[f"{obj}.{local}"]
        if frac is not None:
            q = ref.from_fraction(frac)
        else:
            q = ref.from_fraction(w.initial_joint_fractions[f"{obj}.{local}"]) + float(delta or 0.0)
        p.resetJointState(ref.body, ref.index, q, 0.0, physicsClientId=w.client)
    return act


def link_of(obj: str, local: str) -> Callable[[World], int]:
    return lambda w: w.joints[f"{obj}.{local}"].index


def into_link(name: str, obj: str, local: str) -> Action:
    def act(w: World) -> None:
        into(name, obj, link=w.joints[f"{obj}.{local}"].index)(w)
    return act


def move_abs_tilt(name: str) -> Action:
    """Lay `name` on its side where it is now, then settle."""
    def act(w: World) -> None:
        pos = p.getBasePositionAndOrientation(w.bodies[name], physicsClientId=w.client)[0]
        p.resetBasePositionAndOrientation(w.bodies[name], [pos[0], pos[1], pos[2] + 0.03],
                                          p.getQuaternionFromEuler((math.pi / 2, 0, 0)), physicsClientId=w.client)
        w.step(40)  # lands on its side (left longer, the tray's sloped rim can roll a mug back up)
    return act


def seq(*actions: Action) -> Action:
    def act(w: World) -> None:
        for a in actions:
            a(w)
    return act


@dataclass
class Case:
    objects: list[dict[str, Any]]
    make_true: Action
    near_misses: dict[str, Action] = field(default_factory=dict)


CASES: dict[str, Case] = {
    "lift_red_block_8cm": Case(
        [block("thing_a", RED, 0.0, 0.1), block("thing_b", BLUE, 0.0, -0.1)],
        move("thing_a", dz=0.10, settle=False),
        {"wrong colour lifted": move("thing_b", dz=0.10, settle=False),
         "only 5 cm": move("thing_a", dz=0.05, settle=False)}),
    "hold_blue_ball_up": Case(
        [ball("orb_1", BLUE, 0.0, 0.1), ball("orb_2", RED, 0.0, -0.1)],
        move("orb_1", dz=0.06, settle=False),
        {"wrong ball": move("orb_2", dz=0.06, settle=False)}),
    "mug_clear_of_table": Case(
        [asset("vessel", "mug", 0.0, 0.1), block("thing", RED, 0.0, -0.12)],
        move("vessel", dz=0.08, settle=False),
        {"the block instead": move("thing", dz=0.08, settle=False),
         "barely lifted": move("vessel", dz=0.02, settle=False)}),
    "duck_in_the_air": Case(
        [asset("quack", "duck", 0.0, 0.0)],
        move("quack", dz=0.10, settle=False),
        {"two centimetres": move("quack", dz=0.02, settle=False)}),
    "green_cube_on_yellow_cube": Case(
        [block("g", GREEN, 0.0, 0.12), block("y", YELLOW, 0.0, -0.1)],
        onto("g", "y"),
        {"reversed": onto("y", "g"), "hovering": move("g", dy=-0.22, dz=0.12, settle=False)}),
    "tower_blue_on_red": Case(
        [block("bottom_one", BLUE, 0.0, 0.12), block("top_one", RED, 0.0, -0.1)],
        onto("bottom_one", "top_one"),
        {"red on blue": onto("top_one", "bottom_one")}),
    "mug_onto_tray": Case(
        [asset("cup_1", "mug", -0.12, 0.25), asset("platter", "tray", 0.05, -0.05)],
        into("cup_1", "platter"),
        {"on the table beside it": move("cup_1", dy=-0.05),
         "on its side on the tray": seq(into("cup_1", "platter"), move_abs_tilt("cup_1"))}),
    "orange_block_onto_tray": Case(
        [block("chunk", ORANGE, -0.1, 0.25), asset("platter", "tray", 0.05, -0.05)],
        into("chunk", "platter"),
        {"on the table": move("chunk", dy=-0.05)}),
    "teddy_into_tray": Case(
        [asset("bear", "teddy", -0.1, 0.3), asset("platter", "tray", 0.05, -0.05)],
        into("bear", "platter"),
        {"lifted above it": move("bear", dy=-0.35, dz=0.3, settle=False)}),
    "red_cube_into_top_drawer": Case(
        [block("cubelet", RED, -0.1, 0.25), art("dresser", "drawer_cabinet", 0.3, 0.0,
                                                 {"drawer_0": 0.9, "drawer_1": 0.9})],
        into_link("cubelet", "dresser", "drawer_0"),
        {"bottom drawer": into_link("cubelet", "dresser", "drawer_1")}),
    "green_ball_into_lidded_box": Case(
        [ball("pea", GREEN, -0.1, 0.2, d=0.04), art("chest", "lid_box", 0.15, -0.05, {"lid": 0.9})],
        into("pea", "chest", link=-1),
        {"left on the table": move("pea", dx=0.05)}),
    "pull_top_drawer_10cm": Case(
        [art("dresser", "drawer_cabinet", 0.3, 0.0, params={"n_drawers": 3})],
        joint("dresser", "drawer_0", frac=0.75),
        {"bottom drawer pulled": joint("dresser", "drawer_2", frac=0.75),
         "only 5 cm": joint("dresser", "drawer_0", frac=0.25)}),
    "shut_bottom_drawer": Case(
        [art("dresser", "drawer_cabinet", 0.3, 0.0, {"drawer_0": 0.8, "drawer_1": 0.8})],
        joint("dresser", "drawer_1", frac=0.0),
        {"top drawer shut instead": joint("dresser", "drawer_0", frac=0.0),
         "half shut": joint("dresser", "drawer_1", frac=0.3)}),
    "swing_cupboard_door_open": Case(
        [art("cupboard", "door_cabinet", 0.3, 0.0)],
        joint("cupboard", "door", delta=1.0),
        {"30 degrees": joint("cupboard", "door", delta=math.radians(30))}),
    "close_ajar_door": Case(
        [art("cupboard", "door_cabinet", 0.3, 0.0, {"door": 0.5})],
        joint("cupboard", "door", frac=0.02),
        {"pushed a little": joint("cupboard", "door", frac=0.3)}),
    "flip_box_lid_up": Case(
        [art("chest", "lid_box", 0.15, 0.0)],
        joint("chest", "lid", frac=0.7),
        {"cracked open": joint("chest", "lid", frac=0.3)}),
    "hold_button_down": Case(
        [art("bell", "button", 0.1, 0.0)],
        joint("bell", "button", frac=0.9),
        {"touched lightly": joint("bell", "button", frac=0.3)}),
    "throw_lever_forward": Case(
        [art("stick", "lever", 0.1, 0.0)],
        joint("stick", "lever", frac=0.95),
        {"only upright": joint("stick", "lever", frac=0.5), "barely moved": joint("stick", "lever", delta=0.15)}),
    "dial_quarter_turn_ccw": Case(
        [art("dial", "knob", 0.1, 0.0)],
        joint("dial", "knob", delta=math.pi / 2),
        {"30 degrees": joint("dial", "knob", delta=math.radians(30)),
         "half a turn": joint("dial", "knob", delta=math.pi)}),
    "slide_window_half_open": Case(
        [art("pane", "sliding_door", 0.12, 0.0)],
        joint("pane", "slider", frac=0.7),
        {"a crack": joint("pane", "slider", frac=0.3)}),
    "shove_puck_left_10cm": Case(
        [cylinder("disc", 0.07, 0.02, 0.0, -0.05), block("other", RED, 0.0, 0.2)],
        move("disc", dy=0.10),
        {"to the right": move("disc", dy=-0.10), "lifted across": move("disc", dy=0.10, dz=0.1, settle=False)}),
    "nudge_yellow_block_away_15cm": Case(
        [block("cubey", YELLOW, -0.1, 0.0)],
        move("cubey", dx=0.15),
        {"5 cm": move("cubey", dx=0.05), "towards the robot": move("cubey", dx=-0.15)}),
    "roll_red_ball_right_12cm": Case(
        [ball("marble_x", RED, 0.0, 0.1)],
        move("marble_x", dy=-0.12),
        {"to the left": move("marble_x", dy=0.12)}),
    "tip_can_on_its_side": Case(
        [cylinder("tin", 0.05, 0.08, 0.0, 0.0)],
        move("tin", dz=-0.01, euler=(math.pi / 2, 0.0, 0.0)),
        {"slid upright": move("tin", dx=0.1)}),
    "topple_domino": Case(
        [asset("tile", "domino", 0.0, 0.0)],
        move("tile", dz=0.01, euler=(0.0, math.pi / 2, 0.0)),
        {"pushed upright": move("tile", dx=0.05)}),
    "green_ball_beside_mug": Case(
        [ball("pea", GREEN, 0.0, 0.3), asset("cup_1", "mug", 0.0, -0.1)],
        move("pea", dy=-0.26),  # ends ~2 cm from the open mug's wall (8.5 cm wide since the mug is a real container)
        {"dropped in the mug": into_mug("pea", "cup_1")}),
    "blue_block_left_of_white": Case(
        [block("b_one", BLUE, 0.0, -0.1), block("w_one", WHITE, 0.0, 0.1)],
        move("b_one", dy=0.35),
        {"only moved next to it": move("b_one", dy=0.18, dx=0.07)}),
}


def _build(objects: list[dict[str, Any]]) -> Any:
    spec = SceneSpec.from_dict({"name": "fidelity_case", "objects": objects})
    world = build_scene(spec, seed=0, validate=False)
    world.step(60)  # settle the 1 mm drop placements, like an env reset
    return world


# ---------------------------------------------------------------------------------------- tests
def test_every_possible_corpus_entry_has_a_check_and_a_case():
    possible = {it.id for it in load_corpus() if it.possible}
    assert possible == set(CHECKS), possible ^ set(CHECKS)
    assert set(CASES) == set(CHECKS), set(CASES) ^ set(CHECKS)


@pytest.mark.parametrize("check_id", sorted(CASES))
def test_check_is_false_at_start_and_for_near_misses_and_true_when_done(check_id: str):
    case = CASES[check_id]
    world = _build(case.objects)
    try:
        start_state = world.save_state()
        verdict = judge(check_id, world)
        assert not verdict.ok, f"{check_id} holds in the start state: {verdict.reason}"
        for label, action in case.near_misses.items():
            world.restore_state(start_state)
            action(world)
            verdict = judge(check_id, world)
            assert not verdict.ok, f"{check_id} holds for the near miss {label!r}: {verdict.reason}"
        world.restore_state(start_state)
        case.make_true(world)
        verdict = judge(check_id, world)
        assert verdict.ok, f"{check_id} fails although done: {verdict.reason}"
    finally:
        world.close()


def test_checks_never_import_the_goal_compiler():
    import roboskill.bench.fidelity_predicates as preds

    source = open(preds.__file__, encoding="utf-8").read()
    assert "roboskill.sim.goals" not in source.replace("`roboskill.sim.goals`", "")
    assert "from roboskill" not in source and "import roboskill" not in source


def test_a_scene_without_the_named_object_fails_with_the_reason():
    world = _build([block("red_block", BLUE, 0.0, 0.0)])  # named red, but it is blue: colour comes from the spec
    try:
        move("red_block", dz=0.1, settle=False)(world)
        verdict = judge("lift_red_block_8cm", world)
        assert not verdict.ok and "no red block" in verdict.reason
        assert CHECKS["lift_red_block_8cm"].missing(world.spec) == [Sel("block", "red")]
    finally:
        world.close()


def test_started_open_drawer_does_not_count_as_opened():
    world = _build([art("dresser", "drawer_cabinet", 0.3, 0.0, {"drawer_0": 0.9})])
    try:
        verdict = judge("pull_top_drawer_10cm", world)
        assert not verdict.ok and "already started open" in verdict.reason
    finally:
        world.close()


def test_categories_and_colours_come_from_the_spec():
    spec = SceneSpec.from_dict({"name": "s", "objects": [
        block("a", (0.8, 0.15, 0.1, 1.0), 0, 0), ball("b", (0.1, 0.6, 0.3, 1.0), 0.1, 0.1),
        cylinder("c", 0.07, 0.02, -0.1, 0.1), cylinder("d", 0.05, 0.08, -0.1, -0.1),
        asset("e", "mug", 0.1, -0.2), asset("f", "red_ball", 0.2, 0.2),
        art("g", "knob", 0.2, -0.2),
        {"kind": "primitive", "name": "marker", "shape": "cylinder", "size": [0.08, 0.002],
         "color": [0.1, 0.9, 0.2, 0.5], "visual_only": True, "fixed": True, "mass": 0.0, "placement": _at(0.0, 0.3)},
        {"kind": "primitive", "name": "slab", "shape": "box", "size": [0.12, 0.12, 0.016], "color": list(RED),
         "placement": _at(0.0, -0.3)},
    ]})
    cats = {o.name: object_category(o) for o in spec.objects}
    assert cats["a"] == ("block", "red") and cats["b"] == ("ball", "green")
    assert cats["c"][0] == "puck" and cats["d"][0] == "can" and cats["e"][0] == "mug"
    assert cats["f"] == ("ball", "red") and cats["g"] == ("knob", None)
    assert cats["marker"] == (None, None) and cats["slab"][0] is None  # goal markers and flat plates are no blocks
    assert find_in_spec(spec, Sel("ball", "red")) == ["f"]
    assert color_word((0.1, 0.15, 0.7)) == "blue" and color_word(None) is None
