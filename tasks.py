#!/usr/bin/env python3
"""The course's set-up, test and benchmark commands; needs only Python 3.10+.

    python3 tasks.py lab     # make the environment if needed, open JupyterLab on course/
    python3 tasks.py test    # make the environment if needed, run ruff and the test suite
    python3 tasks.py env     # only make (or refresh) the environment (and install bubblewrap)
    python3 tasks.py bench   # seconds to run and to autograde each notebook (not a test)
    python3 tasks.py compat  # the notebooks' tests on the oldest supported TensorFlow/Keras/NumPy

The environment is a virtual environment in .venv/ with the `helpers` package
installed editable and a Jupyter kernel named "nn-course". Every command is
idempotent: the packages are reinstalled only when pyproject.toml changes. `env` and
`test` also install bubblewrap, the grading sandbox, where no password is needed
(root, or passwordless sudo, with apt-get), and otherwise say how.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".nn-course-installed"
KERNEL_NAME = "nn-course"
KERNEL_DISPLAY_NAME = "Python 3 (nn-course)"
EXTRAS = "tf,course,dev"


def venv_python() -> Path:
    scripts = "Scripts" if os.name == "nt" else "bin"
    return VENV / scripts / ("python.exe" if os.name == "nt" else "python")


def _install_fingerprint() -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    digest.update(f"{sys.version_info[:2]} {EXTRAS}".encode())
    return digest.hexdigest()


def _run(*cmd: object, **kwargs) -> None:
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kwargs)


def ensure_environment() -> Path:
    """Create .venv, install the course and register its kernel; skip what is done."""
    if sys.version_info < (3, 10):  # noqa: UP036 (this file must run on any Python 3)
        sys.exit(f"Python 3.10 or newer is needed; this is {sys.version.split()[0]}.")
    python = venv_python()
    if not python.exists():
        print(f"Creating the course environment in {VENV} ...", flush=True)
        venv.create(VENV, with_pip=True)
    fingerprint = _install_fingerprint()
    if not STAMP.exists() or STAMP.read_text() != fingerprint:
        print("Installing the course packages (TensorFlow, JupyterLab, nbgrader, helpers) ...",
              flush=True)
        _run(python, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        _run(python, "-m", "pip", "install", "--quiet", "-e", f".[{EXTRAS}]")
        _run(python, "-m", "ipykernel", "install", "--sys-prefix",
             "--name", KERNEL_NAME, "--display-name", KERNEL_DISPLAY_NAME)
        STAMP.write_text(fingerprint)
    return python


BWRAP_HINT = ("bubblewrap (bwrap) confines student code when grading. Install it with your "
              "package manager: sudo apt-get install bubblewrap (Debian/Ubuntu), "
              "sudo dnf install bubblewrap (Fedora), sudo pacman -S bubblewrap (Arch).")


def ensure_bubblewrap() -> bool:
    """Install bubblewrap where that needs no password (root, or sudo -n); else say how."""
    if shutil.which("bwrap"):
        return True
    apt = shutil.which("apt-get")
    if apt and hasattr(os, "geteuid"):
        prefix = [] if os.geteuid() == 0 else (["sudo", "-n"] if shutil.which("sudo") else None)
        if prefix is not None:
            print("Installing bubblewrap (the grading sandbox) with apt-get ...", flush=True)
            quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            install = [*prefix, apt, "install", "-y", "-q", "bubblewrap"]
            if subprocess.call(install, env=env, **quiet) != 0:
                subprocess.call([*prefix, apt, "update", "-q"], env=env, **quiet)
                subprocess.call(install, env=env, **quiet)
    if shutil.which("bwrap"):
        return True
    print(f"note: {BWRAP_HINT} Until then `python -m grader grade` refuses to run "
          "(or needs --no-sandbox) and the sandbox tests are skipped.", flush=True)
    return False


def cmd_env(_args: list[str]) -> int:
    ensure_environment()
    ensure_bubblewrap()
    print(f"Course environment ready: {VENV} (kernel '{KERNEL_NAME}').")
    return 0


def cmd_lab(args: list[str]) -> int:
    python = ensure_environment()
    # Started from the repository root so that nbgrader finds nbgrader_config.py
    # (the formgrader for instructors); students land in course/.
    command = [str(python), "-m", "jupyter", "lab", f"--ServerApp.root_dir={ROOT}",
               "--LabApp.default_url=/lab/tree/course"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and CI often run as root
        command.append("--allow-root")
    return subprocess.call([*command, *args], cwd=ROOT)


def cmd_test(args: list[str]) -> int:
    python = ensure_environment()
    ensure_bubblewrap()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "MPLBACKEND": "Agg"}
    lint = subprocess.call([str(python), "-m", "ruff", "check", "."], cwd=ROOT, env=env)
    tests = subprocess.call([str(python), "-m", "pytest", *args], cwd=ROOT, env=env)
    return lint or tests


def cmd_bench(args: list[str]) -> int:
    python = ensure_environment()
    return subprocess.call([str(python), "-m", "grader", "bench", *args], cwd=ROOT)


# The oldest releases the course supports: TensorFlow 2.16 with its Keras 3 and NumPy 1.26.
COMPAT_VENV = ROOT / ".venv-oldest"
COMPAT_PACKAGES = ["tensorflow-cpu==2.16.2", "keras==3.3.3", "numpy==1.26.4", "ipywidgets>=8",
                   "matplotlib", "nbformat", "pytest", "scipy"]


def cmd_compat(args: list[str]) -> int:
    """Run the in-process tests (graded tests, mistakes, helpers) on the oldest versions."""
    python = COMPAT_VENV / "bin" / "python"
    if not python.exists():
        venv.create(COMPAT_VENV, with_pip=True)
        _run(python, "-m", "pip", "install", "--quiet", *COMPAT_PACKAGES)
        _run(python, "-m", "pip", "install", "--quiet", "--no-deps", "-e", ".")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "MPLBACKEND": "Agg"}
    tests = ["tests/test_mistakes.py", "tests/test_checks.py", "tests/test_setup.py",
             "tests/test_data.py"]
    return subprocess.call([str(python), "-m", "pytest", "-p", "no:cacheprovider", *tests, *args],
                           cwd=ROOT, env=env)


COMMANDS = {"env": cmd_env, "lab": cmd_lab, "test": cmd_test, "bench": cmd_bench,
            "compat": cmd_compat}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__)
        return 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
