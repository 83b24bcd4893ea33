"""Schildwacht: information security and privacy (IBP) for Dutch school boards."""

__version__ = "0.1.0"
