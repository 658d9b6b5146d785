"""E2AP messages by name: build a PDU from named IEs, and read one back.

Test specs, simulators and matchers speak of messages as
``E2setupRequest`` with IEs named as the specification names them
(the ProtocolIE-ID constant without its ``id-`` prefix: ``TransactionID``,
``GlobalE2node-ID``, ``RANfunctionsAdded``). Everything else (procedure code,
PDU choice, IE ids, criticalities, order) comes from the ASN.1 object sets, so
there is nothing here to keep in step with the specification by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.codec.codec import Asn1Codec
from harness.core.errors import UserError

_PDU_KIND = {"&InitiatingMessage": "initiatingMessage", "&SuccessfulOutcome": "successfulOutcome",
             "&UnsuccessfulOutcome": "unsuccessfulOutcome"}


class MessageError(UserError):
    """A message or IE name that E2AP does not have; the text lists what it has."""


@dataclass(frozen=True)
class IeSpec:
    name: str              # 'TransactionID' (from id-TransactionID)
    id: int
    criticality: str
    presence: str          # mandatory | optional | conditional
    type_name: str


@dataclass(frozen=True)
class MessageSpec:
    name: str              # 'E2setupRequest'
    procedure: str         # 'E2setup' (from id-E2setup)
    procedure_code: int
    procedure_criticality: str
    kind: str              # initiatingMessage | successfulOutcome | unsuccessfulOutcome
    ie_set: str
    ies: tuple[IeSpec, ...]

    def ie(self, name: str) -> IeSpec:
        for ie in self.ies:
            if ie.name == name:
                return ie
        raise MessageError(f"{self.name} has no IE '{name}'; it has: {', '.join(i.name for i in self.ies)}")


@dataclass
class ParsedMessage:
    """A decoded E2AP PDU, by name."""

    name: str | None               # None when the procedure or message is unknown
    procedure_code: int
    kind: str
    ies: dict = field(default_factory=dict)      # IE name -> value (first occurrence)
    ie_list: list = field(default_factory=list)  # (name or None, id, criticality, value) in wire order
    pdu: Any = None


class E2Messages:
    """The E2AP message catalogue of one compiled E2AP version."""

    def __init__(self, e2ap: Asn1Codec) -> None:
        self.codec = e2ap
        compiled = e2ap.compiled
        values, kinds = compiled.values, compiled.value_types
        self._ie_names = {v: n[3:] if n.startswith("id-") else n for n, v in values.items()
                          if kinds.get(n) == "ProtocolIE-ID"}
        self._proc_names = {v: n[3:] if n.startswith("id-") else n for n, v in values.items()
                            if kinds.get(n) == "ProcedureCode"}
        self.messages: dict[str, MessageSpec] = {}
        procedures = compiled.object_sets.get("E2AP-ELEMENTARY-PROCEDURES")
        if procedures is None:
            raise MessageError("this E2AP has no E2AP-ELEMENTARY-PROCEDURES object set")
        for proc in procedures.objects:
            code = proc.fields["&procedureCode"]
            for field_name, kind in _PDU_KIND.items():
                msg = proc.fields.get(field_name)
                if msg is None:
                    continue
                ie_set = self._ie_set_of(msg)
                ies = tuple(self._ie_spec(o) for o in compiled.object_sets[ie_set].objects) if ie_set else ()
                self.messages[msg] = MessageSpec(msg, self._proc_names.get(code, str(code)), code,
                                                 proc.fields.get("&criticality", "ignore"), kind, ie_set or "", ies)
        self._by_code = {(m.procedure_code, m.kind): m for m in self.messages.values()}

    def _ie_set_of(self, message_type: str) -> str | None:
        desc = self.codec.compiled.types.get(message_type, {})
        for member in desc.get("members", ()):
            if isinstance(member, dict) and member.get("name") == "protocolIEs":
                container = member["type"]
                element = self.codec.compiled.types[container]["element"]["type"]
                slot = self.codec.compiled.slots.get((element, "value"))
                return slot.object_set if slot else None
        return None

    def _ie_spec(self, obj) -> IeSpec:
        f = obj.fields
        return IeSpec(self._ie_names.get(f["&id"], str(f["&id"])), f["&id"], f["&criticality"],
                      f.get("&presence", "optional"), f["&Value"])

    # ------------------------------------------------------------------ lookup
    def spec(self, name: str) -> MessageSpec:
        try:
            return self.messages[name]
        except KeyError:
            near = [m for m in self.messages if m.lower() == name.lower()]
            hint = f"; did you mean {near[0]}?" if near else ""
            raise MessageError(f"E2AP has no message '{name}'{hint}") from None

    def ie_name(self, ie_id: int) -> str | None:
        return self._ie_names.get(ie_id)

    # ------------------------------------------------------------------ build / parse
    def build(self, name: str, ies: dict) -> Any:
        """A PDU value for message ``name`` with IE values by IE name (object-set order).

        Values are in the decode form (IE values without the (TypeName, ...) wrapper).
        """
        spec = self.spec(name)
        unknown = [k for k in ies if k not in {i.name for i in spec.ies}]
        if unknown:
            spec.ie(unknown[0])       # raises with the list of IEs
        fields = [{"id": ie.id, "criticality": ie.criticality, "value": (ie.type_name, ies[ie.name])}
                  for ie in spec.ies if ie.name in ies]
        return (spec.kind, {"procedureCode": spec.procedure_code, "criticality": spec.procedure_criticality,
                            "value": (name, {"protocolIEs": fields})})

    def parse(self, pdu: Any) -> ParsedMessage:
        """Name a decoded PDU and its IEs (unknown ones are kept with name None)."""
        kind, body = pdu
        code = body.get("procedureCode")
        inner = body.get("value")
        spec = self._by_code.get((code, kind))
        parsed = ParsedMessage(spec.name if spec else None, code, kind, pdu=pdu)
        if not (isinstance(inner, tuple) and isinstance(inner[1], dict)):
            return parsed
        for field_ in inner[1].get("protocolIEs", ()):
            value = field_["value"]
            name = self.ie_name(field_["id"])
            plain = value[1] if isinstance(value, tuple) else value
            parsed.ie_list.append((name, field_["id"], field_["criticality"], plain))
            if name is not None and name not in parsed.ies:
                parsed.ies[name] = plain
        return parsed
