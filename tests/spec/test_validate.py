import io
import textwrap

from harness.spec.validate import main, validate_paths


def test_collects_every_problem_across_files(tmp_path, monkeypatch, codec):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs/a.yaml").write_text(textwrap.dedent("""\
        testcases:
          - id: E2TS-R003-v02.00:1.1
            title: a
            interface: near-rt-ric.e2
            dut: near-rt-ric
            status: mandatory
            steps:
              - send: E2setupReqest
              - expect: ResetRespons
          - id: E2TS-R003-v02.00:1.2
            title: b
            interface: near-rt-ric.e2
            dut: near-rt-ric
            status: mandatory
            steps: [{expect: nothing}]
        """))
    (tmp_path / "specs/b.yaml").write_text(textwrap.dedent("""\
        testcases:
          - id: E2TS-R003-v02.00:1.2
            title: same id
            interface: near-rt-ric.e2
            dut: near-rt-ric
            status: mandatory
            steps: [{expect: nothing}]
        """))
    (tmp_path / "specs/c.yaml").write_text("testcases: [\n")
    errors = validate_paths(["specs"], codec)
    assert [(e.where.file, e.where.line, e.message.split(" (")[0].split(";")[0]) for e in errors] == [
        ("specs/c.yaml", 2, "YAML syntax error: expected the node content, but found '<stream end>'"),
        ("specs/a.yaml", 8, "unknown message 'E2setupReqest'"),
        ("specs/a.yaml", 9, "unknown message 'ResetRespons'"),
        ("specs/b.yaml", 2, "duplicate test case id 'E2TS-R003-v02.00:1.2'"),
    ]
    out = io.StringIO()
    assert main(["specs"], codec, out) == 2
    assert out.getvalue().endswith("4 problem(s) in 3 file(s)\n")


def test_valid(tmp_path, monkeypatch, codec):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.yaml").write_text("groups:\n  g: [{wait: 1}]\n")
    out = io.StringIO()
    assert main(["a.yaml"], codec, out) == 0
    assert out.getvalue() == "1 file(s) valid\n"


def test_the_documented_example_is_valid(tmp_path, codec):
    import re
    from pathlib import Path
    doc = (Path(__file__).resolve().parents[2] / "docs/spec-format.md").read_text()
    example = re.search(r"## A full example\n\n```yaml\n(.*?)```", doc, re.S).group(1)
    (tmp_path / "example.yaml").write_text(example)
    assert validate_paths([tmp_path / "example.yaml"], codec) == []
