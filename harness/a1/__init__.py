"""A1 interface (Non-RT RIC <-> Near-RT RIC): the A1-P data model, paths and validation."""
