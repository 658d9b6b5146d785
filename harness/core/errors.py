"""One error hierarchy for the harness: whose fault is it?

Every exception the harness raises derives from `HarnessError`, on exactly one of
three branches, so that the verdict and the exit status follow from the class and
never from a guess at the message (as h11 keeps ``LocalProtocolError`` apart from
``RemoteProtocolError``):

======================  ===========================  ==========================
branch                  in a test case               at the command line
======================  ===========================  ==========================
`UserError`             ERROR (nothing was judged)   one line, exit status 2
`LabError`              ERROR                        one line, exit status 2
`DutError`              FAIL                         one line, exit status 2
======================  ===========================  ==========================

A class keeps the builtin its callers catch (``class SpecError(UserError, ValueError)``)
so that the hierarchy changes no ``except`` clause. A base class that holds shared
attributes for both directions (`harness.codec.errors.CodecError`,
`harness.interfaces.mplane.client.MplaneError`) may sit on no branch; what is raised is always
one of its branch subclasses. Exceptions used only for control flow inside one module
derive from `HarnessError` itself and never escape it. tests/test_errors.py holds the
rule for every class in the package.
"""

from __future__ import annotations


class HarnessError(Exception):
    """The root of every exception the harness raises (catch this to catch them all)."""


class UserError(HarnessError):
    """The input of the person running the harness is wrong: a test spec, a DUT or lab
    profile, a command-line argument, a file named on the command line.

    Raise it when the fix is an edit by the user; the message names the place in the
    user's terms (``file:line``, the option, the key). The CLI prints it as one line
    and exits 2; in a test case it is an ERROR, never a FAIL.
    """


class LabError(HarnessError):
    """The lab or the harness itself broke: an unreachable host, TLS or SSH material,
    a missing tool (tshark, dumpcap, WeasyPrint), a simulator or transport failure.

    Raise it when nothing the DUT did explains the problem. In a test case it is an
    ERROR ("the lab broke"), never a FAIL.
    """


class DutError(HarnessError):
    """The DUT violated the protocol: bytes that do not decode, broken framing, a
    response that breaks the spec.

    Raise it only for what the DUT sent or did; in a test case it is a FAIL.
    """
