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

    return publish(tmp_path_factory.mktemp("edition") / "neural-networks",
                   EDITION_REPOSITORY, EDITION_REF, from_working_tree=True).out


SPANISH_REPOSITORY = "nn-course-test/redes-neuronales"


@pytest.fixture(scope="session")
def edition_es(tmp_path_factory) -> Path:
    """The Spanish student edition of this checkout (``--language es``), once per run."""
    from grader.publish import publish

    return publish(tmp_path_factory.mktemp("edition-es") / "redes-neuronales",
                   SPANISH_REPOSITORY, EDITION_REF, from_working_tree=True, language="es").out


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
# One localhost cluster per test run (a scheduler and two workers, separate processes as
# separate machines would be), shared by every test that grades a class.
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


def pytest_terminal_summary(terminalreporter):
    """The share of catalogued mistakes the diagnosis names (tests/test_mistakes.py)."""
    module = sys.modules.get("tests.test_mistakes")
    found = getattr(module, "DIAGNOSED", None)
    if not found:
        return
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

    terminalreporter.write_line(
        f"diagnosis, over {total} catalogued mistakes: named alone {share(exact)}; named with "
        f"the mistakes that compute the same numbers {share(together)}; named with others "
        f"{share(others)}; not named {share(none)}; wrongly named {share(wrong)}")
