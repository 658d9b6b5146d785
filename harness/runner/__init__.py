"""The runner: executes a test case's steps against a DUT and judges them."""
