"""TnlGroup: several associations read and written as one E2 interface (harness/transport/group.py),
on real in-process link ends: messages from any member, a lost member taken out and noted while the
others carry on, `PeerClosed` only once none is left, answers where the last message came from."""

from __future__ import annotations

import pytest

from harness.transport import inproc
from harness.transport.base import PeerClosed
from harness.transport.group import TnlGroup


def _two():
    ours1, theirs1 = inproc.pair("harness", "dut")
    ours2, theirs2 = inproc.pair("harness-tnl", "dut-tnl")
    group = TnlGroup(ours1, link="e2")
    assert group.add(ours2, link="e2-b") == "TNL 2"
    return group, theirs1, theirs2


def test_messages_come_from_every_member_and_answers_go_back_where_the_last_came_from():
    group, first, second = _two()
    second.send(b"on two")
    assert group.recv(0.5).data == b"on two" and group.via.label == "TNL 2"
    group.send(b"answer")
    assert second.recv(0.5).data == b"answer" and first.recv(0.05) is None
    first.send(b"on one")
    assert group.recv(0.5).data == b"on one"
    group.send(b"answer one")
    assert first.recv(0.5).data == b"answer one"
    group.send_on("TNL 2", b"chosen")
    assert second.recv(0.5).data == b"chosen"


def test_a_lost_member_is_noted_and_the_others_carry_on_until_none_is_left():
    group, first, second = _two()
    first.close()
    assert group.recv(0.1) is None
    assert [(x.label, x.link) for x in group.lost] == [("TNL 1", "e2")] and group.alive == ["TNL 2"]
    assert any(e.kind == "down" and "TNL 1" in e.detail for e in group.events)
    second.send(b"still here")
    assert group.recv(0.5).data == b"still here"
    group.send(b"reply")                                   # nowhere to go but TNL 2
    assert second.recv(0.5).data == b"reply"
    with pytest.raises(PeerClosed, match="TNL 1 is not up"):
        group.send_on("TNL 1", b"x")
    assert group.send_on("TNL 1", b"fallback", fallback=True).data == b"fallback"
    assert second.recv(0.5).data == b"fallback"
    second.close()
    with pytest.raises(PeerClosed, match="every TNL association is lost: TNL 1: .*TNL 2"):
        group.recv(0.1)


def test_a_group_of_one_is_the_association_itself_as_before():
    ours, theirs = inproc.pair()
    group = TnlGroup.of(ours)
    assert TnlGroup.of(group) is group and group.newest == "TNL 1"
    theirs.close()
    with pytest.raises(PeerClosed):
        group.recv(0.1)
