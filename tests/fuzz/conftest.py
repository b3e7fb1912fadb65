"""Hypothesis profiles of the fuzz tests.

* ``fuzz-moderate`` (default): a few dozen examples per property, so that the
  normal test run stays fast;
* ``fuzz``: thousands of examples, for a long run::

      HYPOTHESIS_PROFILE=fuzz .venv/bin/python -m pytest tests/fuzz

Setting ``HYPOTHESIS_PROFILE`` also loads that profile for the whole session.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_RELAXED = [
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.filter_too_much,
    HealthCheck.function_scoped_fixture,
    HealthCheck.large_base_example,
]

settings.register_profile("fuzz-moderate", max_examples=40, deadline=None, suppress_health_check=_RELAXED)
settings.register_profile("fuzz", max_examples=3000, deadline=None, suppress_health_check=_RELAXED)

if os.environ.get("HYPOTHESIS_PROFILE") in ("fuzz", "fuzz-moderate"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])
