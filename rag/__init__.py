"""Quelle: German document question answering with cited pages."""

__version__ = "0.1.0"
