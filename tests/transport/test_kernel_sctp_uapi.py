"""Kernel SCTP ABI table: sizes, offsets, constants and byte order, byte for byte.

Runs everywhere (no SCTP needed). ctypes computes the C layout of the same
declarations independently of the hand-written offsets.
"""

import ctypes
import os
import shutil
import socket
import struct
import subprocess
import sys

import pytest

from harness.transport import kernel_sctp_uapi as U

u8, u16, u32, s32 = ctypes.c_uint8, ctypes.c_uint16, ctypes.c_uint32, ctypes.c_int32


class CSndinfo(ctypes.Structure):
    _fields_ = [("snd_sid", u16), ("snd_flags", u16), ("snd_ppid", u32),
                ("snd_context", u32), ("snd_assoc_id", s32)]


class CRcvinfo(ctypes.Structure):
    _fields_ = [("rcv_sid", u16), ("rcv_ssn", u16), ("rcv_flags", u16), ("rcv_ppid", u32),
                ("rcv_tsn", u32), ("rcv_cumtsn", u32), ("rcv_context", u32),
                ("rcv_assoc_id", s32)]


class CInitmsg(ctypes.Structure):
    _fields_ = [("sinit_num_ostreams", u16), ("sinit_max_instreams", u16),
                ("sinit_max_attempts", u16), ("sinit_max_init_timeo", u16)]


class CEvent(ctypes.Structure):
    _fields_ = [("se_assoc_id", s32), ("se_type", u16), ("se_on", u8)]


class CSnHeader(ctypes.Structure):
    _fields_ = [("sn_type", u16), ("sn_flags", u16), ("sn_length", u32)]


class CAssocChange(ctypes.Structure):
    _fields_ = [("sac_type", u16), ("sac_flags", u16), ("sac_length", u32),
                ("sac_state", u16), ("sac_error", u16), ("sac_outbound_streams", u16),
                ("sac_inbound_streams", u16), ("sac_assoc_id", s32)]


class CShutdownEvent(ctypes.Structure):
    _fields_ = [("sse_type", u16), ("sse_flags", u16), ("sse_length", u32),
                ("sse_assoc_id", s32)]


CTYPES = {
    "sctp_sndinfo": CSndinfo, "sctp_rcvinfo": CRcvinfo, "sctp_initmsg": CInitmsg,
    "sctp_event": CEvent, "sctp_notification.sn_header": CSnHeader,
    "sctp_assoc_change": CAssocChange, "sctp_shutdown_event": CShutdownEvent,
}


def le(value: int, size: int) -> bytes:
    return value.to_bytes(size, sys.byteorder)


def test_struct_sizes_from_the_header():
    sizes = {layout.name: layout.size for layout in U.LAYOUTS}
    assert sizes == {
        "sctp_initmsg": 8, "sctp_sndinfo": 16, "sctp_rcvinfo": 28, "sctp_event": 8,
        "sctp_notification.sn_header": 8, "sctp_assoc_change": 20, "sctp_shutdown_event": 12,
    }


@pytest.mark.parametrize("layout", U.LAYOUTS, ids=lambda layout: layout.name)
def test_layout_matches_ctypes(layout):
    cstruct = CTYPES[layout.name]
    assert ctypes.sizeof(cstruct) == layout.size
    assert [name for name, _ in cstruct._fields_] == [f.name for f in layout.fields]
    for f in layout.fields:
        assert getattr(cstruct, f.name).offset == f.offset, f.name
        assert getattr(cstruct, f.name).size == f.size, f.name


@pytest.mark.parametrize("layout", U.LAYOUTS, ids=lambda layout: layout.name)
def test_fields_are_naturally_aligned_and_in_bounds(layout):
    end = 0
    for f in layout.fields:
        assert f.offset % f.size == 0 and f.offset >= end
        end = f.offset + f.size
    assert end <= layout.size


def test_rcvinfo_offsets():
    offsets = {f.name: f.offset for f in U.SCTP_RCVINFO_LAYOUT.fields}
    assert offsets == {"rcv_sid": 0, "rcv_ssn": 2, "rcv_flags": 4, "rcv_ppid": 8,
                       "rcv_tsn": 12, "rcv_cumtsn": 16, "rcv_context": 20,
                       "rcv_assoc_id": 24}


def test_sndinfo_offsets():
    offsets = {f.name: f.offset for f in U.SCTP_SNDINFO_LAYOUT.fields}
    assert offsets == {"snd_sid": 0, "snd_flags": 2, "snd_ppid": 4, "snd_context": 8,
                       "snd_assoc_id": 12}


def test_sndinfo_packs_byte_for_byte_with_ppid_in_network_order():
    raw = U.pack_sndinfo(sid=1, ppid=70, flags=U.SCTP_UNORDERED, context=0x01020304,
                         assoc_id=-2)
    assert len(raw) == 16
    assert raw[0:2] == le(1, 2)
    assert raw[2:4] == le(U.SCTP_UNORDERED, 2)
    assert raw[4:8] == b"\x00\x00\x00\x46"                       # PPID 70, big-endian
    assert raw[8:12] == le(0x01020304, 4)
    assert raw[12:16] == (-2).to_bytes(4, sys.byteorder, signed=True)


@pytest.mark.skipif(sys.byteorder != "little", reason="literal is for little-endian hosts")
def test_sndinfo_literal_on_little_endian():
    assert U.pack_sndinfo(sid=1, ppid=70) == bytes.fromhex("0100 0000 00000046 00000000 00000000")
    assert U.pack_sndinfo(sid=0x0102, ppid=0x11223344) == bytes.fromhex(
        "0201 0000 11223344 00000000 00000000")


def test_ppid_equals_htonl():
    raw = U.pack_sndinfo(sid=0, ppid=0x11223344)
    assert struct.unpack_from("=I", raw, 4)[0] == socket.htonl(0x11223344)


def test_rcvinfo_unpacks_byte_for_byte():
    raw = (le(3, 2) + le(7, 2) + le(U.SCTP_UNORDERED, 2) + b"\xee\xee"
           + b"\x00\x00\x00\x46" + le(1000, 4) + le(999, 4) + le(5, 4)
           + (42).to_bytes(4, sys.byteorder, signed=True))
    assert len(raw) == 28
    assert U.unpack_rcvinfo(raw) == {
        "rcv_sid": 3, "rcv_ssn": 7, "rcv_flags": U.SCTP_UNORDERED, "rcv_ppid": 70,
        "rcv_tsn": 1000, "rcv_cumtsn": 999, "rcv_context": 5, "rcv_assoc_id": 42}
    with pytest.raises(ValueError):
        U.unpack_rcvinfo(raw[:27])


def test_rcvinfo_round_trip_and_zero_padding():
    values = {"rcv_sid": 65535, "rcv_ssn": 1, "rcv_flags": 0, "rcv_ppid": 0xDEADBEEF,
              "rcv_tsn": 2**32 - 1, "rcv_cumtsn": 0, "rcv_context": 9, "rcv_assoc_id": -1}
    raw = U.SCTP_RCVINFO_LAYOUT.pack(**values)
    assert raw[6:8] == b"\x00\x00"
    assert raw[8:12] == b"\xde\xad\xbe\xef"
    assert U.unpack_rcvinfo(raw) == values


def test_event_struct_and_initmsg():
    raw = U.pack_event(U.SCTP_ASSOC_CHANGE, True)
    assert raw == le(0, 4) + le(0x8001, 2) + b"\x01\x00"
    assert U.pack_initmsg(16, 17) == le(16, 2) + le(17, 2) + le(0, 2) + le(0, 2)


def test_event_subscribe_prefix():
    assert U.event_subscribe_prefix(U.SCTP_ASSOC_CHANGE, U.SCTP_SHUTDOWN_EVENT) == \
        b"\x00\x01\x00\x00\x00\x01"


def test_pack_rejects_unknown_fields():
    with pytest.raises(KeyError):
        U.SCTP_SNDINFO_LAYOUT.pack(snd_stream=1)


def test_constants_from_the_header():
    assert (U.IPPROTO_SCTP, U.SOL_SCTP) == (132, 132)
    assert (U.SCTP_INITMSG, U.SCTP_NODELAY, U.SCTP_EVENTS, U.SCTP_RECVRCVINFO,
            U.SCTP_EVENT) == (2, 3, 11, 32, 127)
    assert (U.SCTP_INIT, U.SCTP_SNDRCV, U.SCTP_SNDINFO, U.SCTP_RCVINFO) == (0, 1, 2, 3)
    assert U.MSG_NOTIFICATION == 0x8000
    assert (U.SCTP_UNORDERED, U.SCTP_ABORT, U.SCTP_EOF) == (1, 4, 0x200)
    assert (U.SCTP_ASSOC_CHANGE, U.SCTP_SHUTDOWN_EVENT, U.SCTP_SEND_FAILED_EVENT) == \
        (0x8001, 0x8005, 0x800D)
    assert (U.SCTP_COMM_UP, U.SCTP_COMM_LOST, U.SCTP_RESTART, U.SCTP_SHUTDOWN_COMP,
            U.SCTP_CANT_STR_ASSOC) == (0, 1, 2, 3, 4)


def test_constants_agree_with_the_stdlib_where_it_has_them():
    assert socket.IPPROTO_SCTP == U.IPPROTO_SCTP
    if hasattr(socket, "MSG_EOR"):
        assert socket.MSG_EOR == U.MSG_EOR
    if hasattr(socket, "MSG_CTRUNC"):
        assert socket.MSG_CTRUNC == U.MSG_CTRUNC
    for name in ("SOL_SCTP", "SCTP_SNDINFO", "SCTP_RCVINFO", "SCTP_RECVRCVINFO"):
        if hasattr(socket, name):                      # not in CPython 3.11/3.12
            assert getattr(socket, name) == getattr(U, name)


# --- cross-check against the installed C header, where a compiler and it exist ----

HEADER = "/usr/include/linux/sctp.h"
C_TYPES = {  # layout name -> (C type expression, field prefix inside it)
    "sctp_initmsg": ("struct sctp_initmsg", ""),
    "sctp_sndinfo": ("struct sctp_sndinfo", ""),
    "sctp_rcvinfo": ("struct sctp_rcvinfo", ""),
    "sctp_event": ("struct sctp_event", ""),
    "sctp_notification.sn_header": ("union sctp_notification", "sn_header."),
    "sctp_assoc_change": ("struct sctp_assoc_change", ""),
    "sctp_shutdown_event": ("struct sctp_shutdown_event", ""),
}
C_CONSTANTS = ("SOL_SCTP", "SCTP_INITMSG", "SCTP_NODELAY", "SCTP_EVENTS", "SCTP_RECVRCVINFO",
               "SCTP_EVENT", "SCTP_SNDINFO", "SCTP_RCVINFO", "MSG_NOTIFICATION",
               "SCTP_UNORDERED", "SCTP_ABORT", "SCTP_EOF", "SCTP_ASSOC_CHANGE",
               "SCTP_SHUTDOWN_EVENT", "SCTP_COMM_UP", "SCTP_COMM_LOST", "SCTP_SHUTDOWN_COMP",
               "SCTP_CANT_STR_ASSOC", "SCTP_RESTART", "MSG_EOR")


@pytest.mark.skipif(not (shutil.which("cc") and os.path.exists(HEADER)),
                    reason=f"needs a C compiler and {HEADER} (linux-libc-dev)")
def test_layouts_and_constants_match_the_installed_header(tmp_path):
    lines = ["#include <stdio.h>", "#include <stddef.h>", "#include <stdint.h>",
             "#include <sys/socket.h>", "#include <linux/sctp.h>",
             "#ifndef SOL_SCTP", "#define SOL_SCTP 132", "#endif",
             "int main(void) {"]
    for layout in U.LAYOUTS:
        ctype, prefix = C_TYPES[layout.name]
        lines.append(f'printf("{layout.name} size %zu\\n", sizeof({ctype}));')
        for f in layout.fields:
            lines.append(f'printf("{layout.name} {f.name} %zu\\n", '
                         f'offsetof({ctype}, {prefix}{f.name}));')
    for name in C_CONSTANTS:
        lines.append(f'printf("const {name} %ld\\n", (long)({name}));')
    lines.append("return 0; }")
    src = tmp_path / "probe.c"
    src.write_text("\n".join(lines))
    exe = tmp_path / "probe"
    subprocess.run(["cc", "-o", str(exe), str(src)], check=True, capture_output=True)
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    got = {tuple(line.split()[:2]): int(line.split()[2]) for line in out.splitlines()}
    for layout in U.LAYOUTS:
        if layout.name == "sctp_notification.sn_header":
            pass                                   # the union is larger than its header
        else:
            assert got[(layout.name, "size")] == layout.size, layout.name
        for f in layout.fields:
            assert got[(layout.name, f.name)] == f.offset, (layout.name, f.name)
    for name in C_CONSTANTS:
        assert got[("const", name)] == getattr(U, name), name
