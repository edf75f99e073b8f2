"""buurtscan — the globale scan of a Dutch buurt from open statistics and partner data."""

__version__ = "0.1.0"
