"""Fixtures of the hostile-input tests: one test per case of the catalogue."""

from __future__ import annotations

import pytest
from hostile_catalogue import CASES, Case


@pytest.fixture(params=list(CASES), ids=[c.name for c in CASES])
def case(request: pytest.FixtureRequest) -> Case:
    reason = request.param.needs()
    if reason:
        pytest.skip(reason)
    return request.param
