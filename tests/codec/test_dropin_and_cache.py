"""Drop-in ASN.1 folders (with the defects files in circulation have) and the compiled-spec cache."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

from harness.codec import catalog, compiler
from harness.codec.e2 import E2Codec, E2Versions
from harness.codec.errors import Asn1SourceError
from tests.helpers import e2msgs as m


def _kpm_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "kpm"
    folder.mkdir()
    for f in catalog.builtin("e2sm-kpm", "v03.00").files:
        shutil.copy(f, folder / f.name)
    return folder


def test_a_type_used_but_not_imported_is_repaired_with_a_warning(tmp_path):
    folder = _kpm_folder(tmp_path)
    kpm = folder / "E2SM-KPM-IEs.asn"
    text = kpm.read_text()
    kpm.write_text(text.replace("    PLMNIdentity,\n", "", 1))
    compiled = compiler.compile_sources([(str(p), p.read_text()) for p in sorted(folder.iterdir())])
    assert compiled.warnings == (
        f"{kpm}: module E2SM-KPM-IEs uses 'PLMNIdentity' without importing it; "
        "repaired: imported it from E2SM-COMMON-IEs",)


def test_an_import_spelled_with_another_case_is_repaired_with_a_warning(tmp_path):
    folder = _kpm_folder(tmp_path)
    kpm = folder / "E2SM-KPM-IEs.asn"
    kpm.write_text(kpm.read_text().replace("PLMNIdentity", "PLMNidentity"))
    compiled = compiler.compile_sources([(str(p), p.read_text()) for p in sorted(folder.iterdir())])
    assert compiled.warnings == (
        f"{kpm}: module E2SM-KPM-IEs imports 'PLMNidentity' from E2SM-COMMON-IEs, which defines "
        "'PLMNIdentity'; repaired: used 'PLMNIdentity'",)


def test_a_drop_in_folder_is_used_through_the_same_pipeline(tmp_path):
    folder = _kpm_folder(tmp_path)
    codec = E2Codec(E2Versions(folders={"e2sm-kpm": folder}), cache_dir=tmp_path / "cache")
    assert codec.e2sm("e2sm-kpm").label == "e2sm-kpm v03.00"
    header = m.kpm_header()[1]
    data = codec.encode(header, "E2SM-KPM-IndicationHeader", protocol="e2sm-kpm")
    assert codec.decode(data, "E2SM-KPM-IndicationHeader", protocol="e2sm-kpm") == header


def test_a_folder_without_asn1_is_a_clear_error(tmp_path):
    with pytest.raises(Asn1SourceError) as info:
        catalog.from_folder(tmp_path, "e2sm-kpm", "v09.99")
    assert str(info.value) == f"{tmp_path}: no .asn or .asn1 files"


def test_a_syntax_error_in_a_drop_in_file_names_its_line(tmp_path):
    folder = _kpm_folder(tmp_path)
    kpm = folder / "E2SM-KPM-IEs.asn"
    lines = kpm.read_text().splitlines()
    n = next(i for i, line in enumerate(lines) if line.startswith("BinIndex ::="))
    lines[n] = "BinIndex ::= INTEGER (1..65535, ...) )"
    kpm.write_text("\n".join(lines) + "\n")
    with pytest.raises(Asn1SourceError) as info:
        compiler.compile_sources([(str(p), p.read_text()) for p in sorted(folder.iterdir())])
    assert str(info.value) == f"{kpm}:{n + 1}: unbalanced ')' in BinIndex"


def test_the_cache_is_keyed_by_content_and_reused(tmp_path):
    files = list(catalog.builtin("e2sm-rc", "v01.03").files)
    first = compiler.compile_files(files, tmp_path)
    entries = list(tmp_path.glob("*.pickle"))
    assert len(entries) == 1
    key = compiler.cache_key([(str(p), p.read_text()) for p in files])
    assert entries[0].name == f"{key}.pickle"
    # A second load reads the pickle: prove it by planting a marker in it.
    marked = compiler.CompiledAsn1(first.spec, first.types, first.object_sets, first.slots,
                                   first.source_hashes, ("from-cache",), first.values, first.value_types)
    entries[0].write_bytes(pickle.dumps(marked))
    assert compiler.compile_files(files, tmp_path).warnings == ("from-cache",)


def test_a_changed_source_misses_the_cache(tmp_path):
    (tmp_path / "src").mkdir()
    folder = _kpm_folder(tmp_path / "src")
    files = sorted(folder.iterdir())
    compiler.compile_files(files, tmp_path / "cache")
    kpm = folder / "E2SM-KPM-IEs.asn"
    kpm.write_text(kpm.read_text() + "\n-- a comment changes the hash\n")
    compiler.compile_files(files, tmp_path / "cache")
    assert len(list((tmp_path / "cache").glob("*.pickle"))) == 2


def test_a_corrupt_cache_entry_is_recompiled(tmp_path):
    files = list(catalog.builtin("e2sm-rc", "v01.03").files)
    key = compiler.cache_key([(str(p), p.read_text()) for p in files])
    tmp_path.joinpath(f"{key}.pickle").write_bytes(b"not a pickle")
    compiled = compiler.compile_files(files, tmp_path)
    assert "E2SM-RC-ControlHeader" in compiled.spec.types
