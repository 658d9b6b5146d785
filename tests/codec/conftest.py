"""Shared codec fixtures: codecs are expensive-ish to build, so one per session."""

from __future__ import annotations

import pytest

from harness.codec.e2 import E2Codec, E2Versions


@pytest.fixture(scope="session")
def codec() -> E2Codec:
    return E2Codec()


@pytest.fixture(scope="session")
def codec_kpm_v2() -> E2Codec:
    return E2Codec(E2Versions(e2sm={"e2sm-kpm": "v02.03", "e2sm-rc": "v01.03"}))


@pytest.fixture()
def fresh_codec() -> E2Codec:
    """A codec with an empty RAN function table (learning mutates it)."""
    return E2Codec()
