"""Transports: move bytes with their metadata; never interpret payloads."""
