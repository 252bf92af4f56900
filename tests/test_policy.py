"""The static screen of student code (grader.policy): tampering is refused, answers pass."""

import importlib
import pkgutil

import nbformat
import pytest

import tests.mistakes as mistake_modules
from grader.autograde import build_spec
from grader.course import RELEASE, SOLUTIONS, assignments
from grader.policy import Screen, top_level_names

INSTRUCTOR = ["import numpy as np\nfrom helpers.checks import expect, check_answer\n",
              "expect(relu, {'z': np.array([1.0])}, [1.0])\n"
              "assert check_answer('answer_q1', globals()) == 'b'\n"]
SCREEN = Screen(INSTRUCTOR)

TAMPERING = {
    "rebinds expect": "expect = lambda *args, **kwargs: None",
    "def expect": "def expect(*args, **kwargs):\n    pass",
    "patches np.allclose": "np.allclose = lambda *a, **k: True",
    "patches np.testing": "np.testing.assert_allclose = print",
    "deletes a numpy function": "del np.isclose",
    "setattr": "setattr(np, 'allclose', lambda *a, **k: True)",
    "always-True __eq__ class": "class Anything(str):\n    def __eq__(self, other):\n"
                                "        return True",
    "type() with three arguments": "Anything = type('Anything', (str,), {})",
    "dunder attribute": "def relu(z):\n    return relu.__globals__",
    "dunder string": "name = '__eq__'",
    "IPython history In": "def relu(z):\n    return In[-1]",
    "IPython history _ih": "source = _ih[-1]",
    "get_ipython": "get_ipython().input_transformers_cleanup.append(lambda lines: [])",
    "shell escape": "!cat /etc/passwd",
    "cell magic": "%%bash\nls",
    "other line magic": "%run other.py",
    "tampering inside %time": "%time np.allclose = print",
    "tampering inside %%timeit": "%%timeit -n 1\nexpect = print",
    "exec": "exec('expect = print')",
    "eval": "def relu(z):\n    return eval('z')",
    "import sys": "import sys\nsys.modules['numpy'].allclose = None",
    "import os": "import os\nos.fork()",
    "import inspect": "import inspect",
    "import helpers": "import helpers.checks",
    "from helpers import": "from helpers.checks import expect as e",
    "builtins rebound": "abs = lambda x: 0",
    "global statement": "def relu(z):\n    global expect\n    expect = print\n    return z",
    "format reaching into attributes": "text = '{0.__class__}'.format(1)",
    "format on a variable": "template = 'x'\ntext = template.format(1)",
    "frame attribute": "def gen():\n    yield 1\nframe = gen().gi_frame",
    "np.load with pickles": "data = np.load('x.npy', allow_pickle=True)",
    "ctypes through numpy": "c = np.ctypeslib",
    "walrus rebinding expect": "[(expect := print) for _ in range(1)]",
    "for loop rebinding np": "for np in [None]:\n    pass",
    "import rebinding expect": "from functools import partial as expect",
    "open a file": "text = open('/etc/passwd').read()",
    "vars": "vars(np)['allclose'] = None",
}

ALLOWED = {
    "a function": "def relu(z):\n    return np.maximum(z, 0.0)",
    "quiz answer": "answer_q1 = 'b'",
    "helpers of one's own": "def _clip(z):\n    return np.clip(z, 0, None)\n\n"
                            "def relu(z):\n    return _clip(z)",
    "allowed imports": "import math\nimport numpy as np\nfrom functools import reduce",
    "format literal": "print('{} and {name:.3f}'.format(1, name=2.0))",
    "f-string": "x = 3\nprint(f'{x:.2f}')",
    "local names shadowing": "def relu(z):\n    expect = np.maximum(z, 0)\n    return expect",
    "subscript assignment": "def relu(z):\n    out = z.copy()\n    out[out < 0] = 0\n"
                            "    return out",
    "comprehension variable": "values = [abs for abs in range(3)]",
    "syntax error (the kernel refuses it)": "def relu(z)\n    return z",
    "timing magics": "%timeit relu(np.ones(3))\n%time y = relu(np.ones(3))",
    "timing cell magic": "%%timeit -n 10 -r 3\nrelu(np.ones(3))",
    "matplotlib magic": "%matplotlib inline\nprint(1)",
}


@pytest.mark.parametrize("source", TAMPERING.values(), ids=TAMPERING.keys())
def test_tampering_is_refused(source):
    assert SCREEN.check(source, owned={"relu", "answer_q1"})


@pytest.mark.parametrize("source", ALLOWED.values(), ids=ALLOWED.keys())
def test_ordinary_code_passes(source):
    assert SCREEN.check(source, owned={"relu", "answer_q1"}) == []


def test_instructor_cells_pass_verbatim():
    screen = Screen(["expect = None  # instructor code may do anything"])
    assert screen.check("expect = None  # instructor code may do anything") == []
    assert screen.check("expect = None") != []


def test_top_level_names():
    source = "import numpy as np\nx = 1\ndef f():\n    y = 2\nfor i in range(2):\n    pass"
    assert top_level_names(source) == {"x", "f", "i"}


def _specs():
    for assignment in assignments():
        solution = nbformat.read(SOLUTIONS / assignment / f"{assignment}.ipynb", as_version=4)
        release = nbformat.read(RELEASE / assignment / f"{assignment}.ipynb", as_version=4)
        stored = {c.metadata["nbgrader"]["grade_id"]: {"source": c.source}
                  for c in solution.cells if c.metadata.get("nbgrader", {}).get("grade")}
        yield assignment, solution, build_spec(assignment, release, stored, solution)


def test_solutions_and_every_alternative_answer_pass_the_screen():
    modules = {m.ASSIGNMENT: m for m in (
        importlib.import_module(f"tests.mistakes.{info.name}")
        for info in pkgutil.iter_modules(mistake_modules.__path__))}
    checked = 0
    for assignment, solution, spec in _specs():
        screen = spec.screen()
        owned = {c.grade_id: c.owned for c in spec.cells if c.kind == "answer"}
        for cell in solution.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in owned:
                assert screen.check(cell.source, owned[grade_id]) == [], grade_id
        for grade_id, cases in modules[assignment].ALTERNATIVES.items():
            for description, source in cases:
                assert screen.check(source, owned[grade_id]) == [], (assignment, description)
                checked += 1
    assert checked > 90
