"""The typed model of a test specification (what the YAML loader produces).

Frozen dataclasses, built once at collection time; nothing downstream sees a
raw dict. Every node carries `Where` (file:line) so any later complaint can
point at the YAML line that caused it.

Values inside steps (IE values, matcher operands) stay in the JSON mapping of
docs/codec.md, with `${name}` variable references left in place: they are
resolved when the step runs (variables saved by earlier steps exist only then).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Where:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Reference:
    """Where a test case comes from: 'E2TS-R003-v02.00:6.2.1.1.1' split in parts."""

    document: str      # 'O-RAN.WG3.E2TS' or short 'E2TS-R003'
    version: str       # 'v02.00'
    clause: str        # '6.2.1.1.1'

    def __str__(self) -> str:
        return f"{self.document}-{self.version}:{self.clause}"


@dataclass(frozen=True)
class PixitParam:
    name: str
    default: Any
    description: str
    where: Where


@dataclass(frozen=True)
class Malform:
    """A malformation of the sent PDU (harness.codec.malform.Malformation fields)."""

    kind: str
    ie: Any
    field: str | None
    value: Any
    bits: Any
    where: Where


@dataclass(frozen=True)
class SendStep:
    message: str                 # template name (or message name when no template of that name)
    fields: dict                 # 'IEName' or 'IEName.component.sub' -> JSON-mapping value (may hold ${vars})
    omit: tuple                  # IE names to leave out of the template
    malform: Malform | None
    raw: str | None              # hex to send as is (garbage tests); message then only names it
    stream: int
    where: Where
    kind: str = "send"
    template: Template | None = None   # the template `message` names (None: a bare message name)
    name: str | None = None      # `as:` the sent IEs are saved as this variable (`${req.TransactionID}`)
    params: dict = field(default_factory=dict)   # values the tester picks (any is the same test): set like
    #                              fields live; in a capture they are read from the observed message, not compared


@dataclass(frozen=True)
class ExpectStep:
    messages: tuple              # acceptable message names; () with nothing=True means "expect silence"
    nothing: bool
    match: dict                  # IE name -> matcher spec (see harness/spec/match.py)
    check_ies: bool              # check IE presence/criticality against the ASN.1 object sets
    timer: Any                   # seconds, or a ${var}
    ignore: tuple                # message names to skip while waiting
    strict: bool                 # an unexpected (not ignored) message is a FAIL
    save: dict                   # variable -> 'IEName.path' in the matched message
    clause: str                  # the rule checked, for findings (defaults to the test case's)
    where: Where
    kind: str = "expect"
    fail_on: tuple = ()          # message names that are a wrong answer: FAIL at once, naming it


@dataclass(frozen=True)
class TriggerStep:
    action: str                  # what to ask the DUT to do: 'e2-setup', 'reset', 'service-update', ...
    params: dict
    prompt: str                  # what an operator is asked (manual adapter)
    timeout: Any
    where: Where
    kind: str = "trigger"


@dataclass(frozen=True)
class WaitStep:
    seconds: Any
    where: Where
    kind: str = "wait"


@dataclass(frozen=True)
class SaveStep:
    variables: dict              # name -> value (may reference ${other})
    where: Where
    kind: str = "save"


@dataclass(frozen=True)
class RepeatStep:
    count: Any
    steps: tuple
    where: Where
    kind: str = "repeat"


@dataclass(frozen=True)
class PreambleStep:
    """Steps that set up the test (`precondition: true`): if one of them fails, the DUT was not
    judged on the test purpose, so the verdict is INCONC, not FAIL (an ERROR stays an ERROR)."""

    steps: tuple
    where: Where
    kind: str = "preamble"


@dataclass(frozen=True)
class HttpResponseCheck:
    """What a `request` step expects of the DUT's response (harness/interfaces/a1/steps.py)."""

    status: tuple                # acceptable status codes; () accepts any (then nothing else is implied)
    headers: dict                # header name (lower case) -> matcher
    body: Any                    # matcher over the JSON body; None: not checked
    schema: Any                  # None | 'TypeName' | {'policy-type': id}: JSON Schema of the body
    content_type: str | None     # media type the body must have (default: JSON whenever body/schema is checked)
    where: Where
    admits: Any = None           # a policy the returned PolicyTypeObject's policySchema must accept (None: unchecked)


@dataclass(frozen=True)
class HttpRequestStep:
    """The harness sends one HTTP request to the DUT and checks the response."""

    method: str
    path: str                    # may hold ${vars}; the query string goes in `query`
    query: dict
    headers: dict
    body: Any                    # JSON value (None: no body)
    raw_body: str | None         # text sent as is (malformed JSON tests); then `body` is None
    template: Any                # BodyTemplate the body starts from (then `fields` overrides paths in it)
    fields: dict
    schema: Any                  # JSON Schema the request body is checked against before sending (spec sanity)
    expect: HttpResponseCheck
    timer: Any
    save: dict                   # variable -> 'status' | 'headers.Name' | 'body.path' | 'body'
    clause: str
    where: Where
    kind: str = "request"
    name: str | None = None      # `as:` the request and its response are saved as this variable
    fail_on: tuple = ()          # status codes that are a wrong answer (FAIL `http.wrong-answer`, naming it)


@dataclass(frozen=True)
class HttpReply:
    """A response the harness gives to a DUT's request."""

    status: int
    headers: dict
    body: Any
    where: Where


@dataclass(frozen=True)
class ExpectRequestStep:
    """The harness waits for the DUT to send it a request (DUT as client, or a notification)."""

    method: str
    path: str                    # regular expression over the path (${vars} substituted first)
    headers: dict
    body: Any
    schema: Any
    timer: Any
    save: dict
    clause: str
    respond: HttpReply | None    # the reply; None: the next `respond` step, or 204 if there is none
    where: Where
    kind: str = "expect-request"
    query: Any = None            # matcher over the query parameters (name -> value), None: not checked
    name: str | None = None      # `as:` the DUT's request (and the harness's reply) are saved as this variable


@dataclass(frozen=True)
class RespondStep:
    """The reply to the request the last expect-request matched."""

    reply: HttpReply
    where: Where
    kind: str = "respond"


@dataclass(frozen=True)
class BodyTemplate:
    """A reusable JSON body (templates: NAME: {json: ...})."""

    name: str
    body: Any
    where: Where


Step = (SendStep | ExpectStep | TriggerStep | WaitStep | SaveStep | RepeatStep | PreambleStep | HttpRequestStep
        | ExpectRequestStep | RespondStep)


@dataclass(frozen=True)
class Template:
    """A reusable message: a message name and IE values (JSON mapping, ${vars} allowed)."""

    name: str
    message: str
    ies: dict
    where: Where


@dataclass(frozen=True)
class TestCase:
    id: str                      # 'E2TS-R003-v02.00:6.2.1.1.1' (or with a suffix '...:6.2.1.1.1/negative')
    title: str
    reference: Reference
    interface: str              # 'near-rt-ric.e2' | 'e2-node.e2' | 'near-rt-ric.a1' | 'non-rt-ric.a1'
    dut_role: str               # 'near-rt-ric' | 'e2-node' | 'non-rt-ric'
    harness_role: str           # the opposite role
    status: str                 # 'mandatory' | 'conditional' | 'optional'
    applicability: str | None   # expression text over PICS (validated at load)
    pixit: tuple                # PixitParam...
    preconditions: tuple        # str...
    steps: tuple                # Step... (step groups already expanded)
    expected: tuple             # str...: the expected results, in words
    evidence: tuple             # str...: what the test leaves (decoded messages, pcap, ...)
    guard: Any                  # guard timer, seconds (or ${var})
    ignore: tuple               # message names skipped by every expect unless it says otherwise
    where: Where
    tags: tuple = field(default_factory=tuple)

    @property
    def protocol(self) -> str:
        """'e2', 'a1', ...: the part of the interface after the DUT role."""
        return self.interface.rpartition(".")[2]


@dataclass(frozen=True)
class SpecFile:
    path: str
    testcases: tuple
    templates: tuple
    groups: dict                 # name -> tuple of Step
