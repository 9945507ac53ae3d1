"""A local, persistent, Scale-compatible API: store, app, fixtures, faults, and the account twin."""

DEFAULT_API_KEY = "test_sandbox"
