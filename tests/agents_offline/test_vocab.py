"""The everyday-object vocabulary and the scenario phrases: shared by grammar, parser, scene designer and writer."""

from __future__ import annotations

import random
import re

import pybullet as p
import pytest

from roboskill.agents.offline.frames import ObjRef, TaskFrame
from roboskill.agents.offline.grammar import describe, frame_domain, task_name
from roboskill.agents.offline.parser import _amounts, _direction, _find_objects, _verb, parse_task
from roboskill.agents.offline.proposer import propose
from roboskill.agents.offline.scenarios import DOMAINS, FAMILY_DOMAINS, NOUN_DOMAINS, PURPOSES
from roboskill.agents.offline.vocab import ALL_TYPES, ARTICULATED, COLORS, DRAWER_WORDS, EVERYDAY, SIZES, TYPES_BY_KEY
from roboskill.sim.builder import build_scene

from .helpers import ask, proposer_context

_PHRASES = ([p for d in DOMAINS.values() for p in d.places] + [p for d in DOMAINS.values() for p in d.situations]
            + [p for v in PURPOSES.values() for p in v])


@pytest.mark.parametrize("phrase", _PHRASES)
def test_scenario_phrases_carry_no_task_words(phrase):
    """Places, situations and reasons must not change what the parser reads from a description."""
    text = phrase.lower()
    assert not _find_objects(text, list(ALL_TYPES)), phrase
    assert _verb(text)[0] is None, phrase
    assert _direction(text) is None and not _amounts(text), phrase
    assert not set(re.findall(r"[a-z]+", text)) & (set(COLORS) | set(SIZES) | set(DRAWER_WORDS)), phrase


def test_every_type_has_a_setting_and_the_tables_agree():
    for t in ALL_TYPES:
        dom = t.domain or FAMILY_DOMAINS.get(t.family)
        assert dom in DOMAINS, t.key
    art_nouns = {n for t in ARTICULATED for n in t.nouns}
    assert set(NOUN_DOMAINS) <= art_nouns and set(NOUN_DOMAINS.values()) <= set(DOMAINS)
    assert set(PURPOSES) <= set(TYPES_BY_KEY) | art_nouns | {"torus"}
    assert all(t.key in PURPOSES for t in EVERYDAY)


@pytest.mark.parametrize("t", EVERYDAY, ids=[t.key for t in EVERYDAY])
def test_every_everyday_noun_parses_back_to_its_type(t):
    verb = "pick up" if t.graspable else "push"
    for noun in t.nouns:
        frame = parse_task(f"{verb} the {noun} 10 cm to the left")
        assert frame.obj.type_key == t.key, (noun, frame.obj.type_key)
    ref = ObjRef(t.key, color="red" if t.colorable else None)
    frame = TaskFrame("pick", ref) if t.graspable else TaskFrame("push", ref, relation="left", amount=0.1)
    rng = random.Random(0)
    for _ in range(5):  # the grammar's own sentences, with settings, parse back to the same task
        desc = describe(frame, rng, situation=_situation(frame), purpose=PURPOSES[t.key][0])
        assert parse_task(desc).signature() == frame.signature(), desc
        assert parse_task(desc, name=task_name(frame)).signature() == frame.signature(), desc


def _situation(frame: TaskFrame) -> str:
    return DOMAINS[frame_domain(frame, (frame.obj.type.noun, None))].situations[0]


@pytest.fixture(scope="module")
def client():
    cid = p.connect(p.DIRECT)
    yield cid
    p.disconnect(cid)


@pytest.mark.parametrize("t", EVERYDAY, ids=[t.key for t in EVERYDAY])
def test_every_everyday_type_yields_a_buildable_scene_and_reward(t, client):
    noun = t.nouns[0]
    task = ({"name": f"lift_{t.key}", "description": f"Lift the {noun} 10 cm above the table."} if t.graspable
            else {"name": f"slide_{t.key}_left", "description": f"Slide the {noun} 10 cm to the left."})
    design = ask("scene_designer", {"task": task, "catalog": [], "validation_errors": [], "previous_scene": None})
    obj = next(o for o in design.scene.objects if o.name == t.key)
    assert obj.kind == "primitive" and obj.shape == t.shape
    p.resetSimulation(physicsClientId=client)
    build_scene(design.scene, client=client, seed=0)  # raises SceneValidationError on an unbuildable scene
    rc = ask("reward_writer", {"task": task, "scene": design.scene.model_dump(mode="json"), "k": 1, "primitives": None,
                               "examples": [], "previous_candidates": None, "critic_feedback": None,
                               "component_feedback": {}, "reflection": None, "sandbox_errors": []})
    assert any(t.key in (s.success_code or "") for s in rc.candidates[0].subtasks)


def test_a_curriculum_spreads_over_everyday_objects_and_domains():
    learned: list[dict] = []
    for i in range(40):
        prop = propose(proposer_context(learned_skills=list(learned)), random.Random(i))
        learned.append({"name": prop["name"], "description": prop["description"]})
    frames = [parse_task(r["description"], name=r["name"]) for r in learned]
    everyday = {f.obj.type_key for f in frames if TYPES_BY_KEY.get(f.obj.type_key) in EVERYDAY}
    domains = {frame_domain(f, (f.obj.type.noun, f.dest.type.noun if f.dest else None)) for f in frames}
    assert len(everyday) >= 12, everyday
    assert len(domains) >= 8, domains
