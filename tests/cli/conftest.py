"""CLI tests use the fixtures of tests/conftest.py (isolation, keyring, ``cli``)."""
