"""Resilience campaigns (issue 20): a matrix of impairments x test cases x repetitions, and the
distributions of the recovery figures it measured (docs/campaigns.md)."""
