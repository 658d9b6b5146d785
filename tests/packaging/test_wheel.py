"""The harness as a library: the wheel carries its data and runs a bundled suite outside the checkout.

One build, one fresh virtual environment in a temporary folder, one suite run from a
temporary working directory: if any module still reached into the checkout (../fixtures,
../specs), the run there would fail or its results would name checkout paths.

The fresh environment gets the wheel itself (no dependencies); the dependencies are
found through a .pth line naming this environment's site-packages, which adds them to
sys.path without running this environment's editable-install hook, so `import harness`
can only find the installed wheel. Offline, and about a minute on two cores.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "harness", "specs", "testcases", "fixtures/profiles", "fixtures/yang")
E2_NODE_PASS = 22             # the bundled suite against the built-in E2 node: fixtures/baselines, README


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    """The wheel built from a copy of the sources, and a fresh venv with it installed."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    for name in SOURCES:          # a copy: the build writes build/ and *.egg-info next to its sources
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, src / name, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, src / name)
    dist = tmp / "dist"
    _check([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index",
            "-w", str(dist), str(src)], "building the wheel")
    wheel = next(dist.glob("oran_harness-*.whl"))
    venv = tmp / "venv"
    _check([sys.executable, "-m", "venv", "--without-pip", str(venv)], "creating the venv")
    python = venv / "bin" / "python"
    _check([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index",
            str(wheel)], "installing the wheel")
    site = Path(_check([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                       "locating the venv's site-packages").strip())
    (site / "zz_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    work = tmp / "work"
    work.mkdir()
    return {"wheel": wheel, "venv": venv, "python": python, "work": work}


def _check(cmd: list[str], what: str, cwd: Path | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env, timeout=600)
    assert out.returncode == 0, f"{what} failed ({out.returncode}):\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out.stdout


def test_the_wheel_carries_every_runtime_data_file(installed):
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    wanted = ["harness/bundled/specs/pics/pics.yaml",
              "harness/bundled/specs/templates/e2ap-v03.01.yaml",
              "harness/bundled/specs/templates/groups.yaml",
              "harness/bundled/specs/templates/a1p.yaml",
              "harness/bundled/specs/a1/policy-types/ORAN_QoSTarget_2.0.0.json",
              "harness/bundled/testcases/e2ts/e2-node/e2-setup.yaml",
              "harness/bundled/testcases/a1ts/near-rt-ric/policies.yaml",
              "harness/bundled/testcases/wg4-conf/mplane/handshake.yaml",
              "harness/bundled/profiles/dut-sim-e2-node.yaml",
              "harness/bundled/profiles/lab-sim.yaml",
              "harness/bundled/profiles/lab-fronthaul.yaml",
              "harness/report/templates/report.html.j2",
              "harness/codec/asn1/e2ap/v03.01/E2AP-PDU-Contents.asn"]
    assert [n for n in wanted if n not in names] == []
    for folder in ("specs", "testcases"):        # every file of the checkout's folder, none left behind
        expected = {f"harness/bundled/{folder}/{p.relative_to(ROOT / folder)}"
                    for p in (ROOT / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts}
        assert expected - names == set(), folder
    asn1 = {p.relative_to(ROOT).as_posix() for p in (ROOT / "harness/codec/asn1").rglob("*.asn*")}
    assert asn1 and asn1 - names == set()


def test_the_installed_harness_is_the_wheel_not_the_checkout(installed):
    where = _check([str(installed["python"]), "-c", "import harness, harness.bundled as b; "
                    "print(harness.__file__); print(b.testcases_dir()); print(b.pics_file())"],
                   "importing harness", cwd=installed["work"]).split()
    for path in where:
        assert Path(path).is_relative_to(installed["venv"]), path


def test_a_bundled_suite_runs_from_the_installed_wheel(installed):
    """`oran-harness run` with its defaults: the bundled test cases against the bundled E2 node simulator."""
    results = installed["work"] / "results"
    exe = installed["venv"] / "bin" / "oran-harness"
    _check([str(exe), "validate"], "oran-harness validate (the bundled test cases)", cwd=installed["work"])
    _check([str(exe), "run", "--results", str(results)], "oran-harness run", cwd=installed["work"])
    rows = [json.loads(line) for line in (results / "results.jsonl").read_text().splitlines() if line.strip()]
    verdicts = [row["verdict"] for row in rows]
    assert verdicts.count("PASS") == E2_NODE_PASS
    assert set(verdicts) == {"PASS", "NOT-APPLICABLE"}
    assert all(Path(row["spec"].rsplit(":", 1)[0]).is_relative_to(installed["venv"]) for row in rows)
