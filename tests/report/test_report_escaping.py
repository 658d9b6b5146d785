"""DUT strings carrying HTML, scripts, quotes, javascript: URLs and SVG text are inert in the report.

A real run's folder is given hostile strings wherever a DUT (or a forged results
file) could put them; the report is opened in headless Debian Chromium, which
must show no dialog, leave a sentinel global undefined and make no request
that is not file://. This is done with the page's CSP and without it, so the
escaping itself is what is proven.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.report import html, model_view, sources
from tests.report.report_runs import sim_run

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
HOSTILE = ('"><script>window.__pwned=1;alert(1)</script><img src=x onerror="window.__pwned=2;alert(2)">'
           "<svg onload=\"window.__pwned=3\"></svg>' onmouseover='window.__pwned=4' x=' "
           '<a href="javascript:window.__pwned=5">j</a></text><script>window.__pwned=6</script>'
           '<img src="http://198.51.100.7/leak.png"><iframe src="https://198.51.100.7/"></iframe>')


def _poison(value, depth=0):
    """Every string in a decoded message, with the hostile text appended."""
    if isinstance(value, dict):
        return {k: _poison(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_poison(v, depth + 1) for v in value]
    return value + HOSTILE if isinstance(value, str) else value


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("hostile")
    folder = Path(shutil.copytree(sim_run(base / "real"), base / "run"))
    meta = json.loads((folder / "run.json").read_text())
    for key in ("name", "vendor", "model", "sw_version", "hw_version"):
        meta["dut"][key] = HOSTILE
    meta["dut"]["pics"][HOSTILE] = HOSTILE
    meta["lab"].update(name=HOSTILE, site=HOSTILE, operator=HOSTILE, pixit={HOSTILE: HOSTILE})
    meta["asn1"]["e2ap"][HOSTILE] = HOSTILE
    (folder / "run.json").write_text(json.dumps(meta))
    rows = [json.loads(x) for x in (folder / "results.jsonl").read_text().splitlines()]
    for row in rows:
        row["title"] = HOSTILE
        row["pcap"] = "javascript:window.__pwned=7"
        for f in row.get("findings", []):
            f.update(message=HOSTILE, clause=HOSTILE, ie_path=HOSTILE, observed=HOSTILE, verdict="FAIL")
        if row.get("exchange"):
            path = folder / row["exchange"]
            entries = json.loads(path.read_text())
            for e in entries:
                e.update(message=HOSTILE, step=HOSTILE, decoded=_poison(e["decoded"]))
            path.write_text(json.dumps(entries))
    (folder / "results.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return folder


def _probe(page_path: Path, screenshot: Path | None = None) -> dict:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium (/usr/bin/chromium) is not installed")
    dialogs, requests = [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_path.as_uri(), wait_until="load", timeout=60_000)
            page.eval_on_selector_all("details", "els => els.forEach(e => e.open = true)")
            for selector in ("svg text", "td", "pre"):          # hover what a user would hover
                for handle in page.query_selector_all(selector)[:20]:
                    handle.hover(timeout=5_000)
            page.wait_for_timeout(500)
            if screenshot:
                page.screenshot(path=str(screenshot))
            probe = page.evaluate("""() => ({
                pwned: typeof window.__pwned,
                scripts: document.querySelectorAll('script, img, iframe, object, embed').length,
                handlers: [...document.querySelectorAll('*')].filter(
                    el => [...el.attributes].some(a => a.name.startsWith('on'))).length,
                js_links: [...document.querySelectorAll('a')].filter(
                    a => (a.getAttribute('href') || '').trim().toLowerCase().startsWith('javascript')).length,
                text: document.body.innerText})""")
        finally:
            browser.close()
    probe.update(dialogs=dialogs, requests=[u for u in requests if not u.startswith("file://")])
    return probe


def _assert_inert(probe: dict) -> None:
    assert probe["dialogs"] == [], probe["dialogs"]
    assert probe["pwned"] == "undefined"
    assert probe["requests"] == [], probe["requests"]
    assert probe["scripts"] == 0 and probe["handlers"] == 0 and probe["js_links"] == 0
    assert "<script>window.__pwned=1;alert(1)</script>" in probe["text"]     # shown as text, not run


def test_hostile_strings_are_inert_in_chromium(hostile_run, tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["report", "build", str(hostile_run), "-o", str(out)]) == 0
    assert out.with_suffix(".pdf").read_bytes().startswith(b"%PDF")
    _assert_inert(_probe(out, screenshot=Path("/tmp/report-escaping.png")))


def test_escaping_alone_holds_without_the_csp(hostile_run, tmp_path):
    view = model_view.build_view([sources.load_run(hostile_run)], tmp_path)
    page = tmp_path / "no-csp.html"
    page.write_text(html.render(view, csp=False))
    assert "Content-Security-Policy" not in page.read_text()
    _assert_inert(_probe(page))


def test_the_probe_can_fail(tmp_path):
    """The same probe on a page that does run the payload reports it (so a pass means something)."""
    page = tmp_path / "unsafe.html"
    page.write_text(f"<html><body><p>{HOSTILE}</p></body></html>")
    probe = _probe(page)
    assert probe["pwned"] == "number" and probe["dialogs"] and probe["requests"]
