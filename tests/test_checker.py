"""The checker and its bridge (grader.checker): data only, stubs that expire, models rebuilt.

Unit tests of the wire format and the model allowlist, then one small notebook run
through the real pipeline (a kernel, the checker process, the bridge between them),
whose test cells each exercise one promise of the bridge.
"""

import json
import time

import nbformat
import numpy as np
import pytest

from grader.checker.codec import Decoder, Encoder, WireError
from grader.checker.models import SpecError, build_model, model_spec


def _plain_encoder():
    return Encoder(lambda value: {"t": "opaque", "id": id(value), "type": type(value).__name__})


def _plain_decoder():
    def other(tag, message):
        if tag == "opaque":
            return ("opaque", message["type"])
        raise WireError(tag)

    return Decoder(other, tensor=lambda a: ("tensor", a))


VALUES = [None, True, 0, -12, 2**80, 1.5, float("inf"), "text", [1, [2.0]], (1, "a"), {1, 2},
          {"a": [1], 2: (3,)}, np.arange(6.0).reshape(2, 3), np.array([True, False]),
          np.float32(2.5), np.int64(3), np.zeros((0, 4), dtype=np.uint8)]


@pytest.mark.parametrize("value", VALUES, ids=[repr(v)[:30] for v in VALUES])
def test_values_cross_with_their_type(value):
    back = _plain_decoder().loads(_plain_encoder().dumps(value))
    assert type(back) is type(value)
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and back.shape == value.shape
        assert np.array_equal(back, value)
    else:
        assert back == value


def test_nan_and_a_tensor_keep_what_they_are():
    import tensorflow as tf

    assert np.isnan(_plain_decoder().loads(_plain_encoder().dumps(float("nan"))))
    kind, array = _plain_decoder().loads(_plain_encoder().dumps(tf.constant([1.0, 2.0])))
    assert kind == "tensor" and array.dtype == np.float32 and array.tolist() == [1.0, 2.0]


def test_other_objects_are_opaque():
    class Liar:
        def __eq__(self, other):
            return True

    assert _plain_decoder().loads(_plain_encoder().dumps(Liar())) == ("opaque", "Liar")
    assert _plain_decoder().loads(_plain_encoder().dumps(np.array([object()]))) == (
        "opaque", "ndarray")


MALFORMED = {
    "not json": "{",
    "no tag": '{"v": 1}',
    "unknown tag": '{"t": "pickle", "v": "gASV"}',
    "bool as int": '{"t": "bool", "v": 1}',
    "int as text": '{"t": "int", "v": "1e9"}',
    "object dtype": '{"t": "ndarray", "dtype": "object", "shape": [1], "data": "AA=="}',
    "short data": '{"t": "ndarray", "dtype": "float64", "shape": [2], "data": "AAAAAAAAAAA="}',
    "negative shape": '{"t": "ndarray", "dtype": "uint8", "shape": [-1], "data": ""}',
    "huge shape": '{"t": "ndarray", "dtype": "uint8", "shape": [100000000000], "data": ""}',
    "unhashable set": '{"t": "set", "v": [{"t": "list", "v": []}]}',
    "deep": '{"t": "list", "v": [' * 100 + '{"t": "none"}' + "]}" * 100,
    "too large": '{"t": "str", "v": "' + "x" * (65 * 2**20) + '"}',
}


@pytest.mark.parametrize("text", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_messages_are_refused(text):
    with pytest.raises(WireError):
        _plain_decoder().loads(text)


def _encode_array(array):
    return _plain_encoder().encode(np.asarray(array))


def _decode_array(message):
    return _plain_decoder().decode(message)


def test_a_model_is_rebuilt_with_its_weights_and_compile_settings():
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"),
                              keras.layers.Dense(2)])
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=keras.optimizers.Adam(learning_rate=0.01), metrics=["accuracy"])
    spec = json.loads(json.dumps(model_spec(model, _encode_array)))
    rebuilt = build_model(spec, _decode_array)
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    assert isinstance(rebuilt, keras.Sequential) and rebuilt is not model
    assert np.allclose(rebuilt(x), model(x))
    assert rebuilt.loss.get_config()["from_logits"] is True
    assert type(rebuilt.optimizer).__name__ == "Adam"
    assert np.isclose(float(np.asarray(rebuilt.optimizer.learning_rate)), 0.01)


def test_tf_nn_sigmoid_is_recognised_and_a_custom_activation_is_reported():
    import keras
    import tensorflow as tf

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation=tf.nn.sigmoid),
                              keras.layers.Dense(1, activation=lambda z: z * 2)])
    rebuilt = build_model(model_spec(model, _encode_array), _decode_array)
    assert keras.activations.serialize(rebuilt.layers[0].activation) == "sigmoid"
    with pytest.raises(TypeError, match="is not one of Keras's"):
        rebuilt.layers[1].activation(np.ones((1, 2), "float32"))


@pytest.mark.parametrize("spec", [
    {"kind": "Sequential", "layers": [{"class": "Lambda", "config": {}}]},
    {"kind": "Sequential", "layers": [{"class": "Dense", "config": {"units": "3"}}]},
    {"kind": "Sequential", "layers": [{"class": "Conv2D", "config": {"filters": 2,
                                                                     "kernel_size": [3, 3],
                                                                     "padding": "causal"}}]},
    {"kind": "Subclassed", "layers": []},
    {"kind": "Sequential", "layers": [], "compiled": True, "loss": {"kind": "name", "name": "x"},
     "optimizer": {"class": "Lion", "config": {}}},
], ids=["lambda layer", "units as text", "bad padding", "unknown kind", "unknown optimizer"])
def test_what_is_not_allowlisted_is_refused(spec):
    with pytest.raises(SpecError):
        build_model(spec, _decode_array)


# ---------------------------------------------------------------- through a real kernel

ANSWERS = """\
import numpy as np
import keras

def apply(f, x):
    global kept
    kept = f
    return f(x)

def later(x):
    return kept(x)

def helper(x):
    return x + 1

def uses_helper(x):
    return helper(x) * 10

def twice(f, x):
    return f(f(x))

def scale_in_place(z):
    z *= 2
    return z

def overflow(z):
    return np.exp(z)

def as_tensor(z):
    import tensorflow as tf
    return tf.constant(z)

def as_set(values):
    return set(values)

_model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])

def same_model():
    return _model

def fresh_model():
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation=lambda z: z * 2)])

def chatty(x):
    print("student says", x)
    return x
"""

TESTS = {
    "t_stub": "def double(v):\n    return 2 * v\n\nexpect(apply, {'f': double, 'x': 3.0}, 6.0)",
    "t_stub_expired": "expect(later, {'x': 3.0}, 6.0)",
    "t_swap": "def reference(x):\n    return x + 100\n\nstudents, helper = helper, reference\n"
              "try:\n    expect(uses_helper, {'x': 1.0}, 1010.0)\nfinally:\n"
              "    helper = students\nexpect(uses_helper, {'x': 1.0}, 20.0)",
    "t_nested": "expect(twice, {'f': helper, 'x': 1.0}, 3.0)",
    "t_mutation": "expect(scale_in_place, {'z': np.array([1.0])}, [2.0])",
    "t_warning": "expect(overflow, {'z': np.array([1000.0])}, [np.inf])",
    "t_tensor": "expect(as_tensor, {'z': np.array([1.0])}, [1.0])",
    "t_set": "assert as_set([1, 2, 2]) == {1, 2}\nprint('a set came back')",
    "t_same_model": "first, second = same_model(), same_model()\nassert first is not second, "
                    "'same object'",
    "t_custom_activation": "check_dense_model(fresh_model, n_inputs=3, layers=[(2, 'linear')])",
    "t_prints": "print('checker says hi')\nexpect(chatty, {'x': 1.0}, 1.0)",
    "t_missing": "expect(nowhere, {'x': 1.0}, 1.0)",
}


def _test_cell(grade_id, source):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": grade_id, "locked": True,
                                 "points": 1, "schema_version": 3, "solution": False,
                                 "task": False}
    return cell


@pytest.fixture(scope="module")
def bridged(tmp_path_factory):
    from grader.autograde import execute
    from grader.checker.link import CheckerProcess
    from grader.sandbox import Limits, checker_command

    tmp = tmp_path_factory.mktemp("checker")
    readonly = ("import numpy as np\nimport keras\n"
                "from helpers.checks import check_dense_model, expect")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(readonly), nbformat.v4.new_code_cell(ANSWERS)]
    notebook.cells += [_test_cell(g, s) for g, s in TESTS.items()]
    argv, env = checker_command(sandboxed=False)
    checker = CheckerProcess(argv, env, tmp / "checker.log", cwd=tmp)
    checker.ensure()
    owned = ["apply", "later", "helper", "uses_helper", "twice", "scale_in_place", "overflow",
             "as_tensor", "as_set", "same_model", "fresh_model", "chatty", "nowhere"]
    try:
        assert checker.begin([readonly], owned) == []
        execution = execute(notebook, Limits(cell_timeout=600), sandboxed=False,
                            deadline=time.monotonic() + 1200, checker=checker)
        checker.end()
    finally:
        checker.stop()
    outcomes = {}
    for cell in notebook.cells[2:]:
        errors = [o for o in cell.outputs if o.output_type == "error"]
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        outcomes[cell.metadata.nbgrader.grade_id] = (errors[0].evalue if errors else None, text)
    return execution, outcomes


@pytest.mark.parametrize("grade_id, failure", [
    ("t_stub", None),
    ("t_stub_expired", "only valid while its test runs"),
    ("t_swap", None),
    ("t_nested", None),
    ("t_mutation", "changed its input `z` in place"),
    ("t_warning", "NumPy warned during the call: overflow"),
    ("t_tensor", r"\.numpy\(\)"),
    ("t_set", None),
    ("t_same_model", "same object"),
    ("t_custom_activation", "is not one of Keras's"),
    ("t_prints", None),
    ("t_missing", "name 'nowhere' is not defined"),
])
def test_the_bridge_keeps_each_promise(bridged, grade_id, failure):
    execution, outcomes = bridged
    error, _ = outcomes[grade_id]
    if failure is None:
        assert error is None, error
    else:
        assert error is not None and __import__("re").search(failure, error), error
    assert execution.status == "graded", execution.detail


def test_what_both_sides_print_is_in_the_test_s_output(bridged):
    _, outcomes = bridged
    text = outcomes["t_prints"][1]
    assert "checker says hi" in text and "student says 1.0" in text
    assert "a set came back" in outcomes["t_set"][1]
