"""E2: the message view, the procedures (sans-I/O) and the E2 endpoints."""
