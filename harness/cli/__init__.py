"""Command-line interface: ``oran-harness``."""
