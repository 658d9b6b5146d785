"""The simulated O-RU's configuration operations: locks, candidate, commit, confirmed commit, validate.

Why a module of its own: these rules span sessions (a lock or a confirmed
commit belongs to one session and binds the others), so they live in one
object per simulator, `ConfigOps`, that every `_Session` of sim/oru.py calls.

RFC 6241 clauses: lock/unlock 7.5/7.6 (lock-denied carries the holder's
session-id in error-info; a lock ends with its session), candidate 8.3
(commit, discard-changes; a lock on candidate is refused while it holds
uncommitted changes), confirmed commit 8.4 (:confirmed-commit:1.1: rolled
back after confirm-timeout, default 600 s, or when the session of a commit
without persist ends; persist / persist-id; cancel-commit), validate 8.6,
writable-running 8.2. With-defaults is RFC 6243 (basic-mode, also-supported,
the with-defaults parameter of get and get-config).
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass

from lxml import etree

from harness.interfaces.mplane.capabilities import CAP, with_defaults
from harness.interfaces.mplane.datastore import NC, WITH_DEFAULTS, EditError, validate
from harness.core.errors import HarnessError


class RpcFailure(HarnessError):
    """An rpc-error to send: tag, type, message, and the error-info session-id when there is one."""

    def __init__(self, tag: str, message: str, kind: str = "protocol", session_id: int | None = None,
                 app_tag: str = "") -> None:
        super().__init__(message)
        self.tag, self.kind, self.session_id, self.app_tag = tag, kind, session_id, app_tag


@dataclass(frozen=True)
class Features:
    """What the O-RU announces, read from its capability URIs."""

    candidate: bool
    writable_running: bool
    confirmed_commit: bool
    validate: bool
    basic_mode: str | None          # with-defaults basic-mode; None: no :with-defaults
    also_supported: tuple[str, ...]

    @classmethod
    def of(cls, capabilities: tuple[str, ...]) -> Features:
        names = {c.split("?")[0] for c in capabilities}
        basic, also = with_defaults(list(capabilities))
        return cls(CAP + "candidate:1.0" in names, CAP + "writable-running:1.0" in names,
                   bool({CAP + "confirmed-commit:1.0", CAP + "confirmed-commit:1.1"} & names),
                   bool({CAP + "validate:1.0", CAP + "validate:1.1"} & names), basic, also)


def _q(name: str) -> str:
    return f"{{{NC}}}{name}"


def datastore_of(op: etree._Element, holder: str) -> str:
    """The datastore named in ``op``'s <source>/<target> (running, candidate or startup)."""
    el = op.find(_q(holder))
    names = [etree.QName(c).localname for c in (el if el is not None else []) if isinstance(c.tag, str)]
    if len(names) != 1:
        raise RpcFailure("missing-element" if not names else "invalid-value",
                         f"<{holder}> names one datastore ({', '.join(names) or 'none given'})")
    return names[0]


class ConfigOps:
    """Locks and commits of one simulated O-RU; ``fault`` bends one rule (sim/oru.py ORU_FAULTS)."""

    def __init__(self, datastore, features: Features, fault: str | None, event) -> None:
        self.ds = datastore
        self.features = features
        self.fault = fault
        self.event = event
        self.locks: dict[str, int] = {}              # datastore -> session id holding its lock
        self._guard = threading.RLock()
        self._pending = None                         # running before a confirmed commit (to roll back to)
        self._pending_owner: int | None = None       # its session (None: persist)
        self._persist: str | None = None
        self._timer: threading.Timer | None = None

    # ------------------------------------------------------------------ datastores and locks
    def check_store(self, name: str, writing: bool) -> None:
        if name == "candidate" and not self.features.candidate:
            raise RpcFailure("invalid-value", "this O-RU has no candidate datastore (no :candidate capability)")
        if name == "running" and writing and not self.features.writable_running:
            raise RpcFailure("operation-not-supported", "the running datastore is not writable here "
                             "(no :writable-running capability): edit candidate and commit")
        if name not in ("running", "candidate"):
            raise RpcFailure("invalid-value", f"no datastore '{name}' here (running, candidate)")

    def check_lock(self, name: str, session: int) -> None:
        """Another session's lock on ``name`` refuses this write (RFC 6241 7.5)."""
        holder = self.locks.get(name)
        if holder is not None and holder != session and self.fault != "lock-not-enforced":
            raise RpcFailure("in-use", f"the {name} datastore is locked by session {holder}", session_id=holder)

    def lock(self, name: str, session: int) -> None:
        self.check_store(name, writing=False)
        with self._guard:
            holder = self.locks.get(name)
            if holder is not None and self.fault != "lock-not-enforced":
                raise RpcFailure("lock-denied", f"the {name} datastore is locked by session {holder}",
                                 session_id=holder)
            if name == "candidate" and self.ds.candidate_changed():
                raise RpcFailure("lock-denied", "the candidate holds uncommitted changes (RFC 6241 8.3.5.2)",
                                 session_id=0)
            self.locks[name] = session

    def unlock(self, name: str, session: int) -> None:
        self.check_store(name, writing=False)
        with self._guard:
            holder = self.locks.get(name)
            if holder != session:
                raise RpcFailure("operation-failed", f"session {session} holds no lock on {name}"
                                 + (f" (session {holder} does)" if holder else ""))
            del self.locks[name]
            if name == "candidate":                  # uncommitted changes go with the lock (as netconfd does)
                self.ds.discard_changes()

    def session_ended(self, session: int) -> None:
        """Release its locks; roll back its confirmed commit unless persisted (RFC 6241 8.4.1)."""
        with self._guard:
            for name in [n for n, s in self.locks.items() if s == session]:
                del self.locks[name]
                if name == "candidate":
                    self.ds.discard_changes()
            if self._pending is not None and self._pending_owner == session:
                self._rollback(f"session {session} ended before confirming its commit")

    # ------------------------------------------------------------------ edit, commit
    def edit(self, op: etree._Element, session: int) -> None:
        target = datastore_of(op, "target")
        self.check_store(target, writing=True)
        self.check_lock(target, session)
        config = op.find(_q("config"))
        if config is None:
            raise RpcFailure("missing-element", "edit-config without <config>")
        self.ds.edit(config, op.findtext(_q("default-operation"), "merge").strip(), target,
                     op.findtext(_q("test-option"), "test-then-set").strip())

    def commit(self, op: etree._Element, session: int) -> None:
        if not self.features.candidate:
            raise RpcFailure("operation-not-supported", "commit needs the :candidate capability")
        self.check_lock("running", session)
        self.check_lock("candidate", session)
        confirmed = op.find(_q("confirmed")) is not None
        persist = op.findtext(_q("persist"))
        persist_id = op.findtext(_q("persist-id"))
        timeout = float(op.findtext(_q("confirm-timeout"), "600"))
        with self._guard:
            if self._pending is not None:                      # a confirmed commit is waiting
                if self._persist is not None and persist_id != self._persist:
                    raise RpcFailure("invalid-value", "a persistent confirmed commit is pending: give its "
                                     "persist-id (RFC 6241 8.4.5.1)")
                if self._persist is None and session != self._pending_owner:
                    raise RpcFailure("in-use", "another session's confirmed commit is pending",
                                     session_id=self._pending_owner)
            if confirmed and not self.features.confirmed_commit:
                raise RpcFailure("operation-not-supported", "no :confirmed-commit capability")
            before = self._commit()
            if self._pending is None and confirmed:
                self._pending = before
            if confirmed:
                self._pending_owner = None if persist is not None else session
                self._persist = persist
                self._arm(timeout)
                self.event(f"confirmed commit by session {session}: rolled back in {timeout:g} s unless confirmed")
            elif self._pending is not None:                    # the confirming commit
                self._clear()
                self.event(f"session {session}: confirmed commit confirmed")

    def _commit(self):
        if self.fault == "commit-not-applied":
            validate(self.ds.candidate)
            return self.ds.running
        return self.ds.commit()

    def _arm(self, timeout: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = threading.Timer(timeout, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _expire(self) -> None:
        with self._guard:
            if self._pending is not None:
                self._rollback("confirm-timeout expired")

    def _rollback(self, why: str) -> None:
        if self.fault != "no-rollback":
            self.ds.running = self._pending
            self.ds.discard_changes()
            self.event(f"confirmed commit rolled back: {why}")
        else:
            self.event(f"fault no-rollback: confirmed commit kept although {why}")
        self._clear()

    def _clear(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer, self._pending, self._pending_owner, self._persist = None, None, None, None

    def cancel_commit(self, op: etree._Element, session: int) -> None:
        persist_id = op.findtext(_q("persist-id"))
        with self._guard:
            if self._pending is None:
                raise RpcFailure("operation-failed", "no confirmed commit is pending")
            if self._persist is not None and persist_id != self._persist:
                raise RpcFailure("invalid-value", "persist-id does not match the pending confirmed commit")
            if self._persist is None and session != self._pending_owner:
                raise RpcFailure("operation-failed", "only the session of the confirmed commit can cancel it")
            self._rollback(f"cancel-commit by session {session}")

    def discard(self, session: int) -> None:
        if not self.features.candidate:
            raise RpcFailure("operation-not-supported", "discard-changes needs the :candidate capability")
        self.check_lock("candidate", session)
        self.ds.discard_changes()

    def validate(self, op: etree._Element) -> None:
        if not self.features.validate:
            raise RpcFailure("operation-not-supported", "no :validate capability")
        source = op.find(_q("source"))
        if source is not None and source.find(_q("config")) is not None:
            tree = etree.Element(_q("data"))
            for child in source.find(_q("config")):
                tree.append(copy.deepcopy(child))
            validate(tree)
            return
        name = datastore_of(op, "source")
        self.check_store(name, writing=False)
        validate(self.ds.tree(name))

    def stop(self) -> None:
        with self._guard:
            if self._timer is not None:
                self._timer.cancel()

    # ------------------------------------------------------------------ with-defaults
    def defaults_mode(self, op: etree._Element) -> str:
        """The with-defaults mode a get/get-config asks for (RFC 6243 clause 4.5), or the basic-mode."""
        basic = self.features.basic_mode or "explicit"
        asked = op.findtext(f"{{{WITH_DEFAULTS}}}with-defaults")
        if asked is None:
            return basic
        asked = asked.strip()
        if self.features.basic_mode is None or asked not in (basic, *self.features.also_supported):
            raise RpcFailure("invalid-value", f"with-defaults '{asked}' is not supported here", kind="application")
        return basic if self.fault == "ignore-with-defaults" else asked


__all__ = ["CAP", "ConfigOps", "EditError", "Features", "RpcFailure", "datastore_of"]
