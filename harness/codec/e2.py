"""The E2 codec: E2AP with its E2SM payloads, for chosen versions.

Theory of operation: an `Asn1Codec` per module set (E2AP, each E2SM). The E2AP
codec is given this module's `_E2smHoles` as its hole handler, so every OCTET
STRING of a carrier type (RICindicationHeader, RANfunctionDefinition, ...) is
decoded by the E2SM that the RAN function names. The RAN function table is
learned from E2 Setup / RIC Service Update (`learn`), or given by a profile;
a RAN function item names its own OID. When nothing says which E2SM a payload
is in, every known E2SM is tried and the choice is reported as a note.

On a decode failure the other known versions of the same protocol are tried;
if one decodes the bytes cleanly the error says so, because a version mismatch
between DUT and profile is the commonest cause of an opaque decode error.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from harness.codec import catalog, dialects
from harness.codec.codec import Asn1Codec, Note
from harness.codec.compiler import compile_files
from harness.codec.e2sm import CARRIER_TYPES, FAMILIES, family_of_type, resolve_family
from harness.codec.errors import DecodeError, EncodeError, render_path

# What changed between versions, in a few words, for the mismatch diagnosis.
VERSION_REMARKS = {
    ("e2sm-kpm", "v02.03"): "4-octet timestamp",
    ("e2sm-kpm", "v03.00"): "8-octet timestamp",
    ("e2ap", "v02.03"): "no RIC Subscription Modification or RIC Query",
    ("e2ap", "v03.01"): "",
}

_LOADED: dict = {}


def load_module_set(module_set: catalog.ModuleSet, cache_dir: Path | None = None,
                    holes=None, hole_types: frozenset = frozenset(), fast: bool = True) -> Asn1Codec:
    """Compile (or load from cache) one module set and wrap it in a codec."""
    key = (module_set.files, cache_dir)
    compiled = _LOADED.get(key)
    if compiled is None:
        compiled = _LOADED[key] = compile_files(list(module_set.files), cache_dir)
    return Asn1Codec(compiled, holes, hole_types, label=module_set.label, fast=fast)


@dataclass
class E2Versions:
    """Which version of each protocol to speak; a DUT profile fills this in."""

    e2ap: str = catalog.DEFAULT_VERSIONS["e2ap"]
    e2sm: dict = field(default_factory=lambda: {p: v for p, v in catalog.DEFAULT_VERSIONS.items()
                                                if p != "e2ap"})
    folders: dict = field(default_factory=dict)   # protocol -> drop-in ASN.1 folder

    def set(self, protocol: str, version: str) -> None:
        """Speak ``version`` of ``protocol`` (E2AP or one E2SM)."""
        if protocol == "e2ap":
            self.e2ap = version
        else:
            self.e2sm[protocol] = version


class E2Codec:
    """Encode and decode E2AP PDUs, E2SM payloads included."""

    def __init__(self, versions: E2Versions | None = None, cache_dir: Path | None = None,
                 fast: bool = True) -> None:
        """Args:
            fast: use the fast PER decoder (harness.codec.fastper); False decodes
                with asn1tools only, for differential tests.
        """
        self.versions = versions or E2Versions()
        self.cache_dir = cache_dir
        self.fast = fast
        self.ran_functions: dict[int, str] = {}     # RAN function ID -> protocol
        self._holes = _E2smHoles(self)
        self.e2ap = load_module_set(self._module_set("e2ap", self.versions.e2ap), cache_dir,
                                    self._holes, CARRIER_TYPES, fast)
        self._e2sm: dict[str, Asn1Codec] = {}
        self._others: dict[tuple, Asn1Codec] = {}     # other versions, for `diagnose`

    # ---------------------------------------------------------- module sets
    def _module_set(self, protocol: str, version: str) -> catalog.ModuleSet:
        folder = self.versions.folders.get(protocol)
        if folder is not None:
            return catalog.from_folder(Path(folder), protocol, version)
        return catalog.builtin(protocol, version)

    def e2sm(self, protocol: str) -> Asn1Codec:
        codec = self._e2sm.get(protocol)
        if codec is None:
            version = self.versions.e2sm[protocol]
            codec = self._e2sm[protocol] = load_module_set(self._module_set(protocol, version), self.cache_dir,
                                                           fast=self.fast)
        return codec

    def codec_for(self, protocol: str) -> Asn1Codec:
        return self.e2ap if protocol == "e2ap" else self.e2sm(protocol)

    def type_lookup(self, protocol: str):
        """type name -> the codec defining it, for JSON mapping a value of ``protocol``.

        An E2AP value holds E2SM payloads, so its types are looked up by name;
        an E2SM value's types are all that E2SM's.
        """
        if protocol == "e2ap":
            return self.codec_for_type
        return lambda _type_name: self.codec_for(protocol)

    def embeds_e2sm(self, protocol: str) -> bool:
        """Whether values of ``protocol`` carry E2SM payloads (then their E2SM versions matter)."""
        return protocol == "e2ap"

    def codec_for_type(self, type_name: str) -> Asn1Codec:
        """The codec that defines ``type_name`` (E2SM types by their prefix)."""
        fam = family_of_type(type_name)
        return self.e2sm(fam.protocol) if fam is not None else self.e2ap

    def version_of(self, protocol: str) -> str:
        return self.versions.e2ap if protocol == "e2ap" else self.versions.e2sm[protocol]

    # ---------------------------------------------------------- RAN functions
    def set_ran_function(self, ran_function_id: int, oid_or_name: str) -> None:
        """Declare which E2SM a RAN function speaks (by OID, short name or key)."""
        found = resolve_family(oid_or_name)
        if found is None:
            raise ValueError(f"unknown E2SM '{oid_or_name}'; known: "
                             + ", ".join(f.short_name for f in FAMILIES.values()))
        self.ran_functions[ran_function_id] = found[0]

    def learn(self, pdu: Any) -> None:
        """Learn RAN function IDs -> E2SM from a decoded E2 Setup / Service Update."""
        def visit(v: Any) -> None:
            if isinstance(v, dict):
                if "ranFunctionID" in v and "ranFunctionOID" in v:
                    found = resolve_family(str(v["ranFunctionOID"]))
                    if found:
                        self.ran_functions[v["ranFunctionID"]] = found[0]
                for x in v.values():
                    visit(x)
            elif isinstance(v, (list, tuple)):
                for x in v:
                    visit(x)
        visit(pdu)

    # ---------------------------------------------------------- encode / decode
    def decode(self, data: bytes, type_name: str = "E2AP-PDU", *, protocol: str = "e2ap",
               notes: list | None = None, deep: bool = True, e2sm: bool = True,
               strict: bool = False) -> Any:
        """Decode bytes; E2SM payloads inside E2AP too unless ``e2sm`` is False.

        Args:
            strict: raise on an E2SM payload that fails to decode instead of
                keeping its bytes with a note.

        Raises:
            DecodeError: with IE path, bit offset and, when another known
                version decodes the bytes, a hint naming it.
        """
        codec = self.codec_for(protocol)
        notes = notes if notes is not None else []
        context = {"e2sm": e2sm, "strict": strict}
        start = len(notes)
        try:
            value = codec.decode(type_name, data, notes=notes, context=context, deep=deep)
        except DecodeError as err:
            inside_e2sm = any(part.startswith("<E2SM-") for part in err.path)
            if err.hint or inside_e2sm:
                raise
            hint = self.diagnose(protocol, type_name, data)
            raise (err.with_hint(hint) if hint else err) from None
        self.explain_unknown(protocol, type_name, data, notes, start)
        return value

    def encode(self, value: Any, type_name: str = "E2AP-PDU", *, protocol: str = "e2ap") -> bytes:
        """Encode a value in the decode form (open types and E2SM as (TypeName, value))."""
        return self.codec_for(protocol).encode(type_name, value)

    def explain_unknown(self, protocol: str, type_name: str, data: bytes, notes: list, start: int) -> None:
        """Add the asn1c reading to unknown-ENUMERATED notes ``notes[start:]`` of this protocol's level.

        Why: asn1c's shorter extension index inside an open type decodes here as an unknown
        extension value rather than failing, so `diagnose` never runs; the note is the finding.
        E2SM payloads inside E2AP are explained by the hole handler, at their own level.
        """
        mine = [i for i in range(start, len(notes)) if notes[i].kind == "unknown-value"
                and (protocol != "e2ap" or "<E2SM-" not in notes[i].path)]
        if not mine or protocol in self.versions.folders:
            return
        if dialects.enum_width_explains(protocol, self.version_of(protocol), type_name, data,
                                        cache_dir=self.cache_dir):
            for i in mine:
                notes[i] = replace(notes[i], text=f"{notes[i].text}; {dialects.ENUM_WIDTH_TEXT}")

    def diagnose(self, protocol: str, type_name: str, data: bytes) -> str | None:
        """Name another known version or dialect of ``protocol`` that decodes ``data`` cleanly.

        Runs only on a decode failure; the text explains the failure, never excuses it.
        """
        configured = self.version_of(protocol)
        if protocol in self.versions.folders:
            return None
        for version in catalog.versions(protocol):
            if version == configured:
                continue
            other = self._others.get((protocol, version))
            if other is None:       # kept: a codec builds its fast decoders once, not per diagnosis
                other = self._others[(protocol, version)] = load_module_set(catalog.builtin(protocol, version),
                                                                            self.cache_dir)
            if not other.has_type(type_name):
                continue
            try:
                other.decode(type_name, data)
            except DecodeError:
                continue
            remark = VERSION_REMARKS.get((protocol, version), "")
            said = f" ({remark})" if remark else ""
            name = protocol.upper()
            return (f"decodes as {name} {version}{said}; the DUT profile says {configured}")
        # No other version: the known dialects (harness.codec.dialects). For E2SM the text says
        # so even when none fits; for E2AP only a fit is worth a word.
        others = tuple(f"{protocol.upper()} {v}" for v in catalog.versions(protocol) if v != configured)
        found = dialects.diagnose(protocol, configured, type_name, data, cache_dir=self.cache_dir,
                                  tried_before=others)
        if found.fits or protocol != "e2ap":
            return found.text(f"{protocol.upper()} {configured}")
        return None


class _E2smHoles:
    """Hole handler: decode/encode E2SM payloads inside E2AP."""

    def __init__(self, owner: E2Codec) -> None:
        self.owner = owner

    def _protocol_for(self, siblings: dict | None, context: dict) -> tuple[str | None, str]:
        if siblings and "ranFunctionOID" in siblings:
            found = resolve_family(str(siblings["ranFunctionOID"]))
            return (found[0] if found else None), f"RAN function OID {siblings['ranFunctionOID']}"
        rf = context.get("ran_function_id")
        if rf is None:
            return None, "the message names no RAN function"
        if rf in self.owner.ran_functions:
            return self.owner.ran_functions[rf], f"RAN function {rf}"
        return None, f"RAN function {rf} is not known (no E2 Setup seen for it)"

    def observe(self, type_name: str, value: Any, context: dict) -> None:
        if type_name == "RANfunctionID":
            context["ran_function_id"] = value

    def decode(self, carrier: str, data: bytes, path: tuple, bit_offset: int, context: dict,
               notes: list, siblings: dict | None = None) -> Any:
        if not context.get("e2sm", True):
            return data
        protocol, why = self._protocol_for(siblings, context)
        if protocol is None:
            return self._trial(carrier, data, render_path(path), notes, why)
        fam = FAMILIES[protocol]
        type_name = fam.roles.get(carrier)
        if type_name is None:
            notes.append(Note("e2sm", render_path(path), f"{fam.short_name} defines no payload for {carrier}; "
                                             f"{len(data)} octet(s) kept undecoded"))
            return data
        codec = self.owner.e2sm(protocol)
        start = len(notes)
        try:
            value = codec.decode(type_name, data, notes=notes, _path=path + (f"<{type_name}>",),
                                 _base=bit_offset)
        except DecodeError as err:
            hint = self.owner.diagnose(protocol, type_name, data)
            err = err.with_hint(hint) if hint else err
            if context.get("strict"):
                raise err from None
            notes.append(Note("e2sm-error", render_path(path), f"{why} says {fam.short_name} "
                              f"{self.owner.version_of(protocol)}, but: {err}"))
            return data
        self.owner.explain_unknown(protocol, type_name, data, notes, start)
        return (type_name, value)

    def _trial(self, carrier: str, data: bytes, where: str, notes: list, why: str) -> Any:
        fits = []
        for protocol, fam in FAMILIES.items():
            type_name = fam.roles.get(carrier)
            if type_name is None:
                continue
            try:
                value = self.owner.e2sm(protocol).decode(type_name, data)
            except DecodeError:
                continue
            fits.append((protocol, type_name, value))
        if len(fits) == 1:
            protocol, type_name, value = fits[0]
            notes.append(Note("e2sm", where, f"{why}: chose {FAMILIES[protocol].short_name} because "
                                             "it is the only E2SM that decodes this payload"))
            return (type_name, value)
        names = ", ".join(FAMILIES[p].short_name for p, _, _ in fits) or "none"
        notes.append(Note("e2sm", where, f"{why}; E2SM that decode this payload: {names}; "
                                         f"{len(data)} octet(s) kept undecoded"))
        return data

    def encode(self, carrier: str, value: Any, path: tuple, context: dict) -> bytes:
        if not (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str)):
            raise EncodeError(f"{carrier} needs bytes or (E2SM type name, value)", path)
        fam = family_of_type(value[0])
        if fam is None:
            raise EncodeError(f"'{value[0]}' is not a type of a known E2SM", path)
        return self.owner.e2sm(fam.protocol).encode(value[0], value[1], _path=path + (f"<{value[0]}>",))
