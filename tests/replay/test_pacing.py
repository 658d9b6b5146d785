"""The replay pacer: releases at captured offsets, lateness recorded."""

from __future__ import annotations

import pytest

from harness.capture.pacing import Pacer, report


def test_releases_keep_their_spacing_and_are_never_early():
    pacer = Pacer(speed=2.0)
    for i in range(50):
        late = pacer.wait(i * 0.002)              # 2 ms captured gaps at double speed: 1 ms apart
        assert late >= 0
    r = report(pacer.errors)
    assert r.count == 50
    assert r.median_us < 2000                      # generous: CI hosts are shared


def test_a_bad_speed_is_refused():
    with pytest.raises(ValueError):
        Pacer(speed=0)


def test_report_of_nothing():
    assert report([]).line() == "0 sends: timing error median 0.0 µs, p99 0.0 µs, max 0.0 µs, drift 0.0 µs"
