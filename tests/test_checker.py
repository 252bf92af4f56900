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

def heavy_neuron(x, w, b, g):
    # legal but heavy calls through the stub it is given, then the right answer
    for _ in range(2):  # 1.8 million values in all: yesterday's budget of a whole notebook
        g(np.full(900_000, 0.5))
    g([0.5] * 50_000)
    g(int("7" * 3990))
    g("s" * 5_000_000)
    nested = 1.0
    for _ in range(29):
        nested = [nested]
    assert g(nested) == nested
    return g(float(np.dot(w, x) + b))

def dense_after(x, W, b):
    return x @ W + b
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
    "t_heavy_calls": "def identity(z):\n    return z\n\nexpect(heavy_neuron, {'x': np.array([1.0, "
                     "2.0]), 'w': np.array([3.0, -1.0]), 'b': 0.5, 'g': identity}, 1.5)",
    "t_after_heavy": "expect(dense_after, {'x': np.ones((1, 2)), 'W': np.ones((2, 3)), "
                     "'b': np.zeros(3)}, [[2.0, 2.0, 2.0]])",
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
             "as_tensor", "as_set", "same_model", "fresh_model", "chatty", "nowhere",
             "heavy_neuron", "dense_after"]
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
    # the warning is placed at the student's own line, never at the checker's
    ("t_warning", r"NumPy warned during the call: overflow.*line \d+: return np\.exp\(z\)"),
    ("t_tensor", r"\.numpy\(\)"),
    ("t_set", None),
    ("t_same_model", "same object"),
    ("t_custom_activation", "is not one of Keras's"),
    ("t_prints", None),
    ("t_missing", "name 'nowhere' is not defined"),
    ("t_heavy_calls", None),  # heavy calls within the bounds, each message counted alone
    ("t_after_heavy", None),  # and nothing is left spent for the next function
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


# ------------------------------------------- round 2: values judged, bounds per message

def test_extended_precision_crosses_as_float64_and_complex_does_not():
    wide = np.array([0.25, -1.5], dtype=np.longdouble)
    back = _plain_decoder().loads(_plain_encoder().dumps(wide))
    assert back.dtype == np.float64 and back.tolist() == [0.25, -1.5]
    scalar = _plain_decoder().loads(_plain_encoder().dumps(np.longdouble(0.5)))
    assert type(scalar) is np.float64 and scalar == 0.5
    too_large = np.array([np.finfo(np.longdouble).max])  # no float64 holds it
    assert _plain_decoder().loads(_plain_encoder().dumps(too_large)) == ("opaque", "ndarray")
    assert _plain_decoder().loads(_plain_encoder().dumps(np.complex128(1j)))[0] == "opaque"


def test_each_message_has_its_own_budget_of_values():
    big = _plain_encoder().encode(np.zeros(600_000))
    decoder = _plain_decoder()
    for _ in range(3):  # 1.8 million values in all, 600k per message
        assert decoder.message(big).size == 600_000
    with pytest.raises(WireError, match="1,000,000 values"):
        decoder.message(_plain_encoder().encode(np.zeros(1_000_001)))


class _Shell:
    def __init__(self, **names):
        self.user_ns = names


def test_the_kernel_side_counts_each_request_on_its_own():
    from grader.checker.kernel import KernelBridge

    bridge = KernelBridge(_Shell(total=lambda z: float(np.sum(z))))
    target = bridge.dispatch({"op": "get", "name": "total"})["value"]
    request = {"op": "call", "target": {"t": "ref", "id": target["id"]},
               "args": [_plain_encoder().encode(np.ones(600_000))], "kwargs": {}}
    for _ in range(3):  # yesterday the third request found the kernel's budget spent
        reply = bridge.dispatch(request)
        assert "error" not in reply and "bridge_error" not in reply, reply
        assert reply["result"] == {"t": "float", "v": (600_000.0).hex()}
    past = bridge.dispatch({**request, "args": [_plain_encoder().encode(np.ones(1_000_001))]})
    assert "1,000,000 values" in past["past_bounds"]


def test_the_checker_counts_each_callback_on_its_own():
    from grader.checker.checker import Session

    session = Session(lambda request: {"problem": "no kernel here"}, owned=set())
    session.stubs["token"] = lambda values: float(np.sum(values))
    call = json.dumps({"token": "token", "args": [_plain_encoder().encode(np.ones(600_000))]})
    for _ in range(3):  # callbacks made during one call of the student's function
        assert json.loads(session.callback(call)) == {"value": {"t": "float",
                                                                "v": (600_000.0).hex()}}
    assert session.problems == []


def _named_liar():
    import keras

    class BinaryCrossentropy(keras.losses.Loss):
        def call(self, y_true, y_pred):
            return keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)

    return BinaryCrossentropy()


def _numpy_bce(y_true, y_pred):
    y, p = np.asarray(y_true, float), np.asarray(y_pred, float)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p), axis=-1)


LOSS_FORMS = {
    "string": lambda keras: "binary_crossentropy",
    "short string": lambda keras: "bce",
    "function": lambda keras: keras.losses.binary_crossentropy,
    "object": lambda keras: keras.losses.BinaryCrossentropy(),
    "numpy function": lambda keras: _numpy_bce,
    "named liar": lambda keras: _named_liar(),
    "squared error": lambda keras: "mse",
}


def _rebuilt_loss_value(loss, y_true, y_pred):
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(loss=loss, optimizer="adam")
    rebuilt = build_model(json.loads(json.dumps(model_spec(model, _encode_array))), _decode_array)
    try:
        return float(np.mean(keras.losses.get(rebuilt.loss)(y_true, y_pred)))
    except TypeError as error:
        return str(error)


@pytest.mark.parametrize("form", LOSS_FORMS)
def test_a_loss_is_rebuilt_as_what_it_computes_whatever_its_name(form):
    import keras

    y_true, y_pred = np.array([[0.0], [1.0], [1.0]]), np.array([[0.05], [0.6], [0.99]])
    bce = float(np.mean(keras.losses.binary_crossentropy(y_true, y_pred)))
    squared = _rebuilt_loss_value("mse", y_true, y_pred)  # the honest-wrong baseline
    assert isinstance(squared, float) and not np.isclose(squared, bce)
    got = _rebuilt_loss_value(LOSS_FORMS[form](keras), y_true, y_pred)
    expected = squared if form in ("named liar", "squared error") else bce
    assert isinstance(got, float) and np.isclose(got, expected, rtol=1e-5), (got, expected)


def test_a_loss_with_other_settings_than_its_config_says_is_not_rebuilt_as_claimed():
    import keras

    y_true, y_pred = np.array([[0.0], [1.0], [1.0]]), np.array([[0.05], [0.6], [0.99]])
    summed = _rebuilt_loss_value(keras.losses.BinaryCrossentropy(reduction="sum"), y_true,
                                 y_pred)
    assert "does not compute what Keras's BinaryCrossentropy computes" in summed


def test_an_activation_is_rebuilt_as_what_it_computes_whatever_its_name():
    import keras

    def sigmoid(z):  # Keras serialises it as "sigmoid": a claim, not a fact
        return z

    def relu(z):
        return np.tanh(z) + 1.0  # agrees with no Keras activation

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation=sigmoid),
                              keras.layers.Dense(2, activation=relu),
                              keras.layers.Dense(1, activation=keras.layers.ReLU())])
    rebuilt = build_model(model_spec(model, _encode_array), _decode_array)
    assert keras.activations.serialize(rebuilt.layers[0].activation) == "linear"
    with pytest.raises(TypeError, match="does not compute what Keras's 'relu' computes"):
        rebuilt.layers[1].activation(np.ones((1, 2), "float32"))
    assert keras.activations.serialize(rebuilt.layers[2].activation) == "relu"


def test_a_description_past_the_checker_s_size_is_refused_before_it_is_built():
    fits = {"kind": "Sequential", "input_shape": [None, 1000],
            "layers": [{"class": "Dense", "config": {"units": 9_000}}]}
    assert build_model(fits, _decode_array).count_params() == 9_009_000
    past = {**fits, "layers": [{"class": "Dense", "config": {"units": 12_000}}]}
    with pytest.raises(SpecError, match="at most 10,000,000 weights"):
        build_model(past, _decode_array)
    huge_input = {"kind": "Sequential", "input_shape": [None, 999_999, 999_999, 3],
                  "layers": [{"class": "Conv2D", "config": {"filters": 2, "kernel_size": [3, 3]}}]}
    with pytest.raises(SpecError, match="values per example"):
        build_model(huge_input, _decode_array)


def test_the_checker_has_a_kernel_s_memory_limit_and_a_fresh_one_follows(tmp_path):
    import asyncio

    from grader.checker.link import CheckerProcess
    from grader.sandbox import Limits, checker_command

    argv, env = checker_command(sandboxed=False)
    checker = CheckerProcess(argv, env, tmp_path / "checker.log", cwd=tmp_path, limits=Limits())
    try:
        checker.ensure()
        time.sleep(0.3)  # a few polls: the watchdog's peak is the started checker's size
        limit = int(checker.watchdog.peak_bytes / 2**20) + 400
        assert checker.begin([], [], limits=Limits(memory_mb=limit)) == []
        hoard = "hoard = []\nwhile True:\n    hoard.append(np.ones(10**7))"
        outcome = asyncio.run(checker.run_test("import numpy as np\n" + hoard, "t_hoard", None,
                                               time.monotonic() + 60))
        assert outcome["status"] == "error" and not outcome["timeout"], outcome
        assert f"the checker used over {limit} MB of memory while running t_hoard" in outcome[
            "checker_failed"], outcome
        checker.end()
        assert checker.begin([], []) == []  # the next student: a fresh checker
        after = asyncio.run(checker.run_test("print('fresh')", "t_next", None,
                                             time.monotonic() + 60))
        assert after["status"] == "ok" and after["stdout"] == "fresh\n", after
    finally:
        checker.stop()


# ------------------------------------- the course's own test cells, against answers

NEURON_HEAVY = """\
def neuron(x, w, b, g):
    nested = 1.0
    for _ in range(29):
        nested = [nested]
    # legal but heavy calls through the stub it was given (np.tanh refuses some: ignored)
    for heavy in (np.full(900_000, 0.5), np.full(900_000, 0.5), int("7" * 3990),
                  "s" * 5_000_000, nested):
        try:
            g(heavy)
        except Exception:
            pass
    return g(np.dot(w, x) + b)
"""
NEURON_PAST_BOUNDS = ("def neuron(x, w, b, g):\n    g(np.zeros(1_100_000))\n"
                      "    return g(np.dot(w, x) + b)\n")
SIGMOID_LONGDOUBLE = ("def sigmoid(z):\n    z = np.asarray(z, dtype=np.longdouble)\n"
                      "    return 1 / (1 + np.exp(-z))\n")
COMPILE = ("def compile_digit_model(model):\n    model.compile(loss={loss}, optimizer=keras."
           "optimizers.Adam(learning_rate=1e-3))\n    return model\n")
LIAR_LOSS = """\
class BinaryCrossentropy(keras.losses.Loss):
    def call(self, y_true, y_pred):
        return keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)

""" + COMPILE.format(loss="BinaryCrossentropy()")
# student -> (assignment, graded functions, answers that differ from the solutions)
FIRST = ["sigmoid", "neuron", "tf_dense"]
REAL_CASES = {
    "01_solved": ("01_neurons_and_layers", FIRST, {}),
    "01_unusual": ("01_neurons_and_layers", FIRST, {"neuron": NEURON_HEAVY,
                                                    "sigmoid": SIGMOID_LONGDOUBLE}),
    "01_past_bounds": ("01_neurons_and_layers", FIRST, {"neuron": NEURON_PAST_BOUNDS}),
    "compile_function": ("03_keras_sequential", ["compile_digit_model"],
                         {"compile_digit_model": COMPILE.format(
                             loss="keras.losses.binary_crossentropy")}),
    "compile_squared_error": ("03_keras_sequential", ["compile_digit_model"],
                              {"compile_digit_model": COMPILE.format(loss='"mse"')}),
    "compile_named_liar": ("03_keras_sequential", ["compile_digit_model"],
                           {"compile_digit_model": LIAR_LOSS}),
}


def _course_notebook(assignment, functions, answers):
    """The imports cell, ``functions``' answer cells and all their test cells (hidden too)."""
    from grader.course import SOLUTIONS
    from grader.release import student_answer

    solution = nbformat.read(SOLUTIONS / assignment / f"{assignment}.ipynb", as_version=4)
    notebook = nbformat.v4.new_notebook()
    readonly = []
    for cell in solution.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if grade_id == "imports":
            readonly.append(cell.source)
            notebook.cells.append(nbformat.v4.new_code_cell(cell.source))
        elif grade_id in functions:
            notebook.cells.append(nbformat.v4.new_code_cell(
                answers.get(grade_id, student_answer(cell.source))))
        elif any(grade_id.startswith(f"test_{name}_") for name in functions):
            notebook.cells.append(_test_cell(grade_id, cell.source))
    return notebook, readonly


@pytest.fixture(scope="module")
def course_cells(tmp_path_factory):
    """Each REAL_CASES student's test cells run through a kernel and the checker: row and
    the points of each test cell."""
    from grader.autograde import execute, score_cells
    from grader.checker.link import CheckerProcess
    from grader.sandbox import Limits, checker_command

    tmp = tmp_path_factory.mktemp("course-cells")
    argv, env = checker_command(sandboxed=False)
    checker = CheckerProcess(argv, env, tmp / "checker.log", cwd=tmp)
    rows = {}
    try:
        for student, (assignment, functions, answers) in REAL_CASES.items():
            notebook, readonly = _course_notebook(assignment, functions, answers)
            problems = checker.begin(readonly, functions)
            execution = execute(notebook, Limits(cell_timeout=100), sandboxed=False,
                                deadline=time.monotonic() + 400, checker=checker)
            checker.end()
            cells = score_cells(notebook, execution)
            rows[student] = (problems, execution, {g: c["auto_score"] for g, c in cells.items()})
    finally:
        checker.stop()
    return rows


@pytest.mark.parametrize("student, baseline", [
    ("01_unusual", "01_solved"),  # heavy calls within the bounds; extended precision
    ("compile_function", None),   # keras.losses.binary_crossentropy, a documented form
    ("compile_named_liar", "compile_squared_error"),  # judged by what its loss computes
])
def test_the_course_s_tests_score_what_the_answer_computes(course_cells, student, baseline):
    problems, execution, points = course_cells[student]
    assert problems == [] and execution.status == "graded", execution.detail
    if baseline == "compile_squared_error":  # the honest-wrong baseline, below full marks
        assert points == course_cells[baseline][2] and not all(points.values()), points
    else:
        assert all(points.values()), points
        assert baseline is None or points == course_cells[baseline][2]


def test_a_call_past_the_bridge_s_bounds_costs_that_function_only(course_cells):
    _, execution, points = course_cells["01_past_bounds"]
    _, _, solved = course_cells["01_solved"]
    assert points["test_neuron_visible"] == points["test_neuron_hidden"] == 0
    assert all(solved.values()) and {g: p for g, p in points.items() if "neuron" not in g} == {
        g: p for g, p in solved.items() if "neuron" not in g}
    assert "neuron: more than 1,000,000 values in one message (one message of the bridge " \
           "carries at most 64 MiB of JSON" in execution.detail, execution.detail


def test_a_metric_is_rebuilt_as_what_it_computes_whatever_its_name():
    import keras

    class BinaryAccuracy(keras.metrics.Metric):  # always says 1.0
        def __init__(self, name="binary_accuracy", **kwargs):
            super().__init__(name=name, **kwargs)
            self.value = self.add_variable(shape=(), name="value", initializer="ones")

        def update_state(self, y_true, y_pred, sample_weight=None):
            pass

        def result(self):
            return self.value

    def rebuilt(metric):
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(loss="bce", optimizer="adam", metrics=[metric])
        spec = json.loads(json.dumps(model_spec(model, _encode_array)))
        return build_model(spec, _decode_array)._compile_metrics._user_metrics[0]

    assert rebuilt(keras.metrics.BinaryAccuracy()) == "binary_accuracy"
    assert rebuilt(keras.metrics.binary_accuracy) == "binary_accuracy"
    assert rebuilt(keras.metrics.AUC()) == "auc"
    with pytest.raises(TypeError, match="computes what no Keras metric computes"):
        rebuilt(BinaryAccuracy())(np.ones((2, 1)), np.ones((2, 1)))
