from __future__ import annotations

import pytest

from scoring.probe.scorer import Scorer
from scoring.probe.supervisor import Supervisor
from scoring.probe.testing import tiny_scorer, tiny_supervisor


@pytest.fixture(scope="session")
def tiny() -> Supervisor:
    return tiny_supervisor()


@pytest.fixture(scope="session")
def trained_scorer() -> Scorer:
    return tiny_scorer()
