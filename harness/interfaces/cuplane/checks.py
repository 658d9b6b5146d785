"""Conformance checks on a fronthaul capture, one verdict per check.

Theory of operation: `FronthaulChecker.feed` takes one captured frame at a time
(packet number, link type, bytes), reads its eCPRI messages with
`harness.interfaces.cuplane.fastparse` and applies every check; `results()` gives one
`CheckResult` per check.  Memory is bounded: the only state kept is the last
sequence id per (plane, eAxC, direction) and, per check, counters and the first
`MAX_FINDINGS` findings (the rest are counted).  A damaged frame is a finding of
'frame-decode' naming the packet and field; what could be read is still checked and
the following frames are read as usual.

Verdicts: FAIL when a check found a violation; PASS when it evaluated at least one
message and found none; INCONC when the capture gave it nothing to evaluate (no
C-plane for a C-plane check, say): never a PASS on no evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.interfaces.cuplane.clauses import clause
from harness.interfaces.cuplane.fastparse import ecpri_offset, header_spans, parse_frame
from harness.interfaces.cuplane.profile import FronthaulProfile
from harness.core.verdict import Finding, Verdict

MAX_FINDINGS = 50
MIN_FRAME = 60          # octets without FCS; shorter eCPRI messages are padded up to it


@dataclass(frozen=True)
class CheckSpec:
    id: str
    title: str
    clause_key: str

    @property
    def clause(self) -> str:
        return clause(self.clause_key)


CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec("frame-decode", "every eCPRI frame can be read to its end", "cus.ecpri_header"),
    CheckSpec("ecpri-revision", "eCPRI protocol revision is 1", "ecpri.revision"),
    CheckSpec("ecpri-reserved", "eCPRI reserved bits are 0", "ecpri.reserved"),
    CheckSpec("message-type", "eCPRI message types are those the lab allows", "ecpri.message_type"),
    CheckSpec("payload-size", "eCPRI payload size matches the frame length (padding considered)",
              "ecpri.payload_size"),
    CheckSpec("eaxc-id", "eAxC ids are those configured for the lab", "cus.eaxc"),
    CheckSpec("seq-continuity", "sequence ids continue per eAxC, plane and direction", "cus.seqid"),
    CheckSpec("payload-version", "C-plane and U-plane payloadVersion is 1", "cus.cplane_common"),
    CheckSpec("section-type", "C-plane section types are those the lab allows", "cus.section_types"),
    CheckSpec("section-extension", "C-plane section extensions are those the lab allows",
              "cus.section_extensions"),
    CheckSpec("prb-range", "C-plane and U-plane sections lie within the carrier's PRBs", "cus.cplane_section"),
)
BY_ID = {c.id: c for c in CHECKS}


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome over the whole capture."""

    id: str
    title: str
    clause: str
    verdict: Verdict
    evaluated: int              # messages (or sections) the check looked at
    violations: int
    findings: tuple             # Finding..., at most MAX_FINDINGS
    remarks: tuple = ()         # lines worth showing that are no violation (unknown extensions seen)


class _Tally:
    __slots__ = ("spec", "evaluated", "violations", "findings", "order", "remarks")

    def __init__(self, spec: CheckSpec) -> None:
        self.spec = spec
        self.evaluated = 0
        self.violations = 0
        self.findings: list = []
        self.order: list = []          # (packet, message index in its frame) of each finding
        self.remarks: dict = {}


def _next_table() -> list:
    """SEQ_ID word (seq << 8 | E << 7 | subseq) -> the (seq << 8 | subseq) the next message must have."""
    table = []
    for word in range(1 << 16):
        seq, sub = word >> 8, word & 0x7F
        table.append((((seq + 1) & 0xFF) << 8) if word & 0x80 else (seq << 8) | ((sub + 1) & 0x7F))
    return table


_NEXT = _next_table()
_ECPRI_TYPE, _DOT1Q = b"\xae\xfe", b"\x81\x00"
MAX_SHAPES = 4096            # remembered clean frame shapes (memory bound)
MAX_SHAPES_PER_HEAD = 8


class _Shape:
    """A clean frame shape: the header bytes a frame must repeat, and where its SEQ_ID is."""

    __slots__ = ("index", "spans", "seq_key", "seq_at")

    def __init__(self, index: int, spans: dict, seq_key: tuple, seq_at: int) -> None:
        self.index, self.spans, self.seq_key, self.seq_at = index, spans, seq_key, seq_at


class FronthaulChecker:
    """Checks frames fed in capture order against a `FronthaulProfile`.

    Fast path: a frame (Ethernet, one eCPRI message) that checked clean is remembered
    as a shape: its octets from the EtherType to the end of the eAxC id, the octet
    holding dataDirection and payloadVersion, its length, and every header byte range
    the parser read after those (`fastparse.header_spans`).  A later frame equal to a
    shape on all of them parses alike and passes the same checks, so only its
    sequence id is checked and the shape's hit counted; `settle` adds the hits to the
    counters.  Frames matching no shape take the full path, so findings are unchanged.
    """

    def __init__(self, profile: FronthaulProfile, remember_shapes: bool = True) -> None:
        self.profile = profile
        self.config = profile.parse_config()
        self.tallies = {c.id: _Tally(c) for c in CHECKS}
        self.eaxcs = frozenset(profile.eaxc_ids)
        self.carrier_prbs = {c.cc: c.prbs for c in profile.carriers}
        self.seq: dict = {}          # (plane, eAxC, direction) -> packet << 16 | SEQ_ID word of its last message
        self.first_seq: dict = {}    # the same key -> (state, message index in frame) of its first message
        self.frames = 0
        self.messages = 0
        self.other = 0               # frames that are not eCPRI
        self._index = 0              # of the message being checked, within its frame
        self._hot = tuple(self.tallies[k] for k in ("frame-decode", "ecpri-revision", "ecpri-reserved",
                                                      "message-type", "payload-version"))
        self._seq_tally = self.tallies["seq-continuity"]
        self._shapes: dict = {}      # (EtherType .. eAxC octets, timing octet 0, frame length) -> [_Shape]
        self._counts: list = []      # per shape: evaluated increments in CHECKS order (seq-continuity 0)
        self._hits: list = []        # per shape: frames matched since the last settle
        self._max_shapes = MAX_SHAPES if remember_shapes else 0

    # ------------------------------------------------------------------ findings
    def _fail(self, check: str, packet: int, field: str, text: str, expected=None, observed=None) -> None:
        t = self.tallies[check]
        t.violations += 1
        if len(t.findings) < MAX_FINDINGS:
            t.findings.append(Finding(Verdict.FAIL, f"fronthaul.{check}", f"packet {packet}: {text}",
                                      t.spec.clause, ie_path=field, expected=expected, observed=observed,
                                      evidence=(packet,)))
            t.order.append((packet, self._index))

    # ------------------------------------------------------------------ feeding
    def feed(self, packet: int, linktype: int, frame: bytes, cut: bool = False) -> None:
        """Check one captured frame (non-eCPRI frames are counted and ignored)."""
        if linktype == 1 and not cut:
            kind = frame[12:14]
            off = 14 if kind == _ECPRI_TYPE else 18 if kind == _DOT1Q and frame[16:18] == _ECPRI_TYPE else 0
            if off:
                shapes = self._shapes.get((frame[12:off + 6], frame[off + 8:off + 9], len(frame)))
                if shapes is not None:
                    for shape in shapes:
                        for (a, b), want in shape.spans.items():
                            if frame[a:b] != want:
                                break
                        else:
                            self._hits[shape.index] += 1
                            at = shape.seq_at
                            self._index = 0
                            self._sequence(packet, shape.seq_key, (frame[at] << 8) | frame[at + 1])
                            return
        self._feed_full(packet, linktype, frame, cut)

    def _feed_full(self, packet: int, linktype: int, frame: bytes, cut: bool) -> None:
        self.frames += 1
        off, vlans = ecpri_offset(linktype, frame)
        if off < 0:
            self.other += 1
            return
        learn = (linktype == 1 and not cut and len(self._counts) < self._max_shapes
                 and (off == 14 or off == 18 and frame[12:14] == _DOT1Q))
        if learn:
            before = [(t.evaluated, t.violations, len(t.remarks)) for t in self.tallies.values()]
        t = self.tallies
        decode, revision, reserved, mtypes, version = self._hot
        msgs = parse_frame(frame, off, vlans, self.config)
        for index, msg in enumerate(msgs):
            self._index = index
            self.messages += 1
            decode.evaluated += 1
            if msg.error is not None:
                why = " (the capture cut this frame short: snap length)" if cut else ""
                self._fail("frame-decode", packet, msg.error_field or "frame", msg.error + why)
            if msg.message_type < 0:
                continue
            revision.evaluated += 1
            reserved.evaluated += 1
            mtypes.evaluated += 1
            if msg.revision != 1:
                self._fail("ecpri-revision", packet, "ecpri.revision", f"revision is {msg.revision}, not 1",
                           1, msg.revision)
            if msg.reserved:
                self._fail("ecpri-reserved", packet, "ecpri.reserved", f"reserved bits are {msg.reserved:#05b}, "
                           "not 0", 0, msg.reserved)
            if msg.message_type not in self.profile.message_types:
                self._fail("message-type", packet, "ecpri.message_type", f"message type {msg.message_type} is "
                           f"not allowed (lab allows {sorted(self.profile.message_types)})",
                           sorted(self.profile.message_types), msg.message_type)
            self._payload_size(packet, msg, cut)
            if msg.eaxc is None:
                continue
            plane = "U" if msg.message_type == 0 else "C"
            t["eaxc-id"].evaluated += 1
            if msg.eaxc not in self.eaxcs:
                self._fail("eaxc-id", packet, "ecpri.pc_id" if plane == "U" else "ecpri.rtc_id",
                           f"eAxC {self.profile.split.describe(msg.eaxc)} is not one of the lab's eAxC ids",
                           None, msg.eaxc)
            if msg.radio is None or msg.seq_id is None or msg.e_bit is None or msg.subseq_id is None:
                continue
            direction = msg.radio[0]
            self._sequence(packet, (plane, msg.eaxc, direction),
                           (msg.seq_id << 8) | (msg.e_bit << 7) | msg.subseq_id)
            version.evaluated += 1
            if msg.radio[1] != 1:
                self._fail("payload-version", packet, f"{'uplane' if plane == 'U' else 'cplane'}.payloadVersion",
                           f"payloadVersion is {msg.radio[1]}, not 1", 1, msg.radio[1])
            if plane == "C":
                self._cplane(packet, msg)
            else:
                self._prbs(packet, msg, "U", 3, 4)
        if learn and len(msgs) == 1:
            self._learn(frame, off, msgs[0], before)

    def _learn(self, frame: bytes, off: int, msg, before: list) -> None:
        """Remember the shape of a frame whose one message broke no check (sequence aside)."""
        if msg.error is not None or msg.c_bit or msg.radio is None or msg.eaxc is None:
            return
        counts = []
        for (evaluated, violations, remarks), (check, t) in zip(before, self.tallies.items(), strict=True):
            if check == "seq-continuity":
                counts.append(0)
                continue
            if t.violations != violations or len(t.remarks) != remarks:
                return
            counts.append(t.evaluated - evaluated)
        shapes = self._shapes.setdefault((frame[12:off + 6], frame[off + 8:off + 9], len(frame)), [])
        if len(shapes) >= MAX_SHAPES_PER_HEAD:
            return
        spans = {(a, b): frame[a:b] for a, b in header_spans(msg, self.config)}
        plane = "U" if msg.message_type == 0 else "C"
        shapes.append(_Shape(len(self._counts), spans, (plane, msg.eaxc, msg.radio[0]), off + 6))
        self._counts.append(tuple(counts))
        self._hits.append(0)

    def settle(self) -> None:
        """Add the frames matched by remembered shapes to the counters (safe to call again)."""
        tallies = list(self.tallies.values())
        for counts, hits in zip(self._counts, self._hits, strict=True):
            if hits:
                self.frames += hits
                self.messages += hits
                for t, n in zip(tallies, counts, strict=True):
                    t.evaluated += n * hits
        self._hits = [0] * len(self._hits)

    def forget_shapes(self) -> None:
        """Settle, then drop the remembered shapes (before handing the checker to another process)."""
        self.settle()
        self._shapes, self._counts, self._hits = {}, [], []

    def _payload_size(self, packet: int, msg, cut: bool) -> None:
        self.tallies["payload-size"].evaluated += 1
        end = msg.offset + 4 + msg.payload_size
        n = msg.frame_length
        if end == n or msg.c_bit and end <= n:
            return
        if end < n:
            # Padding may fill a short frame up to the Ethernet minimum (each tag adds 4 octets).
            if n <= MIN_FRAME + 4 * msg.vlans:
                return
            self._fail("payload-size", packet, "ecpri.payload_size", f"payload size {msg.payload_size} leaves "
                       f"{n - end} octets of the {n}-octet frame unaccounted for (not padding: the frame is "
                       f"over {MIN_FRAME} octets)", n - msg.offset - 4, msg.payload_size)
        elif not cut:
            self._fail("payload-size", packet, "ecpri.payload_size", f"payload size {msg.payload_size} runs "
                       f"{end - n} octets past the end of the {n}-octet frame", n - msg.offset - 4, msg.payload_size)

    def _sequence(self, packet: int, key: tuple, word: int) -> None:
        """Sequence continuity per (plane, eAxC, direction); *word* is seq << 8 | E << 7 | subseq."""
        prev = self.seq.get(key)
        state = (packet << 16) | word
        self.seq[key] = state
        if prev is None:
            self.first_seq[key] = (state, self._index)
            return
        self._seq_tally.evaluated += 1
        if _NEXT[prev & 0xFFFF] != word & 0xFF7F:
            self._sequence_failed(key, prev, state)

    def continue_sequence(self, key: tuple, prev: int, state: int, index: int) -> None:
        """Check a flow's first message of one file share against its last one in the share before."""
        self._index = index
        self._seq_tally.evaluated += 1
        if _NEXT[prev & 0xFFFF] != state & 0xFF7F:
            self._sequence_failed(key, prev, state)

    def _sequence_failed(self, key: tuple, prev: int, state: int) -> None:
        plane, eaxc, direction = key
        packet, seq_id, subseq_id = state >> 16, (state >> 8) & 0xFF, state & 0x7F
        p_packet, p_seq, p_sub = prev >> 16, (prev >> 8) & 0xFF, prev & 0x7F
        want = _NEXT[prev & 0xFFFF]
        want_seq, want_sub = want >> 8, want & 0x7F
        flow = f"{plane}-plane {'DL' if direction else 'UL'} eAxC 0x{eaxc:04x}"
        if seq_id != want_seq:
            missing = (seq_id - want_seq) & 0xFF
            what = f"{missing} message(s) missing" if missing < 128 else "out of order or repeated"
            text = f"{flow}: sequence id {seq_id} follows {p_seq} (packet {p_packet}); expected {want_seq}: {what}"
            self._fail("seq-continuity", packet, "ecpri.seq_id", text, want_seq, seq_id)
        else:
            self._fail("seq-continuity", packet, "ecpri.subseq_id", f"{flow}: subsequence id {subseq_id} "
                       f"follows {p_sub} (packet {p_packet}) of sequence {p_seq}; expected {want_sub}",
                       want_sub, subseq_id)

    def _cplane(self, packet: int, msg) -> None:
        t = self.tallies
        stype = msg.radio[8]
        t["section-type"].evaluated += 1
        if stype not in self.profile.section_types:
            self._fail("section-type", packet, "cplane.sectionType", f"section type {stype} is not allowed "
                       f"(lab allows {sorted(self.profile.section_types)})", sorted(self.profile.section_types), stype)
        ext = t["section-extension"]
        for i, etype, _elen, _ef in msg.extensions:
            ext.evaluated += 1
            if etype not in self.profile.section_extensions:
                sid = msg.sections[i][0]
                ext.remarks[etype] = ext.remarks.get(etype, 0) + 1
                self._fail("section-extension", packet, f"sections[{i}].extType",
                           f"section {i + 1} (sectionId {sid}) carries extension type {etype}, not allowed "
                           f"(lab allows {sorted(self.profile.section_extensions)}); skipped by its extLen",
                           sorted(self.profile.section_extensions), etype)
        if stype in (1, 3):
            self._prbs(packet, msg, "C", 3, 4)

    def _prbs(self, packet: int, msg, plane: str, start_i: int, num_i: int) -> None:
        cc = (msg.eaxc >> self.config.cc_shift) & self.config.cc_mask
        prbs = self.carrier_prbs.get(cc)
        if prbs is None:
            return            # an eAxC on no configured carrier: eaxc-id says so
        t = self.tallies["prb-range"]
        suffix = "c" if plane == "C" else "u"
        for i, sec in enumerate(msg.sections):
            t.evaluated += 1
            start, num = sec[start_i], sec[num_i]
            if num == 0:
                num = prbs - start      # 0: every PRB from startPrb on (of the carrier)
            if start + num > prbs:
                self._fail("prb-range", packet, f"sections[{i}].numPrb{suffix}",
                           f"{plane}-plane section {i + 1} (sectionId {sec[0]}) covers PRBs {start}..{start + num - 1}"
                           f" but carrier CC {cc} has {prbs} PRBs (0..{prbs - 1})", prbs, start + num)

    # ------------------------------------------------------------------ results
    def results(self) -> list[CheckResult]:
        self.settle()
        out = []
        for c in CHECKS:
            t = self.tallies[c.id]
            if t.violations:
                verdict = Verdict.FAIL
            elif any(f.verdict == Verdict.INCONC for f in t.findings):
                verdict = Verdict.INCONC
            elif t.evaluated:
                verdict = Verdict.PASS
            else:
                verdict = Verdict.INCONC
            findings = tuple(t.findings)
            if t.violations > len(t.findings):
                findings += (Finding(Verdict.FAIL, f"fronthaul.{c.id}", f"{t.violations - len(t.findings)} more "
                                     "violation(s) not listed", c.clause),)
            if verdict == Verdict.INCONC:
                findings += (Finding(Verdict.INCONC, f"fronthaul.{c.id}", "the capture has nothing this check "
                                     "applies to", c.clause),)
            remarks = tuple(f"extension type {k} seen {v} time(s)" for k, v in sorted(t.remarks.items()))
            out.append(CheckResult(c.id, c.title, c.clause, verdict, t.evaluated, t.violations, findings, remarks))
        return out


    def capture_issue(self, packet: int, text: str) -> None:
        """Damage of the capture file itself: not the DUT's doing, so INCONC, never FAIL."""
        t = self.tallies["frame-decode"]
        t.findings.append(Finding(Verdict.INCONC, "fronthaul.frame-decode", f"packet {packet}: capture file: {text}",
                                  t.spec.clause, evidence=(packet,)))
        t.order.append((packet, 0))


def check_frames(profile: FronthaulProfile, frames) -> FronthaulChecker:
    """Run the checker over (number, linktype, time, frame, cut) tuples."""
    checker = FronthaulChecker(profile)
    feed = checker.feed
    for number, linktype, _time, frame, cut in frames:
        feed(number, linktype, frame, cut)
    checker.settle()
    return checker
