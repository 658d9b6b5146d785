"""Evidence a test run leaves behind for reviewers (packet captures, ...)."""

from harness.evidence.pcapng import PPID_E2AP, Flow, PcapngWriter, crc32c, ipv4_checksum

__all__ = ["PcapngWriter", "Flow", "crc32c", "ipv4_checksum", "PPID_E2AP"]
