"""Shared test settings: a reproducible hypothesis profile and the oracle switch.

Oracle tests compare with PyTorch and Keras. Where those are not installed they skip, so
a light install stays light; with TINYGRAD_RNN_REQUIRE_ORACLES=1 (set by .ci/run) a
missing oracle fails the test instead, so CI cannot pass by skipping them.
"""

import importlib
import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default",
    derandomize=True,
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

REQUIRE_ORACLES = os.environ.get("TINYGRAD_RNN_REQUIRE_ORACLES") == "1"


def require_oracle(name):
    """Import and return oracle module ``name`` ('torch' or 'keras'), or skip.

    Under TINYGRAD_RNN_REQUIRE_ORACLES=1 a missing oracle is a failure, not a skip.
    """
    if name == "keras":
        os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        return importlib.import_module(name)
    except ImportError as error:
        message = (
            f"oracle {name!r} is not installed ({error}); pip install -e .[oracle]"
        )
        if REQUIRE_ORACLES:
            pytest.fail(message)
        pytest.skip(message)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under TINYGRAD_RNN_REQUIRE_ORACLES=1, report every skipped test as failed."""
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ORACLES and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which must run every test: {report.longrepr}"
