"""Benchmarks, each measured side by side with a named peer in the same run."""
