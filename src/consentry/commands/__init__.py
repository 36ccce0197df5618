"""Thin CLI layers over the Python API, one module per area; each exposes `register(app)`."""
