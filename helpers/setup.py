"""One place for what every notebook does first: install (on Colab), quiet logs, seeds.

``SETUP_CELL`` is the exact source of every notebook's setup cell; ``python -m grader
release`` refuses a notebook whose setup cell differs. Where the kernel lacks this
package (Colab, or any kernel given ``NN_COURSE_HELPERS_SOURCE``), the cell installs it
from ``HELPERS_SOURCE`` (a pip requirement; the environment variable overrides it, e.g.
with the path of a local wheel), then calls :func:`setup_notebook`. When the install
cannot work it says why in two lines (no internet, a repository that does not exist or
is private, no such tag) and stops, before TensorFlow is imported; until it works, every
other cell answers one line instead of running.

The student edition (``python -m grader publish``) rewrites the cell and the Colab
badges to point at its public repository and tag: :func:`setup_cell` and
:func:`colab_badge_url` with ``repository`` and ``ref``. Here, in the instructor
edition, they hold placeholders.
"""

from __future__ import annotations

import contextlib
import os
import platform
import random
import re
import sys
import tempfile

try:
    from . import i18n
    from .i18n import N_, _
except ImportError:  # read as a file of its own (grader.publish takes its constants)
    i18n = None

    def N_(english: str) -> str:  # noqa: N802
        return english

    _ = N_

# The student edition's public home; `python -m grader publish` fills in the real ones.
COURSE_REPOSITORY = "OWNER/NAME"
COURSE_REF = "edition-unpublished"
DEFAULT_SEED = 42
# NumPy's BLAS runs single-threaded: the course's matrices are small, and a BLAS pool
# spinning on every core slows to a crawl when another process is busy (10's NumPy
# training: 0.26 s an epoch on one thread, 10.6 s on the default pool under load).
# NN_COURSE_BLAS_THREADS overrides it ("0": leave BLAS as it is).
BLAS_THREADS = 1
COLAB_NOTE = N_("On Colab the visible tests check your answers as you go. The points, hidden "
              "tests and Validate the notebook mentions apply where an instructor grades the "
              "course.")  # shown translated, by setup_notebook
MIN_VERSIONS = {"numpy": (1, 26), "tensorflow": (2, 16), "keras": (3, 0)}


def helpers_source(repository: str = COURSE_REPOSITORY, ref: str = COURSE_REF) -> str:
    """The pip requirement that installs this package from the edition at ``ref``."""
    return f"nn-course-helpers @ git+https://github.com/{repository}@{ref}"


SETUP_MARKER = "# Setup: the same first cell in every notebook of the course."


def setup_cell(repository: str = COURSE_REPOSITORY, ref: str = COURSE_REF) -> str:
    """The source of every notebook's first code cell, installing from ``repository@ref``.

    When the install fails, the cell says why in the learner's words (no internet, a
    repository that does not exist or is private, a tag that does not exist) and, until
    it succeeds, every other cell answers one line instead of running.
    """
    return f"""\
{SETUP_MARKER}
import importlib.util
import os
import subprocess
import sys

HELPERS_SOURCE = os.environ.get(
    "NN_COURSE_HELPERS_SOURCE",
    "{helpers_source(repository, ref)}",
)
INSTALL_FAILURES = [  # what git or pip wrote, and what it means
    (("Could not resolve host", "Failed to connect", "unreachable", "timed out"),
     "this runtime is not connected to the internet. Connect it, then run this cell again."),
    (("could not read Username", "Repository not found", "not appear to be a git repository"),
     "that repository does not exist or is private. Open the notebook from the course's "
     "own 'Open in Colab' badge, or ask whoever runs the course to make it public."),
    (("did not match any file", "find remote ref", "unknown revision"),
     "that repository has no such tag (the course was not published under it). Open the "
     "notebook from the 'Open in Colab' badge of the course's README."),
]


class SetupError(Exception):
    def _render_traceback_(self):  # IPython shows the message alone, without a traceback
        return [f"SetupError: {{self}}"]


def course_missing(lines):  # any other cell, while the course is not installed
    if lines[:1] == [{SETUP_MARKER + chr(10)!r}]:
        return lines
    return ["raise SetupError('run the first cell: the course is not installed')\\n"]


ipython = globals().get("get_ipython")  # absent where the cell runs outside IPython
transformers = ipython().input_transformers_post if ipython else []
transformers[:] = [t for t in transformers if t.__name__ != "course_missing"]
if importlib.util.find_spec("helpers") is None:  # Colab, or a kernel without the course
    transformers.append(course_missing)
    if "google.colab" not in sys.modules and "NN_COURSE_HELPERS_SOURCE" not in os.environ:
        raise SetupError("this kernel lacks the course's helpers. Pick the kernel 'Python 3 "
                         "(nn-course)' that `python3 tasks.py lab` makes, or set "
                         "NN_COURSE_HELPERS_SOURCE to where pip can get them.")
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", HELPERS_SOURCE],
                         capture_output=True, text=True, env={{**os.environ,
                                                              "GIT_TERMINAL_PROMPT": "0"}})
    if pip.returncode != 0:
        said = [line.strip() for line in pip.stderr.splitlines() if line.strip()] or ["?"]
        why = next((text for keys, text in INSTALL_FAILURES
                    if any(key in pip.stderr for key in keys)), f"pip said: {{said[-1]}}")
        raise SetupError(f"could not install the course's helpers from {{HELPERS_SOURCE}}:\\n"
                         f"{{why}}")
    transformers.remove(course_missing)

from helpers.setup import setup_notebook

setup_notebook(seed={DEFAULT_SEED})"""


SETUP_CELL = setup_cell()
# What the setup cell says to the learner, each the text of one of its string literals (an
# f-string's written with its {fields}): the Spanish edition's cell holds their
# translations (grader.i18n.translated_strings), so the cell cannot call _() itself.
SETUP_MESSAGES = (
    N_("this runtime is not connected to the internet. Connect it, then run this cell again."),
    N_("that repository does not exist or is private. Open the notebook from the course's "
       "own 'Open in Colab' badge, or ask whoever runs the course to make it public."),
    N_("that repository has no such tag (the course was not published under it). Open the "
       "notebook from the 'Open in Colab' badge of the course's README."),
    N_("raise SetupError('run the first cell: the course is not installed')\n"),
    N_("this kernel lacks the course's helpers. Pick the kernel 'Python 3 (nn-course)' that "
       "`python3 tasks.py lab` makes, or set NN_COURSE_HELPERS_SOURCE to where pip can get "
       "them."),
    N_("pip said: {said[-1]}"),
    N_("could not install the course's helpers from {HELPERS_SOURCE}:\n{why}"),
)
HELPERS_SOURCE = helpers_source()


def colab_badge_url(assignment: str, repository: str = COURSE_REPOSITORY,
                    ref: str = COURSE_REF) -> str:
    """The "Open in Colab" link of the student notebook ``course/<assignment>`` at ``ref``."""
    return (
        f"https://colab.research.google.com/github/{repository}/blob/"
        f"{ref}/course/{assignment}/{assignment}.ipynb"
    )


def in_colab() -> bool:
    return "google.colab" in sys.modules


def _version_tuple(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split(".")[:2]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def check_versions(versions: dict[str, str]) -> None:
    """Raise a RuntimeError naming every package older than the course needs."""
    too_old = [
        _("{name} {version} (needs {minimum} or newer)").format(
            name=name, version=versions[name], minimum=".".join(map(str, minimum)))
        for name, minimum in MIN_VERSIONS.items()
        if name in versions and _version_tuple(versions[name]) < minimum
    ]
    if too_old:
        raise RuntimeError(_(
            "This course needs newer packages: {packages}. Run `python3 tasks.py env` in the "
            "course folder, or upgrade them with pip.").format(packages="; ".join(too_old)))


def quiet_tensorflow() -> None:
    """Silence TensorFlow's C++ and Python start-up logs (set before it is imported).

    nbgrader gives no points to a test cell that writes anything to stderr, and
    TensorFlow's start-up messages go there.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("ABSL_MIN_LOG_LEVEL", "3")


# TensorFlow's native start-up log lines: absl's notice and absl-format lines
# ("I0000 00:00:1795384983.511814   16236 port.cc:153] ...", which TF 2.21 writes while its
# libraries load, before TF_CPP_MIN_LOG_LEVEL is read), and TF's own format
# ("2025-09-17 14:44:05.157831: I external/.../cudart_stub.cc:32] ..."). Info, warning
# and error lines only, as TF_CPP_MIN_LOG_LEVEL=3 promises; a fatal line is kept.
STARTUP_NOISE = re.compile(
    r"WARNING: All log messages before absl::InitializeLog\(\) is called"
    r"|[IWE]\d{4} \d+:\d+:\d+\.\d+ +\d+ \S+:\d+\] "
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWE] \S+:\d+\] ")


def drop_startup_noise(text: str) -> str:
    """``text`` without the lines that :data:`STARTUP_NOISE` matches at their start."""
    return "".join(line for line in text.splitlines(keepends=True)
                   if not STARTUP_NOISE.match(line))


@contextlib.contextmanager
def native_stderr_without_startup_noise():
    """Capture what C/C++ code writes to file descriptor 2 in the body; pass on the rest.

    Jupyter shows whatever reaches the kernel's stderr in red under the cell (and the
    grader gives no points to a cell that writes there), so TensorFlow's import must
    not leave its start-up chatter behind.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (AttributeError, OSError, ValueError):  # no stderr to capture
        saved = None
    if saved is None:
        yield
        return
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            kept = drop_startup_noise(capture.read().decode(errors="replace"))
            if kept:
                sys.stderr.write(kept)


BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def limit_blas_threads(threads: int | None = None) -> int | None:
    """Cap BLAS's thread pools at ``threads`` (default :data:`BLAS_THREADS`, or
    ``NN_COURSE_BLAS_THREADS``); the cap set, or None where NumPy's was left alone.

    A BLAS library loaded from now on (SciPy's own, say) reads the cap from the
    environment; those already loaded get it from threadpoolctl (installed with the
    course, and on Colab). Without threadpoolctl, NumPy's is capped only if it is not
    imported yet.
    """
    if threads is None:
        threads = int(os.environ.get("NN_COURSE_BLAS_THREADS", BLAS_THREADS))
    if threads <= 0:
        return None
    os.environ.update(dict.fromkeys(BLAS_THREAD_VARIABLES, str(threads)))
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None if "numpy" in sys.modules else threads
    import numpy  # noqa: F401 (its BLAS must be loaded to be found)

    threadpool_limits(limits=threads, user_api="blas")
    return threads


def set_seeds(seed: int = DEFAULT_SEED) -> None:
    """Seed Python, NumPy and (if installed) TensorFlow/Keras, with deterministic ops."""
    random.seed(seed)
    import numpy as np

    np.random.seed(seed)
    try:
        import keras
        import tensorflow as tf
    except ImportError:
        return
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def setup_notebook(seed: int = DEFAULT_SEED, verbose: bool = True) -> None:
    """Quiet TensorFlow, cap BLAS's threads, check versions, fix seeds, and print the
    versions found (and, on Colab, what of the notebook's grading applies there)."""
    quiet_tensorflow()
    limit_blas_threads()
    import numpy as np

    versions = {"python": platform.python_version(), "numpy": np.__version__}
    try:
        with native_stderr_without_startup_noise():
            import keras
            import tensorflow as tf
    except ImportError as exc:
        raise RuntimeError(_(
            "TensorFlow is not installed in this Python. In the course folder run "
            "`python3 tasks.py env` and pick the 'Python 3 (nn-course)' kernel, or "
            "`pip install 'tensorflow>=2.16'`."
        )) from exc
    tf.get_logger().setLevel("ERROR")
    versions.update(tensorflow=tf.__version__, keras=keras.__version__)
    check_versions(versions)
    if in_colab():
        import ipywidgets

        if _version_tuple(ipywidgets.__version__) >= (8, 0):  # Colab draws 7.x widgets itself
            from google.colab import output

            output.enable_custom_widget_manager()
    set_seeds(seed)
    if verbose:
        where = "Colab" if in_colab() else _("local")
        print(
            f"Python {versions['python']} | NumPy {versions['numpy']} | "
            f"TensorFlow {versions['tensorflow']} | Keras {versions['keras']} | "
            f"{where} | " + _("seed {seed}").format(seed=seed)
        )
        if in_colab():
            print(i18n._(COLAB_NOTE))
