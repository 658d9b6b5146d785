"""The error hierarchy (harness/core/errors.py) holds for every exception class in the package.

Every module under harness/ is imported, so a new exception class that derives
straight from a builtin fails here, naming itself.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import harness
from harness.core.errors import DutError, HarnessError, LabError, UserError

BRANCHES = (UserError, LabError, DutError)

# Outside HarnessError, on purpose.
OUTSIDE = {
    # A BaseException so that no parser's `except Exception` can swallow the per-case deadline.
    "harness.fuzz.engine.Hang",
}

# HarnessError, but on no branch: shared bases whose raised subclasses are on a branch, and
# control flow that never leaves its module.
NO_BRANCH = {
    "harness.codec.errors.CodecError",          # DecodeError (DUT) / EncodeError (user)
    "harness.interfaces.mplane.client.MplaneError",        # LabError / PeerError / AuthenticationFailed
    "harness.pytest_plugin.VerdictFailure",     # VerdictError (lab) / DutFailure (DUT)
    "harness.codec.fastper.Fallback",           # the fast decoder declines: asn1tools decodes
    # the O-RU simulator's control flow: each becomes an rpc-error or a notification status on the wire
    "harness.interfaces.mplane.sim.confops.RpcFailure",
    "harness.interfaces.mplane.sim.schemas.SchemaMissing",
    "harness.interfaces.mplane.sim.transfer.TransferError",
    "harness.runner.adapters._MissingField",    # becomes the TriggerError that names the field
    "harness.runner.context.StepStop",          # the steps end after a stopping finding
    "harness.http.client._Stale",               # a reused keep-alive connection: open a new one
    "harness.interfaces.e2.tnl.TnlError",       # the DUT's TNL address: FAIL e2.tnl.address; the lab's: refused at load
}


def _exception_classes() -> tuple[dict[str, type], list[str]]:
    found: dict[str, type] = {}
    broken: list[str] = []
    for info in pkgutil.walk_packages(harness.__path__, "harness."):
        try:
            module = importlib.import_module(info.name)
        except Exception as err:                     # noqa: BLE001  (reported below, by name)
            broken.append(f"{info.name}: {type(err).__name__}: {err}")
            continue
        for value in vars(module).values():
            if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == module.__name__:
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return found, broken


CLASSES, BROKEN = _exception_classes()


def test_every_module_imports():
    assert BROKEN == []


def test_the_walk_finds_the_exception_classes():
    assert len(CLASSES) > 60 and "harness.spec.errors.SpecError" in CLASSES


def test_every_exception_class_derives_from_harness_error():
    strays = sorted(name for name, cls in CLASSES.items() if not issubclass(cls, HarnessError) and name not in OUTSIDE)
    assert strays == []


def test_no_class_is_on_two_branches():
    both = sorted(name for name, cls in CLASSES.items() if sum(issubclass(cls, b) for b in BRANCHES) > 1)
    assert both == []


def test_only_the_listed_classes_are_on_no_branch():
    off = {name for name, cls in CLASSES.items() if issubclass(cls, HarnessError) and cls is not HarnessError
           and cls not in BRANCHES and not any(issubclass(cls, b) for b in BRANCHES)}
    assert off == {name for name in NO_BRANCH if name in CLASSES}


def test_the_listed_exceptions_exist():
    """A stale entry would hide nothing today and something tomorrow."""
    assert sorted((OUTSIDE | NO_BRANCH) - set(CLASSES)) == []


@pytest.mark.parametrize("name, branch, builtin", [
    ("harness.spec.errors.SpecError", UserError, None),
    ("harness.spec.errors.ProfileError", UserError, None),
    ("harness.spec.paths.PathError", UserError, ValueError),
    ("harness.codec.errors.Asn1SourceError", UserError, None),
    ("harness.codec.errors.EncodeError", UserError, None),
    ("harness.codec.errors.DecodeError", DutError, None),
    ("harness.session.SessionError", UserError, None),
    ("harness.cli.main.UsageError", UserError, None),
    ("harness.transport.base.TransportError", LabError, None),
    ("harness.http.client.HttpLabError", LabError, None),
    ("harness.http.client.HttpDutError", DutError, None),
    ("harness.interfaces.mplane.client.LabError", LabError, None),
    ("harness.interfaces.mplane.client.PeerError", DutError, None),
    ("harness.interfaces.mplane.framing.FramingError", DutError, ValueError),
    ("harness.interfaces.mplane.sim.hostkey.HostKeyError", LabError, OSError),
    ("harness.report.allure_steps.StepFailed", DutError, AssertionError),
    ("harness.report.allure_steps.StepBroken", LabError, RuntimeError),
    ("harness.pytest_plugin.DutFailure", DutError, AssertionError),
    ("harness.pytest_plugin.VerdictError", LabError, None),
])
def test_whose_fault_each_error_is(name, branch, builtin):
    """The verdict follows from the class: FAIL only for DutError; the builtin callers catch is kept."""
    cls = CLASSES[name]
    assert issubclass(cls, branch)
    if builtin is not None:
        assert issubclass(cls, builtin)


def test_allure_tells_a_fail_from_an_error_by_assertion_error():
    """allure-pytest marks AssertionError 'failed' and anything else 'broken'."""
    assert not issubclass(CLASSES["harness.pytest_plugin.VerdictError"], AssertionError)


def test_an_os_error_subclass_keeps_errno_and_strerror():
    err = CLASSES["harness.interfaces.mplane.sim.hostkey.HostKeyError"](2, "No such file or directory")
    assert (err.errno, err.strerror, isinstance(err, LabError)) == (2, "No such file or directory", True)
