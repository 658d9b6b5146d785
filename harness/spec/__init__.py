"""Test specifications: YAML in, typed frozen models out, validated at collection time."""
