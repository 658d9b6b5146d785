"""Executors of the lab step kinds (labsteps.py): the lab's file server and the CU-plane cross-check.

Blame: a file the O-RU should have uploaded that never arrives, arrives half
written, with other bytes or without a text it must hold is the O-RU's FAIL; an endpoint whose eAxC id or
PRB count differs from the lab's fronthaul profile is a FAIL naming both values
(the O-RU and the CU-plane captures of the same lab would disagree); a server
that cannot start, a served file that cannot be read, or a lab with no fronthaul
profile is an ERROR of the lab.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from lxml import etree

from harness.core.verdict import Finding, Verdict
from harness.interfaces.mplane.executors import MplaneEnv, _env
from harness.interfaces.mplane.fileserver import SftpFileServer
from harness.interfaces.mplane.labsteps import ExpectCuplaneMatchStep, ExpectFileStep, FileServerStep
from harness.runner.context import StepContext
from harness.runner.registry import register_executor

UPLANE = "urn:o-ran:uplane-conf:1.0"
FH_CLAUSE = "O-RAN.WG4.CUS.0 v10.00 5.1.3.1.6 (eAxC id)"


def _server(ctx: StepContext) -> SftpFileServer | None:
    return ctx.state("lab-file-server", dict).get("server")


def run_file_server(ctx: StepContext, step: FileServerStep) -> None:
    _env(ctx)
    if _server(ctx) is not None:
        ctx.error("spec.file-server", "the lab's file server already runs in this test case")
    folder = Path(tempfile.mkdtemp(prefix="oran-lab-files-"))
    served: dict[str, str] = {}
    try:
        for given, item in step.files.items():
            name = str(ctx.resolve(given))
            if not name or "/" in name or name in (".", ".."):
                ctx.error("spec.file-server", f"file-server files: {name!r} is not a plain file name")
            if "path" in item:
                src = Path(str(ctx.resolve(item["path"])))
                if not src.is_absolute():
                    src = Path(str(step.where.file)).resolve().parent / src
                (folder / name).write_bytes(src.read_bytes())
            else:
                (folder / name).write_text(str(ctx.resolve(item["text"])), encoding="utf-8")
            served[name] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        server = SftpFileServer(folder).start()
    except OSError as err:
        shutil.rmtree(folder, ignore_errors=True)
        ctx.error("lab.file-server", f"the lab's file server cannot start: {err}")

    def stop() -> None:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)

    ctx.add_finisher(stop)
    ctx.state("lab-file-server", dict)["server"] = server
    ctx.vars["file_server"] = {"uri": f"sftp://{server.username}@{server.host}:{server.port}",
                               "username": server.username, "password": server.password,
                               "served": served}
    ctx.pass_("file-server", f"the lab's SFTP server listens on {server.host}:{server.port}, serving "
              + (", ".join(f"{n} (sha256 {d[:12]}...)" for n, d in served.items()) or "no files"))


def run_expect_file(ctx: StepContext, step: ExpectFileStep) -> None:
    _env(ctx)
    server = _server(ctx)
    if server is None:
        ctx.error("spec.expect-file", "no lab file server in this test case: add a file-server step first")
    name = str(ctx.resolve(step.name))
    clause = ctx.clause(step)
    timer = ctx.timer(step.timer, ctx.timers.expect)
    deadline = time.monotonic() + timer
    while name not in server.closed and time.monotonic() < deadline:
        time.sleep(0.05)
    path = server.root / name
    if name not in server.closed:
        seen = f"{path.stat().st_size} octets written, never closed" if path.exists() else "nothing"
        ctx.fail("file.arrived", f"{name} did not arrive whole on the lab's file server within {timer:g} s "
                 f"({seen})", clause=clause, expected=name, observed=seen)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    want = None
    if step.same_as is not None:
        served = ctx.vars["file_server"]["served"]
        if step.same_as not in served:
            ctx.error("spec.expect-file", f"same-as {step.same_as!r} is no file the lab's server serves "
                      f"({', '.join(served) or 'none'})")
        want = served[step.same_as]
    elif step.sha256 is not None:
        want = str(ctx.resolve(step.sha256)).lower()
    problems = []
    if len(data) < step.min_size:
        problems.append(Finding(Verdict.FAIL, "file.size", f"{name} holds {len(data)} octets, fewer than "
                                f"{step.min_size}", clause=clause, expected=step.min_size, observed=len(data),
                                step=ctx.where(step)))
    if want is not None and digest != want:
        what = f"the served {step.same_as}" if step.same_as else "the expected file"
        problems.append(Finding(Verdict.FAIL, "file.content", f"{name} arrived with other bytes than {what}: "
                                f"sha256 {digest}, expected {want} ({len(data)} octets)", clause=clause,
                                expected=want, observed=digest, step=ctx.where(step)))
    for given in step.contains:
        text = str(ctx.resolve(given))
        if text.encode("utf-8") not in data:
            head = data[:80].decode("utf-8", "replace")
            problems.append(Finding(Verdict.FAIL, "file.contains", f"{name} ({len(data)} octets) does not hold "
                                    f"{text!r}" + (f"; it begins {head!r}" if head else ""), clause=clause,
                                    expected=text, observed=head, step=ctx.where(step)))
    ctx.add_all(problems)
    held = f", holding {', '.join(repr(str(ctx.resolve(t))) for t in step.contains)}" if step.contains else ""
    ctx.pass_("file.arrived", f"{name} arrived whole: {len(data)} octets, sha256 {digest}{held}", clause=clause)


def _endpoints(root: etree._Element) -> list[tuple[str, str, int | None, int | None]]:
    """(list name, endpoint name, eaxc-id, number-of-prb) of each low-level endpoint in a reply."""
    out = []
    for kind in ("low-level-tx-endpoints", "low-level-rx-endpoints"):
        for ep in root.iter(f"{{{UPLANE}}}{kind}"):
            eaxc = ep.findtext(f"{{{UPLANE}}}e-axcid/{{{UPLANE}}}eaxc-id")
            prbs = ep.findtext(f"{{{UPLANE}}}number-of-prb-per-scs/{{{UPLANE}}}number-of-prb")
            out.append((kind, (ep.findtext(f"{{{UPLANE}}}name") or "?").strip(), _int(eaxc), _int(prbs)))
    return out


def _int(text: str | None) -> int | None:
    try:
        return int((text or "").strip())
    except ValueError:
        return None


def run_expect_cuplane_match(ctx: StepContext, step: ExpectCuplaneMatchStep) -> None:
    env: MplaneEnv = _env(ctx)
    fh: Any = env.fronthaul
    clause = f"{ctx.clause(step)}; {FH_CLAUSE}"
    if fh is None:
        ctx.error("lab.fronthaul", "the lab profile names no fronthaul profile (mplane.fronthaul_profile): "
                  "nothing to cross-check the O-RU's U-plane configuration with")
    if env.reply is None or env.reply.errors:
        ctx.error("spec.expect-cuplane-match", "no data reply to cross-check: put a get or get-config of "
                  "o-ran-uplane-conf user-plane-configuration before")
    endpoints = _endpoints(env.reply.element)
    lab_ids = sorted(fh.eaxc_ids)
    where = f"the lab's fronthaul profile {fh.path}"
    problems = []
    if not endpoints:
        ctx.fail("cuplane.endpoints", "the O-RU reports no low-level endpoint with an eaxc-id", clause=clause,
                 expected=[fh.split.describe(e) for e in lab_ids], observed=[])
    reported = sorted({e[2] for e in endpoints if e[2] is not None})
    for kind, name, eaxc, prbs in endpoints:
        if eaxc is None or eaxc not in fh.eaxc_ids:
            problems.append(Finding(Verdict.FAIL, "cuplane.eaxc-id", f"{kind} {name}: the O-RU reports eAxC id "
                                    f"{fh.split.describe(eaxc) if eaxc is not None else 'none'}; {where} "
                                    f"configures {', '.join(fh.split.describe(e) for e in lab_ids)}",
                                    clause=clause, expected=lab_ids, observed=eaxc, step=ctx.where(step),
                                    ie_path=f"/o-ran-uplane-conf:user-plane-configuration/{kind}[name='{name}']"
                                    "/e-axcid/eaxc-id"))
            continue
        carrier = fh.carrier(fh.split.split(eaxc)[2])
        if carrier is not None and prbs is not None and prbs != carrier.prbs:
            problems.append(Finding(Verdict.FAIL, "cuplane.prbs", f"{kind} {name} ({fh.split.describe(eaxc)}): "
                                    f"the O-RU reports {prbs} PRBs; {where} gives carrier CC {carrier.cc} "
                                    f"{carrier.prbs} PRBs", clause=clause, expected=carrier.prbs, observed=prbs,
                                    step=ctx.where(step), ie_path=f"/o-ran-uplane-conf:user-plane-configuration/"
                                    f"{kind}[name='{name}']/number-of-prb-per-scs/number-of-prb"))
    for eaxc in lab_ids:
        if eaxc not in reported:
            problems.append(Finding(Verdict.FAIL, "cuplane.eaxc-id", f"{where} configures eAxC id "
                                    f"{fh.split.describe(eaxc)}; no endpoint of the O-RU has it (it reports "
                                    f"{', '.join(map(str, reported)) or 'none'})", clause=clause,
                                    expected=eaxc, observed=reported, step=ctx.where(step)))
    ctx.add_all(problems)
    ctx.pass_("cuplane.match", f"{len(endpoints)} endpoint(s) of the O-RU carry the eAxC ids and PRB counts of "
              f"{where}", clause=clause)


register_executor(FileServerStep, run_file_server)
register_executor(ExpectFileStep, run_expect_file)
register_executor(ExpectCuplaneMatchStep, run_expect_cuplane_match)
