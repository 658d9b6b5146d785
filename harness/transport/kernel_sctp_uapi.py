"""Linux kernel SCTP socket ABI: the constants and struct layouts we use.

Every number here was read from the Linux UAPI header ``include/uapi/linux/sctp.h``
(checked against Debian 12's ``/usr/include/linux/sctp.h`` from linux-libc-dev 6.1
and torvalds/linux), except where a line says otherwise:

- ``SOL_SCTP = 132`` is in the kernel-internal ``include/linux/socket.h`` and in
  glibc's ``bits/socket.h`` (the UAPI header does not define it);
- ``MSG_FIN = 0x200`` (what ``SCTP_EOF`` is defined as) is in glibc's
  ``bits/socket.h`` / ``include/linux/socket.h``.

Behaviour facts from the kernel sources (net/sctp), relied on by kernel_sctp.py:

- ``sctp_ulpevent_read_rcvinfo`` copies ``event->ppid`` into ``rcv_ppid`` without
  conversion and the send path copies ``snd_ppid`` onto the wire as is, so the
  PPID field of both structs holds the value in *network* byte order; every
  other field is host byte order.
- ``sctp_setsockopt_event`` (SCTP_EVENT, kernel >= 5.1) rejects an optlen
  shorter than ``sizeof(struct sctp_event)`` (8).
- ``sctp_setsockopt_events`` (SCTP_EVENTS, the older option) rejects an optlen
  *longer* than the kernel's ``struct sctp_event_subscribe``, which has grown
  over the years (osmocom issue 5366), so a short prefix is the portable form.

The layouts are declared field by field with explicit offsets (C natural
alignment, no packing), so the tests can check them byte for byte and against
ctypes, which computes the same C layout independently.
"""

from __future__ import annotations

import struct
import sys
from dataclasses import dataclass

# --- levels and protocol numbers -------------------------------------------------
IPPROTO_SCTP = 132          # netinet/in.h, linux/in.h
SOL_SCTP = 132              # include/linux/socket.h, glibc bits/socket.h

# --- socket options (level SOL_SCTP) ---------------------------------------------
SCTP_RTOINFO = 0
SCTP_ASSOCINFO = 1
SCTP_INITMSG = 2
SCTP_NODELAY = 3
SCTP_EVENTS = 11
SCTP_PEER_ADDR_PARAMS = 9
SCTP_STATUS = 14
SCTP_RECVRCVINFO = 32
SCTP_EVENT = 127

# --- spp_flags of struct sctp_paddrparams (enum sctp_spp_flags) ----------------
SPP_HB_ENABLE = 1 << 0
SPP_HB_DISABLE = 1 << 1

# --- cmsg types (enum sctp_cmsg_type) --------------------------------------------
SCTP_INIT = 0
SCTP_SNDRCV = 1
SCTP_SNDINFO = 2
SCTP_RCVINFO = 3
SCTP_NXTINFO = 4

# --- msg_flags -------------------------------------------------------------------
MSG_NOTIFICATION = 0x8000   # enum sctp_msg_flags
MSG_EOR = 0x80              # bits/socket.h (also socket.MSG_EOR)
MSG_CTRUNC = 0x08           # bits/socket.h
MSG_FIN = 0x200             # bits/socket.h

# --- snd_flags / rcv_flags (enum sctp_sinfo_flags) -------------------------------
SCTP_UNORDERED = 1 << 0
SCTP_ADDR_OVER = 1 << 1
SCTP_ABORT = 1 << 2
SCTP_SACK_IMMEDIATELY = 1 << 3
SCTP_SENDALL = 1 << 6
SCTP_EOF = MSG_FIN

# --- association ids (sctp_assoc_t is __s32) -------------------------------------
SCTP_FUTURE_ASSOC = 0
SCTP_CURRENT_ASSOC = 1
SCTP_ALL_ASSOC = 2

# --- notification types (enum sctp_sn_type) --------------------------------------
SCTP_SN_TYPE_BASE = 1 << 15
SCTP_DATA_IO_EVENT = SCTP_SN_TYPE_BASE
SCTP_ASSOC_CHANGE = SCTP_SN_TYPE_BASE + 1
SCTP_PEER_ADDR_CHANGE = SCTP_SN_TYPE_BASE + 2
SCTP_SEND_FAILED = SCTP_SN_TYPE_BASE + 3
SCTP_REMOTE_ERROR = SCTP_SN_TYPE_BASE + 4
SCTP_SHUTDOWN_EVENT = SCTP_SN_TYPE_BASE + 5
SCTP_PARTIAL_DELIVERY_EVENT = SCTP_SN_TYPE_BASE + 6
SCTP_ADAPTATION_INDICATION = SCTP_SN_TYPE_BASE + 7
SCTP_AUTHENTICATION_EVENT = SCTP_SN_TYPE_BASE + 8
SCTP_SENDER_DRY_EVENT = SCTP_SN_TYPE_BASE + 9
SCTP_STREAM_RESET_EVENT = SCTP_SN_TYPE_BASE + 10
SCTP_ASSOC_RESET_EVENT = SCTP_SN_TYPE_BASE + 11
SCTP_STREAM_CHANGE_EVENT = SCTP_SN_TYPE_BASE + 12
SCTP_SEND_FAILED_EVENT = SCTP_SN_TYPE_BASE + 13

NOTIFICATION_NAMES = {
    SCTP_ASSOC_CHANGE: "SCTP_ASSOC_CHANGE",
    SCTP_PEER_ADDR_CHANGE: "SCTP_PEER_ADDR_CHANGE",
    SCTP_SEND_FAILED: "SCTP_SEND_FAILED",
    SCTP_REMOTE_ERROR: "SCTP_REMOTE_ERROR",
    SCTP_SHUTDOWN_EVENT: "SCTP_SHUTDOWN_EVENT",
    SCTP_PARTIAL_DELIVERY_EVENT: "SCTP_PARTIAL_DELIVERY_EVENT",
    SCTP_ADAPTATION_INDICATION: "SCTP_ADAPTATION_INDICATION",
    SCTP_AUTHENTICATION_EVENT: "SCTP_AUTHENTICATION_EVENT",
    SCTP_SENDER_DRY_EVENT: "SCTP_SENDER_DRY_EVENT",
    SCTP_STREAM_RESET_EVENT: "SCTP_STREAM_RESET_EVENT",
    SCTP_ASSOC_RESET_EVENT: "SCTP_ASSOC_RESET_EVENT",
    SCTP_STREAM_CHANGE_EVENT: "SCTP_STREAM_CHANGE_EVENT",
    SCTP_SEND_FAILED_EVENT: "SCTP_SEND_FAILED_EVENT",
}

# --- sac_state (enum sctp_sac_state) ---------------------------------------------
SCTP_COMM_UP = 0
SCTP_COMM_LOST = 1
SCTP_RESTART = 2
SCTP_SHUTDOWN_COMP = 3
SCTP_CANT_STR_ASSOC = 4

SAC_STATE_NAMES = {
    SCTP_COMM_UP: "COMM_UP",
    SCTP_COMM_LOST: "COMM_LOST",
    SCTP_RESTART: "RESTART",
    SCTP_SHUTDOWN_COMP: "SHUTDOWN_COMP",
    SCTP_CANT_STR_ASSOC: "CANT_STR_ASSOC",
}

# Byte index of each flag in struct sctp_event_subscribe (SCTP_EVENTS option):
# byte i switches notification type SCTP_SN_TYPE_BASE + i.
EVENT_SUBSCRIBE_INDEX = {
    SCTP_DATA_IO_EVENT: 0,
    SCTP_ASSOC_CHANGE: 1,
    SCTP_PEER_ADDR_CHANGE: 2,
    SCTP_SEND_FAILED: 3,
    SCTP_REMOTE_ERROR: 4,
    SCTP_SHUTDOWN_EVENT: 5,
}


# --- struct layouts --------------------------------------------------------------

# C type → (struct format char, size); all naturally aligned to their size.
_CTYPES = {
    "__u8": ("B", 1),
    "__u16": ("H", 2),
    "__u32": ("I", 4),
    "__s32": ("i", 4),          # also sctp_assoc_t
}


@dataclass(frozen=True)
class Field:
    name: str
    ctype: str                  # '__u8' | '__u16' | '__u32' | '__s32'
    offset: int
    network_order: bool = False  # True only for the PPID fields

    @property
    def size(self) -> int:
        return _CTYPES[self.ctype][1]

    @property
    def fmt(self) -> str:
        return ("!" if self.network_order else "=") + _CTYPES[self.ctype][0]


@dataclass(frozen=True)
class Layout:
    """One C struct: fields at fixed offsets, total size including tail padding."""

    name: str
    size: int
    fields: tuple[Field, ...]
    source: str                 # where in linux/sctp.h it is declared

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} has no field {name!r}")

    def pack(self, **values: int) -> bytes:
        """The struct's bytes; fields not given are zero; padding is zero."""
        unknown = set(values) - {f.name for f in self.fields}
        if unknown:
            raise KeyError(f"{self.name} has no field(s) {sorted(unknown)}")
        buf = bytearray(self.size)
        for f in self.fields:
            struct.pack_into(f.fmt, buf, f.offset, values.get(f.name, 0))
        return bytes(buf)

    def unpack(self, data: bytes) -> dict[str, int]:
        """Field values from at least ``size`` bytes (extra bytes are ignored)."""
        if len(data) < self.size:
            raise ValueError(f"{self.name}: need {self.size} bytes, got {len(data)}")
        return {f.name: struct.unpack_from(f.fmt, data, f.offset)[0] for f in self.fields}


def _layout(name: str, source: str, size: int, *fields: tuple) -> Layout:
    return Layout(name, size, tuple(Field(*f) for f in fields), source)


SCTP_INITMSG_LAYOUT = _layout(
    "sctp_initmsg", "5.3.1 SCTP Initiation Structure (SCTP_INIT)", 8,
    ("sinit_num_ostreams", "__u16", 0),
    ("sinit_max_instreams", "__u16", 2),
    ("sinit_max_attempts", "__u16", 4),
    ("sinit_max_init_timeo", "__u16", 6),
)

SCTP_SNDINFO_LAYOUT = _layout(
    "sctp_sndinfo", "5.3.4 SCTP Send Information Structure (SCTP_SNDINFO)", 16,
    ("snd_sid", "__u16", 0),
    ("snd_flags", "__u16", 2),
    ("snd_ppid", "__u32", 4, True),
    ("snd_context", "__u32", 8),
    ("snd_assoc_id", "__s32", 12),
)

SCTP_RCVINFO_LAYOUT = _layout(
    "sctp_rcvinfo", "5.3.5 SCTP Receive Information Structure (SCTP_RCVINFO)", 28,
    ("rcv_sid", "__u16", 0),
    ("rcv_ssn", "__u16", 2),
    ("rcv_flags", "__u16", 4),
    # 2 bytes of padding at offset 6: rcv_ppid is 4-aligned
    ("rcv_ppid", "__u32", 8, True),
    ("rcv_tsn", "__u32", 12),
    ("rcv_cumtsn", "__u32", 16),
    ("rcv_context", "__u32", 20),
    ("rcv_assoc_id", "__s32", 24),
)

SCTP_EVENT_LAYOUT = _layout(
    "sctp_event", "struct sctp_event (SCTP_EVENT socket option, RFC 6458 6.2.2)", 8,
    ("se_assoc_id", "__s32", 0),
    ("se_type", "__u16", 4),
    ("se_on", "__u8", 6),
    # 1 byte of tail padding: the struct is 4-aligned
)

SCTP_NOTIFICATION_HEADER_LAYOUT = _layout(
    "sctp_notification.sn_header", "5.3.1 SCTP Notification Structure (sn_header)", 8,
    ("sn_type", "__u16", 0),
    ("sn_flags", "__u16", 2),
    ("sn_length", "__u32", 4),
)

SCTP_ASSOC_CHANGE_LAYOUT = _layout(
    "sctp_assoc_change", "5.3.1.1 SCTP_ASSOC_CHANGE", 20,     # + sac_info[] flexible
    ("sac_type", "__u16", 0),
    ("sac_flags", "__u16", 2),
    ("sac_length", "__u32", 4),
    ("sac_state", "__u16", 8),
    ("sac_error", "__u16", 10),
    ("sac_outbound_streams", "__u16", 12),
    ("sac_inbound_streams", "__u16", 14),
    ("sac_assoc_id", "__s32", 16),
)

SCTP_SHUTDOWN_EVENT_LAYOUT = _layout(
    "sctp_shutdown_event", "5.3.1.5 SCTP_SHUTDOWN_EVENT", 12,
    ("sse_type", "__u16", 0),
    ("sse_flags", "__u16", 2),
    ("sse_length", "__u32", 4),
    ("sse_assoc_id", "__s32", 8),
)

# The failure-detection timer options (harness.transport.sctp_timers). Their field order
# differs from usrsctp's BSD header: asocmaxrxt comes second in Linux's sctp_assocparams,
# and sctp_paddrparams is __attribute__((packed, aligned(4))) with the assoc id first.
SCTP_RTOINFO_LAYOUT = _layout(
    "sctp_rtoinfo", "7.1.1 Retransmission Timeout Parameters (SCTP_RTOINFO)", 16,
    ("srto_assoc_id", "__s32", 0),
    ("srto_initial", "__u32", 4),
    ("srto_max", "__u32", 8),
    ("srto_min", "__u32", 12),
)

SCTP_ASSOCPARAMS_LAYOUT = _layout(
    "sctp_assocparams", "7.1.2 Association Parameters (SCTP_ASSOCINFO)", 20,
    ("sasoc_assoc_id", "__s32", 0),
    ("sasoc_asocmaxrxt", "__u16", 4),
    ("sasoc_number_peer_destinations", "__u16", 6),
    ("sasoc_peer_rwnd", "__u32", 8),
    ("sasoc_local_rwnd", "__u32", 12),
    ("sasoc_cookie_life", "__u32", 16),
)

SCTP_PADDRPARAMS_LAYOUT = _layout(
    "sctp_paddrparams", "7.1.13 Peer Address Parameters (SCTP_PEER_ADDR_PARAMS)", 156,
    ("spp_assoc_id", "__s32", 0),
    # struct sockaddr_storage spp_address at 4..132 (all zero: the wildcard, every destination)
    ("spp_hbinterval", "__u32", 132),
    ("spp_pathmaxrxt", "__u16", 136),
    ("spp_pathmtu", "__u32", 138),            # packed: unaligned from here on
    ("spp_sackdelay", "__u32", 142),
    ("spp_flags", "__u32", 146),
    ("spp_ipv6_flowlabel", "__u32", 150),     # kernel >= 4.17 (older ones take the first 152 bytes)
    ("spp_dscp", "__u8", 154),
    # 1 byte of tail padding: aligned(4)
)

TIMER_LAYOUTS: tuple[Layout, ...] = (SCTP_RTOINFO_LAYOUT, SCTP_ASSOCPARAMS_LAYOUT, SCTP_PADDRPARAMS_LAYOUT)

LAYOUTS: tuple[Layout, ...] = (
    SCTP_INITMSG_LAYOUT,
    SCTP_SNDINFO_LAYOUT,
    SCTP_RCVINFO_LAYOUT,
    SCTP_EVENT_LAYOUT,
    SCTP_NOTIFICATION_HEADER_LAYOUT,
    SCTP_ASSOC_CHANGE_LAYOUT,
    SCTP_SHUTDOWN_EVENT_LAYOUT,
)


# --- helpers used by the transport -----------------------------------------------

def pack_sndinfo(*, sid: int, ppid: int, flags: int = 0, context: int = 0,
                 assoc_id: int = 0) -> bytes:
    return SCTP_SNDINFO_LAYOUT.pack(snd_sid=sid, snd_flags=flags, snd_ppid=ppid,
                                    snd_context=context, snd_assoc_id=assoc_id)


def unpack_rcvinfo(data: bytes) -> dict[str, int]:
    return SCTP_RCVINFO_LAYOUT.unpack(data)


def pack_event(event_type: int, on: bool, assoc_id: int = SCTP_FUTURE_ASSOC) -> bytes:
    return SCTP_EVENT_LAYOUT.pack(se_assoc_id=assoc_id, se_type=event_type, se_on=int(on))


def pack_initmsg(ostreams: int, instreams: int, max_attempts: int = 0,
                 max_init_timeo: int = 0) -> bytes:
    return SCTP_INITMSG_LAYOUT.pack(sinit_num_ostreams=ostreams, sinit_max_instreams=instreams,
                                    sinit_max_attempts=max_attempts,
                                    sinit_max_init_timeo=max_init_timeo)


def pack_rtoinfo(initial: int, min_: int, max_: int, assoc_id: int = SCTP_FUTURE_ASSOC) -> bytes:
    return SCTP_RTOINFO_LAYOUT.pack(srto_assoc_id=assoc_id, srto_initial=initial, srto_max=max_,
                                    srto_min=min_)


def pack_assocparams(asocmaxrxt: int, assoc_id: int = SCTP_FUTURE_ASSOC) -> bytes:
    """Only Association.Max.Retrans; the zero fields mean 'leave unchanged' to the kernel."""
    return SCTP_ASSOCPARAMS_LAYOUT.pack(sasoc_assoc_id=assoc_id, sasoc_asocmaxrxt=asocmaxrxt)


def pack_paddrparams(hbinterval: int, pathmaxrxt: int, flags: int = SPP_HB_ENABLE,
                     assoc_id: int = SCTP_FUTURE_ASSOC) -> bytes:
    """For every destination (wildcard address); zero fields mean 'leave unchanged'."""
    return SCTP_PADDRPARAMS_LAYOUT.pack(spp_assoc_id=assoc_id, spp_hbinterval=hbinterval,
                                        spp_pathmaxrxt=pathmaxrxt, spp_flags=flags)


def event_subscribe_prefix(*types: int) -> bytes:
    """A short struct sctp_event_subscribe (SCTP_EVENTS) switching on ``types``."""
    length = max(EVENT_SUBSCRIBE_INDEX[t] for t in types) + 1
    buf = bytearray(length)
    for t in types:
        buf[EVENT_SUBSCRIBE_INDEX[t]] = 1
    return bytes(buf)


HOST_BYTE_ORDER = sys.byteorder
