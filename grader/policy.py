"""A static screen of the code a student wrote, run by the grader before any of it executes.

Tests run in the student's kernel, so code that changes how the tests behave (patching
``np.allclose`` or ``helpers.checks.expect``, rebinding ``expect``, redefining ``==``,
reading the source of the hidden tests from IPython's history) could turn a wrong
answer into points. The sandbox cannot stop that; this screen does, by refusing the
few constructs such code needs and the answers of this course never do:

- reflection and dynamic code: ``eval``, ``exec``, ``compile``, ``getattr``, ``setattr``,
  ``globals``, ``vars``, ``open``, ``__import__``, ``get_ipython``, ``type`` with three
  arguments; attributes and names with underscores at both ends; frame attributes;
  IPython's history (``In``, ``Out``, ``_ih``, ``_i3``...); ``str.format`` fields that
  reach into attributes; ``allow_pickle`` and unsafe Keras deserialisation; ctypes;
- changing shared objects: assigning or deleting an attribute (``np.allclose = ...``),
  ``global`` statements, class definitions (a class can redefine ``==``), and binding,
  at the top level of a cell, a name the instructor's cells define or the tests use
  (``expect``, ``np``, a builtin such as ``abs``...);
- imports other than NumPy, math, TensorFlow/Keras and a few pure standard modules.

A cell that fails the screen is not run: an answer cell is graded as if left blank,
a cell the student added is dropped, an instructor cell the student edited is put
back as released. The report says which cell and why.
"""

from __future__ import annotations

import ast
import builtins
import re
import string
from collections.abc import Iterable

ALLOWED_IMPORTS = {"numpy", "math", "tensorflow", "keras", "functools", "itertools",
                   "collections", "random", "statistics", "time", "typing", "scipy"}
FORBIDDEN_CALLS = {"eval", "exec", "compile", "open", "__import__", "globals", "locals",
                   "vars", "getattr", "setattr", "delattr", "breakpoint", "input", "help",
                   "exit", "quit", "get_ipython", "memoryview", "dir"}
FORBIDDEN_ATTRIBUTES = {
    "gi_frame", "gi_code", "cr_frame", "cr_code", "ag_frame", "ag_code", "f_globals",
    "f_locals", "f_builtins", "f_back", "f_code", "tb_frame", "tb_next", "co_code",
    "ctypeslib", "ctypes", "pythonapi", "as_strided", "load_op_library", "load_library",
    "enable_unsafe_deserialization", "format_map", "modules", "LowLevelCallable",
}
FORBIDDEN_KEYWORDS = {"allow_pickle", "safe_mode"}
IPYTHON_HISTORY = re.compile(r"^(In|Out|_+|_i+|_i\d+|_\d+|_ih|_oh|_dh|_sh|_exit_code)$")
DUNDER = re.compile(r"^__\w*__$")


def _import_signature(node: ast.Import | ast.ImportFrom, alias: ast.alias) -> tuple:
    return (getattr(node, "module", None), alias.name, alias.asname)


class Screen:
    """The screen for one notebook, built from its instructor cells (trusted code)."""

    def __init__(self, instructor_sources: Iterable[str]):
        self.protected = set(dir(builtins))  # every name the instructor's cells bind or read
        self.imports: set[tuple] = set()  # their imports, which a student may repeat
        self.sources = set()
        for source in instructor_sources:
            self.sources.add(source.strip())
            tree = _parse(source)
            if tree is None:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Name):
                    self.protected.add(node.id)
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    self.protected.add(node.name)
                elif isinstance(node, (ast.Import, ast.ImportFrom)):
                    for alias in node.names:
                        self.protected.add((alias.asname or alias.name).split(".")[0])
                        self.imports.add(_import_signature(node, alias))

    def check(self, source: str, owned: Iterable[str] = ()) -> list[str]:
        """Why this cell may not run: see ``screen``. The instructor's own cells pass."""
        if source.strip() in self.sources:
            return []
        return screen(source, self.protected, set(owned), self.imports)


# Magics students use that only time or display code: screened as the code they run.
TIMING_MAGIC = re.compile(r"^(\s*)%{1,2}(?:timeit|time)\b((?:\s+-[a-z]+(?:\s+\d+)?)*)\s*(.*)$")
PLOT_MAGIC = re.compile(r"^\s*%matplotlib\b.*$")


def _without_harmless_magics(source: str) -> str:
    lines = []
    for line in source.splitlines():
        if PLOT_MAGIC.match(line):
            lines.append("")
            continue
        timed = TIMING_MAGIC.match(line)
        lines.append(timed.group(1) + timed.group(3) if timed else line)
    return "\n".join(lines) + "\n"


def _parse(source: str) -> ast.Module | None:
    """The cell as Python, after IPython's own rewriting (other magics, ``!`` shell lines)."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return ast.parse(TransformerManager().transform_cell(_without_harmless_magics(source)))
    except (SyntaxError, ValueError):
        return None


def screen(source: str, protected: set[str], owned: set[str] = frozenset(),
           instructor_imports: set[tuple] = frozenset()) -> list[str]:
    """Why this cell may not run (an empty list when it may).

    ``protected``: names a cell may not bind at its top level; ``owned``: names it may
    bind anyway (the graded functions and answer variables of an answer cell);
    ``instructor_imports``: imports the instructor's cells make, which may be repeated.
    A cell that is not valid Python passes: the kernel will refuse it without running it.
    """
    tree = _parse(source)
    if tree is None:
        return []
    problems: list[str] = []

    def bad(node: ast.AST, what: str) -> None:
        problems.append(f"line {getattr(node, 'lineno', '?')}: {what}")

    def top_level_binding(name: str, node: ast.AST) -> None:
        if name in protected and name not in owned:
            bad(node, f"rebinds `{name}`, which the course's own cells or tests use")

    # top-level bindings (function bodies have scopes of their own)
    for node in _top_level_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            top_level_binding(node.name, node)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            top_level_binding(node.id, node)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if _import_signature(node, alias) not in instructor_imports:
                    top_level_binding((alias.asname or alias.name).split(".")[0], node)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            top_level_binding(node.name, node)

    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            bad(node, "defines a class (a class can redefine ==); write functions instead")
        elif isinstance(node, ast.Global):
            bad(node, "uses `global`; return values instead")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            modules = [module] if module is not None else [a.name for a in node.names]
            if isinstance(node, ast.ImportFrom) and node.level:
                modules = ["(relative import)"]
            for name in modules:
                if name.split(".")[0] not in ALLOWED_IMPORTS:
                    bad(node, f"imports `{name}` (allowed: {', '.join(sorted(ALLOWED_IMPORTS))})")
        elif isinstance(node, ast.Attribute):
            if isinstance(node.ctx, (ast.Store, ast.Del)):
                bad(node, f"assigns or deletes the attribute `.{node.attr}`")
            if DUNDER.match(node.attr) or node.attr in FORBIDDEN_ATTRIBUTES:
                bad(node, f"uses the attribute `.{node.attr}`")
            if node.attr == "format" and not _safe_format(node.value):
                bad(node, "calls .format on something other than a plain string literal")
        elif isinstance(node, ast.Name):
            if node.id in FORBIDDEN_CALLS or DUNDER.match(node.id):
                bad(node, f"uses `{node.id}`")
            elif isinstance(node.ctx, ast.Load) and IPYTHON_HISTORY.match(node.id):
                bad(node, f"reads IPython's history variable `{node.id}`")
        elif isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id == "type" and len(node.args) > 1:
                bad(node, "creates a class with type(name, bases, dict)")
            for keyword in node.keywords:
                if keyword.arg in FORBIDDEN_KEYWORDS:
                    bad(node, f"passes `{keyword.arg}=`")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if "__" in node.value and re.search(r"__\w+__", node.value):
                bad(node, "has a string naming a double-underscore attribute")
    return sorted(set(problems), key=problems.index)


def _top_level_nodes(tree: ast.Module) -> Iterable[ast.AST]:
    """Nodes whose bindings land in the notebook's namespace (not inside a function)."""
    todo: list[ast.AST] = list(tree.body)
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            # decorators and defaults run at the top level; the body does not
            todo.extend(node.decorator_list if not isinstance(node, ast.Lambda) else [])
            todo.extend(node.args.defaults + [d for d in node.args.kw_defaults if d])
            continue
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            # only a walrus inside a comprehension binds outside it
            todo.extend(n for n in ast.walk(node) if isinstance(n, ast.NamedExpr))
            continue
        todo.extend(ast.iter_child_nodes(node))


def _safe_format(value: ast.AST) -> bool:
    """A literal format string whose fields are plain positions or names (no .attr, [i])."""
    if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
        return False
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(value.value) if f is not None]
    except ValueError:
        return False
    return all(re.fullmatch(r"\w*", f) for f in fields)


def top_level_names(source: str) -> set[str]:
    """Names a cell binds in the notebook's namespace (its functions, its variables)."""
    tree = _parse(source)
    names: set[str] = set()
    for node in _top_level_nodes(tree) if tree is not None else ():
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names
