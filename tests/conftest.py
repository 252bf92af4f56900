import fcntl
import os
import sys
from pathlib import Path

import matplotlib
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


# ------------------------------------------------------------- test processes
# tasks.py test runs pytest-xdist with --dist loadscope, one process per core, and a
# scope here is a group of tests that runs in one process: a module, so that its fixtures
# are made once, or one parameter of a module-scoped parametrized fixture. Modules that
# share a costly session fixture other than the editions share a group. The costliest
# indivisible groups are handed out first, so that no process is left with a long group
# at the end.
SHARED_GROUPS = {"test_orchestration": "test_distributed"}   # undisturbed_class
SPLIT_BY_PARAMETER = {"test_grading"}   # graded_class: a class per notebook
COSTLIEST_FIRST = ("test_distributed", "test_colab", "test_robust_grading", "test_edition",
                   "test_jupyterlab", "test_exchange", "test_grading", "test_mistakes")


def group_of(nodeid: str) -> str:
    """The group of the test ``nodeid`` ("tests/test_x.py::test_y[param]")."""
    path, _, name = nodeid.partition("::")
    module = Path(path).stem
    group = SHARED_GROUPS.get(module, module)
    if module in SPLIT_BY_PARAMETER and name.endswith("]"):
        group += "[" + name.split("[", 1)[1]
    return group


@pytest.hookimpl(optionalhook=True)   # an xdist hook: the controller's
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid)

    return GroupScheduling(config, log)


def pytest_collection_modifyitems(config, items):
    """In the test processes of an xdist run, the costliest groups first (the controller
    hands groups out in collection order, with --no-loadscope-reorder)."""
    if not hasattr(config, "workerinput"):
        return

    def rank(item) -> int:
        module = group_of(item.nodeid).split("[", 1)[0]
        return (COSTLIEST_FIRST.index(module) if module in COSTLIEST_FIRST
                else len(COSTLIEST_FIRST))
    items.sort(key=rank)   # stable: collection order within a rank


def once_per_run(tmp_path_factory, name: str, make):
    """``make(folder)``'s result, made once per test run: under pytest-xdist the first
    process that needs it makes it in the run's shared temporary folder, and the others
    wait for it and reuse it."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return make(tmp_path_factory.mktemp(name))
    shared = tmp_path_factory.getbasetemp().parent   # the run's, above each process's own
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        made = shared / f"{name}.made"
        if not made.exists():
            made.write_text(str(make(shared / name)))
        return Path(made.read_text())


# ------------------------------------------------------------- the student edition
# One published edition per test run, and one stand-in for GitHub serving it, shared
# by the tests of the edition, its JupyterLab and the Colab simulation.
EDITION_REPOSITORY = "nn-course-test/neural-networks"
EDITION_REF = "edition-under-test"
GIT_IDENTITY = {"GIT_AUTHOR_NAME": "Course tests", "GIT_AUTHOR_EMAIL": "tests@example.org",
                "GIT_COMMITTER_NAME": "Course tests", "GIT_COMMITTER_EMAIL": "tests@example.org"}


@pytest.fixture(scope="session")
def edition(tmp_path_factory) -> Path:
    """The student edition of this checkout, published for EDITION_REPOSITORY@EDITION_REF.

    Made from the working tree (what is under test, committed or not); publish refuses
    a course/ that is not what nbgrader generates from solutions/, naming the notebooks.
    """
    from grader.publish import publish

    return once_per_run(tmp_path_factory, "edition", lambda folder: publish(
        folder / "neural-networks", EDITION_REPOSITORY, EDITION_REF,
        from_working_tree=True).out)


SPANISH_REPOSITORY = "nn-course-test/redes-neuronales"


@pytest.fixture(scope="session")
def edition_es(tmp_path_factory) -> Path:
    """The Spanish student edition of this checkout (``--language es``), once per run."""
    from grader.publish import publish

    return once_per_run(tmp_path_factory, "edition-es", lambda folder: publish(
        folder / "redes-neuronales", SPANISH_REPOSITORY, EDITION_REF,
        from_working_tree=True, language="es").out)


@pytest.fixture(scope="session")
def fake_github(edition, edition_es, tmp_path_factory):
    """A folder of bare repositories standing in for https://github.com/ (the English
    edition as EDITION_REPOSITORY, the Spanish one as SPANISH_REPOSITORY, each tagged
    EDITION_REF), and the git config (for GIT_CONFIG_GLOBAL) that sends github.com's URLs
    there."""
    import subprocess

    root = tmp_path_factory.mktemp("github")
    env = {**os.environ, **GIT_IDENTITY, "GIT_CONFIG_GLOBAL": os.devnull}
    for folder, repository in ((edition, EDITION_REPOSITORY), (edition_es, SPANISH_REPOSITORY)):
        work = tmp_path_factory.mktemp("edition-git") / repository.split("/")[1]
        subprocess.run(["cp", "-r", str(folder), str(work)], check=True)
        for command in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"],
                        ["git", "commit", "-q", "-m", "Student edition"],
                        ["git", "tag", EDITION_REF]):
            subprocess.run(command, cwd=work, env=env, check=True)
        bare = root / repository
        bare.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "clone", "-q", "--bare", str(work), str(bare)], env=env,
                       check=True)
    config = root / "gitconfig"
    config.write_text(f'[url "file://{root}/"]\n\tinsteadOf = https://github.com/\n')
    return root, config


# ------------------------------------------------------------- a Dask cluster
# One localhost cluster per test process (a scheduler and two workers, separate processes
# as separate machines would be), shared by every test of that process that grades a
# class. Not one for the whole run: test_distributed kills and restarts its workers.
@pytest.fixture(scope="session")
def dask_cluster(tmp_path_factory):
    from tests.cluster import LocalTestCluster

    cluster = LocalTestCluster(tmp_path_factory.mktemp("dask"), workers=2)
    try:
        yield cluster.start()
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def undisturbed_class(tmp_path_factory, dask_cluster):
    """tests/cluster.py's class graded on the shared cluster with nothing going wrong:
    (its folder, the report). The reference that disturbed and interrupted runs equal."""
    from grader.grade import grade_class
    from tests.cluster import CLASS_ASSIGNMENT, class_notebooks, write_class

    base = tmp_path_factory.mktemp("undisturbed")
    write_class(base / "class", class_notebooks())
    report = grade_class(CLASS_ASSIGNMENT, base / "class", out=base / "out",
                         home=base / "home", cluster=dask_cluster.options())
    return base, report


def _diagnosis_line() -> str | None:
    """The share of catalogued mistakes the diagnosis names (tests/test_mistakes.py)."""
    module = sys.modules.get("tests.test_mistakes")
    found = getattr(module, "DIAGNOSED", None)
    if not found:
        return None
    exact = together = others = none = wrong = 0
    for (assignment, grade_id, description), named in found.items():
        group = module._named_together(module.MODULE_OF[assignment], grade_id, description)
        if named == {description}:
            exact += 1
        elif description in named and named <= group:
            together += 1
        elif description in named:
            others += 1
        elif not named:
            none += 1
        else:
            wrong += 1
    total = len(found)

    def share(count: int) -> str:
        return f"{count} ({count / total:.1%})"

    return (f"diagnosis, over {total} catalogued mistakes: named alone {share(exact)}; named "
            f"with the mistakes that compute the same numbers {share(together)}; named with "
            f"others {share(others)}; not named {share(none)}; wrongly named {share(wrong)}")


def pytest_sessionfinish(session):
    """A test process of an xdist run hands its lines to the process that reports."""
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["summary"] = [line for line in [_diagnosis_line()] if line]


@pytest.hookimpl(optionalhook=True)   # an xdist hook
def pytest_testnodedown(node, error):
    node.config.stash.setdefault(SUMMARY_KEY, []).extend(
        getattr(node, "workeroutput", {}).get("summary", []))


SUMMARY_KEY = pytest.StashKey[list]()


def pytest_terminal_summary(terminalreporter, config):
    lines = config.stash.get(SUMMARY_KEY, []) + [line for line in [_diagnosis_line()] if line]
    for line in lines:
        terminalreporter.write_line(line)
