"""Checks of spec values against the E2AP ASN.1: message and IE names, value paths, values.

Everything is read from the compiled ASN.1 (`codec.e2ap.compiled.types`, the
object sets through `harness.interfaces.e2.view.E2Messages`), so nothing here has to be
kept in step with the specification by hand. Problems come back as text
(`CheckError`); the loader adds the file:line.

Paths walk SEQUENCE/SET components, CHOICE alternatives and `[i]` list items.
Past an open type ({"type": ..., "value": ...}) or an E2SM payload the type
depends on the value, so the walk stops checking there (see docs/spec-format.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from harness.codec.e2 import E2Codec
from harness.codec.e2sm import CARRIER_TYPES
from harness.codec.errors import CodecError
from harness.codec.jsonmap import _Mapper, from_json
from harness.codec.plans import _members
from harness.interfaces.e2.view import E2Messages, IeSpec, MessageSpec
from harness.core.errors import UserError
from harness.spec.match import is_operator_set
from harness.spec.paths import render_path
from harness.spec.reader import did_you_mean
from harness.spec.vars import has_vars

_STRING_TYPES = {"OCTET STRING", "UTF8String", "PrintableString", "IA5String", "VisibleString",
                 "NumericString", "BMPString"}


def _size_ok(n: int, entry: Any) -> bool:
    if isinstance(entry, tuple):
        lo, hi = entry
        return (not isinstance(lo, int) or n >= lo) and (not isinstance(hi, int) or n <= hi)
    return not isinstance(entry, int) or n == entry


def _scalar_problem(desc: dict, value: Any) -> str | None:
    """A plain-language complaint about a scalar of the wrong kind (None if it fits so far)."""
    t = desc.get("type")
    if t == "INTEGER" and (isinstance(value, bool) or not isinstance(value, int)):
        return f"expected an integer, not {value!r}"
    if t == "BOOLEAN" and not isinstance(value, bool):
        return f"expected true or false, not {value!r}"
    if t == "ENUMERATED":
        names = [v[0] for v in desc.get("values", ()) if v]
        if value not in names:
            return f"{value!r} is not one of: {', '.join(names)}{did_you_mean(str(value), names)}"
    if t in _STRING_TYPES and not isinstance(value, str):
        return f"expected a {'hex ' if t == 'OCTET STRING' else ''}string for {t}, not {value!r}"
    return None


class CheckError(UserError, ValueError):
    """A name, path or value that does not fit the ASN.1 (the text says which and why)."""


class _Open:
    """Marker: past this point the type depends on the value (open type, E2SM payload)."""


OPEN = _Open()


class E2Checker:
    """Name, path and value checks for one E2AP version.

    Args:
        codec: the E2 codec whose E2AP version the specs are checked against.
    """

    def __init__(self, codec: E2Codec | None = None) -> None:
        self.codec = codec or E2Codec()
        self.messages = E2Messages(self.codec.e2ap)
        self.types = self.codec.e2ap.compiled.types
        self.slots = self.codec.e2ap.compiled.slots
        self._owner = {id(d): n for n, d in self.types.items()}

    @property
    def version(self) -> str:
        return self.codec.versions.e2ap

    # ---------------------------------------------------------------- names
    def message(self, name: str) -> MessageSpec:
        if name in self.messages.messages:
            return self.messages.messages[name]
        raise CheckError(f"unknown message '{name}'{did_you_mean(name, self.messages.messages)}")

    def ie(self, messages: Iterable[MessageSpec], name: str) -> IeSpec:
        """The IE ``name`` of the first of ``messages`` that has it."""
        messages = list(messages)
        for m in messages:
            for ie in m.ies:
                if ie.name == name:
                    return ie
        names = list(dict.fromkeys(ie.name for m in messages for ie in m.ies))
        which = " or ".join(m.name for m in messages)
        raise CheckError(f"{which} has no IE '{name}'{did_you_mean(name, names)}; it has: {', '.join(names)}")

    # ---------------------------------------------------------------- types
    def _resolve(self, desc: dict) -> tuple[dict | _Open, str | None]:
        """Follow named type references; (descriptor, owner type name) or OPEN."""
        owner = None
        for _ in range(64):
            t = desc.get("type")
            if t in CARRIER_TYPES:
                return OPEN, t
            if t in self.types:
                owner, desc = t, self.types[t]
                continue
            return desc, owner
        return desc, owner

    def walk(self, type_name: str, parts: tuple, prefix: tuple = ()) -> dict | _Open:
        """The type descriptor at ``parts`` inside ``type_name`` (OPEN past an open type).

        Raises:
            CheckError: a component, alternative or index that is not there.
        """
        desc, owner = self._resolve({"type": type_name})
        done = list(prefix)
        for part in parts:
            if isinstance(desc, _Open):
                return OPEN
            t = desc["type"]
            here = render_path(tuple(done))
            if isinstance(part, int):
                if t not in ("SEQUENCE OF", "SET OF"):
                    raise CheckError(f"{here} is a {t}, not a list: no item [{part}]")
                desc, owner = self._resolve(desc["element"])
            elif t in ("SEQUENCE", "SET", "CHOICE"):
                members = {m["name"]: m for m in _members(desc)}
                if part not in members:
                    word = "alternative" if t == "CHOICE" else "component"
                    raise CheckError(f"{here} has no {word} '{part}'{did_you_mean(part, members)}; "
                                     f"{word}s: {', '.join(members)}")
                slot = self.slots.get((owner, part)) if owner else None
                if slot is not None and slot.class_field[1].isupper():
                    return OPEN
                desc, owner = self._resolve(members[part])
            else:
                raise CheckError(f"{here} is a {t}: it has no component '{part}'")
            done.append(part)
        return desc

    def check_value(self, desc: dict | _Open, value: Any, path: tuple) -> None:
        """Check that ``value`` (JSON mapping, no ${vars}) fits ``desc``.

        Raises:
            CheckError: the value does not fit; the text names the path inside it.
        """
        if isinstance(desc, _Open) or has_vars(value):
            return
        t = desc.get("type")
        owner = self._owner.get(id(desc))
        self._precheck(desc, value, path)
        try:
            if owner is not None:
                self.codec.e2ap.encode(owner, from_json(self.codec.codec_for_type, owner, value))
                return
            mapped = _Mapper(self.codec.codec_for_type, False).node(self.codec.e2ap, desc, value, None, path)
        except CodecError as err:
            raise CheckError(self._rebase(str(err), owner, path)) from None
        except (TypeError, ValueError, KeyError, AttributeError) as err:
            raise CheckError(f"{render_path(path)}: {value!r} does not fit {owner or t} ({err})") from None
        self._inline_constraints(desc, mapped, path)

    def _precheck(self, desc: dict | _Open, value: Any, path: tuple) -> None:
        """Plain-language complaints about scalars, before the codec's own (terser) ones."""
        if isinstance(desc, _Open):
            return
        t = desc.get("type")
        if t in ("SEQUENCE", "SET", "CHOICE") and isinstance(value, dict):
            owner = self._owner.get(id(desc))
            members = {m["name"]: m for m in _members(desc)}
            for key, sub in value.items():
                if key in members:
                    slot = self.slots.get((owner, key)) if owner else None
                    if slot is None or not slot.class_field[1].isupper():
                        self._precheck(self._resolve(members[key])[0], sub, path + (key,))
        elif t in ("SEQUENCE OF", "SET OF") and isinstance(value, list):
            element = self._resolve(desc["element"])[0]
            for i, sub in enumerate(value):
                self._precheck(element, sub, path + (i,))
        else:
            problem = _scalar_problem(desc, value)
            if problem:
                raise CheckError(f"{render_path(path)}: {problem}")

    @staticmethod
    def _rebase(text: str, type_name: str | None, path: tuple) -> str:
        """'GlobalRIC-ID.pLMN-Identity: ...' -> '<path>.pLMN-Identity: ...' in the user's terms."""
        here = render_path(path)
        if type_name and text.startswith(type_name) and here:
            return here + text[len(type_name):]
        return text

    @staticmethod
    def _inline_constraints(desc: dict, value: Any, path: tuple) -> None:
        t = desc["type"]
        where = render_path(path)
        if t == "INTEGER" and desc.get("restricted-to") and isinstance(value, int):
            ranges = desc["restricted-to"]
            if None not in ranges and not any(
                    (lo if isinstance(lo, int) else value) <= value <= (hi if isinstance(hi, int) else value)
                    for lo, hi in (r if isinstance(r, tuple) else (r, r) for r in ranges)):
                raise CheckError(f"{where}: {value} is outside {ranges}")
        if t == "ENUMERATED":
            names = [v[0] for v in desc.get("values", ()) if v]
            if value not in names:
                raise CheckError(f"{where}: '{value}' is not one of {', '.join(names)}")
        size = desc.get("size")
        if size and None not in size:
            if t == "BIT STRING":
                n = value[1]
            elif t in _STRING_TYPES:
                n = len(value)
            else:
                return
            ok = any(_size_ok(n, entry) for entry in size)
            if not ok:
                unit = "bits" if t == "BIT STRING" else "items"
                raise CheckError(f"{where}: {n} {unit}, the size allowed is {size}")

    def check_matcher(self, desc: dict | _Open, spec: Any, path: tuple) -> list[tuple[tuple, str]]:
        """Component names and plain values of a matcher that do not fit ``desc``.

        Returns:
            (path, problem) pairs; operators are checked by harness.spec.match.check_spec.
        """
        if isinstance(desc, _Open) or has_vars(spec):
            return []
        if is_operator_set(spec):
            out = []
            for choice in spec.get("$one-of", ()) if isinstance(spec.get("$one-of"), list) else ():
                out += self.check_matcher(desc, choice, path)
            if "$exact" in spec:
                out += self._value_problems(desc, spec["$exact"], path)
            return out
        t = desc["type"]
        if isinstance(spec, dict):
            if t in ("SEQUENCE", "SET", "CHOICE"):
                out = []
                for key, sub in spec.items():
                    try:
                        inner = self.walk_desc(desc, key, path)
                    except CheckError as err:
                        out.append((path + (key,), str(err)))
                        continue
                    if isinstance(inner, _Open) and self._is_open_slot(desc, key):
                        out += self._open_matcher(sub, path + (key,))
                    else:
                        out += self.check_matcher(inner, sub, path + (key,))
                return out
            if t == "BIT STRING":
                bad = [k for k in spec if k not in ("hex", "length")]
                return [(path + (bad[0],), f"a BIT STRING has only hex and length, not '{bad[0]}'")] if bad else []
            return [(path, f"{render_path(path)} is a {t}, not a mapping")]
        if isinstance(spec, list):
            if t not in ("SEQUENCE OF", "SET OF"):
                return [(path, f"{render_path(path)} is a {t}, not a list")]
            element, _ = self._resolve(desc["element"])
            out = []
            for i, sub in enumerate(spec):
                out += self.check_matcher(element, sub, path + (i,))
            return out
        return self._value_problems(desc, spec, path)

    def _is_open_slot(self, desc: dict, part: Any) -> bool:
        """Whether component ``part`` of ``desc`` is an E2AP open type (its type named by the value)."""
        owner = self._owner.get(id(desc))
        slot = self.slots.get((owner, part)) if owner else None
        return slot is not None and slot.class_field[1].isupper()

    def _open_matcher(self, spec: Any, path: tuple) -> list[tuple[tuple, str]]:
        """A matcher for an open type written ``{type: NAME, value: ...}``: NAME must be an E2AP type
        and the value is checked against it, so a misspelled field inside is a spec error, not a FAIL."""
        if not isinstance(spec, dict) or is_operator_set(spec) or not set(spec) <= {"type", "value"}:
            return []
        name = spec.get("type")
        if not isinstance(name, str) or has_vars(name):
            return []
        if name not in self.types:
            return [(path + ("type",), f"{render_path(path)}: unknown E2AP type '{name}'"
                                       f"{did_you_mean(name, self.types)}")]
        if "value" not in spec:
            return []
        desc, _owner = self._resolve({"type": name})
        return self.check_matcher(desc, spec["value"], path + ("value",))

    def _value_problems(self, desc: dict | _Open, value: Any, path: tuple) -> list[tuple[tuple, str]]:
        try:
            self.check_value(desc, value, path)
        except CheckError as err:
            return [(path, str(err))]
        return []

    def walk_desc(self, desc: dict, part: Any, path: tuple) -> dict | _Open:
        """One step of `walk` from a resolved descriptor."""
        members = {m["name"]: m for m in _members(desc)}
        if part not in members:
            word = "alternative" if desc["type"] == "CHOICE" else "component"
            raise CheckError(f"{render_path(path)} has no {word} '{part}'{did_you_mean(part, members)}; "
                             f"{word}s: {', '.join(members)}")
        owner = self._owner.get(id(desc))
        slot = self.slots.get((owner, part)) if owner else None
        if slot is not None and slot.class_field[1].isupper():
            return OPEN
        return self._resolve(members[part])[0]
