"""Parity tests: tag each measured error with its test, and print the worst ones."""

import pytest

from tests.parity import common


@pytest.fixture(autouse=True)
def _name_the_measurements(request):
    common.current_test = request.node.name
    yield
    common.current_test = ""


def pytest_terminal_summary(terminalreporter):
    """A table of the worst relative error per test and quantity, when any ran."""
    if not common.MEASURED:
        return
    terminalreporter.section("parity: worst relative errors")
    for (test, what), error in sorted(common.MEASURED.items()):
        terminalreporter.write_line(f"{error:9.2e}  {test}  {what}")
