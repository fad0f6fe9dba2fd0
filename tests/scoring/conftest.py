from __future__ import annotations

import pytest

from scoring.scorer import Scorer
from scoring.supervisor import Supervisor
from scoring.testing import tiny_scorer, tiny_supervisor


@pytest.fixture(scope="session")
def tiny() -> Supervisor:
    return tiny_supervisor()


@pytest.fixture(scope="session")
def trained_scorer() -> Scorer:
    return tiny_scorer()
