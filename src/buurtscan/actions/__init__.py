"""The orchestration layer: one module per command (fetch, merge, render, refresh, find, status, overview);
``batch`` is render's process pool and ``note`` the one note both of them render.

Each action takes :class:`~buurtscan.settings.Settings` and plain arguments, does the work through the
lower layers and returns a report dataclass. Actions never print; the CLI (``cli.py``) shows the result.
"""
