"""The harness pytest plugin.

For now it offers the E2 codec to tests, configured from the command line
(the versions a DUT profile will choose once profiles exist). Test-spec
collection arrives with the YAML specifications.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("oran-harness")
    group.addoption("--e2ap-version", default=None, help="E2AP version for the e2_codec fixture")
    group.addoption("--e2sm-version", action="append", default=[], metavar="PROTO=VERSION",
                    help="E2SM version for the e2_codec fixture, e.g. e2sm-kpm=v02.03")


@pytest.fixture(scope="session")
def e2_codec(request: pytest.FixtureRequest):
    """An `E2Codec` for the versions given on the command line (defaults: newest)."""
    from harness.codec.e2 import E2Codec, E2Versions

    versions = E2Versions()
    if request.config.getoption("--e2ap-version"):
        versions.e2ap = request.config.getoption("--e2ap-version")
    for item in request.config.getoption("--e2sm-version"):
        proto, _, ver = item.partition("=")
        versions.e2sm[proto] = ver
    return E2Codec(versions)
