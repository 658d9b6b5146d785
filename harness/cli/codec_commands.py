"""``oran-harness decode`` and ``encode``: APER <-> the documented JSON mapping."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness.cli import capture_commands
from harness.codec import catalog
from harness.codec.e2 import E2Codec, E2Versions
from harness.codec.jsonmap import from_json, to_json
from harness.core.errors import UserError

_DEFAULT_TYPE = {"e2ap": "E2AP-PDU"}


class InputError(UserError):
    """Bad command-line input (hex, file, JSON)."""


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--proto", choices=catalog.PROTOCOLS, default=None,
                   help="protocol of the bytes (default e2ap)")
    p.add_argument("--version", help="version of --proto (default: the newest built in)")
    p.add_argument("--type", dest="type_name", help="ASN.1 type (needed for E2SM payloads)")
    p.add_argument("--e2sm-version", action="append", default=[], metavar="PROTO=VERSION",
                   help="E2SM version for payloads inside E2AP, e.g. e2sm-kpm=v02.03")
    p.add_argument("--asn1-dir", action="append", default=[], metavar="PROTO=DIR",
                   help="compile this folder of official ASN.1 files for PROTO instead of the built-in")


def register(sub) -> None:
    d = sub.add_parser("decode", help="decode APER bytes to JSON")
    src = d.add_mutually_exclusive_group(required=True)
    src.add_argument("--hex", help="the bytes as hex")
    src.add_argument("--file", type=Path, help="a file of raw APER bytes")
    _add_common(d)
    d.add_argument("--shallow", action="store_true", help="keep E2SM payloads inside E2AP as hex")
    d.add_argument("--ran-function", action="append", default=[], metavar="ID=E2SM",
                   help="RAN function ID -> E2SM (OID, short name or e2sm-kpm/e2sm-rc)")
    d.set_defaults(handler=run_decode)
    capture_commands.register_capture_args(d, src)   # `decode CAPTURE`: a pcap/pcapng file
    e = sub.add_parser("encode", help="encode JSON (as printed by decode) from stdin to hex")
    _add_common(e)
    e.set_defaults(handler=run_encode)


def _pairs(items: list[str], what: str) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, val = item.partition("=")
        if not sep or not key or not val:
            raise InputError(f"{what} takes KEY=VALUE, got {item!r}")
        out[key.strip()] = val.strip()
    return out


def _codec(args, protocol: str, version: str | None) -> E2Codec:
    versions = E2Versions()
    e2sm_versions = _pairs(args.e2sm_version, "--e2sm-version")
    for proto, ver in e2sm_versions.items():
        if proto not in versions.e2sm:
            raise InputError(f"--e2sm-version: unknown protocol {proto!r}")
        versions.e2sm[proto] = ver
    if version:
        versions.set(protocol, version)
    folders = _pairs(args.asn1_dir, "--asn1-dir")
    for proto in folders:
        if proto not in catalog.PROTOCOLS:
            raise InputError(f"--asn1-dir: unknown protocol {proto!r}")
    versions.folders = folders
    return E2Codec(versions)


def _type_for(protocol: str, type_name: str | None) -> str:
    if type_name:
        return type_name
    if protocol in _DEFAULT_TYPE:
        return _DEFAULT_TYPE[protocol]
    raise InputError(f"--type is needed for {protocol} (for example E2SM-KPM-IndicationHeader)")


def _read_bytes(args) -> bytes:
    if args.hex is not None:
        text = "".join(args.hex.split()).removeprefix("0x")
        try:
            return bytes.fromhex(text)
        except ValueError:
            raise InputError("--hex: not a hex string") from None
    try:
        return args.file.read_bytes()
    except OSError as err:
        raise InputError(f"{args.file}: {err.strerror}") from None


def run_decode(args) -> int:
    protocol = args.proto or "e2ap"
    type_name = _type_for(protocol, args.type_name)
    codec = _codec(args, protocol, args.version)
    for rf, name in _pairs(args.ran_function, "--ran-function").items():
        try:
            codec.set_ran_function(int(rf), name)
        except ValueError as err:
            raise InputError(f"--ran-function {rf}={name}: {err}") from None
    data = _read_bytes(args)
    notes: list = []
    value = codec.decode(data, type_name, protocol=protocol, notes=notes, e2sm=not args.shallow,
                         strict=True)
    doc = {
        "protocol": protocol,
        "version": codec.version_of(protocol),
        "type": type_name,
        "value": to_json(codec.type_lookup(protocol), type_name, value),
    }
    if codec.embeds_e2sm(protocol):
        doc["e2sm_versions"] = dict(codec.versions.e2sm)
    for note in notes:
        print(f"note: {note.path}: {note.text}", file=sys.stderr)
    json.dump(doc, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


def run_encode(args) -> int:
    text = sys.stdin.read()
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"stdin: line {err.lineno} column {err.colno}: {err.msg}") from None
    if not isinstance(doc, dict) or "value" not in doc:
        raise InputError('stdin: expected {"protocol": ..., "type": ..., "value": ...} as printed by decode')
    protocol = args.proto or doc.get("protocol") or "e2ap"
    if protocol not in catalog.PROTOCOLS:
        raise InputError(f"stdin: unknown protocol {protocol!r}")
    for proto, ver in (doc.get("e2sm_versions") or {}).items():
        if not any(x.startswith(proto + "=") for x in args.e2sm_version):
            args.e2sm_version.append(f"{proto}={ver}")
    codec = _codec(args, protocol, args.version or doc.get("version"))
    type_name = _type_for(protocol, args.type_name or doc.get("type"))
    value = from_json(codec.type_lookup(protocol), type_name, doc["value"])
    print(codec.encode(value, type_name, protocol=protocol).hex())
    return 0
