"""One compiled E2 codec per session (shared with the other E2 test folders)."""

from tests.helpers.e2fixtures import codec, messages  # noqa: F401  (fixtures)
