"""Renderers: text, JSON and Markdown views of one row model (see rows.py)."""
