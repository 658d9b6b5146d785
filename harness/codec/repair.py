"""Repairs for defects common in ASN.1 files in circulation.

Files copied out of specification documents often have a type that is used but
never imported, or an import spelled with a different case from the definition.
Both are repaired in the text, and each repair is reported as a warning that
names the file, the symbol and what was done, so the lab can fix its copy.
"""

from __future__ import annotations

import re

from harness.codec.asn1lex import tokenize
from harness.codec.lowering import _RESERVED, _split_modules


def _definitions(module) -> set[str]:
    return {a.name for a in module.assignments}


def repair_sources(sources: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[str]]:
    """Return repaired sources and one warning per repair."""
    parsed = []
    for file, text in sources:
        mods = _split_modules(tokenize(text, file), file)
        parsed.append((file, text, mods))
    defined: dict[str, list[str]] = {}
    for _, _, mods in parsed:
        for m in mods:
            for name in _definitions(m):
                defined.setdefault(name, []).append(m.name)
    by_module = {m.name: m for _, _, mods in parsed for m in mods}
    lower_index = {name.lower(): name for name in defined}
    warnings: list[str] = []
    out = []
    for file, text, mods in parsed:
        for m in mods:
            text = _repair_case(file, text, m, by_module, warnings)
            text = _repair_missing_imports(file, text, m, defined, lower_index, warnings)
        out.append((file, text))
    return out, warnings


def _replace_word(text: str, old: str, new: str) -> str:
    return re.sub(rf"(?<![\w&-]){re.escape(old)}(?![\w-])", new, text)


def _repair_case(file: str, text: str, m, by_module: dict, warnings: list) -> str:
    for src, syms in m.imports.items():
        target = by_module.get(src)
        if target is None:
            continue
        names = {n.lower(): n for n in _definitions(target)}
        for sym in syms:
            real = names.get(sym.lower())
            if real is not None and real != sym:
                text = _replace_word(text, sym, real)
                warnings.append(
                    f"{file}: module {m.name} imports '{sym}' from {src}, which defines '{real}'; "
                    f"repaired: used '{real}'")
    return text


def _repair_missing_imports(file: str, text: str, m, defined: dict, lower_index: dict, warnings: list) -> str:
    local = _definitions(m)
    imported = {s for syms in m.imports.values() for s in syms}
    imported_lower = {s.lower() for s in imported}
    missing: dict[str, list[str]] = {}
    for a in m.assignments:
        for t in a.body + a.governor:
            w = t.text
            if t.kind != "word" or not w[0].isupper() or w in _RESERVED or w in local or w in imported:
                continue
            if w.lower() in imported_lower:
                continue
            homes = [h for h in defined.get(w, []) if h != m.name]
            if len(homes) == 1:
                missing.setdefault(homes[0], [])
                if w not in missing[homes[0]]:
                    missing[homes[0]].append(w)
    if not missing:
        return text
    clause = " ".join(f"{', '.join(syms)} FROM {src}" for src, syms in missing.items())
    for src, syms in missing.items():
        for s in syms:
            warnings.append(f"{file}: module {m.name} uses '{s}' without importing it; "
                            f"repaired: imported it from {src}")
    # Insert into the module's IMPORTS (or add one right after BEGIN).
    head = re.compile(rf"\b{re.escape(m.name)}\b.*?\bBEGIN\b", re.S)
    hm = head.search(text)
    if hm is None:
        return text
    rest = text[hm.end():]
    imp = re.match(r"\s*(?:--[^\n]*\n\s*)*IMPORTS\b", rest)
    if imp:
        pos = hm.end() + imp.end()
        return text[:pos] + f" {clause} " + text[pos:]
    return text[:hm.end()] + f"\nIMPORTS {clause} ;\n" + text[hm.end():]
