"""Fixtures shared by the procedure and simulator tests: one E2 codec (RAN functions 2 = KPM, 3 = RC)."""

from __future__ import annotations

import pytest

from harness.codec.e2 import E2Codec
from harness.interfaces.e2.view import E2Messages


@pytest.fixture(scope="session")
def codec() -> E2Codec:
    c = E2Codec()
    c.set_ran_function(2, "e2sm-kpm")
    c.set_ran_function(3, "e2sm-rc")
    return c


@pytest.fixture(scope="session")
def messages(codec) -> E2Messages:
    return E2Messages(codec.e2ap)
