"""Lowering: rewrite X.681/X.683 constructs that asn1tools cannot compile.

Theory of operation
-------------------
asn1tools parses plain X.680 well but loses the actual parameters of
parameterised types (``ProtocolIE-Container {{E2setupRequestIEs}}``) and keeps
no members of information object sets, so E2AP as published does not compile
and open types stay raw bytes. We do not patch asn1tools; instead we rewrite the
source before it sees it:

1. tokenise every module (file:line kept on every token), split it into
   assignments and classify them (type, value, class, object, object set,
   parameterised type);
2. parse CLASS definitions with their WITH SYNTAX, and every object and object
   set into plain tables (`ObjectSet` of `InfoObject`);
3. instantiate each use of a parameterised type into a concrete, named type
   emitted in the module that defines the template (for example
   ``ProtocolIE-Container-E2setupRequestIEs``), recursively;
4. drop table constraints (``({Set}{@id})``) from class field references,
   recording each as a `TableSlot` (enclosing type, component, object set,
   class field, key component) so the codec can resolve open types itself;
5. emit plain ASN.1 text per module, objects and sets removed, imports
   regenerated, with a line map back to the user's files.

Invariants: every object set member and every table constraint in the input is
either represented in the output tables or reported as an `Asn1SourceError`
naming file:line; nothing is silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.codec.asn1lex import Token, tokenize
from harness.codec.errors import Asn1SourceError

_RESERVED = frozenset("""
ABSENT ABSTRACT-SYNTAX ALL APPLICATION AUTOMATIC BEGIN BIT BMPString BOOLEAN BY
CHARACTER CHOICE CLASS COMPONENT COMPONENTS CONSTRAINED CONTAINING DATE DATE-TIME
DEFAULT DEFINITIONS DURATION EMBEDDED ENCODED ENCODING-CONTROL END ENUMERATED
EXCEPT EXPLICIT EXPORTS EXTENSIBILITY EXTERNAL FALSE FROM GeneralizedTime
GeneralString GraphicString IA5String IDENTIFIER IMPLICIT IMPLIED IMPORTS INCLUDES
INSTANCE INSTRUCTIONS INTEGER INTERSECTION ISO646String MAX MIN MINUS-INFINITY
NOT-A-NUMBER NULL NumericString OBJECT ObjectDescriptor OCTET OF OID-IRI OPTIONAL
PATTERN PDV PLUS-INFINITY PRESENT PrintableString PRIVATE REAL RELATIVE-OID
RELATIVE-OID-IRI SEQUENCE SET SETTINGS SIZE STRING SYNTAX T61String TAGS
TeletexString TIME TIME-OF-DAY TRUE TYPE-IDENTIFIER UNION UNIQUE UNIVERSAL
UniversalString UTCTime UTF8String VideotexString VisibleString WITH
""".split())


@dataclass(frozen=True, slots=True)
class ClassField:
    """One field of an information object class."""

    name: str            # '&id', '&Value'
    is_type: bool        # a type field (&Value) rather than a value field (&id)
    type_tokens: tuple[str, ...]  # the governing type of a value field
    optional: bool
    default: str | None


@dataclass(frozen=True, slots=True)
class ClassDef:
    module: str
    name: str
    fields: tuple[ClassField, ...]
    syntax: tuple  # nested tuples: ('lit', word) | ('field', name) | ('opt', (...))

    def field(self, name: str) -> ClassField:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


@dataclass(frozen=True, slots=True)
class InfoObject:
    """One information object: field name -> value.

    Value fields hold an int (resolved value reference or literal) or an
    identifier string (enumerated value such as 'reject'); type fields hold the
    name of a compiled type.
    """

    fields: dict
    where: str


@dataclass(frozen=True, slots=True)
class ObjectSet:
    module: str
    name: str
    class_name: str
    objects: tuple[InfoObject, ...]
    extensible: bool
    where: str


@dataclass(frozen=True, slots=True)
class TableSlot:
    """A component constrained by a table: where an open type lives.

    ``key`` is the sibling component whose value selects the object (None for
    a simple table constraint on the key itself).
    """

    type_name: str
    component: str
    object_set: str
    class_name: str
    class_field: str
    key: str | None
    where: str


@dataclass(frozen=True, slots=True)
class Lowered:
    """The output of lowering: plain ASN.1 plus the tables asn1tools lacks."""

    texts: dict          # module name -> ASN.1 text for asn1tools
    line_maps: dict      # module name -> list of origin 'file:line' per output line (1-based)
    classes: dict        # class name -> ClassDef
    object_sets: dict    # set name -> ObjectSet
    slots: dict          # (type name, component) -> TableSlot
    values: dict         # value name -> int (integer value assignments)
    warnings: tuple


@dataclass
class _Assignment:
    module: str
    name: str
    kind: str              # type | value | class | object | objectset | ptype
    governor: list         # tokens between name and '::=' (value/object/set), or params for ptype
    body: list
    first: Token


@dataclass
class _Module:
    name: str
    header: list
    imports: dict          # source module -> list of symbol names (as written)
    import_oids: dict      # source module -> tokens of its assigned identifier
    assignments: list
    file: str
    first: Token


def _is_upper(tok: Token) -> bool:
    return tok.kind == "word" and tok.text[0].isupper()


def _is_lower(tok: Token) -> bool:
    return tok.kind == "word" and tok.text[0].islower()


def _match_brace(tokens: list, start: int, open_: str = "{", close: str = "}") -> int:
    """Index of the token closing the bracket opened at ``start``."""
    depth = 0
    for i in range(start, len(tokens)):
        t = tokens[i].text
        if t == open_:
            depth += 1
        elif t == close:
            depth -= 1
            if depth == 0:
                return i
    raise Asn1SourceError(f"{tokens[start].where()}: unbalanced '{open_}'")


def _match_brace_back(tokens: list, end: int) -> int:
    depth = 0
    for i in range(end, -1, -1):
        t = tokens[i].text
        if t == "}":
            depth += 1
        elif t == "{":
            depth -= 1
            if depth == 0:
                return i
    raise Asn1SourceError(f"{tokens[end].where()}: unbalanced '}}'")


def _split_modules(tokens: list, file: str) -> list[_Module]:
    modules = []
    i = 0
    while i < len(tokens):
        try:
            d = next(k for k in range(i, len(tokens)) if tokens[k].text == "DEFINITIONS")
        except StopIteration:
            if i < len(tokens):
                raise Asn1SourceError(f"{tokens[i].where()}: text outside a module definition") from None
            break
        begin = next((k for k in range(d, len(tokens)) if tokens[k].text == "BEGIN"), None)
        if begin is None:
            raise Asn1SourceError(f"{tokens[d].where()}: module has no BEGIN")
        depth, end = 0, None
        for k in range(begin + 1, len(tokens)):
            if tokens[k].text == "END" and depth == 0:
                end = k
                # The module ends at the last END before the next module header.
                nxt = next((m for m in range(k + 1, len(tokens)) if tokens[m].text == "DEFINITIONS"), None)
                later_end = [m for m in range(k + 1, nxt if nxt else len(tokens)) if tokens[m].text == "END"]
                if later_end:
                    end = later_end[-1]
                break
        if end is None:
            raise Asn1SourceError(f"{tokens[begin].where()}: module has no END")
        header = tokens[i:begin + 1]
        modules.append(_parse_module(tokens[i].text, header, tokens[begin + 1:end], file, tokens[i]))
        i = end + 1
    return modules


def _parse_imports(body: list) -> tuple[dict, dict, int]:
    """Parse IMPORTS ... ; at the start of a body; return (imports, oids, index after)."""
    i = 0
    imports: dict = {}
    oids: dict = {}
    if i < len(body) and body[i].text == "EXPORTS":
        i = next(k for k in range(i, len(body)) if body[k].text == ";") + 1
    if i < len(body) and body[i].text == "IMPORTS":
        i += 1
        symbols: list = []
        while body[i].text != ";":
            t = body[i]
            if t.text == "FROM":
                src = body[i + 1].text
                imports.setdefault(src, []).extend(symbols)
                symbols = []
                i += 2
                if body[i].text == "{":
                    j = _match_brace(body, i)
                    oids[src] = [x.text for x in body[i:j + 1]]
                    i = j + 1
                continue
            if t.text == ",":
                i += 1
                continue
            if t.text == "{" and body[i + 1].text == "}":   # parameterised symbol 'Name{}'
                i += 2
                continue
            symbols.append(t.text)
            i += 1
        i += 1
        if symbols:
            raise Asn1SourceError(f"{body[i - 1].where()}: imported symbols without FROM: {symbols}")
    if i < len(body) and body[i].text == "EXPORTS":
        i = next(k for k in range(i, len(body)) if body[k].text == ";") + 1
    return imports, oids, i


def _lhs_start(body: list, i: int, floor: int) -> int:
    """Index where the assignment whose '::=' is at ``i`` starts."""
    prev = body[i - 1]
    if prev.text == "}":
        j = _match_brace_back(body, i - 1)
        return j - 1
    after = body[i + 1] if i + 1 < len(body) else None
    type_rhs = after is not None and (after.text == "[" or (_is_upper(after) and after.text not in ("TRUE", "FALSE")))
    if type_rhs or i - 2 < floor:
        return i - 1
    return i - 2


def _parse_module(name: str, header: list, body: list, file: str, first: Token) -> _Module:
    imports, oids, start = _parse_imports(body)
    marks = [k for k in range(start, len(body)) if body[k].text == "::="]
    starts = []
    floor = start
    for k in marks:
        s = _lhs_start(body, k, floor)
        starts.append(s)
        floor = k + 1
    assignments = []
    for n, (k, s) in enumerate(zip(marks, starts, strict=True)):
        end = starts[n + 1] if n + 1 < len(starts) else len(body)
        lhs, rhs = body[s:k], body[k + 1:end]
        if not lhs or lhs[0].kind != "word":
            raise Asn1SourceError(f"{body[k].where()}: cannot find the name of this assignment")
        _check_balanced(lhs[0], rhs)
        assignments.append(_classify(name, lhs, rhs))
    return _Module(name, header, imports, oids, assignments, file, first)


def _check_balanced(head: Token, rhs: list) -> None:
    pairs = {"{": "}", "(": ")", "[": "]"}
    stack: list = []
    for t in rhs:
        if t.text in pairs:
            stack.append(t)
        elif t.text in pairs.values():
            if not stack or pairs[stack[-1].text] != t.text:
                raise Asn1SourceError(f"{t.where()}: unbalanced '{t.text}' in {head.text}")
            stack.pop()
    if stack:
        raise Asn1SourceError(f"{stack[-1].where()}: unbalanced '{stack[-1].text}' in {head.text}")


def _classify(module: str, lhs: list, rhs: list) -> _Assignment:
    head = lhs[0]
    if len(lhs) > 1 and lhs[1].text == "{":
        return _Assignment(module, head.text, "ptype", lhs[1:], rhs, head)
    if rhs and rhs[0].text == "CLASS":
        return _Assignment(module, head.text, "class", [], rhs, head)
    if len(lhs) == 1:
        return _Assignment(module, head.text, "type", [], rhs, head)
    kind = "value"
    gov = lhs[1:]
    if len(gov) == 1 and gov[0].kind == "word" and gov[0].text.upper() == gov[0].text and \
            gov[0].text not in _RESERVED and rhs and rhs[0].text == "{":
        kind = "objectset" if head.text[0].isupper() else "object"
    return _Assignment(module, head.text, kind, gov, rhs, head)


# ---------------------------------------------------------------- classes


def _parse_class(a: _Assignment) -> ClassDef:
    body = a.body
    if len(body) < 2 or body[1].text != "{":
        raise Asn1SourceError(f"{a.first.where()}: CLASS {a.name} has no field list")
    close = _match_brace(body, 1)
    fields = []
    for part in _split_commas(body[2:close]):
        if not part or part[0].kind != "field":
            raise Asn1SourceError(f"{(part or body)[0].where()}: bad field in CLASS {a.name}")
        fname = part[0].text
        rest = [t.text for t in part[1:]]
        optional = "OPTIONAL" in rest
        default = None
        if "DEFAULT" in rest:
            default = " ".join(rest[rest.index("DEFAULT") + 1:])
        type_tokens = tuple(t for t in rest if t not in ("UNIQUE", "OPTIONAL"))
        if "DEFAULT" in type_tokens:
            type_tokens = type_tokens[:type_tokens.index("DEFAULT")]
        is_type = fname[1].isupper() and not type_tokens
        fields.append(ClassField(fname, is_type, type_tokens, optional, default))
    syntax: tuple
    tail = body[close + 1:]
    if tail and tail[0].text == "WITH":
        if len(tail) < 3 or tail[1].text != "SYNTAX" or tail[2].text != "{":
            raise Asn1SourceError(f"{tail[0].where()}: expected WITH SYNTAX {{ ... }}")
        syntax = _parse_syntax(tail[3:_match_brace(tail, 2)])
    else:
        syntax = ()
    return ClassDef(a.module, a.name, tuple(fields), syntax)


def _parse_syntax(tokens: list) -> tuple:
    out: list = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.text == "[":
            j = _match_brace(tokens, i, "[", "]")
            out.append(("opt", _parse_syntax(tokens[i + 1:j])))
            i = j + 1
            continue
        out.append(("field", t.text) if t.kind == "field" else ("lit", t.text))
        i += 1
    return tuple(out)


def _split_commas(tokens: list, sep: str = ",") -> list[list]:
    parts: list[list] = []
    cur: list = []
    depth = 0
    for t in tokens:
        if t.text in "{([":
            depth += 1
        elif t.text in "})]":
            depth -= 1
        if t.text == sep and depth == 0:
            parts.append(cur)
            cur = []
        else:
            cur.append(t)
    if cur:
        parts.append(cur)
    return parts


# ---------------------------------------------------------------- objects


def _first_literals(syntax: tuple) -> set:
    for kind, item in syntax:
        if kind == "lit":
            return {item}
        if kind == "field":
            return set()
        # optional group: its first literal, and whatever follows it
    return set()


def _stop_words(syntax: tuple, pos: int) -> set:
    """Literals that may follow position ``pos`` of a syntax sequence."""
    words: set = set()
    for kind, item in syntax[pos:]:
        if kind == "lit":
            words.add(item)
            return words
        if kind == "field":
            return words
        words |= _first_literals(item)
    return words


def _match_syntax(syntax: tuple, toks: list, i: int, out: dict, stops: set, where: str) -> int:
    for n, (kind, item) in enumerate(syntax):
        if kind == "lit":
            if i >= len(toks) or toks[i].text != item:
                got = toks[i].text if i < len(toks) else "end of object"
                raise Asn1SourceError(f"{where}: expected '{item}' in object syntax, got '{got}'")
            i += 1
        elif kind == "field":
            follow = _stop_words(syntax, n + 1) | (stops if n + 1 == len(syntax) else set())
            j, depth = i, 0
            while j < len(toks):
                t = toks[j].text
                if depth == 0 and t in follow and toks[j].kind == "word":
                    break
                depth += t in "{([" and 1 or (-1 if t in "})]" else 0)
                j += 1
            if j == i:
                raise Asn1SourceError(f"{where}: no value for {item}")
            out[item] = toks[i:j]
            i = j
        else:
            lits = _first_literals(item)
            if i < len(toks) and toks[i].text in lits:
                i = _match_syntax(item, toks, i, out, _stop_words(syntax, n + 1) | stops, where)
    return i


class _Lowerer:
    def __init__(self, modules: list[_Module]) -> None:
        self.modules = {m.name: m for m in modules}
        self.warnings: list[str] = []
        self.by_name: dict[str, _Assignment] = {}
        for m in modules:
            for a in m.assignments:
                other = self.by_name.get(a.name)
                if other is not None and other.module != a.module:
                    if a.kind in ("value",) and [t.text for t in other.body] == [t.text for t in a.body]:
                        continue
                    raise Asn1SourceError(
                        f"{a.first.where()}: '{a.name}' is also defined at {other.first.where()}")
                if other is not None:
                    raise Asn1SourceError(
                        f"{a.first.where()}: '{a.name}' is defined twice (first at {other.first.where()})")
                self.by_name[a.name] = a
        self.classes = {a.name: _parse_class(a) for a in self.by_name.values() if a.kind == "class"}
        self.values = self._integer_values()
        self.object_sets: dict[str, ObjectSet] = {}
        self.slots: dict = {}
        self.instances: dict = {}      # (template, args) -> instance name
        self.emitted: dict = {m.name: [] for m in modules}   # module -> list of (name, tokens, origin)
        self.extra_imports: dict = {m.name: {} for m in modules}
        self.synthetic: dict = {}

    # -- values ---------------------------------------------------------
    def _integer_values(self) -> dict:
        raw = {a.name: a for a in self.by_name.values() if a.kind == "value" and len(a.body) in (1, 2)}
        out: dict = {}

        def resolve(name: str, seen: tuple = ()) -> int | None:
            if name in out:
                return out[name]
            a = raw.get(name)
            if a is None or name in seen:
                return None
            text = "".join(t.text for t in a.body)
            if re.fullmatch(r"-?\d+", text):
                out[name] = int(text)
            elif len(a.body) == 1 and a.body[0].kind == "word":
                v = resolve(a.body[0].text, seen + (name,))
                if v is not None:
                    out[name] = v
            return out.get(name)

        for n in raw:
            resolve(n)
        return out

    # -- objects and sets ------------------------------------------------
    def _object_from_tokens(self, cls: ClassDef, toks: list, where: str, module: str, set_name: str,
                            index: int) -> InfoObject:
        raw: dict = {}
        if cls.syntax:
            end = _match_syntax(cls.syntax, toks, 0, raw, set(), where)
            if end != len(toks):
                raise Asn1SourceError(f"{toks[end].where()}: unexpected '{toks[end].text}' in object of {cls.name}")
        else:
            for part in _split_commas(toks):
                raw[part[0].text] = part[1:]
        fields: dict = {}
        for f in cls.fields:
            if f.name not in raw:
                if not f.optional and f.default is None:
                    raise Asn1SourceError(f"{where}: object of {cls.name} lacks mandatory field {f.name}")
                if f.default is not None:
                    fields[f.name] = self._field_value(f.default.split())
                continue
            val = raw.pop(f.name)
            if f.is_type:
                fields[f.name] = self._type_value(val, module, f"{set_name}-{index}{f.name[1:]}")
            else:
                fields[f.name] = self._field_value(self._value_tokens(val, f.name))
        if raw:
            raise Asn1SourceError(f"{where}: unknown fields {sorted(raw)} for class {cls.name}")
        return InfoObject(fields, where)

    @staticmethod
    def _value_tokens(val: list, field_name: str) -> list:
        texts = [t.text for t in val]
        simple = len(texts) == 1 or (len(texts) == 2 and texts[0] == "-") or \
            (texts[0] == "{" and texts[-1] == "}")
        if not simple:
            raise Asn1SourceError(f"{val[0].where()}: '{' '.join(texts)}' is not a value for {field_name}")
        return texts

    def _field_value(self, texts: list):
        text = " ".join(texts)
        if re.fullmatch(r"-?\d+", text):
            return int(text)
        if len(texts) == 1 and texts[0] in self.values:
            return self.values[texts[0]]
        return text

    def _type_value(self, toks: list, module: str, synthetic_name: str) -> str:
        if len(toks) == 1 and toks[0].kind == "word":
            return toks[0].text
        # An inline type in an object: give it a name of its own.
        name = re.sub(r"[^A-Za-z0-9-]", "-", synthetic_name)
        name = re.sub(r"-+", "-", name).strip("-")
        name = name[0].upper() + name[1:]
        self.synthetic[name] = (module, toks)
        return name

    def _set_members(self, a: _Assignment, toks: list, seen: tuple) -> tuple[list, bool]:
        cls = self.classes.get(a.governor[0].text)
        if cls is None:
            raise Asn1SourceError(f"{a.first.where()}: unknown class {a.governor[0].text}")
        objects: list = []
        extensible = False
        for part in _split_commas(toks):
            for elem in _split_commas(part, "|"):
                if not elem:
                    continue
                if elem[0].text == "...":
                    extensible = True
                    if len(elem) > 1:
                        raise Asn1SourceError(f"{elem[1].where()}: exception specs are not supported")
                elif elem[0].text == "{":
                    close = _match_brace(elem, 0)
                    objects.append(self._object_from_tokens(
                        cls, elem[1:close], elem[0].where(), a.module, a.name, len(objects) + 1))
                elif len(elem) == 1 and elem[0].kind == "word":
                    ref = self.by_name.get(elem[0].text)
                    if ref is None:
                        raise Asn1SourceError(f"{elem[0].where()}: '{elem[0].text}' is not defined")
                    if ref.kind == "object":
                        objects.append(self._object(ref))
                    elif ref.kind == "objectset":
                        if ref.name in seen:
                            raise Asn1SourceError(f"{elem[0].where()}: object set {ref.name} includes itself")
                        sub = self._object_set(ref, seen + (a.name,))
                        objects.extend(sub.objects)
                        extensible = extensible or sub.extensible
                    else:
                        raise Asn1SourceError(f"{elem[0].where()}: '{ref.name}' is not an object or object set")
                else:
                    raise Asn1SourceError(f"{elem[0].where()}: unsupported object set element")
        return objects, extensible

    def _object(self, a: _Assignment) -> InfoObject:
        cls = self.classes.get(a.governor[0].text)
        if cls is None:
            raise Asn1SourceError(f"{a.first.where()}: unknown class {a.governor[0].text}")
        close = _match_brace(a.body, 0)
        return self._object_from_tokens(cls, a.body[1:close], a.first.where(), a.module, a.name, 0)

    def _object_set(self, a: _Assignment, seen: tuple = ()) -> ObjectSet:
        if a.name in self.object_sets:
            return self.object_sets[a.name]
        close = _match_brace(a.body, 0)
        if close != len(a.body) - 1:
            raise Asn1SourceError(f"{a.body[close + 1].where()}: unexpected text after object set {a.name}")
        objects, extensible = self._set_members(a, a.body[1:close], seen)
        s = ObjectSet(a.module, a.name, a.governor[0].text, tuple(objects), extensible, a.first.where())
        self.object_sets[a.name] = s
        return s

    # -- types ------------------------------------------------------------
    def _rewrite(self, toks: list, owner: str, module: str, subst: dict) -> list:
        """Substitute dummies, instantiate parameterised refs, strip table constraints."""
        out: list = []
        i = 0
        depth = 0
        while i < len(toks):
            t = toks[i]
            if t.kind == "word" and t.text in subst:
                out.extend(subst[t.text])
                i += 1
                continue
            if t.text == "{":
                depth += 1
            elif t.text == "}":
                depth -= 1
            target = self.by_name.get(t.text) if t.kind == "word" else None
            if target is not None and target.kind == "ptype" and i + 1 < len(toks) and toks[i + 1].text == "{":
                close = _match_brace(toks, i + 1)
                args = [self._rewrite(p, owner, module, subst) for p in _split_commas(toks[i + 2:close])]
                name = self._instantiate(target, args, module, t)
                out.append(Token("word", name, t.file, t.line, t.col))
                i = close + 1
                continue
            if t.kind == "word" and t.text in self.classes and i + 2 < len(toks) and \
                    toks[i + 1].text == "." and toks[i + 2].kind == "field":
                out.extend(toks[i:i + 3])
                j = i + 3
                if j < len(toks) and toks[j].text == "(":
                    close = _match_brace(toks, j, "(", ")")
                    inner = list(self._rewrite(toks[j + 1:close], owner, module, subst))
                    self._record_slot(owner, toks, i, inner, depth)
                    j = close + 1
                i = j
                continue
            out.append(t)
            i += 1
        return out

    def _record_slot(self, owner: str, toks: list, i: int, constraint: list, depth: int) -> None:
        where = toks[i].where()
        texts = [x.text for x in constraint]
        m = re.fullmatch(r"\{ ([A-Za-z][\w-]*) \}(?: \{ @ (\.?)([a-z][\w-]*) \})?", " ".join(texts))
        if m is None:
            raise Asn1SourceError(f"{where}: unsupported table constraint ({' '.join(texts)})")
        comp = toks[i - 1] if i > 0 else None
        if comp is None or not _is_lower(comp) or depth != 1:
            raise Asn1SourceError(
                f"{where}: a class field reference with a table constraint must be a direct component of a SEQUENCE")
        set_name, _, key = m.group(1), m.group(2), m.group(3)
        if set_name not in self.by_name or self.by_name[set_name].kind != "objectset":
            raise Asn1SourceError(f"{where}: '{set_name}' is not a defined object set")
        self.slots[(owner, comp.text)] = TableSlot(
            owner, comp.text, set_name, toks[i].text, toks[i + 2].text, key, where)

    def _instantiate(self, template: _Assignment, args: list, using_module: str, at: Token) -> str:
        params = _split_commas(template.governor[1:-1])
        if len(params) != len(args):
            raise Asn1SourceError(
                f"{at.where()}: {template.name} takes {len(params)} parameter(s), {len(args)} given")
        subst: dict = {}
        arg_names: list = []
        for p, arg in zip(params, args, strict=True):
            dummy = p[-1].text
            inner = arg
            while len(inner) >= 3 and inner[0].text == "{" and _match_brace(inner, 0) == len(inner) - 1:
                inner = inner[1:-1]
            if len(inner) != 1 or inner[0].kind != "word":
                raise Asn1SourceError(
                    f"{at.where()}: actual parameter of {template.name} must be a single reference")
            subst[dummy] = inner
            arg_names.append(inner[0].text)
        key = (template.name, tuple(arg_names))
        if key in self.instances:
            return self.instances[key]
        name = f"{template.name}-{'-'.join(arg_names)}"
        if name in self.by_name:
            raise Asn1SourceError(f"{at.where()}: instance name {name} collides with a definition")
        self.instances[key] = name
        body = self._rewrite(template.body, name, template.module, subst)
        self.emitted[template.module].append((name, body, template.first))
        for arg in arg_names:
            ref = self.by_name.get(arg)
            if ref is not None and ref.module != template.module and ref.kind in ("type", "value"):
                self.extra_imports[template.module].setdefault(ref.module, set()).add(arg)
        if using_module != template.module:
            self.extra_imports[using_module].setdefault(template.module, set()).add(name)
        return name

    # -- driver -------------------------------------------------------------
    def run(self) -> Lowered:
        for a in self.by_name.values():
            if a.kind == "objectset":
                self._object_set(a)
        for m in self.modules.values():
            for a in m.assignments:
                if a.kind in ("type", "value"):
                    body = self._rewrite(a.body, a.name, m.name, {})
                    self.emitted[m.name].append((a.name, a.governor + body if a.kind == "value" else body, a.first))
                elif a.kind == "class":
                    self.emitted[m.name].append((a.name, a.body, a.first))
        for name, (module, toks) in self.synthetic.items():
            self.emitted[module].append((name, self._rewrite(toks, name, module, {}), toks[0]))
        for (owner, _comp), slot in self.slots.items():
            if slot.key is not None and (owner, slot.key) not in self.slots:
                raise Asn1SourceError(f"{slot.where}: key component '{slot.key}' of {owner} is not table-constrained")
        texts, maps = {}, {}
        for m in self.modules.values():
            texts[m.name], maps[m.name] = self._emit(m)
        return Lowered(texts, maps, self.classes, self.object_sets, self.slots, self.values,
                       tuple(self.warnings))

    def _emit(self, m: _Module) -> tuple[str, list]:
        lines = [" ".join(t.text for t in m.header)]
        origin = [m.first.where()]
        removed = {n for n, a in self.by_name.items() if a.kind in ("object", "objectset", "ptype")}
        imports: dict = {}
        for src, syms in m.imports.items():
            kept = [s for s in syms if s not in removed]
            if kept:
                imports.setdefault(src, []).extend(kept)
        for src, syms in self.extra_imports[m.name].items():
            imports.setdefault(src, []).extend(sorted(s for s in syms if s not in imports.get(src, [])))
        if imports:
            parts = [f"{', '.join(syms)} FROM {src}" for src, syms in imports.items() if syms]
            lines.append("IMPORTS " + "\n  ".join(parts) + " ;")
            origin.extend([m.first.where()] * (lines[-1].count("\n") + 1))
        for name, body, first in self.emitted[m.name]:
            a = self.by_name.get(name)
            lhs = name if a is None or a.kind != "value" else name
            text = f"{lhs} ::= " + _join(body) if not (a and a.kind == "value") else \
                f"{name} {_join(body[:len(a.governor)])} ::= {_join(body[len(a.governor):])}"
            lines.append(text)
            origin.extend([first.where()] * (text.count("\n") + 1))
        lines.append("END")
        origin.append(m.first.where())
        return "\n".join(lines) + "\n", origin


def _join(toks: list) -> str:
    """Re-join tokens; '.' binds tightly so class field references stay intact."""
    out: list = []
    for t in toks:
        if out and t.text != "." and out[-1] != ".":
            out.append(" ")
        out.append(t.text)
    return "".join(out)


def lower(sources: list[tuple[str, str]]) -> Lowered:
    """Lower a set of ASN.1 modules that import from one another.

    Args:
        sources: (file name for messages, ASN.1 text) pairs.

    Returns:
        The plain ASN.1 per module and the information-object tables.

    Raises:
        Asn1SourceError: naming file:line of anything that cannot be lowered.
    """
    modules: list[_Module] = []
    for file, text in sources:
        modules.extend(_split_modules(tokenize(text, file), file))
    return _Lowerer(modules).run()
