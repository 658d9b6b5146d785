"""oran-harness: an Open RAN interoperability and conformance test harness."""

__version__ = "0.1.0"
