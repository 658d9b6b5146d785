"""Captures: reading lab pcap/pcapng files into whole E2/A1 messages, and what is built on that."""
