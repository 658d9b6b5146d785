import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The spec engine knows no protocol: the interface bindings register theirs when imported, as the
# session, the CLI and the pytest plugin do. Tests that call the spec loader directly rely on this.
import harness.interfaces  # noqa: E402,F401
