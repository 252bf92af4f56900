"""What the grader refuses before running student code (grader.policy): only what is announced.

With the tests in the checker, the screen refuses an answer that imports ``helpers``
and a cell that runs shell commands; honest code of any style passes.
"""

import importlib
import pkgutil

import nbformat
import pytest

import grader.mistakes as mistake_modules
from grader.course import SOLUTIONS, assignments
from grader.policy import answer_problems, shell_problems, top_level_names

REFUSED_ANSWERS = {
    "import helpers": "import helpers.nn\n\ndef relu(z):\n    return helpers.nn.relu(z)",
    "from helpers import": "from helpers.nn import relu",
    "importlib by name": "import importlib\nnn = importlib.import_module('helpers.nn')",
    "__import__": "nn = __import__('helpers.nn')",
    "shell line": "!cat /etc/passwd\ndef relu(z):\n    return z",
    "captured shell": "files = !ls",
    "bash cell": "%%bash\nls",
    "system magic": "%system ls",
    "pip magic": "%pip install numpy",
}
REFUSED_CELLS = {name: source for name, source in REFUSED_ANSWERS.items()
                 if "helpers" not in source}
HONEST = {
    "a function": "def relu(z):\n    return np.maximum(z, 0.0)",
    "a dataclass": "from dataclasses import dataclass\n\n@dataclass\nclass Layer:\n"
                   "    W: np.ndarray\n\ndef relu(z):\n    return np.maximum(z, 0.0)",
    "any helper name": "def expect(z):\n    return z\n\ndef z_h(z):\n    return expect(z)",
    "rebinding": "np = __import__('numpy')\nabs = lambda x: x",
    "lambda assignment": "relu = lambda z: np.maximum(z, 0.0)",
    "np.vectorize": "relu = np.vectorize(lambda v: max(v, 0.0), otypes=[float])",
    "timeit": "%timeit relu(np.ones(3))\n%%timeit -n 10\nrelu(np.ones(3))",
    "debugging print": "def relu(z):\n    print(z)\n    return np.maximum(z, 0.0)",
    "other imports": "import os, sys, inspect\nfrom functools import reduce",
    "matplotlib magic": "%matplotlib inline\nprint(1)",
    "syntax error (the kernel says so)": "def relu(z)\n    return z",
}


@pytest.mark.parametrize("source", REFUSED_ANSWERS.values(), ids=REFUSED_ANSWERS.keys())
def test_announced_rules_refuse_an_answer(source):
    problems = answer_problems(source)
    assert problems and all(p.startswith("line ") for p in problems)


@pytest.mark.parametrize("source", REFUSED_CELLS.values(), ids=REFUSED_CELLS.keys())
def test_shell_commands_are_refused_in_any_cell(source):
    assert shell_problems(source)


@pytest.mark.parametrize("source", HONEST.values(), ids=HONEST.keys())
def test_honest_code_of_any_style_passes(source):
    assert answer_problems(source) == [] and shell_problems(source) == []


def test_a_note_names_the_line_and_the_module_only():
    problems = answer_problems("x = 1\nfrom helpers.checks import expect as z_h\n")
    assert problems == ["line 2: imports `helpers.checks`; answers may not use the course's "
                        "helpers (they hold reference code)"]


def test_top_level_names():
    source = ("import numpy as np\nx = 1\ndef f():\n    y = 2\nfor i in range(2):\n    pass\n"
              "g = lambda: (z := 3)\n[k for k in range(3)]\nclass C:\n    v = 1")
    assert top_level_names(source) == {"x", "f", "i", "g", "C"}  # imports are not answers


def test_solutions_and_every_alternative_answer_pass_the_screen():
    modules = {m.ASSIGNMENT: m for m in (
        importlib.import_module(f"grader.mistakes.{info.name}")
        for info in pkgutil.iter_modules(mistake_modules.__path__))}
    checked = 0
    for assignment in assignments():
        solution = nbformat.read(SOLUTIONS / assignment / f"{assignment}.ipynb", as_version=4)
        for cell in solution.cells:
            if cell.metadata.get("nbgrader", {}).get("solution"):
                assert answer_problems(cell.source) == [], (assignment, cell.source[:80])
        for grade_id, cases in modules[assignment].ALTERNATIVES.items():
            for description, source in cases:
                assert answer_problems(source) == [], (assignment, grade_id, description)
                checked += 1
    assert checked > 90
