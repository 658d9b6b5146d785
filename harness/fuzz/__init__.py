"""Fuzzing the parsers that take outside input, and the corpus of inputs that once broke them."""
