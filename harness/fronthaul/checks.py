"""Conformance checks on a fronthaul capture, one verdict per check.

Theory of operation: `FronthaulChecker.feed` takes one captured frame at a time
(packet number, link type, bytes), reads its eCPRI messages with
`harness.fronthaul.fastparse` and applies every check; `results()` gives one
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

from harness.fronthaul.clauses import clause
from harness.fronthaul.fastparse import ecpri_offset, parse_frame
from harness.fronthaul.profile import FronthaulProfile
from harness.verdict import Finding, Verdict

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
    __slots__ = ("spec", "evaluated", "violations", "findings", "remarks")

    def __init__(self, spec: CheckSpec) -> None:
        self.spec = spec
        self.evaluated = 0
        self.violations = 0
        self.findings: list = []
        self.remarks: dict = {}


class FronthaulChecker:
    """Checks frames fed in capture order against a `FronthaulProfile`."""

    def __init__(self, profile: FronthaulProfile) -> None:
        self.profile = profile
        self.config = profile.parse_config()
        self.tallies = {c.id: _Tally(c) for c in CHECKS}
        self.eaxcs = frozenset(profile.eaxc_ids)
        self.carrier_prbs = {c.cc: c.prbs for c in profile.carriers}
        self.seq: dict = {}          # (plane, eAxC, direction) -> (packet, seq, e_bit, subseq)
        self.frames = 0
        self.messages = 0
        self.other = 0               # frames that are not eCPRI
        self._hot = tuple(self.tallies[k] for k in ("frame-decode", "ecpri-revision", "ecpri-reserved",
                                                      "message-type", "payload-version"))

    # ------------------------------------------------------------------ findings
    def _fail(self, check: str, packet: int, field: str, text: str, expected=None, observed=None) -> None:
        t = self.tallies[check]
        t.violations += 1
        if len(t.findings) < MAX_FINDINGS:
            t.findings.append(Finding(Verdict.FAIL, f"fronthaul.{check}", f"packet {packet}: {text}",
                                      t.spec.clause, ie_path=field, expected=expected, observed=observed,
                                      evidence=(packet,)))

    # ------------------------------------------------------------------ feeding
    def feed(self, packet: int, linktype: int, frame: bytes, cut: bool = False) -> None:
        """Check one captured frame (non-eCPRI frames are counted and ignored)."""
        self.frames += 1
        off, vlans = ecpri_offset(linktype, frame)
        if off < 0:
            self.other += 1
            return
        t = self.tallies
        decode, revision, reserved, mtypes, version = self._hot
        for msg in parse_frame(frame, off, vlans, self.config):
            self.messages += 1
            decode.evaluated += 1
            if msg.error is not None:
                why = " (the capture cut this frame short: snap length)" if cut else ""
                self._fail("frame-decode", packet, msg.error_field, msg.error + why)
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
            if msg.radio is None:
                continue
            direction = msg.radio[0]
            self._sequence(packet, plane, msg, direction)
            version.evaluated += 1
            if msg.radio[1] != 1:
                self._fail("payload-version", packet, f"{'uplane' if plane == 'U' else 'cplane'}.payloadVersion",
                           f"payloadVersion is {msg.radio[1]}, not 1", 1, msg.radio[1])
            if plane == "C":
                self._cplane(packet, msg)
            else:
                self._prbs(packet, msg, "U", 3, 4)

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

    def _sequence(self, packet: int, plane: str, msg, direction: int) -> None:
        t = self.tallies["seq-continuity"]
        key = (plane, msg.eaxc, direction)
        prev = self.seq.get(key)
        self.seq[key] = (packet, msg.seq_id, msg.e_bit, msg.subseq_id)
        if prev is None:
            return
        t.evaluated += 1
        p_packet, p_seq, p_e, p_sub = prev
        if p_e:       # the previous message was complete: a new sequence id, first subsequence
            want_seq, want_sub = (p_seq + 1) & 0xFF, 0
        else:         # radio-transport fragment: same sequence id, next subsequence
            want_seq, want_sub = p_seq, (p_sub + 1) & 0x7F
        if msg.seq_id == want_seq and msg.subseq_id == want_sub:
            return
        flow = f"{plane}-plane {'DL' if direction else 'UL'} eAxC 0x{msg.eaxc:04x}"
        if msg.seq_id != want_seq:
            missing = (msg.seq_id - want_seq) & 0xFF
            what = (f"{missing} message(s) missing" if missing < 128 else "out of order or repeated")
            text = (f"{flow}: sequence id {msg.seq_id} follows {p_seq} (packet {p_packet}); expected "
                    f"{want_seq}: {what}")
            self._fail("seq-continuity", packet, "ecpri.seq_id", text, want_seq, msg.seq_id)
        else:
            self._fail("seq-continuity", packet, "ecpri.subseq_id", f"{flow}: subsequence id {msg.subseq_id} "
                       f"follows {p_sub} (packet {p_packet}) of sequence {p_seq}; expected {want_sub}",
                       want_sub, msg.subseq_id)

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


def check_frames(profile: FronthaulProfile, frames) -> FronthaulChecker:
    """Run the checker over (number, linktype, time, frame, cut) tuples."""
    checker = FronthaulChecker(profile)
    feed = checker.feed
    for number, linktype, _time, frame, cut in frames:
        feed(number, linktype, frame, cut)
    return checker
