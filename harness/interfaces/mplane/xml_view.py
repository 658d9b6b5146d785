"""How a NETCONF message reads in reports: a short name for sequence charts, indented XML for the text.

Why here: the report layer knows exchange.json entries, not NETCONF; these two
functions turn an entry's ``message`` kind and ``xml`` into what a reviewer
scans (``rpc get``, ``rpc-reply rpc-error operation-failed``,
``notification alarm-notif``). Escaping is the template's job; this returns
plain text. No ncclient here: lxml only.
"""

from __future__ import annotations

from lxml import etree

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
_PARSER = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True, huge_tree=False)


def _parse(xml: str):
    try:
        return etree.fromstring(xml.encode("utf-8"), _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None


def _children(el) -> list:
    return [c for c in el if isinstance(c.tag, str)]


def label(kind: str, xml: str) -> str:
    """'rpc get', 'rpc-reply ok', 'rpc-reply data', 'rpc-reply rpc-error <tag>', 'notification <name>', 'hello'."""
    root = _parse(xml)
    if root is None:
        return f"{kind or '?'} (not well-formed XML)"
    name = etree.QName(root).localname
    kids = _children(root)
    if name == "rpc" and kids:
        return f"rpc {etree.QName(kids[0]).localname}"
    if name == "rpc-reply":
        err = root.find(f"{{{NC}}}rpc-error")
        if err is not None:
            return f"rpc-reply rpc-error {(err.findtext(f'{{{NC}}}error-tag') or '?').strip()}"
        if root.find(f"{{{NC}}}ok") is not None:
            return "rpc-reply ok"
        return "rpc-reply " + (etree.QName(kids[0]).localname if kids else "(empty)")
    if name == "notification":
        content = [c for c in kids if etree.QName(c).localname != "eventTime"]
        return "notification " + (etree.QName(content[0]).localname if content else "(empty)")
    return name


def pretty(xml: str) -> str:
    """The message indented, or as it came when it is not well-formed (the evidence is never altered)."""
    root = _parse(xml)
    if root is None:
        return xml
    return etree.tostring(root, pretty_print=True, encoding="unicode")
