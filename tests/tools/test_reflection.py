from roboskill.tools.plan import SubTaskResult
from roboskill.tools.reflection import ComponentAccumulator, reflection_point, reflection_text


def test_component_statistics_are_exact():
    steps = [{"reach": -1.0, "bonus": 0.0}, {"reach": -0.5, "bonus": 1.0}, {"reach": 0.0, "bonus": 0.0},
             {"reach": -0.5, "bonus": 1.0}]
    pt = reflection_point(10, [True, False, True, True], [1.0, 2.0, 3.0, 6.0], steps)
    assert pt.success_rate == 0.75 and pt.mean_return == 3.0 and pt.step == 10
    assert pt.components["reach"].mean == -0.5
    assert pt.components["reach"].min == -1.0 and pt.components["reach"].max == 0.0
    assert pt.components["bonus"].mean == 0.5 and pt.components["bonus"].max == 1.0
    acc = ComponentAccumulator()
    acc.add({"x": float("nan")})
    assert acc.stats() == {}


def test_reflection_text_names_every_component_and_flags_constant_terms():
    pts = [reflection_point(s, [s > 1], [float(s)], [{"reach": -1.0 / (s + 1), "flat": 0.0}]) for s in range(3)]
    text = reflection_text([SubTaskResult(name="reach_goal", learner="trajopt", success_rate=1.0, reflection=pts)], 1.0)
    assert "reach_goal" in text and "reach:" in text and "flat:" in text
    assert "constant" in text and "success_rate: ['0', '0', '1']" in text
