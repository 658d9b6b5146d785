"""The one place that decides what a secret looks like and how it is hidden in evidence.

Results folders are signed and sent between labs, so nothing written there (run.json, every
exchange.json, every pcapng, the reports, `analyze` output) may carry a password, a token or a
cookie. Secrets are recognised three ways:

* HTTP headers that carry credentials (`SECRET_HEADERS`): the value is replaced, the auth scheme
  word kept ("Bearer <redacted>") so a reviewer still sees that a token was sent;
* mapping keys that name a secret (`is_secret_key`: password, passphrase, token, secret, cookie,
  ...); a key ending in ``_env`` or ``_file`` names where the secret lives, not the secret, and
  is kept (it is the documented way to give secrets in a profile: docs/profiles.md);
* text that embeds one: an ``Authorization:``/``Cookie:`` header line, a URL's ``user:password@``
  or an ``access_token=`` query parameter (RFC 6750 2.3).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

REDACTED = "<redacted>"
SECRET_HEADERS = ("authorization", "proxy-authorization", "cookie", "set-cookie")
# Words that make a mapping key a secret (matched on the key split at '_', '-' and '.').
_SECRET_WORDS = {"password", "passwd", "passphrase", "token", "secret", "cookie", "cookies", "authorization",
                 "credential", "credentials", "apikey"}
_SECRET_KEYS = {"api_key", "private_key", "client_secret", "access_token", "refresh_token", "bearer"}
_REFERENCE_SUFFIXES = ("_env", "_file", "_source")     # where the secret comes from, never the value

_HEADER_LINE = re.compile(r"(?im)\b((?:proxy-)?authorization|set-cookie|cookie)(\s*:\s*)"
                          r"(?:(basic|bearer|digest|negotiate|token)\s+)?([^\r\n\"']+)")
_USERINFO = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)([^/\s@]+)(@)", re.I)
_QUERY_TOKEN = re.compile(r"([?&;](?:access_token|token|password|api_key|apikey)=)([^&;#\s\"']+)", re.I)


def is_secret_key(key: object) -> bool:
    """True for a mapping key that holds a secret value (``password``, ``bearer_token``, ``api_key``)."""
    name = str(key).lower()
    if name.endswith(_REFERENCE_SUFFIXES):
        return False
    if name in _SECRET_KEYS:
        return True
    return any(word in _SECRET_WORDS for word in re.split(r"[_.\-\s]+", name))


def redact_header_value(name: str, value: str) -> str:
    """The header's value with its credential replaced (the scheme word kept)."""
    if name.lower() not in SECRET_HEADERS:
        return value
    scheme = value.split(" ", 1)[0] if " " in value and name.lower().endswith("authorization") else ""
    return f"{scheme} {REDACTED}".strip()


def redact_headers(headers: Iterable) -> tuple:
    """(name, value) pairs with credential-bearing values replaced."""
    return tuple((name, redact_header_value(name, value)) for name, value in headers)


def redact_text(text: str) -> str:
    """``text`` with embedded credentials (header lines, URL passwords, token query parameters) replaced."""
    if not text:
        return text
    text = _HEADER_LINE.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3) + ' ' if m.group(3) else ''}"
                                      f"{REDACTED}", text)
    text = _USERINFO.sub(rf"\g<1>{REDACTED}\g<3>", text)
    return _QUERY_TOKEN.sub(rf"\g<1>{REDACTED}", text)


def redact_data(value: Any) -> Any:
    """A JSON-like value (dicts, lists, strings) with every secret replaced; a new object.

    A secret key keeps an empty value (None, '') as it is, so "no password" stays visible.
    """
    if isinstance(value, dict):
        return {k: (REDACTED if is_secret_key(k) and v not in (None, "", {}, [])
                    and not isinstance(v, bool) else redact_data(v))
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_data(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value
