"""Shared fixtures for the fronthaul CU-plane tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.interfaces.cuplane.profile import load_fronthaul_profile

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / "fixtures/profiles/lab-fronthaul.yaml"
CAPTURES = ROOT / "fixtures/fronthaul"


@pytest.fixture(scope="session")
def profile():
    return load_fronthaul_profile(LAB)
