"""A local, persistent, Scale-compatible API: store, app, fixtures, faults, the account twin, and
the connection a Target uses to reach it inside this process (connect.py)."""

DEFAULT_API_KEY = "test_sandbox"
