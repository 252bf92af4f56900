#!/usr/bin/env python3
"""The course's set-up, test and benchmark commands; needs only Python 3.10+.

    python3 tasks.py lab     # make the environment if needed, open JupyterLab on the course
    python3 tasks.py test    # make the environment if needed, run ruff and the test suite
    python3 tasks.py env     # only make (or refresh) the environment (and install bubblewrap)
    python3 tasks.py bench   # seconds to run and to autograde each notebook (not a test)
    python3 tasks.py compat  # the notebooks' tests on the oldest supported TensorFlow/Keras/NumPy

The environment is a virtual environment in .venv/ with the `helpers` package
installed editable and one Jupyter kernel, "Python 3 (nn-course)": the environment's
own "python3" kernel (the name every notebook asks for, Colab's too) running this
environment's Python. Its JupyterLab asks no news or update question. Every command is
idempotent: the packages are reinstalled only when pyproject.toml changes. `env` and
`test` also install bubblewrap, the grading sandbox, where no password is needed
(root, or passwordless sudo, with apt-get), and otherwise say how.

In the student edition (``python -m grader publish`` sets ``STUDENT_EDITION``) only
``lab`` and ``env`` exist, and JupyterLab shows nbgrader's Validate button and none of
its instructor tools (there is no exchange to fetch from or submit to).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

STUDENT_EDITION = False
COURSE_LANGUAGE = "en"  # `python -m grader publish --language es` writes "es" here
ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".nn-course-installed"
# The notebooks' kernelspec names "python3" (Colab needs that name): the course's kernel
# takes it over in the environment, so the launcher shows one kernel and notebooks open on it.
KERNEL_NAME = "python3"
KERNEL_DISPLAY_NAME = "Python 3 (nn-course)"
OLD_KERNEL_NAMES = ["nn-course"]  # what earlier versions registered beside "python3"
# IPython's kernel reporting "version": "3" in language_info: JupyterLab writes the kernel's
# language_info into the notebook when it connects, and a notebook whose saved copy differs
# (a patch version) opens with the unsaved-changes dot.
KERNEL_CLASS = "helpers.kernel.CourseKernel"
# The course's JupyterLab settings (an overrides.d file of the environment's lab): no
# "official Jupyter news?" question and no update check covering the notebook.
LAB_SETTINGS = {"@jupyterlab/apputils-extension:notification": {
    "fetchNews": "false", "checkForUpdates": False}}
EXTRAS = "tf,course" if STUDENT_EDITION else "tf,course,grading,dev,es"
if COURSE_LANGUAGE == "es":  # the Spanish edition's JupyterLab speaks Spanish
    LAB_SETTINGS["@jupyterlab/translation-extension:plugin"] = {"locale": "es_ES"}
    EXTRAS += ",es"
# nbgrader's parts that need a course and an exchange: the student edition has neither,
# so its JupyterLab keeps only the Validate button (plugin and server extension).
INSTRUCTOR_PLUGINS = ["@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                      "@jupyter/nbgrader:course-list", "@jupyter/nbgrader:assignment-list",
                      "@jupyter/nbgrader:menu"]
INSTRUCTOR_SERVER_EXTENSIONS = ["nbgrader.server_extensions.formgrader",
                                "nbgrader.server_extensions.course_list",
                                "nbgrader.server_extensions.assignment_list"]


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
        if STUDENT_EDITION:
            _keep_only_validate()
        STAMP.write_text(fingerprint)
    ensure_kernel(python)
    return python


def _is_the_course_kernel(spec: dict, python: Path) -> bool:
    argv = spec.get("argv", [])
    return (spec.get("display_name") == KERNEL_DISPLAY_NAME and argv[:1] == [str(python)]
            and f"--IPKernelApp.kernel_class={KERNEL_CLASS}" in argv)


def ensure_kernel(python: Path) -> None:
    """Make the course's kernel the environment's one "python3" kernel (cheap when done)."""
    kernels = python.parent.parent / "share" / "jupyter" / "kernels"
    path = kernels / KERNEL_NAME / "kernel.json"
    spec = json.loads(path.read_text()) if path.exists() else {}
    if not _is_the_course_kernel(spec, python):
        _run(python, "-m", "ipykernel", "install", "--sys-prefix", "--name", KERNEL_NAME,
             "--display-name", KERNEL_DISPLAY_NAME, stdout=subprocess.DEVNULL)
        spec = json.loads(path.read_text())
        spec["argv"] = [str(python), *spec["argv"][1:],
                        f"--IPKernelApp.kernel_class={KERNEL_CLASS}"]
        path.write_text(json.dumps(spec, indent=1) + "\n")
    for old in OLD_KERNEL_NAMES:
        shutil.rmtree(kernels / old, ignore_errors=True)


def ensure_lab_settings(python: Path) -> None:
    """Write the course's JupyterLab settings into ``python``'s environment."""
    overrides = python.parent.parent / "share" / "jupyter" / "lab" / "settings" / "overrides.d"
    path = overrides / "nn-course.json"
    wanted = json.dumps(LAB_SETTINGS, indent=2, sort_keys=True) + "\n"
    if not path.exists() or path.read_text() != wanted:
        overrides.mkdir(parents=True, exist_ok=True)
        path.write_text(wanted)


def _keep_only_validate() -> None:
    """Switch off nbgrader's instructor and exchange tools in the environment's JupyterLab."""
    config = VENV / "etc" / "jupyter"
    labconfig = config / "labconfig" / "page_config.json"
    labconfig.parent.mkdir(parents=True, exist_ok=True)
    page = json.loads(labconfig.read_text()) if labconfig.exists() else {}
    page.setdefault("disabledExtensions", {}).update(dict.fromkeys(INSTRUCTOR_PLUGINS, True))
    labconfig.write_text(json.dumps(page, indent=2, sort_keys=True) + "\n")
    server = config / "jupyter_server_config.d" / "zz-nn-course-student-edition.json"
    server.parent.mkdir(parents=True, exist_ok=True)
    server.write_text(json.dumps({"ServerApp": {"jpserver_extensions": dict.fromkeys(
        INSTRUCTOR_SERVER_EXTENSIONS, False)}}, indent=2, sort_keys=True) + "\n")


def lab_command(python: Path) -> tuple[list[str], dict[str, str]]:
    """The JupyterLab command line and environment of ``lab`` (tests start it the same way);
    writes the course's lab settings into ``python``'s environment."""
    # Started from the repository root: nbgrader finds nbgrader_config.py there (the
    # instructor's Formgrader); nothing above this folder is served. Students land in course/.
    command = [str(python), "-m", "jupyter", "lab", f"--ServerApp.root_dir={ROOT}",
               "--LabApp.default_url=/lab/tree/course"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and CI often run as root
        command.append("--allow-root")
    # nbgrader runs `alembic` and `jupyter` by name: the environment's programs come first
    env = {**os.environ, "PATH": os.pathsep.join([str(python.parent), os.environ.get("PATH", "")])}
    if not STUDENT_EDITION:
        (ROOT / "grader" / "exchange").mkdir(parents=True, exist_ok=True)
        # imported by the server from its working directory, ROOT (`python -m` puts it first)
        command.append("--ContentsManager.pre_save_hook=tasks.refuse_saving_the_release")
    ensure_lab_settings(python)
    return command, env


RELEASE_FOLDER = "course"
SAVE_REFUSED = (f"{RELEASE_FOLDER}/ is the student release: `python -m grader release` writes it "
                "and `python -m grader publish` ships it as committed, so the instructor's lab "
                "saves nothing into it (outputs included). To keep this notebook, use File > "
                f"Save Notebook As... with a path outside {RELEASE_FOLDER}/, e.g. grader/work/.")


def refuse_saving_the_release(model=None, path: str = "", contents_manager=None, **_) -> None:
    """The instructor's JupyterLab pre-save hook: no save (autosave included) into course/."""
    if path.strip("/").split("/", 1)[0] == RELEASE_FOLDER:
        from tornado.web import HTTPError

        raise HTTPError(403, SAVE_REFUSED.replace("%", "%%"))


BWRAP_HINT = ("bubblewrap (bwrap) confines student code when grading. Install it with your "
              "package manager: sudo apt-get install bubblewrap (Debian/Ubuntu), "
              "sudo dnf install bubblewrap (Fedora), sudo pacman -S bubblewrap (Arch).")


def _apt_install(package: str, program: str, purpose: str) -> bool:
    """Install a Debian package where apt-get needs no password (root, or sudo -n);
    whether ``program`` is now on PATH."""
    if shutil.which(program):
        return True
    apt = shutil.which("apt-get")
    if apt and hasattr(os, "geteuid"):
        prefix = [] if os.geteuid() == 0 else (["sudo", "-n"] if shutil.which("sudo") else None)
        if prefix is not None:
            print(f"Installing {package} ({purpose}) with apt-get ...", flush=True)
            quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            install = [*prefix, apt, "install", "-y", "-q", package]
            if subprocess.call(install, env=env, **quiet) != 0:
                subprocess.call([*prefix, apt, "update", "-q"], env=env, **quiet)
                subprocess.call(install, env=env, **quiet)
    return shutil.which(program) is not None


def ensure_bubblewrap() -> bool:
    """Install bubblewrap where that needs no password; else say how."""
    if _apt_install("bubblewrap", "bwrap", "the grading sandbox"):
        return True
    print(f"note: {BWRAP_HINT} Until then `python -m grader grade` refuses to run "
          "(or needs --no-sandbox) and the sandbox tests are skipped.", flush=True)
    return False


def ensure_chromium() -> bool:
    """Debian's chromium, which the browser tests drive, where apt-get needs no password."""
    if _apt_install("chromium", "chromium", "for the browser tests"):
        return True
    print("note: the browser tests need Debian's chromium (apt-get install chromium); "
          "they are skipped without it.", flush=True)
    return False


def cmd_env(_args: list[str]) -> int:
    ensure_environment()
    if not STUDENT_EDITION:
        ensure_bubblewrap()
    print(f"Course environment ready: {VENV} (kernel '{KERNEL_DISPLAY_NAME}').")
    return 0


def cmd_lab(args: list[str]) -> int:
    command, env = lab_command(ensure_environment())
    if not STUDENT_EDITION:
        print(f"note: this lab saves nothing into {RELEASE_FOLDER}/ (the generated student "
              "release); Save Notebook As... elsewhere to keep a copy.", flush=True)
    return subprocess.call([*command, *args], cwd=ROOT, env=env)


def cmd_test(args: list[str]) -> int:
    python = ensure_environment()
    ensure_bubblewrap()
    ensure_chromium()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "MPLBACKEND": "Agg"}
    lint = subprocess.call([str(python), "-m", "ruff", "check", "."], cwd=ROOT, env=env)
    tests = subprocess.call([str(python), "-m", "pytest", *_parallel(args), *args], cwd=ROOT,
                            env=env)
    return lint or tests


def _parallel(args: list[str]) -> list[str]:
    """pytest-xdist's options for one test process per core, at most four
    ($NN_COURSE_TEST_PROCESSES sets the number; 1, or ``args`` naming their own, runs
    one): each group of tests that shares a costly fixture in one process, the costliest
    groups first (tests/conftest.py). Test kernels listen on Unix sockets
    (grader/kernels.py), so processes starting kernels at once cannot take each other's
    ports."""
    processes = int(os.environ.get("NN_COURSE_TEST_PROCESSES", "0") or 0) or min(
        4, os.cpu_count() or 1)
    if processes <= 1 or any(a == "-n" or a.startswith(("-n", "--numprocesses", "--dist"))
                             or a == "no:xdist" for a in args):
        return []
    return ["-n", str(processes), "--dist", "loadscope", "--no-loadscope-reorder"]


def cmd_bench(args: list[str]) -> int:
    python = ensure_environment()
    return subprocess.call([str(python), "-m", "grader", "bench", *args], cwd=ROOT)


# The oldest releases the course supports: TensorFlow 2.16 with its Keras 3 and NumPy 1.26.
COMPAT_VENV = ROOT / ".venv-oldest"
COMPAT_PACKAGES = ["tensorflow-cpu==2.16.2", "keras==3.3.3", "numpy==1.26.4", "ipywidgets>=8",
                   "matplotlib", "nbformat", "pytest", "scipy", "ipykernel", "jupyter_client",
                   "nbclient"]


def cmd_compat(args: list[str]) -> int:
    """Run the in-process tests (graded tests, mistakes, helpers) and the checker's
    (the bridge and the model rebuild, with a kernel) on the oldest versions."""
    python = COMPAT_VENV / "bin" / "python"
    stamp = COMPAT_VENV / ".nn-course-installed"
    if not python.exists():
        venv.create(COMPAT_VENV, with_pip=True)
    if not stamp.exists() or stamp.read_text() != " ".join(COMPAT_PACKAGES):
        _run(python, "-m", "pip", "install", "--quiet", *COMPAT_PACKAGES)
        _run(python, "-m", "pip", "install", "--quiet", "--no-deps", "-e", ".")
        stamp.write_text(" ".join(COMPAT_PACKAGES))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "MPLBACKEND": "Agg"}
    tests = ["tests/test_mistakes.py", "tests/test_checks.py", "tests/test_setup.py",
             "tests/test_data.py", "tests/test_checker.py"]
    return subprocess.call([str(python), "-m", "pytest", "-p", "no:cacheprovider", *tests, *args],
                           cwd=ROOT, env=env)


COMMANDS = {"env": cmd_env, "lab": cmd_lab, "test": cmd_test, "bench": cmd_bench,
            "compat": cmd_compat}
if STUDENT_EDITION:
    COMMANDS = {"env": cmd_env, "lab": cmd_lab}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__ if not STUDENT_EDITION else
              "python3 tasks.py lab   # make the environment if needed, open JupyterLab\n"
              "python3 tasks.py env   # only make (or refresh) the environment")
        return 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
