"""A local, persistent, Scale-compatible API (DESIGN §6): store, app, fixtures, faults."""
DEFAULT_API_KEY = "test_sandbox"
