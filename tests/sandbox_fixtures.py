"""Pytest plugin: sandbox servers on 127.0.0.1 for tests (owned by the sandbox layer)."""
