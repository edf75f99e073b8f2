"""The report: a pure model built from a scan, and one renderer module per format."""
