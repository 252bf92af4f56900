"""helpers.checks: a failure names the function, the input, expected, got, and a hint."""

import numpy as np
import pytest

from helpers.checks import CheckFailed, NotWritten, expect, needs


@pytest.fixture(autouse=True)
def graded(monkeypatch):
    """Checks raise under graded execution; most tests here look at what they raise."""
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")


def square(x):
    return x**2


def test_pass_prints_one_line_to_stdout_only(capsys):
    expect(square, {"x": np.array([1.0, 2.0])}, [1.0, 4.0])
    out, err = capsys.readouterr()
    assert out.startswith("passed: square(x=<float64 array (2,)>)") and err == ""


def test_wrong_values_message_has_everything_a_student_needs():
    def wrong(x):
        return x * 3

    with pytest.raises(CheckFailed) as error:
        expect(wrong, {"x": np.array([1.0, 2.0])}, [1.0, 4.0], rtol=1e-6, hint="square it")
    message = str(error.value)
    for part in ("wrong(x=array([1., 2.]", "expected: array([1., 4.]", "got:      array([3., 6.]",
                 "rtol=1e-06", "Hint: square it", "2 of 2 values differ"):
        assert part in message, part
    assert isinstance(error.value, AssertionError)


@pytest.mark.parametrize("returned, fragment", [
    (None, "returned None"),
    ([1.0, 4.0], "returned a value of type list"),
    (np.array([1, 4]), "integers where floats were expected"),
    (np.array([[1.0, 4.0]]), "Expected shape (2,), got shape (1, 2)"),
    (np.array(["a", "b"]), "dtype <U1"),
])
def test_wrong_kinds_of_result(returned, fragment):
    with pytest.raises(CheckFailed, match=None) as error:
        expect(lambda x: returned, {"x": np.array([1.0, 2.0])}, [1.0, 4.0])
    assert fragment in str(error.value)


def test_a_tensor_is_not_an_array():
    import tensorflow as tf

    with pytest.raises(CheckFailed, match=r"\.numpy\(\)"):
        expect(lambda x: tf.constant(x), {"x": np.array([1.0])}, [1.0])


def test_scalar_expected_rejects_arrays_of_one():
    expect(lambda x: np.float64(2.0), {"x": 1}, 2.0, quiet=True)
    expect(lambda x: np.array(2.0), {"x": 1}, 2.0, quiet=True)
    with pytest.raises(CheckFailed, match="Expected a scalar, got shape"):
        expect(lambda x: np.array([2.0]), {"x": 1}, 2.0)


def test_changing_the_input_in_place_fails():
    def negate_in_place(z):
        z *= -1
        return z

    with pytest.raises(CheckFailed, match="changed its input `z` in place"):
        expect(negate_in_place, {"z": np.array([1.0, -2.0])}, [-1.0, 2.0])


def test_numpy_warnings_fail_but_underflow_does_not():
    with pytest.raises(CheckFailed, match="overflow"):
        expect(lambda z: 1 / (1 + np.exp(-z)), {"z": np.array([-1000.0])}, [0.0], atol=1e-12)
    expect(lambda z: np.exp(z), {"z": np.array([-1000.0])}, [0.0], atol=1e-12, quiet=True)


def test_a_numpy_warning_gets_a_hint_for_its_cause_and_keeps_the_tests_hint():
    def entropy_with_where(p):
        return -np.sum(np.where(p > 0, p * np.log2(p), 0.0))

    def softmax_global_max(Z):
        e = np.exp(Z - Z.max())
        return e / e.sum(axis=1, keepdims=True)

    with pytest.raises(CheckFailed, match=r"(?s)log2.*both branches.*Also: skip the zeros"):
        expect(entropy_with_where, {"p": np.array([0.5, 0.0, 0.5])}, 1.0, hint="skip the zeros")
    with pytest.raises(CheckFailed, match=r"(?s)invalid value.*global np.max"):
        expect(softmax_global_max, {"Z": np.array([[1000.0, 0.0], [0.0, 1.0]])}, [[1.0, 0.0]] * 2)
    with pytest.raises(CheckFailed, match=r"(?s)overflow encountered in exp.*exp\(-\|z\|\)"):
        expect(lambda z: 1 / (1 + np.exp(-z)), {"z": np.array([-1000.0])}, [0.0], atol=1e-12)


def test_nan_is_never_close():
    with pytest.raises(CheckFailed):
        expect(lambda z: np.array([np.nan]), {"z": 0}, [1.0], atol=1e9)


def _digit_model(activation="sigmoid", with_input=True, sizes=(25, 15, 1)):
    import keras

    layers = [keras.layers.Dense(n, activation=activation) for n in sizes]
    return keras.Sequential(([keras.Input(shape=(784,))] if with_input else []) + layers)


DIGIT_LAYERS = [(25, "sigmoid"), (15, "sigmoid"), (1, "sigmoid")]


def test_check_dense_model_passes_and_explains_each_failure(capsys):
    from helpers.checks import check_dense_model

    def build_digit_model():
        return _digit_model()

    check_dense_model(build_digit_model, 784, DIGIT_LAYERS)
    assert "passed: build_digit_model(): 784 inputs -> 25 sigmoid" in capsys.readouterr().out
    cases = [
        (lambda: _digit_model(with_input=False), "keras.Input(shape=(784,))"),
        (lambda: _digit_model(sizes=(25, 10, 1)), "expected [('Dense', 25), ('Dense', 15)"),
        (lambda: _digit_model(activation="relu"), "does not apply sigmoid"),
        (lambda: None, "returned None"),
    ]
    for build, fragment in cases:
        with pytest.raises(CheckFailed) as error:
            check_dense_model(build, 784, DIGIT_LAYERS)
        assert fragment in str(error.value)


def test_check_dense_model_sends_keras_warnings_to_stdout(capsys):
    import keras

    from helpers.checks import check_dense_model

    def build():
        return keras.Sequential([keras.layers.Dense(2, activation="relu", input_shape=(3,))])

    check_dense_model(build, 3, [(2, "relu")])
    out, err = capsys.readouterr()
    assert "note: build() warned: Do not pass an `input_shape`" in out and err == ""


def test_check_compiled_model_checks_loss_by_value_optimizer_and_rate():
    import keras

    from helpers.checks import check_compiled_model

    def compile_with(loss, optimizer):
        def compile_digit_model(model):
            model.compile(loss=loss, optimizer=optimizer)
            return model
        return compile_digit_model

    arrays = {"y_true": np.array([[1.0], [0.0]]), "y_pred": np.array([[0.8], [0.3]])}
    expected = {"loss": keras.losses.binary_crossentropy, **arrays}
    check_compiled_model(compile_with("binary_crossentropy", "adam"), _digit_model, **expected)
    for loss, optimizer, fragment in [
        ("mse", "adam", "the expected loss gives 0.289909"),
        (keras.losses.BinaryCrossentropy(from_logits=True), "adam", "is 0.6"),
        ("binary_crossentropy", "sgd", "optimizer is SGD, expected Adam"),
        ("binary_crossentropy", keras.optimizers.Adam(0.01), "learning rate is 0.01"),
    ]:
        with pytest.raises(CheckFailed, match=None) as error:
            check_compiled_model(compile_with(loss, optimizer), _digit_model, **expected)
        assert fragment in str(error.value)


def unwritten(z):
    raise NotImplementedError()


def test_graded_execution_names_the_unwritten_exercise_without_the_course_s_frames():
    with pytest.raises(NotWritten) as error:
        expect(unwritten, {"z": 1.0}, 1.0)
    assert str(error.value) == ("unwritten is not written yet: replace "
                                "raise NotImplementedError() in the cell above.")
    assert error.value.__cause__ is None and error.value.__suppress_context__


def test_a_library_s_not_implemented_error_is_not_an_unwritten_exercise():
    import asyncio

    with pytest.raises(NotImplementedError) as error:  # a library function raises it
        expect(lambda z: asyncio.AbstractEventLoop().time(), {"z": 1.0}, 1.0)
    assert not isinstance(error.value, NotWritten)


def test_outside_graded_execution_a_failure_is_one_message_and_nothing_raises(
        monkeypatch, capsys):
    monkeypatch.delenv("NBGRADER_EXECUTION")
    assert expect(lambda x: x * 3, {"x": np.array([1.0])}, [1.0], hint="square it") is None
    assert expect(unwritten, {"z": 1.0}, 1.0) is None
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("FAILED: <lambda>(x=array([1.]")
    assert "Hint: square it" in err
    assert "unwritten is not written yet" in err and "Traceback" not in err


def test_needs_reports_in_a_student_s_run_and_raises_when_graded(monkeypatch, capsys):
    with pytest.raises(NotImplementedError):
        with needs("unwritten"):
            unwritten(1.0)
    monkeypatch.delenv("NBGRADER_EXECUTION")
    with needs("unwritten"):
        unwritten(1.0)
        raise AssertionError("not reached")
    with needs("square"):
        missing_name  # noqa: B018, F821
    err = capsys.readouterr().err
    assert "This cell needs unwritten, which is not written yet" in err
    assert "This cell needs square and what an earlier cell computes" in err


def test_run_all_in_ipython_goes_on_and_later_checks_of_a_failed_cell_are_skipped(monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    monkeypatch.delenv("NBGRADER_EXECUTION")
    shell = InteractiveShell.instance()
    try:
        shell.run_cell("import numpy as np\nfrom helpers.checks import expect\n"
                       "def f(x):\n    raise NotImplementedError()\n", store_history=True)
        with capture_output() as captured:
            result = shell.run_cell("expect(f, {'x': 1.0}, 1.0)\nexpect(f, {'x': 2.0}, 2.0)\n"
                                    "print('the cell ran to its end')", store_history=True)
        assert result.success
        assert captured.stderr.count("not written yet") == 1
        assert "the cell ran to its end" in captured.stdout
        with capture_output() as captured:  # the next cell checks again
            shell.run_cell("expect(f, {'x': 1.0}, 1.0)", store_history=True)
        assert captured.stderr.count("not written yet") == 1
    finally:
        InteractiveShell.clear_instance()


def naive_sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_a_warning_says_whether_the_values_were_right_all_the_same():
    z = {"z": np.array([-1000.0, 0.0])}
    with pytest.raises(CheckFailed) as right_values:
        expect(naive_sigmoid, z, [0.0, 0.5], hint="use exp(-|z|)")
    with pytest.raises(CheckFailed) as wrong_values:
        expect(naive_sigmoid, z, [0.0, 0.25], hint="use exp(-|z|)")
    assert "overflow encountered in exp" in str(right_values.value)
    assert "values it returned are right" in str(right_values.value)
    assert "values it returned are right" not in str(wrong_values.value)


def test_a_test_s_own_hint_replaces_the_generic_advice_for_an_overflow():
    z = {"z": np.array([-1000.0])}
    with pytest.raises(CheckFailed) as with_hint:
        expect(naive_sigmoid, z, [0.0], hint="use exp(-|z|)")
    with pytest.raises(CheckFailed) as without_hint:
        expect(naive_sigmoid, z, [0.0])
    assert "softmax" not in str(with_hint.value) and "Also: use exp(-|z|)." in str(with_hint.value)
    assert "softmax" in str(without_hint.value)


def test_ipython_shows_a_failure_or_an_unwritten_exercise_without_the_course_s_frames():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.user_ns.update(expect=expect, naive_sigmoid=naive_sigmoid, np=np)
    shown = []
    shell._showtraceback = lambda etype, value, stb: shown.append("\n".join(stb))
    shell.run_cell("expect(naive_sigmoid, {'z': np.array([0.0])}, [0.25], hint='look again')")
    shell.run_cell("def neuron(x):\n    raise NotImplementedError()\n")
    shell.run_cell("expect(neuron, {'x': np.array([0.0])}, [0.25])")
    InteractiveShell.clear_instance()
    assert len(shown) == 2, shown
    assert shown[0].startswith("CheckFailed: naive_sigmoid(z=") and "Hint: look again" in shown[0]
    assert shown[1] == ("NotWritten: neuron is not written yet: replace "
                        "raise NotImplementedError() in the cell above.")
    assert not any("checks.py" in text or "Traceback" in text for text in shown)


def test_needs_names_every_unwritten_function_of_the_cell(monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    monkeypatch.delenv("NBGRADER_EXECUTION")
    shell = InteractiveShell.instance()
    try:
        shell.run_cell("from helpers.checks import needs\n"
                       "def sigmoid(z):\n    raise NotImplementedError()\n"
                       "def neuron(x):\n    raise NotImplementedError()\n"
                       "def square(x):\n    return x * x\n")
        with capture_output() as captured:
            result = shell.run_cell('with needs("neuron", "square", "sigmoid"):\n'
                                    "    square(2.0), neuron(1.0), sigmoid(0.0)\n")
        assert result.success
        assert captured.stderr.strip() == (
            "This cell needs neuron and sigmoid, which are not written yet: replace "
            "raise NotImplementedError() in their cells, then run this cell again.")
        shell.run_cell("def neuron(x):\n    return sigmoid(x)\n")
        with capture_output() as captured:
            shell.run_cell('with needs("neuron", "sigmoid"):\n    neuron(1.0)\n')
        assert captured.stderr.strip().startswith("This cell needs sigmoid, which is not")
    finally:
        InteractiveShell.clear_instance()


# ------------------------------------------------ issue 22: messages a student can trust
def _in_ipython(cells: list[str]) -> list[tuple[str, str]]:
    """Run ``cells`` in a fresh IPython shell (not graded); (stdout, stderr) of each."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    shell = InteractiveShell.instance()
    shown = []
    try:
        for source in cells:
            with capture_output() as captured:
                result = shell.run_cell(source, store_history=True)
            assert result.success, (source, result.error_in_exec)
            shown.append((captured.stdout, captured.stderr))
    finally:
        InteractiveShell.clear_instance()
    return shown


def test_check_compiled_model_gives_one_verdict(monkeypatch, capsys):
    """A wrong loss is one FAILED message, with no "passed" line after it."""
    import keras

    from helpers.checks import check_compiled_model

    def compile_digit_model(model):
        model.compile(loss="mse", optimizer="adam")
        return model

    monkeypatch.delenv("NBGRADER_EXECUTION")
    check_compiled_model(compile_digit_model, _digit_model, loss=keras.losses.binary_crossentropy,
                         y_true=np.array([[1.0], [0.0]]), y_pred=np.array([[0.8], [0.3]]),
                         hint="binary cross-entropy")
    out, err = capsys.readouterr()
    assert err.count("FAILED") == 1 and "Hint: binary cross-entropy" in err
    assert "passed" not in out, out


def softmax_without_keepdims(Z):
    e = np.exp(Z - np.max(Z, axis=1))
    return e / e.sum(axis=1)


def test_the_test_s_hint_shows_when_the_student_s_code_raises(monkeypatch, capsys):
    args = {"Z": np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])}
    expected = [[0.09003057, 0.24472847, 0.66524096], [1 / 3] * 3]
    with pytest.raises(ValueError):  # graded: the student's own exception, as before
        expect(softmax_without_keepdims, args, expected, hint="sums with keepdims=True.")
    monkeypatch.delenv("NBGRADER_EXECUTION")
    expect(softmax_without_keepdims, args, expected, hint="sums with keepdims=True.")
    err = capsys.readouterr().err
    assert err.startswith("FAILED: softmax_without_keepdims(Z=array([[1., 2., 3.],")
    assert "It raised ValueError: operands could not be broadcast" in err
    assert "in softmax_without_keepdims, line " in err
    assert ": e = np.exp(Z - np.max(Z, axis=1))" in err
    assert err.rstrip().endswith("Hint: sums with keepdims=True."), err


def test_needs_blames_the_tests_only_when_they_failed(monkeypatch):
    """A demo that stops after its function's tests passed shows the error and its line,
    and does not say "make the tests pass"; after a failed test it says they did not pass."""
    monkeypatch.delenv("NBGRADER_EXECUTION")
    setup = ("import numpy as np\nfrom helpers.checks import expect, needs\n"
             "def build_small_cnn():\n    return 3.0\n"
             "def conv_params(k):\n    return 2.0\n")
    demo = ('with needs("build_small_cnn", "conv_params"):\n'
            "    history = {'loss': [build_small_cnn()]}\n"
            "    print(history['accuracy'])\n")
    shown = _in_ipython([setup,
                         "expect(build_small_cnn, {}, 3.0)\nexpect(conv_params, {'k': 1}, 2.0)",
                         demo,
                         "expect(conv_params, {'k': 1}, 9.0)",
                         demo])
    passed_err, failed_err = shown[2][1], shown[4][1]
    assert passed_err.startswith("This cell needs build_small_cnn and conv_params; it stopped "
                                 "with KeyError: 'accuracy'"), passed_err
    assert "line 3: print(history['accuracy'])" in passed_err
    assert "tests of build_small_cnn and conv_params passed" in passed_err
    assert "make them pass" not in passed_err and "pass first" not in passed_err
    assert "The tests of conv_params did not pass: make them pass" in failed_err, failed_err


def test_a_wrapper_in_the_test_cell_counts_for_the_function_it_calls(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION")
    shown = _in_ipython([
        "from helpers.checks import expect, needs\n"
        "def multilabel_metrics(t, p):\n    return {'f1': 0.5}\n",
        "def metric_value(t, p, key):\n    return multilabel_metrics(t, p)[key]\n"
        "expect(metric_value, {'t': 1.0, 'p': 1.0, 'key': 'f1'}, 1.0)",
        'with needs("multilabel_metrics"):\n    multilabel_metrics(1.0, 1.0)["recall"]\n'])
    assert "The tests of multilabel_metrics did not pass" in shown[2][1], shown[2][1]


def test_a_string_that_differs_is_shown_where_it_differs():
    from helpers.checks import expect_equal

    expected = ("Input(28, 28, 1) -> Conv2D(8, (3, 3), strides (1, 1), valid, relu) -> "
                "MaxPooling2D((2, 2), strides (2, 2), valid) -> Flatten -> Dense(10, linear)")
    wrong = expected.replace("Dense(10, linear)", "Dense(10, relu)")
    with pytest.raises(CheckFailed) as error:
        expect_equal(lambda: wrong, {}, expected)
    message = str(error.value)
    assert "Dense(10, relu)" in message and "Dense(10, linear)" in message
    assert f"differ from character {expected.index('linear')}: expected 'linear)', got 'relu)'" \
        in message
    long_expected = "x" * 500 + " tail A"
    with pytest.raises(CheckFailed) as error:
        expect_equal(lambda: long_expected[:-1] + "B", {}, long_expected)
    assert "tail A" in str(error.value) and "tail B" in str(error.value)


def test_passed_lines_keep_every_argument_and_whole_words(capsys):
    from helpers.checks import expect_equal

    def metric_names(Y_true, Y_pred):
        return ["exact_match", "f1", "hamming_loss", "precision", "recall"]

    pair = {"Y_true": np.zeros((4, 4)), "Y_pred": np.zeros((4, 4), dtype=bool)}
    expect_equal(metric_names, pair, ["exact_match", "f1", "hamming_loss", "precision", "recall"])
    expect(lambda task: 1.0, {"task": "a task described by a sentence long enough to be cut "
                                      "somewhere in the middle"}, 1.0)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == ("passed: metric_names(Y_true=<float64 array (4, 4)>, Y_pred=<bool array "
                      "(4, 4)>) == ['exact_match', 'f1', 'hamming_loss', 'precision', 'recall']")
    assert out[1].endswith("long enough to be cut...)"), out[1]


def test_whole_numbers_are_compared_exactly_and_shown_as_numbers():
    def count_parameters(n_inputs):
        return 20032

    with pytest.raises(CheckFailed) as error:
        expect(count_parameters, {"n_inputs": 784}, 20031, rtol=1e-6)  # 1e-6 would pass it
    message = str(error.value)
    assert "expected: 20031\n  got:      20032" in message, message
    assert "array(" not in message and "rtol" not in message and "index ()" not in message
    with pytest.raises(CheckFailed) as error:
        expect(lambda n: np.array([1, 3]), {"n": 1}, np.array([1, 2]))
    assert "the first at index (1,): expected 2, got 3" in str(error.value)


def test_numbers_print_without_float32_noise_or_numpy_wrappers():
    from helpers.checks import show

    assert show(float(np.float32(0.047))) == "0.047"
    assert show(np.float64(0.5)) == "0.5" and show(np.array(4)) == "4"
    assert show([np.float64(1.5), np.int64(2)]) == "[1.5, 2]"
    with pytest.raises(CheckFailed) as error:  # where only more digits tell them apart
        expect(lambda x: float(np.float32(0.047)), {"x": np.float64(1.0)}, 0.047, rtol=1e-12)
    message = str(error.value)
    assert "expected: 0.047\n  got:      0.046999998" in message, message
    assert "np.float64" not in message and "x=1.0" in message


def test_an_in_place_change_reports_its_largest_change():
    def nudge(z):
        z += 1e-16
        return z

    with pytest.raises(CheckFailed) as error:
        expect(nudge, {"z": np.array([1.0, 0.5, 0.25])}, [1.0, 0.5, 0.25])
    assert "in place (largest change 1.1e-16, at index (1,))" in str(error.value)


def multilabel_metrics_dividing_by_zero(T, P):
    tp, fp = np.sum(T * P), np.sum((1 - T) * P)
    return {"exact_match": float(np.mean(np.all(T == P, axis=1))), "precision": tp / (tp + fp)}


def metric_value(T, P, key):
    return multilabel_metrics_dividing_by_zero(T, P)[key]


def test_a_warning_names_its_line_and_gets_no_exp_advice_where_there_is_no_exp():
    nothing = {"T": np.zeros((2, 2)), "P": np.zeros((2, 2))}
    with pytest.raises(CheckFailed) as error:
        expect(metric_value, {**nothing, "key": "exact_match"}, 1.0, hint="the share of rows")
    message = str(error.value)
    assert "invalid value encountered in scalar divide (in multilabel_metrics_dividing_by_zero" \
        in message and '"precision": tp / (tp + fp)' in message, message
    assert "The values it returned are right" in message
    assert "check the denominator" in message
    assert "exp" not in message.split("Hint:")[1] and "share of rows" not in message
    with pytest.raises(CheckFailed) as error:  # a wrong value keeps the test's hint
        expect(metric_value, {**nothing, "key": "precision"}, 0.0, hint="TP / (TP + FP)")
    assert "Also: TP / (TP + FP)." in str(error.value)
