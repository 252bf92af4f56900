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
