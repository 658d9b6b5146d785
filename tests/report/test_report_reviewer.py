"""What a reviewer sees first: the verdict banner, the failures with their finding and evidence,
the project, readable versions, no local paths, and a bundle whose every link resolves.

Built from real simulator runs with the CLI; the first screen is measured in headless Debian
Chromium at phone, laptop and desktop widths, and the PDF's first page is read back from the file.
"""

from __future__ import annotations

import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from harness.cli.main import main
from harness.report import html, model_view, sources
from harness.report.project import load_project
from harness.spec.errors import ProfileError
from tests.report.pdf_text import page_texts
from tests.report.report_runs import E2_NODE_SPECS, ROOT, sim_run
from tests.report.runs import finding, handmade
from tests.report.test_report_escaping import ARGS, CHROMIUM

FAIL_ID = "E2TS-R003-v02.00:6.2.1.2.1"
NOT_APPLICABLE_SPECS = ("testcases/e2ts/near-rt-ric",)          # for a Near-RT RIC DUT: not applicable here
PROJECT = """name: Joint E2 campaign 2026
test_plan: JIP-E2-TP v1.2
labs:
  - name: sim
    organisation: Example Lab GmbH
    country: DE
    sites: [Berlin, Munich]
    operators: [A. Operator]
"""


@pytest.fixture(scope="module")
def failing(tmp_path_factory) -> dict:
    """A run with failures and many not-applicable rows, built with --project, as HTML, PDF and bundle."""
    base = tmp_path_factory.mktemp("reviewer")
    folder = sim_run(base / "run", specs=E2_NODE_SPECS + NOT_APPLICABLE_SPECS, fault="wrong-transaction-id")
    (base / "project.yaml").write_text(PROJECT)
    report = base / "out" / "report.html"
    assert main(["report", "build", str(folder), "-o", str(report), "--project", str(base / "project.yaml")]) == 0
    assert main(["report", "build", str(folder), "--bundle", str(base / "bundle"), "--no-pdf"]) == 0
    assert main(["report", "build", str(folder), "--bundle", str(base / "bundle.zip"), "--no-pdf"]) == 0
    return {"base": base, "folder": folder, "html": report, "pdf": report.with_suffix(".pdf")}


def test_banner_then_failures_first_with_clause_and_evidence(failing):
    text = failing["html"].read_text()
    banner, attention = text.index('id="verdict"'), text.index('id="attention"')
    assert banner < attention < text.index('id="provenance"') < text.index("not applicable</summary>")
    assert re.search(r'banner-FAIL" id="verdict"><span class="banner-verdict">FAIL</span> <span class="sim">SIMULATED',
                     text)
    first = text[attention:text.index("</li>", attention)]
    assert FAIL_ID in first or "6.2.2.4.1" in first
    assert "O-RAN.WG3.E2AP v03.01 8.2.1 (RIC Subscription)" in first and "answers RIC request ID 1001/2" in first
    assert re.search(r'href="[^"#]+\.pcapng">capture', first) and re.search(r'href="[^"#]+exchange\.json"', first)


def test_not_applicable_rows_are_collapsed_with_their_count(failing):
    view = model_view.build_view([sources.load_run(failing["folder"])], failing["html"].parent)
    n = view.runs[0].certification.not_applicable
    assert n >= 10
    text = failing["html"].read_text()
    summary = re.search(r'<details class="na"><summary>(\d+) test case\(s\) not applicable</summary>', text)
    assert summary and int(summary.group(1)) == n
    selection = text[text.index("<h3>Selection</h3>"):text.index('<details class="na">')]
    assert "NOT-APPLICABLE" not in selection                # the open table holds only the selected cases


def test_project_metadata_replaces_the_hard_coded_name(failing):
    text = failing["html"].read_text()
    assert "Project <b>oran-harness</b>" not in text
    for expected in ("Joint E2 campaign 2026", "JIP-E2-TP v1.2", "Example Lab GmbH (DE)", "Berlin, Munich",
                     "A. Operator"):
        assert expected in text
    assert "Joint E2 campaign 2026" in page_texts(failing["pdf"].read_bytes())[0] or \
        "JointE2campaign2026" in re.sub(r"\s+", "", "".join(page_texts(failing["pdf"].read_bytes())[:2]))


def test_project_file_errors_name_file_and_line(tmp_path, capsys):
    bad = tmp_path / "project.yaml"
    bad.write_text("name: x\nlabs:\n  - name: a\n    contry: DE\n")
    with pytest.raises(ProfileError) as err:
        load_project(bad)
    assert f"{bad}:4" in str(err.value) and "country" in str(err.value)       # did-you-mean
    bad.write_text("name: x\nlabs:\n  - name: a\n    country: Germany\n")
    with pytest.raises(ProfileError, match=r"ISO 3166"):
        load_project(bad)


def test_a_project_file_in_the_results_folder_is_used(tmp_path):
    folder = handmade(tmp_path, [{"id": FAIL_ID, "verdict": "PASS", "oran": "PASS"}])
    (folder / "project.yaml").write_text(PROJECT)
    out = tmp_path / "r.html"
    assert main(["report", "build", str(folder), "-o", str(out), "--no-pdf"]) == 0
    assert "JIP-E2-TP v1.2" in out.read_text()


def test_header_says_not_given_never_a_question_mark(tmp_path):
    folder = handmade(tmp_path, [{"id": FAIL_ID, "verdict": "FAIL", "oran": "FAIL",
                                  "findings": [finding("FAIL", "expect.match", "wrong id")]}],
                      meta={"lab": {"name": "lab-fronthaul"}, "dut": {"name": "o-ru-1", "role": "o-ru"}})
    view = model_view.build_view([sources.load_run(folder)], tmp_path)
    page = html.render(view)
    assert "lab-fronthaul (site not given, operator not given, country not given)" in page
    assert "/ ? /" not in page and ">?<" not in page and "(?)" not in page
    assert view.overall.verdict == "FAIL"


def test_versions_and_transport_are_text_not_json(failing):
    text = failing["html"].read_text()
    assert '<th>E2SM versions</th><td class="mono">E2SM-KPM v03.00, E2SM-RC v01.03</td>' in text
    front = text[text.index("<h3>Device under test</h3>"):text.index("<h3>Summary</h3>")]
    assert "{&#34;" not in front and "{" not in front.replace("{{", "")      # no raw JSON in the front matter
    assert "<th>transport</th><td class=\"mono\">in-process</td>" in text


def _pdf_text(path: Path) -> str:
    return "\n".join(page_texts(path.read_bytes()))


def test_no_absolute_local_path_in_html_or_pdf(failing):
    local = [str(failing["base"]), str(ROOT), str(Path.home())]
    outputs = {"html": failing["html"].read_text(), "pdf": re.sub(r"\s+", "", _pdf_text(failing["pdf"])),
               "bundle": (failing["base"] / "bundle" / "report.html").read_text()}
    for name, text in outputs.items():
        for path in local:
            squashed = re.sub(r"\s+", "", path) if name == "pdf" else path
            assert squashed not in text, f"{path} in the {name}"
    assert "testcases/e2ts/e2-node/reset.yaml:" in outputs["html"]          # spec paths: relative to the spec root


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.links.extend(v for k, v in attrs if k in ("href", "src") and v)


def _links(text: str) -> list[str]:
    parser = _Links()
    parser.feed(text)
    return parser.links


def test_bundle_links_all_resolve_inside_it(failing):
    root = failing["base"] / "bundle"
    text = (root / "report.html").read_text()
    anchors = set(re.findall(r'id="([^"]+)"', text))
    links = _links(text)
    files = [unquote(link) for link in links if not link.startswith("#")]
    assert len(files) >= 6                                   # capture and exchange of every executed case
    for link in links:
        if link.startswith("#"):
            assert link[1:] in anchors, link
            continue
        assert "://" not in link and not link.startswith("/") and ".." not in link.split("/"), link
        target = (root / unquote(link)).resolve()
        assert target.is_relative_to(root.resolve()) and target.is_file(), link
    assert (root / "MANIFEST.json").is_file() and "report.html" in (root / "MANIFEST.json").read_text()
    with zipfile.ZipFile(failing["base"] / "bundle.zip") as archive:
        names = set(archive.namelist())
        assert {"report.html", "MANIFEST.json"} <= names
        assert all(unquote(f) in names for f in files)


def test_bundle_refuses_a_folder_that_is_not_empty(failing, tmp_path, capsys):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "x").write_text("x")
    assert main(["report", "build", str(failing["folder"]), "--bundle", str(tmp_path / "taken"), "--no-pdf"]) == 2
    assert "not an empty folder" in capsys.readouterr().err


def test_interop_matrix_is_labelled_per_interface(tmp_path):
    e2 = handmade(tmp_path / "a", [{"id": FAIL_ID, "verdict": "PASS", "oran": "PASS", "interface": "near-rt-ric.e2"}])
    a1 = handmade(tmp_path / "b", [{"id": "A1TS:1", "verdict": "FAIL", "oran": "FAIL", "interface": "near-rt-ric.a1"}])
    view = model_view.build_view([sources.load_run(e2), sources.load_run(a1)], tmp_path)
    by_name = {m.interface: m for m in view.matrices}
    assert set(by_name) == {"E2", "A1"}
    assert (by_name["E2"].row_kind, by_name["E2"].column_kind) == ("E2 nodes", "Near-RT RICs")
    assert (by_name["A1"].row_kind, by_name["A1"].column_kind) == ("Non-RT RICs", "Near-RT RICs")
    dut = view.runs[0].provenance.dut
    assert by_name["E2"].columns == (dut,) and by_name["E2"].rows[0].startswith("oran-harness as E2 node")
    assert by_name["A1"].rows[0].startswith("oran-harness as") and by_name["A1"].columns == (dut,)
    assert "Rows: Non-RT RICs; columns: Near-RT RICs" in html.render(view)


# --- a real browser and the PDF's first page -----------------------------------------------------

SCREENS = ((375, 667), (1024, 768), (1600, 900))


def _first_screen(page_path: Path) -> dict:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium (/usr/bin/chromium) is not installed")
    out = {}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            for width, height in SCREENS:
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(page_path.as_uri(), wait_until="load", timeout=60_000)
                out[width] = page.evaluate("""() => {
                    const box = el => { const r = el.getBoundingClientRect(); return [r.top, r.bottom, r.width]; };
                    const first = document.querySelector('ol.attention li');
                    return {banner: box(document.getElementById('verdict')), first: box(first),
                            text: first.innerText, scroll: document.documentElement.scrollWidth};
                }""")
                if width == 375:
                    page.screenshot(path=str(page_path.with_name("first-screen-375.png")))
                page.close()
        finally:
            browser.close()
    return out


def test_banner_and_first_failure_are_on_the_first_screen(failing):
    screens = _first_screen(failing["html"])
    for width, height in SCREENS:
        seen = screens[width]
        assert seen["banner"][0] >= 0 and seen["banner"][1] <= height, (width, seen)
        assert seen["first"][1] <= height, (width, seen)          # the whole first failure, finding and evidence
        assert "8.2.1 (RIC Subscription)" in seen["text"] and "capture (pcapng)" in seen["text"]
        assert seen["scroll"] <= width + 1, (width, seen["scroll"])   # no sideways scrolling for the top


def test_pdf_first_page_has_the_banner_and_the_failure(failing):
    first = re.sub(r"\s+", "", page_texts(failing["pdf"].read_bytes())[0])
    assert first.startswith("JointO-RANtestreport") and "FAILSIMULATED" in first
    assert "Failures,errorsandinconclusiveresults" in first
    assert re.sub(r"\s+", "", "O-RAN.WG3.E2AP v03.01 8.2.1 (RIC Subscription)") in first
    assert ".pcapng" in first and "exchange.json" in first


def test_a_passing_run_is_the_control(tmp_path):
    folder = sim_run(tmp_path / "good")
    out = tmp_path / "r.html"
    assert main(["report", "build", str(folder), "-o", str(out)]) == 0
    text = out.read_text()
    assert 'banner-PASS" id="verdict"><span class="banner-verdict">PASS' in text and 'id="attention"' not in text
    first = re.sub(r"\s+", "", page_texts(out.with_suffix(".pdf").read_bytes())[0])
    assert "PASSSIMULATED" in first and "Failures,errors" not in first
