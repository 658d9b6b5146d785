"""Thin: load the harness pytest plugin (also registered as a pytest11 entry point)."""

pytest_plugins = ["harness.pytest_plugin"]
