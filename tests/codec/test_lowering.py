"""Lowering of parameterised types and information object sets (harness.codec.lowering)."""

from __future__ import annotations

import pytest

from harness.codec.codec import Asn1Codec
from harness.codec.compiler import compile_sources
from harness.codec.errors import Asn1SourceError
from harness.codec.lowering import lower

CONTAINERS = """
Mini-Containers DEFINITIONS AUTOMATIC TAGS ::= BEGIN
IMPORTS Criticality, Presence, ProtocolIE-ID FROM Mini-Common;
maxProtocolIEs INTEGER ::= 65535
MINI-PROTOCOL-IES ::= CLASS {
    &id             ProtocolIE-ID   UNIQUE,
    &criticality    Criticality,
    &Value,
    &presence       Presence
} WITH SYNTAX { ID &id CRITICALITY &criticality TYPE &Value PRESENCE &presence }
ProtocolIE-Container {MINI-PROTOCOL-IES : IEsSetParam} ::=
    SEQUENCE (SIZE (0..maxProtocolIEs)) OF ProtocolIE-Field {{IEsSetParam}}
ProtocolIE-SingleContainer {MINI-PROTOCOL-IES : IEsSetParam} ::= ProtocolIE-Field {{IEsSetParam}}
ProtocolIE-Field {MINI-PROTOCOL-IES : IEsSetParam} ::= SEQUENCE {
    id          MINI-PROTOCOL-IES.&id           ({IEsSetParam}),
    criticality MINI-PROTOCOL-IES.&criticality  ({IEsSetParam}{@id}),
    value       MINI-PROTOCOL-IES.&Value        ({IEsSetParam}{@id})
}
END
"""

COMMON = """
Mini-Common DEFINITIONS AUTOMATIC TAGS ::= BEGIN
Criticality ::= ENUMERATED { reject, ignore, notify }
Presence ::= ENUMERATED { optional, conditional, mandatory }
ProtocolIE-ID ::= INTEGER (0..65535)
END
"""

CONTENTS = """
Mini-Contents DEFINITIONS AUTOMATIC TAGS ::= BEGIN
IMPORTS ProtocolIE-Container{}, ProtocolIE-SingleContainer{}, MINI-PROTOCOL-IES FROM Mini-Containers;
id-Small INTEGER ::= 1
id-Items INTEGER ::= 2
id-Item INTEGER ::= 3
Small ::= INTEGER (0..255)
Msg ::= SEQUENCE { protocolIEs ProtocolIE-Container {{MsgIEs}}, ... }
MsgIEs MINI-PROTOCOL-IES ::= {
    { ID id-Small CRITICALITY reject TYPE Small PRESENCE mandatory } |
    { ID id-Items CRITICALITY ignore TYPE Items PRESENCE optional },
    ...
}
Items ::= SEQUENCE (SIZE (1..4)) OF ProtocolIE-SingleContainer {{ItemIEs}}
ItemIEs MINI-PROTOCOL-IES ::= { item-object }
item-object MINI-PROTOCOL-IES ::= { ID id-Item CRITICALITY notify TYPE Small PRESENCE mandatory }
END
"""

SOURCES = [("common.asn", COMMON), ("containers.asn", CONTAINERS), ("contents.asn", CONTENTS)]


def test_parameterised_types_are_instantiated_in_the_template_module():
    lowered = lower(SOURCES)
    text = lowered.texts["Mini-Containers"]
    assert "ProtocolIE-Container-MsgIEs ::= SEQUENCE ( SIZE ( 0 .. maxProtocolIEs ) ) OF ProtocolIE-Field-MsgIEs" in text
    assert "ProtocolIE-Field-ItemIEs ::= SEQUENCE { id MINI-PROTOCOL-IES.&id ," in text
    assert "ProtocolIE-Container-MsgIEs, ProtocolIE-SingleContainer-ItemIEs FROM Mini-Containers" in \
        lowered.texts["Mini-Contents"]
    assert "MsgIEs MINI-PROTOCOL-IES ::=" not in lowered.texts["Mini-Contents"]
    assert "item-object" not in lowered.texts["Mini-Contents"]


def test_object_sets_become_tables_with_values_resolved():
    lowered = lower(SOURCES)
    msg_ies = lowered.object_sets["MsgIEs"]
    assert msg_ies.extensible is True
    assert [o.fields for o in msg_ies.objects] == [
        {"&id": 1, "&criticality": "reject", "&Value": "Small", "&presence": "mandatory"},
        {"&id": 2, "&criticality": "ignore", "&Value": "Items", "&presence": "optional"},
    ]
    item_ies = lowered.object_sets["ItemIEs"]
    assert item_ies.extensible is False
    assert item_ies.objects[0].fields["&criticality"] == "notify"


def test_table_constraints_become_slots():
    slots = lower(SOURCES).slots
    slot = slots[("ProtocolIE-Field-MsgIEs", "value")]
    assert (slot.object_set, slot.class_field, slot.key) == ("MsgIEs", "&Value", "id")
    assert slots[("ProtocolIE-Field-MsgIEs", "id")].key is None
    assert slot.where == "containers.asn:17"


def test_lowered_modules_compile_and_open_types_round_trip():
    codec = Asn1Codec(compile_sources(SOURCES))
    value = {"protocolIEs": [
        {"id": 1, "criticality": "reject", "value": ("Small", 7)},
        {"id": 2, "criticality": "ignore", "value": ("Items", [
            {"id": 3, "criticality": "notify", "value": ("Small", 9)}])},
    ]}
    data = codec.encode("Msg", value)
    # The same bytes as pycrate 0.8.1 gives for these modules (checked when this test was written).
    assert data.hex() == "000002000100010700024006000003800109"
    assert codec.decode("Msg", data) == value


@pytest.mark.parametrize("contents, message", [
    (CONTENTS.replace("{{MsgIEs}}, ...", "{{MsgIEs}, {MsgIEs}}, ..."),
     "contents.asn:8: ProtocolIE-Container takes 1 parameter(s), 2 given"),
    (CONTENTS.replace("{ item-object }", "{ no-such-object }"),
     "contents.asn:15: 'no-such-object' is not defined"),
    (CONTENTS.replace("CRITICALITY notify TYPE Small PRESENCE mandatory", "CRITICALITY notify TYPE Small"),
     "contents.asn:16: expected 'PRESENCE' in object syntax, got 'end of object'"),
    (CONTENTS.replace("{ ID id-Small CRITICALITY reject", "{ ID id-Small CRITICALITY reject SIZE 3"),
     "contents.asn:10: 'reject SIZE 3' is not a value for &criticality"),
    (CONTENTS.replace("Msg ::= SEQUENCE {", "Msg ::= SEQUENCE { {"),
     "contents.asn:8: unbalanced '{' in Msg"),
])
def test_bad_sources_name_file_and_line(contents, message):
    with pytest.raises(Asn1SourceError) as info:
        lower([("common.asn", COMMON), ("containers.asn", CONTAINERS), ("contents.asn", contents)])
    assert str(info.value) == message


def test_table_constraint_on_an_unknown_set_is_an_error():
    bad = CONTAINERS.replace("({IEsSetParam}),", "({NoSuchSet}),")
    with pytest.raises(Asn1SourceError) as info:
        lower([("common.asn", COMMON), ("containers.asn", bad), ("contents.asn", CONTENTS)])
    assert str(info.value) == "containers.asn:15: 'NoSuchSet' is not a defined object set"


def test_duplicate_definitions_are_reported_with_both_places():
    dup = CONTENTS.replace("Small ::= INTEGER (0..255)", "Small ::= INTEGER (0..255)\nSmall ::= BOOLEAN")
    with pytest.raises(Asn1SourceError) as info:
        lower([("common.asn", COMMON), ("containers.asn", CONTAINERS), ("contents.asn", dup)])
    assert str(info.value) == "contents.asn:8: 'Small' is defined twice (first at contents.asn:7)"
