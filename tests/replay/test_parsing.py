"""How broken answers of real models are read (fast; no server, no simulator).

A broken outer object (cut at the token limit, a trailing comma, a `//` comment) holds complete inner
objects: one scene object, one goal condition. Taking one of those for the answer turned a truncated
scene into "schema errors: scene: Field required", telling the model nothing about what went wrong.
"""

from __future__ import annotations

import pytest

from roboskill.agents.prompts import JSONExtractionError, extract_json

CUT_SCENE = ('Here is the scene:\n\n```json\n{"scene": {"name": "open_top_drawer", "objects": [{"kind": "articulated", '
             '"name": "cabinet", "articulation": "drawer_cabinet", "placement": {"on": "table", "offset": [0.25, 0.0]}}], '
             '"start_randomization": {"xy": 0.03, "joi')
TRAILING = '```json\n{"goal": {"action": "lift",\n  "objects": [{"name": "red_cube", "category": "box"},],\n  "at_rest": true}}\n```'
COMMENT = '{"goal": {"conditions": [\n  // left is +y\n  {"kind": "displaced", "object": "b", "direction": "left", "distance": 0.1}\n]}}'


@pytest.mark.parametrize(("answer", "says"), [
    (CUT_SCENE, "may be truncated"),
    (TRAILING, "no trailing comma"),
    (COMMENT, "no comments"),
])
def test_a_piece_of_a_broken_answer_is_never_the_answer(answer: str, says: str) -> None:
    with pytest.raises(JSONExtractionError, match=says):
        extract_json(answer)


def test_a_whole_object_after_a_broken_one_is_still_found() -> None:
    assert extract_json('First try {"name": "a",, } and then {"name": "b"}') == {"name": "b"}
    with pytest.raises(JSONExtractionError):
        extract_json('{"a": "a brace } in a string", "b": {"c": 1}')  # still one unclosed object: nothing inside counts
