"""The interface bindings: the one table of the interfaces the harness tests.

Each entry is a `Binding` (harness/interfaces/base.py) from one sub-package:
e2/, a1/, mplane/, cuplane/. The session, the CLI and the capture analyser loop
over this table and never branch on a protocol name; importing this package
registers each binding's spec-engine protocol (harness/spec/protocols.py, which
imports no binding: whoever reads specs imports this package first). Loaded
explicitly, as tavern's plugins are: no entry points.

The table's order is the order of the spec engine's interface lists (error
texts, `oran-harness list`). A DUT profile declaring several interfaces takes
its simulator faults (``--fault``) and its capture analyser from the first it
declares in PRIMARY: an `a1:` or `mplane:` block is more specific than E2,
which a profile declares unless it has one of those.
"""

from __future__ import annotations

from harness.interfaces import a1, cuplane, e2, mplane
from harness.interfaces.base import Binding, BindingError
from harness.spec import protocols

BINDINGS: tuple[Binding, ...] = (e2.BINDING, a1.BINDING, mplane.BINDING, cuplane.BINDING)
PRIMARY: tuple[Binding, ...] = (a1.BINDING, mplane.BINDING, e2.BINDING, cuplane.BINDING)

for _binding in BINDINGS:
    if _binding.protocol is not None:
        protocols.register(_binding.protocol)


def bindings() -> tuple[Binding, ...]:
    """Every binding, in table order."""
    return BINDINGS


def binding_for(protocol: str) -> Binding:
    """The binding of a test case's protocol ('e2', 'a1', 'mplane').

    Raises:
        BindingError: no binding has that protocol.
    """
    for binding in BINDINGS:
        if binding.name == protocol:
            return binding
    raise BindingError(f"no interface binding for protocol '{protocol}'; known: "
                       f"{', '.join(b.name for b in BINDINGS)}")


def primary(dut) -> Binding | None:
    """The binding that owns a DUT's simulator faults and capture analysis (None: it declares none)."""
    return next((b for b in PRIMARY if b.declared_by(dut)), None)


__all__ = ["Binding", "BindingError", "BINDINGS", "bindings", "binding_for", "primary"]
