"""The fuzz targets: each parser that takes outside input, its seeds and its documented errors.

A target turns one case (a label and the input bytes) into a parse through
the parser's public API. The property every target shares: the parse ends
(within a deadline) either normally or with one of the target's documented
error types; anything else is a bug, reported as a `Crash`. The label says
how to read the bytes (the ASN.1 type for E2SM payloads, the seed file's
kind for profiles); it travels with the case into the regression corpus.
"""

from __future__ import annotations

import functools
import json
import os
import random
import shutil
import struct
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import harness.interfaces  # noqa: F401  (registers the protocols the spec loader reads)
from harness import bundled
from harness.capture.model import CaptureError
from harness.capture.reader import ReaderStats, read_messages
from harness.capture.sctp import SctpTracker
from harness.codec.e2 import E2Codec, E2Versions
from harness.codec.errors import CodecError, DecodeError
from harness.core.errors import LabError
from harness.profiles.loader import load_dut, load_lab
from harness.spec.errors import ProfileError, SpecError
from harness.spec.loader import load_specs

# The golden vectors, captures and regression corpus are the checkout's test data: fuzzing is a
# development tool and runs from a checkout; specs, test cases and profiles come from harness.bundled.
ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "fixtures" / "golden"
CORPUS = ROOT / "fixtures" / "fuzz"


@dataclass(frozen=True)
class Case:
    """One input: ``label`` says how the target reads ``data``."""

    label: str
    data: bytes


@dataclass(frozen=True)
class Target:
    name: str
    description: str
    kind: str                                  # 'bytes' | 'text' (mutated as YAML lines)
    seeds: Callable[[], list[Case]]
    parse: Callable[[Case], object]
    documented: tuple                          # exception types that are a clean rejection


class Crash(LabError):
    """A parser raised something other than its documented errors (or broke a differential check)."""


# ------------------------------------------------------------------ codecs
def _vectors(folder: str) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((GOLDEN / folder).glob("*.json"))]


@functools.cache
def _e2_codec(e2ap: str, fast: bool = True):
    codec = E2Codec(E2Versions(e2ap=e2ap, e2sm={"e2sm-kpm": "v03.00", "e2sm-rc": "v01.03"}), fast=fast)
    codec.set_ran_function(2, "e2sm-kpm")
    codec.set_ran_function(3, "e2sm-rc")
    return codec


@functools.cache
def _e2sm_codec(protocol: str, version: str, fast: bool = True):
    e2sm = {"e2sm-kpm": "v03.00", "e2sm-rc": "v01.03", protocol: version}
    return E2Codec(E2Versions(e2sm=e2sm), fast=fast)


# The codec a differential case of an ASN.1 module is decoded with (default: an E2SM's, with its version).
_FASTPER_CODECS = {"e2ap": _e2_codec}


def _e2ap_target(version: str) -> Target:
    def seeds() -> list[Case]:
        return [Case("E2AP-PDU", bytes.fromhex(v["hex"])) for v in _vectors(f"e2ap-{version}")]

    def parse(case: Case):
        return _e2_codec(version).decode(case.data, "E2AP-PDU")
    return Target(f"e2ap-{version}", f"APER decode of E2AP {version} PDUs, E2SM payloads included", "bytes",
                  seeds, parse, (CodecError,))


def _e2sm_target(protocol: str, version: str) -> Target:
    def seeds() -> list[Case]:
        return [Case(v["type"], bytes.fromhex(v["hex"])) for v in _vectors(f"{protocol}-{version}")]

    def parse(case: Case):
        return _e2sm_codec(protocol, version).decode(case.data, case.label, protocol=protocol)
    return Target(f"{protocol}-{version}", f"APER decode of {protocol.upper()} {version} payloads", "bytes",
                  seeds, parse, (CodecError,))


def _fastper_seeds() -> list[Case]:
    out = []
    for folder in sorted(p.name for p in GOLDEN.iterdir() if p.is_dir()):
        protocol, version = folder.rsplit("-", 1)
        for v in _vectors(folder):
            out.append(Case(f"{protocol}/{version}/{v['type']}", bytes.fromhex(v["hex"])))
    return out


def _outcome(codec, data: bytes, type_name: str, protocol: str):
    try:
        return ("value", codec.decode(data, type_name, protocol=protocol, deep=False))
    except DecodeError as err:
        return ("error", str(err))


def _fastper_parse(case: Case):
    """Differential: the fast decoder and asn1tools agree (same value, or both the same error)."""
    protocol, version, type_name = case.label.split("/")
    codec_of = _FASTPER_CODECS.get(protocol, functools.partial(_e2sm_codec, protocol))
    fast, slow = codec_of(version, True), codec_of(version, False)
    a = _outcome(fast, case.data, type_name, protocol)
    b = _outcome(slow, case.data, type_name, protocol)
    if a != b:
        raise Crash(f"fast decoder and asn1tools disagree on {type_name} {case.data.hex()}: fast {a!r:.300}, "
                    f"asn1tools {b!r:.300}")
    return a


# ------------------------------------------------------------------ captures
@functools.cache
def _scratch() -> Path:
    return Path(tempfile.mkdtemp(prefix="oran-fuzz-"))


def _capture_seeds() -> list[Case]:
    return [Case(p.suffix[1:], p.read_bytes()) for p in sorted((ROOT / "fixtures" / "captures").glob("*.pcap*"))]


def _capture_parse(case: Case):
    path = _scratch() / f"case-{os.getpid()}.{case.label}"
    path.write_bytes(case.data)
    issues: list = []
    messages = list(read_messages(path, issues=issues, udp_ports=(9899, 9900), verify_checksums=True))
    for issue in issues:
        if not isinstance(issue.packet, int) or not issue.message or "\n" in issue.message:
            raise Crash(f"capture issue without a packet number or not one line: {issue!r:.300}")
    return messages


# SCTP reassembly: a case is a sequence of records [u8 flow][u8 dt][u16 length][SCTP packet].
_ADDRS = [(bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])), (bytes([10, 0, 0, 2]), bytes([10, 0, 0, 1])),
          (bytes([10, 0, 0, 3]), bytes([10, 0, 0, 2])), (bytes([10, 0, 0, 2]), bytes([10, 0, 0, 3]))]


def sctp_records(packets: list[tuple[int, int, bytes]]) -> bytes:
    """Pack (flow 0..3, time step, SCTP packet) records into one case."""
    return b"".join(struct.pack("!BBH", f, dt, len(p)) + p for f, dt, p in packets)


def _sctp_packet(rng: random.Random, sport: int, dport: int, vtag: int, tsn: int) -> tuple[bytes, int]:
    chunks = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        kind = rng.choice(("data", "data", "data", "idata", "init", "init-ack", "sack", "abort"))
        if kind in ("data", "idata"):
            payload = rng.randbytes(rng.choice((1, 3, 16, 200)))
            flags = rng.choice((3, 3, 2, 0, 0, 1))
            stream = rng.randrange(3)
            if kind == "data":
                body = struct.pack("!IHHI", tsn, stream, 0, 70) + payload
                chunks.append(struct.pack("!BBH", 0, flags, 4 + len(body)) + body)
            else:
                body = struct.pack("!IHHII", tsn, stream, 0, 1, 70) + payload
                chunks.append(struct.pack("!BBH", 64, flags, 4 + len(body)) + body)
            tsn = (tsn + rng.choice((1, 1, 1, 0, 2))) & 0xFFFFFFFF
        elif kind in ("init", "init-ack"):
            body = struct.pack("!IIHHI", rng.getrandbits(32), 65536, 16, 16, tsn)
            chunks.append(struct.pack("!BBH", 1 if kind == "init" else 2, 0, 4 + len(body)) + body)
            if kind == "init":
                vtag = 0
        elif kind == "sack":
            chunks.append(struct.pack("!BBHIIHH", 3, 0, 16, tsn, 65536, 0, 0))
        else:
            chunks.append(struct.pack("!BBH", 6, 0, 4))
        chunks[-1] += b"\0" * (-len(chunks[-1]) % 4)
    return struct.pack("!HHII", sport, dport, vtag, 0) + b"".join(chunks), tsn


def _sctp_seeds() -> list[Case]:
    out = []
    for seed in range(12):
        rng = random.Random(seed)
        tsns = [rng.getrandbits(32) for _ in _ADDRS]
        records = []
        for _ in range(rng.randint(3, 40)):
            flow = rng.randrange(len(_ADDRS))
            packet, tsns[flow] = _sctp_packet(rng, 36422 + flow % 2, 36421 + flow // 2, 7, tsns[flow])
            records.append((flow, rng.choice((0, 0, 1, 90)), packet))
        out.append(Case("records", sctp_records(records)))
    return out


def _sctp_parse(case: Case):
    out: list = []
    issues: list = []
    tracker = SctpTracker(out, issues, ReaderStats())
    data, pos, number, now = case.data, 0, 0, 1_700_000_000.0
    while pos + 4 <= len(data):
        flow, dt, n = struct.unpack_from("!BBH", data, pos)
        seg = data[pos + 4:pos + 4 + n]
        pos += 4 + n
        number += 1
        now += dt
        src, dst = _ADDRS[flow % len(_ADDRS)]
        tracker.packet(src, dst, seg, (number,), now, "sctp")
        if number % 16 == 0:
            tracker.expire(now)
    tracker.flush()
    total = sum(len(m.data) for m in out)
    if total > len(data):
        raise Crash(f"reassembly produced {total} octets of messages from {len(data)} octets of packets")
    return out


# ------------------------------------------------------------------ YAML
def _spec_seeds() -> list[Case]:
    return [Case(p.name, p.read_bytes()) for p in sorted((bundled.testcases_dir() / "e2ts").rglob("*.yaml"))]


@functools.cache
def _spec_folder() -> Path:
    folder = _scratch() / f"specs-{os.getpid()}"
    shutil.copytree(bundled.templates_dir(), folder / "templates")
    return folder


def _spec_parse(case: Case):
    folder = _spec_folder()
    (folder / "case.yaml").write_bytes(case.data)
    return load_specs([folder], codec=_e2_codec("v03.01"))


def _profile_seeds() -> list[Case]:
    return [Case(p.name, p.read_bytes()) for p in sorted(bundled.profile("lab-sim.yaml").parent.glob("*.yaml"))]


def _profile_parse(case: Case):
    path = _scratch() / f"profile-{os.getpid()}.yaml"
    path.write_bytes(case.data)
    return (load_dut if case.label.startswith("dut") else load_lab)(path)


def _source_errors() -> tuple:
    return SpecError, ProfileError


def _all() -> dict[str, Target]:
    spec_error, profile_error = _source_errors()
    targets = [
        _e2ap_target("v02.03"), _e2ap_target("v03.01"),
        _e2sm_target("e2sm-kpm", "v03.00"), _e2sm_target("e2sm-kpm", "v02.03"), _e2sm_target("e2sm-rc", "v01.03"),
        Target("fastper", "fast PER decoder against asn1tools, every golden type (differential)", "bytes",
               _fastper_seeds, _fastper_parse, ()),
        Target("capture", "pcap / pcapng reader: link layers, IP, SCTP, TCP", "bytes", _capture_seeds,
               _capture_parse, (CaptureError,)),
        Target("sctp", "SCTP chunk walking and DATA / I-DATA reassembly from random packet sequences", "bytes",
               _sctp_seeds, _sctp_parse, ()),
        Target("spec", "YAML spec loader (load_specs with the bundled templates)", "text", _spec_seeds,
               _spec_parse, (spec_error,)),
        Target("profiles", "DUT and lab profile loaders", "text", _profile_seeds, _profile_parse, (profile_error,)),
    ]
    return {t.name: t for t in targets}


TARGETS: dict[str, Target] = _all()


def warm_up(target: Target) -> None:
    """Parse every seed whole and cut in half, so that codecs compile (the version diagnosis
    compiles the other versions on the first rejection) before any case is timed."""
    for case in target.seeds():
        probe(target, case)
        probe(target, Case(case.label, case.data[:len(case.data) // 2]))


def probe(target: Target, case: Case):
    """Parse one case; returns the result or the documented error; raises `Crash` for anything else."""
    try:
        return target.parse(case)
    except target.documented as err:
        return err
    except Crash:
        raise
    except RecursionError:
        raise Crash(f"{target.name}: RecursionError on {case.label} ({len(case.data)} octets)") from None
    except Exception as err:
        raise Crash(f"{target.name}: {type(err).__name__}: {err!s:.300} on {case.label} "
                    f"({len(case.data)} octets)") from err
