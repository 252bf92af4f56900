"""What the grader refuses in a student's code before running it: only what the course announces.

The test cells run in the checker process (``grader.checker``), out of reach of the
student's kernel, so nothing a submission does to its own process changes a verdict
and the screen no longer guards the tests: classes, helper functions of any name,
rebinding, magics such as ``%timeit`` all run. It refuses two things the notebooks
announce:

- an answer cell that imports the course's ``helpers`` (answers may use NumPy, SciPy,
  ``math`` and TensorFlow/Keras; ``helpers`` holds reference code) is graded as blank;
- a cell that runs shell commands (``!ls``, ``%%bash``, ``%system``, ``%pip``) is not run.

Its notes name the line and what it does, never a name of the tests.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

SHELL_MAGICS = {"system", "sx", "sc", "bash", "sh", "script", "perl", "ruby", "python",
                "python2", "python3", "pypy", "pip", "conda", "mamba", "micromamba", "uv"}
IMPORTERS = {"__import__", "import_module"}


def _parse(source: str) -> ast.Module | None:
    """The cell as Python, after IPython's own rewriting (magics, ``!`` shell lines)."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return ast.parse(TransformerManager().transform_cell(source))
    except (SyntaxError, ValueError):
        return None


def _ipython_call(node: ast.AST) -> tuple[str, str | None] | None:
    """``("system", None)`` for ``get_ipython().system(...)``, ``("run_cell_magic", "bash")``..."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return None
    owner = node.func.value
    if not (isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name)
            and owner.func.id == "get_ipython"):
        return None
    first = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else None
    return node.func.attr, first if isinstance(first, str) else None


def shell_problems(source: str) -> list[str]:
    """Why a cell may not run: the shell commands it starts (empty when it starts none)."""
    tree = _parse(source)
    problems = []
    for node in ast.walk(tree) if tree is not None else ():
        call = _ipython_call(node)
        if call is None:
            continue
        method, magic = call
        if method in ("system", "getoutput") or (
                method in ("run_line_magic", "run_cell_magic") and magic in SHELL_MAGICS):
            problems.append(f"line {node.lineno}: runs a shell command")
    return problems


def _imported_modules(tree: ast.Module) -> Iterable[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.lineno, node.module
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(
                node.func, "id", None)
            if name in IMPORTERS and isinstance(node.args[0].value, str):
                yield node.lineno, node.args[0].value


def answer_problems(source: str) -> list[str]:
    """Why an answer cell is graded as blank: it imports ``helpers``, or runs the shell."""
    tree = _parse(source)
    problems = [f"line {line}: imports `{module}`; answers may not use the course's helpers "
                "(they hold reference code)"
                for line, module in (_imported_modules(tree) if tree is not None else ())
                if module.split(".")[0] == "helpers"]
    return problems + shell_problems(source)


def top_level_names(source: str) -> set[str]:
    """Names a cell binds in the notebook's namespace (its functions, its variables)."""
    tree = _parse(source)
    names: set[str] = set()
    todo: list[ast.AST] = list(tree.body) if tree is not None else []
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)  # its body binds names of its own scope
            continue
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp,
                             ast.GeneratorExp)):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        todo.extend(ast.iter_child_nodes(node))
    return names
