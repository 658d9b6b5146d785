"""The IE rules of one E2AP message: presence, duplicates, order, criticality (E2AP v03.01 9.1, 10.3).

One function, `ie_problems`, shared by every place that judges a decoded E2AP message: the
live expect checks (harness/interfaces/e2/executors.py), the protocol monitor (monitor.py here) and
``oran-harness decode`` (harness/cli/capture_commands.py), so a message that breaks an IE
rule is "not ok" wherever it is looked at. The rules come from the ASN.1 object sets only
(`harness.interfaces.e2.view.MessageSpec`): the IE set of the message gives which IEs exist, their
presence, criticality and their order (the order of the message's tabular definition).
"""

from __future__ import annotations

from dataclasses import dataclass

E2AP_CLAUSE = "O-RAN.WG3.E2AP v03.01"


@dataclass(frozen=True)
class IeProblem:
    """One broken IE rule.

    Attributes:
        check: 'ie.presence' | 'ie.duplicate' | 'ie.order' | 'ie.criticality' | 'ie.unexpected'.
        ie: the IE name.
        text: one line saying what is wrong.
        expected / observed: the values compared, when there are any.
    """

    check: str
    ie: str
    text: str
    expected: object = None
    observed: object = None


def clause_of(spec) -> str:
    """The clause citation of ``spec``'s IE rules."""
    return f"{E2AP_CLAUSE} 9.1 ({spec.name} IEs), 9.3 ({spec.ie_set}), 10.3 (abstract syntax)"


def ie_problems(spec, parsed) -> list[IeProblem]:
    """Every IE rule that ``parsed`` (a `ParsedMessage` of message ``spec``) breaks, in wire order.

    IEs whose id E2AP does not know are left out: they are remarks (10.3.4), not problems.
    """
    out: list[IeProblem] = []
    order = {ie.name: i for i, ie in enumerate(spec.ies)}
    seen: dict[str, int] = {}
    for name, _id, _crit, _value in parsed.ie_list:
        if name is not None:
            seen[name] = seen.get(name, 0) + 1
    for ie in spec.ies:
        if ie.presence == "mandatory" and ie.name not in seen:
            out.append(IeProblem("ie.presence", ie.name, f"mandatory IE {ie.name} (id {ie.id}) is missing",
                                 "present", "absent"))
    for name, count in seen.items():
        if count > 1:
            out.append(IeProblem("ie.duplicate", name, f"IE {name} appears {count} times", 1, count))
    last_name, last_pos = None, -1
    for name, ie_id, crit, _value in parsed.ie_list:
        if name is None:
            continue
        if name not in order:
            out.append(IeProblem("ie.unexpected", name, f"IE {name} (id {ie_id}) does not belong in {spec.name}"))
            continue
        rule = spec.ies[order[name]]
        if crit != rule.criticality:
            out.append(IeProblem("ie.criticality", name, f"IE {name} has criticality {crit}; {spec.ie_set} gives "
                                 f"{rule.criticality}", rule.criticality, crit))
        if order[name] < last_pos and name != last_name:
            out.append(IeProblem("ie.order", name, f"IE {name} comes after {last_name}; {spec.name} defines it "
                                 "before", "before " + str(last_name), "after " + str(last_name)))
        else:
            last_name, last_pos = name, order[name]
    return out


def message_problems(messages, parsed) -> list[IeProblem]:
    """`ie_problems` for a parsed message by its name; none for a message E2AP does not name."""
    if parsed is None or parsed.name is None or parsed.name not in messages.messages:
        return []
    return ie_problems(messages.spec(parsed.name), parsed)
