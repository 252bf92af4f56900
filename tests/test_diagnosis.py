"""grader.checker.diagnosis on its own: what agrees, what is evidence, and the time budget.

(tests/test_mistakes.py runs it on every catalogued mistake through the notebooks' tests;
test_grading through real grading.)
"""

import numpy as np

from grader.checker.diagnosis import Recorder, comparable, diagnose, same

SQUARE = "\ndef f(x):\n    return x ** 2\n"
CUBE = "\ndef f(x):\n    return x ** 3\n"
IN_PLACE = "\ndef f(x):\n    x **= 2\n    return x.copy()\n"
SHAPES = "\ndef f(x):\n    return x + np.ones(x.size + 1)\n"
SLOW = "\ndef f(x):\n    import time\n    time.sleep(0.2)\n    return x ** 2\n"
CANDIDATES = [["square", SQUARE, "Your `f` squares."], ["cube", CUBE, "Your `f` cubes."],
              ["in place", IN_PLACE, "Your `f` squares the caller's array."],
              ["shapes", SHAPES, "Your `f` adds one entry too many."]]


def _calls(function, *inputs):
    """Calls of ``function`` recorded as the checker records them."""
    recorder = Recorder()
    recorder.watch({"f"})
    for x in inputs:
        with recorder.call("f", (x,), {}) as record:
            try:
                record.returned(function(x))
            except Exception as error:  # noqa: BLE001
                record.failed(type(error).__name__, str(error))
    return recorder.calls["f"]


def _named(calls, candidates=CANDIDATES, budget=600.0):
    found = diagnose("f", calls, candidates, {"np": np}, budget)
    return None if found is None else [name for name, _ in found]


def test_kinds_of_values_are_told_apart_and_round_off_is_not():
    assert same(comparable(np.array([1.0, np.nan])), comparable(np.array([1.0, np.nan])))
    assert same(comparable(1.0), comparable(1.0 + 1e-12))
    assert not same(comparable(1.0), comparable(1.0 + 1e-6))
    assert not same(comparable(np.array([1.0])), comparable([1.0]))          # array vs list
    assert not same(comparable(3), comparable(3.0))                          # int vs float
    assert not same(comparable(np.float32([1.0])), comparable(np.array([1.0])))  # dtype
    assert same(comparable(np.float32([1.0])), comparable(np.float32([1.0 + 1e-6])))
    assert not same(comparable((1.0, 2.0)), comparable([1.0, 2.0]))         # tuple vs list


def test_the_mistake_that_agrees_on_every_call_is_named_alone():
    calls = _calls(lambda x: x ** 3, np.array([2.0, 3.0]), np.array([-1.0]))
    assert _named(calls) == ["cube"]


def test_a_mistake_that_changes_the_caller_s_array_agrees_only_with_one_that_does():
    def in_place(x):
        x **= 2
        return x.copy()

    assert _named(_calls(in_place, np.array([2.0, 3.0]))) == ["in place"]
    assert _named(_calls(lambda x: x ** 2, np.array([2.0, 3.0]))) == ["square"]


def test_an_answer_no_mistake_explains_names_nothing():
    assert _named(_calls(lambda x: x + 1, np.array([2.0, 3.0]))) == []


def test_the_same_exception_names_only_with_the_same_message():
    def shapes(x):
        return x + np.ones(x.size + 1)

    assert _named(_calls(shapes, np.array([2.0, 3.0]))) == ["shapes"]  # NumPy names the shapes

    def other(x):
        raise ValueError("something else")

    assert _named(_calls(other, np.array([2.0, 3.0]))) == []


def test_past_its_time_budget_the_diagnosis_claims_nothing():
    calls = _calls(lambda x: x ** 2, np.array([2.0]))
    slow = [["slow", SLOW, "Your `f` is slow."]] * 5
    assert _named(calls, slow, budget=0.3) is None
    assert _named(calls, slow[:1], budget=600.0) == ["slow"]


def test_diagnosing_again_after_more_calls_replays_only_the_new_ones():
    from grader.checker.diagnosis import Progress

    calls = _calls(lambda x: x ** 2, np.array([1.0]))   # 1 ** 2 == 1 ** 3, in place or not
    progress = Progress()
    first = diagnose("f", calls, CANDIDATES, {"np": np}, 600.0, progress)
    assert [name for name, _ in first] == ["square", "cube", "in place"]
    calls += _calls(lambda x: x ** 2, np.array([2.0, 3.0]))
    again = diagnose("f", calls, CANDIDATES, {"np": np}, 600.0, progress)
    assert [name for name, _ in again] == ["square"] and progress.checked == 2
    assert {"cube", "shapes", "in place"} <= progress.out
