"""Counterpart simulators (E2 node, Near-RT RIC) built on the sans-I/O E2 procedures."""
