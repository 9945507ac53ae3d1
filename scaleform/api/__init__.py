"""The Scale API client: endpoints (method, path, body), typed errors, retries, pagination."""
